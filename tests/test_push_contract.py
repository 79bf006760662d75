"""Issue 11: the generated inquiry pushes exactly the right rows and values, and everything the
tool shows about a push (sample, verify payload, local endpoint, inspect) agrees with it."""

from __future__ import annotations

import json
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import requests
from ruamel.yaml import YAML

from jigx_acumatica import schema
from jigx_acumatica.config import Target
from jigx_acumatica.local.endpoint import Endpoint
from jigx_acumatica.local.serve import endpoint_config
from tests.helpers import ORG, SAMPLE_FILES, SOLUTION_ID, TARGET_ARGS, cli, doctor_json

# Definitions written for this test (not in the repository): one DAC of each deleted-flag kind.
KEEPS = """entity: StockItem
table: items
source: {dac: PX.Objects.IN.InventoryItem}
key: [InventoryID]
where:
  - InventoryItem.StkItem: true
  - any:
      - {field: InventoryItem.ItemStatus, op: equals, value: AC}
      - {field: InventoryItem.ItemStatus, op: starts-with, value: N}
columns:
  InventoryID: InventoryItem.InventoryCD
  Descr: InventoryItem.Descr
  Status: InventoryItem.ItemStatus
"""
DROPS = """entity: Order
table: orders
source: {dac: PX.Objects.SO.SOOrder}
joins:
  - {dac: PX.Objects.AR.Customer, on: [[SOOrder.CustomerID, Customer.BAccountID]]}
key: [OrderType, OrderNbr]
where:
  - SOOrder.OrderType: [SO, RM]
  - {field: SOOrder.OrderDate, op: between, value: [2025-01-01, 2025-12-31]}
  - {field: Customer.AcctName, op: is-not-empty}
columns:
  OrderType: SOOrder.OrderType
  OrderNbr: SOOrder.OrderNbr
  CustomerName: Customer.AcctName
"""
UNKNOWN = """entity: Appointment
table: appointments
source: {dac: PX.Objects.FS.FSAppointment}
key: [RefNbr]
columns:
  RefNbr: FSAppointment.RefNbr
  Status: FSAppointment.Status
"""


@pytest.fixture
def app(tmp_path) -> Path:
    defs = tmp_path / "defs"
    defs.mkdir()
    for name, text in (("items", KEEPS), ("orders", DROPS), ("appointments", UNKNOWN)):
        (defs / f"{name}.yaml").write_text(text)
    app = tmp_path / "app"
    r = cli("init", app, *TARGET_ARGS, *[a for p in sorted(defs.iterdir()) for a in ("--table", p)])
    assert r.exit_code == 0, r.output
    (tmp_path / "init-stderr.txt").write_text(r.stderr)
    return app


def gi_row(app: Path, table: str):
    return ET.parse(app / f"acumatica/{table}/generic-inquiry.xml").getroot().find("data/GIDesign/row")


def result_fields(row) -> dict[str, tuple[str, str]]:
    return {r.get("Caption"): (t.get("Alias"),
                               r.get("Field")) for t in row.findall("GITable") for r in t.findall("GIResult")}


def test_del_follows_what_the_table_keeps(app, tmp_path):
    keeps, drops, unknown = gi_row(app, "items"), gi_row(app, "orders"), gi_row(app, "appointments")
    assert result_fields(keeps)["_del"] == ("InventoryItem", "DeletedDatabaseRecord")
    assert keeps.get("ShowDeletedRecords") == "1"
    for row in (drops, unknown):
        assert "_del" not in result_fields(row) and row.get("ShowDeletedRecords") == "0"
        assert not any(r.get("Field", "").startswith("=False") for r in row.iter("GIResult"))
    # the unknown DAC is said, with its file and line
    warnings = (tmp_path / "init-stderr.txt").read_text()
    assert "appointments.yaml:3: it is not known whether PX.Objects.FS.FSAppointment keeps deleted rows" in warnings
    assert "deleted_flag: true" in warnings


