"""Sending one push over HTTP and explaining the answer: retries for 429/5xx with backoff and
Retry-After, one exit code per outcome, the PAT masked in anything shown.

Imports requests: only commands that send load this module, so the others start fast."""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Literal
from urllib.parse import urlsplit

import requests

from ..errors import ExitCode, printable
from . import contract

MAX_BODY = 64 * 1024  # bytes of a response we read; the rest is not needed for a diagnosis
PushKind = Literal["insert", "update", "cleanup", "backfill"]


@dataclass
class Policy:
    timeout: float = 15.0
    retries: int = 4
    backoff: float = 0.5  # first wait; doubles each retry, with jitter
    max_wait: float = 60.0  # longest Retry-After honoured
    sleep: Callable[[float], None] = time.sleep


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

    def as_dict(self) -> dict:
        return self.__dict__.copy()


class Redactor:
    """Masks a secret in anything that might be shown: any run of MIN_RUN or more of its
    characters, in any letter case (a server may echo it truncated, upper-cased or split)."""

    MIN_RUN = 8

    def __init__(self, secret: str | None) -> None:
        self.secret = (secret or "").lower()

    def __call__(self, text: str) -> str:
        n = self.MIN_RUN
        if not text or len(self.secret) < n:
            return text.replace(self.secret, "****") if text and self.secret else text
        lowered = text.lower()
        covered = [False] * len(text)
        for i in range(len(self.secret) - n + 1):
            gram = self.secret[i:i + n]
            at = lowered.find(gram)
            while at >= 0:
                covered[at:at + n] = [True] * n
                at = lowered.find(gram, at + 1)
        out, i = [], 0
        while i < len(text):
            if covered[i]:
                while i < len(text) and covered[i]:
                    i += 1
                out.append("****")
            else:
                out.append(text[i])
                i += 1
        return "".join(out)


# --- sending ---------------------------------------------------------------------------------------

def retry_after_seconds(value: str | None) -> float | None:
    """A Retry-After header (seconds or an HTTP date) as seconds from now; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class BodyCut(Exception):
    """The answer's body stopped before its announced end (stalled, or the connection dropped)."""


def _read_limited(resp: requests.Response) -> str:
    """The first MAX_BODY bytes of the answer; BodyCut when it stops short of them and of its end."""
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in resp.iter_content(8192):
            chunks.append(chunk)
            size += len(chunk)
            if size >= MAX_BODY:
                break
    except requests.RequestException as exc:
        raise BodyCut(f"{size} bytes, then {type(exc).__name__}") from None
    finally:
        resp.close()
    return b"".join(chunks)[:MAX_BODY].decode("utf-8", "replace")


def server_message(text: str) -> str:
    """The interesting part of an error body (a JSON message field, else the text itself), on one
    line and safe for a terminal."""
    return printable(_message(text.strip()))


def _message(text: str) -> str:
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("message", "error", "detail", "title", "errors"):
            if data.get(key):
                value = data[key]
                return value if isinstance(value, str) else json.dumps(value)[:500]
    one_line = " ".join(text.split())
    return one_line[:500] + ("..." if len(one_line) > 500 else "") if one_line else "(empty body)"


