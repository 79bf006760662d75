"""doctor's rules that are facts, not checks of one file: Jigx's tab bar, how wide a push may
sensibly be, which state keys an action resets, and whether SQLite accepts a query."""

from __future__ import annotations

from typing import Any

MAX_TABS = 4
MAX_COLUMNS = 300  # "more than a few hundred": a push carries every column of every changed row


def reset_keys(action: Any) -> set[str]:
    """The state keys a (possibly nested) action resets with action.reset-solution-state."""
    if not isinstance(action, dict):
        return set()
    options: dict[str, Any] = action["options"] if isinstance(action.get("options"), dict) else {}
    if action.get("type") == "action.action-list":
        return {k for a in options.get("actions") or [] for k in reset_keys(a)}
    if action.get("type") == "action.reset-solution-state":
        return {str(k) for k in options.get("changes") or [] if isinstance(k, str)}
    return set()


def sql_problem(query: str) -> str | None:
    """SQLite's syntax error for the query, or None: prepared against empty tables of Jigx's shape
    for every [bracketed] table it names, its @parameters bound to NULL."""
    import re
    import sqlite3

    db = sqlite3.connect(":memory:")
    try:
        for name in sorted(set(re.findall(r"\[([^\]]+)\]", query))):
            db.execute(f'CREATE TABLE "{name.replace(chr(34), chr(34) * 2)}" (id TEXT, data TEXT)')
        params = {p: None for p in re.findall(r"@([A-Za-z_][A-Za-z0-9_]*)", query)}
        db.execute("EXPLAIN " + query, params)
    except sqlite3.Error as exc:
        return str(exc) if "syntax error" in str(exc) or "unrecognized token" in str(exc) else None
    finally:
        db.close()
    return None