def test_conditions_match_real_exports(app):
    rows = [(w.get("OpenBrackets", ""), w.get("DataFieldName"), w.get("Condition"), w.get("Value1"), w.get("Value2"),
             w.get("CloseBrackets", ""), w.get("Operation")) for w in gi_row(app, "orders").findall("GIWhere")]
    assert rows == [("(", "SOOrder.orderType", "E", "SO", None, "", "O"),
                    ("", "SOOrder.orderType", "E", "RM", None, ")", "A"),
                    ("", "SOOrder.orderDate", "B", "2025-01-01", "2025-12-31", "", "A"),
                    ("", "Customer.acctName", "NN", None, None, "", "A")]
    rows = [(w.get("OpenBrackets", ""), w.get("Condition"), w.get("Value1"), w.get("CloseBrackets", ""),
             w.get("Operation")) for w in gi_row(app, "items").findall("GIWhere")]
    assert rows == [("", "E", "True", "", "A"), ("(", "E", "AC", "", "O"), ("", "RL", "N", ")", "A")]
    assert all(w.get("IsExpression") == "0" for w in gi_row(app, "items").findall("GIWhere"))
    spec = (app / "acumatica/orders/generic-inquiry.md").read_text()
    assert "leaves the\ninquiry" in spec and "`Deleted` only" in spec


def sample(app: Path, table: str) -> dict:
    return json.loads((app / f"acumatica/{table}/sample-push.json").read_text())


def test_sample_verify_and_serve_agree_about_del(app, tmp_path):
    for table, has_del in (("items", True), ("orders", False), ("appointments", False)):
        row = sample(app, table)["Inserted"][0]
        assert ("_del" in row) == has_del, table
        if has_del:
            assert row["_del"] is False
        r = cli("verify", table, "--solution", app, "--dry-run", "--json")
        assert r.exit_code == 0
        for req in json.loads(r.stdout)["requests"]:
            for sent in req["body"]["Inserted"] + req["body"]["Deleted"]:
                assert ("_del" in sent) == has_del, (table, sent)
    assert cli("verify", "--local", "--solution", app).exit_code == 0
    # the local endpoint: a soft delete (_del true) removes an item; a Deleted-only order is its delete
    lines: list[str] = []
    cfg = endpoint_config(app, "t0k", Target(organization_id=ORG, solution_id=SOLUTION_ID, company="MyTenant"),
                          lines.append)
    with Endpoint(cfg, tmp_path / "db.sqlite") as ep:
        def push(table: str, body: dict) -> None:
            url = f"{ep.base_url}/tool/organizations/{ORG}/solutions/{SOLUTION_ID}/acumatica/cdc?table={table}"
            assert requests.post(url, json=body, headers={"Authorization": "Bearer t0k"}, timeout=10).status_code == 200

        for table in ("items", "orders"):
            push(table, sample(app, table))
            assert len(ep.store.rows(table)) == 1
        item = sample(app, "items")
        gone = dict(item, Id="00000000-0000-4000-8000-000000000001", TimeStamp=item["TimeStamp"] + 1,
                    Inserted=[dict(item["Inserted"][0], _del=True)])
        push("items", gone)
        order = sample(app, "orders")
        left = dict(order, Id="00000000-0000-4000-8000-000000000002", TimeStamp=order["TimeStamp"] + 1,
                    Inserted=[], Deleted=order["Inserted"])
        push("orders", left)
        assert ep.store.rows("items") == [] and ep.store.rows("orders") == []
        push("orders", dict(order, CompanyId="OtherTenant", Id="00000000-0000-4000-8000-000000000003",
                            TimeStamp=order["TimeStamp"] + 2))
    assert any("FLAG" in ln and "OtherTenant" in ln for ln in lines)


