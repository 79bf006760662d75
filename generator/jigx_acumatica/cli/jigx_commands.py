"""verify: prove Jigx's CDC endpoint with test pushes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import ExitCode, InputError
from .app import command, echo_err
from .options import (
    TargetOptions,
    json_option,
    network_options,
    pat_file_option,
    quiet_option,
    solution_option,
    target_options,
    tenant_option,
)

if TYPE_CHECKING:
    from ..config import Target
    from ..jigx.sender import Outcome
    from ..jigx.verify import ReadBack, Shape
    from ..local.serve import LocalCheck
    from ..tenancy import Feed
    from ..transport import Policy


@command
@click.argument("tables", nargs=-1)
@solution_option()
@target_options
@pat_file_option
@click.option("--shape", type=click.Choice(["insert", "update"]), default="insert", show_default=True,
              help="insert: one new row; update: an old/new pair like an Acumatica update.")
@click.option("--cleanup/--no-cleanup", default=True, show_default=True,
              help="Remove the test row afterwards with a delete push.")
@tenant_option(multiple=False)
@network_options(timeout=15.0, max_timeout=300.0)
@click.option("--dry-run", is_flag=True, help="Print the exact requests (PAT masked); send nothing.")
@click.option("--local", is_flag=True,
              help="Push to a local endpoint started on a free loopback port and check the rows land (no PAT).")
@click.option("--read-back/--no-read-back", default=True, show_default=True,
              help="After each push, read the table through Jigx's Data API: the test row must be there, and gone "
                   "after the cleanup (deleted by rid if the endpoint kept it).")
@click.option("--probe", "probe_table", default=None, metavar="TABLE",
              help="Learn how the endpoint stores rows, on TABLE (it writes there: use a throwaway declared table); "
                   "records it in .jigx-acumatica/endpoint.json.")
@json_option
@quiet_option
def verify(tables: tuple[str, ...], solution: Path, target: TargetOptions, pat_file: Path | None, shape: str,
           cleanup: bool, tenant: str | None, policy: Policy, dry_run: bool, local: bool, read_back: bool,
           probe_table: str | None, as_json: bool, quiet: bool) -> ExitCode:
    """Prove the Jigx endpoint works: send test pushes shaped exactly like Acumatica's.

    Sends, per table, one clearly marked test row (key JIGX-VERIFY-TEST or a negative number)
    and, unless --no-cleanup, a delete push for it, then explains the answer: token expired,
    wrong region or ids, table rejected, endpoint down. The PAT comes from JIGX_PAT, --pat-file
    or a hidden prompt and is never printed. Each table is then read back through Jigx's Data API
    (JIGX_DATA_TOKEN, else the PAT): a row accepted but not stored exits 19. With several tenants,
    each tenant's table is pushed with that tenant's CompanyId (--tenant T for one), and the
    report names the tenant.

    \b
    Example:
      JIGX_PAT=$(cat ~/.jigx-pat) jigx-acumatica verify customers --solution field-app
      jigx-acumatica verify --solution field-app --dry-run
      jigx-acumatica verify --local --solution field-app    # the whole chain on this machine
    """
    from ..config import load_settings
    from ..jigx import verify as verifying
    from ..jigx.data_api import data_base
    from ..solution import queries
    from .credentials import data_token, pat_in_environment, read_pat

    resolved = target.for_solution(solution)
    defs = queries.select_tables(solution, list(tables))
    feeds = queries.select_feeds(solution, defs, resolved, tenant)
    shape_: Shape = "update" if shape == "update" else "insert"
    if local:
        if "base_url" in target.given():
            raise InputError("--local pushes to an endpoint it starts on this machine; --base-url would be ignored",
                             hint="drop --base-url to verify locally, or drop --local to verify the endpoint at "
                                  "--base-url")
        return _verify_local(solution, feeds, resolved, shape_, cleanup, as_json, quiet)
    verifying.check_target(resolved)
    for table in queries.undeclared(solution, [f.defn for f in feeds]):
        echo_err(f"warning: table '{table}' is not declared in databases/default.jigx; Jigx may reject its pushes")
    if dry_run:
        requests_out = verifying.dry_run(feeds, resolved, shape=shape_, cleanup=cleanup, pat_known=pat_in_environment())
        if as_json:
            _echo_json({"ok": True, "dry_run": True, "requests": [r.as_dict() for r in requests_out]})
        else:
            for r in requests_out:
                click.echo(f"# {r.table}: {r.push}\n{r.text}")
        return ExitCode.OK
    pat = read_pat(pat_file)
    reader = verifying.ReadBack(data_base(resolved.base() or "", load_settings(solution).data_api_url),
                                data_token(pat), policy) if read_back or probe_table else None
    if probe_table:
        assert reader is not None
        return _probe(solution, probe_table, feeds, resolved, pat, reader, as_json)

    def report(o: Outcome) -> None:
        if as_json or quiet and o.ok:
            return
        who = f"{o.tenant}: " if o.tenant else ""
        click.echo(f"{who}{o.table:<24} {o.push:<8} {'ok' if o.ok else 'FAILED':<6} {o.summary}",
                   err=not o.ok and quiet)
        if o.server_message and not o.ok:
            click.echo(f"  server said: {o.server_message}", err=quiet)
        if o.fix and not o.ok:
            click.echo(f"  fix: {o.fix}", err=quiet)
        if o.read_back and (not quiet or not o.ok):
            click.echo(f"  read back: {o.read_back}", err=quiet)

    results = verifying.run(feeds, resolved, pat, shape=shape_, cleanup=cleanup, report=report,
                            policy=policy, read_back=reader)
    code = verifying.exit_code(results)
    if as_json:
        _echo_json({"ok": code == 0, "exit_code": int(code), "results": [r.as_dict() for r in results]})
    elif not quiet:
        click.echo("endpoint verified" if code == 0 else f"verification failed (exit {int(code)})")
    return code


def _verify_local(solution: Path, feeds: list[Feed], target: Target, shape: Shape, cleanup: bool, as_json: bool,
                  quiet: bool) -> ExitCode:
    from ..local.serve import verify_local

    def report(check: LocalCheck) -> None:
        if not as_json and not quiet:
            click.echo(f"{check.table:<24} {check.step:<8} {'ok' if check.ok else 'FAILED':<6} {check.detail}")

    code, checks = verify_local(solution, feeds, target, shape=shape, cleanup=cleanup, report=report)
    if as_json:
        _echo_json({"ok": code == 0, "exit_code": int(code), "local": True, "checks": [c.as_dict() for c in checks]})
    elif not quiet:
        click.echo("local endpoint verified: every table's rows landed and were cleaned up" if code == 0
                   else f"local verification failed (exit {int(code)})")
    return code


def _probe(solution: Path, table: str, feeds: list[Feed], target: Target, pat: str, reader: ReadBack,
           as_json: bool) -> ExitCode:
    """verify --probe TABLE: one push of each case, each read back; what the endpoint did, recorded."""
    import requests

    from ..jigx.data_api import DataApi
    from ..jigx.probe import ProbeFailed, Prober, probe_definition, record
    from ..solution import queries

    managed = next((f for f in feeds if f.table == table), None)
    if table not in queries.declared_tables_in(solution):
        raise InputError(f"table '{table}' is not declared in databases/default.jigx",
                         hint="declare a throwaway table there (e.g. probe_rows: null), publish the solution, "
                              "then probe it")
    defn = managed.defn if managed else probe_definition(table)
    company = managed.tenant.company_id if managed else (feeds[0].tenant.company_id if feeds else "")
    echo_err(f"probing '{table}': this writes test rows there (keys starting JIGX-PROBE-) and deletes them after")
    with requests.Session() as session, DataApi(reader.base, target.organization_id or "", target.solution_id or "",
                                                reader.token, policy=reader.policy, session=session) as api:
        prober = Prober(defn, target, pat, api, company, session, echo_err)
        try:
            result = prober.run()
        except ProbeFailed as exc:
            raise InputError(exc.message, hint=exc.fix) from None
    path = record(solution, result, target.base() or "")
    if as_json:
        _echo_json({"ok": True, **result.as_dict(), "recorded": str(path)})
        return ExitCode.OK
    width = max(len(f.question) for f in result.findings)
    for f in result.findings:
        click.echo(f"{f.question:<{width}}  {f.answer}" + (f"  ({f.detail})" if f.detail else ""))
    click.echo(f"recorded in {path}")
    return ExitCode.OK


def _echo_json(data: object) -> None:
    import json

    click.echo(json.dumps(data, indent=2))
