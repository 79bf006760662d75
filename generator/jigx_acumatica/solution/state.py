"""The state file: what the tool generated last time, the base of every three-way decision."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..fsutil import read_if_exists
from .layout import PENDING_FILE, STATE_FILE

State = dict[str, Any]


def empty_state() -> State:
    return {"version": 1, "tables": {}}


def load_state(root: Path, name: str = STATE_FILE) -> tuple[State, str | None]:
    """(state, its text); the text is None when there is no state file yet."""
    path = root / name
    text = read_if_exists(path)
    if text is None:
        return empty_state(), None
    try:
        state = json.loads(text)
        if not isinstance(state, dict) or not isinstance(state.get("tables"), dict):
            raise ValueError("no tables")
    except (ValueError, RecursionError):
        raise InputError("the state file is damaged", path=path,
                         hint="restore it from git, or delete it (the next run then treats hand edits as conflicts)"
                         ) from None
    return state, text


def load_pending(root: Path) -> dict[str, Any]:
    """Tables of an interrupted run's state ({} when the last run finished)."""
    try:
        state, text = load_state(root, PENDING_FILE)
    except InputError:
        return {}  # a pending file is only a hint; a damaged one is ignored
    return state["tables"] if text is not None else {}


def state_text(state: State) -> str:
    return json.dumps(state, indent=2, sort_keys=True) + "\n"
