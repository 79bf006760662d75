"""The one HTTP layer every client uses (Jigx's CDC endpoint, Acumatica's CustomizationApi and
OData): one retry loop, one way to tell network failures apart, one secret redactor.

- Retries 429 and 5xx (and, for reads, a connection dropped mid-answer) with exponential
  backoff, jitter and a cap; `Retry-After` is honoured in seconds or as an HTTP date, up to a
  limit past which the answer comes back marked `gave_up` instead of waiting.
- Network failures are classified by exception type and errno, never by message text.
- Each client keeps only its own table from outcome to exit code.

Imports requests: only commands that talk over HTTP load this module, so the others start fast."""

from __future__ import annotations

import errno
import http.client
import json
import random
import socket
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal

import requests
import urllib3.exceptions

from .errors import printable

Failure = Literal["dns", "refused", "dropped", "tls", "timeout", "other"]
MAX_BODY = 64 * 1024  # bytes of an answer kept when the caller only needs a diagnosis


def _jitter() -> float:
    return random.uniform(0.5, 1.5)


@dataclass(frozen=True)
class Policy:
    """How long to wait and how often to try again; one object, passed whole."""

    timeout: float = 30.0  # seconds for each answer
    retries: int = 4  # extra attempts after the first, for 429, 5xx (and dropped reads)
    backoff: float = 0.5  # the first wait; doubles each retry, with jitter
    cap: float = 30.0  # the longest backoff wait
    max_retry_after: float = 60.0  # the longest Retry-After honoured
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)  # tests inject one
    jitter: Callable[[], float] = field(default=_jitter, compare=False)

    def wait(self, attempt: int, retry_after: str | None = None) -> float:
        """Seconds to wait before attempt+1: the server's Retry-After, else capped backoff."""
        asked = retry_after_seconds(retry_after)
        if asked is not None:
            return asked
        return float(min(self.cap, self.backoff * 2 ** (attempt - 1)) * self.jitter())


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
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


# --- network failures -----------------------------------------------------------------------------

_DROPPED_ERRNOS = {errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED}
_DROPPED_TYPES: tuple[type[BaseException], ...] = (
    ConnectionResetError, BrokenPipeError, ConnectionAbortedError, http.client.RemoteDisconnected,
    http.client.IncompleteRead, urllib3.exceptions.ProtocolError, requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)
