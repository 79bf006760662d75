"""Sending one push to Jigx's CDC endpoint and explaining the answer: one exit code per outcome
(the retries, backoff and network classification are the HTTP layer's, transport.py).

Imports requests: only commands that send load this module, so the others start fast."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import requests

from .. import push_contract as contract
from ..errors import ExitCode
from ..transport import MAX_BODY, NetworkError, Policy, request, server_message

PushKind = Literal["insert", "update", "cleanup", "backfill"]
CDC_POLICY = Policy(timeout=15.0, retries=4)  # pushes: 429 and 5xx retried, a network failure is final


@dataclass
class Push:
    table: str
    kind: PushKind
    body: dict[str, Any]


@dataclass
class Outcome:
    table: str
    push: str
    ok: bool
    code: int
    summary: str
    fix: str = ""
    status: int | None = None
    latency_ms: int | None = None
    attempts: int = 0
    server_message: str | None = None
    tenant: str | None = None  # with several tenants: whose table it was
    read_back: str | None = None  # what reading the table back through the Data API found

    def as_dict(self) -> dict[str, Any]:
        # a one-tenant solution's answer, and one not read back, is as it was
        return {k: v for k, v in self.__dict__.items() if v is not None or k not in ("tenant", "read_back")}


# Each kind of network failure: its exit code, what happened, and the fix.
_NETWORK: dict[str, tuple[ExitCode, str, str]] = {
    "tls": (ExitCode.VERIFY_TLS, "TLS error talking to {host}",
            "check the base URL and the machine's CA certificates (a proxy may intercept TLS)"),
    "timeout": (ExitCode.VERIFY_TIMEOUT, "no answer from {host} in time",
                "check the network and the region; raise --timeout if the endpoint is slow"),
    "dns": (ExitCode.VERIFY_DNS, "host name {host} does not resolve",
            "check --region / --base-url for typos and the machine's DNS"),
    "refused": (ExitCode.VERIFY_REFUSED, "connection refused by {host}",
                "nothing listens there: check --base-url (and that a local endpoint is running)"),
    "dropped": (ExitCode.VERIFY_UNEXPECTED, "the connection to {host} dropped before an answer",
                "check the network and the base URL"),
    "other": (ExitCode.VERIFY_UNEXPECTED, "could not reach {host}: {detail}", "check the network and the base URL"),
}


def _network_outcome(exc: NetworkError, push: Push, url: str, policy: Policy) -> Outcome:
    if exc.status is not None:  # the answer began, then stopped: the push's fate is unknown
        announced = f" of the {exc.length} announced" if exc.length else ""
        return Outcome(push.table, push.kind, False, ExitCode.VERIFY_TIMEOUT,
                       f"HTTP {exc.status}, but the answer stopped half-way ({exc.detail}{announced}; "
                       f"waited {policy.timeout:g} s)",
                       "the endpoint or a proxy in between stalls: check the network, or raise --timeout",
                       status=exc.status, attempts=exc.attempts)
    code, summary, fix = _NETWORK[exc.kind]
    return Outcome(push.table, push.kind, False, code, summary.format(host=urlsplit(url).netloc, detail=exc.detail),
                   fix, attempts=exc.attempts)


def _status_outcome(push: Push, status: int, body: str, latency: int, attempts: int, location: str | None) -> Outcome:
    base: dict[str, Any] = dict(table=push.table, push=push.kind, status=status, latency_ms=latency, attempts=attempts)
    if 200 <= status < 300:
        return Outcome(ok=True, code=ExitCode.OK, summary=f"accepted: HTTP {status} in {latency} ms", **base)
    message = server_message(body)
    if status in (401, 403):
        return Outcome(ok=False, code=ExitCode.VERIFY_AUTH, summary=f"HTTP {status}: the token was refused",
                       fix="the PAT is invalid or expired (they expire six months after creation): create a new one "
                           "in Jigx Management > My profile, and update the Header Value in Acumatica too",
                       server_message=message, **base)
    if status == 404:
        return Outcome(ok=False, code=ExitCode.VERIFY_NOT_FOUND,
                       summary="HTTP 404: no such organization or solution here",
                       fix="check the region, organizationId and solutionId (a solution has a solutionId only after "
                           "its first publish)", server_message=message, **base)
    if status in (400, 422):
        return Outcome(ok=False, code=ExitCode.VERIFY_REJECTED, summary=f"HTTP {status}: the push was rejected",
                       fix=f"read the server's message; check the table '{push.table}' is declared in "
                           "databases/default.jigx and the solution was published since",
                       server_message=message, **base)
    if status == 429 or status >= 500:
        return Outcome(ok=False, code=ExitCode.VERIFY_UNAVAILABLE,
                       summary=f"HTTP {status}: still failing after {attempts} attempts",
                       fix="the endpoint is overloaded or down; try again later", server_message=message, **base)
    if 300 <= status < 400:
        return Outcome(ok=False, code=ExitCode.VERIFY_UNEXPECTED,
                       summary=f"HTTP {status}: redirected to {location or '?'}",
                       fix="use the endpoint's final URL as --base-url (https, the region's host); "
                           "Acumatica does not follow redirects with the body", **base)
    return Outcome(ok=False, code=ExitCode.VERIFY_UNEXPECTED, summary=f"HTTP {status}: unexpected answer",
                   fix="check the URL; this status is not retried", server_message=message, **base)


def send(session: requests.Session, url: str, pat: str, push: Push, policy: Policy = CDC_POLICY) -> Outcome:
    """POST one push; 429 and 5xx are retried by the HTTP layer (backoff, jitter, Retry-After)."""
    data = contract.to_json(push.body).encode("utf-8")
    headers = {"Authorization": f"Bearer {pat}", "Content-Type": "application/json; charset=utf-8"}
    try:
        answer = request(session, "POST", url, policy, data=data, headers=headers, max_body=MAX_BODY)
    except NetworkError as exc:
        return _network_outcome(exc, push, url, policy)
    outcome = _status_outcome(push, answer.status, answer.text, answer.elapsed_ms, answer.attempts,
                              answer.headers.get("Location"))
    if answer.gave_up is not None:
        wait = answer.gave_up
        outcome.summary = (f"HTTP {answer.status}: the server asked to retry after {wait:.0f} s, longer than the "
                           f"{policy.max_retry_after:.0f} s this tool waits; gave up after {answer.attempts} attempt"
                           + ("s" if answer.attempts > 1 else ""))
        outcome.fix = f"try again after {wait:.0f} s"
    return outcome
