"""datasources/<table>.jigx: a SQLite datasource over the Dynamic Data table, one column per
caption; and the queries the table's jigs hold (its searchable list, one row by id)."""

from __future__ import annotations

from collections.abc import Callable

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


# Where a table's rows are on the phone: (Jigx table, tenant shown) per tenant the definition is
# in; one table without a tenant name for a one-tenant solution (docs/tenants.md).
Sources = list[tuple[str, str]]
TENANT_COLUMN = "_tenant"


def sources_of(defn: TableDef, sources: Sources | None) -> Sources:
    return sources or [(defn.table, "")]


def tables_of(defn: TableDef, sources: Sources | None = None) -> list[str]:
    return [t for t, _ in sources_of(defn, sources)]


def sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _select(defn: TableDef, table: str, tenant: str) -> str:
    names = selected(defn)
    fields = [f"  {json_field(name)} AS {sql_name(name)}" for name in names]
    if tenant:  # several tenants: each row says whose it is
        fields.insert(0, f"  {sql_text(tenant)} AS {sql_name(TENANT_COLUMN)}")
    return "SELECT\n  id,\n" + ",\n".join(fields) + f"\nFROM [default/{table}]\n"


def _order(defn: TableDef, several: bool) -> str:
    if several:  # a compound select orders by its result columns
        return "ORDER BY " + ", ".join([*(sql_name(k) for k in defn.key), sql_name(TENANT_COLUMN)]) + "\n"
    return "ORDER BY " + ", ".join(json_field(k) for k in defn.key) + "\n"


def _live(defn: TableDef) -> list[str]:
    """Rows deleted in Acumatica (_del true, a real boolean where the inquiry has _del) are left
    out; json_extract gives 1 for JSON true, and a missing _del counts as not deleted."""
    return ["COALESCE(json_extract(data, '$._del'), 0) = 0"] if defn.deleted_flag else []


def _where(conditions: list[str]) -> str:
    return "WHERE " + "\n  AND ".join(conditions) + "\n" if conditions else ""


def _union(defn: TableDef, sources: Sources | None, conditions: Callable[[str], list[str]], *,
           ordered: bool = True) -> str:
    """One select per tenant's table (each with its conditions), joined by UNION ALL."""
    chosen = sources_of(defn, sources)
    parts = [_select(defn, table, tenant) + _where(conditions(tenant)) for table, tenant in chosen]
    several = len(chosen) > 1 or bool(chosen[0][1])
    return "UNION ALL\n".join(parts) + (_order(defn, several) if ordered else "")


def all_rows_query(defn: TableDef, sources: Sources | None = None) -> str:
    return _union(defn, sources, lambda tenant: _live(defn))


def searched_columns(defn: TableDef) -> list[str]:
    """What the list's search looks in: the key and the text columns."""
    return list(dict.fromkeys([*defn.key, *(c.name for c in defn.columns if c.type in TEXT_TYPES)]))


def search_query(defn: TableDef, sources: Sources | None = None) -> str:
    """The list's rows, narrowed by @search (the jig's search text) when it is not empty; with
    several tenants the tenant's name is searched too."""
    def conditions(tenant: str) -> list[str]:
        looked_in = [json_field(n) for n in searched_columns(defn)] + ([sql_text(tenant)] if tenant else [])
        matches = "\n    OR ".join(f"{x} LIKE '%' || @search || '%'" for x in looked_in)
        return [*_live(defn), f"(@search IS NULL OR @search = ''\n    OR {matches})"]
    return _union(defn, sources, conditions)


def row_query(defn: TableDef, sources: Sources | None = None) -> str:
    """One row by its Jigx id (@id) for the detail jig; with several tenants, in the tenant's
    table (@tenant), as row ids are only unique within a table."""
    return _union(defn, sources, lambda tenant: ["id = @id"] + ([f"@tenant = {sql_text(tenant)}"] if tenant else []),
                  ordered=False)


def render_datasource(defn: TableDef, sources: Sources | None = None) -> str:
    return render(TEMPLATE, table=", ".join(tables_of(defn, sources)), tables=tables_of(defn, sources),
                  query=all_rows_query(defn, sources))
