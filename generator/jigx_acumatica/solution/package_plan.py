"""The one package builder: the managed acumatica/jigx-cdc.zip, `package --out` and what
`publish` sends all come from build_package, over the same inputs.

Its inputs are each managed table's generic-inquiry.xml as the solution holds it, so an inquiry
edited by hand (and kept by the three-way rule) is packaged as edited, in the managed ZIP and
in `package --out` alike. The managed ZIP is planned like any generated file."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from ..artifacts.package import render_package, rights_items
from ..artifacts.provenance import content_digest
from ..config import Settings, load_config
from ..fsutil import Content, digest, read_bytes_if_exists, read_if_exists
from ..layout import artifact_dir
from ..tenancy import Tenancy, Tenant, tenancy_of
from .plan import CONFLICT, CREATE, DELETE, IDENTICAL, SKIP, UPDATE, Change, Plan, decide
from .state import PackageRecord, State, TableRecord

Pending = Mapping[str, "tuple[Content | None, Content]"]


def inquiry_file(table: str) -> str:
    return f"{artifact_dir(table)}/generic-inquiry.xml"


def packaged_tables(tables: Mapping[str, TableRecord]) -> list[str]:
    """The managed tables that have an inquiry, in the package's order."""
    return [t for t in sorted(tables) if inquiry_file(t) in tables[t].files]


def inquiry_texts(root: Path, tables: Iterable[str], pending: Pending | None = None) -> dict[str, str]:
    """Each table's generic-inquiry.xml as the solution holds it (or as this run will write it)."""
    out: dict[str, str] = {}
    for table in tables:
        rel = inquiry_file(table)
        planned = (pending or {}).get(rel)
        text = planned[1] if planned is not None and isinstance(planned[1], str) else read_if_exists(root / rel)
        if text is not None:
            out[table] = text
    return out


def with_monitor(texts: Mapping[str, str], settings: Settings) -> dict[str, str]:
    """The package's inquiries, with the failed-push inquiry when monitor: true (and any other)."""
    if not settings.monitor or not texts:
        return dict(texts)
    from ..artifacts.monitor import KEY, monitor_xml

    return {**texts, KEY: monitor_xml(settings.monitor_screen_id)}


def build_package(texts: Mapping[str, str], settings: Settings, extra_items: list[str] | None = None) -> bytes:
    """The customization package for these inquiries (table -> generic-inquiry.xml text): with
    odataRole set, the rights of that role on each inquiry exposed over OData too."""
    items = (rights_items(texts, settings.odata_role) if settings.odata_role else []) + (extra_items or [])
    return render_package([texts[t] for t in sorted(texts)], product_version=settings.product_version,
                          extra_items=items)


def package_inputs(texts: Mapping[str, str], settings: Settings) -> str:
    """A digest of everything the package is built from (provenance lines left out: a new tool
    version's header is no change to the package)."""
    role = [f"odataRole:{settings.odata_role}"] if settings.odata_role else []
    return digest("\0".join([settings.product_version, *role] +
                             [f"{t}:{content_digest(texts[t])}" for t in sorted(texts)]))


def tenant_tables(tables: Mapping[str, TableRecord], tenant: Tenant) -> list[str]:
    """The packaged tables a tenant is in (its Jigx table is among the definition's)."""
    return [t for t in packaged_tables(tables) if tenant.table(t) in tables[t].feed_tables(t)]


def plan_package(plan: Plan, tables: Mapping[str, TableRecord], old: State, settings: Settings, *,
                 force: bool, tenancy: Tenancy | None = None) -> tuple[PackageRecord | None, dict[str, PackageRecord]]:
    """Plan the managed packages for these tables: one, or with several tenants one per tenant
    holding only that tenant's inquiries (the first tenant's at the package path, the others'
    beside it with their key). Returns the records of the first and of the others, by key."""
    if tenancy is None or not tenancy.several:
        first = _plan_one(plan, settings.package, old.package, tables, packaged_tables(tables), settings, force)
        others: dict[str, PackageRecord] = {}
        keys: list[str] = []
    else:
        first = _plan_one(plan, settings.package, old.package, tables, tenant_tables(tables, tenancy.tenants[0]),
                          settings, force)
        others = {}
        for tenant in tenancy.tenants[1:]:
            rec = _plan_one(plan, tenant.package(settings.package), old.packages.get(tenant.key), tables,
                            tenant_tables(tables, tenant), settings, force)
            if rec is not None:
                others[tenant.key] = rec
        keys = [t.key for t in tenancy.tenants]
    for key, gone in sorted(old.packages.items()):  # a tenant no longer declared: its package goes
        if key not in keys:
            _plan_one(plan, gone.path, gone, tables, [], settings, force)
    return first, others


def _plan_one(plan: Plan, rel: str, recorded: PackageRecord | None, tables: Mapping[str, TableRecord],
              chosen: list[str], settings: Settings, force: bool) -> PackageRecord | None:
    base = recorded.hash if recorded is not None and recorded.path == rel else None
    current = read_bytes_if_exists(plan.root / rel)
    now = None if current is None else digest(current)
    texts = with_monitor(inquiry_texts(plan.root, chosen, plan.writes), settings)
    if not texts:
        if current is not None and now == base:
            plan.add(Change(DELETE, rel, "file", None, "no table left to package"))
            plan.deletes[rel] = current
        return None
    inputs = package_inputs(texts, settings)
    if recorded is not None and recorded.inputs == inputs and now is not None and now == base:
        plan.add(Change(IDENTICAL, rel, "file", None))
        return recorded
    new = build_package(texts, settings)
    action = decide(now, base, digest(new), force=force)
    if action == SKIP and current is None:
        action = CREATE  # a generated file comes back when deleted
    detail = {SKIP: "edited by hand; kept (--force overwrites)",
              CONFLICT: "changed by hand and the inquiries changed too (--force overwrites)"}.get(action, "")
    plan.add(Change(action, rel, "file", None, detail))
    if action in (CREATE, UPDATE):
        plan.writes[rel] = (current, new)
    return PackageRecord(rel, digest(new), inputs)


def plan_package_only(root: Path, settings: Settings, *, force: bool) -> Plan:
    """`package` without options: the managed package brought up to date from the inquiry files,
    nothing else planned (the state's package record follows it)."""
    from .state import load_state

    state, old_text = load_state(root)
    plan = Plan(root=root, old_state_text=old_text)
    tenancy = tenancy_of(settings, load_config(root))
    record, others = plan_package(plan, state.tables, state, settings, force=force, tenancy=tenancy)
    plan.state = state.with_tables(state.tables, record).with_tenants(others, state.first_tenant)
    return plan
