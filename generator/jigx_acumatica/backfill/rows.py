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


def local_time(value: Any) -> Any:
    """A date-time as pushes write it: trailing zero fractions trimmed (`...09.570` -> `...09.57`).
    GI OData gives Acumatica's local time without an offset, as pushes do; an offset, where an
    instance sends one, is kept: which clock to convert it to is not known."""
    if not isinstance(value, str):
        return value
    m = _FRACTION.match(value.strip())
    if m is None:
        return value.strip()
    fraction = (m.group(2) or "").rstrip("0")
    return m.group(1) + (f".{fraction}" if fraction else "") + (m.group(3) or "")
