"""Rows read from Acumatica (OData) or a file, shaped exactly as a push of this inquiry carries
them, so that backfilled rows are the ones later pushes update: the definition's columns in
order with their types, then _tab, _del (where the inquiry has it) and _mod."""

from __future__ import annotations

from typing import Any

from ..definition import Column, TableDef
from .values import ODATA, BadValue, Context, read_value


def needed(defn: TableDef) -> list[str]:
    """The source columns a backfill cannot do without."""
    return list(dict.fromkeys([*defn.key, "_mod"]))


def expected(defn: TableDef) -> list[str]:
    """Every column a source must hold for its rows to be sent whole: the definition's and _mod."""
    return [*(c.name for c in defn.columns), "_mod"]


def push_row(defn: TableDef, raw: dict[str, Any], ctx: Context = ODATA) -> dict[str, Any] | None:
    """The row as a push carries it; None for a row deleted in Acumatica (_del true: skipped).
    A value its column cannot hold raises BadValue, naming the column."""
    row = {c.name: typed(raw.get(c.name), c, ctx) for c in defn.columns}
    row["_tab"] = defn.entity
    if defn.deleted_flag:
        if as_bool(raw.get("_del")):
            return None
        row["_del"] = False
    row["_mod"] = _read(raw.get("_mod"), "_mod", "datetime", ctx)
    return row


def typed(value: Any, col: Column, ctx: Context = ODATA) -> Any:
    """The value as its column's type (OData gives decimals as text, "1999.000000", and pads
    codes, "MAIN      "; a CSV gives everything as text): BadValue when it cannot be."""
    return _read(value, col.name, col.type, ctx)


def _read(value: Any, name: str, kind: str, ctx: Context) -> Any:
    try:
        return read_value(value, kind, ctx)
    except BadValue as exc:
        raise BadValue(f"{name} {exc.problem}", exc.fix) from None


def as_bool(value: Any) -> bool | None:
    if isinstance(value, bool) or value is None:
        return value
    text = str(value).strip().lower()
    return True if text in ("true", "1", "yes") else False if text in ("false", "0", "no", "") else None


def key_text(defn: TableDef, raw: dict[str, Any]) -> str:
    """The key as a person reads it: CustomerID='C001', OrderType='SO'."""
    return ", ".join(f"{k}={str(raw.get(k)).strip()!r}" for k in defn.key)
