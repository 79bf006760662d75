"""The rows files `backfill --from` and `reconcile --from` read instead of OData, for an instance
that cannot expose OData and for trying it offline. Files as consultants have them: a CSV as saved from the
inquiry's grid (a header row of captions; `,`, `;` or tab separated; UTF-8 with or without a
BOM, or UTF-16 as Windows saves "Unicode text"), a JSON array of row objects (or an OData answer
saved as it came), or an Excel workbook (.xlsx, Acumatica's grid export; the `xlsx` extra).
Every format is read as a stream, one row at a time: memory stays flat however large the file."""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import IO, Any

from ..errors import InputError
from ..yamlio import check_readable
from .values import FormulaWithoutValue

MAX_BYTES = 2 * 1024 * 1024 * 1024
KINDS = "CSV, JSON or .xlsx"
DELIMITERS = (",", ";", "\t")
_CHUNK = 1 << 16


class RowFile:
    """A rows file, read as a stream each time its rows are asked for: its format, its header (the
    columns it names) and where a row stands in it, for messages."""

    def __init__(self, path: Path, *, sheet: str | None = None) -> None:
        check_readable(path, what="rows file", kind=KINDS, max_bytes=MAX_BYTES)
        self.path, self.sheet = path, sheet
        self.kind = "xlsx" if path.suffix.lower() == ".xlsx" else _text_kind(path)
        self.delimiter: str | None = None
        self.sheet_name: str | None = None  # the sheet read, once known
        if sheet is not None and self.kind != "xlsx":
            raise InputError("--sheet chooses a sheet of a workbook, and this file is not one", path=path,
                             hint="leave out --sheet, or give the .xlsx workbook")

    @property
    def locale_in_doubt(self) -> bool:
        """A ';'-separated CSV (Excel's save where a comma is the decimal separator) or a workbook's
        text cells: a value the two decimal conventions read differently needs the user's word."""
        return self.kind == "xlsx" or self.delimiter == ";"

    def header(self) -> list[str] | None:
        """The columns the file names: the header row (CSV, workbook) or the first row's keys
        (JSON); None for a file with no rows."""
        rows = self._rows(header_only=self.kind != "json")
        try:
            first = next(rows, None)
        finally:
            rows.close()
        if first is None:
            return None
        return list(first[1])

    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(row number as a person counts it in the file, the row), one at a time."""
        return self._rows(header_only=False)

    def where(self, number: int) -> str:
        """Where a row stands, for a message: 'row 5', or "sheet 'Customers', row 5"."""
        return f"sheet '{self.sheet_name}', row {number}" if self.sheet_name else f"row {number}"

    def _rows(self, *, header_only: bool) -> Generator[tuple[int, Any], None, None]:
        if self.kind == "xlsx":
            yield from _xlsx_rows(self, header_only)
            return
        with _open_text(self.path) as text:
            if self.kind == "json":
                yield from _json_rows(text, self.path)
            else:
                yield from _csv_rows(text, self, header_only)


def _text_kind(path: Path) -> str:
    if path.suffix.lower() == ".json":
        return "json"
    with _open_text(path) as text:
        first = _peek(text)
    return "json" if first and first in "[{" else "csv"


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number, the row) of a rows file, one at a time."""
    return RowFile(path).rows()


def _columns(names: list[str], path: Path, where: str) -> list[str]:
    """The header's names; a name given twice is refused (which of the two would be sent?)."""
    seen: dict[str, int] = {}
    for n, name in enumerate(names, start=1):
        if name and name in seen:
            raise InputError(f"the header{where} names the column {name!r} twice (columns {seen[name]} and {n})",
                             path=path, hint="give each column its own caption, or delete the extra column")
        seen.setdefault(name, n)
    return names


