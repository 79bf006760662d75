"""Planning `generate` (and `add`, `init`): every generated file, managed entry and declaration of
the given tables, decided by the three-way rule; renamed tables' old names removed; nothing written.

A definition file belongs to exactly one table. A definition stored in the solution lives at
acumatica/<table>/table.yaml: when its `table:` changes, it moves with it and the old name's
files and entry go (a rename); a different definition of a stored table never silently replaces
the stored one."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..artifacts import jigx, readme_text, render_all
from ..artifacts.list_jig import icon_for as list_icon
from ..artifacts.provenance import content_digest
from ..config import Target, load_settings
from ..definition import TableDef, with_warning_lines
from ..fsutil import digest, read_if_exists
from ..layout import ARTIFACTS, DATABASE, DEFINITION_NAME, INDEX, definition_file
from ..tenancy import Feed, tenancy_of
from .assets_plan import HOME_ICON, plan_icons
from .feeds_plan import guard_first_tenant, plan_dropped_files, plan_feed_entries, plan_gone_feeds
from .home_plan import plan_home
from .jigx_files import (
    add_to_mapping,
    commented_entries,
    declare_tables,
    edit_table_changed,
    read_declared,
    read_index,
    remove_from_mapping,
)
from .onload_plan import plan_onload
from .package_plan import plan_package
from .plan import (
    CONFLICT,
    CREATE,
    DELETE,
    IDENTICAL,
    SKIP,
    UPDATE,
    Change,
    Plan,
    TableSummary,
    decide,
    plan_file,
    record,
)
from .plan_remove import DYNAMIC_DATA_CAVEAT, plan_table_removal, tab_may_go
from .queries import default_solution_name, default_title
from .state import State, TableRecord, load_interrupted, load_state

MAX_TABS = 4  # Jigx's bottom bar shows four; the rest go behind More or nowhere
CopyMode = Literal["own", "mirror"] | None


@dataclass
class Skeleton:
    """What to write when the folder is not a Jigx solution yet."""

    name: str
    title: str
    category: str = "business"


def plan_generate(root: Path, defs: list[TableDef], target: Target, *, force: bool = False,
                  skeleton: Skeleton | None = None, copy_definitions: CopyMode = None,
                  force_shared: bool | None = None) -> Plan:
    """Every change generating these tables would make, decided and classified; nothing written.

    copy_definitions: "own" (add, init) stores each definition in the solution, which then owns
    it: another definition of the table is a conflict; "mirror" (generate DEF...) stores a copy
    that follows the definitions given while nobody edits it in the solution; None keeps them
    where they are (a bare regeneration). force_shared: whether force reaches the files all tables
    share (the package, the home); by default as force. A run aimed at some tables leaves them."""
    shared = force if force_shared is None else force_shared
    state, old_text = load_state(root)
    interrupted = load_interrupted(root)
    settings = load_settings(root)
    tenancy = tenancy_of(settings, target)
    plan = Plan(root=root, old_state_text=old_text)
    index_raw = read_if_exists(root / INDEX)
    index_text = index_raw or ""
    if index_raw is None:  # not a solution yet: start one
        skeleton = skeleton or Skeleton(name=default_solution_name(root),
                                        title=default_title(root, [d.table for d in defs]))
        index_text = jigx.index_text(skeleton.name, skeleton.title, skeleton.category)
        plan.notes.append(f"the solution's title is '{skeleton.title}': Jigx needs titles unique in your organisation, "
                          f"so change 'title' in {INDEX} if another solution has it")
        plan.create_if_missing(f"{ARTIFACTS}/README.md", readme_text())
    entries, tabs = read_index(index_text, str(root / INDEX))
    commented = commented_entries(index_text, str(root / INDEX)) if "#" in index_text else set()
    db_raw = read_if_exists(root / DATABASE)
    declared = [] if db_raw is None else (read_declared(db_raw, str(root / DATABASE)) or [])
    add_tabs: dict[str, Any] = {}

    new_tables = dict(state.tables)
    replace: dict[str, dict[str, Any]] = {}
    append: list[dict[str, Any]] = []
    declare: list[str] = []
    origins: dict[str, str] = {}  # where each definition was read from, relative to the solution
    carried_from: set[str] = set()  # renamed tables whose edited tab moved to the new name
    managed_files = {rel for rec in state.tables.values() for rel in rec.files}
    files_by_name = _files_by_name(root)  # one walk of jigs/ and datasources/ for every table
    gone_feeds: set[str] = set()  # tenants' tables a definition no longer fills
    for defn in defs:
        base = state.table(defn.table)
        killed = interrupted.table(defn.table)
        shown, rel = _rel_source(root, defn)
        origins[rel] = defn.table
        tenancy.check_definition(defn)
        feeds = tenancy.feeds(defn)
        source, recorded = _definition_home(plan, defn, shown, rel, base, copy=copy_definitions, force=force)
        fingerprint = _fingerprint(defn, target, source, settings.odata_role, feeds if tenancy.several else None)
        if fingerprint != base.fingerprint:  # said when a definition is added or changed; doctor says it always
            plan.warnings.extend(with_warning_lines(defn).warnings)
        hashes = _plan_artifacts(plan, defn, target, source, base, killed, fingerprint, force, settings.odata_role,
                                 feeds)
        plan_dropped_files(plan, defn.table, base, hashes, force)
        _id_collisions(plan, defn.table, hashes, managed_files, files_by_name)
        own_entry, feed_entries = plan_feed_entries(plan, defn, feeds, base, killed, entries, commented, declared,
                                                    append, replace, declare, force)
        gone_feeds |= plan_gone_feeds(plan, defn.table, base, {f.table for f in feeds}, entries, commented, force)
        room = settings.table_tabs == "always" or (
            settings.table_tabs == "auto" and len(tabs or {}) + len(add_tabs) < MAX_TABS)
        carried = _carried_tab(plan, state, rel, defn, tabs)
        tab = carried or _plan_tab(plan, defn, tabs, base, force, room=room)
        if carried is not None:
            carried_from.add(next(t for t, r in state.tables.items() if r.definition == rel and t != defn.table))
        if tab is not None and (tabs is None or defn.table not in tabs):
            add_tabs[defn.table] = tab
        copied = _copy_mark(defn.text) if copy_definitions == "mirror" and rel != recorded else \
            None if copy_definitions == "own" else base.copied
        new_tables[defn.table] = TableRecord(definition=recorded, entry=own_entry, declared=own_entry is not None,
                                             files=hashes, inquiry=defn.inquiry, fingerprint=fingerprint, tab=tab,
                                             copied=copied, feeds=feed_entries)
        for feed in feeds:
            plan.tables.append(TableSummary(feed.table, defn.entity, defn.inquiry, target.url(feed.table),
                                            target.placeholders(), feed.tenant.name if tenancy.several else None))
    remove = _plan_renames(plan, state, origins, new_tables, force)
    guard_first_tenant(plan, state, tenancy, force)
    gone_tabs = {old for old in remove if tab_may_go(plan, state.table(old), old, index_text,
                                                      force or old in carried_from)}

    if index_raw is None and skeleton is not None:  # a new file is emitted whole, not spliced
        new_index = jigx.index_text(skeleton.name, skeleton.title, skeleton.category, tabs=add_tabs, entries=append)
    else:
        edited = edit_table_changed(index_text, str(root / INDEX), replace=replace, append=append,
                                    remove=remove | gone_feeds)
        with_tabs = add_to_mapping(edited.text, str(root / INDEX), "tabs", add_tabs)
        new_index = remove_from_mapping(with_tabs.text, str(root / INDEX), "tabs", gone_tabs).text
        plan.notes.extend(edited.notes + with_tabs.notes)
    feed_tables = [t for name, rec in new_tables.items() for t in rec.feed_tables(name)]
    new_index, onload = plan_onload(plan, new_index, feed_tables, state.onload, force=force)
    plan_file(plan, INDEX, index_raw, new_index, silent=True)
    if tabs is None and defs:
        plan.notes.append(f"{INDEX} has no 'tabs': the tables' list jigs (jigs/<table>.jigx) are not on a tab; "
                          "add them to your navigation by hand")
    if db_raw is None:
        new_db = jigx.database_text(declare)
    else:
        declared_edit = declare_tables(db_raw, str(root / DATABASE), declare)
        new_db = declared_edit.text
        plan.notes.extend(declared_edit.notes)
    if declare or db_raw is not None or index_raw is None:
        plan_file(plan, DATABASE, db_raw, new_db, silent=True)
    package, packages = plan_package(plan, new_tables, state, settings, force=shared, tenancy=tenancy)
    home = plan_home(plan, {t: r.files for t, r in new_tables.items()}, state, force=shared)
    icons = [list_icon(d) for d in defs] + [t["icon"] for t in add_tabs.values() if isinstance(t.get("icon"), str)]
    if defs:
        plan_icons(plan, icons + ([HOME_ICON] if index_raw is None else []))
    plan.state = state.with_tables(new_tables, package, home).with_onload(onload).with_tenants(
        packages, tenancy.tenants[0].name if tenancy.several else None)
    return plan


def _rel_source(root: Path, defn: TableDef) -> tuple[str, str]:
    """(how generated docs name the definition, where the state file records it).

    Docs use the path inside the solution, else the bare file name (so output does not depend on
    where a checkout lives); the state records a path relative to the solution either way, so
    later commands (regenerate, verify, serve) find definitions kept outside it."""
    p = Path(defn.path).resolve()
    rel = Path(os.path.relpath(p, root.resolve())).as_posix()
    return (p.name if rel.startswith("../") else rel), rel


def _is_stored(rel: str) -> bool:
    parts = rel.split("/")
    return len(parts) == 3 and parts[0] == ARTIFACTS and parts[2] == DEFINITION_NAME


def _definition_home(plan: Plan, defn: TableDef, shown: str, rel: str, base: TableRecord, *, copy: CopyMode,
                     force: bool) -> tuple[str, str]:
    """(the definition's name in generated docs, the path the state records), planning the
    stored copy at acumatica/<table>/table.yaml when the definition is to live there. A stored
    copy the tool wrote and nobody edited since follows its source; one edited there is a
    conflict (the three-way rule, as for every generated file)."""
    stored = definition_file(defn.table)
    if rel == stored:
        return stored, stored
    current = read_if_exists(plan.root / stored)
    if not copy and not _is_stored(rel) and current is None:
        return shown, rel  # kept outside the solution (an old solution's record)
    # a mirrored copy follows the definitions given, while nobody edited it in the solution
    untouched = copy == "mirror" and current is not None and base.copied == _copy_mark(current)
    if current is None or current == defn.text or force or untouched:
        plan_file(plan, stored, current, defn.text, table=defn.table, what="definition")
    else:
        plan.add(Change(CONFLICT, stored, "definition", defn.table,
                        f"holds a different definition of '{defn.table}' than {shown} (edited there?); merge them, "
                        "or rerun with --force to replace the stored one"))
    if _is_stored(rel):  # a stored definition whose table was renamed moves to the new name's folder
        old = read_if_exists(plan.root / rel)
        if old is not None:
            plan.add(Change(DELETE, rel, "definition", defn.table, f"moved to {stored}"))
            plan.deletes[rel] = old
    return stored, stored


def _copy_mark(text: str) -> str:
    """What the state keeps of a mirrored definition: what the tool wrote there."""
    return f"mirror#{digest(text)}"


def _plan_renames(plan: Plan, state: State, origins: dict[str, str], new_tables: dict[str, TableRecord],
                  force: bool) -> set[str]:
    """Tables whose definition file now defines another table were renamed: their files and
    entry go. Returns the tables whose onTableChanged entry is to be removed."""
    remove: set[str] = set()
    keep = set(plan.writes) | {p for t in origins.values() for p in new_tables[t].files}
    for old, rec in sorted(state.tables.items()):
        new = origins.get(rec.definition) if rec.definition else None
        if new is None or new == old:
            continue
        if plan_table_removal(plan, state, old, force=force, keep=keep):
            remove.add(old)
        new_tables.pop(old, None)
        inquiry = rec.inquiry or f"Jigx CDC {old}"
        plan.notes.append(f"table '{old}' was renamed to '{new}' in its definition: '{old}''s generated files and "
                          f"onTableChanged entry are removed. '{old}' " + DYNAMIC_DATA_CAVEAT.format(db=DATABASE) +
                          f" Its inquiry '{inquiry}' stays in Acumatica until you delete it there (Generic "
                          "Inquiry, SM208000), and so does its push notification (SM302000).")
    return remove


def _fingerprint(defn: TableDef, target: Target, source: str, odata_role: str | None,
                 feeds: list[Feed] | None = None) -> str:
    """Everything the generated files depend on, hashed."""
    from .. import __version__
    from ..templates import templates_fingerprint

    inputs = [__version__, templates_fingerprint(), defn.text, source, repr(target)]
    if odata_role:  # absent before the setting existed: a solution without it keeps its fingerprints
        inputs.append(f"odataRole:{odata_role}")
    if feeds:  # only with several tenants, for the same reason
        inputs.append(repr([(f.table, f.tenant) for f in feeds]))
    return digest("\0".join(inputs))


def _unchanged(root: Path, base: TableRecord, fingerprint: str) -> dict[str, str | None] | None:
    """{path: None} when the inputs are those of the last run and every file is as then written;
    None when the files must be rendered and compared."""
    files = base.files
    if base.fingerprint != fingerprint or not files:
        return None
    for rel, recorded in files.items():
        current = read_if_exists(root / rel)
        if current is None or content_digest(current) != recorded:
            return None
    return dict.fromkeys(files)


def _plan_artifacts(plan: Plan, defn: TableDef, target: Target, source: str, base: TableRecord,
                    killed: TableRecord, fingerprint: str, force: bool, odata_role: str | None,
                    feeds: list[Feed]) -> dict[str, str]:
    """Decide each generated file of one table; returns path -> hash of its generated content.

    Hashes leave out the provenance line, so a new tool version's header is no hand edit."""
    files: dict[str, str | None] = {**(_unchanged(plan.root, base, fingerprint) or
                                    render_all(defn, target, source, odata_role=odata_role, feeds=feeds))}
    hashes = {}
    for rel, text in files.items():
        if text is None:  # up to date: known without rendering it again
            plan.add(Change(IDENTICAL, rel, "file", defn.table))
            hashes[rel] = base.files[rel]
            continue
        current = read_if_exists(plan.root / rel)
        action = decide(None if current is None else content_digest(current), base.files.get(rel),
                        content_digest(text), force=force, interrupted=killed.files.get(rel))
        if action == SKIP and current is None:
            action = CREATE  # generated files come back when deleted; only entries stay deleted
        elif action == IDENTICAL and current != text:
            action = UPDATE  # only the provenance line differs: refresh it
        record(plan, action, rel, current, text, table=defn.table)
        hashes[rel] = content_digest(text)
    return hashes


def _carried_tab(plan: Plan, state: State, rel: str, defn: TableDef, tabs: dict[str, Any] | None
                 ) -> dict[str, Any] | None:
    """A renamed table's tab that was edited by hand (its label, its icon): it moves to the new
    name with the edits, pointing at the new list jig; None when there is nothing to carry."""
    old = next((t for t, r in state.tables.items() if r.definition == rel and t != defn.table), None)
    if old is None or not tabs or old not in tabs or defn.table in tabs:
        return None
    current, written = tabs[old], state.table(old).tab
    if not isinstance(current, dict) or written is None or current == written:
        return None
    carried = {**current, "jigId": jigx.tab_entry(defn)["jigId"]}
    plan.add(Change(CREATE, INDEX, "tab", defn.table, f"tab carried from '{old}' with its edits (label, icon)"))
    return carried


ID_FOLDERS = ("jigs", "datasources")  # Jigx resolves these by file name, across subfolders


def _files_by_name(root: Path) -> dict[tuple[str, str], list[str]]:
    """(folder, file name) -> every file of that name under jigs/ or datasources/, any subfolder."""
    out: dict[tuple[str, str], list[str]] = {}
    for folder in ID_FOLDERS:
        if (root / folder).is_dir():
            for path in sorted((root / folder).rglob("*.jigx")):
                if path.is_file():
                    out.setdefault((folder, path.name), []).append(path.relative_to(root).as_posix())
    return out


def _id_collisions(plan: Plan, table: str, files: dict[str, str], managed: set[str],
                   by_name: dict[tuple[str, str], list[str]]) -> None:
    """A generated jig or datasource whose id another file under the same folder already has (in
    any subfolder) and that this tool does not manage: a conflict, --force or not (both would
    keep the one id)."""
    for rel in files:
        folder, _, name = rel.partition("/")
        if folder not in ID_FOLDERS or "/" in name:
            continue
        for other_rel in by_name.get((folder, name), []):
            if other_rel != rel and other_rel not in managed:
                plan.add(Change(CONFLICT, rel, "file", table,
                                f"{other_rel} has the same id ('{Path(name).stem}'): Jigx finds {folder} by file name "
                                "in every subfolder. Rename or move that file, or give the table its own ids: "
                                f"app: {{id: {table}-acu}} in its definition"))


def _plan_tab(plan: Plan, defn: TableDef, tabs: dict[str, Any] | None, base: TableRecord, force: bool, *,
              room: bool) -> dict[str, Any] | None:
    """The table's tab in index.jigx (the tab the state records it wrote), or None: added once,
    like a declaration, and only while there is room (Jigx shows four tabs; the home grid reaches
    every table); a tab you removed is not brought back unless --force; one you edited is yours.
    A solution without 'tabs' gets none."""
    if tabs is None:
        return None
    present = defn.table in tabs
    if not present and not base.tab and not room:
        if not base.files:  # said once, when the table is onboarded
            plan.notes.append(f"'{defn.table}' gets no tab: index.jigx has {MAX_TABS} (Jigx shows four in its bar); "
                              "its list is on the home grid ('tableTabs: always' in jigx-acumatica.yaml adds one)")
        return None
    action = decide(True if present else None, True if base.tab else None, True, force=force)
    if action == SKIP:
        plan.add(Change(SKIP, INDEX, "tab", defn.table, "tab removed by hand: not restored (--force restores it)"))
        return None
    if action == CREATE:
        plan.add(Change(CREATE, INDEX, "tab", defn.table, "tab for the table's list jig added"))
        return jigx.tab_entry(defn)
    return base.tab if base.tab is not None else tabs[defn.table]
