"""Every definition checked against the instance's own schema (DAC-based OData $metadata): the
DACs exist, every field a column, a join, a condition or `modified` names exists on its DAC, the
declared types fit the fields', and `deleted_flag` is what the instance says. A mistyped field
passes every other check and Acumatica then drops the result column without an error (its
inquiry graph skips a result whose field its cache lacks): every push lacks it, silently."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..definition import TableDef
from ..definition.model import AnyOf, Condition
from ..solution.doctor import ERROR, INFO, WARNING, Finding, Severity
from ..yamlio import load_positions, value_position
from .dac_metadata import DELETED_FIELD, Dac, Schema

# The definition's column types and the Edm types of fields they may read. A text column may
# read any field (a selector pushes its code, a list its label); the others need their kind.
FITS: dict[str, tuple[str, ...]] = {
    "int": ("Edm.Int16", "Edm.Int32", "Edm.Int64", "Edm.Byte", "Edm.SByte"),
    "decimal": ("Edm.Decimal", "Edm.Double", "Edm.Single", "Edm.Int16", "Edm.Int32", "Edm.Int64"),
    "bool": ("Edm.Boolean",),
    "datetime": ("Edm.DateTimeOffset", "Edm.DateTime", "Edm.Date"),
    "date": ("Edm.DateTimeOffset", "Edm.DateTime", "Edm.Date"),  # DAC OData types every date field DateTimeOffset
    "guid": ("Edm.Guid",),
}
TYPE_FOR: dict[str, str] = {edm: kind for kind, edms in FITS.items() for edm in edms if kind != "decimal" or
                            not edm.startswith("Edm.Int")}
Locate = Callable[..., tuple[int | None, int | None]]


def check(defs: list[TableDef], schema: Schema) -> list[Finding]:
    out: list[Finding] = []
    for defn in defs:
        out += check_definition(defn, schema)
    return out


def settled(findings: list[Finding], defs: list[TableDef], schema: Schema) -> list[Finding]:
    """The findings without the definitions' "not known whether <DAC> keeps deleted rows"
    warnings that the instance's schema answered (its finding says what the instance says)."""
    answered = {d.dac for d in defs if schema.dac(d.dac) is not None}
    return [f for f in findings if not (f.severity == WARNING and any(
        f"not known whether {dac} keeps deleted rows" in f.message for dac in answered))]


def _locator(defn: TableDef) -> Locate:
    """(line, column) of a value in the definition, by its path of keys and indexes."""
    try:
        doc = load_positions(defn.text, defn.path) if defn.text else None
    except Exception:  # noqa: BLE001 - positions are a courtesy: a finding without one still says what is wrong
        doc = None

    def locate(*path: Any) -> tuple[int | None, int | None]:
        node, parent, last = doc, None, None
        for step in path:
            try:
                parent, last, node = node, step, node[step]  # type: ignore[index]
            except (KeyError, IndexError, TypeError):
                break
        return value_position(parent, last) if parent is not None else (None, None)
    return locate


def check_definition(defn: TableDef, schema: Schema) -> list[Finding]:
    locate = _locator(defn)
    out: list[Finding] = []

    def finding(severity: Severity, where: tuple[int | None, int | None], message: str, fix: str) -> None:
        out.append(Finding(severity, defn.path, where[0], message, fix, where[1]))

    dacs: dict[str, Dac] = {}
    for alias, dac_name in defn.aliases().items():
        dac = schema.dac(dac_name)
        where = locate("source", "dac") if alias == defn.alias else _join_place(defn, alias, locate)
        if dac is None:
            close = schema.close_to(dac_name)
            finding(ERROR, where, f"the instance has no DAC {dac_name}", f"did you mean {close}?" if close else
                    "check the DAC's full name (jigx-acumatica discover lists what the instance has)")
            continue
        dacs[alias] = dac
    for col in defn.columns:
        dac = dacs.get(col.alias)
        if dac is None:
            continue
        where = locate("columns", col.name)
        found = dac.field(col.field)
        if found is None:
            close = dac.close_to(col.field)
            finding(ERROR, where, f"{col.alias}.{col.field} is not a field of {dac.name}: Acumatica would drop the "
                    f"'{col.name}' column from every push, without an error",
                    f"did you mean {col.alias}.{close}?" if close else f"pick a field of {dac.name}")
            continue
        edm = dac.props[found]
        if col.type != "string" and edm not in FITS.get(col.type, ()):
            finding(WARNING, where, f"'{col.name}' is declared {col.type}, but {col.alias}.{found} is {edm}",
                    f"declare it type: {TYPE_FOR.get(edm, 'string')}")
    _check_main(defn, dacs.get(defn.alias), locate, finding)
    for i, join in enumerate(defn.joins):
        for parent_field, child_field in join.on:
            for alias, name in ((join.parent, parent_field), (join.alias, child_field)):
                dac = dacs.get(alias)
                if dac is not None and dac.field(name) is None:
                    close = dac.close_to(name)
                    finding(ERROR, locate("joins", i, "on"), f"the join's {alias}.{name} is not a field of {dac.name}",
                            f"did you mean {alias}.{close}?" if close else f"pick a field of {dac.name}")
    for cond in _conditions(defn.where):
        dac = dacs.get(cond.alias)
        if dac is not None and dac.field(cond.field) is None:
            close = dac.close_to(cond.field)
            finding(ERROR, locate("where"), f"the condition's {cond.alias}.{cond.field} is not a field of {dac.name}",
                    f"did you mean {cond.alias}.{close}?" if close else f"pick a field of {dac.name}")
    return out


def _check_main(defn: TableDef, dac: Dac | None, locate: Locate,
                finding: Callable[[Severity, tuple[int | None, int | None], str, str], None]) -> None:
    if dac is None:
        return
    if dac.field(defn.modified) is None:
        finding(ERROR, locate("source", "modified") if defn.modified != "LastModifiedDateTime" else
                locate("source", "dac"), f"{defn.alias}.{defn.modified} (behind _mod) is not a field of {dac.name}",
                "set source.modified to the DAC's last-modified field")
    keeps = dac.keeps_deleted_rows
    where = locate("source", "deleted_flag")
    where = where if where != (None, None) else locate("source", "dac")
    if defn.deleted_flag and not keeps:
        finding(ERROR, where, f"deleted_flag is true, but {dac.name} has no {DELETED_FIELD} on this instance: "
                "Acumatica would drop the _del column", "set deleted_flag: false under source")
    elif keeps and not defn.deleted_flag:
        finding(WARNING, where, f"{dac.name} keeps deleted rows on this instance ({DELETED_FIELD} is among its "
                "fields), but the inquiry has no _del column", "set deleted_flag: true under source")
    elif keeps:
        finding(INFO, where, f"the instance confirms {dac.name} keeps deleted rows", "")


def _join_place(defn: TableDef, alias: str, locate: Locate) -> tuple[int | None, int | None]:
    index = next((i for i, j in enumerate(defn.joins) if j.alias == alias), 0)
    return locate("joins", index, "dac")


def _conditions(where: tuple[Condition | AnyOf, ...]) -> list[Condition]:
    out: list[Condition] = []
    for item in where:
        out += _conditions(item.items) if isinstance(item, AnyOf) else [item]
    return out
