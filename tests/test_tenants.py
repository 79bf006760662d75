"""Issue 20: several tenants, one solution. Three tenants (MainCo first, WestCo, EastCo); the
customers table is in all three, the contacts table in two (WestCo and EastCo, neither of them
the first). Each tenant's rows land in its own Jigx table; each tenant's package holds only its
own inquiries; every command knows tenants; adding and removing one keeps hand edits."""

from __future__ import annotations

import base64
import io
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from jigx_acumatica.config import Target
from jigx_acumatica.local.endpoint import Endpoint
from jigx_acumatica.local.serve import endpoint_config
from tests.fakes.acumatica import FakeAcumatica
from tests.fakes.odata import FakeOData
from tests.helpers import ORG, SAMPLES, SOLUTION_ID, cli, tree
from tests.test_backfill import PROPS, make_rows

PASSWORD = "odata-Pa55-word!"
PAT = "jxpat_tenants-canary-51d0"
TENANTS = """tenants:
  - MainCo
  - {name: WestCo, companyId: West Coast Co}
  - {name: EastCo, key: east}
"""


@pytest.fixture
def app(tmp_path) -> Path:
    app = tmp_path / "app"
    r = cli("init", app, "--region", "us", "--org", ORG, "--solution-id", SOLUTION_ID, "--company", "MainCo",
            "--table", SAMPLES / "customers.yaml", "--table", SAMPLES / "contacts.yaml")
    assert r.exit_code == 0, r.output
    return app


def declare(app: Path, tenants: str = TENANTS, contacts: str = "[WestCo, EastCo]") -> None:
    config = app / "jigx-acumatica.yaml"
    config.write_text(config.read_text() + tenants)
    stored = app / "acumatica/contacts/table.yaml"
    stored.write_text(stored.read_text() + f"tenants: {contacts}\n")


def yaml(path: Path):
    return YAML(typ="safe").load(path.read_text())


def package_names(data: bytes) -> list[str]:
    import re

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        project = zf.read("project.xml").decode()
    return sorted(set(re.findall(r'<GIDesign>\s*<row DesignID="[^"]+" Name="([^"]+)"', project)) |
                  set(re.findall(r'Name="(Jigx CDC [a-z-]+)"', project)))


def test_each_tenant_has_its_own_tables_files_and_package(app):
    declare(app)
    r = cli("generate", "--solution", app, "--json")
    assert r.exit_code == 0, r.output
    summaries = {(t["tenant"], t["table"]): t["url"] for t in json.loads(r.stdout)["tables"]}
    assert set(summaries) == {("MainCo", "customers"), ("WestCo", "customers_westco"),
                              ("EastCo", "customers_east"), ("WestCo", "contacts_westco"),
                              ("EastCo", "contacts_east")}
    assert summaries[("EastCo", "customers_east")].endswith("/acumatica/cdc?table=customers_east")

    declared = yaml(app / "databases/default.jigx")["tables"]
    # contacts was MainCo's: it stays declared (Jigx keeps its rows), and is no longer filled
    assert {"customers", "customers_westco", "customers_east", "contacts_westco", "contacts_east"} <= set(declared)
    entries = {e["table"]: e["action"] for e in yaml(app / "index.jigx")["onTableChanged"]}
    assert set(entries) == {"customers", "customers_westco", "customers_east", "contacts_westco", "contacts_east"}
    for table, action in entries.items():  # each tenant's change syncs its own table
        assert action["options"]["entities"] == [f"default/{table}"]
    onload = yaml(app / "index.jigx")["onLoad"]["options"]["entities"]
    assert onload == sorted(f"default/{t}" for t in entries)

    west = json.loads((app / "acumatica/customers/westco/sample-push.json").read_text())
    main = json.loads((app / "acumatica/customers/sample-push.json").read_text())
    assert west["CompanyId"] == "West Coast Co" and main["CompanyId"] == "MainCo"
    assert json.loads((app / "acumatica/customers/east/sample-push.json").read_text())["CompanyId"] == "EastCo"
    checklist = (app / "acumatica/customers/westco/push-notification.md").read_text()
    assert "?table=customers_westco" in checklist and "Tenant `WestCo`" in checklist
    assert "Jigx customers_westco" in checklist and "--tenant \"WestCo\"" in checklist
    assert not (app / "acumatica/contacts/push-notification.md").exists()  # no MainCo contacts any more

    packages = {p.name: package_names(p.read_bytes()) for p in (app / "acumatica").glob("*.zip")}
    assert packages == {"jigx-cdc.zip": ["Jigx CDC customers"],
                        "jigx-cdc-westco.zip": ["Jigx CDC contacts", "Jigx CDC customers"],
                        "jigx-cdc-east.zip": ["Jigx CDC contacts", "Jigx CDC customers"]}
    before = tree(app)
    r = cli("generate", "--solution", app)
    assert r.exit_code == 0 and tree(app) == before  # a second run changes nothing
    assert cli("generate", "--solution", app, "--check").exit_code == 0


