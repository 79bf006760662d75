"""datasources/<table>.jigx: a SQLite datasource over the Dynamic Data table, one column per caption."""

from __future__ import annotations

from ..definition import TableDef
from ..templates import render
from .expressions import json_field, sql_name

TEMPLATE = "datasource.jigx.j2"


def jigx_columns(defn: TableDef) -> list[str]:
    """The Jigx columns this inquiry pushes: _del only where the table keeps deleted rows."""
    return ["_tab", "_del", "_mod"] if defn.deleted_flag else ["_tab", "_mod"]


def render_datasource(defn: TableDef) -> str:
    """Key columns first, then the others, then the Jigx columns; rows deleted in Acumatica (_del
    true, a real boolean where the inquiry has _del) are left out."""
    keys = [c.name for c in defn.columns if c.name in defn.key]
    columns = keys + [c.name for c in defn.columns if c.name not in defn.key] + jigx_columns(defn)
    select = ",\n".join(f"  {json_field(name)} AS {sql_name(name)}" for name in columns)
    query = f"SELECT\n  id,\n{select}\nFROM [default/{defn.table}]\n"
    if defn.deleted_flag:  # json_extract gives 1 for JSON true; a missing _del counts as not deleted
        query += "WHERE COALESCE(json_extract(data, '$._del'), 0) = 0\n"
    query += "ORDER BY " + ", ".join(json_field(k) for k in keys) + "\n"
    return render(TEMPLATE, table=defn.table, query=query)
