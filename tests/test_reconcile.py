"""Issue 21.5-21.7: reconcile Acumatica with Jigx: missing, stale, orphaned and duplicated rows;
keys and _mod compared alike whatever their form; another tenant's rows; a killed repair
resumed; a Data API that refuses; each way the endpoint might store rows (serve's switches)."""

from __future__ import annotations

import csv
import json
import uuid
from pathlib import Path

import pytest

from jigx_acumatica.config import Target
from jigx_acumatica.definition import load_definition
from jigx_acumatica.local.endpoint import Endpoint
from jigx_acumatica.local.serve import endpoint_config
from tests.fakes.odata import FakeOData
from tests.helpers import ORG, SAMPLES, SOLUTION_ID, cli
from tests.test_backfill import PROPS

PAT = "jxpat_reconcile-canary-27b4"
ENV = {"JIGX_PAT": PAT, "ACUMATICA_USERNAME": "reader", "ACUMATICA_PASSWORD": "odata-Pa55-word!"}


@pytest.fixture
def app(tmp_path) -> Path:
    app = tmp_path / "app"
    assert cli("init", app, "--org", ORG, "--solution-id", SOLUTION_ID, "--company", "MainCo",
               "--table", SAMPLES / "customers.yaml").exit_code == 0
    db = app / "databases/default.jigx"
    db.write_text(db.read_text() + "  probe_rows:\n")
    return app


def customer(cid: str, mod: str, **extra) -> dict:
    return {"CustomerID": cid, "CustomerName": f"Name {cid}", "Status": "Active", "CustomerClass": "RETAIL",
            "Email": f"{cid.lower()}@example.com", "Phone": "+1 555", "CreditLimit": 100, "_tab": "Customer",
            "_mod": mod, **extra}


def push(ep: Endpoint, table: str, inserted: list[dict], deleted: list[dict] = ()) -> None:
    body = {"Inserted": inserted, "Deleted": list(deleted), "Query": "Jigx CDC customers", "CompanyId": "MainCo",
            "Id": str(uuid.uuid4()), "TimeStamp": 638000000000000000, "AdditionalInfo": {}}
    ep.store.apply(table, body)


