"""import-gi: read existing Generic Inquiries back into table definitions.

Reads an SM208000 export (<data-set>), a GenericInquiryScreen item, a whole project.xml or a
customization ZIP (one definition per inquiry). What a push-fed inquiry cannot carry
(parameters, grouping, aggregates, several detail tables, conditions that mix AND and OR outside
brackets) is refused with the reason, or with drop=True imported without what a push cannot carry
(parameters and the conditions that use them, grouping, aggregates), every dropped part listed;
what the definition cannot say (formula columns, navigation, column types) is left out with a
note. Codes written padded by older exports ("E ") are read too."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import naming
from ..definition.model import JOIN_TYPES
from ..errors import InputError
from ..yamlio import read_bytes_limited
from .import_conditions import Refused, pascal, where_items
from .import_conditions import code as _code

JOINS = {code: name for name, code in JOIN_TYPES.items()}
MAX_BYTES = 50 * 1024 * 1024
# Natural keys of common entities (docs/platform-facts.md: "Common entities").
KNOWN_KEYS = {
    "PX.Objects.AR.Customer": ("AcctCD",), "PX.Objects.AP.Vendor": ("AcctCD",), "PX.Objects.CR.Contact": ("ContactID",),
    "PX.Objects.IN.InventoryItem": ("InventoryCD",), "PX.Objects.IN.INSite": ("SiteCD",),
    "PX.Objects.SO.SOOrder": ("OrderType", "OrderNbr"), "PX.Objects.SO.SOShipment": ("ShipmentNbr",),
    "PX.Objects.PO.POOrder": ("OrderType", "OrderNbr"), "PX.Objects.AR.ARInvoice": ("DocType", "RefNbr"),
    "PX.Objects.AR.ARRegister": ("DocType", "RefNbr"), "PX.Objects.CR.CROpportunity": ("OpportunityID",),
    "PX.Objects.CR.CRCase": ("CaseCD",),
}

# Document-line DACs: each holds many rows per document. Joining two of them repeats every row
# for each combination of their lines, which Acumatica advises against for push inquiries
# (docs/platform-facts.md, "avoid joining several detail tables"). Other DACs are not judged.
DETAIL_DACS = frozenset({
    "PX.Objects.SO.SOLine", "PX.Objects.SO.SOShipLine", "PX.Objects.PO.POLine", "PX.Objects.PO.POReceiptLine",
    "PX.Objects.AR.ARTran", "PX.Objects.AP.APTran", "PX.Objects.IN.INTran", "PX.Objects.GL.GLTran",
})


@dataclass
class Imported:
    """One inquiry read back: its definition (as plain data, in definition order) and notes."""

    name: str
    table: str
    definition: dict[str, Any] | None
    notes: list[str] = field(default_factory=list)
    refused: str | None = None
    dropped: list[str] = field(default_factory=list)  # with drop=True: what was left out, and why




def read_inquiries(path: Path, *, drop: bool = False) -> list[Imported]:
    return [convert(row, drop=drop) for row in design_rows(load_xml(path), path)]


def load_xml(path: Path) -> ET.Element:
    data = read_bytes_limited(path, what="inquiry file", kind="XML or ZIP", max_bytes=MAX_BYTES)
    if data[:4] == b"PK\x03\x04":
        data = _project_xml(data, path)
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        line, col = exc.position
        raise InputError(f"not well-formed XML: {exc.msg if hasattr(exc, 'msg') else exc}", path=path, line=line,
                         column=col + 1, hint="export the inquiry again (SM208000: Export as XML)") from None


def _project_xml(data: bytes, path: Path) -> bytes:
    """project.xml out of a customization package, read no further than MAX_BYTES (a ZIP can
    claim any size and inflate to far more than it holds)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf, zf.open("project.xml") as member:
            xml = member.read(MAX_BYTES + 1)
    except KeyError:
        raise InputError("the ZIP has no project.xml: it is not a customization package", path=path,
                         hint="export the project from Customization Projects (SM204505)") from None
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, zlib.error) as exc:
        raise InputError(f"not a readable ZIP: {exc}", path=path,
                         hint="export the project from Customization Projects (SM204505) again") from None
    if len(xml) > MAX_BYTES:
        raise InputError(f"the package's project.xml is larger than {MAX_BYTES // (1024 * 1024)} MiB", path=path,
                         hint="a package of inquiries is far smaller: is it the right file?")
    return xml


