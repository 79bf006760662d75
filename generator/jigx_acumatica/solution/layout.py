"""Where things live in a Jigx solution folder, and read-only questions about one."""

from __future__ import annotations

from pathlib import Path

INDEX = "index.jigx"
DATABASE = "databases/default.jigx"
HOME_JIG = "jigs/home.jigx"
ARTIFACTS = "acumatica"
DEFINITION_NAME = "table.yaml"
STATE_DIR = ".jigx-acumatica"
STATE_FILE = f"{STATE_DIR}/state.json"
# Written before any file of a run is replaced and removed after the state file: when a run is
# killed half-way, the next one knows which contents that run generated (they are not hand edits).
PENDING_FILE = f"{STATE_DIR}/pending.json"


def artifact_dir(table: str) -> str:
    return f"{ARTIFACTS}/{table}"


def definition_file(table: str) -> str:
    return f"{artifact_dir(table)}/{DEFINITION_NAME}"


def datasource_file(table: str) -> str:
    return f"datasources/{table}.jigx"


def solution_definitions(root: Path) -> list[Path]:
    """The definitions of a solution's tables: those stored in it (acumatica/<table>/table.yaml),
    then those the state file records elsewhere (generate DEF... --out DIR), when they exist."""
    from .state import load_state

    stored = sorted((root / ARTIFACTS).glob(f"*/{DEFINITION_NAME}"))
    tables = {p.parent.name for p in stored}
    recorded = []
    state, _ = load_state(root)
    for table, entry in sorted(state["tables"].items()):
        rel = entry.get("definition") if isinstance(entry, dict) else None
        if table not in tables and isinstance(rel, str) and (root / rel).is_file():
            recorded.append(root / rel)
    return stored + recorded


def declared_tables_in(root: Path) -> set[str]:
    """Tables declared in the solution's databases/default.jigx (none when it is missing)."""
    from ..fsutil import read_if_exists
    from .jigx_files import read_declared

    raw = read_if_exists(root / DATABASE)
    return set() if raw is None else set(read_declared(raw, str(root / DATABASE)) or [])


def default_solution_name(root: Path) -> str:
    from ..naming import SOLUTION_NAME_RE, kebab

    name = kebab(root.resolve().name)[:50].strip("-")
    return name if SOLUTION_NAME_RE.match(name) else "acumatica-cdc"


def require_solution(root: Path) -> None:
    """Refuse a folder that is not a Jigx solution."""
    from ..errors import InputError

    if not (root / INDEX).exists():
        raise InputError("not a Jigx solution (no index.jigx)", path=root,
                         hint="create one with 'jigx-acumatica init', or point --solution at the solution folder")