def test_the_app_lists_every_tenants_rows_and_equal_keys_stay_apart(app):
    """The list's query reads each tenant's table with its name; equal keys in two tenants are
    two rows, and the detail finds each by (tenant, id)."""
    declare(app)
    assert cli("generate", "--solution", app).exit_code == 0
    jig = yaml(app / "jigs/customers.jigx")
    source = jig["datasources"]["customers-list"]["options"]
    assert source["entities"] == ["default/customers", "default/customers_westco", "default/customers_east"]
    assert jig["item"]["options"]["onPress"]["options"]["inputs"]["tenant"] == "=@ctx.current.item._tenant"
    assert "_tenant" in jig["item"]["options"]["label"]["title"]
    detail = yaml(app / "jigs/customers-detail.jigx")["datasources"]["customers-row"]["options"]
    db = sqlite3.connect(":memory:")
    for table in ("customers", "customers_westco", "customers_east"):
        db.execute(f'CREATE TABLE "default/{table}" (id TEXT, data TEXT)')
    row = {"CustomerID": "C1", "CustomerName": "Same key", "_mod": "2026-11-20T09:15:02"}
    db.execute('INSERT INTO "default/customers" VALUES (?, ?)', ("r1", json.dumps(row)))
    db.execute('INSERT INTO "default/customers_westco" VALUES (?, ?)', ("r1", json.dumps({**row, "CustomerName": "W"})))
    listed = db.execute(source["query"], {"search": ""}).fetchall()
    assert [(r[0], r[1], r[2]) for r in listed] == [("r1", "MainCo", "C1"), ("r1", "WestCo", "C1")]
    assert len(db.execute(source["query"], {"search": "West"}).fetchall()) == 1  # the tenant is searchable
    one = db.execute(detail["query"], {"id": "r1", "tenant": "WestCo"}).fetchall()
    assert len(one) == 1 and "W" in one[0]


def test_publish_gives_each_tenant_only_its_own_package(app):
    declare(app)
    assert cli("generate", "--solution", app).exit_code == 0
    fake = FakeAcumatica(password=PASSWORD, tenants=("MainCo", "WestCo", "EastCo"))
    try:
        r = cli("publish", "--solution", app, "--acumatica-url", fake.url, "--poll-interval", "0",
                env={"ACUMATICA_USERNAME": "admin", "ACUMATICA_PASSWORD": PASSWORD})
        assert r.exit_code == 0, r.output
        imported: dict[str, list[str]] = {}
        tenant = None
        for s in fake.seen:
            if s.path.endswith("login"):
                tenant = s.body["tenant"]
            elif s.path.endswith("import"):
                imported[tenant] = package_names(base64.b64decode(s.body["projectContentBase64"]))
        assert imported == {"MainCo": ["Jigx CDC customers"], "WestCo": ["Jigx CDC contacts", "Jigx CDC customers"],
                            "EastCo": ["Jigx CDC contacts", "Jigx CDC customers"]}
        fake.seen.clear()
        r = cli("publish", "--solution", app, "--acumatica-url", fake.url, "--poll-interval", "0", "--tenant",
                "EastCo", env={"ACUMATICA_USERNAME": "admin", "ACUMATICA_PASSWORD": PASSWORD})
        assert r.exit_code == 0 and [s.body["tenant"] for s in fake.seen if s.path.endswith("login")] == ["EastCo"]
        assert "tenants:" in (app / "jigx-acumatica.yaml").read_text()  # the declared list is kept
        r = cli("publish", "--solution", app, "--acumatica-url", fake.url, "--tenant", "NoSuch",
                env={"ACUMATICA_USERNAME": "admin", "ACUMATICA_PASSWORD": PASSWORD})
        assert r.exit_code == 2 and "no such tenant" in r.stderr and "MainCo, WestCo, EastCo" in r.stderr
    finally:
        fake.close()