def design_rows(root: ET.Element, path: Path) -> list[ET.Element]:
    rows = [row for design in root.iter("GIDesign") for row in design.findall("row")]
    if not rows:
        raise InputError("no Generic Inquiry in this file (no GIDesign row)", path=path,
                         hint="pass an SM208000 export, a GenericInquiryScreen item, a project.xml or a package ZIP")
    return rows


def convert(row: ET.Element, *, drop: bool = False) -> Imported:
    """One inquiry read back. drop: leave out what a push cannot carry, listing each part in
    out.dropped, instead of refusing the inquiry."""
    name = row.get("Name") or "(unnamed)"
    out = Imported(name=name, table="", definition=None)
    try:
        out.definition = _definition(row, out, drop)
    except Refused as exc:
        out.refused = str(exc)
        out.dropped = []
    return out


def _definition(row: ET.Element, out: Imported, drop: bool) -> dict[str, Any]:
    dropped = out.dropped if drop else None
    groups = row.findall("GIGroupBy")
    if groups and dropped is None:
        raise Refused("it groups rows (Grouping tab): the Push Notifications form refuses grouped inquiries")
    if groups and dropped is not None:
        by = ", ".join(g.get("DataFieldName") or "?" for g in groups)
        dropped.append(f"grouping by {by}: the Push Notifications form refuses grouped inquiries, so the table gets "
                       "one row per record")
    parameters = row.findall("GIFilter")
    if parameters and dropped is None:
        raise Refused("it has parameters (Parameters tab): a push carries no parameter values")
    for f in parameters:
        assert dropped is not None
        dropped.append(f"parameter {f.get('Name') or '?'} ({f.get('DisplayName') or f.get('FieldName') or '?'}): a "
                       "push carries no parameter values")
    tables = {t.get("Alias", ""): t for t in row.findall("GITable")}
    details = sorted(a for a, t in tables.items() if t.get("Name") in DETAIL_DACS)
    if len(details) > 1:
        raise Refused(f"it joins several detail tables ({', '.join(details)}): every row repeats for each combination "
                      "of their lines, which Acumatica advises against for push inquiries")
    main = _main_alias(tables)
    dac = tables[main].get("Name", "")
    joins = _joins(tables, main)
    cols, special = _columns(tables, out.notes, dropped)
    entity = special.get("_tab") or dac.rsplit(".", 1)[-1]
    if not naming.ENTITY_RE.match(entity):
        entity = re.sub(r"[^A-Za-z0-9_]", "", entity) or "Entity"
    out.table, generated = _table_name(row, entity)
    definition: dict[str, Any] = {"entity": entity, "table": out.table}
    if row.get("Name") and row.get("Name") != f"Jigx CDC {out.table}":
        definition["inquiry"] = row.get("Name")
    source: dict[str, Any] = {"dac": dac}
    if main != dac.rsplit(".", 1)[-1]:
        source["alias"] = main
    if special.get("_mod") and special["_mod"] != "LastModifiedDateTime":
        source["modified"] = special["_mod"]
    source["deleted_flag"] = "_del" in special
    definition["source"] = source
    if joins:
        definition["joins"] = joins
    definition["key"] = _key(row, dac, main, cols, out.notes, generated=generated)
    definition["columns"] = {n: f"{a}.{f}" for n, (a, f) in cols.items()}
    where = where_items(row, dropped)
    if where:
        definition["where"] = where
    screen = _screen_id(row)
    if screen:
        definition["odata"] = True
        definition["screen_id"] = screen
    if row.find("GINavigationScreen") is not None:
        out.notes.append("navigation links (GINavigationScreen) are left out: a push carries data, not links")
    out.notes.append("column types are not in the inquiry: every column is text here; add type: int, decimal, bool, "
                     "date, datetime or guid where the app needs it")
    return definition


