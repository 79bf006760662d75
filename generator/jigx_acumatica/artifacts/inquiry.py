"""acumatica/<table>/generic-inquiry.xml and .md: the Generic Inquiry for one table, as an
importable SM208000 data set and as a by-hand spec, both rendered from one model."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..definition import JOIN_TYPES, TableDef
from ..naming import lower_camel, stable_uuid
from ..templates import render

XML_TEMPLATE = "generic-inquiry.xml.j2"
SPEC_TEMPLATE = "generic-inquiry.md.j2"


@dataclass
class Result:
    line: int
    alias: str
    field: str  # as Acumatica writes it: lowerCamel field, or a formula starting with '='
    caption: str
    row_id: str
    note: str = ""
    fast_filter: int = 1


@dataclass
class On:
    line: int
    parent_field: str
    child_field: str


@dataclass
class Relation:
    line: int
    parent: str
    child: str
    join: str
    join_code: str
    on: list[On]


@dataclass
class GITable:
    alias: str
    dac: str
    relations: list[Relation] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)


@dataclass
class GenericInquiry:
    design_id: str
    name: str
    show_deleted: int
    tables: list[GITable]
    results: list[Result]  # in caption order: the columns, then _tab, _del, _mod


def build(defn: TableDef) -> GenericInquiry:
    tables = {alias: GITable(alias=alias, dac=dac) for alias, dac in defn.aliases().items()}
    for n, j in enumerate(defn.joins, start=1):
        ons = [On(k, lower_camel(pf), lower_camel(cf)) for k, (pf, cf) in enumerate(j.on, start=1)]
        tables[j.parent].relations.append(Relation(n, j.parent, j.alias, j.type, JOIN_TYPES[j.type], ons))

    def result(line: int, alias: str, fld: str, caption: str, note: str = "") -> Result:
        return Result(line, alias, fld, caption, stable_uuid(defn.table, "result", caption), note)

    results = [result(i, c.alias, lower_camel(c.field), c.name) for i, c in enumerate(defn.columns, start=1)]
    n = len(results)
    main = defn.alias
    results.append(result(n + 1, main, f"='{defn.entity}'", "_tab", "constant formula naming the entity"))
    if defn.deleted_flag:
        results.append(result(n + 2, main, "deletedDatabaseRecord", "_del", "needs Show Deleted Records"))
    else:
        results.append(result(n + 2, main, "=False", "_del", "constant: deletes arrive as Deleted-only rows"))
    results.append(result(n + 3, main, lower_camel(defn.modified), "_mod", "last modified time"))
    for r in results:
        r.fast_filter = 0 if r.caption.startswith("_") else 1
        tables[r.alias].results.append(r)
    return GenericInquiry(
        design_id=stable_uuid(defn.table, "design"),
        name=defn.inquiry,
        show_deleted=1 if defn.deleted_flag else 0,
        tables=list(tables.values()),
        results=results,
    )


def render_xml(gi: GenericInquiry) -> str:
    return render(XML_TEMPLATE, gi=gi)


def render_spec(defn: TableDef, gi: GenericInquiry, source: str) -> str:
    return render(SPEC_TEMPLATE, d=defn, gi=gi, source_path=source)
