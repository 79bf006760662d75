"""monitor: failed pushes, found before Acumatica forgets them (two days), and healed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import ExitCode, InputError
from .app import command, echo_err
from .options import (
    TargetOptions,
    acumatica_reader_options,
    json_option,
    network_options,
    pat_file_option,
    quiet_option,
    solution_option,
    target_options,
)
from .output import plural

if TYPE_CHECKING:
    from ..transport import Policy


@command
@solution_option()
@target_options
@acumatica_reader_options
@pat_file_option
@click.option("--heal", is_flag=True, help="Read each affected table again from its earliest failure (less a day) "
              "and push it, as backfill --since does; also what Acumatica cannot resend (truncated rows).")
@network_options(timeout=30.0)
@json_option
@quiet_option
def monitor(solution: Path, target: TargetOptions, acumatica_url: str | None, tenant: str | None,
            username: str | None, password_file: Path | None, pat_file: Path | None, heal: bool, policy: Policy,
            as_json: bool, quiet: bool) -> ExitCode:
    """Find the failed pushes of this solution's tables before Acumatica forgets them.

    Reads the failed-push inquiry (monitor: true in jigx-acumatica.yaml puts it in each tenant's
    package) over OData for each tenant, keeps the rows of this solution's destinations (by the
    push URL), maps each to its table and classifies it: token refused, wrong ids or table, too
    large or truncated, transient, unreachable. Prints per table and class the count, the first and
    last time, and the fix. Exit 0 when there are none, 1 when there are; --heal pushes the
    affected tables' rows again from their earliest failure.

    \b
    Example:
      ACUMATICA_USERNAME=reader jigx-acumatica monitor --solution field-app
      ACUMATICA_USERNAME=reader JIGX_PAT=... jigx-acumatica monitor --solution field-app --heal
    """
    from ..acumatica.monitor import ours, read_failures, summarise
    from ..acumatica.odata import Connection, Reader
    from ..config import load_settings
    from ..solution import queries
    from .credentials import acumatica_username, read_acumatica_password

    settings = load_settings(solution)
    if not settings.monitor:
        raise InputError("no failed-push inquiry: monitor is not set up", path=solution / "jigx-acumatica.yaml",
                         hint="add 'monitor: true' to jigx-acumatica.yaml, run generate, then publish (the inquiry "
                              "goes into each tenant's package)")
    resolved = target.for_solution(solution)
    feeds = queries.select_feeds(solution, queries.select_tables(solution, []), resolved, tenant)
    url = (acumatica_url or settings.acumatica_url or "").rstrip("/")
    if not url:
        raise InputError("no Acumatica instance URL", hint="pass --acumatica-url (or set acumaticaUrl)")
    user = acumatica_username(username)
    password = read_acumatica_password(password_file, "the user's Acumatica password")
    push_base = resolved.url("x").split("?", 1)[0]
    results: list[dict[str, Any]] = []
    healing: list[tuple[Any, Any, str]] = []
    for who in dict.fromkeys(f.tenant for f in feeds):
        mine = [f for f in feeds if f.tenant == who]
        login = who.name or (settings.tenants[0] if settings.tenants else "")
        conn = Connection((who.acumatica_url or url).rstrip("/"), login, user, password, policy)
        summaries = summarise(ours(read_failures(Reader(conn)), push_base, {f.table for f in mine}))
        for s in summaries:
            results.append({**({"tenant": who.name} if who.among_several else {}), **s.as_dict()})
        if heal:
            from ..acumatica.monitor import heal_since

            for feed in mine:
                since = heal_since(summaries, feed.table)
                if since:
                    healing.append((feed, conn, since))
    healed = _heal(solution, healing, resolved, pat_file, policy) if heal and healing else []
    if as_json:
        click.echo(json.dumps({"ok": not results, "failures": results, "healed": healed}, indent=2))
    elif not quiet or results:
        for r in results:
            whose = f"{r['tenant']}: " if "tenant" in r else ""
            when = f", {r['first'][:16]} to {r['last'][:16]} UTC" if r["first"] else ""
            pushes = "1 failed push" if r["count"] == 1 else f"{r['count']} failed pushes"
            click.echo(f"{whose}{r['table']}: {pushes} ({r['class']}: "
                       f"{r['what']}{when})" + (f", {r['truncated']} truncated" if r["truncated"] else ""))
            click.echo(f"  fix: {r['fix']}")
        for h in healed:
            click.echo(f"healed {h['table']}: {plural(h['sent'], 'row')} pushed again, modified since {h['since']}")
        if not results:
            click.echo("no failed pushes for this solution's tables")
    return ExitCode.CHANGES if results else ExitCode.OK


def _heal(root: Path, healing: list[tuple[Any, Any, str]], target: Any, pat_file: Path | None,
          policy: Policy) -> list[dict[str, Any]]:
    """Each affected table read again since its earliest failure (less the margin) and pushed."""
    from ..acumatica.odata import Reader
    from ..backfill import backfill
    from ..backfill.run import Options
    from ..backfill.sources import ODataSource
    from ..jigx.verify import check_target
    from .credentials import read_pat

    check_target(target)
    pat = read_pat(pat_file)
    out = []
    for feed, conn, since in healing:
        if not feed.defn.odata:
            echo_err(f"warning: {feed.table} cannot be healed: its inquiry is not exposed over OData (odata: true)")
            continue
        results = backfill(root, [feed.defn], ODataSource(Reader(conn)), target, pat=pat,
                           options=Options(since=since), policy=policy, company=feed.tenant.company_id)
        out.append({"table": feed.table, "since": since, "sent": sum(r.sent for r in results)})
    return out
