"""The state file: what the tool generated last time, the base of every three-way decision.

One schema, typed and versioned, read and written only here. `.jigx-acumatica/state.json` holds
the last finished run; `.jigx-acumatica/interrupted.json` is written before a run replaces any
file and removed after the state file, so a run that was interrupted half-way leaves a record of
what it generated (finding that content is no sign of a hand edit)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..fsutil import read_if_exists
from ..layout import INTERRUPTED_FILE, STATE_FILE

VERSION = 1
_TABLE_KEYS = ("copied", "declared", "definition", "entry", "feeds", "files", "fingerprint", "inquiry", "tab")
_OPTIONAL = ("copied", "feeds")  # written only when set: a one-tenant solution's state is as it was


@dataclass(frozen=True)
class TableRecord:
    """One managed table as the tool last wrote it."""

    definition: str | None = None  # path of its definition, relative to the solution
    entry: dict[str, Any] | None = None  # its onTableChanged entry in index.jigx
    declared: bool = False  # declared in databases/default.jigx
    files: dict[str, str] = field(default_factory=dict)  # generated file -> digest (header left out)
    inquiry: str | None = None
    fingerprint: str | None = None  # of every input of its files
    tab: dict[str, Any] | None = None  # its tab in index.jigx
    copied: str | None = None  # digest of the definition text the tool last copied into the solution
    # the other tenants' Jigx tables of this definition -> their onTableChanged entry (docs/tenants.md);
    # the table's own name (entry, declared above) is the first tenant's
    feeds: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in _TABLE_KEYS if k not in _OPTIONAL or getattr(self, k)}

    def feed_tables(self, name: str) -> list[str]:
        """Every Jigx table this definition fills: its own name (unless it is in none of the tenants
        that keep it) and the other tenants' tables."""
        return ([name] if self.declared or not self.feeds else []) + sorted(self.feeds)

    @classmethod
    def from_json(cls, data: Any) -> TableRecord:
        if not isinstance(data, dict):
            return cls()

        def typed(key: str, kind: type) -> Any:
            value = data.get(key)
            return value if isinstance(value, kind) else None

        files = typed("files", dict) or {}
        return cls(definition=typed("definition", str), entry=typed("entry", dict),
                   declared=data.get("declared") is True,
                   files={k: v for k, v in files.items() if isinstance(k, str) and isinstance(v, str)},
                   inquiry=typed("inquiry", str), fingerprint=typed("fingerprint", str), tab=typed("tab", dict),
                   copied=typed("copied", str),
                   feeds={k: v for k, v in (typed("feeds", dict) or {}).items() if isinstance(k, str)})


@dataclass(frozen=True)
class PackageRecord:
    """The managed customization package as the tool last wrote it."""

    path: str  # inside the solution
    hash: str  # of the bytes written
    inputs: str  # of everything it was built from

    def as_json(self) -> dict[str, str]:
        return {"path": self.path, "hash": self.hash, "inputs": self.inputs}

    @classmethod
    def from_json(cls, data: Any) -> PackageRecord | None:
        if isinstance(data, dict) and all(isinstance(data.get(k), str) for k in ("path", "hash", "inputs")):
            return cls(data["path"], data["hash"], data["inputs"])
        return None


@dataclass(frozen=True)
class State:
    tables: dict[str, TableRecord] = field(default_factory=dict)
    package: PackageRecord | None = None
    home: str | None = None  # hash of jigs/home.jigx as the tool last wrote it (None: not the tool's)
    onload: dict[str, Any] | None = None  # index.jigx's onLoad action as the tool last wrote it
    packages: dict[str, PackageRecord] = field(default_factory=dict)  # the other tenants' packages, by key
    first_tenant: str | None = None  # with several tenants: the one whose tables have the plain names

    def table(self, name: str) -> TableRecord:
        """The table's record; an empty one for a table never generated."""
        return self.tables.get(name) or TableRecord()

    def with_tables(self, tables: dict[str, TableRecord], package: PackageRecord | None,
                    home: str | None = None) -> State:
        return replace(self, tables=dict(sorted(tables.items())), package=package, home=home or self.home)

    def with_onload(self, onload: dict[str, Any] | None) -> State:
        return replace(self, onload=onload)

    def with_tenants(self, packages: dict[str, PackageRecord], first_tenant: str | None) -> State:
        return replace(self, packages=dict(sorted(packages.items())), first_tenant=first_tenant)

    def feed_tables(self) -> list[str]:
        """Every Jigx table the managed definitions fill, every tenant's."""
        return sorted(t for name, rec in self.tables.items() for t in rec.feed_tables(name))

    def owned_by_others(self, table: str) -> set[str]:
        """Every path another table's record names: its definition and generated files."""
        out: set[str] = set()
        for other, rec in self.tables.items():
            if other != table:
                out.update([rec.definition] if rec.definition else [])
                out.update(rec.files)
        return out

    def text(self) -> str:
        data: dict[str, Any] = {"version": VERSION, "tables": {t: r.as_json() for t, r in self.tables.items()}}
        if self.package is not None:
            data["package"] = self.package.as_json()
        if self.home is not None:
            data["home"] = self.home
        if self.onload is not None:
            data["onload"] = self.onload
        if self.packages:
            data["packages"] = {k: r.as_json() for k, r in self.packages.items()}
        if self.first_tenant is not None:
            data["first_tenant"] = self.first_tenant
        return json.dumps(data, indent=2, sort_keys=True) + "\n"


def parse_state(text: str, path: Path) -> State:
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or not isinstance(data.get("tables"), dict):
            raise ValueError("no tables")
    except (ValueError, RecursionError):
        raise InputError("the state file is damaged", path=path,
                         hint="restore it from git, or delete it (the next run then treats hand edits as conflicts)"
                         ) from None
    version = data.get("version", VERSION)
    if not isinstance(version, int) or version > VERSION:
        raise InputError(f"the state file has version {version}, newer than this jigx-acumatica reads ({VERSION})",
                         path=path, hint="upgrade jigx-acumatica (pip install -U jigx-acumatica)")
    tables = {t: TableRecord.from_json(r) for t, r in data["tables"].items() if isinstance(t, str)}
    home = data.get("home") if isinstance(data.get("home"), str) else None
    onload = data.get("onload") if isinstance(data.get("onload"), dict) else None
    packages = {k: r for k, v in (data.get("packages") or {}).items()
                if isinstance(k, str) and (r := PackageRecord.from_json(v)) is not None} \
        if isinstance(data.get("packages"), dict) else {}
    first = data.get("first_tenant") if isinstance(data.get("first_tenant"), str) else None
    return State(tables=tables, package=PackageRecord.from_json(data.get("package")), home=home, onload=onload,
                 packages=packages, first_tenant=first)


def load_state(root: Path, name: str = STATE_FILE) -> tuple[State, str | None]:
    """(state, its text); the text is None when there is no state file yet."""
    text = read_if_exists(root / name)
    if text is None:
        return State(), None
    return parse_state(text, root / name), text


def load_interrupted(root: Path) -> State:
    """What an interrupted run generated (empty when the last run finished)."""
    try:
        return load_state(root, INTERRUPTED_FILE)[0]
    except InputError:
        return State()  # only a hint; a damaged one is ignored
