"""Reading YAML the user wrote, safely and with positions; emitting YAML blocks.

Definitions are untrusted input: they are scanned event by event first, so anchors, aliases,
tags, extra documents and absurd nesting are refused before anything is built from them. A text
that cannot hold any of those (see load_screened) skips that scan: it costs as much as the load.
"""

from __future__ import annotations

import codecs
import contextlib
import copy
import io
import re
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    NodeEvent,
)
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from .errors import InputError, printable

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 24
# Anchors, aliases and tags need '&', '*' or '!'; a second document needs a '---' or '...' line.
_NEEDS_SCREENING = re.compile(r"[&*!]|^(?:---|\.\.\.)", re.M)
# libyaml's composer recurses once per level with no limit (100,000 levels crash the process);
# below this many possible levels composing is safe.
_SAFE_TO_COMPOSE = 2000


def read_text(path: str | Path, *, what: str = "file", kind: str = "YAML", max_bytes: int = MAX_BYTES) -> str:
    """The text of a user's file, or an InputError that says why it cannot be read.

    Only regular files are read (a FIFO would block forever, a device never end), and never more
    than max_bytes + 1 bytes of them."""
    p = Path(path)
    data = read_bytes_limited(p, what=what, kind=kind, max_bytes=max_bytes)
    encoding = text_encoding(data)
    if encoding is None:
        if _looks_utf16(data):
            raise InputError(f"{what} looks like UTF-16 text without a byte-order mark", path=p,
                             hint="save it as UTF-8 (or as Windows' \"Unicode text\", which adds the mark)")
        raise InputError(f"{what} is binary, not {kind} text", path=p, hint=f"name a UTF-8 {kind} file")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        name = "UTF-8" if encoding == "utf-8-sig" else "UTF-16"
        raise InputError(f"not valid {name} text", path=p, line=line, hint="save the file as UTF-8") from None


def text_encoding(data: bytes) -> str | None:
    """How a user's text file is encoded: UTF-16 by its byte-order mark (Windows' "Unicode text"),
    else UTF-8 (a BOM dropped); None for bytes that are no text (a NUL outside UTF-16)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None if b"\x00" in data else "utf-8-sig"


def _looks_utf16(data: bytes) -> bool:
    """Text saved as UTF-16 without its mark: every other byte NUL in the ASCII part."""
    head = data[:200]
    if len(head) < 4:
        return False
    even, odd = head[0::2], head[1::2]
    return any(a.count(0) >= 0.9 * len(a) and b.count(0) <= 0.1 * len(b) for a, b in ((odd, even), (even, odd)))


def read_bytes_limited(p: Path, *, what: str, kind: str, max_bytes: int) -> bytes:
    check_readable(p, what=what, kind=kind, max_bytes=max_bytes)
    try:
        with open(p, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"cannot read {what}: {printable(exc.strerror or type(exc).__name__)}", path=p,
                         hint="check the file's permissions") from None
    if len(data) > max_bytes:  # it grew since stat()
        raise InputError(f"{what} is larger than {max_bytes // 1024} KiB", path=p, hint="is this the right file?")
    return data


def check_readable(p: Path, *, what: str, kind: str, max_bytes: int) -> None:
    """A regular file no larger than max_bytes, or an InputError saying what it is instead."""
    try:
        info = p.stat()
    except FileNotFoundError:
        raise InputError(f"{what} not found", path=p,
                         hint="check the path (it is relative to where you run the command)") from None
    except OSError as exc:  # a symlink loop, a path through a file, a name too long ...
        raise InputError(f"cannot open {what}: {printable(exc.strerror or type(exc).__name__)}", path=p,
                         hint="check the path and any symbolic links on it") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{what} is a directory, not a file", path=p, hint=f"name the {kind} file inside it")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{what} is not a regular file (a pipe, socket or device)", path=p,
                         hint=f"save the {kind} to a file and name that file")
    if info.st_size > max_bytes:
        raise InputError(f"{what} is larger than {max_bytes // 1024} KiB", path=p, hint="is this the right file?")


def _mark_error(exc: Exception, path: str | Path, text: str | None = None) -> InputError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or str(exc).splitlines()[0]
    hint = "fix the YAML syntax at that position"
    if "duplicate key" in str(problem) or "found duplicate key" in str(exc):
        problem = str(problem).split(" with value ")[0]
        hint = "each key may appear once in a mapping; remove or rename the repeated one"
    elif "mapping values are not allowed" in str(problem):
        hint = "a value containing ': ' must be quoted, e.g. key: \"a: b\""
    elif "found character '\\t'" in str(problem):
        hint = "use spaces instead of tab characters there"
    if isinstance(exc, ReaderError):
        return InputError(f"invalid character in YAML: {exc.reason}", path=path,
                          hint="remove control characters from the file")
    if mark is None:
        return InputError(f"invalid YAML: {problem}", path=path, hint=hint)
    lines = text.splitlines() if text is not None else []
    line_text = lines[mark.line] if 0 <= mark.line < len(lines) else ""
    if line_text[mark.column:mark.column + 1] == "\t" or (line_text.startswith("\t") and "token" in str(problem)):
        if not line_text[:mark.column].strip(" \t"):  # only white space before it: it indents the line
            return InputError("a tab indents this line: YAML indents with spaces only", path=path,
                              line=mark.line + 1, column=mark.column + 1,
                              hint=f"replace the tab at the start of line {mark.line + 1} with spaces")
    return InputError(f"invalid YAML: {problem}", path=path, line=mark.line + 1, column=mark.column + 1, hint=hint)


def _rt() -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096
    return y


class _OneVersionResolver(VersionedResolver):
    """ruamel looks the YAML version up again for every scalar; it cannot change inside one
    document, so look it up once (a fifth of the time of loading a definition)."""

    _rules: Any = None

    @property
    def versioned_resolver(self) -> Any:
        if self._rules is None:
            self._rules = super().versioned_resolver
        return self._rules


_loaders = threading.local()


def _fast() -> YAML:
    """The safe loader: ruamel.yaml.clib's C parser when installed, about ten times faster than
    round-trip mode. Used whenever positions and comments are not needed. One per thread, made
    once: making one searches ruamel's plug-in folder."""
    y: YAML | None = getattr(_loaders, "safe", None)
    if y is None:
        y = _loaders.safe = YAML(typ="safe")
        y.Resolver = _OneVersionResolver
    y.doc_infos.clear()  # ruamel adds one per load: a long-lived process must not collect them
    return y


