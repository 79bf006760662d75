"""Tenants: who pushes, and where each tenant's rows land (docs/tenants.md).

A solution declares its tenants once, in jigx-acumatica.yaml (`tenant:`, or `tenants:` as login
names or mappings). Each tenant has its own Jigx table per definition, because how Jigx's endpoint
keys rows (and whether it reads CompanyId at all) is not documented: a table of its own is the
only separation that holds whatever the endpoint does. The first tenant keeps every name a
one-tenant solution has (tables, files, package), so declaring a second tenant adds and never
moves; every other tenant's names carry its key: `<table>_<key>`, acumatica/<table>/<key>/,
acumatica/jigx-cdc-<key>.zip."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from . import naming
from .config import CONFIG_FILE, PLACEHOLDER_COMPANY, Settings, Target, load_settings
from .definition import TableDef
from .errors import InputError
from .layout import artifact_dir

ALL = "all"


@dataclass(frozen=True)
class Tenant:
    name: str | None  # the login name (SM203520); None: no tenant declared (the instance's default one)
    company_id: str  # the CompanyId its pushes carry
    key: str  # "" for the first tenant; else its part of table, file and package names
    acumatica_url: str | None = None  # its instance, where it is not the project's acumaticaUrl
    among_several: bool = False  # the solution declares more than one tenant

    @property
    def shown(self) -> str:
        return self.name or "(default tenant)"

    def table(self, table: str) -> str:
        return f"{table}_{self.key}" if self.key else table

    def folder(self, table: str) -> str:
        """Where this tenant's own files of a table live (its checklist, its sample push)."""
        return f"{artifact_dir(table)}/{self.key}" if self.key else artifact_dir(table)

    def package(self, path: str) -> str:
        return re.sub(r"\.zip$", f"-{self.key}.zip", path) if self.key else path


@dataclass(frozen=True)
class Feed:
    """One tenant's rows of one definition: the definition with its table renamed to the tenant's
    Jigx table (what verify, backfill and the endpoint work on), and the tenant."""

    defn: TableDef
    tenant: Tenant
    base: str  # the definition's own table name

    @property
    def table(self) -> str:
        return self.defn.table


def key_for(name: str) -> str:
    """A tenant's key from its login name: 'West Coast LLC' -> west_coast_llc."""
    key = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    key = re.sub(r"^[^a-z]+", "", key)[:20].rstrip("_")
    return key or "tenant"


@dataclass(frozen=True)
class Tenancy:
    tenants: tuple[Tenant, ...]

    @property
    def several(self) -> bool:
        return len(self.tenants) > 1

    def named(self, name: str) -> Tenant | None:
        return next((t for t in self.tenants if t.name == name), None)

    def of(self, defn: TableDef) -> list[Tenant]:
        """The tenants a definition is in: its own `tenants:` list, or all."""
        if not defn.tenants:
            return list(self.tenants)
        return [t for t in self.tenants if t.name in defn.tenants]

    def feeds(self, defn: TableDef, only: list[Tenant] | None = None) -> list[Feed]:
        chosen = [t for t in self.of(defn) if only is None or t in only]
        return [Feed(defn if t.table(defn.table) == defn.table else replace(defn, table=t.table(defn.table)),
                     t, defn.table) for t in chosen]

    def select(self, wanted: str | None, *, where: str = "--tenant") -> list[Tenant]:
        """--tenant T (one declared tenant) or all (None: all)."""
        if wanted is None or wanted == ALL:
            return list(self.tenants)
        found = self.named(wanted)
        if found is None:
            names = ", ".join(t.shown for t in self.tenants)
            raise InputError(f"{where} {wanted}: no such tenant in {CONFIG_FILE}",
                             hint=f"use one of: {names}, or all; or declare it under tenants: in {CONFIG_FILE}")
        return [found]

    def check_definition(self, defn: TableDef) -> None:
        """A definition's `tenants:` names declared tenants, and every table name it gives fits."""
        declared = {t.name for t in self.tenants if t.name}
        for name in defn.tenants:
            if name not in declared:
                raise InputError(f"tenant '{name}' is not declared in {CONFIG_FILE}", path=defn.path,
                                 line=defn.tenants_line, hint="declare it under tenants: there, or use one of: "
                                 + (", ".join(sorted(declared)) or "(none declared)"))
        for t in self.of(defn):
            problem = naming.table_name_problem(t.table(defn.table))
            if problem:
                raise InputError(f"tenant {t.shown}'s table for '{defn.table}', '{t.table(defn.table)}', {problem}",
                                 path=defn.path, hint=f"give the tenant a shorter key in {CONFIG_FILE} "
                                 f"(- {{name: {t.name}, key: b}}), or the table a shorter name")


def tenancy_of(settings: Settings, target: Target) -> Tenancy:
    """The tenants as declared; one tenant (perhaps the instance's default) when none or one is.
    A one-tenant solution's CompanyId is `company` (as before tenants were declared); with
    several, each tenant's companyId, the first's defaulting to `company`, every one to its name."""
    entries = settings.tenant_entries
    company = target.company or settings.company
    if len(entries) <= 1:
        name = entries[0]["name"] if entries else None
        given = entries[0].get("companyId") if entries else None
        return Tenancy((Tenant(name, given or company or PLACEHOLDER_COMPANY, "",
                               entries[0].get("acumaticaUrl") if entries else None),))
    tenants: list[Tenant] = []
    for i, e in enumerate(entries):
        key = "" if i == 0 else e.get("key") or key_for(e["name"])
        tenants.append(Tenant(e["name"], e.get("companyId") or (company if i == 0 else None) or e["name"], key,
                              e.get("acumaticaUrl"), among_several=True))
    keys = [t.key for t in tenants[1:]]
    for t in tenants[1:]:
        if keys.count(t.key) > 1:
            raise InputError(f"two tenants have the key '{t.key}' in {CONFIG_FILE}: their tables would be one",
                             hint=f"give one of them its own key: - {{name: {t.name}, key: {t.key}2}}")
    return Tenancy(tuple(tenants))


def load_tenancy(root: Path) -> Tenancy:
    from .config import load_config

    return tenancy_of(load_settings(root), load_config(root))
