"""Commands of the local room: serve (a stand-in for Jigx's CDC endpoint) and inspect (explain a
saved push)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import ExitCode
from .app import command, echo_err
from .options import json_option, quiet_option, solution_option


@command
@solution_option()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8787, show_default=True, help="Port (0: any free one).")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="SQLite file for the rows (default: in memory, gone when stopped).")
@click.option("--max-body", type=click.IntRange(1024, 100 * 1024 * 1024), default=10 * 1024 * 1024,
              show_default=True, help="Largest request body accepted, in bytes.")
@click.option("--rows", "rows_mode", type=click.Choice(["upsert", "append"]), default="upsert", show_default=True,
              help="How rows are stored: one row per key (upsert), or every inserted row a new row (append). How "
                   "Jigx's endpoint does it is not documented: test against both.")
@click.option("--deleted", "deleted_mode", type=click.Choice(["remove", "ignore"]), default="remove",
              show_default=True, help="Whether rows sent in Deleted (or with _del true) are removed, or ignored.")
@quiet_option
def serve(solution: Path, host: str, port: int, db: Path | None, max_body: int, rows_mode: str, deleted_mode: str,
          quiet: bool) -> ExitCode:
    """Run a local endpoint with the contract of Jigx's Acumatica CDC endpoint.

    Point a real Acumatica push notification (or curl with a saved notification) at it to see
    exactly what arrives and what Jigx would store: it checks the Bearer token, the table and
    the body, applies rows to SQLite (updates paired, duplicates and out-of-order pushes
    ignored) and logs one line per request. It also answers the Data API's row routes under
    <base>/data/organizations/<org>/solutions/<solution>/databases/default, as Jigx's export has
    them, so verify's read-back and reconcile run against it. The token is JIGX_PAT when set,
    else a fresh local one printed at start. Stop it with Ctrl-C.

    \b
    Example:
      jigx-acumatica serve --solution field-app --port 8787 --db cdc.sqlite
      curl -X POST -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \\
        --data @field-app/acumatica/customers/sample-push.json \\
        "http://127.0.0.1:8787/tool/organizations/<org>/solutions/<solution>/acumatica/cdc?table=customers"
    """
    from ..local.endpoint import Endpoint
    from ..local.serve import serve as run_endpoint
    from .credentials import local_token

    token, from_env = local_token()

    def ready(endpoint: Endpoint, urls: dict[str, str]) -> None:
        click.echo(f"listening on {endpoint.base_url}")
        if host not in ("127.0.0.1", "localhost", "::1"):
            echo_err(f"warning: listening on {host}: other machines can reach this endpoint")
        click.echo("token: JIGX_PAT" if from_env else f"token: {token}")
        for table, url in urls.items():
            click.echo(f"  {table}: POST {url}")

    run_endpoint(solution, token=token, host=host, port=port, db=db, max_body=max_body, on_ready=ready,
                 log=(lambda line: None) if quiet else echo_err,
                 rows="append" if rows_mode == "append" else "upsert",
                 deleted="ignore" if deleted_mode == "ignore" else "remove")
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
    from ..local.inspect import inspect_file

    report = inspect_file(notification, table_def=table_def, solution=solution)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    elif not quiet or report.problems:
        click.echo(report.render())
    return ExitCode.CHANGES if report.problems else ExitCode.OK