_TIMEOUT_TYPES: tuple[type[BaseException], ...] = (
    requests.exceptions.Timeout, urllib3.exceptions.TimeoutError, TimeoutError, socket.timeout,
)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """exc and every exception it wraps (requests wraps urllib3, which wraps the socket's)."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop(0)
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo.extend(x for x in (e.__cause__, e.__context__, getattr(e, "reason", None), *e.args)
                    if isinstance(x, BaseException))


def classify(exc: BaseException) -> Failure:
    """What kind of network failure an exception from requests stands for."""
    chain = list(_chain(exc))
    if any(isinstance(e, (ssl.SSLError, requests.exceptions.SSLError)) for e in chain):
        return "tls"
    if any(isinstance(e, socket.gaierror) or type(e).__name__ == "NameResolutionError" for e in chain):
        return "dns"
    if any(isinstance(e, ConnectionRefusedError) or getattr(e, "errno", None) == errno.ECONNREFUSED for e in chain):
        return "refused"
    if any(isinstance(e, _DROPPED_TYPES) or getattr(e, "errno", None) in _DROPPED_ERRNOS for e in chain):
        return "dropped"
    if any(isinstance(e, _TIMEOUT_TYPES) for e in chain):
        return "timeout"
    return "other"


class NetworkError(Exception):
    """No complete answer: the kind of failure, and the status when headers arrived first."""

    def __init__(self, kind: Failure, detail: str, *, attempts: int, status: int | None = None,
                 length: str | None = None) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.attempts = attempts
        self.status = status  # set when the answer began and then stopped (kind "dropped" or "timeout")
        self.length = length  # its announced Content-Length, if any


# --- answers --------------------------------------------------------------------------------------

@dataclass
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes
    attempts: int
    elapsed_ms: int  # the last attempt, body included
    gave_up: float | None = None  # a Retry-After (seconds) longer than the policy waits

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body as JSON; None when it is not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def retryable(self) -> bool:
        return self.status == 429 or self.status >= 500


def request(session: requests.Session, method: str, url: str, policy: Policy, *, idempotent: bool = False,
            max_body: int | None = None, **kwargs: Any) -> Answer:
    """One request with the policy's retries; NetworkError when no complete answer came.

    idempotent: a connection dropped mid-answer is retried too (a read can safely be repeated).
    max_body: keep only this many bytes of the answer (enough for a diagnosis)."""
    return _retrying(policy, idempotent, lambda n: _once(session, method, url, policy, n, max_body, kwargs))


def download(session: requests.Session, url: str, policy: Policy, dest: Any, **kwargs: Any) -> Answer:
    """A GET whose answer goes to the file dest as it arrives (a 20 MB $metadata is never held in
    memory), with the policy's retries; the Answer's body is empty unless the status is not 2xx
    (then it holds the start of the body, for the diagnosis)."""
    return _retrying(policy, True, lambda n: _save(session, url, policy, n, dest, kwargs))


def _retrying(policy: Policy, idempotent: bool, attempt: Callable[[int], Answer]) -> Answer:
    """The one retry loop: 429 and 5xx (and, for reads, a dropped connection) tried again with
    backoff or the server's Retry-After, up to the policy's limits."""
    attempts = 0
    while True:
        attempts += 1
        started = time.monotonic()
        try:
            answer = attempt(attempts)
        except NetworkError as exc:
            if idempotent and exc.kind == "dropped" and attempts <= policy.retries:
                policy.sleep(policy.wait(attempts))
                continue
            raise
        answer.elapsed_ms = int((time.monotonic() - started) * 1000)
        if answer.retryable and attempts <= policy.retries:
            wait = policy.wait(attempts, answer.headers.get("Retry-After"))
            if wait > policy.max_retry_after:
                answer.gave_up = wait
                return answer
            policy.sleep(wait)
            continue
        return answer


def _save(session: requests.Session, url: str, policy: Policy, attempts: int, dest: Any, kwargs: dict[str, Any]
          ) -> Answer:
    try:
        resp = session.get(url, timeout=policy.timeout, allow_redirects=False, stream=True, **kwargs)
    except requests.RequestException as exc:
        raise NetworkError(classify(exc), type(exc).__name__, attempts=attempts) from None
    try:
        if 200 <= resp.status_code < 300:
            with open(dest, "wb") as out:
                for chunk in resp.iter_content(1 << 16):
                    out.write(chunk)
            body = b""
        else:
            body = resp.raw.read(MAX_BODY, decode_content=True) or b""
    except requests.RequestException as exc:
        raise NetworkError("dropped", type(exc).__name__, attempts=attempts, status=resp.status_code) from None
    finally:
        resp.close()
    return Answer(resp.status_code, resp.headers, body, attempts, 0)


def _once(session: requests.Session, method: str, url: str, policy: Policy, attempts: int, max_body: int | None,
          kwargs: dict[str, Any]) -> Answer:
    try:
        resp = session.request(method, url, timeout=policy.timeout, allow_redirects=False, stream=True, **kwargs)
    except requests.RequestException as exc:
        raise NetworkError(classify(exc), type(exc).__name__, attempts=attempts) from None
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in resp.iter_content(64 * 1024):
            chunks.append(chunk)
            size += len(chunk)
            if max_body is not None and size >= max_body:
                break
    except requests.RequestException as exc:
        kind = classify(exc)
        raise NetworkError("timeout" if kind == "timeout" else "dropped", f"{size} bytes, then {type(exc).__name__}",
                           attempts=attempts, status=resp.status_code,
                           length=resp.headers.get("Content-Length")) from None
    finally:
        resp.close()
    body = b"".join(chunks)
    return Answer(resp.status_code, resp.headers, body[:max_body] if max_body is not None else body, attempts, 0)


# --- what may be shown -----------------------------------------------------------------------------

class Redactor:
    """Masks secrets in anything that might be shown: any run of MIN_RUN or more of a secret's
    characters, in any letter case (a server may echo it truncated, upper-cased or split)."""

    MIN_RUN = 8

    def __init__(self, *secrets: str | None) -> None:
        self.secrets = [s.lower() for s in secrets if s]

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = self._mask(text, secret)
        return text

    def _mask(self, text: str, secret: str) -> str:
        n = self.MIN_RUN
        if not text or len(secret) < n:
            return text.replace(secret, "****") if text and secret else text
        lowered = text.lower()
        covered = [False] * len(text)
        for i in range(len(secret) - n + 1):
            gram = secret[i:i + n]
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


def server_message(text: str) -> str:
    """The interesting part of an error body (a JSON message field, else the text itself), on one
    line and safe for a terminal."""
    text = text.strip()
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("message", "error", "detail", "title", "errors"):
            if data.get(key):
                value = data[key]
                return printable(value if isinstance(value, str) else json.dumps(value)[:500])
    one_line = " ".join(text.split())
    return printable(one_line[:500] + ("..." if len(one_line) > 500 else "") if one_line else "(empty body)")
