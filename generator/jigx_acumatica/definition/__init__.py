"""The table definition: the user's contract, loaded and checked with file:line:column errors."""

from .load import check_unique, load_definition, load_definitions, with_warning_lines
from .model import COLUMN_TYPES, JOIN_TYPES, Column, Join, TableDef, default_on_change, writes_to

__all__ = ["COLUMN_TYPES", "JOIN_TYPES", "Column", "Join", "TableDef", "check_unique", "default_on_change",
           "load_definition", "load_definitions", "with_warning_lines", "writes_to"]
