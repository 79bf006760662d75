"""One value of a row, read for its column's type: the one place that decides what a file's text
or OData's JSON means, so what a check accepts is exactly what is sent.

Rules (docs/definitions.md, "How rows are read"): numbers written as text follow the decimal
convention the user names (--decimal-point, --decimal-comma) or, with neither, read only when no
convention could read them otherwise; an int holds whole numbers a JSON double keeps exactly, a
decimal any finite number whose digits a double keeps; NaN and infinities are bad values; dates
read as ISO or as a grid export writes them, day or month first as --date-order says, for every
date and date-time column alike; text stays text, whatever a workbook stored."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_SAFE_INT = 2**53 - 1  # JSON numbers are doubles on the device: whole numbers beyond this change
BOOL_TEXT = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}
_NOT_FINITE = re.compile(r"^[+-]?(s?nan\d*|inf(inity)?)$", re.I)
# A decimal point, a comma only between groups of three digits (1,234.50)
_POINT = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][+-]?\d+)?$")
# A decimal comma; a point, a space or a no-break space between groups of three (1.234,50, 1 234,50)
_COMMA = re.compile(r"^[+-]?(?:\d{1,3}(?:([. \u00a0\u202f])\d{3})(?:\1\d{3})*|\d+)?(?:,\d+)?(?:[eE][+-]?\d+)?$")
_ISO = re.compile(r"^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,7}))?)?(Z|[+-]\d\d:\d\d)?)?$")
# Acumatica's grid export (Excel, CSV) writes dates in the user's culture: 10/3/2026,
# 10/3/2026 2:15 PM, 10/3/2026 14:15:07. Which of day and month comes first is the culture's.
_GRID = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$")
_GUID = re.compile(r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$")


class BadValue(Exception):
    """A value that cannot be sent as the source means it: what is wrong, and what to do."""

    def __init__(self, problem: str, fix: str = "") -> None:
        super().__init__(problem)
        self.problem, self.fix = problem, fix


@dataclass(frozen=True)
class ReadOptions:
    """How a file's rows read, as the user says (the reader options of backfill and reconcile)."""

    date_order: str = "mdy"  # mdy | dmy: how 10/3/2026 reads
    decimal: str | None = None  # point | comma | None (neither: only values no convention reads otherwise)
    skip_bad_rows: bool = False
    allow_missing_columns: bool = False
    sheet: str | None = None  # a workbook's sheet (default: the first)


@dataclass(frozen=True)
class Context:
    """Where values come from: the user's options, and whether the file's decimal convention is
    in doubt (a ';'-separated CSV, as Excel saves where a comma is the decimal separator, or a
    workbook's text cells), in which case a value the two conventions read differently is refused."""

    options: ReadOptions = ReadOptions()
    locale_in_doubt: bool = False


ODATA = Context()  # OData answers and JSON: a decimal point, no grouping in doubt


