"""A Jigx solution folder: plan every change in memory, classify it, then apply it atomically.

Files the tool generates (Acumatica artifacts, datasources) and entries it manages in files the
user owns (onTableChanged items, table declarations) get a three-way decision against what the
tool generated last time, recorded in the solution's state file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..artifacts import jigx, readme_text, render_all
from ..artifacts.provenance import content_digest
from ..config import Target
from ..definition import TableDef
from ..errors import ConflictError, InputError
from ..fsutil import digest, read_if_exists
from .jigx_files import declare_tables, edit_table_changed, read_declared, read_entries
from .layout import (ARTIFACTS, DATABASE, HOME_JIG, INDEX, STATE_FILE, artifact_dir, datasource_file,
                     default_solution_name, definition_file)
from .state import State, load_pending, load_state, state_text

# Plan actions, in the words the summary prints.
Action = Literal["create", "update", "identical", "skip", "conflict", "delete"]
CREATE: Action = "create"
UPDATE: Action = "update"
IDENTICAL: Action = "identical"
SKIP: Action = "skip"
CONFLICT: Action = "conflict"
DELETE: Action = "delete"
# What a change is about: a whole file, an entry in index.jigx, a declaration in default.jigx.
What = Literal["file", "entry", "declaration", "definition"]


@dataclass
class Change:
    action: Action
    path: str
    what: What = "file"
    table: str | None = None
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"action": self.action, "path": self.path, "what": self.what, "table": self.table, "detail": self.detail}


@dataclass
class TableSummary:
    table: str
    entity: str
    inquiry: str
    url: str
    placeholders: list[str]

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


@dataclass
class Plan:
    root: Path
    changes: list[Change] = field(default_factory=list)
    writes: dict[str, tuple[str | None, str]] = field(default_factory=dict)  # path -> (old, new)
    deletes: dict[str, str] = field(default_factory=dict)  # path -> old text
    state: State = field(default_factory=dict)
    old_state_text: str | None = None
    tables: list[TableSummary] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _state_text: str | None = field(default=None, repr=False)

    def add(self, change: Change) -> None:
        self.changes.append(change)

    def create_if_missing(self, rel: str, text: str) -> None:
        """A file the user will own from now on (config, skeleton): written once, never again."""
        if read_if_exists(self.root / rel) is None:
            self.add(Change(CREATE, rel))
            self.writes[rel] = (None, text)

    @property
    def conflicts(self) -> list[Change]:
        return [c for c in self.changes if c.action == CONFLICT]

    def conflict_error(self) -> ConflictError | None:
        """The one error a plan with conflicts stands for (None when there are none)."""
        if not self.conflicts:
            return None
        names = ", ".join(c.path if c.what == "file" else f"{c.path} [{c.what} {c.table}]" for c in self.conflicts)
        return ConflictError(f"hand edits would be overwritten: {names}; nothing was written",
                             hint="merge your edits into the table definition, or rerun with --force")

    @property
    def pending(self) -> bool:
        return bool(self.writes or self.deletes) or self.state_text() != self.old_state_text

    def state_text(self) -> str:
        """The state file's new text (the state is set once, when planning ends)."""
        if self._state_text is None:
            self._state_text = state_text(self.state)
        return self._state_text

    def as_dict(self) -> dict[str, Any]:
        return {
            "solution": str(self.root),
            "tables": [t.as_dict() for t in self.tables],
            "changes": [c.as_dict() for c in self.changes],
            "conflicts": len(self.conflicts),
            "notes": self.notes,
        }


# --- decisions ---------------------------------------------------------------------------------

def decide(current: Any, base: Any, new: Any, *, force: bool, interrupted: Any = None) -> Action:
    """Three-way decision for one managed file or entry (values compared as plain data or hashes).

    current: what the solution holds now (None: absent); base: what the tool wrote last time
    (None: never); new: what it would write now; interrupted: what a killed run generated for
    it (finding that is no sign of a hand edit)."""
    if current is None:
        if base is None or force:
            return CREATE
        return SKIP  # the user deleted it: do not bring it back
    if current == new:
        return IDENTICAL
    if force:
        return UPDATE
    if current in [b for b in (base, interrupted) if b is not None]:
        return UPDATE
    if base is not None and new == base:
        return SKIP  # edited by hand, nothing new to bring: keep the user's version
    return CONFLICT


def _rel_source(root: Path, defn: TableDef) -> tuple[str, str]:
    """(how generated docs name the definition, where the state file records it).

    Docs use the path inside the solution, else the bare file name (so output does not depend on
    where a checkout lives); the state records a path relative to the solution either way, so
    later commands (regenerate, verify, serve) find definitions kept outside it."""
    p = Path(defn.path).resolve()
    rel = Path(os.path.relpath(p, root.resolve())).as_posix()
    return (p.name if rel.startswith("../") else rel), rel


