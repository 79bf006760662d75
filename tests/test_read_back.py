"""Issue 21.1-21.4: Jigx's Data API (the client, and serve answering its routes with the exported
shapes), verify reading each table back, and verify --probe, against each way the real endpoint
might store rows (serve --rows upsert|append, --deleted remove|ignore)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import requests

from jigx_acumatica.config import Target
from jigx_acumatica.local.endpoint import Endpoint
from jigx_acumatica.local.serve import endpoint_config
from tests.helpers import ORG, ROOT, SAMPLES, SOLUTION_ID, cli

PAT = "jxpat_read-back-canary-93f1"
SCHEMAS = json.loads((ROOT / "tests/fixtures/jigx-data-api-schemas.json").read_text())["schemas"]


@pytest.fixture
def app(tmp_path) -> Path:
    app = tmp_path / "app"
    assert cli("init", app, "--org", ORG, "--solution-id", SOLUTION_ID, "--table", SAMPLES / "customers.yaml",
               "--table", SAMPLES / "sales-orders.yaml").exit_code == 0
    db = app / "databases/default.jigx"
    db.write_text(db.read_text() + "  probe_rows:\n")  # a throwaway table to probe
    return app


def serving(app: Path, tmp_path: Path, rows: str = "upsert", deleted: str = "remove") -> Endpoint:
    cfg = endpoint_config(app, PAT, Target(organization_id=ORG, solution_id=SOLUTION_ID), lambda _: None)
    cfg.rows, cfg.deleted = rows, deleted  # type: ignore[assignment]
    return Endpoint(cfg, tmp_path / f"{rows}-{deleted}.sqlite")


def data_url(ep: Endpoint, tail: str = "") -> str:
    return f"{ep.base_url}/data/organizations/{ORG}/solutions/{SOLUTION_ID}/databases/default{tail}"


def validate(instance, name: str) -> None:
    jsonschema.Draft7Validator(SCHEMAS[name], format_checker=jsonschema.FormatChecker()).validate(instance)


def verify(app: Path, ep_or_url, *args, env=None):
    base = ep_or_url if isinstance(ep_or_url, str) else ep_or_url.base_url
    return cli("verify", "--solution", app, "--base-url", base, "--backoff", "0", *args,
               env={"JIGX_PAT": PAT, **(env or {})})


def test_serve_answers_the_data_api_routes_in_the_exported_shapes(app, tmp_path):
    """Every answer validates against the response schema of Jigx's own export; pages follow
    continuationToken to the end; delete by rid and in bulk."""
    with serving(app, tmp_path) as ep:
        sample = json.loads((app / "acumatica/customers/sample-push.json").read_text())
        post = f"{ep.base_url}/tool/organizations/{ORG}/solutions/{SOLUTION_ID}/acumatica/cdc?table=customers"
        auth = {"Authorization": f"Bearer {PAT}"}
        for i in range(7):
            row = {**sample["Inserted"][0], "CustomerID": f"C{i}"}
            body = {**sample, "Inserted": [row], "Id": f"00000000-0000-4000-8000-00000000001{i}"}
            assert requests.post(post, json=body, headers=auth, timeout=10).status_code == 200
        seen, token, pages = [], None, 0
        while True:
            r = requests.get(data_url(ep, "/tables/customers/rows"), headers=auth, timeout=10,
                             params={"limit": 3, **({"continuationToken": token} if token else {})})
            assert r.status_code == 200
            validate(r.json(), "ListOrSyncDataRowsResponse")
            seen += r.json()["items"]
            pages += 1
            token = r.json().get("continuationToken")
            if not token:
                break
        assert pages == 3 and sorted(i["content"]["CustomerID"] for i in seen) == [f"C{i}" for i in range(7)]
        one = requests.get(data_url(ep, f"/tables/customers/rows/{seen[0]['rid']}"), headers=auth, timeout=10)
        validate(one.json(), "GetDataRowResponse")
        database = requests.get(data_url(ep), headers=auth, timeout=10).json()
        validate(database, "GetDatabaseResponse")
        assert "customers" in database["content"]["tables"]
        bulk = {"rids": [i["rid"] for i in seen[:3]]}
        validate(bulk, "BulkDeleteDataRowsRequest")
        assert requests.delete(data_url(ep, "/tables/customers/rows"), json=bulk, headers=auth,
                               timeout=10).status_code == 204
        assert requests.delete(data_url(ep, f"/tables/customers/rows/{seen[3]['rid']}"), headers=auth,
                               timeout=10).status_code == 204
        assert requests.get(data_url(ep, f"/tables/customers/rows/{seen[3]['rid']}"), headers=auth,
                            timeout=10).status_code == 404
        assert len(ep.store.rows("customers")) == 3
        assert requests.get(data_url(ep, "/tables/customers/rows"), timeout=10).status_code == 401
        assert requests.get(data_url(ep, "/tables/nosuch/rows"), headers=auth, timeout=10).status_code == 404


@pytest.mark.parametrize("rows,deleted", [("upsert", "remove"), ("append", "remove"), ("upsert", "ignore"),
                                          ("append", "ignore")])
def test_verify_reads_each_table_back_whatever_the_endpoint_does(app, tmp_path, rows, deleted):
    with serving(app, tmp_path, rows, deleted) as ep:
        r = verify(app, ep, "--json")
        assert r.exit_code == 0, r.output
        results = json.loads(r.stdout)["results"]
        inserts = [o for o in results if o["push"] == "insert"]
        cleanups = [o for o in results if o["push"] == "cleanup"]
        assert all("is in" in o["read_back"] for o in inserts)
        if deleted == "remove":
            assert all(o["read_back"] == "the test row is gone" for o in cleanups)
        else:  # the endpoint kept the row sent in Deleted: verify removed it by rid, and says so
            assert all("did not remove the row sent in Deleted" in o["read_back"] for o in cleanups)
        assert ep.store.rows("customers") == [] and ep.store.rows("sales-order") == []


def test_a_push_accepted_but_not_stored_is_its_own_failure(app, httpserver):
    httpserver.expect_request("/tool/organizations/" + ORG + f"/solutions/{SOLUTION_ID}/acumatica/cdc",
                              method="POST").respond_with_data("", status=200)
    httpserver.expect_request(f"/data/organizations/{ORG}/solutions/{SOLUTION_ID}/databases/default/tables/"
                              "customers/rows").respond_with_json({"count": 0, "items": []})
    r = verify(app, httpserver.url_for("/").rstrip("/"), "customers")
    assert r.exit_code == 19, r.output
    assert "accepted, but the test row is not in the table" in r.stdout and "verify --probe" in r.stdout


@pytest.mark.parametrize("status,what", [(401, "refused the token"), (403, "refused the token"),
                                         (429, "busy or down")])
def test_a_data_api_that_cannot_be_read_leaves_the_pushes_results_standing(app, httpserver, status, what):
    httpserver.expect_request("/tool/organizations/" + ORG + f"/solutions/{SOLUTION_ID}/acumatica/cdc",
                              method="POST").respond_with_data("", status=200)
    httpserver.expect_request(f"/data/organizations/{ORG}/solutions/{SOLUTION_ID}/databases/default/tables/"
                              "customers/rows").respond_with_json({"message": f"no {PAT}"}, status=status)
    r = verify(app, httpserver.url_for("/").rstrip("/"), "customers", "--retries", "1")
    assert r.exit_code == 0, r.output
    assert "not read back" in r.stdout and what in r.stdout and PAT not in r.output
    if status in (401, 403):
        assert "not documented" in r.stdout and "JIGX_DATA_TOKEN" in r.stdout
    reads = [req for req, _ in httpserver.log if "/data/" in req.path]
    assert len(reads) == (2 if status == 429 else 1)  # read once per table; 429 retried, then left


def test_the_data_token_is_its_own_secret(app, tmp_path):
    with serving(app, tmp_path) as ep:
        r = verify(app, ep, "customers", env={"JIGX_DATA_TOKEN": "another-token-0000"})
        assert r.exit_code == 0 and "not read back" in r.stdout and "refused the token" in r.stdout
        assert "another-token-0000" not in r.output


@pytest.mark.parametrize("rows,deleted,expected", [
    ("upsert", "remove", {"rows_mode": "upsert", "deleted_removes": True, "del_true_hides": True,
                          "repeated_id_ignored": True}),
    ("append", "ignore", {"rows_mode": "append", "deleted_removes": False, "del_true_hides": False,
                          "repeated_id_ignored": True}),
])
def test_probe_learns_how_the_endpoint_stores_rows(app, tmp_path, rows, deleted, expected):
    with serving(app, tmp_path, rows, deleted) as ep:
        r = verify(app, ep, "--probe", "probe_rows", "--json")
        assert r.exit_code == 0, r.output
        assert "writes test rows there" in r.stderr
        recorded = json.loads((app / ".jigx-acumatica/endpoint.json").read_text())["tables"]["probe_rows"]
        assert {k: recorded[k] for k in expected} == expected
        assert recorded["stores_inserts"] and "ProbeKey" in recorded["stored_keys"] and PAT not in json.dumps(recorded)
        assert ep.store.rows("probe_rows") == []  # its rows were deleted by rid
        r = verify(app, ep, "--probe", "probe_rows")
        assert "a row sent in Deleted only" in r.stdout and "recorded in" in r.stdout
        assert verify(app, ep, "--probe", "undeclared").exit_code == 2