def _main_alias(tables: dict[str, ET.Element]) -> str:
    if not tables:
        raise Refused("it has no data source (no GITable)")
    children = {r.get("ChildTable") for t in tables.values() for r in t.findall("GIRelation")}
    roots = [a for a in tables if a not in children]
    if len(roots) != 1:
        raise Refused(f"its tables are not joined into one tree (roots: {', '.join(roots) or 'none'})")
    return roots[0]


def _joins(tables: dict[str, ET.Element], main: str) -> list[dict[str, Any]]:
    out = []
    order = [main]
    for alias in order:  # breadth first from the main table: a parent is declared before its children
        for rel in sorted(tables[alias].findall("GIRelation"), key=lambda r: int(r.get("LineNbr", "0"))):
            child = rel.get("ChildTable", "")
            if child not in tables:
                raise Refused(f"relation to an unknown table '{child}'")
            code = _code(rel.get("JoinType"))
            if code not in JOINS:
                raise Refused(f"the join to {child} is of type {code!r}; definitions join inner, left, right or full")
            pairs = []
            for on in sorted(rel.findall("GIOn"), key=lambda o: int(o.get("LineNbr", "0"))):
                if _code(on.get("Condition")) != "E" or _code(on.get("Operation") or "A") != "A":
                    raise Refused(f"the join to {child} has a link that is not 'equals ... and'")
                pairs.append([f"{alias}.{pascal(on.get('ParentField', ''))}",
                              f"{child}.{pascal(on.get('ChildField', ''))}"])
            join: dict[str, Any] = {"dac": tables[child].get("Name", "")}
            if child != join["dac"].rsplit(".", 1)[-1]:
                join["alias"] = child
            join["type"] = JOINS[code]
            join["on"] = pairs
            out.append(join)
            order.append(child)
    return out


def _columns(tables: dict[str, ET.Element], notes: list[str], dropped: list[str] | None
             ) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    results = sorted(((int(r.get("LineNbr", "0")), alias, r) for alias,
                      t in tables.items() for r in t.findall("GIResult")),
                     key=lambda x: x[0])
    cols: dict[str, tuple[str, str]] = {}
    special: dict[str, str] = {}
    for _, alias, r in results:
        fld, caption = r.get("Field", ""), (r.get("Caption") or "").strip()
        if r.get("AggregateFunction"):
            function = r.get("AggregateFunction")
            if dropped is None:
                raise Refused(f"the column {caption or fld} aggregates ({function}): a push needs one row per record")
            dropped.append(f"column {caption or fld} ({function} of {alias}.{pascal(fld)}): a push needs one row per "
                           "record, not an aggregate")
            continue
        if r.get("IsActive") == "0":
            notes.append(f"inactive column {caption or fld} left out")
            continue
        if caption in ("_tab", "_del", "_mod"):
            special[caption] = fld[2:-1] if caption == "_tab" and fld.startswith("='") else pascal(fld)
            continue
        if fld.startswith("="):
            notes.append(f"formula column {caption or fld!r} left out: a definition's columns are fields")
            continue
        name = re.sub(r"[^A-Za-z0-9_]", "", caption)
        if not caption or not naming.COLUMN_RE.match(name):
            proposed = pascal(fld) if not name else re.sub(r"^[^A-Za-z]+", "", name) or pascal(fld)
            had = f"the caption {caption!r}" if caption else "no caption"
            notes.append(f"column {alias}.{pascal(fld)} had {had}; named it {proposed} (a pushed row's keys are its "
                         "captions: set them on SM208000 too)")
            name = proposed
        base, n = name, 2
        while name.lower() in {c.lower() for c in cols} or name.lower() in ("_tab", "_del", "_mod"):
            name, n = f"{base}_{n}", n + 1
        cols[name] = (alias, pascal(fld))
    if not cols:
        raise Refused("it has no field columns to push")
    return cols, special