def screen_events(text: str, path: str | Path, *, max_depth: int = MAX_DEPTH, allow_anchors: bool = False) -> None:
    """Refuse what a table definition must never contain, before composing it."""
    depth = 0
    documents = 0
    with _yaml_errors(path, text):
        for event in _fast().parse(io.StringIO(text)):
            mark = event.start_mark
            where = {"path": path, "line": mark.line + 1, "column": mark.column + 1} if mark else {"path": path}
            if isinstance(event, DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise InputError("more than one YAML document (a second '---')", hint="keep one document per file",
                                     **where)
            if not allow_anchors:
                if isinstance(event, AliasEvent):
                    raise InputError("YAML aliases (*name) are not allowed here", hint="write the value out in full",
                                     **where)
                if isinstance(event, NodeEvent) and event.anchor is not None:
                    raise InputError("YAML anchors (&name) are not allowed here",
                                     hint="remove the anchor and write values out in full", **where)
                tag = getattr(event, "tag", None)
                if tag is not None and not isinstance(event, AliasEvent):
                    raise InputError(f"YAML tags ({tag}) are not allowed here",
                                     hint="remove the tag; plain values are enough", **where)
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > max_depth:
                    raise InputError(f"nested more than {max_depth} levels deep",
                                     hint="a table definition is a few levels deep at most", **where)
            elif isinstance(event, CollectionEndEvent):
                depth -= 1


@contextlib.contextmanager
def _yaml_errors(path: str | Path, text: str | None = None) -> Iterator[None]:
    """ruamel's exceptions (and the RecursionError of absurd nesting) as InputErrors."""
    try:
        yield
    except (MarkedYAMLError, ReaderError) as exc:
        raise _mark_error(exc, path, text) from None
    except YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", path=path) from None
    except RecursionError:
        raise InputError("nested too deeply to read", path=path, hint="flatten the file") from None


def load_roundtrip(text: str, path: str | Path) -> Any:
    """Compose text in round-trip mode (keeps positions and comments)."""
    with _yaml_errors(path, text):
        return _rt().load(text)


def positions_only(text: str) -> str:
    """The text for parses that only need structure and positions: tabs become spaces (same
    length), since ruamel's pure-Python scanner refuses tab separators the YAML spec allows."""
    return text.replace("\t", " ")


def load_positions(text: str, path: str | Path) -> Any:
    """The round-trip parse, for structure, positions and comments. ruamel's pure-Python scanner
    refuses tabs as separators where YAML (and the fast loader) allow them, as in
    'title:<TAB>Field Ops': such a text is parsed with each tab seen as a space, which keeps every
    position. Values that matter come from load_fast, which does not alter them."""
    try:
        return load_roundtrip(text, path)
    except InputError as exc:
        if "\t" not in text or "'\\t'" not in exc.message:
            raise
        return load_roundtrip(positions_only(text), path)


def load_screened(text: str, path: str | Path, *, max_depth: int = MAX_DEPTH, allow_anchors: bool = False) -> Any:
    """screen_events then load_fast. The event scan is skipped when the text cannot fail it: no
    '&', '*', '!', no document marker lines, and too few characters that open a collection for
    the C composer (which recurses without a limit) to be in danger; the nesting limit is then
    checked on the result. Any problem is reported by the full scan, which names the line."""
    def scan() -> None:
        screen_events(text, path, max_depth=max_depth, allow_anchors=allow_anchors)

    if _NEEDS_SCREENING.search(text) or _opening_characters(text) > _SAFE_TO_COMPOSE:
        scan()
        return load_fast(text, path)
    try:
        doc = load_fast(text, path)
    except InputError:
        scan()  # the better message, if the scan finds one
        raise
    if _deeper_than(doc, max_depth):
        scan()
    return doc


def _opening_characters(text: str) -> int:
    """An upper bound on how deep text can nest: every collection starts at a '[', '{', '-', ':'
    or '?'."""
    return sum(text.count(c) for c in "[{-:?")


def _deeper_than(value: Any, limit: int) -> bool:
    if isinstance(value, (dict, list)):
        if limit == 0:
            return True
        items = value.values() if isinstance(value, dict) else value
        return any(_deeper_than(v, limit - 1) for v in items)
    return False


def load_fast(text: str, path: str | Path) -> Any:
    """Plain dict/list/scalars, no positions: for reading, and for checks that usually pass."""
    with _yaml_errors(path, text):
        return _fast().load(text)


def key_position(node: Any, key: Any) -> tuple[int | None, int | None]:
    """1-based (line, column) of a mapping key, or the item of a sequence."""
    try:
        if isinstance(node, CommentedMap):
            line, col = node.lc.key(key)
        elif isinstance(node, CommentedSeq):
            line, col = node.lc.item(key)
        else:
            return None, None
        return line + 1, col + 1
    except (KeyError, IndexError, TypeError, AttributeError):
        return node_position(node)


def value_position(node: Any, key: Any) -> tuple[int | None, int | None]:
    try:
        if isinstance(node, CommentedMap):
            line, col = node.lc.value(key)
            return line + 1, col + 1
    except (KeyError, TypeError, AttributeError):
        pass
    return key_position(node, key)


def node_position(node: Any) -> tuple[int | None, int | None]:
    lc = getattr(node, "lc", None)
    if lc is None or lc.line is None:
        return None, None
    return lc.line + 1, lc.col + 1


def plain(value: Any) -> Any:
    """ruamel's node types turned into plain dict/list/str/... for comparisons."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, (int, float)):
        return value if not isinstance(value, float) else float(value)
    return str(value) if isinstance(value, str) else value


def emitter(mapping: int = 2, sequence: int = 4, offset: int = 2) -> YAML:
    y = YAML(typ="rt")
    y.width = 4096
    y.indent(mapping=mapping, sequence=sequence, offset=offset)
    return y


def dump(data: Any, *, mapping: int = 2, sequence: int = 4, offset: int = 2) -> str:
    buf = io.StringIO()
    emitter(mapping, sequence, offset).dump(data, buf)
    return buf.getvalue()


# YAML 1.1 readers take these as booleans; which YAML version Jigx reads is unknown, so quote them.
_AMBIGUOUS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", ""}


def yaml_node(value: Any) -> Any:
    """A deep copy ready to emit: ambiguous strings double-quoted, containers in block style."""
    if isinstance(value, dict):
        out = CommentedMap()
        for k, v in value.items():
            out[k] = yaml_node(v)
        return out
    if isinstance(value, list):
        return CommentedSeq(yaml_node(v) for v in value)
    if isinstance(value, str) and value.lower() in _AMBIGUOUS:
        return DoubleQuotedScalarString(value)
    return copy.deepcopy(value)
