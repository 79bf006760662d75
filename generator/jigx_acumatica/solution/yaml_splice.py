"""Generic line splicing of YAML files the user owns, keeping every byte outside the edited entries.

The file is parsed in round-trip mode for its structure and line positions; only the lines of
the entries being changed are replaced by a block the YAML emitter produced. The result is parsed
again and compared with the intended data, so a splice can never silently change meaning.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, Callable

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ..errors import InputError
from ..yamlio import dump, load_fast, load_roundtrip, plain, screen_events, yaml_node


@dataclass
class Text:
    """A file's text split into what we edit (LF lines) and how to write it back."""

    body: str
    bom: bool
    crlf: bool

    @classmethod
    def parse(cls, raw: str) -> "Text":
        bom = raw.startswith("\ufeff")
        raw = raw[1:] if bom else raw
        crlf = "\r\n" in raw
        return cls(raw.replace("\r\n", "\n"), bom, crlf)

    def render(self, body: str) -> str:
        out = body.replace("\n", "\r\n") if self.crlf else body
        return ("\ufeff" if self.bom else "") + out


@dataclass
class Style:
    mapping: int = 2
    sequence: int = 4
    offset: int = 2


def guess_style(body: str) -> Style:
    """The file's own indentation: mapping step, and how far a list's dash sits under its key."""
    lines = [ln for ln in body.split("\n") if not _is_filler(ln) and not ln.lstrip().startswith("---")]
    mapping = offset = None
    for prev, cur in zip(lines, lines[1:]):
        if not prev.rstrip().endswith(":") or prev.lstrip().startswith("- "):
            continue
        step = _indent_of(cur) - _indent_of(prev)
        if cur.lstrip().startswith("- "):
            offset = step if offset is None and step >= 0 else offset
        elif step > 0 and mapping is None:
            mapping = step
        if mapping is not None and offset is not None:
            break
    mapping = mapping if mapping and mapping < 9 else 2
    offset = offset if offset is not None and offset < 9 else 2
    return Style(mapping, offset + 2, offset)


def emit_block(value: Any, indent: int, style: Style, *, as_item: bool) -> list[str]:
    """YAML for one sequence item (as_item) or one 'key: value' pair, at column `indent`."""
    # An item is emitted under a dummy key so nested lists follow the file's style, then the
    # dummy line is dropped and the item shifted to its column.
    holder = CommentedMap([("x", CommentedSeq([yaml_node(value)]))]) if as_item else yaml_node(value)
    lines = dump(holder, mapping=style.mapping, sequence=style.sequence, offset=style.offset).splitlines()
    shift = 0
    if as_item:
        lines = lines[1:]
        shift = len(lines[0]) - len(lines[0].lstrip(" "))
    return [(" " * indent + ln[shift:]) if ln.strip() else "" for ln in lines]


def _is_filler(line: str) -> bool:
    s = line.strip()
    return not s or s.startswith("#")


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _span_end(lines: list[str], start: int, col: int, bound: int) -> int:
    """End (exclusive) of the entry starting at `start`: up to `bound`, or while lines are indented
    deeper than `col`; trailing blank and comment lines are left outside the entry."""
    end = start + 1
    while end < bound and (_is_filler(lines[end]) or _indent_of(lines[end]) > col):
        end += 1
    while end > start + 1 and _is_filler(lines[end - 1]):
        end -= 1
    return end


def item_starts(lines: list[str], seq: CommentedSeq) -> list[tuple[int, int]]:
    """(line, dash column) of every block sequence item, 0-based."""
    out = []
    for i in range(len(seq)):
        line, col = seq.lc.item(i)
        dash = lines[line].rfind("-", 0, col + 1) if line < len(lines) else -1
        while dash < 0 and line > 0:  # the item's content starts on the line after its dash
            line -= 1
            dash = lines[line].find("-")
        out.append((line, dash))
    return out


def key_starts(node: CommentedMap) -> list[tuple[int, int]]:
    return [tuple(node.lc.key(k)) for k in node]


def entry_spans(lines: list[str], starts: list[tuple[int, int]], stop: int) -> list[tuple[int, int, int]]:
    """(start, end, column) of each child entry."""
    out = []
    for i, (line, col) in enumerate(starts):
        bound = starts[i + 1][0] if i + 1 < len(starts) else stop
        out.append((line, _span_end(lines, line, col, bound), col))
    return out


def next_key_line(doc: CommentedMap, key: str, lines: list[str]) -> int:
    """0-based line of the top-level key after `key` (the end of its value), or the file's end."""
    keys = list(doc)
    nxt = keys.index(key) + 1
    return doc.lc.key(keys[nxt])[0] if nxt < len(keys) else len(lines)


def _screen(text: str, path: str) -> None:
    """One document, not absurdly deep; anchors are allowed (an anchored entry is refused when edited)."""
    screen_events(text, path, max_depth=200, allow_anchors=True)


def anchor_lines(body: str) -> set[int]:
    """0-based lines holding a YAML anchor or alias (editing those would change other entries)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.events import AliasEvent, NodeEvent

    lines = set()
    for event in YAML(typ="rt").parse(io.StringIO(body)):
        if isinstance(event, AliasEvent) or (isinstance(event, NodeEvent) and event.anchor is not None):
            lines.add(event.start_mark.line)
    return lines


def load_owned(raw: str, path: str, *, roundtrip: bool = True) -> tuple[Text, Any]:
    """Parse a user-owned file; its top level must be a mapping (or empty).

    Round-trip mode (positions, comments) is needed to edit; reading uses the fast loader."""
    text = Text.parse(raw)
    _screen(text.body, path)
    doc = load_roundtrip(text.body, path) if roundtrip else load_fast(text.body, path)
    if doc is not None and not isinstance(doc, dict):
        raise InputError("the top level of this file must be a mapping (key: value lines)", path=path, line=1, column=1,
                         hint="restore the file from git, or fix its first lines")
    return text, doc


def verify_edit(new_body: str, path: str, expected: Any) -> None:
    got = plain(load_fast(new_body, path))
    if got != expected:
        raise RuntimeError(f"internal error: editing {path} would change more than intended; nothing was written")


def _with_newline(body: str) -> str:
    return body if not body or body.endswith("\n") else body + "\n"


def append_top_key(body: str, key: str, value: Any, style: Style) -> str:
    block = emit_block({key: value}, 0, style, as_item=False)
    return _with_newline(body) + "\n".join(block) + "\n"


def replace_lines(lines: list[str], start: int, end: int, new: list[str]) -> list[str]:
    return lines[:start] + new + lines[end:]


def rewrite_value(lines: list[str], doc: CommentedMap, key: str, value: Any, style: Style) -> list[str]:
    """Replace an empty or flow-style value of a top-level key with a block one."""
    line, col = doc.lc.key(key)
    end = _span_end(lines, line, col, next_key_line(doc, key, lines))
    comment = ""
    first = lines[line]
    if " #" in first and not doc[key]:  # keep the comment of an empty 'key: []  # ...'
        comment = first[first.index(" #") + 1:]
    block = emit_block({key: value}, col, style, as_item=False)
    if comment:
        block[0] = f"{block[0]}  {comment}"
    return replace_lines(lines, line, end, block)


