"""jigs/<table>.jigx: a list of the table's rows (its key and a few readable columns), reading
datasources/<table>.jigx, so the app shows Acumatica data with no hand-written YAML."""

from __future__ import annotations

import re

from ..definition import Column, TableDef
from ..templates import render
from .expressions import field_ref, joined, shown

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


ITEM = "@ctx.current.item"
TITLE_HINT = re.compile(r"name|descr|description|title|subject", re.I)
LABEL_HINT = re.compile(r"status", re.I)


def _value(defn: TableDef, col: Column) -> str:
    return shown(field_ref(ITEM, col.name), col)


def render_list_jig(defn: TableDef) -> str:
    """Title: a name or description (never a status, which every open order shares); subtitle:
    the key; description: the other readable columns. Null and empty parts are skipped."""
    by_name = {c.name: c for c in defn.columns}
    key = joined([_value(defn, by_name[k]) for k in defn.key], " / ")
    shown_cols = details(defn)
    title_col = next((c for c in shown_cols if TITLE_HINT.search(c.name)), None) or \
        next((c for c in shown_cols if not LABEL_HINT.search(c.name)), None)
    rest = [c for c in shown_cols if c is not title_col]
    return render(TEMPLATE, table=defn.table, title=title_of(defn),
                  item_title=f"={_value(defn, title_col) if title_col else key}",
                  subtitle=f"={key}" if title_col else "=''",
                  description="=" + joined([_value(defn, c) for c in rest], " · ") if rest else "")
