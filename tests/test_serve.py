"""The local CDC endpoint over real HTTP on a free loopback port: contract, store rules, concurrency."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests

from jigx_acumatica.config import Target
from jigx_acumatica.local.endpoint import Endpoint
from jigx_acumatica.local.serve import endpoint_config
from tests.helpers import ORG, ROOT, SAMPLES, SOLUTION_ID, cli

TOKEN = "local-test-token-5d1c"
CUSTOMERS = SAMPLES / "customers.yaml"


@pytest.fixture
def app(tmp_path) -> Path:
    app = tmp_path / "app"
    r = cli("init", app, "--org", ORG, "--solution-id", SOLUTION_ID, "--table", CUSTOMERS,
            "--table", SAMPLES / "sales-orders.yaml")
    assert r.exit_code == 0
    return app


@pytest.fixture
def endpoint(app, tmp_path):
    lines: list[str] = []
    cfg = endpoint_config(app, TOKEN, Target(organization_id=ORG, solution_id=SOLUTION_ID), lines.append)
    cfg.max_body = 64 * 1024
    with Endpoint(cfg, tmp_path / "cdc.sqlite") as ep:
        ep.lines = lines
        yield ep


def url(ep, table="customers", org=ORG, solution=SOLUTION_ID):
    query = f"?table={table}" if table is not None else ""
    return f"{ep.base_url}/tool/organizations/{org}/solutions/{solution}/acumatica/cdc{query}"


def post(ep, body, table="customers", token=TOKEN, **kw):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return requests.post(url(ep, table, **kw), data=data, headers=headers, timeout=10)


def rows(ep, table="customers"):
    """The table's rows through the Data API's route, every page, in key order (the CustomerID,
    else the content)."""
    out, token = [], None
    while True:
        r = requests.get(f"{ep.base_url}/data/organizations/{ORG}/solutions/{SOLUTION_ID}/databases/default/tables/"
                         f"{table}/rows", params={"limit": 7, **({"continuationToken": token} if token else {})},
                         headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
        assert r.status_code == 200
        out += [item["content"] for item in r.json()["items"]]
        token = r.json().get("continuationToken")
        if not token:
            return sorted(out, key=lambda c: (str(c.get("CustomerID", "")).strip(), json.dumps(c, sort_keys=True)))


def row(cid, name="Name", mod="2026-11-20T09:00:00.000", **extra):
    return {"CustomerID": cid, "CustomerName": name, "_tab": "Customer", "_del": False, "_mod": mod, **extra}


_ids = iter(range(10**6))


def note(inserted=(), deleted=(), ts=639307629021170000, nid=None):
    return {"Inserted": list(inserted), "Deleted": list(deleted), "Query": "Jigx CDC customers",
            "CompanyId": "MyTenant", "Id": nid or f"00000000-0000-4000-8000-{next(_ids):012d}", "TimeStamp": ts,
            "AdditionalInfo": {}}


def test_sample_push_is_accepted_and_stored(endpoint, app):
    body = json.loads((app / "acumatica/customers/sample-push.json").read_text())
    r = post(endpoint, body)
    assert r.status_code == 200 and r.content == b""
    assert rows(endpoint) == body["Inserted"]
    assert re.search(r"table=customers inserted=1 updated=0 deleted=0 ignored=0", endpoint.lines[-1])


@pytest.mark.parametrize("case,status,message", [
    ("no token", 401, "Bearer"),
    ("wrong token", 401, "Bearer"),
    ("no table", 400, "table query parameter is required"),
    ("undeclared table", 400, "not declared"),
    ("wrong org", 404, "unknown organization"),
    ("not json", 400, "not valid UTF-8 JSON"),
    ("missing Query", 400, "Query"),
    ("Inserted not array", 400, "Inserted must be an array"),
    ("TimeStamp string", 400, "TimeStamp must be an integer"),
    ("too large", 413, "larger than"),
])
def test_requests_are_checked(endpoint, case, status, message):
    body = note([row("A")])
    kwargs = {}
    if case == "no token":
        kwargs["token"] = None
    elif case == "wrong token":
        kwargs["token"] = "nope"
    elif case == "no table":
        kwargs["table"] = None
    elif case == "undeclared table":
        kwargs["table"] = "vendors"
    elif case == "wrong org":
        kwargs["org"] = "11111111-1111-4111-8111-111111111111"
    elif case == "not json":
        body = b"\xff{not json"
    elif case == "missing Query":
        del body["Query"]
    elif case == "Inserted not array":
        body["Inserted"] = {}
    elif case == "TimeStamp string":
        body["TimeStamp"] = "639307629021170000"
    elif case == "too large":
        body["Inserted"] = [row("A", "x" * 70_000)]
    r = post(endpoint, body, **kwargs)
    assert r.status_code == status
    assert message in r.json()["error"]
    assert rows(endpoint) == []
    assert TOKEN not in " ".join(endpoint.lines)


def test_method_and_path_errors_do_not_crash(endpoint):
    assert requests.put(url(endpoint), data="{}", timeout=5).status_code == 405
    assert requests.post(endpoint.base_url + "/nope", data="{}", timeout=5).status_code == 404
    assert requests.get(endpoint.base_url + "/data/organizations/x/solutions/y/databases/default/tables/customers/"
                        "rows", timeout=5).status_code == 401
    assert requests.get(endpoint.base_url + "/tool/organizations/x/solutions/y/tables/customers/rows",
                        timeout=5).status_code == 404  # not a route Jigx has
    assert post(endpoint, note([row("A")])).status_code == 200  # still serving


def test_update_pair_becomes_one_upsert_and_keys_are_trimmed(endpoint):
    post(endpoint, note([row("ABC ", "Old")]))
    r = post(endpoint, note([row("ABC", "New", mod="2026-11-20T10:00:00")], [row("ABC  ", "Old")],
                            ts=639307629021170001))
    assert r.status_code == 200
    assert [x["CustomerName"] for x in rows(endpoint)] == ["New"]
    assert "inserted=0 updated=1 deleted=0" in endpoint.lines[-1]


def test_delete_and_soft_delete(endpoint):
    post(endpoint, note([row("A"), row("B"), row("C")]))
    post(endpoint, note([], [row("A")], ts=639307629021170002))
    post(endpoint, note([row("B", _del=True)], [row("B")], ts=639307629021170003))
    assert [x["CustomerID"] for x in rows(endpoint)] == ["C"]
    assert "deleted=1" in endpoint.lines[-1]


def test_duplicate_notification_is_applied_once(endpoint):
    body = note([row("A", "First")])
    assert post(endpoint, body).status_code == 200
    post(endpoint, note([], [row("A")], ts=639307629021170005))
    assert post(endpoint, body).status_code == 200  # a resend after the delete: must not resurrect the row
    assert rows(endpoint) == []
    assert "duplicate notification" in endpoint.lines[-1]


def test_out_of_order_updates_do_not_overwrite_newer_data(endpoint):
    newer = note([row("A", "Newer", mod="2026-11-20T10:00:00")], ts=639307629021179999)
    older = note([row("A", "Older", mod="2026-11-20T09:00:00")], ts=639307629021170000)
    post(endpoint, newer)
    post(endpoint, older)
    assert rows(endpoint)[0]["CustomerName"] == "Newer"
    assert "older than the stored row" in endpoint.lines[-1]
    # an older delete does not remove newer data either
    post(endpoint, note([], [row("A", mod="2026-11-20T08:00:00")], ts=639307629021170001))
    assert rows(endpoint)[0]["CustomerName"] == "Newer"


def test_empty_keys_are_ignored_with_a_reason(endpoint):
    post(endpoint, note([row("  "), {"CustomerName": "no key"}, row("OK")]))
    assert [x["CustomerID"] for x in rows(endpoint)] == ["OK"]
    assert "ignored=2" in endpoint.lines[-1] and "empty or missing key" in endpoint.lines[-1]


def test_concurrent_pushes_lose_nothing(endpoint):
    errors = []

    def worker(n):
        try:
            for i in range(25):
                body = note([row(f"T{n:02d}-{i:03d}")])
                if post(endpoint, body).status_code != 200:
                    errors.append((n, i))
                if i % 5 == 0:  # replays from several threads at once
                    post(endpoint, body)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    keys = [x["CustomerID"] for x in rows(endpoint)]
    assert len(keys) == 200 and len(set(keys)) == 200


def test_rows_survive_in_the_sqlite_file(app, tmp_path):
    db = tmp_path / "keep.sqlite"
    cfg = endpoint_config(app, TOKEN, Target(), lambda _: None)
    with Endpoint(cfg, db) as ep:
        assert post(ep, note([row("KEEP")])).status_code == 200
    with Endpoint(cfg, db) as ep:
        assert [x["CustomerID"] for x in rows(ep)] == ["KEEP"]


def test_verify_local_proves_the_whole_chain(app):
    r = cli("verify", "--local", "--solution", app)
    assert r.exit_code == 0, r.output
    assert r.stdout.count("test row stored") == 2 and r.stdout.count("test row removed") == 2
    r = cli("verify", "--local", "--solution", app, "--shape", "update", "--json", "sales-order")
    data = json.loads(r.stdout)
    assert data["ok"] and [c["step"] for c in data["checks"]] == ["update", "cleanup"]


def test_verify_local_needs_declared_tables(app):
    db = app / "databases/default.jigx"
    db.write_text(db.read_text().replace("  customers:\n", ""))
    r = cli("verify", "--local", "--solution", app)
    assert r.exit_code == 2 and "not declared" in r.stderr


def test_serve_command_end_to_end(app, tmp_path):
    """The real command in a subprocess: prints where it listens, accepts a push, stops on SIGINT."""
    env = {k: v for k, v in os.environ.items() if k != "JIGX_PAT"}
    p = subprocess.Popen([sys.executable, "-m", "jigx_acumatica", "serve", "--solution", str(app), "--port", "0",
                          "--db", str(tmp_path / "s.sqlite")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, cwd=ROOT, env=env)
    try:
        base = p.stdout.readline().strip().removeprefix("listening on ")
        token = p.stdout.readline().strip().removeprefix("token: ")
        assert base.startswith("http://127.0.0.1:") and token.startswith("local-")
        body = json.loads((app / "acumatica/customers/sample-push.json").read_text())
        r = requests.post(f"{base}/tool/organizations/{ORG}/solutions/{SOLUTION_ID}/acumatica/cdc?table=customers",
                          json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert r.status_code == 200
    finally:
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=10)
    assert p.returncode == 0, err
    assert "table=customers inserted=1" in err and "Traceback" not in err


def test_a_declared_table_without_a_definition_is_stored_by_content(app, tmp_path):
    """Issue 19.12: serve stores rows for every table databases/default.jigx declares. With no
    definition the key is unknown: each distinct row is kept, and a row in Deleted removes the
    identical one, so an update (old half deleted, new half inserted) leaves the new row."""
    db = app / "databases/default.jigx"
    db.write_text(db.read_text() + "  notes:\n")
    cfg = endpoint_config(app, TOKEN, Target(organization_id=ORG, solution_id=SOLUTION_ID), lambda _: None)
    with Endpoint(cfg, tmp_path / "n.sqlite") as ep:
        old, new = {"Text": "draft", "_mod": "2026-01-01T10:00:00"}, {"Text": "final", "_mod": "2026-01-02T10:00:00"}
        assert post(ep, note([old, old, {"Text": "other"}]), table="notes").status_code == 200
        assert sorted(r["Text"] for r in rows(ep, "notes")) == ["draft", "other"]
        assert post(ep, note([new], [old]), table="notes").status_code == 200
        assert sorted(r["Text"] for r in rows(ep, "notes")) == ["final", "other"]
        assert post(ep, note([], [{"Text": "other"}]), table="notes").status_code == 200
        assert rows(ep, "notes") == [new]
