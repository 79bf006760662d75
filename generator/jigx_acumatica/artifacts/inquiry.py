"""acumatica/<table>/generic-inquiry.xml and .md: the Generic Inquiry for one table, as an
importable SM208000 data set and as a by-hand spec, both rendered from one model."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..definition import JOIN_TYPES, TableDef
from ..definition.model import CONDITION_CODES, AnyOf, Condition, Where
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
class WhereRow:
    """One GIWhere row, as real exports write it (docs/platform-facts.md: "Conditions")."""

    line: int
    field: str  # Alias.field, the field lowerCamel
    condition: str  # E NE G GE L LE B LI RL LL NU NN
    values: tuple[str, ...]
    open_brackets: str = ""
    close_brackets: str = ""
    operation: str = "A"  # joins this row to the next: A (and) or O (or)
    op: str = ""  # the definition's operator, in words for the spec


@dataclass
class SiteMapEntry:
    """The published screen of an inquiry exposed over OData (a SiteMap row with a ScreenID)."""

    screen_id: str
    title: str
    node_id: str
    url: str


@dataclass
class GenericInquiry:
    design_id: str
    name: str
    show_deleted: int
    tables: list[GITable]
    results: list[Result]  # in caption order: the columns, then _tab, _del (when kept), _mod
    where: list[WhereRow] = field(default_factory=list)
    site_map: SiteMapEntry | None = None
    sort: list[str] = field(default_factory=list)  # Alias.field of the key columns, ascending


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
    if defn.deleted_flag:  # only where the table keeps deleted rows: elsewhere Acumatica drops it silently
        results.append(result(n + 2, main, defn.deleted_field, "_del", "needs Show Deleted Records"))
    results.append(result(len(results) + 1, main, lower_camel(defn.modified), "_mod", "last modified time"))
    for r in results:
        r.fast_filter = 0 if r.caption.startswith("_") else 1
        tables[r.alias].results.append(r)
    design_id = stable_uuid(defn.table, "design")
    return GenericInquiry(
        design_id=design_id,
        name=defn.inquiry,
        show_deleted=1 if defn.deleted_flag else 0,
        tables=list(tables.values()),
        results=results,
        where=where_rows(defn.where),
        site_map=_site_map(defn, design_id),
        # sorted by the key: a stable order for readers (OData pages by it), and how import-gi
        # finds the key again
        sort=[f"{c.alias}.{lower_camel(c.field)}" for k in defn.key for c in defn.columns if c.name == k],
    )


def _site_map(defn: TableDef, design_id: str) -> SiteMapEntry | None:
    if not defn.odata or not defn.screen_id:
        return None
    return SiteMapEntry(defn.screen_id, defn.inquiry, stable_uuid(defn.table, "site-map"),
                        f"~/GenericInquiry/GenericInquiry.aspx?id={design_id}")


def where_rows(where: Where) -> list[WhereRow]:
    """GIWhere rows for the definition's conditions: the items AND'ed in order; an 'any' group (or
    a one-of list) in brackets, its items OR'ed. Each row's Operation joins it to the next."""
    rows: list[WhereRow] = []
    for item in where:
        _emit(item, rows)
        rows[-1].operation = "A"
    for n, row in enumerate(rows, start=1):
        row.line = n
    return rows


def _emit(item: Condition | AnyOf, rows: list[WhereRow]) -> None:
    if isinstance(item, Condition):
        rows.append(WhereRow(0, f"{item.alias}.{lower_camel(item.field)}", CONDITION_CODES[item.op], item.values,
                             op=item.op.replace("-", " ")))
        return
    first = len(rows)
    for sub in item.items:
        _emit(sub, rows)
        rows[-1].operation = "O"
    rows[first].open_brackets += "("
    rows[-1].close_brackets += ")"


def render_xml(gi: GenericInquiry) -> str:
    return render(XML_TEMPLATE, gi=gi)


def render_spec(defn: TableDef, gi: GenericInquiry, source: str, odata_role: str | None = None) -> str:
    return render(SPEC_TEMPLATE, d=defn, gi=gi, source_path=source, odata_role=odata_role)
