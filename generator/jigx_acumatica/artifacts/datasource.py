"""datasources/<table>.jigx: a SQLite datasource over the Dynamic Data table, one column per
caption; and the queries the table's jigs hold (its searchable list, one row by id)."""

from __future__ import annotations

from ..definition import TableDef
from ..templates import render
from .expressions import json_field, sql_name

TEMPLATE = "datasource.jigx.j2"
TEXT_TYPES = ("string",)


def jigx_columns(defn: TableDef) -> list[str]:
    """The Jigx columns this inquiry pushes: _del only where the table keeps deleted rows."""
    return ["_tab", "_del", "_mod"] if defn.deleted_flag else ["_tab", "_mod"]


def selected(defn: TableDef) -> list[str]:
    """Key columns first, then the others, then the Jigx columns."""
    keys = [c.name for c in defn.columns if c.name in defn.key]
    return keys + [c.name for c in defn.columns if c.name not in defn.key] + jigx_columns(defn)


def _select(defn: TableDef) -> str:
    fields = ",\n".join(f"  {json_field(name)} AS {sql_name(name)}" for name in selected(defn))
    return f"SELECT\n  id,\n{fields}\nFROM [default/{defn.table}]\n"


def _order(defn: TableDef) -> str:
    return "ORDER BY " + ", ".join(json_field(k) for k in defn.key) + "\n"


def _live(defn: TableDef) -> list[str]:
    """Rows deleted in Acumatica (_del true, a real boolean where the inquiry has _del) are left
    out; json_extract gives 1 for JSON true, and a missing _del counts as not deleted."""
    return ["COALESCE(json_extract(data, '$._del'), 0) = 0"] if defn.deleted_flag else []


def _where(conditions: list[str]) -> str:
    return "WHERE " + "\n  AND ".join(conditions) + "\n" if conditions else ""


def all_rows_query(defn: TableDef) -> str:
    return _select(defn) + _where(_live(defn)) + _order(defn)


def searched_columns(defn: TableDef) -> list[str]:
    """What the list's search looks in: the key and the text columns."""
    return list(dict.fromkeys([*defn.key, *(c.name for c in defn.columns if c.type in TEXT_TYPES)]))


def search_query(defn: TableDef) -> str:
    """The list's rows, narrowed by @search (the jig's search text) when it is not empty."""
    matches = "\n    OR ".join(f"{json_field(n)} LIKE '%' || @search || '%'" for n in searched_columns(defn))
    search = f"(@search IS NULL OR @search = ''\n    OR {matches})"
    return _select(defn) + _where([*_live(defn), search]) + _order(defn)


def row_query(defn: TableDef) -> str:
    """One row by its Jigx id (@id), for the detail jig."""
    return _select(defn) + "WHERE id = @id\n"


def render_datasource(defn: TableDef) -> str:
    return render(TEMPLATE, table=defn.table, query=all_rows_query(defn))