def test_backfill_from_two_tenants_keeps_equal_keys_apart(app, tmp_path):
    """Each tenant read from its own instance (acumaticaUrl per tenant), sent to its own table
    with its CompanyId, with a position of its own; the same keys in both, nothing overwritten."""
    main = FakeOData("Jigx CDC customers", PROPS, make_rows(30), tenant="MainCo", password=PASSWORD)
    west = FakeOData("Jigx CDC customers", PROPS, [{**r, "CustomerName": "West " + r["CustomerName"]}
                                                   for r in make_rows(20)], tenant="WestCo", password=PASSWORD)
    try:
        declare(app, f"acumaticaUrl: {main.url}\ntenants:\n  - MainCo\n  - name: WestCo\n"
                     f"    acumaticaUrl: {west.url}\n", contacts="[WestCo]")
        assert cli("generate", "--solution", app).exit_code == 0
        cfg = endpoint_config(app, PAT, Target(organization_id=ORG, solution_id=SOLUTION_ID), lambda _: None)
        with Endpoint(cfg, tmp_path / "jigx.sqlite") as jigx:
            r = cli("backfill", "customers", "--solution", app, "--base-url", jigx.base_url, "--backoff", "0",
                    "--json", env={"ACUMATICA_USERNAME": "reader", "ACUMATICA_PASSWORD": PASSWORD, "JIGX_PAT": PAT})
            assert r.exit_code == 0, r.output
            tables = json.loads(r.stdout)["tables"]
            assert [(t["tenant"], t["table"], t["sent"]) for t in tables] == [
                ("MainCo", "customers", 30), ("WestCo", "customers_westco", 20)]
            mains, wests = jigx.store.rows("customers"), jigx.store.rows("customers_westco")
            assert len(mains) == 30 and len(wests) == 20
            assert all(not r["CustomerName"].startswith("West") for r in mains)
            assert all(r["CustomerName"].startswith("West") for r in wests)
            positions = sorted(p.name for p in (app / ".jigx-acumatica").rglob("*.json") if "backfill" in str(p))
            assert any("customers_westco" in p for p in positions) and any(p.startswith("customers.") or
                                                                          p == "customers.json" for p in positions)
            # one tenant only
            r = cli("backfill", "customers", "--solution", app, "--base-url", jigx.base_url, "--tenant", "WestCo",
                    "--restart", "--json",
                    env={"ACUMATICA_USERNAME": "reader", "ACUMATICA_PASSWORD": PASSWORD, "JIGX_PAT": PAT})
            assert [t["table"] for t in json.loads(r.stdout)["tables"]] == ["customers_westco"]
            # a file holds one tenant's rows
            r = cli("backfill", "customers", "--solution", app, "--local", "--from", SAMPLES / "customers-rows.csv")
            assert r.exit_code == 2 and "--tenant" in r.stderr
    finally:
        main.close()
        west.close()


def test_verify_pushes_each_tenant_with_its_company_id(app):
    declare(app)
    assert cli("generate", "--solution", app).exit_code == 0
    r = cli("verify", "--solution", app, "--dry-run", "--json")
    requests = json.loads(r.stdout)["requests"]
    inserts = {q["url"].rsplit("=", 1)[1]: q["body"]["CompanyId"] for q in requests if q["push"] == "insert"}
    assert inserts == {"customers": "MainCo", "customers_westco": "West Coast Co", "customers_east": "EastCo",
                       "contacts_westco": "West Coast Co", "contacts_east": "EastCo"}
    r = cli("verify", "--solution", app, "--local", "--json")
    assert r.exit_code == 0, r.output
    checks = {(c["table"], c["step"]) for c in json.loads(r.stdout)["checks"] if c["ok"]}
    assert {("customers_east", "insert"), ("contacts_westco", "cleanup")} <= checks
    r = cli("verify", "--solution", app, "--dry-run", "--json", "--tenant", "EastCo")
    assert {q["table"] for q in json.loads(r.stdout)["requests"]} == {"customers_east", "contacts_east"}


def test_serve_and_inspect_accept_every_declared_tenant_and_flag_others(app, tmp_path):
    declare(app)
    assert cli("generate", "--solution", app).exit_code == 0
    lines: list[str] = []
    cfg = endpoint_config(app, PAT, Target(organization_id=ORG, solution_id=SOLUTION_ID), lines.append)
    sample = json.loads((app / "acumatica/customers/westco/sample-push.json").read_text())
    import requests

    with Endpoint(cfg) as ep:
        url = f"{ep.base_url}/tool/organizations/{ORG}/solutions/{SOLUTION_ID}/acumatica/cdc?table="
        auth = {"Authorization": f"Bearer {PAT}"}
        for table, company in (("customers_westco", "West Coast Co"), ("customers", "West Coast Co"),
                               ("customers_east", "Nobody Inc")):
            assert requests.post(url + table, json={**sample, "CompanyId": company}, headers=auth).status_code == 200
    assert "FLAG" not in lines[0]
    assert "tenant 'MainCo''s table" in lines[1]
    assert "does not declare" in lines[2]
    push = tmp_path / "push.json"
    push.write_text(json.dumps(sample))
    r = cli("inspect", push, "--solution", app, "--json")
    report = json.loads(r.stdout)
    assert report["ok"] and any("customers_westco" in n for n in report["notes"])
    push.write_text(json.dumps({**sample, "CompanyId": "Nobody Inc"}))
    report = json.loads(cli("inspect", push, "--solution", app, "--json").stdout)
    assert not report["ok"] and "Nobody Inc" in report["problems"][0] and "tenants:" in report["fixes"][0]


