"""backfill: load the rows that already exist into Jigx, so the app is full on day one.

odata.py reads the inquiry over OData, files.py reads rows from a file (--from), rows.py shapes
them like a push, run.py pages, sends and saves the position; this module wires a solution's
tables to a Jigx endpoint (the real one, or the local one for --local) under the solution's lock."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any, Callable

from ..config import PLACEHOLDER_COMPANY, Target
from ..definition import TableDef
from ..errors import ExitCode, ToolError
from ..fsutil import locked
from .run import Options, Report, Source, TableResult, backfill_table


class SendError(ToolError):
    def __init__(self, code: int, message: str, hint: str) -> None:
        super().__init__(message, hint=hint)
        self.exit_code = ExitCode(code)


def sender_to(url_for: Callable[[str], str], pat: str, *, timeout: float, retries: int, backoff: float,
              session: Any) -> Callable[[TableDef, dict[str, Any]], None]:
    """POSTs pages with verify's policy: 429/5xx retried with backoff and Retry-After."""
    from ..cdc.sender import Policy, Push, Redactor, send

    policy = Policy(timeout=timeout, retries=retries, backoff=backoff)
    redact = Redactor(pat)

    def post(defn: TableDef, body: dict[str, Any]) -> None:
        outcome = send(session, url_for(defn.table), pat, Push(defn.table, "backfill", body), policy)
        if not outcome.ok:
            raise SendError(outcome.code, f"{defn.table}: the endpoint refused a page: {redact(outcome.summary)}"
                            + (f" ({redact(outcome.server_message)})" if outcome.server_message else ""),
                            redact(outcome.fix) + "; run backfill again to continue where it stopped")
    return post


def backfill(root: Path, defs: list[TableDef], source: Source, target: Target, *, pat: str | None,
             options: Options, local: bool = False, lock_timeout: float = 10.0, report: Report | None = None,
             timeout: float = 30.0, retries: int = 4, backoff: float = 0.5) -> list[TableResult]:
    """Every table's existing rows, sent to Jigx (or to a local endpoint started for the run)."""
    import requests

    report = report or (lambda *_: None)
    results = []
    with ExitStack() as stack:
        stack.enter_context(locked(root, lock_timeout))
        session = stack.enter_context(requests.Session())
        company = target.company or PLACEHOLDER_COMPANY
        if options.dry_run:
            send: Callable[[TableDef, dict[str, Any]], None] = lambda defn, body: None
        elif local:
            from ..cdc.endpoint import Endpoint, new_token
            from ..cdc.local import LOCAL_ORG, LOCAL_SOLUTION, endpoint_config

            token = new_token()
            ids = Target(organization_id=target.organization_id or LOCAL_ORG,
                         solution_id=target.solution_id or LOCAL_SOLUTION, company=target.company)
            endpoint = stack.enter_context(Endpoint(endpoint_config(root, token, ids, lambda _: None, defs)))
            base = Target(base_url=endpoint.base_url, organization_id=ids.organization_id,
                          solution_id=ids.solution_id)
            send = sender_to(base.url, token, timeout=timeout, retries=retries, backoff=backoff, session=session)
        else:
            assert pat is not None
            send = sender_to(target.url, pat, timeout=timeout, retries=retries, backoff=backoff, session=session)
        for defn in defs:
            results.append(backfill_table(root, defn, source, send, options, company, report))
    return results
