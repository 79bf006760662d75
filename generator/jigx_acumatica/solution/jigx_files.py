"""The Jigx-specific edits of files the user owns: onTableChanged entries in index.jigx and
table declarations in databases/default.jigx, spliced line by line (see yaml_splice).

Every edit returns the new text and notes that say what it changed beyond the entries (when a
flow-style list had to become a block one); nothing else of the file changes."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ..errors import InputError
from ..yamlio import key_position, plain, value_position
from .yaml_splice import (
    Owned,
    Style,
    _span_end,
    anchor_lines,
    append_inline,
    append_top_key,
    emit_block,
    emit_flow,
    entry_spans,
    guess_style,
    has_comment,
    item_starts,
    key_starts,
    load_owned,
    next_key_line,
    replace_lines,
    rewrite_value,
    trailing_comment,
    verify_edit,
)

EVENT_KEY = "onTableChanged"
MISSPELLINGS = ("onTableChange", "OnTableChanged", "ontablechanged", "onTablesChanged", "on_table_changed")


@dataclass
class Edited:
    text: str
    notes: list[str] = field(default_factory=list)


def _read(raw: str, path: str, reader: Callable[[Any, str], Any]) -> Any:
    """reader over the fast parse; when it finds a problem, again over the round-trip parse so
    the error can name its line and column."""
    owned = load_owned(raw, path, roundtrip=False)
    try:
        return reader(owned.data, path)
    except InputError:
        return reader(load_owned(raw, path).doc, path)


def read_entries(raw: str, path: str) -> dict[str, Any]:
    entries: dict[str, Any] = _read(raw, path, current_entries)
    return entries


def read_declared(raw: str, path: str) -> list[str] | None:
    declared: list[str] | None = _read(raw, path, declared_tables)
    return declared


# --- onTableChanged --------------------------------------------------------------------------

def table_changed_items(doc: Any, path: str) -> list[Any] | None:
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


def commented_entries(raw: str, path: str) -> set[str]:
    """Tables whose onTableChanged entry holds a comment the user wrote inside it: rewriting such
    an entry would lose the comment, so it counts as edited by hand."""
    owned = load_owned(raw, path)
    items = table_changed_items(owned.doc, path)
    if not isinstance(items, CommentedSeq) or not items or items.fa.flow_style():
        return set()
    lines = owned.text.body.split("\n")
    spans = entry_spans(lines, item_starts(lines, items), next_key_line(owned.doc, EVENT_KEY, lines))
    out = set()
    for item, (start, end, _) in zip(items, spans, strict=False):
        t = entry_table(item)
        if t is not None and any(has_comment(line) for line in lines[start:end]):
            out.add(t)
    return out


def edit_table_changed(raw: str, path: str, *, replace: dict[str, Any], append: list[Any],
                       remove: AbstractSet[str] = frozenset()) -> Edited:
    """New file text with managed entries replaced, appended and removed; nothing else touched."""
    if not replace and not append and not remove:
        return Edited(raw)
    owned = load_owned(raw, path)
    doc, style = owned.doc, guess_style(owned.text.body)
    expected = dict(plain(owned.data) or {})
    values = table_changed_items(owned.data, path) or []  # the fast loader's values, item by item
    new_plain = [replace.get(entry_table(v) or "", plain(v)) for v in values if entry_table(v) not in remove]
    new_plain += [plain(a) for a in append]
    expected[EVENT_KEY] = new_plain
    items = table_changed_items(doc, path)
    body = owned.text.body
    lines = body.split("\n")
    notes: list[str] = []
    if doc is None or EVENT_KEY not in doc:
        body = append_top_key(body, EVENT_KEY, new_plain, style)
    elif isinstance(items, CommentedSeq) and items and not items.fa.flow_style():
        body = _splice_items(lines, doc, items, replace, append, remove, style, path)
    else:
        body = _edit_flow(lines, doc, EVENT_KEY, new_plain, [emit_flow(a, as_pair=False) for a in append],
                          inline=not replace and not remove, style=style, path=path, notes=notes)
    verify_edit(body, path, expected)
    return Edited(owned.text.render(body), notes)


def _edit_flow(lines: list[str], doc: CommentedMap, key: str, value: Any, added: list[str], *, inline: bool,
               style: Style, path: str, notes: list[str]) -> str:
    """An empty or flow-style value: items are added inside a one-line flow collection as the
    user wrote it; anything else is rewritten in block style, and a note says so."""
    if inline and added:
        edited = append_inline(lines, doc, key, added)
        if edited is not None:
            return "\n".join(edited)
    was = doc[key]
    if was:  # a non-empty flow collection: its formatting changes, its content does not
        notes.append(f"{path}: '{key}' was written in flow style ({'[...]' if isinstance(was, list) else '{...}'}); "
                     "it is rewritten in block style, one entry per line, so the tool can manage its own entries. "
                     "Every other entry keeps its content, and a comment on its first line is kept.")
    return "\n".join(rewrite_value(lines, doc, key, value, style))


def _splice_items(lines: list[str], doc: CommentedMap, items: CommentedSeq, replace: dict[str, Any], append: list[Any],
                  remove: AbstractSet[str], style: Style, path: str) -> str:
    spans = entry_spans(lines, item_starts(lines, items), next_key_line(doc, EVENT_KEY, lines))
    dash = spans[0][2]
    _check_item_style(lines, spans, dash)
    edits: list[tuple[int, int, list[str]]] = []  # (start, end, new lines), applied bottom-up
    anchored = anchor_lines("\n".join(lines)) if replace or remove else set()
    kept = 0
    for item, (start, end, _) in zip(items, spans, strict=False):
        t = entry_table(item)
        if (t in remove or t in replace) and anchored.intersection(range(start, end)):
            raise InputError(f"the onTableChanged entry for '{t}' uses YAML anchors or aliases; the tool will not "
                             "edit it", path=path, line=start + 1, column=1,
                             hint="write the entry out in full (no & or *), then run again")
        if t in remove:
            edits.append((start, end, []))
            continue
        kept += 1
        if t in replace:
            edits.append((start, end, emit_block(replace[t], dash, style, as_item=True)))
    if append:
        last_end = spans[-1][1]
        block = [ln for a in append for ln in emit_block(a, dash, style, as_item=True)]
        edits.append((last_end, last_end, block))
    elif not kept:  # the last entry goes: the key stays, with an empty list
        key_line = doc.lc.key(EVENT_KEY)[0]
        comment = trailing_comment(lines[key_line])
        head = lines[key_line][:len(lines[key_line]) - len(comment)].rstrip()
        edits.append((key_line, key_line + 1, [f"{head} []" + (f"  {comment}" if comment else "")]))
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


def declare_tables(raw: str, path: str, add: list[str]) -> Edited:
    """New text of databases/default.jigx with `add` declared (value null) after the last table."""
    existing = read_declared(raw, path) or []
    return add_to_mapping(raw, path, "tables", {t: None for t in add if t not in existing})


def current_tabs(raw: str, path: str) -> dict[str, Any] | None:
    """The tabs of index.jigx (None when it has no 'tabs' mapping)."""
    return read_index(raw, path)[1]


def read_index(raw: str, path: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(onTableChanged entries by table, tabs) from one parse of index.jigx."""
    def both(doc: Any, path: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
        tabs = doc.get("tabs") if isinstance(doc, dict) else None
        return current_entries(doc, path), plain(tabs) if isinstance(tabs, dict) else None

    found: tuple[dict[str, Any], dict[str, Any] | None] = _read(raw, path, both)
    return found


def add_to_mapping(raw: str, path: str, key: str, add: dict[str, Any]) -> Edited:
    """New text with entries added after the last one of the top-level mapping `key` (created
    when missing); a one-line flow mapping gets them inside its braces."""
    if not add:
        return Edited(raw)
    owned: Owned = load_owned(raw, path)
    doc, style = owned.doc, guess_style(owned.text.body)
    expected = dict(plain(owned.data) or {})
    merged = dict(expected.get(key) or {})
    merged.update(add)
    expected[key] = merged
    body = owned.text.body
    lines = body.split("\n")
    notes: list[str] = []
    node = doc.get(key) if doc is not None else None
    if doc is None or key not in doc:
        body = append_top_key(body, key, add, style)
    elif isinstance(node, CommentedMap) and node and not node.fa.flow_style():
        spans = entry_spans(lines, key_starts(node), next_key_line(doc, key, lines))
        col = spans[0][2]
        block = [ln for name, value in add.items() for ln in emit_block({name: value}, col, style, as_item=False)]
        body = "\n".join(replace_lines(lines, spans[-1][1], spans[-1][1], block))
    else:
        body = _edit_flow(lines, doc, key, merged, [emit_flow({n: v}, as_pair=True) for n, v in add.items()],
                          inline=True, style=style, path=path, notes=notes)
    verify_edit(body, path, expected)
    return Edited(owned.text.render(body), notes)


def remove_from_mapping(raw: str, path: str, key: str, names: AbstractSet[str]) -> Edited:
    """New text without the named entries of the block mapping `key` (their lines go; comments
    before the next entry stay)."""
    if not names:
        return Edited(raw)
    owned: Owned = load_owned(raw, path)
    doc = owned.doc
    node = doc.get(key) if doc is not None else None
    if not isinstance(node, CommentedMap) or not set(names) & set(node) or node.fa.flow_style():
        return Edited(raw)
    expected = dict(plain(owned.data) or {})
    expected[key] = {k: v for k, v in (expected.get(key) or {}).items() if k not in names}
    lines = owned.text.body.split("\n")
    spans = entry_spans(lines, key_starts(node), next_key_line(doc, key, lines))
    for name, (start, end, _) in sorted(zip(node, spans, strict=False), key=lambda pair: pair[1][0], reverse=True):
        if name in names:
            lines = replace_lines(lines, start, end, [])
    body = "\n".join(lines)
    verify_edit(body, path, expected)
    return Edited(owned.text.render(body))


def set_top_key(raw: str, path: str, key: str, value: Any, *, before: str | None = None) -> Edited:
    """New text with the top-level `key` set to value (its lines replaced when present; when
    missing, inserted above the key `before` and the comments over it, else appended); every other
    line kept."""
    owned: Owned = load_owned(raw, path)
    doc, style = owned.doc, guess_style(owned.text.body)
    expected = dict(plain(owned.data) or {})
    expected[key] = value
    body = owned.text.body
    if doc is not None and key not in doc and before is not None and before in doc:
        lines = body.split("\n")
        at = doc.lc.key(before)[0]
        while at > 0 and lines[at - 1].lstrip().startswith("#"):
            at -= 1  # the comments over `before` stay with it
        body = "\n".join(replace_lines(lines, at, at, emit_block({key: value}, 0, style, as_item=False)))
    elif doc is None or key not in doc:
        body = append_top_key(body, key, value, style)
    else:
        lines = body.split("\n")
        line, col = doc.lc.key(key)
        end = _span_end(lines, line, col, next_key_line(doc, key, lines))
        body = "\n".join(replace_lines(lines, line, end, emit_block({key: value}, col, style, as_item=False)))
    verify_edit(body, path, expected)
    return Edited(owned.text.render(body))


def remove_top_key(raw: str, path: str, key: str) -> Edited:
    """New text without the top-level `key` and its lines; every other line kept."""
    owned: Owned = load_owned(raw, path)
    doc = owned.doc
    if doc is None or key not in doc:
        return Edited(raw)
    expected = {k: v for k, v in (plain(owned.data) or {}).items() if k != key}
    lines = owned.text.body.split("\n")
    line, col = doc.lc.key(key)
    end = _span_end(lines, line, col, next_key_line(doc, key, lines))
    body = "\n".join(replace_lines(lines, line, end, []))
    verify_edit(body, path, expected)
    return Edited(owned.text.render(body))