def _fingerprint(defn: TableDef, target: Target, source: str) -> str:
    """Everything the generated files depend on, hashed."""
    from .. import __version__
    from ..templates import templates_fingerprint

    inputs = [__version__, templates_fingerprint(), defn.text, source, repr(target)]
    return digest("\0".join(inputs))


def _unchanged(root: Path, base: dict[str, Any], fingerprint: str) -> dict[str, str | None] | None:
    """{path: None} when the inputs are those of the last run and every file is as then written;
    None when the files must be rendered and compared."""
    files = base.get("files") or {}
    if base.get("fingerprint") != fingerprint or not files:
        return None
    for rel, recorded in files.items():
        current = read_if_exists(root / rel)
        if current is None or content_digest(current) != recorded:
            return None
    return dict.fromkeys(files)


# --- planning ------------------------------------------------------------------------------------

@dataclass
class Skeleton:
    """What to write when the folder is not a Jigx solution yet."""

    name: str
    title: str
    category: str = "business"


def plan_generate(root: Path, defs: list[TableDef], target: Target, *, force: bool = False,
                  skeleton: Skeleton | None = None, copy_definitions: bool = False) -> Plan:
    """Every change generating these tables would make, decided and classified; nothing written."""
    state, old_text = load_state(root)
    pending = load_pending(root)
    plan = Plan(root=root, old_state_text=old_text)
    index_raw = read_if_exists(root / INDEX)
    index_text = index_raw or ""
    if index_raw is None:  # not a solution yet: start one
        skeleton = skeleton or Skeleton(name=default_solution_name(root), title=root.resolve().name or "Acumatica")
        index_text = jigx.index_text(skeleton.name, skeleton.title, skeleton.category)
        plan.create_if_missing(HOME_JIG, jigx.home_jig_text("Home"))
        plan.create_if_missing(f"{ARTIFACTS}/README.md", readme_text())
    entries = read_entries(index_text, str(root / INDEX))
    db_raw = read_if_exists(root / DATABASE)
    declared = [] if db_raw is None else (read_declared(db_raw, str(root / DATABASE)) or [])

    new_tables = dict(state["tables"])
    replace: dict[str, dict[str, Any]] = {}
    append: list[dict[str, Any]] = []
    declare: list[str] = []
    for defn in defs:
        base = state["tables"].get(defn.table, {})
        killed: dict[str, Any] = pending[defn.table] if isinstance(pending.get(defn.table), dict) else {}
        source, recorded = (definition_file(defn.table),) * 2 if copy_definitions else _rel_source(root, defn)
        if copy_definitions:
            _plan_file(plan, source, read_if_exists(root / source), defn.text, table=defn.table, what="definition")
        fingerprint = _fingerprint(defn, target, source)
        hashes = _plan_artifacts(plan, defn, target, source, base, killed, fingerprint, force)
        entry = jigx.table_changed_entry(defn)
        action = _plan_entry(plan, defn.table, entries.get(defn.table), base, killed, entry, force)
        if action == CREATE:
            append.append(entry)
        elif action == UPDATE:
            replace[defn.table] = entry
        if _plan_declaration(plan, defn.table, defn.table in declared, base, force) == CREATE:
            declare.append(defn.table)
        new_tables[defn.table] = {"definition": recorded, "entry": entry, "declared": True, "files": hashes,
                                  "inquiry": defn.inquiry, "fingerprint": fingerprint}
        plan.tables.append(TableSummary(defn.table, defn.entity, defn.inquiry, target.url(defn.table),
                                        target.placeholders()))

    new_index = edit_table_changed(index_text, str(root / INDEX), replace=replace, append=append)
    _plan_file(plan, INDEX, index_raw, new_index, silent=True)
    new_db = jigx.database_text(declare) if db_raw is None else declare_tables(db_raw, str(root / DATABASE), declare)
    if declare or db_raw is not None or index_raw is None:
        _plan_file(plan, DATABASE, db_raw, new_db, silent=True)
    plan.state = {"version": 1, "tables": dict(sorted(new_tables.items()))}
    return plan


def _plan_artifacts(plan: Plan, defn: TableDef, target: Target, source: str, base: dict[str, Any],
                    killed: dict[str, Any], fingerprint: str, force: bool) -> dict[str, str]:
    """Decide each generated file of one table; returns path -> hash of its generated content.

    Hashes leave out the provenance line, so a new tool version's header is no hand edit."""
    files: dict[str, str | None] = {**(_unchanged(plan.root, base, fingerprint) or render_all(defn, target, source))}
    hashes = {}
    for rel, text in files.items():
        if text is None:  # up to date: known without rendering it again
            plan.add(Change(IDENTICAL, rel, "file", defn.table))
            hashes[rel] = base["files"][rel]
            continue
        current = read_if_exists(plan.root / rel)
        action = decide(None if current is None else content_digest(current), base.get("files", {}).get(rel),
                        content_digest(text), force=force, interrupted=(killed.get("files") or {}).get(rel))
        if action == SKIP and current is None:
            action = CREATE  # generated files come back when deleted; only entries stay deleted
        elif action == IDENTICAL and current != text:
            action = UPDATE  # only the provenance line differs: refresh it
        _record(plan, action, rel, current, text, table=defn.table)
        hashes[rel] = content_digest(text)
    return hashes