def read_value(value: Any, kind: str, ctx: Context = ODATA) -> Any:
    """The value as a push of a column of this type carries it (None for an empty one), or BadValue."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, FormulaWithoutValue):
        raise BadValue(f"is the formula {value.formula} with no saved value",
                       "open the workbook in Excel and save it again (Excel saves each formula's value), or type "
                       "the value")
    reader = _READERS.get(kind, _text)
    return reader(value, ctx)


@dataclass(frozen=True)
class FormulaWithoutValue:
    """A workbook cell holding a formula whose value was never saved (a file written by a program)."""

    formula: str


# --- numbers ---------------------------------------------------------------------------------------

def _int(value: Any, ctx: Context) -> int:
    number = _number(value, ctx)
    if number != number.to_integral_value():
        raise BadValue(f"is {_shown(value)}, not a whole number", "an int column holds whole numbers; make the "
                       "column type: decimal if it holds fractions")
    if abs(number) > MAX_SAFE_INT:
        raise BadValue(f"is {_shown(value)}, beyond the whole numbers the app holds exactly (+/-{MAX_SAFE_INT})",
                       "a number this large is an identifier: make the column type: string")
    return int(number)


def _decimal(value: Any, ctx: Context) -> int | float:
    number = _number(value, ctx)
    as_float = float(number)
    if math.isinf(as_float):
        raise BadValue(f"is {_shown(value)}, beyond the numbers the app holds", "check the value in the file")
    if Decimal(repr(as_float)) != number:
        raise BadValue(f"is {_shown(value)}, more digits than the app keeps (a number on the device is a double, "
                       "about 15 significant digits)", "round it in the file, or make the column type: string")
    if number == number.to_integral_value() and abs(number) <= MAX_SAFE_INT:
        return int(number)  # whole amounts print without a fraction, as pushes do (push-02: "QtyOnHand":1999)
    return as_float


def _number(value: Any, ctx: Context) -> Decimal:
    if isinstance(value, bool):
        raise BadValue(f"is {_shown(value)}, not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise BadValue(f"is {_shown(value)}, not a finite number", "write the number, or leave the cell empty")
        return Decimal(repr(value))
    if not isinstance(value, str):
        raise BadValue(f"is {_shown(value)}, not a number")
    return number_text(value, ctx)


def number_text(text: str, ctx: Context) -> Decimal:
    """A number written as text, under the decimal convention the options name (or, with none, only
    where no convention reads it otherwise)."""
    t = text.strip()
    if _NOT_FINITE.match(t):
        raise BadValue(f"is {t!r}, not a finite number", "write the number, or leave the cell empty")
    point, comma = _as(t, _POINT, ","), _as(t, _COMMA, ".")
    mode = ctx.options.decimal
    if mode == "comma":
        if comma is None:
            raise BadValue(f"is {t!r}, not a number with a decimal comma" + _also(point, "--decimal-point"),
                           "check the value, or drop --decimal-comma if the file writes decimals with a point")
        return comma
    if point is not None and (mode == "point" or not ctx.locale_in_doubt or comma is None or comma == point):
        return point
    if point is not None:  # in doubt, and the two conventions disagree
        raise BadValue(f"is {t!r}, which reads as {point} with a decimal point and as {comma} with a decimal "
                       "comma", "say how the file writes decimals: --decimal-point or --decimal-comma")
    if comma is not None and mode is None:
        raise BadValue(f"is {t!r}, which reads as {comma} only where a comma is the decimal separator",
                       "pass --decimal-comma if the file writes decimals with a comma (1.234,50), or write the "
                       "value with a decimal point in the file")
    raise BadValue(f"is {t!r}, not a number" + _also(comma, "--decimal-comma"),
                   "a number as 1234.50 or 1,234.50" + (" (--decimal-comma: 1.234,50)" if mode is None else ""))


def _as(text: str, pattern: re.Pattern[str], grouping: str) -> Decimal | None:
    if not any(ch.isdigit() for ch in text) or not pattern.match(text):
        return None
    plain = text
    for sep in (grouping, " ", "\u00a0", "\u202f"):
        plain = plain.replace(sep, "")
    try:
        return Decimal(plain.replace(",", "."))
    except InvalidOperation:
        return None


def _also(other: Decimal | None, option: str) -> str:
    return f" (with {option} it would read {other})" if other is not None else ""


# --- other types -----------------------------------------------------------------------------------

def _bool(value: Any, ctx: Context) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in BOOL_TEXT:
        return BOOL_TEXT[text]
    raise BadValue(f"is {_shown(value)}, not true or false", "true/false, yes/no or 1/0")


def _text(value: Any, ctx: Context) -> str:
    """Text stays text: a workbook's number 11 in a text column is "11" (never 11.0); Acumatica pads
    codes ("MAIN      "), and receivers trim keys, so trailing padding goes."""
    if isinstance(value, str):
        return value.rstrip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise BadValue(f"is {_shown(value)}, not text")
        return str(int(value)) if value.is_integer() and abs(value) <= MAX_SAFE_INT else repr(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return _moment_text(value) if isinstance(value, dt.datetime) else value.isoformat()
    raise BadValue(f"is {_shown(value)}, not text")


def _guid(value: Any, ctx: Context) -> str:
    text = str(value).strip()
    if not _GUID.match(text):
        raise BadValue(f"is {_shown(value)}, not a GUID", "e.g. 3f2b8c1e-5d4a-4b7e-9c1d-2a6f8e0b4c3d")
    return text


def _datetime(value: Any, ctx: Context) -> str:
    """Local time as pushes write it: 2026-11-20T09:15:02.117, zero fractions trimmed; a date
    alone is its midnight (a push never carries a date without its time)."""
    return _moment(value, ctx)


def _date(value: Any, ctx: Context) -> str:
    """A date-only field as a push carries it: the date's midnight (2026-02-02T00:00:00)."""
    moment = _moment(value, ctx)
    if moment[11:19] != "00:00:00" or moment[19:20] == ".":
        raise BadValue(f"is {_shown(value)}, a date with a time", "a date column holds dates; make the column "
                       "type: datetime to keep the time")
    return moment


def _moment(value: Any, ctx: Context) -> str:
    if isinstance(value, dt.datetime):
        return _moment_text(value)
    if isinstance(value, dt.date):
        return value.isoformat() + "T00:00:00"
    if not isinstance(value, str):
        raise BadValue(f"is {_shown(value)}, not a date", "a date as 2026-03-10, 2026-03-10T14:15:00 or as "
                       "Acumatica's grid exports it (3/10/2026 2:15 PM)")
    found = moment_text(value.strip(), ctx.options.date_order)
    if found is None:
        other = "dmy" if ctx.options.date_order == "mdy" else "mdy"
        hint = (f" (with --date-order {other} it reads {found_other})"
                if (found_other := moment_text(value.strip(), other)) else "")
        raise BadValue(f"is {_shown(value)}, not a date the tool reads{hint}",
                       "ISO (2026-03-10, 2026-03-10T14:15:00), or as the grid exports it, month first "
                       "(--date-order mdy) or day first (--date-order dmy)")
    return found


def moment_text(text: str, order: str = "mdy") -> str | None:
    """ISO or grid-export text as push form (YYYY-MM-DDTHH:MM:SS[.f][offset]), or None."""
    m = _ISO.match(text)
    if m:
        year, month, day, hour, minute, second, fraction, offset = m.groups()
        return _built(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                      fraction or "", offset or "")
    g = _GRID.match(text)
    if g is None:
        return None
    a, b, year, hour, minute, second, half = g.groups()
    month, day = (int(a), int(b)) if order == "mdy" else (int(b), int(a))
    h = int(hour or 0)
    if half:
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if half.lower() == "pm" else 0)
    return _built(int(year), month, day, h, int(minute or 0), int(second or 0), "", "")


def _built(year: int, month: int, day: int, hour: int, minute: int, second: int, fraction: str, offset: str
           ) -> str | None:
    try:
        moment = dt.datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    fraction = fraction.rstrip("0")
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{fraction}" if fraction else "") + offset


def _moment_text(moment: dt.datetime) -> str:
    fraction = f"{moment.microsecond:06d}".rstrip("0")
    return moment.replace(tzinfo=None).strftime("%Y-%m-%dT%H:%M:%S") + (f".{fraction}" if fraction else "")


def _shown(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


_READERS = {"int": _int, "decimal": _decimal, "bool": _bool, "string": _text, "guid": _guid, "datetime": _datetime,
            "date": _date}