def test_a_one_tenant_solution_is_unchanged_by_naming_its_tenant(app):
    before = tree(app)
    config = app / "jigx-acumatica.yaml"
    config.write_text(config.read_text() + "tenants: [MainCo]\n")
    r = cli("generate", "--solution", app)
    assert r.exit_code == 0
    after = tree(app)
    assert {k: v for k, v in after.items() if k != "jigx-acumatica.yaml"} == \
        {k: v for k, v in before.items() if k != "jigx-acumatica.yaml"}


def test_a_tenant_added_and_removed_keeps_hand_edits(app):
    """Adding a tenant adds its tables, files and package; removing it takes away what the tool
    wrote for it (its declarations stay: Jigx keeps the rows), by the three-way rule: a file of
    it edited by hand is a conflict, and hand edits elsewhere are kept throughout."""
    index = app / "index.jigx"
    index.write_text(index.read_text() + "# my own note\ndescription: Field app\n")
    spec = app / "acumatica/customers/generic-inquiry.md"
    spec.write_text(spec.read_text() + "\nMy notes on this inquiry.\n")
    config = app / "jigx-acumatica.yaml"
    original = config.read_text()
    config.write_text(original + "tenants: [MainCo, WestCo]\n")
    r = cli("generate", "--solution", app)
    assert r.exit_code == 0, r.output
    assert (app / "acumatica/customers/westco/push-notification.md").exists()
    assert (app / "acumatica/jigx-cdc-westco.zip").exists()
    assert "My notes on this inquiry." in spec.read_text() and "description: Field app" in index.read_text()
    assert "customers_westco" in yaml(app / "databases/default.jigx")["tables"]

    assert (app / "acumatica/contacts/westco/push-notification.md").exists()  # every table is in every tenant
    west_sample = app / "acumatica/customers/westco/push-notification.md"
    west_sample.write_text(west_sample.read_text() + "\nPAT set on 1 Dec.\n")
    config.write_text(original + "tenant: MainCo\n")
    r = cli("generate", "--solution", app)
    assert r.exit_code == 1 and "acumatica/customers/westco/push-notification.md" in r.output
    assert "edited by hand" in r.output and west_sample.exists()
    r = cli("generate", "--solution", app, "--force-file", "acumatica/customers/westco/push-notification.md")
    assert r.exit_code == 0, r.output
    assert not (app / "acumatica/customers/westco").exists() and not (app / "acumatica/jigx-cdc-westco.zip").exists()
    assert "customers_westco" not in {e["table"] for e in yaml(index)["onTableChanged"]}
    assert "customers_westco" in yaml(app / "databases/default.jigx")["tables"]  # Jigx keeps its rows
    assert "customers_westco" in r.output  # and the run says so
    assert "My notes on this inquiry." in spec.read_text() and "description: Field app" in index.read_text()


def test_the_first_tenant_keeps_the_plain_names_and_bad_tenants_are_located(app, tmp_path):
    config = app / "jigx-acumatica.yaml"
    original = config.read_text()
    config.write_text(original + "tenants: [MainCo, WestCo]\n")
    assert cli("generate", "--solution", app).exit_code == 0
    config.write_text(original + "tenants: [WestCo, MainCo]\n")
    r = cli("generate", "--solution", app)
    assert r.exit_code == 1 and "Put 'MainCo' first again" in r.output
    config.write_text(original + "tenants:\n  - MainCo\n  - {name: WestCo, colour: red}\n")
    r = cli("generate", "--solution", app)
    assert r.exit_code == 2 and "jigx-acumatica.yaml:" in r.stderr and "unknown key 'colour'" in r.stderr
    config.write_text(original + "tenants: [MainCo, WestCo]\n")
    stored = app / "acumatica/contacts/table.yaml"
    stored.write_text(stored.read_text() + "tenants: [MainCo, Westco]\n")
    r = cli("generate", "--solution", app)
    assert r.exit_code == 2 and "tenant 'Westco' is not declared" in r.stderr
    assert "acumatica/contacts/table.yaml:" in r.stderr and "WestCo" in r.stderr


