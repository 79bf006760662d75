"""Rows as the source holds them: files read as the user means them (files.py: CSV, JSON, an
OData answer, a workbook; reader.py: the columns and every row checked before anything is sent),
each value read for its column's type in one place (values.py), shaped as a push (shape.py)."""

from .reader import FileRows, Summary
from .values import BadValue, Context, ReadOptions

__all__ = ["BadValue", "Context", "FileRows", "ReadOptions", "Summary"]
