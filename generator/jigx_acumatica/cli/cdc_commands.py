"""Commands that send, receive or explain pushes: verify, serve, inspect."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import ExitCode, InputError
from .app import command, echo_err
from .options import TargetOptions, json_option, quiet_option, solution_option, target_options

if TYPE_CHECKING:
    from ..cdc.local import LocalCheck
    from ..cdc.sender import Outcome
    from ..cdc.verify import Shape
    from ..config import Target
    from ..definition import TableDef


@command
@click.argument("tables", nargs=-1)
@solution_option()
@target_options
@click.option("--pat-file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="File holding the PAT (used when JIGX_PAT is not set).")
@click.option("--shape", type=click.Choice(["insert", "update"]), default="insert", show_default=True,
              help="insert: one new row; update: an old/new pair like an Acumatica update.")
@click.option("--cleanup/--no-cleanup", default=True, show_default=True,
              help="Remove the test row afterwards with a delete push.")
@click.option("--timeout", type=click.FloatRange(0.1, 300), default=15.0, show_default=True,
              help="Seconds to wait for each answer.")
@click.option("--retries", type=click.IntRange(0, 10), default=4, show_default=True,
              help="Retries for 429 and 5xx answers.")
@click.option("--backoff", type=click.FloatRange(0, 60), default=0.5, hidden=True)
@click.option("--dry-run", is_flag=True, help="Print the exact requests (PAT masked); send nothing.")
@click.option("--local", is_flag=True,
              help="Push to a local endpoint started on a free loopback port and check the rows land (no PAT).")
@json_option
@quiet_option
def verify(tables: tuple[str, ...], solution: Path, target: TargetOptions, pat_file: Path | None, shape: str,
           cleanup: bool, timeout: float, retries: int, backoff: float, dry_run: bool, local: bool, as_json: bool,
           quiet: bool) -> ExitCode:
    """Prove the Jigx endpoint works: send test pushes shaped exactly like Acumatica's.

    Sends, per table, one clearly marked test row (key JIGX-VERIFY-TEST or a negative number)
    and, unless --no-cleanup, a delete push for it, then explains the answer: token expired,
    wrong region or ids, table rejected, endpoint down. The PAT comes from JIGX_PAT, --pat-file
    or a hidden prompt and is never printed.

    \b
    Example:
      JIGX_PAT=$(cat ~/.jigx-pat) jigx-acumatica verify customers --solution field-app
      jigx-acumatica verify --solution field-app --dry-run
      jigx-acumatica verify --local --solution field-app    # the whole chain on this machine
    """
    from ..cdc import verify as verifying
    from .credentials import read_pat

    resolved = target.for_solution(solution)
    defs = verifying.select_tables(solution, list(tables))
    shape_: Shape = "update" if shape == "update" else "insert"
    if local:
        if "base_url" in target.given():
            raise InputError("--local pushes to an endpoint it starts on this machine; --base-url would be ignored",
                             hint="drop --base-url to verify locally, or drop --local to verify the endpoint at "
                                  "--base-url")
        return _verify_local(solution, defs, resolved, shape_, cleanup, as_json, quiet)
    verifying.check_target(resolved)
    for table in verifying.undeclared(solution, defs):
        echo_err(f"warning: table '{table}' is not declared in databases/default.jigx; Jigx may reject its pushes")
    if dry_run:
        requests_out = verifying.dry_run(defs, resolved, shape=shape_, cleanup=cleanup)
        if as_json:
            _echo_json({"ok": True, "dry_run": True, "requests": [r.as_dict() for r in requests_out]})
        else:
            for r in requests_out:
                click.echo(f"# {r.table}: {r.push}\n{r.text}")
        return ExitCode.OK
    from ..cdc.sender import Policy

    pat = read_pat(pat_file)

    def report(o: Outcome) -> None:
        if as_json or quiet and o.ok:
            return
        click.echo(f"{o.table:<24} {o.push:<8} {'ok' if o.ok else 'FAILED':<6} {o.summary}", err=not o.ok and quiet)
        if o.server_message and not o.ok:
            click.echo(f"  server said: {o.server_message}", err=quiet)
        if o.fix and not o.ok:
            click.echo(f"  fix: {o.fix}", err=quiet)

    results = verifying.run(defs, resolved, pat, shape=shape_, cleanup=cleanup, report=report,
                            policy=Policy(timeout=timeout, retries=retries, backoff=backoff))
    code = verifying.exit_code(results)
    if as_json:
        _echo_json({"ok": code == 0, "exit_code": int(code), "results": [r.as_dict() for r in results]})
    elif not quiet:
        click.echo("endpoint verified" if code == 0 else f"verification failed (exit {int(code)})")
    return code


def _verify_local(solution: Path, defs: list[TableDef], target: Target, shape: Shape, cleanup: bool, as_json: bool,
                  quiet: bool) -> ExitCode:
    from ..cdc.local import verify_local

    def report(check: LocalCheck) -> None:
        if not as_json and not quiet:
            click.echo(f"{check.table:<24} {check.step:<8} {'ok' if check.ok else 'FAILED':<6} {check.detail}")

    code, checks = verify_local(solution, defs, target, shape=shape, cleanup=cleanup, report=report)
    if as_json:
        _echo_json({"ok": code == 0, "exit_code": int(code), "local": True, "checks": [c.as_dict() for c in checks]})
    elif not quiet:
        click.echo("local endpoint verified: every table's rows landed and were cleaned up" if code == 0
                   else f"local verification failed (exit {int(code)})")
    return code


def _echo_json(data: object) -> None:
    import json

    click.echo(json.dumps(data, indent=2))


@command
@solution_option()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8787, show_default=True, help="Port (0: any free one).")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="SQLite file for the rows (default: in memory, gone when stopped).")
@click.option("--max-body", type=click.IntRange(1024, 100 * 1024 * 1024), default=10 * 1024 * 1024,
              show_default=True, help="Largest request body accepted, in bytes.")
@quiet_option
def serve(solution: Path, host: str, port: int, db: Path | None, max_body: int, quiet: bool) -> ExitCode:
    """Run a local endpoint with the contract of Jigx's Acumatica CDC endpoint.

    Point a real Acumatica push notification (or curl with a saved notification) at it to see
    exactly what arrives and what Jigx would store: it checks the Bearer token, the table and
    the body, applies rows to SQLite (updates paired, duplicates and out-of-order pushes
    ignored) and logs one line per request. The token is JIGX_PAT when set, else a fresh local
    one printed at start. Stop it with Ctrl-C.

    \b
    Example:
      jigx-acumatica serve --solution field-app --port 8787 --db cdc.sqlite
      curl -X POST -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \\
        --data @field-app/acumatica/customers/sample-push.json \\
        "http://127.0.0.1:8787/tool/organizations/<org>/solutions/<solution>/acumatica/cdc?table=customers"
    """
    from ..cdc.endpoint import Endpoint, new_token
    from ..cdc.local import serve as run_endpoint

    from_env = bool(os.environ.get("JIGX_PAT"))
    token = os.environ.get("JIGX_PAT") or new_token()

    def ready(endpoint: Endpoint, urls: dict[str, str]) -> None:
        click.echo(f"listening on {endpoint.base_url}")
        if host not in ("127.0.0.1", "localhost", "::1"):
            echo_err(f"warning: listening on {host}: other machines can reach this endpoint")
        click.echo("token: JIGX_PAT" if from_env else f"token: {token}")
        for table, url in urls.items():
            click.echo(f"  {table}: POST {url}")

    run_endpoint(solution, token=token, host=host, port=port, db=db, max_body=max_body, on_ready=ready,
                 log=(lambda line: None) if quiet else echo_err)
    return ExitCode.OK


@command
@click.argument("notification", type=click.Path(path_type=Path))
@click.option("--table", "table_def", type=click.Path(path_type=Path), default=None,
              help="The table definition the notification is for.")
@solution_option()
@json_option
@quiet_option
def inspect(notification: Path, table_def: Path | None, solution: Path, as_json: bool, quiet: bool) -> ExitCode:
    """Explain a saved Acumatica push notification.

    Lists which rows are inserts, updates (Deleted+Inserted pairs with the same key), deletes and
    soft deletes (_del), which columns the definition expects but the payload lacks (or the
    reverse, e.g. a caption renamed in Acumatica), missing _tab/_del/_mod and empty keys. The
    definition is --table, else the solution's table whose inquiry title is the push's Query.
    Exit 0 when nothing is wrong, 1 when problems were found, 2 for unreadable input.

    \b
    Example:
      jigx-acumatica inspect failed-push.json --solution field-app
      jigx-acumatica inspect push.json --table samples/customers.yaml --json
    """
    from ..cdc.inspect import inspect_file

    report = inspect_file(notification, table_def=table_def, solution=solution)
    if as_json:
        _echo_json(report.as_dict())
    elif not quiet or report.problems:
        click.echo(report.render())
    return ExitCode.CHANGES if report.problems else ExitCode.OK