@contextlib.contextmanager
def _open_text(path: Path) -> Iterator[IO[str]]:
    """The file as text: UTF-16 by its byte-order mark, else UTF-8 (a BOM dropped); a byte that
    is neither is reported with the file, not as a traceback."""
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise InputError(f"cannot read the rows file: {exc.strerror}", path=path,
                         hint="check the file's permissions") from None
    with raw:
        head = raw.read(4)
        raw.seek(0)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        elif b"\x00" in head:
            raise InputError("the rows file looks like UTF-16 without a byte-order mark", path=path,
                             hint="save it as UTF-8 (or as Unicode text, which adds the mark)")
        else:
            encoding = "utf-8-sig"
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        try:
            yield text
        except UnicodeDecodeError:
            raise InputError(f"the rows file is not {'UTF-16' if encoding == 'utf-16' else 'UTF-8'} text",
                             path=path, hint="save it as UTF-8 (CSV or JSON), or as an Excel workbook") from None


def _peek(text: IO[str]) -> str:
    """The first character that is not white space, read without losing it."""
    start = text.tell()
    chunk = text.read(4096)
    text.seek(start)
    return chunk.lstrip()[:1]


# --- CSV ----------------------------------------------------------------------------------------

def _csv_rows(text: IO[str], file: RowFile, header_only: bool) -> Iterator[tuple[int, Any]]:
    path = file.path
    start = text.tell()
    header_line = text.readline()
    text.seek(start)
    delimiter = file.delimiter = _delimiter(header_line)
    reader = csv.reader(text, delimiter=delimiter)
    with _csv_errors(reader, path):
        header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise InputError("the CSV has no header row", path=path, hint="the first row names the columns (captions)")
    names = _columns([n.strip() for n in header], path, "")
    if header_only:
        yield 1, [n for n in names if n]
        return
    row_number = 1
    while True:
        with _csv_errors(reader, path):
            values = next(reader, None)
        if values is None:
            return
        row_number += 1
        if not any(v.strip() for v in values):
            continue  # a blank line
        if len(values) > len(names):
            raise InputError(f"row {row_number} has more fields than the header ({len(values)}, the header "
                             f"{len(names)})", path=path,
                             line=reader.line_num, hint=f"check the quoting on that line (fields are separated by "
                             f"{_named(delimiter)})")
        yield row_number, {name: v for name, v in zip(names, values, strict=False) if name}


