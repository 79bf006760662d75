"""The Jigx-specific edits of files the user owns: onTableChanged entries in index.jigx and
table declarations in databases/default.jigx, spliced line by line (see yaml_splice)."""

from __future__ import annotations

from typing import AbstractSet, Any, Callable

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ..errors import InputError
from ..yamlio import key_position, plain, value_position
from .yaml_splice import (Style, append_top_key, item_starts, key_starts, next_key_line, replace_lines,
                          rewrite_value, entry_spans, verify_edit, anchor_lines, emit_block, guess_style, load_owned)

EVENT_KEY = "onTableChanged"
MISSPELLINGS = ("onTableChange", "OnTableChanged", "ontablechanged", "onTablesChanged", "on_table_changed")


def _read(raw: str, path: str, reader: Callable[[Any, str], Any]) -> Any:
    """reader over the fast parse; when it finds a problem, again over the round-trip parse so
    the error can name its line and column."""
    _, doc = load_owned(raw, path, roundtrip=False)
    try:
        return reader(doc, path)
    except InputError:
        _, doc = load_owned(raw, path)
        return reader(doc, path)


def read_entries(raw: str, path: str) -> dict[str, Any]:
    entries: dict[str, Any] = _read(raw, path, current_entries)
    return entries


def read_declared(raw: str, path: str) -> list[str] | None:
    declared: list[str] | None = _read(raw, path, declared_tables)
    return declared


# --- onTableChanged --------------------------------------------------------------------------

def table_changed_items(doc: Any, path: str) -> list | None:
    """The onTableChanged list (None when absent); refuses a misspelled or non-list one."""
    if doc is None:
        return None
    for wrong in MISSPELLINGS:
        if wrong in doc and EVENT_KEY not in doc:
            line, col = key_position(doc, wrong)
            raise InputError(f"'{wrong}' is not a Jigx event", path=path, line=line, column=col,
                             hint=f"rename it to '{EVENT_KEY}'")
    if EVENT_KEY not in doc or doc[EVENT_KEY] is None:
        return None
    value = doc[EVENT_KEY]
    if not isinstance(value, list):
        line, col = value_position(doc, EVENT_KEY)
        raise InputError(f"{EVENT_KEY} must be a list of '- table: ... action: ...' entries", path=path,
                         line=line, column=col, hint="turn it into a list, or remove it and run again")
    return value


def entry_table(item: Any) -> str | None:
    return str(item["table"]) if isinstance(item, dict) and isinstance(item.get("table"), str) else None


def current_entries(doc: Any, path: str) -> dict[str, Any]:
    """table -> plain onTableChanged entry, for every entry that names a table."""
    items = table_changed_items(doc, path) or []
    out: dict[str, Any] = {}
    for item in items:
        t = entry_table(item)
        if t is not None and t not in out:
            out[t] = plain(item)
    return out


def edit_table_changed(raw: str, path: str, *, replace: dict[str, Any], append: list[Any],
                       remove: AbstractSet[str] = frozenset()) -> str:
    """New file text with managed entries replaced, appended and removed; nothing else touched."""
    if not replace and not append and not remove:
        return raw
    text, doc = load_owned(raw, path)
    style = guess_style(text.body)
    expected = plain(doc) if doc is not None else {}
    items = table_changed_items(doc, path)
    new_plain = [replace.get(entry_table(it) or "", plain(it)) for it in (items or []) if entry_table(it) not in remove]
    new_plain += [plain(a) for a in append]
    expected[EVENT_KEY] = new_plain
    body = text.body
    lines = body.split("\n")
    if doc is None or EVENT_KEY not in doc:
        body = append_top_key(body, EVENT_KEY, new_plain, style)
    elif not isinstance(items, CommentedSeq) or items.fa.flow_style() or not items:
        body = "\n".join(rewrite_value(lines, doc, EVENT_KEY, new_plain, style))
    else:
        body = _splice_items(lines, doc, items, replace, append, remove, style, path)
    verify_edit(body, path, expected)
    return text.render(body)


def _splice_items(lines: list[str], doc: CommentedMap, items: CommentedSeq, replace: dict[str, Any], append: list[Any],
                  remove: AbstractSet[str], style: Style, path: str) -> str:
    spans = entry_spans(lines, item_starts(lines, items), next_key_line(doc, EVENT_KEY, lines))
    dash = spans[0][2]
    _check_item_style(lines, spans, dash)
    edits: list[tuple[int, int, list[str]]] = []  # (start, end, new lines), applied bottom-up so earlier positions stay valid
    anchored = anchor_lines("\n".join(lines)) if replace or remove else set()
    for item, (start, end, _) in zip(items, spans):
        t = entry_table(item)
        if (t in remove or t in replace) and anchored.intersection(range(start, end)):
            raise InputError(f"the onTableChanged entry for '{t}' uses YAML anchors or aliases; the tool will not "
                             "edit it", path=path, line=start + 1, column=1,
                             hint="write the entry out in full (no & or *), then run again")
        if t in remove:
            edits.append((start, end, []))
        elif t in replace:
            edits.append((start, end, emit_block(replace[t], dash, style, as_item=True)))
    if append:
        last_end = spans[-1][1]
        block = [ln for a in append for ln in emit_block(a, dash, style, as_item=True)]
        edits.append((last_end, last_end, block))
    for start, end, new in sorted(edits, key=lambda e: e[0], reverse=True):
        lines = replace_lines(lines, start, end, new)
    return "\n".join(lines)


def _check_item_style(lines: list[str], spans: list[tuple[int, int, int]], dash: int) -> None:
    for start, _, col in spans:
        if col != dash or not lines[start][col:].startswith("-"):
            raise RuntimeError("internal error: could not locate onTableChanged entries; nothing was written")


# --- databases/default.jigx ----------------------------------------------------------------------

def declared_tables(doc: Any, path: str) -> list[str] | None:
    if doc is None or "tables" not in doc or doc["tables"] is None:
        return None if doc is None or "tables" not in doc else []
    tables = doc["tables"]
    if not isinstance(tables, dict):
        line, col = value_position(doc, "tables")
        raise InputError("'tables' must be a mapping of table names", path=path, line=line, column=col,
                         hint="write one '  name:' line per table under 'tables:'")
    return [str(k) for k in tables]


def declare_tables(raw: str, path: str, add: list[str]) -> str:
    """New text of databases/default.jigx with `add` declared (value null) after the last table."""
    existing = read_declared(raw, path) or []
    add = [t for t in add if t not in existing]
    if not add:
        return raw
    text, doc = load_owned(raw, path)
    style = guess_style(text.body)
    expected = plain(doc) if doc is not None else {}
    tables_plain = dict(expected.get("tables") or {})
    tables_plain.update({t: None for t in add})
    expected["tables"] = tables_plain
    body = text.body
    lines = body.split("\n")
    if doc is None or "tables" not in doc:
        body = append_top_key(body, "tables", {t: None for t in add}, style)
    elif doc["tables"] is None or doc["tables"].fa.flow_style() or not doc["tables"]:
        body = "\n".join(rewrite_value(lines, doc, "tables", tables_plain, style))
    else:
        spans = entry_spans(lines, key_starts(doc["tables"]), next_key_line(doc, "tables", lines))
        col = spans[0][2]
        block = [ln for t in add for ln in emit_block({t: None}, col, style, as_item=False)]
        lines = replace_lines(lines, spans[-1][1], spans[-1][1], block)
        body = "\n".join(lines)
    verify_edit(body, path, expected)
    return text.render(body)
