"""Planning each tenant's Jigx table of a definition (docs/tenants.md): its onTableChanged entry
and declaration, by the three-way rule; the tables a definition no longer fills when a tenant
goes; the files it no longer has; and the guard on the first tenant, whose tables have the
plain names."""

from __future__ import annotations

from typing import Any

from ..artifacts import jigx
from ..artifacts.provenance import content_digest
from ..config import CONFIG_FILE
from ..definition import TableDef
from ..fsutil import read_if_exists
from ..layout import DATABASE, INDEX
from ..tenancy import Feed, Tenancy
from .plan import CONFLICT, CREATE, DELETE, UPDATE, Action, Change, Plan, decide, declaration_detail, entry_detail
from .plan_remove import DYNAMIC_DATA_CAVEAT
from .state import State, TableRecord


class _Commented:
    """An entry holding the user's comments: equal to no generated entry, so the three-way rule
    treats it as edited by hand (rewriting it would lose the comments)."""

    def __init__(self, value: Any) -> None:
        self.value = value


def plan_feed_entries(plan: Plan, defn: TableDef, feeds: list[Feed], base: TableRecord, killed: TableRecord,
                      entries: dict[str, Any], commented: set[str], declared: list[str], append: list[dict[str, Any]],
                      replace: dict[str, dict[str, Any]], declare: list[str], force: bool
                      ) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """Each tenant's table of the definition: its entry (appended or replaced) and declaration
    planned. Returns (the entry of the definition's own table, or None when no tenant it is in
    keeps that name; the other tenants' tables -> their entries)."""
    own_entry: dict[str, Any] | None = None
    feed_entries: dict[str, Any] = {}
    for feed in feeds:
        own = feed.table == defn.table
        entry = jigx.table_changed_entry(feed.defn, watched_as=defn.table)
        current = entries.get(feed.table)
        if feed.table in commented and current != entry:
            current = _Commented(current)
        action = _plan_entry(plan, feed.table, current, base.entry if own else base.feeds.get(feed.table),
                             killed.entry if own else killed.feeds.get(feed.table), entry, force)
        if action == CREATE:
            append.append(entry)
        elif action == UPDATE:
            replace[feed.table] = entry
        was_declared = base.declared if own else feed.table in base.feeds
        if _plan_declaration(plan, feed.table, feed.table in declared, was_declared, force) == CREATE:
            declare.append(feed.table)
        if own:
            own_entry = entry
        else:
            feed_entries[feed.table] = entry
    return own_entry, feed_entries


def guard_first_tenant(plan: Plan, state: State, tenancy: Tenancy, force: bool) -> None:
    """The first tenant's tables have the plain names: when another tenant becomes first, its rows
    would go to tables that still hold the old first tenant's rows in Jigx."""
    first = tenancy.tenants[0].name if tenancy.several else None
    was = state.first_tenant
    if was is None or first is None or was == first or force:
        return
    plan.add(Change(CONFLICT, CONFIG_FILE, "file", None,
                    f"tenant '{was}' was first in tenants: (its tables have the plain names, as 'customers'); now "
                    f"'{first}' is, and its rows would go to tables that hold '{was}''s rows in Jigx. Put '{was}' "
                    "first again, or rerun with --force once those tables are emptied in Jigx"))


def plan_gone_feeds(plan: Plan, table: str, base: TableRecord, now: set[str], entries: dict[str, Any],
                     commented: set[str], force: bool) -> set[str]:
    """The tenants' tables a definition filled and no longer does (a tenant removed from the
    config or from its tenants: list): their onTableChanged entries go as `remove` removes a
    table's (three-way: an edited one is a conflict); the Jigx tables stay declared."""
    gone: set[str] = set()
    if not base.files:
        return gone
    for old in sorted(set(base.feed_tables(table)) - now):
        recorded = base.entry if old == table else base.feeds.get(old)
        current = entries.get(old)
        plan.notes.append(f"'{old}' is no longer filled by '{table}' (its tenant was removed) and "
                          + DYNAMIC_DATA_CAVEAT.format(db=DATABASE))
        if current is None:
            continue
        if (current != recorded or old in commented) and not force:
            plan.add(Change(CONFLICT, INDEX, "entry", old, "the onTableChanged entry was edited by hand; --force "
                            "removes it anyway"))
            continue
        plan.add(Change(DELETE, INDEX, "entry", old, "onTableChanged entry removed: its tenant is gone"))
        gone.add(old)
    return gone


def plan_dropped_files(plan: Plan, table: str, base: TableRecord, now: dict[str, str], force: bool) -> None:
    """Files the table had and no longer has (a tenant's checklist and sample when the tenant goes):
    deleted as generated, kept as a conflict when edited by hand."""
    for rel in sorted(set(base.files) - set(now)):
        current = read_if_exists(plan.root / rel)
        if current is None:
            continue
        if content_digest(current) != base.files[rel] and not force:
            plan.add(Change(CONFLICT, rel, "file", table, "no longer generated (its tenant is gone) and edited by "
                            "hand; delete it yourself, or --force deletes it"))
            continue
        plan.add(Change(DELETE, rel, "file", table, "no longer generated: its tenant is gone"))
        plan.deletes[rel] = current


def _plan_entry(plan: Plan, table: str, current: Any, recorded: Any, killed: Any,
                entry: dict[str, Any], force: bool) -> Action:
    action = decide(current, recorded, entry, force=force, interrupted=killed)
    detail = entry_detail(action)
    if action == CONFLICT and not recorded:
        detail = "an entry for this table exists that jigx-acumatica did not write (--force replaces it)"
    plan.add(Change(action, INDEX, "entry", table, detail))
    return action


def _plan_declaration(plan: Plan, table: str, is_declared: bool, was_declared: bool, force: bool) -> Action:
    action = decide(True if is_declared else None, True if was_declared else None, True, force=force)
    plan.add(Change(action, DATABASE, "declaration", table, declaration_detail(action)))
    return action