def acumatica_file(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / "acumatica-rows.json"
    path.write_text(json.dumps(rows))
    return path


def serving(app: Path, tmp_path: Path, rows: str = "upsert", deleted: str = "remove") -> Endpoint:
    cfg = endpoint_config(app, PAT, Target(organization_id=ORG, solution_id=SOLUTION_ID), lambda _: None)
    cfg.rows, cfg.deleted = rows, deleted  # type: ignore[assignment]
    return Endpoint(cfg, tmp_path / f"jigx-{rows}-{deleted}.sqlite")


def reconcile(app: Path, ep: Endpoint, *args: str):
    return cli("reconcile", "--solution", app, "--base-url", ep.base_url, "--backoff", "0", "--json", *args, env=ENV)


def result(r) -> dict:
    return json.loads(r.stdout)["tables"][0]


ACUMATICA = [customer("C1", "2026-11-20T09:00:00.000"), customer("C2", "2026-11-21T09:00:00.000"),
             customer("C5", "2026-11-22T09:00:00.000")]


@pytest.mark.parametrize("rows,deleted", [("upsert", "remove"), ("append", "remove"), ("upsert", "ignore"),
                                          ("append", "ignore")])
def test_every_kind_of_drift_is_found_and_repaired(app, tmp_path, rows, deleted):
    source = acumatica_file(tmp_path, ACUMATICA)
    with serving(app, tmp_path, rows, deleted) as ep:
        push(ep, "customers", [customer("C1", "2026-11-20T09:00:00")])
        push(ep, "customers", [customer("C2", "2026-11-01T09:00:00")])  # older than Acumatica's: stale
        push(ep, "customers", [customer("C3", "2026-11-01T09:00:00")])  # gone from Acumatica: orphaned
        if rows == "append":
            push(ep, "customers", [customer("C1", "2026-11-20T09:00:00")])  # the same row twice: duplicated
        r = reconcile(app, ep, "--from", str(source))
        assert r.exit_code == 1, r.output
        found = result(r)
        assert (found["acumatica"], found["missing"], found["stale"], found["orphaned"]) == (3, 1, 1, 1)
        assert found["duplicated"] == (1 if rows == "append" else 0)
        assert found["sample"]["missing"] == [["C5"]] and found["sample"]["orphaned"] == [["C3"]]
        if deleted == "ignore":  # what the probe learns, the repair uses: orphans go by rid
            assert cli("verify", "--solution", app, "--base-url", ep.base_url, "--probe", "probe_rows",
                       env=ENV).exit_code == 0
        dry = reconcile(app, ep, "--from", str(source), "--repair", "--dry-run", "--max-deletes", "5")
        assert result(dry)["repair"]["rows"] == 2 and len(ep.store.rows("customers")) == (4 if rows == "append" else 3)
        for _ in range(2):  # appending, a stale row sent anew duplicates its key once more: a second pass removes it
            r = reconcile(app, ep, "--from", str(source), "--repair", "--force", "--max-deletes", "5")
            if r.exit_code == 0:
                break
        r = reconcile(app, ep, "--from", str(source))
        assert r.exit_code == 0 and result(r)["agree"], r.output
        assert sorted(row["CustomerID"] for row in ep.store.rows("customers")) == ["C1", "C2", "C5"]


def test_keys_and_mod_compare_alike_whatever_their_form(app, tmp_path):
    """Padded and composite keys, a decimal key sent as text, _mod with and without an offset."""
    definition = tmp_path / "breaks.yaml"
    definition.write_text("entity: PriceBreak\ntable: price-breaks\nsource: {dac: PX.Objects.AR.ARPriceWorksheet, "
                          "alias: W, deleted_flag: false}\nkey: [ItemCode, BreakQty]\ncolumns:\n"
                          "  ItemCode: W.InventoryCD\n  BreakQty: {field: W.BreakQty, type: decimal}\n"
                          "  Price: {field: W.Price, type: decimal}\n")
    assert cli("add", definition, "--solution", app).exit_code == 0
    acu = [{"ItemCode": "AALEGO500   ", "BreakQty": "10.000000", "Price": "1.5", "_tab": "PriceBreak",
            "_mod": "2026-11-20T09:15:02.100"},
           {"ItemCode": "AALEGO500   ", "BreakQty": "20.000000", "Price": "1.4", "_tab": "PriceBreak",
            "_mod": "2026-11-20T09:15:02.1234567"}]
    with serving(app, tmp_path) as ep:
        push(ep, "price-breaks", [{"ItemCode": "AALEGO500", "BreakQty": 10, "Price": 1.5, "_tab": "PriceBreak",
                                   "_mod": "2026-11-20T09:15:02.1+00:00"}])
        push(ep, "price-breaks", [{"ItemCode": "AALEGO500", "BreakQty": 20.0, "Price": 1.4, "_tab": "PriceBreak",
                                   "_mod": "2026-11-20T09:15:01+02:00"}])
        r = reconcile(app, ep, "price-breaks", "--from", str(acumatica_file(tmp_path, acu)))
        found = result(r)
        assert (found["missing"], found["orphaned"], found["duplicated"]) == (0, 0, 0), found
        assert found["stale"] == 1 and found["sample"]["stale"] == [["AALEGO500", 20]]


def test_rows_of_another_tenant_are_that_tenants(app, tmp_path):
    config = app / "jigx-acumatica.yaml"
    config.write_text(config.read_text() + "tenants: [MainCo, WestCo]\n")
    assert cli("generate", "--solution", app).exit_code == 0
    source = acumatica_file(tmp_path, ACUMATICA)
    with serving(app, tmp_path) as ep:
        for row in ACUMATICA:
            push(ep, "customers", [{**row, "_mod": row["_mod"][:19]}])
        push(ep, "customers_westco", [customer("W1", "2026-11-01T09:00:00")])  # another tenant's row
        r = reconcile(app, ep, "--from", str(source), "--tenant", "MainCo")
        assert r.exit_code == 0 and result(r)["agree"] and result(r)["tenant"] == "MainCo", r.output
        r = reconcile(app, ep, "--from", str(source), "--tenant", "WestCo")
        west = result(r)
        assert west["table"] == "customers_westco" and west["orphaned"] == 1 and west["missing"] == 3


def test_a_killed_repair_resumes_where_it_stopped(app, tmp_path):
    """The repair's pages are marked once acknowledged: after a failure mid-repair, the next
    --repair run sends the rest first (never a page twice), then compares afresh."""
    from jigx_acumatica.backfill.sources import FileSource
    from jigx_acumatica.jigx.data_api import DataApi
    from jigx_acumatica.reconcile import Jigx, Options, reconcile_table
    from jigx_acumatica.solution.queries import select_feeds, select_tables

    rows = [customer(f"C{i:03d}", "2026-11-20T09:00:00.000") for i in range(12)]
    source = acumatica_file(tmp_path, rows)
    feed = select_feeds(app, select_tables(app, ["customers"]), Target())[0]
    with serving(app, tmp_path) as ep:
        api = DataApi(f"{ep.base_url}/data", ORG, SOLUTION_ID, PAT)
        sent: list[str] = []

        def send(defn, body):
            if len(sent) == 2 and not resumed:
                raise KeyboardInterrupt  # killed after two pages were acknowledged
            ep.store.apply(defn.table, body)
            sent.append(body["Id"])

        resumed = False
        with pytest.raises(KeyboardInterrupt):
            reconcile_table(app, feed, FileSource(source), Jigx(api, send), Options(repair=True, batch_size=5))
        assert len(ep.store.rows("customers")) == 10
        resumed = True
        report = reconcile_table(app, feed, FileSource(source), Jigx(api, send), Options(repair=True, batch_size=5))
        assert report.resumed and report.counts.agree and len(sent) == 3 and len(set(sent)) == 3
        assert len(ep.store.rows("customers")) == 12


@pytest.mark.parametrize("status,code,words", [(401, 40, "refused the token"), (403, 40, "not documented"),
                                               (429, 42, "busy or down")])
def test_a_data_api_that_refuses_is_explained(app, tmp_path, httpserver, status, code, words):
    httpserver.expect_request(f"/data/organizations/{ORG}/solutions/{SOLUTION_ID}/databases/default/tables/"
                              "customers/rows").respond_with_json({"message": "no"}, status=status)
    r = cli("reconcile", "--solution", app, "--base-url", httpserver.url_for("/").rstrip("/"), "--backoff", "0",
            "--retries", "1", "--from", str(acumatica_file(tmp_path, ACUMATICA)), "--repair", env=ENV)
    assert r.exit_code == code and words in r.stderr and PAT not in r.output
    assert not [q for q, _ in httpserver.log if q.method == "POST"]  # nothing was sent


def test_reconcile_reads_acumatica_over_odata_as_backfill_does(app, tmp_path):
    rows = [{**customer(f"C{i}", f"2026-11-2{i}T09:00:00.000"), "BAccountID": i, "CreditLimit": "100.000000"}
            for i in range(3)]
    odata = FakeOData("Jigx CDC customers", PROPS, rows, tenant="MainCo")
    try:
        with serving(app, tmp_path) as ep:
            push(ep, "customers", [customer("C0", "2026-11-20T09:00:00")])
            r = reconcile(app, ep, "--acumatica-url", odata.url, "--tenant", "MainCo")
            found = result(r)
            assert (found["acumatica"], found["jigx"], found["missing"]) == (3, 1, 2), r.output
    finally:
        odata.close()


def test_reconcile_local_on_the_bundled_samples(tmp_path):
    """Done when: after a local backfill, rows removed from and changed in Acumatica's export are
    found, repaired, and then the two agree."""
    app = tmp_path / "demo"
    assert cli("generate", *sorted(SAMPLES.glob("*.yaml")), "--out", app, "--region", "us").exit_code == 0
    assert cli("backfill", "customers", "--solution", app, "--local", "--from", SAMPLES / "customers-rows.csv"
               ).exit_code == 0
    with (SAMPLES / "customers-rows.csv").open(newline="") as f:
        table = list(csv.reader(f))
    head, body = table[0], table[4:]  # three rows deleted in Acumatica
    body[0][1], body[0][-1] = "Renamed Ltd", "2026-12-01T09:00:00"
    changed = tmp_path / "changed.csv"
    with changed.open("w", newline="") as f:
        csv.writer(f).writerows([head, *body])
    r = cli("reconcile", "customers", "--solution", app, "--local", "--from", changed)
    assert r.exit_code == 1 and "0 missing, 1 stale, 3 orphaned, 0 duplicated" in r.stdout, r.output
    assert "--repair" in r.stdout
    r = cli("reconcile", "customers", "--solution", app, "--local", "--from", changed, "--repair")
    assert r.exit_code == 5 and "repair held back, nothing sent: it would delete 3 of the table's 25" in r.stdout
    assert "--max-deletes 3" in r.stdout  # 12% of the table: more than the bound allows unasked
    r = cli("reconcile", "customers", "--solution", app, "--local", "--from", changed, "--repair", "--max-deletes", "3")
    assert "repair sent: 1 rows, 3 deleted" in r.stdout, r.output
    r = cli("reconcile", "customers", "--solution", app, "--local", "--from", changed)
    assert r.exit_code == 0 and "they agree" in r.stdout
    last = json.loads((app / ".jigx-acumatica/reconcile/customers.json").read_text())
    assert last["agree"] and last["acumatica"] == 22
    assert not (app / ".jigx-acumatica/reconcile/customers.sqlite").exists()


def test_the_index_keeps_memory_flat_by_spilling_to_disk(app, tmp_path):
    """Both sides go to the index file, a page at a time: the file holds them, not the process."""
    from jigx_acumatica.reconcile.index import Index

    defn = load_definition(app / "acumatica/customers/table.yaml")
    index = Index(tmp_path / "i.sqlite", keep_rows=False)
    for page in range(20):
        index.add_acumatica(defn, [customer(f"C{page:02d}{i:03d}", "2026-11-20T09:00:00") for i in range(500)])
        index.add_jigx(defn, [(f"r{page}-{i}", customer(f"C{page:02d}{i:03d}", "2026-11-20T09:00:00"), "")
                              for i in range(0, 500, 2)])
    counts = index.counts()
    index.close()
    assert (counts.acumatica, counts.jigx, counts.missing) == (10_000, 5_000, 5_000)
    assert (tmp_path / "i.sqlite").stat().st_size > 200_000
