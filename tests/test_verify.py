"""verify against a real HTTP server on 127.0.0.1: every outcome, what went on the wire, no PAT leaks."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from werkzeug import Response

from tests.helpers import ORG, ROOT, SAMPLES, SOLUTION_ID, cli

PAT = "jxpat_S3cr3t-Token-4f9a2c7e1b"
PATH = f"/tool/organizations/{ORG}/solutions/{SOLUTION_ID}/acumatica/cdc"
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@pytest.fixture
def app(tmp_path) -> Path:
    app = tmp_path / "app"
    r = cli("init", app, "--region", "us", "--org", ORG, "--solution-id", SOLUTION_ID, "--company", "AcmeTenant",
            "--table", SAMPLES / "customers.yaml", "--table", SAMPLES / "sales-orders.yaml")
    assert r.exit_code == 0
    return app


def verify(app, httpserver, *args, env=None, input=None):
    base = httpserver.url_for("/").rstrip("/")
    # these fakes model the CDC route only: reading back is tested against serve (test_read_back.py)
    r = cli("verify", "--solution", app, "--base-url", base, "--backoff", "0.01", "--no-read-back", *args,
            env={"JIGX_PAT": PAT, **(env or {})}, input=input)
    for text in (r.stdout, r.stderr):
        assert PAT not in text, "the PAT leaked into the output"
    return r


def requests_seen(httpserver):
    return [req for req, _ in httpserver.log]


def test_success_sends_exactly_what_acumatica_would(app, httpserver):
    httpserver.expect_request(PATH, method="POST").respond_with_data("", status=200)
    r = verify(app, httpserver, "customers")
    assert r.exit_code == 0, r.output
    assert "endpoint verified" in r.stdout and re.search(r"HTTP 200 in \d+ ms", r.stdout)
    sent = requests_seen(httpserver)
    assert len(sent) == 2
    insert, cleanup = (json.loads(req.get_data()) for req in sent)
    for req in sent:
        assert req.path == PATH and req.args.to_dict() == {"table": "customers"}
        assert req.headers["Authorization"] == f"Bearer {PAT}"
        assert req.headers["Content-Type"] == "application/json; charset=utf-8"
        assert re.search(rb'"TimeStamp":\d+,', req.get_data())
    for body in (insert, cleanup):
        assert list(body) == ["Inserted", "Deleted", "Query", "CompanyId", "Id", "TimeStamp", "AdditionalInfo"]
        assert body["Query"] == "Jigx CDC customers" and body["CompanyId"] == "AcmeTenant"
        assert GUID.match(body["Id"]) and isinstance(body["TimeStamp"], int) and body["TimeStamp"] > 6 * 10**17
    assert insert["Id"] != cleanup["Id"] and cleanup["TimeStamp"] > insert["TimeStamp"]
    assert insert["Deleted"] == [] and len(insert["Inserted"]) == 1
    row = insert["Inserted"][0]
    assert list(row)[:7] == ["CustomerID", "CustomerName", "Status", "CustomerClass", "Email", "Phone", "CreditLimit"]
    # Customer keeps no deleted rows, so its inquiry (and so the test row) has no _del (issue 11)
    assert row["CustomerID"] == "JIGX-VERIFY-TEST" and row["_tab"] == "Customer" and "_del" not in row
    # local time without offset, trailing zero fractions trimmed as Acumatica writes them
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*[1-9])?", row["_mod"])
    assert set(insert["AdditionalInfo"]) == {"PXPerformanceInfoStartTime"}
    assert "verify test row" in row["CustomerName"]
    assert cleanup["Inserted"] == [] and cleanup["Deleted"] == [row]


def test_update_shape_and_no_cleanup(app, httpserver):
    httpserver.expect_request(PATH).respond_with_data("")
    r = verify(app, httpserver, "sales-order", "--shape", "update", "--no-cleanup", "--json")
    assert r.exit_code == 0
    sent = requests_seen(httpserver)
    assert len(sent) == 1
    body = json.loads(sent[0].get_data())
    new, old = body["Inserted"][0], body["Deleted"][0]
    assert (new["OrderType"], new["OrderNbr"]) == (old["OrderType"], old["OrderNbr"])
    assert new != old
    result = json.loads(r.stdout)
    assert result["ok"] and result["results"][0]["push"] == "update"


@pytest.mark.parametrize("status,code,words", [
    (401, 10, "expire"), (403, 10, "six months"), (404, 11, "organizationId"),
    (400, 12, "declared"), (422, 12, "rejected"), (409, 18, "not retried"), (405, 18, "unexpected"),
])
def test_error_statuses(app, httpserver, status, code, words):
    httpserver.expect_request(PATH).respond_with_json({"message": f"nope {status}"}, status=status)
    r = verify(app, httpserver, "customers")
    assert r.exit_code == code
    assert words in r.stdout and f"nope {status}" in r.stdout
    assert len(requests_seen(httpserver)) == 1, "4xx answers are never retried, and cleanup is skipped"


def test_5xx_is_retried_then_succeeds(app, httpserver):
    for _ in range(3):
        httpserver.expect_ordered_request(PATH).respond_with_data("busy", status=503)
    httpserver.expect_ordered_request(PATH).respond_with_data("", status=200)
    httpserver.expect_ordered_request(PATH).respond_with_data("", status=200)
    r = verify(app, httpserver, "customers", "--json")
    assert r.exit_code == 0, r.output
    results = json.loads(r.stdout)["results"]
    assert [x["attempts"] for x in results] == [4, 1]
    bodies = [req.get_data() for req in requests_seen(httpserver)]
    assert len(bodies) == 5 and bodies[0] == bodies[1] == bodies[2] == bodies[3], "a retry resends the same push"


def test_5xx_gives_up_after_the_retries(app, httpserver):
    httpserver.expect_request(PATH).respond_with_data("<html><body>Bad gateway</body></html>", status=502,
                                                      content_type="text/html")
    r = verify(app, httpserver, "customers", "--retries", "2")
    assert r.exit_code == 13
    assert len(requests_seen(httpserver)) == 3
    assert "Bad gateway" in r.stdout and "after 3 attempts" in r.stdout


def test_429_honours_retry_after(app, httpserver):
    httpserver.expect_ordered_request(PATH).respond_with_response(Response("slow down", status=429,
                                                                           headers={"Retry-After": "1"}))
    httpserver.expect_ordered_request(PATH).respond_with_data("")
    started = time.monotonic()
    r = verify(app, httpserver, "customers", "--no-cleanup")
    assert r.exit_code == 0
    assert time.monotonic() - started >= 0.9
    assert len(requests_seen(httpserver)) == 2


def test_redirect_is_not_followed(app, httpserver):
    httpserver.expect_request(PATH).respond_with_response(
        Response("", status=307, headers={"Location": "https://elsewhere.example/cdc"}))
    r = verify(app, httpserver, "customers")
    assert r.exit_code == 18 and "redirected to https://elsewhere.example/cdc" in r.stdout
    assert len(requests_seen(httpserver)) == 1


def test_huge_response_body_is_cut(app, httpserver):
    httpserver.expect_request(PATH).respond_with_data("x" * (8 * 1024 * 1024), status=400)
    r = verify(app, httpserver, "customers")
    assert r.exit_code == 12
    assert len(r.stdout) < 5000 and "..." in r.stdout


def test_server_that_hangs_times_out(app, httpserver):
    def slow(request):
        time.sleep(1.5)
        return Response("")

    httpserver.expect_request(PATH).respond_with_handler(slow)
    r = verify(app, httpserver, "customers", "--timeout", "0.3")
    assert r.exit_code == 14 and "no answer" in r.stdout


def test_nothing_listening(app):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = cli("verify", "--solution", app, "--base-url", f"http://127.0.0.1:{port}", env={"JIGX_PAT": PAT})
    assert r.exit_code == 15 and "connection refused" in r.stdout


def test_dns_failure(app, monkeypatch):
    real = socket.getaddrinfo

    def fake(host, *a, **k):
        if host == "no-such-host.invalid":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *a, **k)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    r = cli("verify", "--solution", app, "--base-url", "https://no-such-host.invalid", env={"JIGX_PAT": PAT})
    assert r.exit_code == 16 and "does not resolve" in r.stdout


def test_tls_error(app, httpserver):
    httpserver.expect_request(PATH).respond_with_data("")
    base = httpserver.url_for("/").rstrip("/").replace("http://", "https://")
    r = cli("verify", "--solution", app, "--base-url", base, "--timeout", "5", env={"JIGX_PAT": PAT})
    assert r.exit_code == 17 and "TLS" in r.stdout


def test_dry_run_sends_nothing_and_masks_the_pat(app, httpserver):
    r = verify(app, httpserver, "--dry-run")
    assert r.exit_code == 0
    assert requests_seen(httpserver) == []
    assert "Authorization: Bearer ****" in r.stdout
    assert r.stdout.count("POST http://127.0.0.1:") == 4  # two tables, insert and cleanup each
    r = verify(app, httpserver, "--dry-run", "--json")
    data = json.loads(r.stdout)
    assert data["requests"][0]["headers"]["Authorization"] == "Bearer ****"
    assert data["requests"][0]["body"]["Query"] == "Jigx CDC customers"


def test_pat_from_file_and_prompt(app, httpserver, tmp_path):
    httpserver.expect_request(PATH).respond_with_data("")
    pat_file = tmp_path / "pat.txt"
    pat_file.write_text(PAT + "\n")
    r = verify(app, httpserver, "customers", "--pat-file", pat_file, env={"JIGX_PAT": ""})
    assert r.exit_code == 0
    r = verify(app, httpserver, "customers", env={"JIGX_PAT": ""}, input=PAT + "\n")
    assert r.exit_code == 0
    assert all(req.headers["Authorization"] == f"Bearer {PAT}" for req in requests_seen(httpserver))


@pytest.mark.parametrize("args,env,message", [
    ([], {"JIGX_PAT": ""}, "no Personal Access Token"),
    (["--pat-file", "/nonexistent/pat"], {"JIGX_PAT": ""}, "PAT file not found"),
    ([], {"JIGX_PAT": "two words"}, "spaces"),
    (["--org", "not-a-uuid"], {}, "not a UUID"),
    (["unknown-table"], {}, "unknown table"),
])
def test_bad_verify_input(app, httpserver, args, env, message):
    r = verify(app, httpserver, *args, env=env)
    assert r.exit_code == 2 and message in r.stderr
    assert requests_seen(httpserver) == []


def test_missing_ids(tmp_path):
    app = tmp_path / "app"
    assert cli("init", app, "--table", SAMPLES / "customers.yaml").exit_code == 0
    r = cli("verify", "--solution", app, env={"JIGX_PAT": PAT})
    assert r.exit_code == 2 and "--org" in r.stderr and "--solution-id" in r.stderr


def test_pat_never_reaches_files_or_errors(app, httpserver):
    httpserver.expect_request(PATH).respond_with_json({"message": f"token {PAT} is expired"}, status=401)
    r = verify(app, httpserver, "--json")
    assert r.exit_code == 10
    assert "token **** is expired" in r.stdout
    for p in app.rglob("*"):
        if p.is_file():
            assert PAT.encode() not in p.read_bytes(), p


def test_requests_is_imported_only_by_verify():
    code = ("import sys; from click.testing import CliRunner; from jigx_acumatica.cli import main; "
            "r = CliRunner().invoke(main, ['generate', '--help']); assert r.exit_code == 0; "
            "print('requests' in sys.modules)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert p.stdout.strip() == "False", p.stderr
