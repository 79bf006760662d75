"""Read-only questions about a solution folder: is it one, which tables it manages, which it
declares, which definitions a command means, and where its pushes go. Nothing here writes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..config import Target, load_config
from ..definition import TableDef, load_definitions
from ..definition.load import Progress
from ..errors import InputError
from ..fsutil import read_if_exists
from ..layout import ARTIFACTS, DATABASE, DEFINITION_NAME, INDEX
from ..naming import SOLUTION_NAME_RE, kebab
from ..tenancy import Feed
from .state import load_state

PathLike = str | Path


def require_solution(root: Path) -> None:
    """Refuse a folder that is not a Jigx solution."""
    if not (root / INDEX).exists():
        raise InputError("not a Jigx solution (no index.jigx)", path=root,
                         hint="create one with 'jigx-acumatica init', or point --solution at the solution folder")


def solution_definitions(root: Path) -> list[Path]:
    """The definitions of a solution's tables: those stored in it (acumatica/<table>/table.yaml),
    then those the state file records elsewhere (generate DEF... --out DIR), when they exist."""
    stored = sorted((root / ARTIFACTS).glob(f"*/{DEFINITION_NAME}"))
    tables = {p.parent.name for p in stored}
    state, _ = load_state(root)
    recorded = [root / rec.definition for table, rec in sorted(state.tables.items())
                if table not in tables and rec.definition and (root / rec.definition).is_file()]
    return stored + recorded


def managed_tables(root: Path) -> set[str]:
    """The tables the state file records as generated."""
    return set(load_state(root)[0].tables)


def declared_tables_in(root: Path) -> set[str]:
    """Tables declared in the solution's databases/default.jigx (none when it is missing)."""
    from .jigx_files import read_declared

    raw = read_if_exists(root / DATABASE)
    return set() if raw is None else set(read_declared(raw, str(root / DATABASE)) or [])


# Folder names that say nothing about the solution: its title then comes from its tables.
GENERIC_FOLDERS = frozenset({"app", "apps", "demo", "test", "tests", "tmp", "temp", "build", "out", "output",
                             "solution", "new", "src", "jigx", "my-app", "sample", "example"})


def default_title(root: Path, tables: Sequence[str] = ()) -> str:
    """A readable solution title: the folder's name in words, unless it is a generic one (app,
    demo, test, ...), then 'Acumatica' and the first table's name in words."""
    folder = root.resolve().name
    if folder and folder.lower() not in GENERIC_FOLDERS:
        words = " ".join(w.capitalize() for w in kebab(folder).split("-") if w)
        return (words or folder)[:50]
    first = " ".join(w.capitalize() for w in tables[0].replace("_", "-").split("-") if w) if tables else ""
    return f"Acumatica {first}".strip()[:50] if first else "Acumatica Data"


def default_solution_name(root: Path) -> str:
    name = kebab(root.resolve().name)[:50].strip("-")
    return name if SOLUTION_NAME_RE.match(name) else "acumatica-cdc"


def target_for(root: Path, **overrides: str | None) -> Target:
    """The project config's target with the given options winning."""
    return load_config(root).merged(**overrides).validate()


def definitions_for(root: Path, definitions: Sequence[PathLike], target: Target, progress: Progress = None
                    ) -> list[TableDef]:
    """The tables to generate: the files given, else the solution's own; all checked before any
    file (or lock) is touched."""
    paths: Sequence[PathLike] = definitions
    if not paths:
        paths = solution_definitions(root)
        if not paths:
            raise InputError("no table definitions given and none stored in the solution", path=root / ARTIFACTS,
                             hint="pass definition files, or onboard them with 'jigx-acumatica add DEF...'")
    defs = load_definitions(paths, progress)
    for d in defs:
        target.check_address(d.table)
    return defs


def select_tables(root: Path, names: Sequence[str]) -> list[TableDef]:
    """The solution's tables a command names (every one when none are named)."""
    paths = solution_definitions(root)
    if not paths:
        raise InputError("no table definitions in this solution", path=root / ARTIFACTS,
                         hint="onboard tables first: jigx-acumatica add DEF... --solution DIR")
    defs = load_definitions(paths)
    if not names:
        return defs
    by_name = {d.table: d for d in defs}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise InputError(f"unknown table(s): {', '.join(unknown)}", hint=f"tables here: {', '.join(sorted(by_name))}")
    return [by_name[n] for n in names]


def select_feeds(root: Path, defs: Sequence[TableDef], target: Target, tenant: str | None = None) -> list[Feed]:
    """Each tenant's table of these definitions (--tenant T: that tenant's only; all by default),
    in the definitions' order, then the tenants' order."""
    from ..config import load_settings
    from ..tenancy import ALL, tenancy_of

    tenancy = tenancy_of(load_settings(root), target)
    if not tenancy.several and tenant not in (None, ALL):  # one tenant: --tenant is its login name
        from dataclasses import replace

        one = replace(tenancy.tenants[0], name=tenant)
        return [Feed(d, one, d.table) for d in defs]
    chosen = tenancy.select(tenant)
    feeds = [f for d in defs for f in tenancy.feeds(d, only=chosen)]
    if not feeds:
        raise InputError(f"no table here is in tenant {tenant}", hint="name another tenant, or all")
    return feeds


def undeclared(root: Path, defs: Sequence[TableDef]) -> list[str]:
    declared = declared_tables_in(root)
    return [d.table for d in defs if d.table not in declared]
