"""The local endpoint wired to a solution, and verify --local: the whole chain on this machine."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import Target
from ..definition import load_definitions
from ..errors import ExitCode, InputError
from ..layout import DATABASE
from ..push_contract import row_key
from ..solution.queries import declared_tables_in, require_solution, select_feeds, solution_definitions, undeclared
from ..tenancy import Feed
from .endpoint import Endpoint, EndpointConfig, new_token
from .store import DeletedMode, RowsMode

if TYPE_CHECKING:
    from ..jigx.verify import Shape

LOCAL_ORG = "00000000-0000-4000-8000-000000000001"
LOCAL_SOLUTION = "00000000-0000-4000-8000-000000000002"


def endpoint_config(root: Path, token: str, target: Target, log: Callable[[str], None],
                    feeds: list[Feed] | None = None) -> EndpointConfig:
    """The endpoint for a solution's tables, every tenant's (or only `feeds`, when given)."""
    if feeds is None:
        feeds = select_feeds(root, load_definitions(solution_definitions(root)), target)
    several = any(f.tenant.among_several for f in feeds)
    return EndpointConfig(tables={f.table: f.defn for f in feeds}, declared=declared_tables_in(root), token=token,
                          organization_id=target.organization_id, solution_id=target.solution_id, log=log,
                          company=target.company,
                          companies={f.table: f.tenant.company_id for f in feeds} if several else {})


@dataclass
class LocalCheck:
    table: str
    step: str
    ok: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def verify_local(root: Path, feeds: list[Feed], target: Target, *, shape: Shape = "insert", cleanup: bool = True,
                 report: Callable[[LocalCheck], None] | None = None,
                 log: Callable[[str], None] = lambda _: None) -> tuple[ExitCode, list[LocalCheck]]:
    """Start the endpoint on a free loopback port, push every table's test payloads over HTTP,
    check the rows landed and were cleaned up, stop it. Returns (exit code, checks)."""
    import requests

    from ..jigx import verify
    from ..jigx.sender import send
    from ..transport import Policy

    missing = undeclared(root, [f.defn for f in feeds])
    if missing:
        raise InputError(f"table(s) not declared in {DATABASE}: {', '.join(missing)}", path=root / DATABASE,
                         hint="declare them (jigx-acumatica generate --solution DIR --force restores declarations)")

    token = new_token()
    local = Target(base_url="", organization_id=target.organization_id or LOCAL_ORG,
                   solution_id=target.solution_id or LOCAL_SOLUTION, company=target.company)
    cfg = endpoint_config(root, token, local, log, feeds)
    checks: list[LocalCheck] = []
    code = ExitCode.OK

    def note(check: LocalCheck) -> None:
        checks.append(check)
        if report:
            report(check)

    from ..jigx.data_api import DataApi

    with Endpoint(cfg) as endpoint, requests.Session() as session:
        local = Target(base_url=endpoint.base_url, organization_id=local.organization_id,
                       solution_id=local.solution_id, company=local.company)
        policy = Policy(timeout=10, retries=0)
        rows = DataApi(f"{endpoint.base_url}/data", local.organization_id or LOCAL_ORG,
                       local.solution_id or LOCAL_SOLUTION, token, policy=policy, session=session)
        for feed in feeds:
            defn = feed.defn
            test_key = None
            for push in verify.pushes(defn, feed.tenant.company_id, shape=shape, cleanup=cleanup):
                outcome = send(session, local.url(defn.table), token, push, policy)
                if not outcome.ok:
                    note(LocalCheck(defn.table, push.kind, False, f"{outcome.summary}: {outcome.server_message or ''}"))
                    code = ExitCode(outcome.code)
                    break
                test_key = row_key(defn, (push.body["Inserted"] or push.body["Deleted"])[0])
                present = any(row_key(defn, r.content) == test_key for r in rows.rows(defn.table))
                want = push.kind != "cleanup"
                ok = present == want
                detail = ("test row stored" if want else "test row removed") if ok else \
                         ("test row missing after the push" if want else "test row still there after cleanup")
                note(LocalCheck(defn.table, push.kind, ok, f"{outcome.summary}; {detail}"))
                if not ok:
                    code = ExitCode.VERIFY_UNEXPECTED
                    break
    return code, checks


def serve(root: Path, *, token: str, host: str = "127.0.0.1", port: int = 8787, db: Path | None = None,
          max_body: int | None = None, log: Callable[[str], None] = print,
          on_ready: Callable[[Endpoint, dict[str, str]], None] | None = None, rows: RowsMode = "upsert",
          deleted: DeletedMode = "remove") -> None:
    """Run the local endpoint for a solution's tables until interrupted (Ctrl-C).

    on_ready gets the endpoint and each table's push URL once it listens."""
    target = _project_target(root)
    cfg = endpoint_config(root, token, target, log)
    if max_body is not None:
        cfg.max_body = max_body
    cfg.rows, cfg.deleted = rows, deleted
    if not cfg.tables:
        require_solution(root)
        raise InputError("no table definitions in this solution", path=root,
                         hint="onboard tables with 'jigx-acumatica add' first")
    try:
        endpoint = Endpoint(cfg, str(db) if db else ":memory:", host, port)
    except OSError as exc:
        raise _listen_error(host, port, exc) from None
    org, sol = target.organization_id or LOCAL_ORG, target.solution_id or LOCAL_SOLUTION
    urls = {t: f"{endpoint.base_url}/tool/organizations/{org}/solutions/{sol}/acumatica/cdc?table={t}"
            for t in sorted(cfg.tables)}
    if on_ready:
        on_ready(endpoint, urls)
    try:
        endpoint.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        endpoint.close()


def local_endpoint(root: Path, stack: ExitStack, target: Target) -> tuple[Target, str]:
    """Start (on the stack) the endpoint backfill, reconcile and status --local use, its rows kept
    in the solution's .jigx-acumatica/local.sqlite from one run to the next; returns the target
    that reaches it (its base URL, the ids) and its token."""
    from ..layout import LOCAL_DB

    token = new_token()
    ids = Target(organization_id=target.organization_id or LOCAL_ORG, solution_id=target.solution_id or LOCAL_SOLUTION,
                 company=target.company)
    (root / LOCAL_DB).parent.mkdir(parents=True, exist_ok=True)
    endpoint = stack.enter_context(Endpoint(endpoint_config(root, token, ids, lambda _: None), root / LOCAL_DB))
    return Target(base_url=endpoint.base_url, organization_id=ids.organization_id, solution_id=ids.solution_id,
                  company=ids.company), token


def _listen_error(host: str, port: int, exc: OSError) -> InputError:
    """Why the endpoint cannot listen, with the fix for that reason."""
    import errno
    import socket

    if isinstance(exc, socket.gaierror) or exc.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT):
        return InputError(f"--host {host} is not an address of this machine",
                          hint="use 127.0.0.1 (this machine only) or 0.0.0.0 (every network interface)")
    if exc.errno == errno.EADDRINUSE:
        return InputError(f"port {port} on {host} is already in use",
                          hint="pick another --port, or --port 0 for any free one")
    if exc.errno == errno.EACCES:
        return InputError(f"not allowed to listen on port {port}",
                          hint="ports below 1024 need administrator rights: use --port 8787")
    return InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}", hint="check --host and --port")


def _project_target(root: Path) -> Target:
    from ..config import load_config

    return load_config(root).validate()
