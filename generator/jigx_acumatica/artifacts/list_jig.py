"""jigs/<table>.jigx: a list of the table's rows (its key and a few readable columns), reading
datasources/<table>.jigx, so the app shows Acumatica data with no hand-written YAML."""

from __future__ import annotations

import re

from ..definition import Column, TableDef
from ..templates import render

TEMPLATE = "list-jig.jigx.j2"

READABLE = re.compile(r"name|descr|description|status|city|email|phone|date|total|qty", re.I)
MAX_DETAILS = 3


def jig_id(table: str) -> str:
    return table


def title_of(defn: TableDef) -> str:
    """A tab or list title: the table name in words (sales-order -> Sales Order)."""
    return " ".join(part.capitalize() for part in re.split(r"[-_]+", defn.table))[:50]


def details(defn: TableDef) -> list[Column]:
    """Up to three non-key columns a person reads first: names, descriptions, statuses, ..."""
    rest = [c for c in defn.columns if c.name not in defn.key]
    ranked = sorted(rest, key=lambda c: (not READABLE.search(c.name), c.type != "string", defn.columns.index(c)))
    return ranked[:MAX_DETAILS]


def _item(name: str) -> str:
    return f"@ctx.current.item.{name}"


def render_list_jig(defn: TableDef) -> str:
    key = " & ' / ' & ".join(_item(k) for k in defn.key)
    shown = details(defn)
    return render(TEMPLATE, table=defn.table, title=title_of(defn),
                  item_title=f"={_item(shown[0].name) if shown else key}",
                  subtitle=f"={key}" if shown else "=''",
                  description="=" + " & ' · ' & ".join(_item(c.name) for c in shown[1:]) if len(shown) > 1 else "")
