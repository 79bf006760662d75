"""jigs/<table>.jigx and jigs/<table>-detail.jigx: a searchable list of the table's rows (its
key and a few readable columns, a count, pull to refresh, an empty state) and the detail of one
row, so the app shows Acumatica data with no hand-written YAML."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..definition import Column, TableDef
from ..naming import DETAIL_SUFFIX
from ..templates import render
from .datasource import TENANT_COLUMN, Sources, row_query, search_query, sources_of, tables_of
from .expressions import field_ref, joined, shown

TEMPLATE = "list-jig.jigx.j2"
DETAIL_TEMPLATE = "detail-jig.jigx.j2"

READABLE = re.compile(r"name|descr|description|status|city|email|phone|date|total|qty", re.I)
TITLE_HINT = re.compile(r"name|descr|description|title|subject", re.I)
LABEL_HINT = re.compile(r"status", re.I)
EMAIL_HINT = re.compile(r"e-?mail", re.I)
PHONE_HINT = re.compile(r"phone|mobile|fax", re.I)
MAX_DETAILS = 3
ITEM = "@ctx.current.item"


def jig_id(table: str) -> str:
    return table


def detail_jig_id(table: str) -> str:
    return table + DETAIL_SUFFIX


def title_of(defn: TableDef) -> str:
    """A tab or list title: the table name in words (sales-order -> Sales Order)."""
    return " ".join(part.capitalize() for part in re.split(r"[-_]+", defn.table))[:50]


def details(defn: TableDef) -> list[Column]:
    """Up to three non-key columns a person reads first: names, descriptions, statuses, ..."""
    rest = [c for c in defn.columns if c.name not in defn.key]
    ranked = sorted(rest, key=lambda c: (not READABLE.search(c.name), c.type != "string", defn.columns.index(c)))
    return ranked[:MAX_DETAILS]


def _value(base: str, col: Column | None, name: str) -> str:
    if col is None and name == "_mod":
        col = Column(name="_mod", alias="", field="", type="datetime")
    return shown(field_ref(base, name), col)


# Icons by kind of entity, from the icon names Jigx's own documentation uses; the first whose
# pattern matches the entity or table name wins, else DEFAULT_ICON. app.icon overrides.
ICONS = (
    (re.compile(r"invoice|payment|bill|document|adjust|memo|register", re.I), "notes-paper-approve"),
    (re.compile(r"order|shipment|delivery|receipt|transfer", re.I), "delivery-truck-2"),
    (re.compile(r"activity|event|appointment|schedule|visit|task", re.I), "calendar"),
    (re.compile(r"case|issue|inspection|check", re.I), "checklist-alternate"),
    (re.compile(r"contact|customer|vendor|employee|lead|account|person|user", re.I), "person"),
)
DEFAULT_ICON = "contact"


def icon_for(defn: TableDef) -> str:
    if defn.app.icon:
        return defn.app.icon
    name = f"{defn.entity} {defn.table}"
    return next((icon for pattern, icon in ICONS if pattern.search(name)), DEFAULT_ICON)


def tab_label(defn: TableDef) -> str:
    return defn.app.tab_label or title_of(defn)


def _places(defn: TableDef) -> dict[str, list[str]]:
    """Which columns go to the title, subtitle, description and label: the definition's app:
    block where it says, else a name or description as the title (never a status, which every
    open order shares), the key as the subtitle, a status as the label, and the other readable
    columns as the description."""
    app = defn.app
    shown_cols = [c.name for c in details(defn)]
    label = list(app.label) or [next((c.name for c in defn.columns if c.name not in defn.key and
                                      LABEL_HINT.search(c.name)), "")][:1]
    label = [n for n in label if n]
    title = list(app.title) or [next((n for n in shown_cols if TITLE_HINT.search(n)), None) or
                                next((n for n in shown_cols if n not in label), "")]
    title = [n for n in title if n]
    subtitle = list(app.subtitle) or list(defn.key)
    description = list(app.description) or [n for n in shown_cols if n not in title + label + subtitle]
    if not title:
        title, subtitle = subtitle, []
    return {"title": title, "subtitle": subtitle, "description": description, "label": label}


def render_list_jig(defn: TableDef, sources: Sources | None = None) -> str:
    by_name = {c.name: c for c in defn.columns}
    several = bool(sources_of(defn, sources)[0][1])

    def expression(names: list[str], separator: str) -> str:
        if not names:
            return ""
        return "=" + joined([_value(ITEM, by_name.get(n), n) for n in names], separator)

    places = _places(defn)
    if several:  # whose row it is, first on its label
        places["label"] = [TENANT_COLUMN, *places["label"]]
    return render(TEMPLATE, table=defn.table, tables=tables_of(defn, sources), several=several, source=defn.app_id,
                  title=title_of(defn), icon=icon_for(defn), list_source=f"{defn.app_id}-list",
                  query=search_query(defn, sources), detail_jig=detail_jig_id(defn.app_id),
                  empty=f"No {title_of(defn).lower()} yet: rows arrive when Acumatica pushes a change, or after "
                        "jigx-acumatica backfill",
                  item_title=expression(places["title"], " / "), subtitle=expression(places["subtitle"], " / "),
                  description=expression(places["description"], " · "), label=expression(places["label"], " · "))


@dataclass(frozen=True)
class Field:
    label: str
    value: str
    content_type: str = ""
    format: str = ""  # numberStyle


def words(name: str) -> str:
    """A column name as a label: CustomerID -> Customer ID, OrderNbr -> Order Nbr, e_mail -> e mail."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", name)
    return re.sub(r"[_\s]+", " ", spaced).strip() or name


def _field(source: str, col: Column) -> Field:
    ref = field_ref(source, col.name)
    label = words(col.name)
    if col.type == "bool":
        return Field(label, f"={ref}", "checkbox")
    if col.type in ("int", "decimal"):
        return Field(label, f"={ref}", format="decimal")
    if col.type in ("date", "datetime"):
        return Field(label, f"={shown(ref, col)}")
    if EMAIL_HINT.search(col.name):
        return Field(label, f"={ref}", "email")
    if PHONE_HINT.search(col.name):
        return Field(label, f"={ref}", "phone")
    return Field(label, f"={ref}")


def render_detail_jig(defn: TableDef, sources: Sources | None = None) -> str:
    """Every column as an entity field (e-mail and phone with their content types, numbers with
    Jigx's number format), and _mod as "Last changed"."""
    source = f"{defn.app_id}-row"
    base = f"@ctx.datasources.{source}"
    modified = Column(name="_mod", alias=defn.alias, field=defn.modified, type="datetime")
    fields = [_field(base, c) for c in defn.columns]
    fields.append(Field("Last changed", f"={shown(field_ref(base, '_mod'), modified)}"))
    several = bool(sources_of(defn, sources)[0][1])
    if several:
        fields.insert(0, Field("Tenant", f"={field_ref(base, TENANT_COLUMN)}"))
    return render(DETAIL_TEMPLATE, table=defn.table, tables=tables_of(defn, sources), several=several,
                  title=defn.entity, row_source=source, query=row_query(defn, sources), fields=fields)
