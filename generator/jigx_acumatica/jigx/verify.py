"""verify: test pushes shaped exactly like this table's real ones, sent to Jigx (or printed),
and the outcome of each. No Click here: callers print what report() is given."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from .. import push_contract as contract
from ..config import Target
from ..definition import Column, TableDef
from ..errors import ExitCode, InputError
from ..solution.queries import select_feeds, select_tables
from ..tenancy import Feed
from ..transport import Policy, Redactor
from .data_api import DATA_POLICY, DataApi, DataApiError
from .sender import CDC_POLICY, Outcome, Push, send

TEST_TEXT = "jigx-acumatica verify test row"
TEST_KEY = "JIGX-VERIFY-TEST"
Shape = Literal["insert", "update"]


# --- where ----------------------------------------------------------------------------------------

def check_target(target: Target) -> None:
    """Every part of the endpoint URL known and well-formed, before anything is sent."""
    missing = []
    if not target.base():
        missing.append("--region (or --base-url)")
    if not target.organization_id:
        missing.append("--org")
    if not target.solution_id:
        missing.append("--solution-id")
    if missing:
        raise InputError(f"cannot build the endpoint URL: {', '.join(missing)} missing",
                         hint="pass them, or set region, organizationId and solutionId in jigx-acumatica.yaml")
    target.validate()


# --- bodies ----------------------------------------------------------------------------------------

def _key_value(defn: TableDef, column: Column) -> Any:
    """A key value no real Acumatica record has."""
    return {
        "int": -999_999,
        "decimal": -999_999.99,
        "bool": False,
        "date": "1900-01-01T00:00:00",
        "datetime": "1900-01-01T00:00:00",
        "guid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:jigx-acumatica:verify:{defn.table}")),
    }.get(column.type, TEST_KEY)


def test_row(defn: TableDef, moment: datetime, *, note: str = TEST_TEXT) -> dict[str, Any]:
    overrides = {c.name: _key_value(defn, c) for c in defn.columns if c.name in defn.key}
    overrides.update({c.name: note for c in defn.columns if c.type == "string" and c.name not in defn.key})
    return contract.sample_row(defn, modified=moment.astimezone(), overrides=overrides)


def pushes(defn: TableDef, company: str, *, shape: Shape = "insert", cleanup: bool = True,
           now: datetime | None = None) -> list[Push]:
    """The test pushes for one table, each with its own Id (a retry resends the same body)."""
    now = now or datetime.now(UTC)
    row = test_row(defn, now)

    def body(inserted: list[dict[str, Any]], deleted: list[dict[str, Any]], offset_ms: int) -> dict[str, Any]:
        moment = now + timedelta(milliseconds=offset_ms)
        return contract.notification(defn, inserted=inserted, deleted=deleted, company=company,
                                    notification_id=str(uuid.uuid4()), moment=moment)

    out: list[Push] = []
    if shape == "update":
        old = test_row(defn, now, note=TEST_TEXT + " (before update)")
        out.append(Push(defn.table, "update", body([row], [old], 0)))
    else:
        out.append(Push(defn.table, "insert", body([row], [], 0)))
    if cleanup:
        out.append(Push(defn.table, "cleanup", body([], [row], 1)))
    return out


# --- sending -------------------------------------------------------------------------------------

@dataclass
class DryRequest:
    table: str
    push: str
    url: str
    text: str  # the request as it would go on the wire, PAT masked
    body: dict[str, Any]
    auth: str  # the Authorization header as shown: never the PAT

    def as_dict(self) -> dict[str, Any]:
        return {"table": self.table, "push": self.push, "method": "POST", "url": self.url,
                "headers": {"Authorization": self.auth, "Content-Type": "application/json; charset=utf-8"},
                "body": self.body}


def dry_run(feeds: list[Feed], target: Target, *, shape: Shape, cleanup: bool, pat_known: bool = False
            ) -> list[DryRequest]:
    """Every request verify would send, PAT masked (pat_known: one is set, shown as ****); nothing is sent."""
    auth = "Bearer ****" if pat_known else "Bearer <your PAT>"
    out = []
    for feed in feeds:
        d = feed.defn
        url = target.url(d.table)
        for push in pushes(d, feed.tenant.company_id, shape=shape, cleanup=cleanup):
            text = (f"POST {url}\nAuthorization: {auth}\n"
                    f"Content-Type: application/json; charset=utf-8\n\n{contract.to_json(push.body)}\n")
            out.append(DryRequest(d.table, push.kind, url, text, push.body, auth))
    return out


CONCURRENCY = 8  # tables pushed at once: a slow endpoint costs its latency once per eight tables


@dataclass(frozen=True)
class ReadBack:
    """Where verify reads each table back after its pushes: Jigx's Data API."""

    base: str  # the Data API's base URL
    token: str  # JIGX_DATA_TOKEN, else the PAT
    policy: Policy = DATA_POLICY


