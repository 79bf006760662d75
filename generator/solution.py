"""A Jigx solution folder: plan every change in memory, classify it, then apply it atomically.

Files the tool generates (Acumatica artifacts, datasources) and entries it manages in files the
user owns (onTableChanged items, table declarations) get a three-way decision against what the
tool generated last time, recorded in the solution's state file.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from . import inquiry, jigx, payload
from .config import CONFIG_FILE, PLACEHOLDER_COMPANY, Target
from .definition import TableDef
from .errors import ConflictError, InputError
from .fsutil import clear_stale_temps, commit_all, digest, locked, read_if_exists, stage_all, write_all
from .merge import declare_tables, edit_table_changed, read_declared, read_entries
from .render import render

STATE_DIR = ".jigx-acumatica"
STATE_FILE = f"{STATE_DIR}/state.json"
# Written before any file of a run is replaced and removed after the state file: when a run is
# killed half-way, the next one knows which contents that run generated (they are not hand edits).
PENDING_FILE = f"{STATE_DIR}/pending.json"
INDEX = "index.jigx"
DATABASE = "databases/default.jigx"
HOME_JIG = "jigs/home.jigx"
ARTIFACTS = "acumatica"
DEFINITION_NAME = "table.yaml"

# Plan actions, in the words the summary prints.
CREATE, UPDATE, IDENTICAL, SKIP, CONFLICT, DELETE = "create", "update", "identical", "skip", "conflict", "delete"


def artifact_dir(table: str) -> str:
    return f"{ARTIFACTS}/{table}"


def definition_file(table: str) -> str:
    return f"{artifact_dir(table)}/{DEFINITION_NAME}"


@dataclass
class Change:
    action: str
    path: str
    what: str = "file"  # file | entry | declaration
    table: str | None = None
    detail: str = ""

    def as_dict(self) -> dict:
        return {"action": self.action, "path": self.path, "what": self.what, "table": self.table, "detail": self.detail}


@dataclass
class TableSummary:
    table: str
    entity: str
    inquiry: str
    url: str
    placeholders: list[str]

    def as_dict(self) -> dict:
        return self.__dict__.copy()


@dataclass
class Plan:
    root: Path
    changes: list[Change] = field(default_factory=list)
    writes: dict[str, tuple[str | None, str]] = field(default_factory=dict)  # path -> (old, new)
    deletes: dict[str, str] = field(default_factory=dict)  # path -> old text
    state: dict = field(default_factory=dict)
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

    @property
    def pending(self) -> bool:
        return bool(self.writes or self.deletes) or self.state_text() != self.old_state_text

    def state_text(self) -> str:
        """The state file's new text (the state is set once, when planning ends)."""
        if self._state_text is None:
            self._state_text = json.dumps(self.state, indent=2, sort_keys=True) + "\n"
        return self._state_text

    def as_dict(self) -> dict:
        return {
            "solution": str(self.root),
            "tables": [t.as_dict() for t in self.tables],
            "changes": [c.as_dict() for c in self.changes],
            "conflicts": len(self.conflicts),
            "notes": self.notes,
        }


# --- state -------------------------------------------------------------------------------------

def load_pending(root: Path) -> dict:
    """Tables of an interrupted run's state ({} when the last run finished)."""
    try:
        state, text = load_state(root, PENDING_FILE)
    except InputError:
        return {}  # a pending file is only a hint; a damaged one is ignored
    return state["tables"] if text is not None else {}


def load_state(root: Path, name: str = STATE_FILE) -> tuple[dict, str | None]:
    path = root / name
    text = read_if_exists(path)
    if text is None:
        return {"version": 1, "tables": {}}, None
    try:
        state = json.loads(text)
        if not isinstance(state, dict) or not isinstance(state.get("tables"), dict):
            raise ValueError("no tables")
    except ValueError:
        raise InputError("the state file is damaged", path=path,
                         hint="restore it from git, or delete it (the next run then treats hand edits as conflicts)") from None
    return state, text


# --- decisions ---------------------------------------------------------------------------------

def decide(current, base, new, *, force: bool, interrupted=None) -> str:
    """Three-way decision for one managed file or entry (values compared as plain data or hashes).

    interrupted: what a killed run generated for it; finding that is no sign of a hand edit."""
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
    from . import __version__
    from .render import templates_fingerprint

    inputs = [__version__, templates_fingerprint(), defn.text, source, repr(target)]
    return digest("\0".join(inputs))


