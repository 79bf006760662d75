"""backfill: load the rows that already exist into Jigx, so the app is full on day one.

odata.py reads the inquiry over OData, files.py reads rows from a file (--from), rows.py shapes
them like a push, run.py pages, sends and saves the position; this module wires a solution's
tables to a Jigx endpoint (the real one, or the local one for --local) under the solution's lock."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import PLACEHOLDER_COMPANY, Target
from ..definition import TableDef
from ..errors import ExitCode, ToolError
from ..fsutil import locked
from .run import Options, Report, Source, TableResult, backfill_table

if TYPE_CHECKING:
    from ..transport import Policy


class SendError(ToolError):
    def __init__(self, code: int, message: str, hint: str) -> None:
        super().__init__(message, hint=hint)
        self.exit_code = ExitCode(code)


def sender_to(url_for: Callable[[str], str], pat: str, *, policy: Policy, session: Any
              ) -> Callable[[TableDef, dict[str, Any]], None]:
    """POSTs pages as verify does: 429/5xx retried with backoff and Retry-After."""
    from ..jigx.sender import Push, send
    from ..transport import Redactor

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
             policy: Policy | None = None, company: str | None = None) -> list[TableResult]:
    """Every table's existing rows, sent to Jigx (or to a local endpoint started for the run).
    defs: the tables to fill (a tenant's own tables: Feed.defn); company: the CompanyId of the
    tenant the source reads (default: the target's)."""
    import requests

    from ..jigx.sender import CDC_POLICY
    from .run import parse_since

    policy = policy or CDC_POLICY
    report = report or (lambda *_: None)
    if options.since not in (None, "last"):
        parse_since(options.since or "")  # refused before anything is read or sent
    results = []
    with ExitStack() as stack:
        stack.enter_context(locked(root, lock_timeout))
        session = stack.enter_context(requests.Session())
        company = company or target.company or PLACEHOLDER_COMPANY
        send: Callable[[TableDef, dict[str, Any]], None]
        if options.dry_run:
            def send(defn: TableDef, body: dict[str, Any]) -> None:
                return None
        elif local:
            from ..local.serve import local_endpoint

            base, token = local_endpoint(root, stack, target)
            send = sender_to(base.url, token, policy=policy, session=session)
        else:
            assert pat is not None
            send = sender_to(target.url, pat, policy=policy, session=session)
        if len(defs) > 1 and hasattr(source, "for_table"):
            return _concurrently(root, defs, source, send, options, company, report)
        for defn in defs:
            results.append(backfill_table(root, defn, source, send, options, company, report))
    return results


TABLES_AT_ONCE = 4  # tables read and sent at once (each its own OData session; a page at a time)


def _concurrently(root: Path, defs: list[TableDef], source: Any, send: Callable[[TableDef, dict[str, Any]], None],
                  options: Options, company: str, report: Report) -> list[TableResult]:
    """Several tables at once, each read through a source (an OData session) of its own, sent
    over the one Jigx session (its connection pool is shared safely); the results in the tables'
    order, and the first failure (in that order) raised once every table stopped (each one's
    position is saved, so a rerun continues every table where it stopped)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    lock = threading.Lock()

    def one_at_a_time(table: str, read: int, sent: int, seconds: float) -> None:
        with lock:  # one progress line at a time
            report(table, read, sent, seconds)

    def one(defn: TableDef) -> TableResult:
        return backfill_table(root, defn, source.for_table(), send, options, company, one_at_a_time)

    outcomes: list[TableResult | ToolError] = []
    with ThreadPoolExecutor(max_workers=min(TABLES_AT_ONCE, len(defs))) as pool:
        for future in [pool.submit(one, d) for d in defs]:
            try:
                outcomes.append(future.result())
            except ToolError as exc:
                outcomes.append(exc)
    failed = next((o for o in outcomes if isinstance(o, ToolError)), None)
    if failed is not None:
        raise failed
    return [o for o in outcomes if isinstance(o, TableResult)]
