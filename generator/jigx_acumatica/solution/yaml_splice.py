"""Generic line splicing of YAML files the user owns, keeping every byte outside the edited entries.

The file is parsed in round-trip mode for its structure and line positions; only the lines of
the entries being changed are replaced by a block the YAML emitter produced. The result is parsed
again and compared with the intended data, so a splice can never silently change meaning.
"""

from __future__ import annotations

import difflib
import io
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ..errors import InputError
from ..yamlio import dump, load_fast, load_positions, load_screened, plain, positions_only, yaml_node


@dataclass
class Text:
    """A file's text split into what we edit (LF lines) and how to write it back: the BOM, and
    each line's own ending (a file may mix CRLF and LF lines; unchanged lines keep theirs)."""

    body: str
    bom: bool
    endings: list[str]  # per line of body except the last: "\r\n" or "\n"

    @classmethod
    def parse(cls, raw: str) -> Text:
        bom = raw.startswith("\ufeff")
        raw = raw[1:] if bom else raw
        lines = raw.split("\n")
        endings = ["\r\n" if line.endswith("\r") else "\n" for line in lines[:-1]]
        return cls(raw.replace("\r\n", "\n"), bom, endings)

    def _default_ending(self) -> str:
        """For new lines: the ending most lines of the file use."""
        crlf = self.endings.count("\r\n")
        return "\r\n" if crlf and crlf >= len(self.endings) - crlf else "\n"

    def render(self, body: str) -> str:
        prefix = "\ufeff" if self.bom else ""
        if "\r\n" not in self.endings:
            return prefix + body
        default = self._default_ending()
        if all(e == default for e in self.endings):
            return prefix + body.replace("\n", default)
        old, new = self.body.split("\n"), body.split("\n")
        endings = [default] * (len(new) - 1)
        matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
        for tag, i1, i2, j1, _ in matcher.get_opcodes():
            if tag == "equal":
                for k in range(i2 - i1):
                    if i1 + k < len(self.endings) and j1 + k < len(endings):
                        endings[j1 + k] = self.endings[i1 + k]
        return prefix + "".join(line + ending for line, ending in zip(new, endings, strict=False)) + new[-1]


@dataclass
class Style:
    mapping: int = 2
    sequence: int = 4
    offset: int = 2


def guess_style(body: str) -> Style:
    """The file's own indentation: mapping step, and how far a list's dash sits under its key."""
    lines = [ln for ln in body.split("\n") if not _is_filler(ln) and not ln.lstrip().startswith("---")]
    mapping = offset = None
    for prev, cur in zip(lines, lines[1:], strict=False):
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


def load_jigx_data(text: str, path: str) -> Any:
    """A Jigx file's values: one document, not absurdly deep; anchors are allowed (an anchored
    entry is refused when edited)."""
    return load_screened(text, path, max_depth=200, allow_anchors=True)


def anchor_lines(body: str) -> set[int]:
    """0-based lines holding a YAML anchor or alias (editing those would change other entries)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.events import AliasEvent, NodeEvent

    lines = set()
    for event in YAML(typ="rt").parse(io.StringIO(positions_only(body))):
        if isinstance(event, AliasEvent) or (isinstance(event, NodeEvent) and event.anchor is not None):
            lines.add(event.start_mark.line)
    return lines


@dataclass
class Owned:
    """A user-owned file: its text, the round-trip document (structure and positions) and the
    data as the fast loader reads it (the values every edit is checked against)."""

    text: Text
    doc: Any
    data: Any
    notes: list[str] = field(default_factory=list)


def load_owned(raw: str, path: str, *, roundtrip: bool = True) -> Owned:
    """Parse a user-owned file; its top level must be a mapping (or empty).

    Round-trip mode (positions, comments) is needed to edit; reading uses the fast loader."""
    text = Text.parse(raw)
    data = load_jigx_data(text.body, path)
    doc = load_positions(text.body, path) if roundtrip else data
    if data is not None and not isinstance(data, dict):
        raise InputError("the top level of this file must be a mapping (key: value lines)", path=path, line=1, column=1,
                         hint="restore the file from git, or fix its first lines")
    return Owned(text, doc, data)


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
    """Replace an empty or flow-style value of a top-level key with a block one, keeping a
    comment that followed it on the key's line."""
    line, col = doc.lc.key(key)
    end = _span_end(lines, line, col, next_key_line(doc, key, lines))
    block = emit_block({key: value}, col, style, as_item=False)
    comment = trailing_comment(lines[line])
    if comment:
        block[0] = f"{block[0]}  {comment}"
    return replace_lines(lines, line, end, block)


def trailing_comment(line: str) -> str:
    """The comment at the end of a line ('# ...'), or ''."""
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[i:]
    return ""


# --- flow collections ------------------------------------------------------------------------

def flow_end(body: str, line: int, col: int) -> tuple[int, int] | None:
    """(line, column) of the closing bracket of the flow collection that starts at (line, col),
    0-based; None when no flow collection starts there."""
    from ruamel.yaml import YAML
    from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent

    depth = 0
    for event in YAML(typ="rt").parse(io.StringIO(positions_only(body))):
        if depth == 0:
            if isinstance(event, CollectionStartEvent) and (event.start_mark.line, event.start_mark.column) == (line,
                                                                                                                col):
                if not event.flow_style:
                    return None
                depth = 1
            continue
        if isinstance(event, CollectionStartEvent):
            depth += 1
        elif isinstance(event, CollectionEndEvent):
            depth -= 1
            if depth == 0:
                return event.start_mark.line, event.start_mark.column
    return None


def emit_flow(value: Any, *, as_pair: bool) -> str:
    """One flow-style item (or 'key: value' pair, from a one-key mapping), ready to put between
    the brackets of a flow collection."""
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.default_flow_style = True
    y.width = 4096
    buf = io.StringIO()
    y.dump({"x": yaml_node(value) if as_pair else [yaml_node(value)]}, buf)
    return buf.getvalue().strip()[len("{x: ") + 1:-2]


def append_inline(lines: list[str], doc: CommentedMap, key: str, items: list[str]) -> list[str] | None:
    """Add items inside a one-line flow value of a top-level key ('key: [a, b]  # note'), keeping
    the rest of the line; None when the value is not a one-line flow collection."""
    vline, vcol = doc.lc.value(key)
    end = flow_end("\n".join(lines), vline, vcol)
    if end is None or end[0] != vline:
        return None
    line = lines[vline]
    inside = line[vcol + 1:end[1]].strip()
    added = ", ".join(items)
    new_line = line[:end[1]].rstrip() + (", " if inside else "") + added + line[end[1]:]
    return replace_lines(lines, vline, vline + 1, [new_line])


def has_comment(line: str) -> bool:
    """The line holds a comment: a '#' starting it, or after white space outside quotes."""
    return bool(trailing_comment(line))
