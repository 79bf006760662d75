"""index.jigx's onLoad: one sync of the managed tables when the app starts, so a phone that was
offline catches up before any push arrives. Merged with the user's own onLoad as onTableChanged
entries are: the tool's action is its own, recorded in the state; the user's actions stay."""

from __future__ import annotations

from typing import Any

from ..layout import INDEX
from .jigx_files import remove_top_key, set_top_key
from .plan import SKIP, Change, Plan
from .yaml_splice import load_jigx_data

ONLOAD = "onLoad"
LIST = "action.action-list"
_ABSENT = object()


def sync_action(tables: list[str]) -> dict[str, Any]:
    return {"type": "action.sync-entities",
            "options": {"provider": "DATA_PROVIDER_DYNAMIC", "entities": [f"default/{t}" for t in sorted(tables)]}}


def _actions(action: Any) -> list[Any]:
    options: dict[str, Any] = action["options"] if isinstance(action, dict) and isinstance(
        action.get("options"), dict) else {}
    actions = options.get("actions")
    return list(actions) if isinstance(actions, list) else []


def _with_actions(action: dict[str, Any], actions: list[Any]) -> dict[str, Any]:
    return {**action, "options": {**(action.get("options") or {}), "actions": actions}}


def merged_onload(current: Any, ours: dict[str, Any] | None, base: dict[str, Any] | None, *, force: bool
                  ) -> tuple[Any, str]:
    """(the onLoad to write, what happened): "same" (nothing to do), "set", "merged" (the user's
    own onLoad and ours, in an action list), "kept" (the user's: left as it is), "drop" (remove
    the key). current is _ABSENT when index.jigx has no onLoad key."""
    is_list = isinstance(current, dict) and current.get("type") == LIST
    if ours is None:  # no table left: the tool's action goes, the user's stay
        if base is not None and current == base:
            return None, "drop"
        if is_list and base in _actions(current):
            return _with_actions(current, [a for a in _actions(current) if a != base]), "set"
        return current, "same"
    if current is _ABSENT:
        return (ours, "set") if base is None or force else (current, "kept")  # removed by hand: stays removed
    if current == ours:
        return current, "same"
    if base is not None and current == base or force and not is_list:
        return ours, "set"
    if is_list and base is not None and base in _actions(current):
        return _with_actions(current, [ours if a == base else a for a in _actions(current)]), "set"
    if base is None and is_list:
        return _with_actions(current, [*_actions(current), ours]), "merged"
    if base is None and isinstance(current, dict):  # the user's own action: both run, theirs first
        return {"type": LIST, "options": {"isSequential": True, "actions": [current, ours]}}, "merged"
    return current, "kept"  # an explicit empty onLoad, or the tool's action edited by hand: the user's


def plan_onload(plan: Plan, index_text: str, tables: list[str], base: dict[str, Any] | None, *, force: bool
                ) -> tuple[str, dict[str, Any] | None]:
    """(index.jigx's text with onLoad merged, the action to record as the tool's)."""
    path = str(plan.root / INDEX)
    data = load_jigx_data(index_text, path) if index_text.strip() else {}
    current = data.get(ONLOAD, _ABSENT) if isinstance(data, dict) else _ABSENT
    ours = sync_action(tables) if tables else None
    new, what = merged_onload(current, ours, base, force=force)
    if what == "kept":
        if base is not None or current is not None:
            plan.add(Change(SKIP, INDEX, "entry", None, "onLoad is yours (edited, emptied or removed by hand): kept "
                            "(--force sets the sync of the tables)"))
        return index_text, base
    if what == "same":
        return index_text, ours if current == ours else base
    if what == "merged":
        plan.notes.append(f"{INDEX}'s own onLoad now runs in an action list, followed by the sync of the tables "
                          "jigx-acumatica manages")
    if what == "drop":
        return remove_top_key(index_text, path, ONLOAD).text, None
    return set_top_key(index_text, path, ONLOAD, new, before="onTableChanged").text, ours
