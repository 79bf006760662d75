"""Reading table definition files: screened, parsed fast, and checked (slowly only when bad)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from .. import naming
from ..errors import ErrorList, InputError, ToolError
from ..yamlio import load_positions, load_screened, node_position, read_text
from .check import check_definition
from .model import TableDef

Progress = Callable[[int], None] | None
SAMPLE_HINT = "start from a sample: 'jigx-acumatica samples' copies them to ./samples"


def load_definition(path: str | Path, *, warning_lines: bool = True) -> TableDef:
    """Read, screen and check one table definition file. warning_lines: find the line of each
    warning now (a second, slower parse); without it, with_warning_lines does that when needed."""
    spath = str(path)
    text = read_text(path, what="table definition")
    if not text.strip():
        raise InputError("table definition is empty", path=spath, hint=SAMPLE_HINT)
    doc = load_screened(text, spath)
    if doc is None:
        raise InputError("table definition has no content (only comments?)", path=spath,
                         hint=SAMPLE_HINT)
    if not isinstance(doc, dict):
        line, col = node_position(load_positions(text, spath))
        raise InputError(
            f"a table definition must be a mapping, not a {type(doc).__name__}",
            path=spath, line=line or 1, column=col or 1, hint="start the file with 'entity: YourEntity'",
        )
    try:
        defn = check_definition(doc, spath, text)
    except ErrorList as found:
        # Most files are valid: only a bad one pays for the slower parse that knows positions,
        # which finds the same problems (values are the same but for tabs, seen there as spaces).
        check_definition(load_positions(text, spath), spath, text)
        raise found
    return with_warning_lines(defn) if warning_lines else defn


def with_warning_lines(defn: TableDef) -> TableDef:
    """The definition with the line of each warning (the same check over the parse that knows
    positions; the values stay the fast load's). Only a definition with warnings pays for it."""
    if not defn.warnings or all(w.line is not None for w in defn.warnings):
        return defn
    return replace(defn, warnings=check_definition(load_positions(defn.text, defn.path), defn.path,
                                                   defn.text).warnings)


def check_unique(defs: list[TableDef]) -> None:
    """Across one run: tables and inquiry titles must not collide."""
    errors = []
    tables: dict[str, TableDef] = {}
    inquiries: dict[str, TableDef] = {}
    for d in defs:
        if d.table in tables and tables[d.table].path != d.path:
            errors.append(InputError(f"table '{d.table}' is also defined in {tables[d.table].path}", path=d.path,
                                     hint="give one of them another 'table:' name"))
        tables.setdefault(d.table, d)
        if d.inquiry.lower() in inquiries and inquiries[d.inquiry.lower()].path != d.path:
            errors.append(InputError(f"inquiry title '{d.inquiry}' is also used by {inquiries[d.inquiry.lower()].path}",
                                     path=d.path, hint="set a distinct 'inquiry:' title"))
        inquiries.setdefault(d.inquiry.lower(), d)
    ids: dict[str, TableDef] = {}
    for d in defs:
        for jig in naming.generated_ids(d.app_id):
            other = ids.get(jig)
            if other is not None and other.path != d.path:
                errors.append(InputError(f"the jig id '{jig}' of table '{d.table}' is also an id of table "
                                         f"'{other.table}' (jigs/{jig}.jigx)", path=d.path,
                                         hint="give one of them its own ids with app: {id: ...} in its definition"))
            ids.setdefault(jig, d)
    if errors:
        raise ErrorList(errors)


def load_definitions(paths: Iterable[str | Path], progress: Progress = None) -> list[TableDef]:
    """Every definition, or one ErrorList naming every problem in every file. Warnings carry no
    line yet: with_warning_lines adds them where warnings are shown (most runs show none)."""
    defs: list[TableDef] = []
    errors: list[ToolError] = []
    seen: set[Path] = set()
    for p in paths:
        resolved = _identity(Path(p))
        if resolved in seen:
            continue
        seen.add(resolved)
        try:
            defs.append(load_definition(p, warning_lines=False))
        except ToolError as exc:
            errors.extend(exc.problems)
        if progress:
            progress(1)
    if not errors:
        try:
            check_unique(defs)
        except ToolError as exc:
            errors.extend(exc.problems)
    if errors:
        raise ErrorList(errors)
    return defs


def _identity(path: Path) -> Path:
    """The file a path names, to skip duplicates; a path that cannot be resolved (a symlink loop)
    stands for itself, and loading it reports why."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()
