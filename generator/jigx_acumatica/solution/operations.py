"""Whole operations on a solution folder: what the CLI calls, and what a script can import.

Each one loads and checks every definition first, then plans under the solution's lock (so a
concurrent run plans on this one's result) and, unless asked not to, applies the plan."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from .. import naming
from ..artifacts.package import PushCodes
from ..config import CONFIG_FILE, CONFIG_NAMES, Target, config_text, config_with, load_config, load_settings
from ..definition import load_definitions
from ..definition.load import Progress
from ..errors import InputError
from ..fsutil import locked, os_error, read_if_exists, write_all
from ..layout import INDEX
from .apply import apply
from .plan import Plan, plan_file
from .plan_generate import Skeleton, plan_generate
from .plan_remove import plan_remove
from .queries import definitions_for, require_solution, solution_definitions, target_for

PathLike = str | Path


def _planned(root: Path, make_plan: Callable[[], Plan], write: bool, lock_timeout: float) -> Plan:
    """Plan under the solution's lock; when writing and nothing conflicts, apply it before
    letting go. A plan with conflicts comes back unapplied: check plan.conflicts."""
    if not write:
        return make_plan()
    with locked(root, lock_timeout):
        plan = make_plan()
        if not plan.conflicts:
            apply(plan)
    return plan


def generate(root: Path, definitions: Sequence[PathLike] = (), target: Target | None = None, *,
             force: bool = False, write: bool = True, progress: Progress = None, lock_timeout: float = 10.0,
             record: Mapping[str, str] | None = None, force_files: Sequence[str] = ()) -> Plan:
    """Generate the given tables into the solution (every stored one when none are given).

    record: options given for this run (Target field -> value) that shape the output; they are
    saved in the project config, so the next bare run reproduces the same files. Definitions
    given are copied into the solution (acumatica/<table>/table.yaml), as add copies them, so
    the solution stays whole when it is moved or cloned. A folder that is neither a solution
    nor empty is refused (start one with init, or name a new folder). force_files: paths in the
    solution to overwrite though edited by hand, every other hand edit kept."""
    if definitions and not (root / INDEX).exists() and root.is_dir() and any(root.iterdir()):
        raise InputError("is not a Jigx solution (no index.jigx) and not empty: generate starts a solution only in an "
                         "empty or new folder", path=root,
                         hint="pass --out NEW-FOLDER, run 'jigx-acumatica init' there first, or point --solution at "
                              "the solution")
    target = target or target_for(root)
    defs = definitions_for(root, definitions, target, progress)

    def plan(forced: bool) -> Plan:
        # forcing named tables forces only what is theirs: the package and the home stay as edited
        return plan_generate(root, defs, target, force=forced, copy_definitions="mirror" if definitions else None,
                             force_shared=forced and not definitions)

    def make_plan() -> Plan:
        planned = plan(force)
        if force_files and not force:
            planned = _with_forced_files(planned, plan(True), force_files)
        return _recording(planned, target, record)

    return _planned(root, make_plan, write, lock_timeout)


def _with_forced_files(kept: Plan, forced: Plan, files: Sequence[str]) -> Plan:
    """The plan that keeps every hand edit, with the named files taken from the plan that forces
    them all (each file's content is decided alone, and the state is the same in both)."""
    wanted = {Path(f).as_posix().removeprefix("./") for f in files}
    unknown = sorted(wanted - {c.path for c in forced.changes})
    if unknown:
        raise InputError(f"--force-file {', '.join(unknown)}: not a file this run writes", path=kept.root,
                         hint="name a generated file or a managed file of the solution, as its path in the solution "
                              "(e.g. acumatica/customers/generic-inquiry.md)")
    kept.changes = [c for c in kept.changes if c.path not in wanted] + [c for c in forced.changes if c.path in wanted]
    for rel in wanted:
        kept.writes.pop(rel, None)
        kept.deletes.pop(rel, None)
        if rel in forced.writes:
            kept.writes[rel] = forced.writes[rel]
        if rel in forced.deletes:
            kept.deletes[rel] = forced.deletes[rel]
    return kept


def add(root: Path, definitions: Sequence[PathLike], target: Target | None = None, *, force: bool = False,
        write: bool = True, progress: Progress = None, lock_timeout: float = 10.0,
        record: Mapping[str, str] | None = None) -> Plan:
    """Onboard tables into an existing solution: each definition is copied to
    acumatica/<table>/table.yaml and generated."""
    require_solution(root)
    target = target or target_for(root)
    defs = definitions_for(root, definitions, target, progress)

    def make_plan() -> Plan:
        return _recording(plan_generate(root, defs, target, force=force, copy_definitions="own"), target,
                          record)

    return _planned(root, make_plan, write, lock_timeout)


def _recording(plan: Plan, target: Target, record: Mapping[str, str] | None) -> Plan:
    """The config write that records the run's options, added to its plan (atomic with it)."""
    current = read_if_exists(plan.root / CONFIG_FILE)
    if current is not None and not record:
        return plan
    new = config_with(current, target, dict(record or {}))
    if new != current:
        plan_file(plan, CONFIG_FILE, current, new)
        shown = ", ".join(f"{CONFIG_NAMES[k]}={v}" for k, v in sorted((record or {}).items()))
        plan.notes.append(f"recorded {shown or 'the project settings'} in {CONFIG_FILE}, so a bare "
                          "'jigx-acumatica generate' reproduces these files")
    return plan


def remove(root: Path, table: str, *, force: bool = False, write: bool = True, lock_timeout: float = 10.0) -> Plan:
    """Stop managing a table: its entry, datasource, definition and artifacts go (what was edited
    by hand only with force)."""
    problem = naming.table_name_problem(table)
    if problem:
        raise InputError(f"'{table}' is not a table name: it {problem}")
    return _planned(root, lambda: plan_remove(root, table, force=force), write, lock_timeout)


def init(root: Path, *, name: str, title: str | None = None, category: str = "business", target: Target | None = None,
         definitions: Sequence[PathLike] = (), allow_non_empty: bool = False, lock_timeout: float = 10.0) -> Plan:
    """A new solution: index.jigx, jigs/home.jigx, databases/default.jigx, config, and any tables."""
    from .queries import default_title

    target = (target or Target()).validate()
    if root.exists() and not root.is_dir():
        raise InputError("exists and is not a folder", path=root, hint="pick a new folder name")
    if root.exists() and any(root.iterdir()) and not allow_non_empty:
        raise InputError("folder is not empty", path=root, hint="pick an empty folder, or pass --force to init into it")
    defs = load_definitions(definitions) if definitions else []
    title = title or default_title(root, [d.table for d in defs])
    _check_solution_meta(name, title, category)
    skeleton = Skeleton(name=name, title=title, category=category)
    for d in defs:
        target.check_address(d.table)

    def make_plan() -> Plan:
        plan = plan_generate(root, defs, target, skeleton=skeleton, copy_definitions="own")
        plan.create_if_missing(CONFIG_FILE, config_text(target))
        return plan

    return _planned(root, make_plan, True, lock_timeout)


def _check_solution_meta(name: str, title: str, category: str) -> None:
    if not naming.SOLUTION_NAME_RE.match(name or ""):
        proposal = naming.kebab(name or "my-solution")[:50] or "my-solution"
        raise InputError(f"solution name '{name}' must be lowercase letters, digits and '-', start with a letter, "
                         "at most 50 characters", hint=f"e.g. --name {proposal}")
    if not title or len(title) > 50:
        raise InputError("solution title must be 1 to 50 characters", hint="e.g. --title 'Field Service'")
    if not category or len(category) > 20:
        raise InputError("solution category must be 1 to 20 characters", hint="e.g. --category business")
    for label, value in (("title", title), ("category", category)):
        if any(ch in value for ch in "\n\r\t"):
            raise InputError(f"solution {label} must be one line")


def package(root: Path, *, force: bool = False, write: bool = True, lock_timeout: float = 10.0) -> Plan:
    """Bring the managed customization package up to date from the solution's inquiry files;
    nothing else is planned or written (generate regenerates the inquiries themselves)."""
    from .package_plan import plan_package_only

    require_solution(root)
    settings = load_settings(root)
    return _planned(root, lambda: plan_package_only(root, settings, force=force), write, lock_timeout)


def package_bytes(root: Path, *, push: PushCodes | None = None, tenant: str | None = None) -> bytes:
    """The package the managed ZIP holds once up to date (built by the same function from the
    same inquiry files), with experimental push definitions when push codes are given. With
    several tenants, the package of the tenant named (its inquiries, its tables' addresses)."""
    from ..artifacts.package import push_items
    from ..tenancy import tenancy_of
    from .package_plan import build_package, inquiry_texts, packaged_tables, tenant_tables, with_monitor
    from .state import load_state

    require_solution(root)
    settings = load_settings(root)
    target = load_config(root)
    tenancy = tenancy_of(settings, target)
    state, _ = load_state(root)
    chosen = None
    if tenancy.several:
        if tenant is None:
            raise InputError("this solution has several tenants, each with its own package",
                             hint="name one: --tenant " + " | --tenant ".join(t.shown for t in tenancy.tenants))
        chosen = tenancy.select(tenant)[0]
    texts = inquiry_texts(root, tenant_tables(state.tables, chosen) if chosen else packaged_tables(state.tables))
    if not texts:
        raise InputError("no table with a Generic Inquiry to package", path=root,
                         hint="onboard tables with 'jigx-acumatica add DEF...' (or run generate) first")
    extra = None
    if push is not None:
        defs = [d for d in load_definitions(solution_definitions(root)) if d.table in texts]
        extra = push_items(defs, target, push, {d.table: chosen.table(d.table) for d in defs} if chosen else None)
    return build_package(with_monitor(texts, settings), settings, extra)


def write_package(out: Path, data: bytes) -> None:
    """Write a package outside the managed files, atomically."""
    if out.suffix != ".zip":
        raise InputError("the package file must end in .zip", path=out, hint="e.g. --out jigx-cdc.zip")
    try:
        write_all([(out, data)])
    except OSError as exc:
        raise os_error(exc, out, "write the package") from None
