"""jigs/home.jigx as a generated file: the grid of every managed table, kept up to date by the
three-way rule like any generated file. A home the tool wrote in earlier versions (the plain
skeleton) is adopted; one the user wrote or edited stays theirs."""

from __future__ import annotations

from ..artifacts import jigx
from ..errors import ToolError
from ..fsutil import digest, read_if_exists
from ..layout import HOME_JIG
from ..yamlio import load_fast
from .plan import CONFLICT, CREATE, IDENTICAL, SKIP, UPDATE, Change, Plan, decide
from .state import State

HOME_TITLE = "Home"


def _read(text: str) -> tuple[str, list[str] | None]:
    """(the home's title, the jig ids of its grid's widgets, or None when it has no such grid),
    read with the fast loader: a home of hundreds of tables is read on every run."""
    try:
        doc = load_fast(text, HOME_JIG)
    except ToolError:  # a home that does not parse is the user's; it keeps its own problems
        return HOME_TITLE, None
    if not isinstance(doc, dict):
        return HOME_TITLE, None
    found = doc.get("title")
    title = found if isinstance(found, str) and found else HOME_TITLE
    try:
        items = doc["children"][0]["options"]["children"]
        return title, [item["options"]["children"]["options"]["jigId"] for item in items]
    except (KeyError, IndexError, TypeError):
        return title, None


def list_jig_of(table: str, files: dict[str, str]) -> str:
    """A managed table's list jig id, from the files its record names (app.id may rename it)."""
    jigs = sorted(rel[len("jigs/"):-len(".jigx")] for rel in files
                  if rel.startswith("jigs/") and rel.count("/") == 1 and rel.endswith(".jigx"))
    return next((j for j in jigs if f"{j}-detail" in jigs), table)


def plan_home(plan: Plan, tables: dict[str, dict[str, str]], old: State, *, force: bool) -> str | None:
    """Plan the home jig for these managed tables (table -> its generated files); returns the
    hash to record (None: not ours)."""
    current = read_if_exists(plan.root / HOME_JIG)
    title, shown = _read(current) if current is not None else (HOME_TITLE, None)
    jigs = [list_jig_of(t, files) for t, files in sorted(tables.items())]
    base = old.home
    if current is not None and base is not None and shown == jigs and jigs and digest(current) == base:
        return base  # as the tool wrote it, for these tables: nothing to render
    new = jigx.home_grid_text(title, jigs)
    if base is None and current is not None and current == jigx.home_jig_text(title):
        base = digest(current)  # the skeleton an earlier version wrote: the tool's own
    if base is None and current is not None:
        return None  # a home the user made: theirs
    now = None if current is None else digest(current)
    action = decide(now, base, digest(new), force=force)
    if action == SKIP and current is None:
        action = CREATE if base is None else SKIP  # deleted by hand: stays deleted
    if action == IDENTICAL:
        return digest(new)
    detail = {SKIP: "edited or removed by hand; kept (--force overwrites)",
              CONFLICT: "edited by hand and the tables changed too (--force overwrites)"}.get(action, "")
    plan.add(Change(action, HOME_JIG, "file", None, detail or "the grid of the tables' lists"))
    if action in (CREATE, UPDATE):
        plan.writes[HOME_JIG] = (current, new)
        return digest(new)
    return base