def _key(row: ET.Element, dac: str, main: str, cols: dict[str, tuple[str, str]], notes: list[str], *,
         generated: bool) -> list[str]:
    """The key: the inquiry's sort columns when they are all columns (how this tool writes it),
    else the DAC's known natural key, else a stand-in and a note."""
    sorts = sorted((s for s in row.findall("GISort") if s.get("IsActive") != "0"), key=lambda s: int(s.get("LineNbr",
                                                                                                           "0")))
    sorts = sorts if generated else []  # in others' inquiries a sort order is only an order
    by_ref = {f"{a}.{f}".lower(): n for n, (a, f) in cols.items()}
    sorted_key = [by_ref.get((s.get("DataFieldName") or "").lower()) for s in sorts]
    if sorts and all(sorted_key):
        return [n for n in sorted_key if n]
    known = KNOWN_KEYS.get(dac, ())
    found = [next((n for n, (a, f) in cols.items() if a == main and f.lower() == k.lower()), None) for k in known]
    if known and all(found):
        return [n for n in found if n]
    first = next(iter(cols))
    notes.append(f"the key could not be guessed for {dac}: '{first}' is a stand-in; set key: to the column(s) that "
                 "identify a row")
    return [first]


def _screen_id(row: ET.Element) -> str | None:
    if row.get("ExposeViaOData") != "1":
        return None
    site = row.find("SiteMap[@linkname='toDesignById']/row")
    return site.get("ScreenID") if site is not None else None


def _table_name(row: ET.Element, entity: str) -> tuple[str, bool]:
    """(the table this inquiry feeds, whether this tool generated it): the table whose derived
    DesignID it has; else a proposal from its title or entity."""
    title = row.get("Name") or entity
    candidates = []
    if title.startswith("Jigx CDC "):
        candidates.append(title[len("Jigx CDC "):])
    candidates += [naming.propose_table_name(title.removeprefix("Jigx CDC ")), naming.kebab(entity),
                   naming.kebab(entity) + "s", naming.propose_table_name(entity)]
    design = (row.get("DesignID") or "").lower()
    for c in candidates:
        if not naming.table_name_problem(c) and naming.stable_uuid(c, "design") == design:
            return c, True
    return next((c for c in candidates if not naming.table_name_problem(c)), "imported-table"), False


def definition_text(imported: Imported) -> str:
    """The definition as YAML, its notes as comments at the top."""
    from ruamel.yaml.comments import CommentedMap

    from ..yamlio import dump, yaml_node

    doc: CommentedMap = yaml_node(imported.definition)
    _flow_leaves(doc)
    head = [f"Read back from the Generic Inquiry '{imported.name}' by jigx-acumatica import-gi."]
    head += [f"dropped: {d}" for d in imported.dropped]
    head += [f"note: {n}" for n in imported.notes]
    doc.yaml_set_start_comment("\n".join(head))
    return dump(doc)


def _flow_leaves(node: Any) -> None:
    """Short lists and single conditions in flow style, as the samples write them."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(node, CommentedMap):
        for k, v in node.items():
            if k in ("on", "key", "value") or (isinstance(v, CommentedMap) and k in ("source",) and len(v) <= 2):
                _set_flow(v)
            _flow_leaves(v)
    elif isinstance(node, CommentedSeq):
        for item in node:
            if isinstance(item, CommentedMap) and ("field" in item or len(item) == 1 and "any" not in item):
                _set_flow(item)
            _flow_leaves(item)


def _set_flow(node: Any) -> None:
    if hasattr(node, "fa"):
        node.fa.set_flow_style()