def test_the_worked_example_in_the_docs_does_what_it_says(tmp_path):
    """docs/tenants.md, "A worked example": its config block, applied to a MainCo solution, gives
    the files, tables, entries and CompanyId the page lists; MainCo's own files stay as they were."""
    import re

    doc = (Path(__file__).resolve().parents[1] / "docs" / "tenants.md").read_text()
    example = doc[doc.index("## A worked example"):]
    block = re.search(r"```yaml\n(.*?)```", example, re.S).group(1)
    block = re.sub(r"^\s+", "", block.split("\n", 1)[1].replace("\n   ", "\n"), count=0)
    app = tmp_path / "field-app"
    assert cli("init", app, "--region", "us", "--org", ORG, "--solution-id", SOLUTION_ID, "--company", "MainCo",
               "--table", SAMPLES / "customers.yaml").exit_code == 0
    config = app / "jigx-acumatica.yaml"
    config.write_text(config.read_text() + "tenant: MainCo\n")
    assert cli("generate", "--solution", app).exit_code == 0
    before = tree(app)
    config.write_text(config.read_text().replace("tenant: MainCo\n", block))
    assert cli("generate", "--solution", app).exit_code == 0, block
    for path in ("acumatica/customers/west/push-notification.md", "acumatica/customers/west/sample-push.json",
                 "acumatica/jigx-cdc-west.zip"):
        assert f"`{path}`" in example and (app / path).exists()
    assert "customers_west" in yaml(app / "databases/default.jigx")["tables"]
    entry = next(e for e in yaml(app / "index.jigx")["onTableChanged"] if e["table"] == "customers_west")
    assert entry["action"]["options"]["entities"] == ["default/customers_west"]
    assert json.loads((app / "acumatica/customers/west/sample-push.json").read_text())["CompanyId"] == \
        "West Coast LLC"
    checklist = (app / "acumatica/customers/west/push-notification.md").read_text()
    assert "cdc?table=customers_west" in checklist and "Jigx customers_west" in checklist
    for rel in ("acumatica/customers/generic-inquiry.xml", "acumatica/customers/sample-push.json"):
        assert tree(app)[rel] == before[rel]  # MainCo's inquiry and push are untouched


def test_remove_takes_every_tenants_entries_and_package_share(app):
    declare(app)
    assert cli("generate", "--solution", app).exit_code == 0
    r = cli("remove", "contacts", "--solution", app)
    assert r.exit_code == 0, r.output
    tables = {e["table"] for e in yaml(app / "index.jigx")["onTableChanged"]}
    assert tables == {"customers", "customers_westco", "customers_east"}
    assert "contacts_westco" in r.output and "contacts_east" in r.output  # said to stay declared in Jigx
    packages = {p.name: package_names(p.read_bytes()) for p in (app / "acumatica").glob("*.zip")}
    assert packages == {"jigx-cdc.zip": ["Jigx CDC customers"], "jigx-cdc-westco.zip": ["Jigx CDC customers"],
                        "jigx-cdc-east.zip": ["Jigx CDC customers"]}
    assert cli("generate", "--solution", app, "--check").exit_code == 0


def test_verify_reports_each_tenant_against_an_endpoint(app, tmp_path):
    """verify (not --local) against the endpoint serve runs: every tenant's table answered, each
    outcome naming its tenant, the rows stored in that tenant's table with its CompanyId."""
    declare(app)
    assert cli("generate", "--solution", app).exit_code == 0
    lines: list[str] = []
    cfg = endpoint_config(app, PAT, Target(organization_id=ORG, solution_id=SOLUTION_ID), lines.append)
    with Endpoint(cfg) as ep:
        r = cli("verify", "--solution", app, "--base-url", ep.base_url, "--no-cleanup", "--json",
                env={"JIGX_PAT": PAT})
        assert r.exit_code == 0, r.output
        results = json.loads(r.stdout)["results"]
        assert {(o["tenant"], o["table"]) for o in results} == {
            ("MainCo", "customers"), ("WestCo", "customers_westco"), ("EastCo", "customers_east"),
            ("WestCo", "contacts_westco"), ("EastCo", "contacts_east")}
        assert len(ep.store.rows("customers_westco")) == 1 and len(ep.store.rows("customers")) == 1
        r = cli("verify", "--solution", app, "--base-url", ep.base_url, "--tenant", "WestCo", env={"JIGX_PAT": PAT})
        assert r.exit_code == 0 and "WestCo: customers_westco" in r.stdout and "MainCo" not in r.stdout
    assert not any("FLAG" in line for line in lines)  # each tenant pushed with its own CompanyId
