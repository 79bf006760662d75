"""import-gi's reading of an inquiry's conditions (GIWhere rows) into a definition's where:
AND'ed items and bracketed OR groups, and, when dropping what a push cannot carry, the pieces
that use a parameter."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from ..definition.model import CONDITION_CODES

OPS = {code: op for op, code in CONDITION_CODES.items()}


class Refused(Exception):
    """An inquiry a push-fed table cannot be built from."""


def code(value: str | None) -> str:
    return (value or "").strip()  # older exports pad codes: "E "


def pascal(fld: str) -> str:
    return fld[:1].upper() + fld[1:]


def _uses_parameter(w: ET.Element) -> bool:
    return any((v or "").startswith("[") for v in (w.get("DataFieldName"), w.get("Value1"), w.get("Value2")))


def _units(rows: list[ET.Element]) -> list[list[ET.Element]]:
    """The conditions in top-level pieces: one row, or a bracketed group (a bracket left open runs
    to the end, as the designer reads it)."""
    units: list[list[ET.Element]] = []
    depth = 0
    for w in rows:
        if depth == 0:
            units.append([])
        units[-1].append(w)
        depth = max(0, depth + code(w.get("OpenBrackets")).count("(") - code(w.get("CloseBrackets")).count(")"))
    return units


def _shown(unit: list[ET.Element]) -> str:
    """A piece of the conditions as a person reads it: (Customer.acctCD E [Customer] or [Customer] NU)."""
    parts = []
    for w in unit:
        value = f" {w.get('Value1')}" if w.get("Value1") is not None else ""
        parts.append(f"{code(w.get('OpenBrackets'))}{w.get('DataFieldName') or ''} {code(w.get('Condition'))}"
                     f"{value}{code(w.get('CloseBrackets'))}")
        if w is not unit[-1]:
            parts.append("or" if code(w.get("Operation")) == "O" else "and")
    return " ".join(parts)


def _without_parameters(rows: list[ET.Element], dropped: list[str]) -> list[ET.Element]:
    """The conditions left when every piece that uses a parameter is dropped; refused when a
    dropped piece was OR'ed with a kept one (dropping it would change which rows are in)."""
    units = _units(rows)
    drop = [any(_uses_parameter(w) for w in u) for u in units]
    kept: list[ET.Element] = []
    for n, unit in enumerate(units):
        joins_next = code(unit[-1].get("Operation") or "A") == "O" and n + 1 < len(units)
        if joins_next and drop[n] != drop[n + 1]:
            raise Refused(f"a condition with a parameter is OR'ed with one without ({_shown(unit)} or "
                          f"{_shown(units[n + 1])}): dropping it would change which rows the inquiry holds")
        if drop[n]:
            dropped.append(f"condition {_shown(unit)}: it uses a parameter")
        else:
            kept.extend(unit)
    return kept


def where_items(row: ET.Element, dropped: list[str] | None = None) -> list[Any]:
    rows = sorted((w for w in row.findall("GIWhere") if w.get("IsActive") != "0"), key=lambda w: int(w.get("LineNbr",
                                                                                                           "0")))
    if dropped is not None:
        rows = _without_parameters(rows, dropped)
    items: list[Any] = []
    group: list[ET.Element] = []
    for w in rows:
        field_name, v1, v2 = w.get("DataFieldName", ""), w.get("Value1"), w.get("Value2")
        if field_name.startswith("[") or any(v and v.startswith("[") for v in (v1, v2)):
            raise Refused(f"a condition uses a parameter ({field_name} {v1 or ''}): a push carries no parameter values")
        opens, closes = code(w.get("OpenBrackets")).count("("), code(w.get("CloseBrackets")).count(")")
        operation = code(w.get("Operation") or "A")
        if opens and closes and opens == closes and not group:
            opens = closes = 0  # a bracket around one condition changes nothing
        if opens > 1 or closes > 1 or (opens and group):
            raise Refused("its conditions nest brackets, which a definition's 'any' groups cannot express")
        if opens:
            group = [w]
        elif group:
            group.append(w)
        if group and not closes:
            if operation != "O":
                raise Refused("an AND inside brackets: a definition's 'any' groups hold OR'ed conditions only")
            continue
        if operation == "O" and w is not rows[-1]:
            raise Refused("conditions mix AND and OR outside brackets, which a definition cannot express")
        items.append(_group(group) if group else _condition(w))
        group = []
    if group:
        raise Refused("its conditions open a bracket they never close")
    return items


def _condition(w: ET.Element) -> dict[str, Any]:
    condition = code(w.get("Condition"))
    if condition not in OPS:
        raise Refused(f"condition code {condition!r} has no equivalent in a definition")
    alias, _, fld = (w.get("DataFieldName") or "").partition(".")
    ref = f"{alias}.{pascal(fld)}"
    op = OPS[condition]
    values = [v for v in (w.get("Value1"), w.get("Value2")) if v is not None]
    if op == "equals" and len(values) == 1:
        return {ref: values[0]}
    item: dict[str, Any] = {"field": ref, "op": op}
    if op == "between":
        item["value"] = values[:2]
    elif values and op not in ("is-empty", "is-not-empty"):
        item["value"] = values[0]
    return item


def _group(rows: list[ET.Element]) -> dict[str, Any]:
    conditions = [_condition(w) for w in rows]
    fields = {next(iter(c)) for c in conditions if len(c) == 1 and "field" not in c}
    if len(fields) == 1 and all(len(c) == 1 and "field" not in c for c in conditions):
        ref = next(iter(fields))
        return {ref: [c[ref] for c in conditions]}
    return {"any": conditions}