def test_inspect_names_rows_that_left_and_other_tenants(app, tmp_path):
    order = sample(app, "orders")
    f = tmp_path / "left.json"
    f.write_text(json.dumps(dict(order, Inserted=[], Deleted=order["Inserted"], CompanyId="OtherTenant")))
    r = cli("inspect", f, "--solution", app)
    assert "left the inquiry (deleted, or no longer matches its conditions)" in r.stdout
    assert r.exit_code == 1 and "another tenant" in r.stdout
    strings = dict(order, Inserted=[dict(order["Inserted"][0], _del="False")], CompanyId="MyTenant")
    f.write_text(json.dumps(strings))
    r = cli("inspect", f, "--solution", app)
    assert r.exit_code == 1 and 'the payload has _del' in r.stdout and '"False"' in r.stdout


def test_checklist_tracks_every_alias_with_the_reason(app):
    orders = (app / "acumatica/orders/push-notification.md").read_text()
    assert "tick **Track All Fields**" in orders and "**Inquiries** grid" in orders and "**Active**" in orders
    assert "`SOOrder.LastModifiedDateTime`" in orders and "`Customer.LastModifiedDateTime`" in orders
    assert "joined `Customer` does not touch" in orders
    items = (app / "acumatica/items/push-notification.md").read_text()
    assert "On the **Fields** tab, list the fields below" in items and "Track All Fields**." not in items
    assert "In **Fields**, tick" not in orders + items  # the old, wrong layout


def test_address_length_counts_real_ids_and_too_long_fails(tmp_path):
    d = tmp_path / "d.yaml"
    d.write_text("entity: Thing\ntable: " + "t" * 30 + "\nsource: {dac: PX.Objects.IN.InventoryItem}\n"
                 "key: [ID]\ncolumns:\n  ID: InventoryItem.InventoryCD\n")
    r = cli("generate", d, "--out", tmp_path / "a")
    assert r.exit_code == 0
    text = (tmp_path / "a/acumatica" / ("t" * 30) / "push-notification.md").read_text()
    base = len("https://ap-southeast-2.api.jigx.com/v2.0")
    want = base + len("/tool/organizations/") + 36 + len("/solutions/") + 36 + len("/acumatica/cdc?table=") + 30
    assert f"({want} of 250 characters, once the placeholders are filled in with real ids)" in text
    r = cli("generate", d, "--out", tmp_path / "b", "--base-url", "https://jigx.example.com/" + "p" * 80)
    assert r.exit_code == 2 and "Address field takes 250" in r.stderr


def test_init_gives_every_sample_a_list_jig_that_reads_its_datasource(tmp_path):
    app = tmp_path / "app"
    r = cli("init", app, *TARGET_ARGS, *[a for p in SAMPLE_FILES for a in ("--table", p)])
    assert r.exit_code == 0, r.output
    index = YAML(typ="safe").load((app / "index.jigx").read_text())
    assert schema.problems("index", index) == []
    tables = [e["table"] for e in index["onTableChanged"]]
    home = YAML(typ="safe").load((app / "jigs/home.jigx").read_text())
    (grid,) = home["children"]
    widgets = [item["options"]["children"]["options"]["jigId"] for item in grid["options"]["children"]]
    assert grid["type"] == "component.grid" and widgets == sorted(tables)  # the home reaches every table
    for table in tables:
        jig = YAML(typ="safe").load((app / f"jigs/{table}.jigx").read_text())
        assert schema.problems("jig", jig) == [] and jig["type"] == "jig.list"
        assert jig["data"] == f"=@ctx.datasources.{table}-list" and jig["badge"] == f"=$count(@ctx.datasources.{table})"
        assert (app / f"datasources/{table}.jigx").is_file()
        assert jig["item"]["options"]["onPress"]["options"]["linkTo"] == f"{table}-detail"
        assert (app / f"jigs/{table}-detail.jigx").is_file()
    # four tabs at most (home and the first three tables), as Jigx's bar shows them
    assert list(index["tabs"]) == ["home", *tables[:3]]
    code, found = doctor_json(app)  # clean, but for the rights no role is granted yet
    assert code == 4 and [f["message"].split(":")[0] for f in found] == ["no odataRole"], found
    r = cli("remove", tables[0], "--solution", app)
    assert r.exit_code == 0 and tables[0] not in YAML(typ="safe").load((app / "index.jigx").read_text())["tabs"]
    assert f"jigId: {tables[0]}\n" not in (app / "jigs/home.jigx").read_text()


