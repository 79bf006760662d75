"""reconcile: do Acumatica and Jigx hold the same rows? And the repair of what differs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import ExitCode, InputError
from .app import command
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
    from ..config import Target
    from ..reconcile import Jigx, TableReport
    from ..rows import ReadOptions
    from ..transport import Policy


@command
@click.argument("tables", nargs=-1)
@solution_option()
@target_options
@acumatica_reader_options
@pat_file_option
@click.option("--local", is_flag=True, help="Compare with the local endpoint's rows (what backfill --local sent, "
              "kept in .jigx-acumatica/local.sqlite) instead of Jigx.")
@click.option("--from", "from_file", type=click.Path(path_type=Path), default=None,
              help="Read Acumatica's rows from a file saved from the inquiry (as backfill --from) instead of OData.")
@click.option("--repair", is_flag=True, help="Send the missing and stale rows (as this run read them) and the "
              "orphans (in Deleted); a killed repair resumes.")
@click.option("--force", is_flag=True, help="With --repair: delete duplicate rows by rid, keeping the newest of each "
              "key.")
@click.option("--dry-run", is_flag=True, help="With --repair: say what would be sent; send nothing.")
@click.option("--max-deletes", type=click.IntRange(0), default=None,
              help="With --repair: delete up to this many Jigx rows of a table. Without it, a repair that would "
                   "delete more than 10% of a table's Jigx rows, or more than 500, is held back (a partial or "
                   "filtered export is the usual cause).")
@click.option("--batch-size", type=click.IntRange(1, 5000), default=500, show_default=True,
              help="Rows per page read from Acumatica and per repair push.")
@reader_options
@network_options(timeout=30.0)
@lock_option
@json_option
@quiet_option
def reconcile(tables: tuple[str, ...], solution: Path, target: TargetOptions, acumatica_url: str | None,
              tenant: str | None, username: str | None, password_file: Path | None, pat_file: Path | None,
              local: bool, from_file: Path | None, repair: bool, force: bool, dry_run: bool, max_deletes: int | None,
              batch_size: int, read_options: ReadOptions, policy: Policy, lock_timeout: float, as_json: bool,
              quiet: bool) -> ExitCode:
    """Compare each table's rows in Acumatica with those in Jigx, and repair what differs.

    Reads every row's key and _mod from Acumatica (the inquiry over OData, as backfill reads it,
    or --from FILE) and from Jigx (its Data API), and prints per table the rows in each, missing
    in Jigx, stale (an older _mod in Jigx), orphaned (in Jigx only) and duplicated (several Jigx
    rows for one key). Both sides go to an index on disk, so memory stays flat. Exit 0 when
    every table agrees, 1 on drift (also when --repair sent the fix: run it again to confirm).

    \b
    Example:
      ACUMATICA_USERNAME=reader JIGX_PAT=... jigx-acumatica reconcile --solution field-app
      jigx-acumatica reconcile customers --solution field-app --repair --dry-run
      jigx-acumatica reconcile customers --solution field-app --local --from customers.csv --repair
    """
    from ..reconcile import Options, Run
    from ..reconcile import reconcile as run_reconcile
    from ..solution import queries
    from .backfill_commands import acumatica_runs

    if (force or dry_run or max_deletes is not None) and not repair:
        raise InputError("--force, --dry-run and --max-deletes go with --repair",
                         hint="add --repair, or leave them out")
    resolved = target.for_solution(solution)
    defs = queries.select_tables(solution, list(tables))
    runs = [Run(who, feeds, source) for who, feeds, source in acumatica_runs(
        solution, defs, resolved, tenant=tenant, from_file=from_file, acumatica_url=acumatica_url,
        username=username, password_file=password_file, policy=policy, read_options=read_options)]

    def report(r: TableReport) -> None:
        if not as_json and (not quiet or not r.counts.agree):
            click.echo(_line(r, dry_run))

    options = Options(repair=repair, force=force, dry_run=dry_run, batch_size=batch_size, max_deletes=max_deletes)
    with _jigx(solution, resolved, local=local, pat_file=pat_file, policy=policy) as jigx:
        results = run_reconcile(solution, runs, jigx, options, lock_timeout=lock_timeout, report=report)
    agree = all(r.counts.agree for r in results)
    held = any(r.held_back for r in results)
    if as_json:
        click.echo(json.dumps({"ok": agree and not held, "local": local, "tables": [r.as_dict() for r in results]},
                              indent=2, default=str))
    if held:
        return ExitCode.REPAIR_HELD
    return ExitCode.OK if agree else ExitCode.CHANGES


def _line(r: TableReport, dry_run: bool) -> str:
    c = r.counts
    who = f"{r.tenant}: " if r.tenant else ""
    head = f"{who}{r.table}: {plural(c.acumatica, 'row')} in Acumatica, {c.jigx} in Jigx"
    if c.agree:
        return head + ": they agree" + (f" ({c.deleted_in_jigx} deleted rows in Jigx left out)"
                                        if c.deleted_in_jigx else "")
    parts = [f"{c.missing} missing", f"{c.stale} stale", f"{c.orphaned} orphaned", f"{c.duplicated} duplicated"]
    lines = [head + ": " + ", ".join(parts) + (f", {c.unkeyed} without a key" if c.unkeyed else "")]
    for kind, keys in r.sample.items():
        if keys:
            lines.append(f"  {kind}: " + ", ".join(json.dumps(k[0] if len(k) == 1 else k, ensure_ascii=False)
                                                    for k in keys) + (" ..." if len(keys) == 10 else ""))
    if r.resumed:
        lines.append("  an interrupted repair was finished first")
    if r.held_back:
        lines.append(f"  repair held back, nothing sent: {r.held_back}")
        lines.append(f"  fix: check that the source holds the whole table; if these deletes are meant, run again with "
                     f"--max-deletes {r.would_delete}")
    if r.unreadable:
        lines.append(f"  {plural(r.unreadable, 'row')} of the file refused (--skip-bad-rows): their keys are neither "
                     "repaired nor deleted")
    if r.repair:
        verb = "would send" if dry_run else "sent"
        lines.append(f"  repair {verb}: " + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in r.repair.items()))
    lines += [f"  note: {n}" for n in r.notes]
    if not r.repair and not c.agree and not r.held_back:
        lines.append(f"  fix: run reconcile {r.table} again with --repair (with --dry-run first to see what it "
                     "would send)")
    return "\n".join(lines)


@contextmanager
def _jigx(root: Path, target: Target, *, local: bool, pat_file: Path | None, policy: Policy) -> Iterator[Jigx]:
    """Jigx's side: the Data API and the CDC endpoint, real or local (started for the run)."""
    import requests

    from ..backfill import sender_to
    from ..config import load_settings
    from ..jigx.data_api import DataApi
    from ..jigx.verify import check_target
    from ..reconcile import Jigx
    from .credentials import data_token, read_pat

    with ExitStack() as stack:
        session = stack.enter_context(requests.Session())
        if local:
            from ..local.serve import local_endpoint

            where, token = local_endpoint(root, stack, target)
            api = DataApi.for_target(where, token, policy=policy, session=session)
            yield Jigx(api, sender_to(where.url, token, policy=policy, session=session), where.base())
            return
        check_target(target)
        pat = read_pat(pat_file)
        api = DataApi.for_target(target, data_token(pat), policy=policy, session=session,
                                 configured=load_settings(root).data_api_url)
        yield Jigx(api, sender_to(target.url, pat, policy=policy, session=session), target.base())
