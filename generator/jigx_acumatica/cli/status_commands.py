"""status: one look at the whole chain, per table and tenant."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import ExitCode
from .app import command
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

if TYPE_CHECKING:
    from contextlib import ExitStack

    from ..config import Target
    from ..status import Line, Sides
    from ..tenancy import Tenant
    from ..transport import Policy


@command
@click.argument("tables", nargs=-1)
@solution_option()
@target_options
@acumatica_reader_options
@pat_file_option
@click.option("--local", is_flag=True, help="Read Jigx's side from the local endpoint's rows "
              "(.jigx-acumatica/local.sqlite) instead of Jigx.")
@network_options(timeout=30.0)
@json_option
@quiet_option
def status(tables: tuple[str, ...], solution: Path, target: TargetOptions, acumatica_url: str | None,
           tenant: str | None, username: str | None, password_file: Path | None, pat_file: Path | None, local: bool,
           policy: Policy, as_json: bool, quiet: bool) -> ExitCode:
    """One line per table and tenant: does the chain work?

    Checks, each ✓, ✗ or ? (could not be read, and why): the generated files up to date; the
    inquiry published (getPublished); exposed and readable over OData (odata: true tables); failed
    pushes; the Jigx table readable (Data API); fresh (the newest _mod in Jigx against
    Acumatica's); and the last backfill and reconcile. Every ✗ has its fix. Reads only, never
    prompts: the Acumatica user from ACUMATICA_USERNAME and ACUMATICA_PASSWORD (or
    --password-file), the PAT from JIGX_PAT (or --pat-file). Exit 0 when all ✓, 1 on any ✗, 4
    when only ? remain.

    \b
    Example:
      jigx-acumatica status --solution field-app
      jigx-acumatica status --solution build/demo --local
    """
    import json
    from contextlib import ExitStack

    from ..solution import operations, queries
    from ..status import exit_code
    from ..status import status as run_status

    resolved = target.for_solution(solution)
    feeds = queries.select_feeds(solution, queries.select_tables(solution, list(tables)), resolved, tenant)
    plan = operations.generate(solution, write=False)
    pending = {c.table for c in plan.changes if c.table and c.action not in ("identical", "skip")}
    with ExitStack() as stack:
        sides = _sides(stack, solution, resolved, acumatica_url=acumatica_url, username=username,
                       password_file=password_file, pat_file=pat_file, local=local, policy=policy)
        lines = run_status(solution, feeds, pending, sides)
    code = exit_code(lines)
    if as_json:
        click.echo(json.dumps({"ok": code == 0, "exit_code": int(code), "tables": [x.as_dict() for x in lines]},
                              indent=2, ensure_ascii=False))
    elif not quiet or code:
        for line in lines:
            click.echo(_render(line))
    return code


def _render(line: Line) -> str:
    from ..status import FAIL, MARKS, UNKNOWN

    who = f" ({line.tenant})" if line.tenant else ""
    head = f"{line.table}{who}: " + "  ".join(f"{c.name} {MARKS[c.mark]}" + (f" {c.detail}" if c.mark == "ok" and
                                                                              c.detail else "")
                                              for c in line.checks)
    backfill, reconcile = line.records.get("last_backfill"), line.records.get("last_reconcile")
    if backfill:
        head += f"  | backfill: {backfill['sent']} sent" + ("" if backfill["done"] else ", unfinished")
    if reconcile:
        head += f"  | reconcile {str(reconcile['when'])[:10]}: " + ("agree" if reconcile["agree"] else "drift")
    out = [head]
    for c in line.checks:
        if c.mark == FAIL:
            out.append(f"  ✗ {c.name}: {c.detail}" + (f"\n    fix: {c.fix}" if c.fix else ""))
        elif c.mark == UNKNOWN and c.detail:
            out.append(f"  ? {c.name}: {c.detail}")
    return "\n".join(out)


def _sides(stack: ExitStack, root: Path, target: Target, *, acumatica_url: str | None, username: str | None,
           password_file: Path | None, pat_file: Path | None, local: bool, policy: Policy) -> Sides:
    """What can be read, from what the environment holds; never a prompt."""
    import requests

    from ..config import load_settings
    from ..jigx.data_api import DataApi
    from ..status import Sides
    from .credentials import data_token

    sides = Sides()
    settings = load_settings(root)
    url = (acumatica_url or settings.acumatica_url or "").rstrip("/")
    user = username or os.environ.get("ACUMATICA_USERNAME", "")
    password = _secret("ACUMATICA_PASSWORD", password_file)
    if not url or not user or not password:
        sides.why["acumatica"] = ("not read: " + ("no instance URL (acumaticaUrl, --acumatica-url)" if not url else
                                                  "no Acumatica user (ACUMATICA_USERNAME)" if not user else
                                                  "no password (ACUMATICA_PASSWORD or --password-file)"))
    else:
        sides.published = _published(url, user, password, policy)
        sides.odata = _odata(url, user, password, policy)
        if settings.monitor:
            sides.failures = _failures(url, user, password, policy, target, settings.tenants)
    if settings.monitor and "acumatica" in sides.why:
        sides.why["monitor"] = sides.why["acumatica"]
    session = stack.enter_context(requests.Session())
    if local:
        from ..local.serve import local_endpoint

        where, token = local_endpoint(root, stack, target)
        sides.jigx_rows = DataApi.for_target(where, token, policy=policy, session=session).rows
        return sides
    pat = _secret("JIGX_PAT", pat_file)
    if not pat or not target.base() or not target.organization_id or not target.solution_id:
        sides.why["jigx"] = "not read: " + ("no PAT (JIGX_PAT or --pat-file)" if not pat else
                                            "region, organizationId or solutionId missing")
        return sides
    sides.jigx_rows = DataApi.for_target(target, data_token(pat), policy=policy, session=session,
                                         configured=settings.data_api_url).rows
    return sides


def _secret(env: str, file: Path | None) -> str:
    """A secret from the environment or its file; '' when neither holds one (status never asks)."""
    value = os.environ.get(env, "").strip()
    if not value and file is not None:
        from ..yamlio import read_text

        value = read_text(file, what="secret file", kind="text", max_bytes=64 * 1024).strip()
    return value


def _published(url: str, user: str, password: str, policy: Policy) -> Any:
    from ..acumatica.customization import Client, Credentials, PublishError, PublishJob
    from ..errors import ToolError

    def published(tenant: Tenant) -> set[str]:
        job = PublishJob(url=(tenant.acumatica_url or url).rstrip("/"), tenant=tenant.name, project="", description="",
                         package=b"", policy=policy)
        try:
            with Client(job, Credentials(user, password), lambda _: None) as client:
                return client.published_inquiries()
        except PublishError as exc:
            raise ToolError(f"getPublished: {exc.message}") from None
    return published


def _odata(url: str, user: str, password: str, policy: Policy) -> Any:
    from ..acumatica.odata import Connection, Reader
    from ..reconcile.index import mod_key

    def read(tenant: Tenant, defn: Any) -> dict[str, Any]:
        reader = Reader(Connection((tenant.acumatica_url or url).rstrip("/"), tenant.name or "", user, password,
                                   policy))
        reader.properties(defn.inquiry)
        reader.probe(defn.inquiry, defn.screen_id)
        newest = reader.newest_mod(defn.inquiry)
        return {"newest": mod_key(newest)}
    return read


def _failures(url: str, user: str, password: str, policy: Policy, target: Target, logins: tuple[str, ...]) -> Any:
    from ..acumatica.monitor import ours, read_failures
    from ..acumatica.odata import Connection, ODataError, Reader
    from ..errors import ToolError

    def read(tenant: Tenant) -> Any:
        login = tenant.name or (logins[0] if logins else "")
        try:
            rows = read_failures(Reader(Connection((tenant.acumatica_url or url).rstrip("/"), login, user, password,
                                                   policy)))
        except ODataError as exc:
            raise ToolError(f"the failed-push inquiry: {exc.message}") from None
        return ours(rows, target.url("x").split("?", 1)[0], None)
    return read