def test_datasource_skips_soft_deleted_rows_and_puts_keys_first(app):
    ds = YAML(typ="safe").load((app / "datasources/items.jigx").read_text())
    query = ds["options"]["query"].replace("[default/items]", "items")
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, data TEXT)")
    for n, deleted in ((1, False), (2, True), (3, None)):
        row = {"InventoryID": f"I{n}", "Descr": "d", "Status": "Active", "_tab": "StockItem", "_mod": "2026-01-01"}
        if deleted is not None:
            row["_del"] = deleted
        db.execute("INSERT INTO items (data) VALUES (?)", (json.dumps(row),))
    cur = db.execute(query)
    names = [c[0] for c in cur.description]
    assert names[:2] == ["id", "InventoryID"]
    assert [r[1] for r in cur.fetchall()] == ["I1", "I3"]
    orders = YAML(typ="safe").load((app / "datasources/orders.jigx").read_text())["options"]["query"]
    assert "_del" not in orders


@pytest.mark.parametrize("where,message", [
    ("  - Custmer.Status: A\n", "alias 'Custmer' is not declared"),
    ("  - {field: Customer.Status, op: equal, value: A}\n", "did you mean 'equals'"),
    ("  - {field: Customer.Status, op: between, value: A}\n", "'between' needs two values"),
    ("  - {field: Customer.Status, op: is-empty, value: A}\n", "'is-empty' takes no value"),
    ("  - {field: Customer.Status, op: greater}\n", "'greater' needs a value"),
    ("  - any: [{Customer.Status: A}]\n", "at least two conditions"),
    ("  - Customer.Status: []\n", "list of values is empty"),
    ("  - Customer.Status: {a: 1}\n", "a value must be text"),
    ("  - Status\n", "must be a condition"),
    ("  - {field: Customer.Status, op: equals, value: A, extra: 1}\n", "unknown key 'extra'"),
])
def test_bad_conditions_are_clear(tmp_path, where, message):
    d = tmp_path / "d.yaml"
    d.write_text("entity: Customer\nsource: {dac: PX.Objects.AR.Customer}\nkey: [ID]\ncolumns:\n"
                 "  ID: Customer.AcctCD\nwhere:\n" + where)
    r = cli("generate", d, "--out", tmp_path / "app")
    assert r.exit_code == 2, r.output
    assert message in r.stderr and "d.yaml:7:" in r.stderr, r.stderr
    assert "fix:" in r.stderr


@pytest.mark.parametrize("extra,code,message", [
    ("odata: true\n", 2, "needs a screen_id"),
    ("odata: true\nscreen_id: gi990001\n", 2, "is not an Acumatica screen ID"),
    ("odata: yes please\n", 2, "odata must be true or false"),
    ("screen_id: GI990001\n", 0, "used only with 'odata: true'"),
])
def test_odata_rules(tmp_path, extra, code, message):
    d = tmp_path / "d.yaml"
    d.write_text("entity: Customer\nsource: {dac: PX.Objects.AR.Customer}\nkey: [ID]\ncolumns:\n"
                 "  ID: Customer.AcctCD\n" + extra)
    r = cli("generate", d, "--out", tmp_path / "app")
    assert r.exit_code == code and message in r.stderr, r.output


@pytest.mark.parametrize("dac", ["PX.Objects.AR.Customer", "PX.Objects.CR.BAccount", "PX.Objects.SO.SOOrder",
                                 "PX.Objects.IN.INSite", "PX.Objects.FS.FSServiceOrder", "Acme.Objects.Widget"])
