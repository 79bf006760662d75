"""Collecting every problem (and warning) of one definition file, each with its position."""

from __future__ import annotations

import difflib
import re
from typing import Any

from ..errors import InputError
from ..yamlio import key_position, node_position, value_position
from .model import Warning


def did_you_mean(word: str, choices: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    allowed = ", ".join(choices)
    return f"did you mean '{close[0]}'? (allowed: {allowed})" if close else f"allowed keys: {allowed}"


class Checker:
    """Collects every problem in one file, each with its position."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.errors: list[InputError] = []
        self.warnings: list[Warning] = []

    def warn(self, node: Any, key: Any, message: str, hint: str = "") -> None:
        line, _ = value_position(node, key) if node is not None else (None, None)
        self.warnings.append(Warning(self.path, line, message, hint))

    def fail(self, node: Any, key: Any, message: str, hint: str | None = None, *, at_value: bool = True) -> None:
        line, col = (value_position if at_value else key_position)(node, key) if node is not None else (None, None)
        self.errors.append(InputError(message, path=self.path, line=line, column=col, hint=hint))

    def fail_at(self, node: Any, message: str, hint: str | None = None) -> None:
        line, col = node_position(node)
        self.errors.append(InputError(message, path=self.path, line=line, column=col, hint=hint))

    def mapping(self, parent: Any, key: Any, value: Any, allowed: tuple[str, ...], what: str) -> bool:
        if not isinstance(value, dict):
            self.fail(parent, key, f"{what} must be a mapping (key: value lines)",
                      "see the table definition format in docs/definitions.md")
            return False
        for k in value:
            if not isinstance(k, str):
                self.fail(value, k, f"{what}: key {k!r} must be text", at_value=False)
            elif k not in allowed:
                self.fail(value, k, f"unknown key '{k}' in {what}", did_you_mean(k, allowed), at_value=False)
        return True

    def text(self, node: Any, key: str, what: str, *, required: bool = True) -> str | None:
        if key not in node or node[key] is None:
            if required and key in node:  # present but empty
                self.fail(node, key, f"{what} is required", f"add '{key}: ...'")
            elif required:
                named = f"'{key}'" if what == key else f"{what} ('{key}')"
                self.fail_at(node, f"{named} is required", f"add a '{key}:' line")
            return None
        value = node[key]
        if not isinstance(value, str) or isinstance(value, bool):
            shown = str(value).lower() if isinstance(value, bool) else str(value)
            self.fail(node, key, f"{what} must be text, not {kind_of(value)}",
                      (f"names a Jigx action, e.g. {key}: action.sync-entities" if what == "on_change.type" else
                       f"quote it to make it text: {key}: \"{shown}\"") if not isinstance(value, (dict, list))
                      else f"write one value: {key}: SomeText")
            return None
        if not value.strip():
            self.fail(node, key, f"{what} is empty", f"give '{key}' a value")
            return None
        return str(value)

    def pattern(self, node: Any, key: str, value: str | None, regex: re.Pattern[str], message: str,
                hint: str) -> str | None:
        if value is not None and not regex.match(value):
            self.fail(node, key, message.format(value=value), hint)
            return None
        return value


def kind_of(value: Any) -> str:
    """How a YAML value reads to a person (never a Python class name: ruamel's quoted strings,
    mappings and lists are subclasses of the plain ones)."""
    for kind, said in ((bool, "a boolean"), (int, "a number"), (float, "a number"), (str, "text"),
                       (dict, "a mapping"), (list, "a list"), (type(None), "empty")):
        if isinstance(value, kind):
            return said
    return "a value of another kind"


def boolean_fix(key: str, value: Any) -> str:
    """The fix for a value that should have been a YAML boolean."""
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "yes", "no", "on", "off"):
        wanted = "true" if value.strip().lower() in ("true", "yes", "on") else "false"
        return f"remove the quotes: {key}: {wanted}"
    return f"write {key}: true or {key}: false"