def _unchanged(root: Path, base: dict, fingerprint: str) -> dict[str, None] | None:
    """{path: None} when the inputs are those of the last run and every file is as then written;
    None when the files must be rendered and compared."""
    files = base.get("files") or {}
    if base.get("fingerprint") != fingerprint or not files:
        return None
    for rel, recorded in files.items():
        current = read_if_exists(root / rel)
        if current is None or digest(current) != recorded:
            return None
    return dict.fromkeys(files)


def artifacts(defn: TableDef, target: Target, source: str) -> dict[str, str]:
    """Every tool-owned file for one table: relative path -> text."""
    gi = inquiry.build(defn)
    url = target.check_address(defn.table)
    company = target.company or PLACEHOLDER_COMPANY
    context = {"d": defn, "gi": gi, "source_path": source}
    folder = artifact_dir(defn.table)
    return {
        f"{folder}/generic-inquiry.xml": inquiry.render_xml(defn),
        f"{folder}/generic-inquiry.md": render("generic-inquiry.md.j2", **context),
        f"{folder}/push-notification.md": render(
            "push-notification.md.j2", url=url, placeholders=target.placeholders(),
            destination=f"Jigx {defn.table}", **context),
        f"{folder}/sample-push.json": payload.to_json(payload.sample_notification(defn, company)) + "\n",
        f"datasources/{defn.table}.jigx": jigx.datasource_text(defn, source),
    }


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
    state, state_text = load_state(root)
    pending = load_pending(root)
    plan = Plan(root=root, old_state_text=state_text)
    index_raw = read_if_exists(root / INDEX)
    index_text = index_raw
    if index_raw is None:  # not a solution yet: start one
        skeleton = skeleton or Skeleton(name=default_solution_name(root), title=root.resolve().name or "Acumatica")
        index_text = jigx.index_text(skeleton.name, skeleton.title, skeleton.category)
        plan.create_if_missing(HOME_JIG, jigx.home_jig_text("Home"))
        plan.create_if_missing(f"{ARTIFACTS}/README.md", render("acumatica-readme.md.j2"))
    entries = read_entries(index_text, str(root / INDEX))
    db_raw = read_if_exists(root / DATABASE)
    declared = [] if db_raw is None else (read_declared(db_raw, str(root / DATABASE)) or [])

    new_tables = dict(state["tables"])
    replace: dict[str, dict] = {}
    append: list[dict] = []
    declare: list[str] = []
    for defn in defs:
        base = state["tables"].get(defn.table, {})
        killed = pending.get(defn.table) if isinstance(pending.get(defn.table), dict) else {}
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


def _plan_artifacts(plan: Plan, defn: TableDef, target: Target, source: str, base: dict, killed: dict,
                    fingerprint: str, force: bool) -> dict[str, str]:
    """Decide each generated file of one table; returns path -> hash of its generated content."""
    files = _unchanged(plan.root, base, fingerprint) or artifacts(defn, target, source)
    hashes = {}
    for rel, text in files.items():
        if text is None:  # up to date: known without rendering it again
            plan.add(Change(IDENTICAL, rel, "file", defn.table))
            hashes[rel] = base["files"][rel]
            continue
        current = read_if_exists(plan.root / rel)
        action = decide(None if current is None else digest(current), base.get("files", {}).get(rel),
                        digest(text), force=force, interrupted=(killed.get("files") or {}).get(rel))
        if action == SKIP and current is None:
            action = CREATE  # generated files come back when deleted; only entries stay deleted
        _record(plan, action, rel, current, text, table=defn.table)
        hashes[rel] = digest(text)
    return hashes


def _plan_entry(plan: Plan, table: str, current, base: dict, killed: dict, entry: dict, force: bool) -> str:
    action = decide(current, base.get("entry"), entry, force=force, interrupted=killed.get("entry"))
    detail = _entry_detail(action)
    if action == CONFLICT and not base.get("entry"):
        detail = "an entry for this table exists that jigx-acumatica did not write (--force replaces it)"
    plan.add(Change(action, INDEX, "entry", table, detail))
    return action


def _plan_declaration(plan: Plan, table: str, is_declared: bool, base: dict, force: bool) -> str:
    action = decide(True if is_declared else None, True if base.get("declared") else None, True, force=force)
    plan.add(Change(action, DATABASE, "declaration", table, _declaration_detail(action)))
    return action


def _entry_detail(action: str) -> str:
    return {
        CREATE: "onTableChanged entry added",
        UPDATE: "onTableChanged entry updated",
        IDENTICAL: "onTableChanged entry up to date",
        SKIP: "onTableChanged entry kept as you edited or removed it (--force restores the generated one)",
        CONFLICT: "onTableChanged entry was edited by hand and the definition changed too (--force overwrites it)",
    }[action]