def _plan_entry(plan: Plan, table: str, current: Any, base: dict[str, Any], killed: dict[str, Any],
                entry: dict[str, Any], force: bool) -> Action:
    action = decide(current, base.get("entry"), entry, force=force, interrupted=killed.get("entry"))
    detail = _entry_detail(action)
    if action == CONFLICT and not base.get("entry"):
        detail = "an entry for this table exists that jigx-acumatica did not write (--force replaces it)"
    plan.add(Change(action, INDEX, "entry", table, detail))
    return action


def _plan_declaration(plan: Plan, table: str, is_declared: bool, base: dict[str, Any], force: bool) -> Action:
    action = decide(True if is_declared else None, True if base.get("declared") else None, True, force=force)
    plan.add(Change(action, DATABASE, "declaration", table, _declaration_detail(action)))
    return action


def _entry_detail(action: Action) -> str:
    return {
        CREATE: "onTableChanged entry added",
        UPDATE: "onTableChanged entry updated",
        IDENTICAL: "onTableChanged entry up to date",
        SKIP: "onTableChanged entry kept as you edited or removed it (--force restores the generated one)",
        CONFLICT: "onTableChanged entry was edited by hand and the definition changed too (--force overwrites it)",
    }[action]


def _declaration_detail(action: Action) -> str:
    return {
        CREATE: "table declared",
        IDENTICAL: "table declared",
        UPDATE: "table declared",
        SKIP: "declaration removed by hand: not restored, pushes to this table will fail (--force restores it)",
        CONFLICT: "declaration conflict",
    }[action]


def _record(plan: Plan, action: Action, rel: str, current: str | None, new: str, *, table: str | None) -> None:
    details: dict[str, str] = {SKIP: "edited by hand; kept (--force overwrites)",
                               CONFLICT: "edited by hand and the generated content changed (--force overwrites)"}
    detail = details.get(action, "")
    plan.add(Change(action, rel, "file", table, detail))
    if action in (CREATE, UPDATE):
        plan.writes[rel] = (current, new)


def _plan_file(plan: Plan, rel: str, current: str | None, new: str, *, table: str | None = None,
               what: What = "file", silent: bool = False) -> None:
    """A file whose content is decided already (user-owned files after merging, definitions)."""
    if current == new:
        if not silent:
            plan.add(Change(IDENTICAL, rel, what, table))
        return
    plan.add(Change(CREATE if current is None else UPDATE, rel, what, table))
    plan.writes[rel] = (current, new)


def plan_remove(root: Path, table: str) -> Plan:
    state, old_text = load_state(root)
    plan = Plan(root=root, old_state_text=old_text)
    base = state["tables"].get(table)
    index_raw = read_if_exists(root / INDEX)
    folder = root / artifact_dir(table)
    if base is None and not folder.exists():
        raise InputError(f"table '{table}' is not managed by jigx-acumatica in this solution", path=root / STATE_FILE,
                         hint="run 'jigx-acumatica generate --check' to list the managed tables")
    if index_raw is not None:
        if table in read_entries(index_raw, str(root / INDEX)):
            new = edit_table_changed(index_raw, str(root / INDEX), replace={}, append=[], remove={table})
            plan.add(Change(DELETE, INDEX, "entry", table, "onTableChanged entry removed"))
            plan.writes[INDEX] = (index_raw, new)
    generated = set((base or {}).get("files", {})) | {datasource_file(table)}
    if folder.is_dir():
        generated |= {p.relative_to(root).as_posix() for p in folder.iterdir() if p.is_file()}
    for rel in sorted(generated):
        current = read_if_exists(root / rel)
        if current is not None:
            plan.add(Change(DELETE, rel, "file", table))
            plan.deletes[rel] = current
    tables = dict(state["tables"])
    tables.pop(table, None)
    plan.state = {"version": 1, "tables": tables}
    plan.notes.append(
        f"'{table}' stays declared in {DATABASE}: Jigx keeps the Dynamic Data table and its rows. "
        "Delete them in Jigx Management (Solution > Data > Dynamic Data) if you no longer need them, "
        "and remove the push notification in Acumatica (SM302000)."
    )
    return plan
