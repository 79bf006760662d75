"""Planning the removal of a managed table: `remove`, and the old name of a renamed table.

The same three-way rule as generating: an entry or generated file edited by hand is a conflict
unless --force, a file the user added to the table's folder is theirs, and a file another
table's state points at is never deleted."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from pathlib import Path

from ..artifacts.provenance import content_digest
from ..config import load_settings
from ..errors import InputError
from ..fsutil import read_if_exists
from ..layout import DATABASE, INDEX, STATE_FILE, artifact_dir, datasource_file, definition_file
from .jigx_files import commented_entries, current_tabs, edit_table_changed, read_entries, remove_from_mapping
from .package_plan import plan_package
from .plan import CONFLICT, DELETE, Change, Plan
from .state import State, TableRecord, load_state

DYNAMIC_DATA_CAVEAT = (
    "stays declared in {db}: Jigx keeps the Dynamic Data table and its rows. Delete them in Jigx "
    "Management (Solution > Data > Dynamic Data) if you no longer need them, and remove the push "
    "notification in Acumatica (SM302000)."
)


def plan_table_removal(plan: Plan, state: State, table: str, *, force: bool,
                       keep: AbstractSet[str] = frozenset()) -> bool:
    """Add to plan the deletion of a table's generated files (and, when the state records it, its
    stored definition); returns whether its onTableChanged entry may go."""
    root = plan.root
    base = state.table(table)
    recorded = base.files
    others = state.owned_by_others(table) | set(keep)
    folder = root / artifact_dir(table)
    candidates = set(recorded) | {datasource_file(table)}
    if folder.is_dir():
        candidates |= {p.relative_to(root).as_posix() for p in folder.iterdir() if p.is_file()}
    for rel in sorted(candidates):
        current = read_if_exists(root / rel)
        if current is None:
            continue
        if rel in others:
            plan.notes.append(f"{rel} is kept: another table's state points at it")
            continue
        edited = _edited(rel, current, recorded, table)
        if edited and not force:
            plan.add(Change(CONFLICT, rel, "file", table, f"{edited}; --force deletes it anyway"))
            continue
        plan.add(Change(DELETE, rel, "definition" if rel == definition_file(table) else "file", table))
        plan.deletes[rel] = current
    return _entry_may_go(plan, table, base, force)


def _edited(rel: str, current: str, recorded: dict[str, str], table: str) -> str:
    """Why deleting this file would lose the user's work ('' when it would not)."""
    if rel == definition_file(table):
        return ""  # the definition is what the user asked to remove
    if rel not in recorded:
        return "not written by jigx-acumatica (a file of yours in the table's folder?)"
    if content_digest(current) != recorded[rel]:
        return "edited by hand since it was generated"
    return ""


def _entry_may_go(plan: Plan, table: str, base: TableRecord, force: bool) -> bool:
    raw = read_if_exists(plan.root / INDEX)
    if raw is None:
        return False
    current = read_entries(raw, str(plan.root / INDEX)).get(table)
    if current is None:
        return False
    edited = current != base.entry or ("#" in raw and table in commented_entries(raw, str(plan.root / INDEX)))
    if edited and not force:
        why = "was not written by jigx-acumatica" if not base.entry else "was edited by hand"
        plan.add(Change(CONFLICT, INDEX, "entry", table, f"the onTableChanged entry {why}; --force removes it anyway"))
        return False
    plan.add(Change(DELETE, INDEX, "entry", table, "onTableChanged entry removed"))
    return True


def tab_may_go(plan: Plan, base: TableRecord, table: str, raw: str, force: bool) -> bool:
    """The table's tab goes with it when the tool added it and it is as the tool wrote it."""
    if not raw or not base.tab:
        return False
    current = (current_tabs(raw, str(plan.root / INDEX)) or {}).get(table)
    if current is None:
        return False
    if current != base.tab and not force:
        plan.add(Change(CONFLICT, INDEX, "tab", table, "the tab was edited by hand; --force removes it anyway"))
        return False
    plan.add(Change(DELETE, INDEX, "tab", table, "tab removed"))
    return True


def plan_remove(root: Path, table: str, *, force: bool = False) -> Plan:
    state, old_text = load_state(root)
    plan = Plan(root=root, old_state_text=old_text)
    if table not in state.tables and not (root / artifact_dir(table)).exists():
        managed = ", ".join(sorted(state.tables)) or "none yet"
        raise InputError(f"table '{table}' is not managed by jigx-acumatica in this solution", path=root / STATE_FILE,
                         hint=f"the managed tables: {managed}")
    raw = read_if_exists(root / INDEX) or ""
    text = raw
    base = state.table(table)
    gone = {table} if plan_table_removal(plan, state, table, force=force) else set()
    gone |= {t for t in base.feeds if _entry_may_go(plan, t, TableRecord(entry=base.feeds[t]), force)}
    if gone:
        edited = edit_table_changed(text, str(root / INDEX), replace={}, append=[], remove=gone)
        text = edited.text
        plan.notes.extend(edited.notes)
    if tab_may_go(plan, state.table(table), table, raw, force):
        text = remove_from_mapping(text, str(root / INDEX), "tabs", {table}).text
    from .onload_plan import plan_onload

    tables = dict(state.tables)
    tables.pop(table, None)
    left = sorted(t for name, rec in tables.items() for t in rec.feed_tables(name))
    text, onload = plan_onload(plan, text, left, state.onload, force=force)
    if text != raw:
        plan.writes[INDEX] = (raw, text)
    from ..config import load_config
    from ..tenancy import tenancy_of

    settings = load_settings(root)
    package, packages = plan_package(plan, tables, state, settings, force=force,
                                     tenancy=tenancy_of(settings, load_config(root)))
    from .home_plan import plan_home

    plan.state = state.with_tables(tables, package, plan_home(plan, {t: r.files for t, r in tables.items()}, state,
                                                                     force=force)
                                   ).with_onload(onload).with_tenants(packages, state.first_tenant)
    for feed_table in base.feed_tables(table) or [table]:
        plan.notes.append(f"'{feed_table}' " + DYNAMIC_DATA_CAVEAT.format(db=DATABASE))
    return plan