def _declaration_detail(action: str) -> str:
    return {
        CREATE: "table declared",
        IDENTICAL: "table declared",
        UPDATE: "table declared",
        SKIP: "declaration removed by hand: not restored, pushes to this table will fail (--force restores it)",
        CONFLICT: "declaration conflict",
    }[action]


def _record(plan: Plan, action: str, rel: str, current: str | None, new: str, *, table: str | None) -> None:
    detail = {SKIP: "edited by hand; kept (--force overwrites)",
              CONFLICT: "edited by hand and the generated content changed (--force overwrites)"}.get(action, "")
    plan.add(Change(action, rel, "file", table, detail))
    if action in (CREATE, UPDATE):
        plan.writes[rel] = (current, new)


def _plan_file(plan: Plan, rel: str, current: str | None, new: str, *, table: str | None = None,
               what: str = "file", silent: bool = False) -> None:
    """A file whose content is decided already (user-owned files after merging, definitions)."""
    if current == new:
        if not silent:
            plan.add(Change(IDENTICAL, rel, what, table))
        return
    action = CREATE if current is None else UPDATE
    plan.add(Change(action, rel, what, table))
    plan.writes[rel] = (current, new)


def plan_remove(root: Path, table: str) -> Plan:
    state, state_text = load_state(root)
    plan = Plan(root=root, old_state_text=state_text)
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
    generated = set((base or {}).get("files", {})) | {f"datasources/{table}.jigx"}
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


def declared_tables_in(root: Path) -> set[str]:
    """Tables declared in the solution's databases/default.jigx (none when it is missing)."""
    raw = read_if_exists(root / DATABASE)
    return set() if raw is None else set(read_declared(raw, str(root / DATABASE)) or [])


def default_solution_name(root: Path) -> str:
    from .naming import SOLUTION_NAME_RE, kebab

    name = kebab(root.resolve().name)[:50].strip("-")
    return name if SOLUTION_NAME_RE.match(name) else "acumatica-cdc"


# --- applying ------------------------------------------------------------------------------------

@contextlib.contextmanager
def solution_lock(root: Path, timeout: float = 10.0, *, enabled: bool = True) -> Iterator[None]:
    """Held from planning to writing, so a second run plans on the first one's result."""
    if not enabled:
        yield
        return
    with locked(root, timeout):
        yield


def apply(plan: Plan, *, lock_timeout: float = 10.0, lock_held: bool = False) -> None:
    """Write the plan: refuse on conflicts; every file is replaced atomically, the state file last."""
    if plan.conflicts:
        names = ", ".join(f"{c.path} ({c.table})" if c.what != "file" else c.path for c in plan.conflicts)
        raise ConflictError(f"hand edits would be overwritten: {names}; nothing was written",
                            hint="merge your edits into the table definition, or rerun with --force")
    root = plan.root
    with solution_lock(root, lock_timeout, enabled=not lock_held):
        # temp files left by a run that was killed while writing
        clear_stale_temps([root / rel for rel in {c.path for c in plan.changes} | {STATE_FILE, PENDING_FILE}])
        _check_unchanged(plan)
        files = [(root / rel, new, rel == CONFIG_FILE) for rel, (_, new) in sorted(plan.writes.items())]
        if files or plan.deletes:
            write_all([(root / PENDING_FILE, plan.state_text(), True)])
        if plan.state_text() != plan.old_state_text:
            files.append((root / STATE_FILE, plan.state_text(), True))
        try:
            staged = stage_all(files)
        except BaseException:
            (root / PENDING_FILE).unlink(missing_ok=True)  # nothing was replaced
            raise
        commit_all(staged)
        for rel in sorted(plan.deletes):
            (root / rel).unlink(missing_ok=True)
        _prune_empty(root, plan.deletes)
        (root / PENDING_FILE).unlink(missing_ok=True)


def _check_unchanged(plan: Plan) -> None:
    """Files edited between planning and writing (another run, an editor) are not overwritten."""
    for rel, (old, _) in plan.writes.items():
        if read_if_exists(plan.root / rel) != old:
            raise ConflictError(f"{rel} changed while this run was planning; nothing was written", path=plan.root / rel,
                                hint="run the command again")


def _prune_empty(root: Path, deleted: dict[str, str]) -> None:
    for folder in sorted({(root / rel).parent for rel in deleted}, reverse=True):
        if folder != root and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
