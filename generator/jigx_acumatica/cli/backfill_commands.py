"""backfill: the rows that already exist in Acumatica, loaded into Jigx page by page."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import ExitCode
from .app import command, echo_err
from .options import (
    TargetOptions,
    acumatica_reader_options,
    json_option,
    lock_option,
    network_options,
    pat_file_option,
    quiet_option,
    reader_options,
    solution_option,
    target_options,
)
from .output import plural

if TYPE_CHECKING:
    from ..backfill.run import TableResult
    from ..backfill.sources import FileSource, ODataSource
    from ..config import Target
    from ..definition import TableDef
    from ..rows import ReadOptions, Summary
    from ..tenancy import Feed, Tenant
    from ..transport import Policy


@command
@click.argument("tables", nargs=-1)
@solution_option()
@target_options
@acumatica_reader_options
@pat_file_option
@click.option("--local", is_flag=True, help="Send to a local endpoint started for the run (no Jigx account).")
@click.option("--from", "from_file", type=click.Path(path_type=Path), default=None,
              help="Read the rows from this file instead of OData: a CSV saved from the inquiry's grid, a JSON array "
              "or saved OData answer, or an .xlsx workbook (see the reader options below).")
@click.option("--since", default=None, help="Only rows modified after this (ISO date or time), or 'last': after "
              "the previous backfill of the table (with a day of overlap).")
@click.option("--restart", is_flag=True, help="Start over instead of continuing an interrupted backfill.")
@click.option("--batch-size", type=click.IntRange(1, 10000), default=500, show_default=True, help="Rows per page.")
@click.option("--max-bytes", type=click.IntRange(10_000, 50_000_000), default=1_000_000, show_default=True,
              help="Largest page sent, in bytes.")
@click.option("--dry-run", is_flag=True, help="Read, but send nothing; print what would be sent.")
@reader_options
@network_options(timeout=30.0)
@lock_option
@json_option
@quiet_option
def backfill(tables: tuple[str, ...], solution: Path, target: TargetOptions, acumatica_url: str | None,
             tenant: str | None, username: str | None, password_file: Path | None, pat_file: Path | None, local: bool,
             from_file: Path | None, since: str | None, restart: bool, batch_size: int, max_bytes: int, dry_run: bool,
             read_options: ReadOptions, policy: Policy, lock_timeout: float, as_json: bool, quiet: bool
             ) -> ExitCode:
    """Load the rows that already exist in Acumatica into Jigx, page by page.

    Reads each table's inquiry over OData (it must be exposed: odata: true in the definition)
    in key order, and sends each page to the Jigx CDC endpoint shaped like Acumatica's own
    pushes. A run that stops continues where it left off; --since loads only newer rows.

    \b
    Example:
      ACUMATICA_USERNAME=admin JIGX_PAT=... jigx-acumatica backfill customers --solution field-app
      jigx-acumatica backfill customers --solution field-app --local --from customers.csv
    """
    import json
    from contextlib import ExitStack

    from ..backfill import backfill as run_backfill
    from ..backfill.run import Options, parse_since
    from ..jigx import verify as verifying
    from ..rows.files import count_rows
    from ..solution import queries
    from .credentials import read_pat

    if since and since != "last":
        parse_since(since)  # refused before any password is asked for or anything sent
    resolved = target.for_solution(solution)
    defs = queries.select_tables(solution, list(tables))
    runs = acumatica_runs(solution, defs, resolved, tenant=tenant, from_file=from_file, acumatica_url=acumatica_url,
                          username=username, password_file=password_file, policy=policy, read_options=read_options)
    pat = None
    if not local and not dry_run:
        verifying.check_target(resolved)
        pat = read_pat(pat_file)

    with ExitStack() as stack:
        bar = None
        if from_file is not None and not quiet and not as_json and sys.stderr.isatty():  # a known size: a bar
            bar = stack.enter_context(click.progressbar(length=count_rows(from_file, read_options.sheet),
                                                        label=runs[0][1][0].table, file=sys.stderr))
        done = [0]

        def report(table: str, read: int, sent: int, seconds: float) -> None:
            if bar is not None:
                bar.update(read - done[0])
                done[0] = read
            elif not quiet and not as_json:
                rate = read / seconds if seconds else 0
                echo_err(f"{table}: {plural(read, 'row')} read, {sent} {'would be sent' if dry_run else 'sent'}, "
                         f"{rate:.0f} rows/s, {seconds:.1f} s")

        options = Options(batch_size=batch_size, max_bytes=max_bytes, since=since, restart=restart, dry_run=dry_run)
        results = []
        for who, feeds, source in runs:  # each tenant read from its own OData, sent to its own tables
            results += [(who, r) for r in run_backfill(
                solution, [f.defn for f in feeds], source, resolved, pat=pat, options=options, local=local,
                lock_timeout=lock_timeout, report=report, policy=policy, company=who.company_id)]
    if as_json:
        click.echo(json.dumps({"ok": True, "dry_run": dry_run, "local": local,
                               "tables": [{**r.as_dict(), **({"tenant": w.name} if w.among_several else {})}
                                          for w, r in results],
                               "rows_file": source.summary.as_dict() if from_file is not None else None},
                              indent=2, default=str))
    elif not quiet:
        for who, r in results:
            click.echo(_summary_line(who, r, dry_run))
            if from_file is not None:
                _echo_file_summary(from_file, source.summary)
            elif r.warnings:
                click.echo("\n".join(f"  warning: {w}" for w in r.warnings))
            if dry_run and r.first_row is not None:
                click.echo(f"  first row: {json.dumps(r.first_row, ensure_ascii=False)}")
    return ExitCode.OK


def _summary_line(who: Tenant, r: TableResult, dry_run: bool) -> str:
    """Rows read, refused (by reason) and sent, truthfully: a refused row is read, never sent."""
    verb = "would send" if dry_run else "sent"
    whose = f"{who.name}: " if who.among_several else ""
    refused = sum(r.refused.values())
    return (f"{whose}{r.table}: {plural(r.read, 'row')} read, {verb} {r.sent} in {plural(r.pages, 'page')}"
            + (f", {refused} refused and skipped (" + ", ".join(f"{n} {why}" for why, n in sorted(r.refused.items()))
               + ")" if refused else "")
            + (f", {r.skipped} deleted in Acumatica skipped" if r.skipped else "")
            + (" (continued an interrupted run)" if r.resumed else "")
            + (f", modified since {r.since}" if r.since else ""))


def _echo_file_summary(path: Path, summary: Summary) -> None:
    for warning in summary.warnings:
        click.echo(f"  warning: {warning}")
    if summary.bad:
        click.echo(f"  skipped {plural(len(summary.bad), 'row')} that cannot be sent as they are (--skip-bad-rows):")
        for problem in summary.problems:
            click.echo(f"    {path}: {problem.render()}" + (f" (fix: {problem.fix})" if problem.fix else ""))
        if summary.count > len(summary.problems):
            click.echo(f"    ... and {summary.count - len(summary.problems)} more problem(s)")


def acumatica_runs(solution: Path, defs: list[TableDef], target: Target, *, tenant: str | None,
                   from_file: Path | None, acumatica_url: str | None, username: str | None,
                   password_file: Path | None, policy: Policy, read_options: ReadOptions
                   ) -> list[tuple[Tenant, list[Feed], ODataSource | FileSource]]:
    """Each tenant to read (its own OData, or the file), with its own tables of these
    definitions; the password is asked for once, and only when OData is read."""
    from ..backfill.sources import choose_source, tenant_runs
    from .credentials import acumatica_username, read_acumatica_password

    asked: list[str] = []

    def password() -> str:
        if not asked:
            asked.append(read_acumatica_password(password_file, "the user's Acumatica password"))
        return asked[0]

    user = acumatica_username(username, required=False) if from_file is None else ""
    runs = []
    for who, feeds in tenant_runs(solution, defs, target, tenant, from_file):
        source = choose_source(solution, [f.defn for f in feeds], from_file=from_file,
                               acumatica_url=acumatica_url or who.acumatica_url,
                               tenant=who.name if who.among_several else tenant, username=user, password=password,
                               policy=policy, read_options=read_options)
        runs.append((who, feeds, source))
    return runs
