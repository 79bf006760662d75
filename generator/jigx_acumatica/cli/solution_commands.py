"""Commands that write or check a solution: init, add, generate, remove, doctor."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import ExitCode
from .app import command
from .options import (
    TargetOptions,
    acumatica_reader_options,
    json_option,
    lock_option,
    network_options,
    quiet_option,
    solution_option,
    target_options,
    verbose_option,
    write_options,
)
from .output import finish, plural, print_plan, progress_bar, run_mode
from .schema_commands import metadata_options

if TYPE_CHECKING:
    from ..transport import Policy


@command
@click.argument("definitions", nargs=-1, type=click.Path(path_type=Path))
@solution_option(creates=True)
@target_options
@write_options
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when any file is out of date (for CI).")
@click.option("--diff", is_flag=True, help="Print unified diffs of what would change; write nothing.")
@click.option("--force-file", "force_files", multiple=True, metavar="PATH",
              help="Overwrite this one file though edited by hand (its path in the solution); other edits are kept.")
@lock_option
@json_option
@quiet_option
@verbose_option
def generate(definitions: tuple[Path, ...], solution: Path, target: TargetOptions, dry_run: bool, force: bool,
             check: bool, diff: bool, force_files: tuple[str, ...], lock_timeout: float, as_json: bool, quiet: bool,
             verbose: bool) -> ExitCode:
    """Generate the CDC artifacts for table definitions into a Jigx solution folder.

    With DEFINITIONS, generates those tables; with none, regenerates every definition stored in
    the solution (acumatica/<table>/table.yaml). Writes, per table: the Generic Inquiry
    (acumatica/<table>/generic-inquiry.xml and .md), the push notification checklist, a sample
    push, datasources/<table>.jigx, the onTableChanged entry in index.jigx and the declaration in
    databases/default.jigx. One bad definition stops the run before anything is written.

    \b
    Example:
      jigx-acumatica generate samples/*.yaml --out build/demo --region us
      jigx-acumatica generate --solution build/demo --check
    """
    from ..solution import operations
    from ..solution.queries import solution_definitions

    resolved = target.for_solution(solution)
    count = len(definitions) or len(solution_definitions(solution))
    mode = run_mode(dry_run, check, diff)
    with progress_bar(count, quiet or as_json, "reading definitions") as bar:
        plan = operations.generate(solution, list(definitions), resolved, force=force, write=mode == "write",
                                   progress=bar, lock_timeout=lock_timeout, record=target.given(),
                                   force_files=list(force_files))
    return finish(plan, mode=mode, quiet=quiet, as_json=as_json, verbose=verbose)


@command
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--name", default=None, help="Solution name (lowercase, digits, '-'; default: from FOLDER).")
@click.option("--title", default=None, help="Solution title shown in the app, unique in your Jigx organisation "
              "(default: FOLDER in words; for a generic folder such as app or demo, from the first table).")
@click.option("--category", default="business", show_default=True, help="Solution category.")
@click.option("--table", "tables", multiple=True, type=click.Path(path_type=Path),
              help="A table definition to onboard at once (repeatable).")
@target_options
@click.option("--force", is_flag=True, help="Initialise even when FOLDER is not empty.")
@lock_option
@json_option
@quiet_option
def init(folder: Path, name: str | None, title: str | None, category: str, tables: tuple[Path, ...],
         target: TargetOptions, force: bool, lock_timeout: float, as_json: bool, quiet: bool) -> ExitCode:
    """Create a new Jigx solution ready for Acumatica change data capture.

    Writes index.jigx, jigs/home.jigx, databases/default.jigx, the project config
    jigx-acumatica.yaml (region, ids, tenant; never the PAT) and, with --table, onboards tables.

    \b
    Example:
      jigx-acumatica init field-app --title "Field App" --region eu --table samples/customers.yaml
    """
    from ..solution import operations
    from ..solution.queries import default_solution_name

    plan = operations.init(folder, name=name or default_solution_name(folder),
                           title=title, category=category, target=target.alone(),
                           definitions=list(tables), allow_non_empty=force, lock_timeout=lock_timeout)
    print_plan(plan, wrote=True, quiet=quiet, as_json=as_json, mode="write")
    return ExitCode.OK


@command
@click.argument("definitions", nargs=-1, required=True, type=click.Path(path_type=Path))
@solution_option()
@target_options
@write_options
@lock_option
@json_option
@quiet_option
@verbose_option
def add(definitions: tuple[Path, ...], solution: Path, target: TargetOptions, dry_run: bool, force: bool,
        lock_timeout: float, as_json: bool, quiet: bool, verbose: bool) -> ExitCode:
    """Onboard Acumatica tables into an existing solution.

    Copies each definition to acumatica/<table>/table.yaml, generates its artifacts, declares its
    table in databases/default.jigx and adds its onTableChanged entry and datasource.

    \b
    Example:
      jigx-acumatica add samples/vendors.yaml samples/contacts.yaml --solution field-app
    """
    from ..solution import operations
    from ..solution.queries import require_solution

    require_solution(solution)
    mode = run_mode(dry_run)
    with progress_bar(len(definitions), quiet or as_json, "reading definitions") as bar:
        plan = operations.add(solution, list(definitions), target.for_solution(solution), force=force,
                              write=mode == "write", progress=bar, lock_timeout=lock_timeout, record=target.given())
    return finish(plan, mode=mode, quiet=quiet, as_json=as_json, verbose=verbose)


@command
@click.argument("table")
@solution_option()
@click.option("--dry-run", is_flag=True, help="Show what would be removed; change nothing.")
@click.option("--force", is_flag=True, help="Remove entries and files even when they were edited by hand.")
@lock_option
@json_option
@quiet_option
def remove(table: str, solution: Path, dry_run: bool, force: bool, lock_timeout: float, as_json: bool,
           quiet: bool) -> ExitCode:
    """Stop managing a table: the reverse of add.

    Removes its onTableChanged entry, datasource, definition and Acumatica artifacts. What you
    edited by hand (an entry, a generated file, a file of yours in its folder) is a conflict
    unless --force. The table stays declared in databases/default.jigx: Jigx keeps the Dynamic
    Data table and its rows.

    \b
    Example:
      jigx-acumatica remove vendors --solution field-app
    """
    from ..solution import operations

    mode = run_mode(dry_run)
    plan = operations.remove(solution, table, force=force, write=mode == "write", lock_timeout=lock_timeout)
    return finish(plan, mode=mode, quiet=quiet, as_json=as_json)


@command
@solution_option()
@click.option("--acumatica", "against_instance", is_flag=True, help="Also check every definition against the "
              "instance's own schema (DAC-based OData $metadata): fields, types, keys, modified, deleted_flag.")
@metadata_options
@acumatica_reader_options
@network_options(timeout=120.0)
@json_option
@quiet_option
def doctor(solution: Path, against_instance: bool, metadata: Path | None, refresh: bool, acumatica_url: str | None,
           tenant: str | None, username: str | None, password_file: Path | None, policy: Policy, as_json: bool,
           quiet: bool) -> ExitCode:
    """Check an existing solution, hand-made or generated, against the Jigx and Acumatica rules.

    One line per finding with file:line, a severity and the fix: onTableChanged spelled right
    and a list, watched tables declared in databases/default.jigx, valid names, no handler
    writing to the table it watches, tabs pointing at existing jigs, no deprecated keys, and
    every table definition's artifacts up to date. Exit 0 when clean, 4 for warnings only,
    1 for errors. With --acumatica (or --metadata FILE) every definition is also checked
    against the instance's schema: a mistyped field, which Acumatica would drop from every push
    without an error, is an error at its line, with a did-you-mean.

    \b
    Example:
      jigx-acumatica doctor --solution field-app
      jigx-acumatica doctor --solution field-app --acumatica --tenant MyTenant
    """
    from ..solution.doctor import diagnose, exit_code

    findings = diagnose(solution)
    if against_instance or metadata is not None:
        from ..acumatica import schema_check
        from ..definition import load_definitions
        from ..solution.queries import solution_definitions
        from .schema_commands import instance_schema

        with instance_schema(solution, metadata=metadata, refresh=refresh, acumatica_url=acumatica_url,
                             tenant=tenant, username=username, password_file=password_file, policy=policy) as schema:
            defs = load_definitions(solution_definitions(solution))
            findings = schema_check.settled(findings, defs, schema) + schema_check.check(defs, schema)
    code = exit_code(findings)
    if as_json:
        import json

        click.echo(json.dumps({"ok": code == 0, "exit_code": int(code),
                               "findings": [f.as_dict() for f in findings]}, indent=2))
    elif not quiet:
        for f in findings:
            click.echo(f.render())
        counts = {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "info")}
        click.echo(f"{plural(counts['error'], 'error')}, {plural(counts['warning'], 'warning')}, "
                   f"{plural(counts['info'], 'note')}")
    return code


@command
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default=Path("samples"))
@click.option("--force", is_flag=True, help="Overwrite a file there that differs from the sample.")
@quiet_option
def samples(folder: Path, force: bool, quiet: bool) -> ExitCode:
    """Copy the bundled sample table definitions into a folder.

    The samples (customers with their contact, vendors, stock items, sales orders, contacts,
    open invoices, customers-rows.csv for backfill --from, dac-metadata.xml for discover
    --metadata) ship with the tool; this copies
    them to FOLDER (default: ./samples) to start from. A file there that differs is kept unless
    --force.

    \b
    Example:
      jigx-acumatica samples && jigx-acumatica generate samples/*.yaml --out build/demo
    """
    from ..errors import ConflictError
    from ..fsutil import os_error, read_bytes_if_exists, write_all
    from ..templates import samples_dir

    source = samples_dir()
    files = sorted(p for p in source.iterdir() if p.is_file() and p.suffix in (".yaml", ".csv", ".xml"))
    writes = [(folder / p.name, p.read_bytes()) for p in files]
    differ = [str(path) for path, data in writes if (old := read_bytes_if_exists(path)) is not None and old != data]
    if differ and not force:
        verb = "exists and differs" if len(differ) == 1 else "exist and differ"
        raise ConflictError(f"{', '.join(differ)} {verb} from the samples; nothing was copied",
                            hint="name another folder, or pass --force to overwrite")
    try:
        write_all([(path, data) for path, data in writes])
    except OSError as exc:
        raise os_error(exc, folder, "copy the samples") from None
    if not quiet:
        click.echo(f"copied {plural(len(writes), 'sample file')} to {folder}")
    return ExitCode.OK
