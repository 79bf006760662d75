"""High-level operations on a solution folder; what the CLI calls, and what a script can import."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

from . import naming
from .config import CONFIG_FILE, Target, load_config
from .definition import TableDef, check_unique, load_definition
from .errors import ErrorList, InputError, ToolError
from .solution import (ARTIFACTS, DEFINITION_NAME, Plan, Skeleton, apply, load_state, plan_generate, plan_remove,
                       solution_lock)
from .yamlio import dump

Progress = Callable[[int], None] | None


def load_definitions(paths: Iterable[str | Path], progress: Progress = None) -> list[TableDef]:
    """Every definition, or one ErrorList naming every problem in every file."""
    defs: list[TableDef] = []
    errors: list[ToolError] = []
    seen: set[Path] = set()
    for p in paths:
        resolved = Path(p).resolve()
        if resolved in seen:
            continue
        seen.add(resolved)
        try:
            defs.append(load_definition(p))
        except ErrorList as exc:
            errors.extend(exc.errors)
        except ToolError as exc:
            errors.append(exc)
        if progress:
            progress(1)
    if not errors:
        try:
            check_unique(defs)
        except ErrorList as exc:
            errors.extend(exc.errors)
    if errors:
        raise ErrorList(errors)
    return defs


def solution_definitions(root: Path) -> list[Path]:
    """The definitions of a solution's tables: those stored in it (acumatica/<table>/table.yaml),
    then those the state file records elsewhere (generate DEF... --out DIR), when they exist."""
    stored = sorted((root / ARTIFACTS).glob(f"*/{DEFINITION_NAME}"))
    tables = {p.parent.name for p in stored}
    recorded = []
    state, _ = load_state(root)
    for table, entry in sorted(state["tables"].items()):
        rel = entry.get("definition") if isinstance(entry, dict) else None
        if table not in tables and isinstance(rel, str) and (root / rel).is_file():
            recorded.append(root / rel)
    return stored + recorded


def target_for(root: Path, **overrides: str | None) -> Target:
    return load_config(root).merged(**overrides).validate()


def definitions_for(root: Path, definitions: list[str | Path], target: Target, progress: Progress = None
                    ) -> list[TableDef]:
    """The tables to generate: the files given, else the solution's own; all checked before any
    file (or lock) is touched."""
    if not definitions:
        definitions = solution_definitions(root)
        if not definitions:
            raise InputError("no table definitions given and none stored in the solution", path=root / ARTIFACTS,
                             hint="pass definition files, or onboard them with 'jigx-acumatica add DEF...'")
    defs = load_definitions(definitions, progress)
    for d in defs:
        target.check_address(d.table)
    return defs


def generate(root: Path, definitions: list[str | Path], target: Target, *, force: bool = False,
             write: bool = True, copy_definitions: bool = False, skeleton: Skeleton | None = None,
             progress: Progress = None, lock_timeout: float = 10.0) -> Plan:
    """Plan (and unless write is False, apply) the generation of the given tables.

    With no definitions, every definition stored in the solution is regenerated. A plan with
    conflicts is returned unapplied: check plan.conflicts."""
    defs = definitions_for(root, definitions, target, progress)
    return _planned(root, lambda: plan_generate(root, defs, target, force=force, skeleton=skeleton,
                                                copy_definitions=copy_definitions), write, lock_timeout)


def _planned(root: Path, make_plan: Callable[[], Plan], write: bool, lock_timeout: float) -> Plan:
    """Plan under the solution's lock, so a concurrent run plans on this one's result; when
    writing and nothing conflicts, apply it before letting go."""
    with solution_lock(root, lock_timeout, enabled=write):
        plan = make_plan()
        if write and not plan.conflicts:
            apply(plan, lock_held=True)
    return plan


def remove(root: Path, table: str, *, write: bool = True, lock_timeout: float = 10.0) -> Plan:
    """Plan (and unless write is False, apply) the removal of a managed table."""
    problem = naming.table_name_problem(table)
    if problem:
        raise InputError(f"'{table}' is not a table name: it {problem}")
    return _planned(root, lambda: plan_remove(root, table), write, lock_timeout)


def config_text(target: Target) -> str:
    from ruamel.yaml.comments import CommentedMap

    doc = CommentedMap()
    doc["region"] = target.region
    doc["organizationId"] = target.organization_id
    doc["solutionId"] = target.solution_id
    doc["company"] = target.company
    if target.base_url:
        doc["baseUrl"] = target.base_url
    doc.yaml_set_start_comment(
        "jigx-acumatica project settings (commit this file).\n"
        "region: us, eu or au. organizationId and solutionId: UUIDs from Jigx Management.\n"
        "company: the Acumatica tenant name sent as CompanyId.\n"
        "Never put your Personal Access Token here: pass it with JIGX_PAT or --pat-file."
    )
    return dump(doc)


def init(root: Path, *, name: str, title: str, category: str, target: Target, definitions: list[str | Path],
         allow_non_empty: bool = False, lock_timeout: float = 10.0) -> Plan:
    """A new solution: index.jigx, jigs/home.jigx, databases/default.jigx, config, and any tables."""
    _check_solution_meta(name, title, category)
    if root.exists() and not root.is_dir():
        raise InputError("exists and is not a folder", path=root, hint="pick a new folder name")
    if root.exists() and any(root.iterdir()) and not allow_non_empty:
        raise InputError("folder is not empty", path=root, hint="pick an empty folder, or pass --force to init into it")
    skeleton = Skeleton(name=name, title=title, category=category)
    defs = load_definitions(definitions) if definitions else []
    for d in defs:
        target.check_address(d.table)
    with solution_lock(root, lock_timeout):
        plan = plan_generate(root, defs, target, skeleton=skeleton, copy_definitions=True)
        plan.create_if_missing(CONFIG_FILE, config_text(target))
        apply(plan, lock_held=True)
    return plan


def _check_solution_meta(name: str, title: str, category: str) -> None:
    if not naming.SOLUTION_NAME_RE.match(name or ""):
        raise InputError(f"solution name '{name}' must be lowercase letters, digits and '-', start with a letter, "
                         "at most 50 characters", hint=f"e.g. --name {naming.kebab(name or 'my-solution')[:50] or 'my-solution'}")
    if not title or len(title) > 50:
        raise InputError("solution title must be 1 to 50 characters", hint="e.g. --title 'Field Service'")
    if not category or len(category) > 20:
        raise InputError("solution category must be 1 to 20 characters", hint="e.g. --category business")
    for label, value in (("title", title), ("category", category)):
        if any(ch in value for ch in "\n\r\t"):
            raise InputError(f"solution {label} must be one line")
