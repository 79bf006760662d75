"""The one HTTP layer (transport.py) against real sockets on 127.0.0.1: the retry loop, Retry-After
in both forms, and network failures told apart by type and errno, never by message text."""

from __future__ import annotations

import socket
import struct
import threading
import time
from email.utils import formatdate

import pytest
import requests
import urllib3.exceptions

from jigx_acumatica.transport import NetworkError, Policy, Redactor, classify, request, retry_after_seconds
from tests.fakes.server import LocalServer, QuietHandler


class Script(QuietHandler):
    """Answers each request with the next (status, headers) of the server's script."""

    def do_GET(self) -> None:
        status, headers = self.server.script.pop(0) if self.server.script else (200, {})  # type: ignore[attr-defined]
        self.server.seen += 1  # type: ignore[attr-defined]
        body = b'{"message": "busy"}'
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def scripted():
    srv = LocalServer()
    srv.start(Script)
    srv.server.script = []  # type: ignore[attr-defined]
    srv.server.seen = 0  # type: ignore[attr-defined]
    yield srv
    srv.close()


def policy(waits: list[float], **kw) -> Policy:
    return Policy(timeout=2, backoff=0.5, cap=4, sleep=waits.append, jitter=lambda: 1.0, **kw)


def test_retries_5xx_and_429_with_capped_exponential_backoff(scripted):
    scripted.server.script = [(503, {}), (429, {}), (500, {}), (502, {}), (200, {})]
    waits: list[float] = []
    with requests.Session() as s:
        answer = request(s, "GET", scripted.url, policy(waits, retries=4))
    assert answer.status == 200 and answer.attempts == 5
    assert waits == [0.5, 1.0, 2.0, 4.0]  # doubles each time, never past the cap


def test_gives_up_after_the_retries_and_returns_the_last_answer(scripted):
    scripted.server.script = [(503, {})] * 3
    waits: list[float] = []
    with requests.Session() as s:
        answer = request(s, "GET", scripted.url, policy(waits, retries=2))
    assert answer.status == 503 and answer.attempts == 3 and len(waits) == 2 and answer.json() == {"message": "busy"}


def test_retry_after_in_seconds_and_as_an_http_date(scripted):
    scripted.server.script = [(503, {"Retry-After": "3"}), (503, {"Retry-After": formatdate(time.time() + 10,
                                                                                             usegmt=True)}), (200, {})]
    waits: list[float] = []
    with requests.Session() as s:
        request(s, "GET", scripted.url, policy(waits, retries=4, max_retry_after=60))
    assert waits[0] == 3 and 8 <= waits[1] <= 10
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_a_retry_after_longer_than_the_policy_waits_is_reported_not_waited(scripted):
    scripted.server.script = [(429, {"Retry-After": "3600"})]
    waits: list[float] = []
    with requests.Session() as s:
        answer = request(s, "GET", scripted.url, policy(waits, retries=4, max_retry_after=60))
    assert answer.gave_up == 3600 and waits == [] and scripted.server.seen == 1


def test_refused_by_errno():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens once closed
    with requests.Session() as session, pytest.raises(NetworkError) as caught:
        request(session, "GET", f"http://127.0.0.1:{port}/", Policy(timeout=2, retries=3, sleep=lambda _: None))
    assert caught.value.kind == "refused" and caught.value.attempts == 1  # a network failure is not retried


def _raw_server(handle) -> tuple[str, threading.Thread]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)

    def run() -> None:
        with listener:
            listener.settimeout(5)
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                handle(conn)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}/", thread


def test_reset_before_an_answer_is_dropped():
    def reset(conn: socket.socket) -> None:
        conn.recv(4096)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with RST

    url, _ = _raw_server(reset)
    with requests.Session() as session, pytest.raises(NetworkError) as caught:
        request(session, "GET", url, Policy(timeout=2, retries=0))
    assert caught.value.kind == "dropped" and caught.value.status is None


def test_an_answer_cut_mid_body_is_dropped_with_its_status_and_reads_are_retried():
    def cut(conn: socket.socket) -> None:
        conn.recv(4096)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")

    url, _ = _raw_server(cut)
    with requests.Session() as session, pytest.raises(NetworkError) as caught:
        request(session, "GET", url, Policy(timeout=2, retries=0))
    assert caught.value.kind == "dropped" and caught.value.status == 200 and caught.value.length == "100"


def test_silence_is_a_timeout():
    gate = threading.Event()
    url, _ = _raw_server(lambda conn: gate.wait(3))
    try:
        with requests.Session() as session, pytest.raises(NetworkError) as caught:
            request(session, "GET", url, Policy(timeout=0.3, retries=0))
        assert caught.value.kind == "timeout"
    finally:
        gate.set()


def test_tls_to_a_plain_http_server(scripted):
    with requests.Session() as session, pytest.raises(NetworkError) as caught:
        request(session, "GET", scripted.url.replace("http://", "https://"), Policy(timeout=2, retries=0))
    assert caught.value.kind == "tls"


def test_dns_failure_as_requests_wraps_it():
    """The chain requests builds for an unknown host (no lookup is made: tests stay offline)."""
    gai = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    conn = urllib3.exceptions.NewConnectionError(None, "Failed to establish a new connection")  # type: ignore[arg-type]
    conn.__cause__ = gai
    wrapped = requests.exceptions.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/", conn))  # type: ignore
    assert classify(wrapped) == "dns"


def test_the_message_text_never_decides():
    misleading = requests.exceptions.ReadTimeout("connection refused: name or service not known, reset")
    assert classify(misleading) == "timeout"
    assert classify(requests.exceptions.ConnectionError("timed out")) == "other"


def test_redactor_masks_every_secret_in_any_case_or_part():
    redact = Redactor("s3cret-Pa55word-Acu!", "jigx_pat_0123456789abcdef", None)
    text = redact("pw S3CRET-PA55WORD and token …0123456789ABCDEF… end")
    assert "S3CRET" not in text and "0123456789ABCDEF" not in text and text.endswith("end")