def _delimiter(header: str) -> str:
    """The separator of a grid export: the one the header line holds most (outside quotes)."""
    outside = "".join(part for n, part in enumerate(header.split('"')) if n % 2 == 0)
    counts = {d: outside.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _named(delimiter: str) -> str:
    return {",": "commas", ";": "semicolons", "\t": "tabs"}[delimiter]


@contextlib.contextmanager
def _csv_errors(reader: Any, path: Path) -> Iterator[None]:
    """The csv module's refusals (a field over its size limit, a broken quote) as input errors."""
    try:
        yield
    except csv.Error as exc:
        raise InputError(f"the CSV cannot be read: {exc}", path=path, line=reader.line_num,
                         hint="check the quoting around that line; a field may hold at most "
                              f"{csv.field_size_limit()} characters") from None


# --- JSON ---------------------------------------------------------------------------------------

class _Stream:
    """A text stream read in chunks, for json.JSONDecoder.raw_decode one value at a time."""

    def __init__(self, text: IO[str], path: Path) -> None:
        self.text, self.path, self.buf, self.pos, self.eof = text, path, "", 0, False
        self.decoder = json.JSONDecoder()

    def _fill(self) -> bool:
        chunk = self.text.read(_CHUNK)
        if not chunk:
            self.eof = True
            return False
        self.buf = self.buf[self.pos:] + chunk
        self.pos = 0
        return True

    def char(self) -> str:
        """The next character that is not white space (not consumed); '' at the end."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._fill():
                return ""

    def take(self, expected: str) -> None:
        if self.char() != expected:
            raise self.error(f"expected '{expected}'")
        self.pos += 1

    def value(self) -> Any:
        """The next JSON value, reading more of the file until it is whole."""
        self.char()
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if not self.eof and self._fill():
                    continue
                raise self.error(exc.msg) from None
            except RecursionError:
                raise InputError("the JSON is nested too deeply", path=self.path,
                                 hint="a JSON array of row objects") from None
            if end == len(self.buf) and not self.eof and isinstance(value, (int, float)):
                if self._fill():  # a number may go on in the next chunk
                    continue
            self.pos = end
            return value

    def error(self, what: str) -> InputError:
        return InputError(f"not valid JSON: {what}", path=self.path,
                          hint='a JSON array of row objects keyed by the column captions, e.g. '
                               '[{"CustomerID": "C001", "_mod": "2026-01-01T10:00:00"}]')


def _json_rows(text: IO[str], path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    stream = _Stream(text, path)
    if stream.char() == "{":  # an OData answer saved as it came: its "value" array
        stream.take("{")
        while True:
            key = stream.value()
            stream.take(":")
            if key == "value" and stream.char() == "[":
                yield from _array(stream, path)
                return
            stream.value()  # another member (@odata.context, ...): read and dropped
            if stream.char() != ",":
                raise InputError("the JSON object has no \"value\" array of rows", path=path,
                                 hint="save the rows as a JSON array, or the whole OData answer")
            stream.take(",")
    yield from _array(stream, path)


def _array(stream: _Stream, path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    stream.take("[")
    if stream.char() == "]":
        return
    n = 0
    while True:
        row = stream.value()
        n += 1
        if not isinstance(row, dict):
            raise InputError(f"row {n} of the JSON array is not an object", path=path,
                             hint='each row is an object keyed by the captions, e.g. {"CustomerID": "C001"}')
        yield n, row
        if stream.char() == ",":
            stream.take(",")
            continue
        stream.take("]")
        return


# --- Excel --------------------------------------------------------------------------------------

def _xlsx_rows(file: RowFile, header_only: bool) -> Iterator[tuple[int, Any]]:
    """A sheet of a workbook (--sheet, else the first), read-only (row by row): a header row of
    captions, then rows. A formula cell reads as the value Excel saved with it; it is opened a
    second time for the formulas, so a formula with no saved value is told from an empty cell."""
    try:
        import openpyxl  # an optional extra: pip install 'jigx-acumatica[xlsx]'
    except ImportError:
        raise InputError("reading .xlsx needs the xlsx extra", path=file.path,
                         hint="pip install 'jigx-acumatica[xlsx]', or save the sheet as CSV") from None
    path = file.path
    books = [_open_book(openpyxl, path, data_only=True), _open_book(openpyxl, path, data_only=False)]
    try:
        names = books[0].sheetnames
        name = file.sheet if file.sheet is not None else names[0]
        if name not in names:
            raise InputError(f"the workbook has no sheet {name!r} (its sheets: {', '.join(map(repr, names))})",
                             path=path, hint="name one of its sheets with --sheet")
        file.sheet_name = name
        where = f" of sheet '{name}'"
        values, formulas = (book[name].iter_rows(values_only=True) for book in books)
        header = next(values, None)
        next(formulas, None)
        if not header or not any(h is not None and str(h).strip() for h in header):
            raise InputError(f"sheet '{name}' has no header row", path=path,
                             hint="the first row names the columns (captions); --sheet chooses another sheet")
        names = _columns(["" if h is None else str(h).strip() for h in header], path, where)
        if header_only:
            yield 1, [n for n in names if n]
            return
        for n, (row, written) in enumerate(zip(values, formulas, strict=False), start=2):
            cells = [_cell(v, f) for v, f in zip(row, written, strict=False)]
            if not any(v is not None and str(v).strip() for v in cells):
                continue
            yield n, {name: v for name, v in zip(names, cells, strict=False) if name}
    finally:
        for book in books:
            book.close()


def _open_book(openpyxl: Any, path: Path, *, data_only: bool) -> Any:
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=data_only)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise InputError(f"not a readable Excel workbook ({type(exc).__name__})", path=path,
                         hint="open it in Excel and save it again as .xlsx, or as CSV") from None


def _cell(value: Any, written: Any) -> Any:
    """A cell's value as Excel saved it (dates as datetime); a formula with no saved value is
    marked, so it is refused by cell rather than read as empty."""
    if value is None and isinstance(written, str) and written.startswith("="):
        return FormulaWithoutValue(written)
    return value


def count_rows(path: Path, sheet: str | None = None) -> int:
    """How many rows the file holds (for a progress bar), read as a stream."""
    return sum(1 for _ in RowFile(path, sheet=sheet).rows())