def test_a_dac_no_source_settles_is_unknown_and_the_warning_says_how_to_settle_it(tmp_path, dac):
    """Issue 17.4: no source says a table drops deleted rows, so only sourced DACs default to _del;
    every other DAC, Customer included, warns with the way to ask the instance, and an explicit
    deleted_flag either way is the user's answer (no warning, and the inquiry follows it)."""
    from jigx_acumatica.definition.dacs import deleted_rows
    assert deleted_rows(dac) == "unknown"
    alias = dac.rsplit(".", 1)[1]
    d = tmp_path / "d.yaml"
    base = f"entity: Thing\nsource:\n  dac: {dac}\n"
    rest = f"key: [ID]\ncolumns:\n  ID: {alias}.Code\n"
    d.write_text(base + rest)
    r = cli("generate", d, "--out", tmp_path / "a")
    assert r.exit_code == 0
    assert f"d.yaml:3: it is not known whether {dac} keeps deleted rows" in r.stderr
    assert "SM208000" in r.stderr and "api/odata/dac/$metadata" in r.stderr
    assert "rows in Deleted only\n  fix: settle it on your instance" in r.stderr  # the fix on its own line
    assert "_del" not in (tmp_path / "a/acumatica/thing/generic-inquiry.xml").read_text()
    for answer, has_del in (("true", True), ("false", False)):
        d.write_text(base + f"  deleted_flag: {answer}\n" + rest)
        r = cli("generate", d, "--out", tmp_path / answer)
        assert r.exit_code == 0 and "deleted rows" not in r.stderr, r.output
        assert ('Caption="_del"' in (tmp_path / answer / "acumatica/thing/generic-inquiry.xml").read_text()) is has_del


def test_payload_details_are_modelled_on_real_pushes(app):
    body = sample(app, "items")
    row = body["Inserted"][0]
    assert row["_mod"] == "2026-11-20T09:15:02.1"  # trimmed, as push-01's "...23.1"
    from jigx_acumatica.push_contract import ticks_to_utc

    assert ticks_to_utc(body["TimeStamp"]) == "2026-11-20 06:15:02.100 UTC"  # the server's UTC clock, hours before
    assert body["AdditionalInfo"] == {"PXPerformanceInfoStartTime": "11/20/2026 06:15:01"}
    orders = (Path(__file__).parent / "golden/solution/acumatica/sales-order/sample-push.json").read_text()
    assert '"Status":"Open"' in orders and '"OrderTotal":1004,' in orders


def test_sample_values_are_never_false_for_a_dac_the_tool_does_not_know(tmp_path):
    """Issue 19.11: no SO order type on a purchase order, no 'Active' on a case; the definition's
    own conditions win; an end never comes before its start."""
    for dac, alias in (("PX.Objects.PO.POOrder", "POOrder"), ("PX.Objects.CR.CRCase", "CRCase")):
        d = tmp_path / f"{alias}.yaml"
        d.write_text(f"entity: {alias}\ntable: {alias.lower()}s\nsource: {{dac: {dac}, deleted_flag: false}}\n"
                     "key: [OrderType, OrderNbr]\ncolumns:\n"
                     f"  OrderType: {alias}.OrderType\n  OrderNbr: {alias}.OrderNbr\n  Status: {alias}.Status\n"
                     f"  StartDate: {{field: {alias}.StartDate, type: datetime}}\n"
                     f"  EndDate: {{field: {alias}.EndDate, type: datetime}}\n"
                     f"where:\n  - {alias}.Priority: H\n")
        out = tmp_path / alias
        assert cli("generate", d, "--out", out).exit_code == 0
        (row,) = json.loads((out / f"acumatica/{alias.lower()}s/sample-push.json").read_text())["Inserted"]
        assert row["OrderType"] != "SO" and row["Status"] != "Active"
        assert row["StartDate"] < row["EndDate"]
    so = tmp_path / "so"
    assert cli("generate", SAMPLE_FILES[3], "--out", so).exit_code == 0  # sales orders: the known labels stay
    (row,) = json.loads((so / "acumatica/sales-order/sample-push.json").read_text())["Inserted"]
    assert row["OrderType"] == "SO" and row["Status"] == "Open"