def _network_outcome(exc: Exception, push: Push, attempts: int, url: str) -> Outcome:
    text = str(exc)
    host = urlsplit(url).netloc
    if isinstance(exc, requests.exceptions.SSLError):
        return Outcome(push.table, push.kind, False, ExitCode.VERIFY_TLS, f"TLS error talking to {host}",
                       "check the base URL and the machine's CA certificates (a proxy may intercept TLS)",
                       attempts=attempts)
    if isinstance(exc, (requests.exceptions.Timeout,)):
        return Outcome(push.table, push.kind, False, ExitCode.VERIFY_TIMEOUT, f"no answer from {host} in time",
                       "check the network and the region; raise --timeout if the endpoint is slow", attempts=attempts)
    lowered = text.lower()
    if any(s in lowered for s in ("name or service not known", "nodename nor servname", "getaddrinfo failed",
                                  "temporary failure in name resolution", "no address associated", "failed to resolve")):
        return Outcome(push.table, push.kind, False, ExitCode.VERIFY_DNS, f"host name {host} does not resolve",
                       "check --region / --base-url for typos and the machine's DNS", attempts=attempts)
    if "refused" in lowered:
        return Outcome(push.table, push.kind, False, ExitCode.VERIFY_REFUSED, f"connection refused by {host}",
                       "nothing listens there: check --base-url (and that a local endpoint is running)",
                       attempts=attempts)
    return Outcome(push.table, push.kind, False, ExitCode.VERIFY_UNEXPECTED, f"could not reach {host}: {type(exc).__name__}",
                   "check the network and the base URL", attempts=attempts)


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
        return Outcome(ok=False, code=ExitCode.VERIFY_NOT_FOUND, summary="HTTP 404: no such organization or solution here",
                       fix="check the region, organizationId and solutionId (a solution has a solutionId only after "
                           "its first publish)", server_message=message, **base)
    if status in (400, 422):
        return Outcome(ok=False, code=ExitCode.VERIFY_REJECTED, summary=f"HTTP {status}: the push was rejected",
                       fix=f"read the server's message; check the table '{push.table}' is declared in "
                           "databases/default.jigx and the solution was published since", server_message=message, **base)
    if status == 429 or status >= 500:
        return Outcome(ok=False, code=ExitCode.VERIFY_UNAVAILABLE,
                       summary=f"HTTP {status}: still failing after {attempts} attempts",
                       fix="the endpoint is overloaded or down; try again later", server_message=message, **base)
    if 300 <= status < 400:
        return Outcome(ok=False, code=ExitCode.VERIFY_UNEXPECTED, summary=f"HTTP {status}: redirected to {location or '?'}",
                       fix="use the endpoint's final URL as --base-url (https, the region's host); "
                           "Acumatica does not follow redirects with the body", **base)
    return Outcome(ok=False, code=ExitCode.VERIFY_UNEXPECTED, summary=f"HTTP {status}: unexpected answer",
                   fix="check the URL; this status is not retried", server_message=message, **base)


def send(session: requests.Session, url: str, pat: str, push: Push, policy: Policy) -> Outcome:
    """POST one push, retrying 429 and 5xx with exponential backoff, jitter and Retry-After."""
    data = contract.to_json(push.body).encode("utf-8")
    headers = {"Authorization": f"Bearer {pat}", "Content-Type": "application/json; charset=utf-8"}
    attempts = 0
    while True:
        attempts += 1
        started = time.monotonic()
        try:
            resp = session.post(url, data=data, headers=headers, timeout=policy.timeout, allow_redirects=False,
                                stream=True)
        except requests.RequestException as exc:
            return _network_outcome(exc, push, attempts, url)
        status = resp.status_code
        try:
            body = _read_limited(resp)
        except BodyCut as cut:
            return _cut_outcome(push, status, str(cut), resp.headers.get("Content-Length"), attempts, policy)
        latency = int((time.monotonic() - started) * 1000)  # the whole answer, body included
        retryable = status == 429 or status >= 500
        if retryable and attempts <= policy.retries:
            wait = retry_after_seconds(resp.headers.get("Retry-After"))
            if wait is None:
                wait = policy.backoff * (2 ** (attempts - 1)) * random.uniform(0.5, 1.5)
            if wait > policy.max_wait:
                outcome = _status_outcome(push, status, body, latency, attempts, resp.headers.get("Location"))
                outcome.summary = (f"HTTP {status}: the server asked to retry after {wait:.0f} s, longer than the "
                                   f"{policy.max_wait:.0f} s this tool waits; gave up after {attempts} attempt"
                                   + ("s" if attempts > 1 else ""))
                outcome.fix = f"try again after {wait:.0f} s"
                return outcome
            policy.sleep(wait)
            continue
        return _status_outcome(push, status, body, latency, attempts, resp.headers.get("Location"))


def _cut_outcome(push: Push, status: int, got: str, length: str | None, attempts: int, policy: Policy) -> Outcome:
    """An answer whose body never arrived in full: the push's fate is unknown, so it is no success."""
    announced = f" of the {length} announced" if length else ""
    return Outcome(push.table, push.kind, False, ExitCode.VERIFY_TIMEOUT,
                   f"HTTP {status}, but the answer stopped half-way ({got}{announced}; waited {policy.timeout:g} s)",
                   "the endpoint or a proxy in between stalls: check the network, or raise --timeout",
                   status=status, attempts=attempts)


