"""Rows read from Acumatica (OData) or a file, shaped exactly as a push of this inquiry carries
them, so that backfilled rows are the ones later pushes update: the definition's columns in
order with their types, then _tab, _del (where the inquiry has it) and _mod."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from ..definition import Column, TableDef

_FRACTION = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?$")


def needed(defn: TableDef) -> list[str]:
    """The source columns a backfill cannot do without."""
    return list(dict.fromkeys([*defn.key, "_mod"]))


def push_row(defn: TableDef, raw: dict[str, Any]) -> dict[str, Any] | None:
    """The row as a push carries it; None for a row deleted in Acumatica (_del true: skipped)."""
    row = {c.name: typed(raw.get(c.name), c) for c in defn.columns}
    row["_tab"] = defn.entity
    if defn.deleted_flag:
        deleted = as_bool(raw.get("_del"))
        if deleted:
            return None
        row["_del"] = False
    row["_mod"] = local_time(raw.get("_mod"))
    return row


def typed(value: Any, col: Column) -> Any:
    """OData gives decimals as text ("1999.000000") and pads codes ("MAIN      "); a CSV gives
    everything as text. Values take the column's type; text loses its padding, as receivers
    trim keys anyway."""
    if value is None or value == "":
        return None
    if col.type == "int":
        return _number(value, whole=True)
    if col.type == "decimal":
        return _number(value, whole=False)
    if col.type == "bool":
        return as_bool(value)
    if col.type == "datetime":
        return local_time(value)
    return value.rstrip() if isinstance(value, str) else value


def _number(value: Any, *, whole: bool) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = Decimal(str(value))
    else:
        try:
            number = Decimal(str(value).strip().replace(",", ""))
        except InvalidOperation:
            return value  # not a number: passed on as it came
    if number == number.to_integral_value():
        return int(number)
    return int(number) if whole else float(number)


def as_bool(value: Any) -> bool | None:
    if isinstance(value, bool) or value is None:
        return value
    text = str(value).strip().lower()
    return True if text in ("true", "1", "yes") else False if text in ("false", "0", "no", "") else None


# Acumatica's grid export (Excel, CSV) writes dates in the user's culture; en-US by default:
# 10/3/2026, 10/3/2026 2:15 PM, 10/3/2026 2:15:07 PM, or 24-hour 10/3/2026 14:15. Which of day
# and month comes first is the culture's, so it is an option (--date-order), never guessed.
_GRID = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")


def grid_time(text: str, order: str = "mdy") -> str | None:
    """A grid-export date as ISO local time (2026-10-03T14:15:00), or None when it is not one."""
    m = _GRID.match(text.strip())
    if m is None:
        return None
    a, b, year, hour, minute, second, half = m.groups()
    month, day = (int(a), int(b)) if order == "mdy" else (int(b), int(a))
    h = int(hour or 0)
    if half:
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if half.lower() == "pm" else 0)
    try:
        import datetime as dt

        moment = dt.datetime(int(year), month, day, h, int(minute or 0), int(second or 0))
    except ValueError:
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%S") if hour else moment.strftime("%Y-%m-%d")


def readable_time(value: Any, order: str = "mdy") -> str | None:
    """The push form of a date or date-time in any form the tool reads, or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if _ISO_DATE.match(text):
        return text
    if _FRACTION.match(text):
        return str(local_time(text))
    grid = grid_time(text, order)
    return str(local_time(grid)) if grid and "T" in grid else grid


def local_time(value: Any, order: str = "mdy") -> Any:
    """A date-time as pushes write it: trailing zero fractions trimmed (`...09.570` -> `...09.57`).
    GI OData gives Acumatica's local time without an offset, as pushes do; an offset, where an
    instance sends one, is kept: which clock to convert it to is not known. A grid-export date
    (10/3/2026 2:15 PM) becomes the same form."""
    if not isinstance(value, str):
        return value
    m = _FRACTION.match(value.strip())
    if m is None:
        grid = grid_time(value, order)
        if grid is not None:
            return local_time(grid) if "T" in grid else grid
        return value.strip()
    fraction = (m.group(2) or "").rstrip("0")
    return m.group(1) + (f".{fraction}" if fraction else "") + (m.group(3) or "")
