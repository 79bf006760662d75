"""Issue 13: backfill reads the inquiry over OData (a fake that follows the documented contract)
and sends its rows to a Jigx CDC endpoint (the local one) page by page, resumably."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jigx_acumatica.config import Target
from jigx_acumatica.fsutil import locked
from jigx_acumatica.local.endpoint import Endpoint
from jigx_acumatica.local.serve import endpoint_config
from tests.fakes.odata import FakeOData
from tests.helpers import ORG, SAMPLES, SOLUTION_ID, cli, tree

PAT = "jxpat_backfill-canary-7f2a9c11"
PASSWORD = "odata-Pa55-word!"
PROPS = {"CustomerID": "Edm.String", "CustomerName": "Edm.String", "Status": "Edm.String",
         "CustomerClass": "Edm.String", "Email": "Edm.String", "Phone": "Edm.String", "CreditLimit": "Edm.Decimal",
         "_tab": "Edm.String", "_mod": "Edm.DateTimeOffset", "BAccountID": "Edm.Int32"}


def make_rows(n: int) -> list[dict]:
    return [{"CustomerID": f"C{i:06d}    ", "CustomerName": f"Customer {i}", "Status": "Active",
             "CustomerClass": "DEFAULT   ", "Email": f"c{i}@example.com", "Phone": "+1 555 0100",
             "CreditLimit": f"{i * 10}.000000", "_tab": "Customer",
             "_mod": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00.{i % 1000:03d}", "BAccountID": i}
            for i in range(n)]


@pytest.fixture
def app(tmp_path) -> Path:
    app = tmp_path / "app"
    r = cli("init", app, "--region", "us", "--org", ORG, "--solution-id", SOLUTION_ID, "--company", "MyTenant",
            "--table", SAMPLES / "customers.yaml")
    assert r.exit_code == 0
    return app


@pytest.fixture
def odata():
    fake = FakeOData("Jigx CDC customers", PROPS, make_rows(600))
    yield fake
    fake.close()


@pytest.fixture
def jigx(app, tmp_path):
    cfg = endpoint_config(app, PAT, Target(organization_id=ORG, solution_id=SOLUTION_ID), lambda _: None)
    with Endpoint(cfg, tmp_path / "jigx.sqlite") as ep:
        yield ep


def args(app, odata, jigx, *extra):
    return ["backfill", "customers", "--solution", app, "--acumatica-url", odata.url, "--tenant", "MyTenant",
            "--base-url", jigx.base_url, "--backoff", "0", *extra]


ENV = {"ACUMATICA_USERNAME": "reader", "ACUMATICA_PASSWORD": PASSWORD, "JIGX_PAT": PAT}


def stored(jigx) -> list[dict]:
    return jigx.store.rows("customers")


def test_every_row_lands_once_paged_by_key(app, odata, jigx):
    # 110 does not divide 600, so the short last page ends the read without an extra request.
    r = cli(*args(app, odata, jigx, "--batch-size", "110"), env=ENV)
    assert r.exit_code == 0, r.output
    rows = stored(jigx)
    assert len(rows) == 600 and len({row["CustomerID"] for row in rows}) == 600
    first = min(rows, key=lambda row: row["CustomerID"])
    assert first == {"CustomerID": "C000000", "CustomerName": "Customer 0", "Status": "Active",
                     "CustomerClass": "DEFAULT", "Email": "c0@example.com", "Phone": "+1 555 0100", "CreditLimit": 0,
                     "_tab": "Customer", "_mod": "2026-01-01T10:00:00"}
    reads = odata.page_reads()
    # 600 rows in pages of 110: six pages, then one read past the last key that proves the end
    assert len(reads) == 7 and all("$skip" not in q and q["$orderby"] == "CustomerID asc" for q in reads)
    assert "$filter" not in reads[0] and reads[1]["$filter"] == "((CustomerID gt 'C000109    '))"
    assert "600 rows read, sent 600 in 6 pages" in r.stdout


def test_pages_are_shaped_like_pushes(app, odata, jigx, tmp_path):
    cli(*args(app, odata, jigx, "--batch-size", "250"), env=ENV)
    db = sqlite3.connect(tmp_path / "jigx.sqlite")
    ids = [row[0] for row in db.execute("SELECT id FROM _notifications")]
    assert len(ids) == 3 and len(set(ids)) == 3
    r = cli(*args(app, odata, jigx, "--batch-size", "250", "--dry-run", "--json"), env=ENV)
    data = json.loads(r.stdout)["tables"][0]
    assert data["read"] == 600 and data["pages"] == 3


@pytest.mark.parametrize("odata_mod", ["2026-11-20T09:15:02.100", "2026-11-20T09:15:02.1",
                                       "2026-11-20T09:15:02.1000000"])
def test_backfilled_mod_has_the_form_pushes_give_it(app, odata, jigx, odata_mod):
    """Issue 17.6: GI OData writes Acumatica's local time without an offset, its fraction as it
    likes; a push trims trailing zeros (push-01's ...23.1). A row backfilled and then pushed has
    one _mod form, so the receiver's comparisons and inspect's freshness agree."""
    from datetime import datetime

    from jigx_acumatica.push_contract import local_datetime

    odata.rows = [dict(row, _mod=odata_mod) for row in make_rows(3)]
    assert cli(*args(app, odata, jigx), env=ENV).exit_code == 0
    pushed = local_datetime(datetime(2026, 11, 20, 9, 15, 2, 100000))
    assert pushed == "2026-11-20T09:15:02.1"
    assert {row["_mod"] for row in stored(jigx)} == {pushed}


def test_dry_run_sends_nothing(app, odata, jigx):
    r = cli(*args(app, odata, jigx, "--dry-run"), env={**ENV, "JIGX_PAT": ""})
    assert r.exit_code == 0 and stored(jigx) == []
    assert "would send 600" in r.stdout and '"CustomerID": "C000000"' in r.stdout


def test_since_loads_only_newer_rows(app, odata, jigx):
    r = cli(*args(app, odata, jigx, "--since", "2026-12-01"), env=ENV)
    assert r.exit_code == 0, r.output
    want = [row for row in make_rows(600) if row["_mod"] > "2026-12-01"]
    assert len(stored(jigx)) == len(want) > 0
    assert odata.requests[1]["query"] == {"$top": "1"}  # the rights probe, after $metadata
    assert all("_mod gt 2026-12-01" in q["query"].get("$filter", "") for q in odata.requests[2:])


def test_since_last_continues_after_the_previous_run(app, odata, jigx):
    assert cli(*args(app, odata, jigx), env=ENV).exit_code == 0
    odata.requests.clear()
    r = cli(*args(app, odata, jigx, "--since", "last"), env=ENV)
    assert r.exit_code == 0 and "modified since 2026-12-27T10:00:00Z" in r.stdout


@pytest.mark.parametrize("failure,code,message", [
    ("401", 30, "refused"), ("403", 31, "View Only"), ("404", 32, "Expose via OData"),
])
def test_odata_failures_are_explained(app, odata, jigx, failure, code, message):
    odata.failures = [failure]
    r = cli(*args(app, odata, jigx), env=ENV)
    assert r.exit_code == code and message in r.stderr, r.output
    assert stored(jigx) == []


def test_missing_rights_are_found_by_one_row_read_before_anything_is_sent(app, odata, jigx):
    """Issue 17.2: $metadata lists the inquiry to a user without rights; its rows answer 403. The
    $top=1 read right after $metadata says so, with the fix, before a single row is sent."""
    odata.rights = False
    r = cli(*args(app, odata, jigx), env=ENV)
    assert r.exit_code == 31, r.output
    assert "no rights to screen GI990001" in r.stderr and "nothing was sent" in r.stderr
    assert "Access Rights by Screen (SM201020)" in r.stderr and "odataRole" in r.stderr
    assert [q["query"] for q in odata.requests] == [{}, {"$top": "1"}] and stored(jigx) == []
    odata.rights = True
    odata.requests.clear()
    assert cli(*args(app, odata, jigx), env=ENV).exit_code == 0
    assert odata.requests[1]["query"] == {"$top": "1"} and len(stored(jigx)) == 600


@pytest.mark.parametrize("failures", [["429"], ["500", "500"], ["drop"], ["slow"]])
def test_transient_failures_are_retried(app, odata, jigx, failures):
    odata.failures = [None] + failures  # $metadata first, then the first page fails
    r = cli(*args(app, odata, jigx, "--batch-size", "200"), env=ENV)
    assert r.exit_code == 0, r.output
    assert len(stored(jigx)) == 600


def test_not_exposed_and_missing_columns(app, odata, jigx):
    odata.inquiry = "Another inquiry"
    r = cli(*args(app, odata, jigx), env=ENV)
    assert r.exit_code == 32 and "is not exposed over OData" in r.stderr
    odata.inquiry = "Jigx CDC customers"
    del odata.properties["_mod"]
    r = cli(*args(app, odata, jigx), env=ENV)
    assert r.exit_code == 2 and "_mod" in r.stderr and "captions" in r.stderr


def test_from_csv_and_json(app, jigx, tmp_path):
    base = ["backfill", "customers", "--solution", app, "--base-url", jigx.base_url]
    r = cli(*base, "--from", SAMPLES / "customers-rows.csv", env=ENV)
    assert r.exit_code == 0, r.output
    assert len(stored(jigx)) == 25
    f = tmp_path / "rows.json"
    f.write_text(json.dumps({"value": make_rows(40)}))
    r = cli(*base, "--from", f, "--restart", env=ENV)
    assert r.exit_code == 0 and len(stored(jigx)) == 40  # its first 25 keys are the CSV's: upserted, not doubled
    r = cli("backfill", "customers", "--solution", app, "--local", "--from", SAMPLES / "customers-rows.csv",
            "--restart")
    assert r.exit_code == 0 and "sent 25" in r.stdout


def test_a_position_belongs_to_one_input(app, jigx, tmp_path):
    """Issue 19.1: an interrupted run from one file continues only from that file, unchanged;
    another folder's rows.json, or the same file exported again, is refused until --restart,
    never continued at the old offset."""
    from jigx_acumatica.backfill.run import Position, position_file, save_position
    from jigx_acumatica.backfill.sources import FileSource

    first, other = tmp_path / "a" / "rows.json", tmp_path / "b" / "rows.json"
    for f, n in ((first, 60), (other, 90)):
        f.parent.mkdir()
        f.write_text(json.dumps({"value": make_rows(n)}))
    # a run from the first file, killed after 20 rows
    save_position(app, Position("customers", FileSource(first).name, offset=20, read=20, sent=20))
    base = ["backfill", "customers", "--solution", app, "--base-url", jigx.base_url]
    r = cli(*base, "--from", other, env=ENV)
    assert r.exit_code == 2 and "another input" in r.stderr and "--restart" in r.stderr, r.output
    assert str(first.parent) in r.stderr and stored(jigx) == []
    first.write_text(json.dumps({"value": make_rows(61)}))  # the same path, exported again
    r = cli(*base, "--from", first, env=ENV)
    assert r.exit_code == 2 and "or the file changed" in r.stderr and stored(jigx) == []
    first.write_text(json.dumps({"value": make_rows(60)}))  # as it was: the run continues at row 21
    r = cli(*base, "--from", first, env=ENV)
    assert r.exit_code == 0 and len(stored(jigx)) == 40, r.output
    assert json.loads(position_file(app, "customers").read_text())["done"] is True
    r = cli(*base, "--from", other, env=ENV)  # the last run finished: another input simply starts
    assert r.exit_code == 0 and len(stored(jigx)) == 90


def test_a_source_without_the_key_or_mod_is_refused_with_the_right_fix(app, jigx, tmp_path):
    f = tmp_path / "vendors.csv"
    f.write_text("VendorID,VendorName,_mod\nV1,One,2026-01-01T00:00:00\n")
    r = cli("backfill", "customers", "--solution", app, "--base-url", jigx.base_url, "--from", f, env=ENV)
    assert r.exit_code == 2 and "lacks the column(s) CustomerID" in r.stderr
    assert "Name its columns as the result columns of 'customers': CustomerID, CustomerName" in r.stderr
    odata = FakeOData("Jigx CDC customers", {k: v for k, v in PROPS.items() if k != "_mod"}, make_rows(3))
    try:
        r = cli(*args(app, odata, jigx), env=ENV)
    finally:
        odata.close()
    assert r.exit_code == 2 and "lacks the column(s) _mod" in r.stderr and "OData $metadata" in r.stderr
    assert "publish it again" in r.stderr and stored(jigx) == []


@pytest.mark.parametrize("text,line,message", [
    ("CustomerID,_mod\nC1,2026-01-01\n" + "C" * 200_000 + ",2026-01-01\n", 3, "field larger than field limit"),
    ("CustomerID,_mod\nC1,2026-01-01,extra\n", 2, "more fields than the header"),
])
def test_a_csv_the_csv_module_refuses_is_an_input_error(app, tmp_path, text, line, message):
    f = tmp_path / "rows.csv"
    f.write_text(text)
    r = cli("backfill", "customers", "--solution", app, "--local", "--from", f, "--allow-missing-columns")
    assert r.exit_code == 2 and f"rows.csv:{line}:" in r.stderr and message in r.stderr, r.output
    assert "internal error" not in r.output


def test_one_row_is_one_row(app, tmp_path):
    f = tmp_path / "rows.csv"
    f.write_text("CustomerID,_mod\nC1,2026-01-01T00:00:00\n")
    r = cli("backfill", "customers", "--solution", app, "--local", "--from", f, "--allow-missing-columns")
    assert r.exit_code == 0 and "1 row read" in r.output and "1 rows read" not in r.output


def test_backfill_then_pushes_of_the_same_rows_leave_one_row_per_key(app, jigx):
    cli("backfill", "customers", "--solution", app, "--base-url", jigx.base_url, "--from",
        SAMPLES / "customers-rows.csv", env=ENV)
    assert cli("verify", "customers", "--solution", app, "--base-url", jigx.base_url, "--no-cleanup",
               env=ENV).exit_code == 0
    sample = json.loads((app / "acumatica/customers/sample-push.json").read_text())
    sample["Inserted"][0]["CustomerID"] = "C000001"
    import requests

    url = f"{jigx.base_url}/tool/organizations/{ORG}/solutions/{SOLUTION_ID}/acumatica/cdc?table=customers"
    requests.post(url, json=sample, headers={"Authorization": f"Bearer {PAT}"}, timeout=10)
    ids = [row["CustomerID"] for row in stored(jigx)]
    assert len(ids) == len(set(ids)) == 26  # 25 backfilled (C000001 updated, not doubled) + the verify row


def test_two_runs_take_turns_on_the_lock(app, jigx):
    with locked(app):
        r = cli("backfill", "customers", "--solution", app, "--local", "--from", SAMPLES / "customers-rows.csv",
                "--lock-timeout", "0.2")
    assert r.exit_code == 3


def test_sigkill_then_rerun_loses_nothing(app, odata, jigx, tmp_path):
    odata.rows = make_rows(2000)
    env = {**os.environ, **ENV}
    cmd = [sys.executable, "-m", "jigx_acumatica", *map(str, args(app, odata, jigx, "--batch-size", "50", "-q"))]
    rng = random.Random(13)
    kills = 0
    for _ in range(4):
        p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.25, 0.6))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            kills += 1
        p.wait()
    last = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert last.returncode == 0, last.stderr
    assert len(stored(jigx)) == 2000
    db = sqlite3.connect(tmp_path / "jigx.sqlite")
    pages = db.execute("SELECT count(*) FROM _notifications").fetchone()[0]
    assert pages == 2000 // 50, "each page landed once (a page resent after a kill has the same Id)"
    assert kills > 0


def test_no_secret_in_any_output_or_file(app, odata, jigx, tmp_path):
    outputs = [cli(*args(app, odata, jigx, *extra), env=ENV).output
               for extra in ([], ["--dry-run", "--json"], ["--restart"])]
    odata.failures = ["401"]
    outputs.append(cli(*args(app, odata, jigx, "--restart"), env=ENV).output)
    for out in outputs:
        assert PASSWORD not in out and PAT not in out
    for rel, data in tree(app).items():
        assert PASSWORD.encode() not in data and PAT.encode() not in data, rel


ITEMS = """entity: StockItem
table: items
inquiry: Jigx CDC items
source: {dac: PX.Objects.IN.InventoryItem}
key: [ItemClass, InventoryID]
columns:
  ItemClass: InventoryItem.ItemClassID
  InventoryID: InventoryItem.InventoryCD
  Descr: InventoryItem.Descr
odata: true
screen_id: GI990101
"""
ITEM_PROPS = {"ItemClass": "Edm.String", "InventoryID": "Edm.String", "Descr": "Edm.String", "_tab": "Edm.String",
              "_del": "Edm.Boolean", "_mod": "Edm.DateTimeOffset"}


def test_composite_keys_deleted_rows_and_the_byte_bound(tmp_path):
    """A two-column key pages past (class, id) pairs; rows Acumatica keeps as deleted (_del true)
    are not sent; a page never passes --max-bytes, however many rows --batch-size allows."""
    (tmp_path / "items.yaml").write_text(ITEMS)
    app = tmp_path / "app"
    assert cli("init", app, "--org", ORG, "--solution-id", SOLUTION_ID, "--company", "MyTenant",
               "--table", tmp_path / "items.yaml").exit_code == 0
    rows = [{"ItemClass": cls, "InventoryID": f"I{n:03d}", "Descr": "x" * 900, "_tab": "StockItem",
             "_del": n % 10 == 0, "_mod": "2026-01-01T10:00:00"} for cls in ("ALPHA", "BETA",
                                                                             "GAMMA") for n in range(40)]
    odata = FakeOData("Jigx CDC items", ITEM_PROPS, rows)
    cfg = endpoint_config(app, PAT, Target(organization_id=ORG, solution_id=SOLUTION_ID), lambda _: None)
    try:
        with Endpoint(cfg, tmp_path / "jigx.sqlite") as ep:
            r = cli("backfill", "items", "--solution", app, "--acumatica-url", odata.url, "--tenant", "MyTenant",
                    "--base-url", ep.base_url, "--backoff", "0", "--batch-size", "25", "--max-bytes", "10000", env=ENV)
            assert r.exit_code == 0, r.output
            landed = ep.store.rows("items")
    finally:
        odata.close()
    live = {(row["ItemClass"], row["InventoryID"]) for row in rows if not row["_del"]}
    assert {(row["ItemClass"], row["InventoryID"]) for row in landed} == live and len(landed) == len(live)
    assert "12 deleted in Acumatica skipped" in r.stdout
    reads = odata.page_reads()
    assert reads[0]["$orderby"] == "ItemClass asc,InventoryID asc"
    assert reads[1]["$filter"] == "((ItemClass gt 'ALPHA') or (ItemClass eq 'ALPHA' and InventoryID gt 'I024'))"
    db = sqlite3.connect(tmp_path / "jigx.sqlite")
    pages = db.execute("SELECT count(*) FROM _notifications").fetchone()[0]
    assert pages > len(live) // 25 + 1, "10 KB holds fewer than 25 rows of 900 characters: more, smaller pages"


BAD_ROWS = ("CustomerID,CustomerName,CreditLimit,_mod\n"
            "C1,Acme,100.5,2026-01-01T10:00:00\n"
            "C2,Bolt,abc,2026-01-02T10:00:00\n"       # not a number
            ",Nobody,1,2026-01-03T10:00:00\n"         # empty key
            "C1,Acme again,1,2026-01-04T10:00:00\n"   # a key the file repeats
            "C5,Cog,2,someday\n"                      # a date the tool cannot read
            "C6,Dent,3,10/3/2026 2:15 PM\n")          # a grid-export date: fine


def test_rows_that_cannot_be_sent_are_named_and_nothing_is_sent(app, jigx, tmp_path):
    """Issue 19.5: each bad row is reported with the file and row, and the run refuses before
    sending anything; --skip-bad-rows sends the others and counts the skipped."""
    f = tmp_path / "rows.csv"
    f.write_text(BAD_ROWS)
    base = ["backfill", "customers", "--solution", app, "--base-url", jigx.base_url, "--from", f,
            "--allow-missing-columns"]
    r = cli(*base, env=ENV)
    assert r.exit_code == 2 and stored(jigx) == [], r.output
    for said in ("row 3, CreditLimit is 'abc', not a number", "row 4, CustomerID is empty (a key column)",
                 "row 5: the key (CustomerID='C1') repeats row 2", "row 6, _mod is 'someday'", "nothing was sent",
                 "--skip-bad-rows"):
        assert said in r.stderr, said
    assert "row 7" not in r.stderr and "rows.csv" in r.stderr
    r = cli(*base, "--skip-bad-rows", env=ENV)
    assert r.exit_code == 0, r.output
    assert sorted(row["CustomerID"] for row in stored(jigx)) == ["C1", "C6"]
    assert "skipped 4 rows that cannot be sent as they are" in r.stdout
    assert next(row for row in stored(jigx) if row["CustomerID"] == "C6")["_mod"] == "2026-10-03T14:15:00"
    assert next(row for row in stored(jigx) if row["CustomerID"] == "C1")["CustomerName"] == "Acme"


def test_grid_dates_normalise_and_since_last_never_crashes(app, jigx, tmp_path):
    f = tmp_path / "rows.csv"
    f.write_text("CustomerID,_mod\nC1,10/3/2026 2:15 PM\nC2,3/10/2026 9:00 AM\n")
    base = ["backfill", "customers", "--solution", app, "--base-url", jigx.base_url, "--from", f,
            "--allow-missing-columns"]
    assert cli(*base, env=ENV).exit_code == 0
    r = cli(*base, "--since", "last", env=ENV)
    assert r.exit_code == 0 and "modified since 2026-10-02T14:15:00Z" in r.stdout, r.output  # a day of overlap
    r = cli(*base, "--restart", "--date-order", "dmy", "--dry-run", "--json", env=ENV)
    assert r.exit_code == 0 and json.loads(r.stdout)["tables"][0]["first_row"]["_mod"] == "2026-03-10T14:15:00"


@pytest.mark.parametrize("kind", ["semicolon", "utf8-bom", "utf16", "tab", "json-odata", "xlsx"])
def test_files_as_consultants_have_them(app, jigx, tmp_path, kind):
    """Issue 19.7: ';' and tab separated CSV, UTF-8 with a BOM, UTF-16 with its mark, an OData
    answer saved as it came, and an Excel workbook all read as the same rows."""
    rows = [("C1", "Acme; Inc", "2026-01-01T10:00:00"), ("C2", "Bolt", "2026-01-02T10:00:00")]
    f = tmp_path / ("rows.xlsx" if kind == "xlsx" else "rows.json" if kind.startswith("json") else "rows.csv")
    if kind == "xlsx":
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(["CustomerID", "CustomerName", "_mod"])
        for key, name, mod in rows:
            sheet.append([key, name, __import__("datetime").datetime.fromisoformat(mod)])
        book.save(f)
    elif kind == "json-odata":
        f.write_text(json.dumps({"@odata.context": "x", "value": [
            {"CustomerID": k, "CustomerName": n, "_mod": m} for k, n, m in rows]}))
    else:
        sep = "\t" if kind == "tab" else ";" if kind == "semicolon" else ","
        text = f"CustomerID{sep}CustomerName{sep}_mod\n" + "".join(
            f'{k}{sep}"{n}"{sep}{m}\n' for k, n, m in rows)
        f.write_bytes(text.encode("utf-16") if kind == "utf16" else
                      ("\ufeff" + text).encode("utf-8") if kind == "utf8-bom" else text.encode())
    r = cli("backfill", "customers", "--solution", app, "--base-url", jigx.base_url, "--from", f,
            "--allow-missing-columns", env=ENV)
    assert r.exit_code == 0, r.output
    got = sorted((row["CustomerID"], row["CustomerName"], row["_mod"]) for row in stored(jigx))
    assert got == rows


def test_a_file_that_cannot_be_read_is_named_for_what_it_is(app, tmp_path):
    f = tmp_path / "rows.csv"
    f.write_bytes("CustomerID,_mod\nC1,2026\n".encode("utf-16-le"))  # UTF-16 without its mark
    r = cli("backfill", "customers", "--solution", app, "--local", "--from", f)
    assert r.exit_code == 2 and "UTF-16 without a byte-order mark" in r.stderr
    f.write_bytes(b"CustomerID,_mod\nC1,\xff\xfe2026\n")
    r = cli("backfill", "customers", "--solution", app, "--local", "--from", f)
    assert r.exit_code == 2 and "not UTF-8 text" in r.stderr and "Traceback" not in r.output


def test_many_tables_are_read_at_once_and_reported_in_their_order(app, tmp_path):
    """Issue 19.15: tables are backfilled concurrently (bounded), each from a source of its own;
    the results come in the tables' order, and a failing table stops only itself, raised after
    the others finished with their positions saved."""
    import threading
    import time as clock

    from jigx_acumatica.backfill import TABLES_AT_ONCE, backfill
    from jigx_acumatica.backfill.run import Options, load_position
    from jigx_acumatica.definition import load_definition
    from jigx_acumatica.errors import InputError
    from jigx_acumatica.rows import Summary

    running, peak = [0], [0]
    lock = threading.Lock()

    class Rows:  # a source of the Source protocol: pages of rows, resumable by offset
        name, shown = "test:rows", "test rows"
        summary = Summary()

        def for_table(self):
            return Rows()

        def check(self, defn):
            if defn.table == "sales-order":
                raise InputError("this inquiry is not exposed")

        def pages(self, defn, pos, since, top):
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            clock.sleep(0.2)  # long enough for the others to start
            with lock:
                running[0] -= 1
            kinds = {c.name: c.type for c in defn.columns}
            rows = [{k: n + 1 if kinds[k] == "int" else f"{defn.table}-{n}" for k in defn.key}
                    | {"_mod": "2026-01-01T00:00:00"} for n in range(3)]

            def advance(n):
                pos.offset += n
            yield rows, advance

    for extra in ("vendors.yaml", "sales-orders.yaml", "contacts.yaml"):
        assert cli("add", SAMPLES / extra, "--solution", app).exit_code == 0
    defs = [load_definition(app / f"acumatica/{t}/table.yaml") for t in ("contacts", "customers", "sales-order",
                                                                          "vendors")]
    cfg = endpoint_config(app, PAT, Target(organization_id=ORG, solution_id=SOLUTION_ID), lambda _: None)
    jigx = Endpoint(cfg, tmp_path / "many.sqlite").start()
    target = Target(organization_id=ORG, solution_id=SOLUTION_ID, base_url=jigx.base_url, company="MyTenant")
    with pytest.raises(InputError, match="not exposed"):
        backfill(app, defs, Rows(), target, pat=PAT, options=Options())
    assert 1 < peak[0] <= TABLES_AT_ONCE
    for table in ("contacts", "customers", "vendors"):  # the others finished, their positions saved
        assert load_position(app, table).done
    good = [d for d in defs if d.table != "sales-order"]
    results = backfill(app, good, Rows(), target, pat=PAT, options=Options(restart=True))
    jigx.close()
    assert [r.table for r in results] == ["contacts", "customers", "vendors"] and all(r.sent == 3 for r in results)