def run(feeds: list[Feed], target: Target, pat: str, *, shape: Shape, cleanup: bool, policy: Policy,
        report: Callable[[Outcome], None] | None = None, read_back: ReadBack | None = None) -> list[Outcome]:
    """Every push of every tenant's table (each with its tenant's CompanyId), stopping a table at
    its first failure. Tables are pushed
    concurrently (at most CONCURRENCY at once, a session each); each table's pushes stay in
    order, and the outcomes are reported in the tables' order, as a serial run would."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import requests

    local = threading.local()
    sessions: list[requests.Session] = []

    def session() -> requests.Session:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            sessions.append(local.session)
        s: requests.Session = local.session
        return s

    redact = Redactor(pat, read_back.token if read_back else None)
    unreadable: list[str] = []  # once the Data API could not be read, no table tries again

    def table(feed: Feed) -> list[Outcome]:
        out = []
        url = target.url(feed.table)
        api = None if read_back is None else DataApi(read_back.base, target.organization_id or "",
                                                     target.solution_id or "", read_back.token,
                                                     policy=read_back.policy, session=session())
        for push in pushes(feed.defn, feed.tenant.company_id, shape=shape, cleanup=cleanup):
            outcome = send(session(), url, pat, push, policy)
            outcome.tenant = feed.tenant.name if feed.tenant.among_several else None
            if outcome.ok and api is not None and unreadable:
                outcome.read_back, api = f"not read back: {unreadable[0]}", None
            elif outcome.ok and api is not None:
                api = _read_back(api, feed.defn, push, outcome)
                if api is None and outcome.read_back:
                    unreadable.append(outcome.read_back.removeprefix("not read back: "))
            outcome.summary = redact(outcome.summary)
            outcome.server_message = redact(outcome.server_message) if outcome.server_message else None
            outcome.fix = redact(outcome.fix)
            outcome.read_back = redact(outcome.read_back) if outcome.read_back else None
            out.append(outcome)
            if not outcome.ok:
                break
        return out

    results: list[Outcome] = []
    try:
        with ThreadPoolExecutor(max_workers=max(1, min(CONCURRENCY, len(feeds)))) as pool:
            for future in [pool.submit(table, f) for f in feeds]:
                for outcome in future.result():
                    results.append(outcome)
                    if report:
                        report(outcome)
    finally:
        for s in sessions:
            s.close()
    return results


def _read_back(api: DataApi, defn: TableDef, push: Push, outcome: Outcome) -> DataApi | None:
    """After an accepted push, whether its test row is in the table (by its key in the row's
    content): after an insert or update it must be; after the cleanup it must not, and if it is,
    it is deleted by rid. Returns None when the Data API cannot be read (nothing further is read
    back; the pushes' results stand)."""
    sent = (push.body["Inserted"] or push.body["Deleted"])[0]
    key = contract.row_key(defn, sent)
    try:
        found = [r for r in api.rows(defn.table) if contract.row_key(defn, r.content) == key]
        if push.kind != "cleanup":
            if found:
                outcome.read_back = f"the test row is in '{defn.table}'"
                return api
            outcome.ok, outcome.code = False, ExitCode.VERIFY_NOT_LANDED
            outcome.summary += "; accepted, but the test row is not in the table"
            outcome.read_back = f"no row of '{defn.table}' has the test row's key {key}"
            outcome.fix = ("the endpoint accepted the push but did not store it where the Data API reads: check the "
                           "table name in the Address (?table=), and run 'jigx-acumatica verify --probe <table>' "
                           "to learn how this endpoint stores rows")
            return api
        if not found:
            outcome.read_back = "the test row is gone"
            return api
        for row in found:
            api.delete(defn.table, row.rid)
        outcome.read_back = (f"the endpoint did not remove the row sent in Deleted: {len(found)} row(s) deleted by "
                             "rid through the Data API (deletions in Acumatica would stay in Jigx too; see verify "
                             "--probe)")
        return api
    except DataApiError as exc:
        outcome.read_back = f"not read back: {exc.message} ({exc.hint})"
        return None


def exit_code(results: list[Outcome]) -> ExitCode:
    return next((ExitCode(r.code) for r in results if not r.ok), ExitCode.OK)


def verify_solution(root: Path, tables: list[str] | tuple[str, ...] = (), *, pat: str, target: Target | None = None,
                    shape: Shape = "insert", cleanup: bool = True, policy: Policy | None = None,
                    report: Callable[[Outcome], None] | None = None, tenant: str | None = None) -> list[Outcome]:
    """The library form of `verify`: the solution's tables (or those named) pushed to Jigx, for
    every tenant (or the one named)."""
    from ..config import load_config

    target = target or load_config(root).validate()
    feeds = select_feeds(root, select_tables(root, list(tables)), target, tenant)
    check_target(target)
    return run(feeds, target, pat, shape=shape, cleanup=cleanup, policy=policy or CDC_POLICY, report=report)
