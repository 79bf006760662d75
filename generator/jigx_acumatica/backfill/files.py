"""backfill --from: the rows from a file instead of OData (a JSON array of row objects, or a CSV
as saved from the inquiry's grid: a header row of captions), for an instance that cannot expose
OData and for trying it offline. Read as a stream, page by page."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..yamlio import read_bytes_limited

MAX_BYTES = 2 * 1024 * 1024 * 1024


def read_rows(path: Path) -> Iterator[dict[str, Any]]:
    data = read_bytes_limited(path, what="rows file", kind="JSON or CSV", max_bytes=MAX_BYTES)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("the rows file is not UTF-8 text", path=path, hint="save it as UTF-8 (CSV or JSON)") from None
    if path.suffix.lower() == ".json" or text.lstrip().startswith("["):
        yield from _json_rows(text, path)
    else:
        yield from _csv_rows(text, path)


def _json_rows(text: str, path: Path) -> Iterator[dict[str, Any]]:
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", path=path, line=exc.lineno, column=exc.colno,
                         hint="a JSON array of row objects keyed by the column captions") from None
    except RecursionError:
        raise InputError("the JSON is nested too deeply", path=path, hint="a JSON array of row objects") from None
    if isinstance(rows, dict) and isinstance(rows.get("value"), list):
        rows = rows["value"]  # an OData answer saved as it came
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise InputError("the rows file must be a JSON array of objects", path=path,
                         hint='e.g. [{"CustomerID": "C001", "_mod": "2026-01-01T10:00:00"}]')
    yield from rows


def _csv_rows(text: str, path: Path) -> Iterator[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    with _csv_errors(reader, path):
        fieldnames = reader.fieldnames
    if not fieldnames:
        raise InputError("the CSV has no header row", path=path, hint="the first row names the columns (captions)")
    names = [n.strip() for n in fieldnames]
    while True:
        with _csv_errors(reader, path):
            row = next(reader, None)
        if row is None:
            return
        if None in row:
            raise InputError(f"row {reader.line_num} has more fields than the header", path=path,
                             line=reader.line_num, hint="check the CSV's quoting")
        yield {name: value for name, value in zip(names, row.values(), strict=False)}


@contextlib.contextmanager
def _csv_errors(reader: csv.DictReader[str], path: Path) -> Iterator[None]:
    """The csv module's refusals (a field over its size limit, a broken quote) as input errors."""
    try:
        yield
    except csv.Error as exc:
        raise InputError(f"the CSV cannot be read: {exc}", path=path, line=reader.line_num + 1,
                         hint="check the quoting around that line; a field may hold at most "
                              f"{csv.field_size_limit()} characters") from None


def count_rows(path: Path) -> int:
    """How many rows the file holds (for a progress bar)."""
    return sum(1 for _ in read_rows(path))
