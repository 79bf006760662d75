"""Read back what generate wrote and check the platform facts the reference documents."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from jigx_acumatica.definition import load_definition
from jigx_acumatica.definition.dacs import KEEPS_DELETED_ROWS
from jigx_acumatica.push_contract import ticks
from tests.helpers import ORG, SAMPLE_FILES, SOLUTION_ID, TARGET_ARGS, cli

TABLE_RE = re.compile(r"^[a-z][a-z0-9_-]{0,28}[a-z0-9]$")


@pytest.fixture(scope="module")
def solution(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("artifacts") / "app"
    r = cli("generate", *SAMPLE_FILES, "--out", out, *TARGET_ARGS)
    assert r.exit_code == 0, r.output
    return out


def yaml_load(path: Path):
    return YAML(typ="safe").load(path.read_text())


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=lambda p: p.stem)
def test_generic_inquiry_xml(solution, sample):
    d = load_definition(sample)
    root = ET.parse(solution / "acumatica" / d.table / "generic-inquiry.xml").getroot()
    assert root.tag == "data-set"
    assert root.find("relations").get("main-table") == "GIDesign"
    row = root.find("data/GIDesign/row")
    assert row.get("Name") == d.inquiry
    assert re.fullmatch(r"[0-9a-f-]{36}", row.get("DesignID"))
    assert row.get("ShowDeletedRecords") == ("1" if d.deleted_flag else "0")
    assert "ShowArchivedRecords" not in row.attrib  # only from 2022 R1 on; the XML targets 2019 R2
    assert "ScreenID" not in row.attrib
    tables = {t.get("Alias"): t for t in row.findall("GITable")}
    assert tables[d.alias].get("Name") == d.dac
    assert list(tables) == list(d.aliases())
    results = [r for t in row.findall("GITable") for r in t.findall("GIResult")]
    by_caption = {r.get("Caption"): r for r in results}
    # every column has an explicit caption, plus the Jigx columns: _del only where the table keeps
    # deleted rows (elsewhere Acumatica drops the column silently)
    jigx = ["_tab", "_del", "_mod"] if d.deleted_flag else ["_tab", "_mod"]
    assert d.deleted_flag == (d.dac in KEEPS_DELETED_ROWS)
    assert sorted(by_caption) == sorted([c.name for c in d.columns] + jigx)
    assert all(r.get("RowID") and r.get("LineNbr") for r in results)
    assert len({r.get("RowID") for r in results}) == len(results)
    main = tables[d.alias]
    main_fields = {r.get("Caption"): r.get("Field") for r in main.findall("GIResult")}
    assert main_fields["_tab"] == f"='{d.entity}'"
    if d.deleted_flag:  # spelled as the designer offers it: lowerCamel where the DAC declares it
        assert main_fields["_del"] == ("deletedDatabaseRecord" if d.dac == "PX.Objects.CR.Contact"
                                       else "DeletedDatabaseRecord")
    assert main_fields["_mod"] == "lastModifiedDateTime"
    for c in d.columns:  # the field lives in the table of its alias, lowerCamel
        fields = {r.get("Caption"): r.get("Field") for r in tables[c.alias].findall("GIResult")}
        assert fields[c.name] == c.field[0].lower() + c.field[1:]
    for j in d.joins:
        rel = tables[j.parent].find(f"GIRelation[@ChildTable='{j.alias}']")
        assert rel.get("JoinType") == {"inner": "I", "left": "L", "right": "R", "full": "F"}[j.type]
        ons = rel.findall("GIOn")
        assert [(o.get("ParentField"), o.get("ChildField")) for o in ons] == [
            (p[0].lower() + p[1:], c[0].lower() + c[1:]) for p, c in j.on]
        assert all(o.get("Condition") == "E" for o in ons)


def test_join_is_declared_in_parent_table(solution):
    row = ET.parse(solution / "acumatica/customers/generic-inquiry.xml").getroot().find("data/GIDesign/row")
    customer = row.find("GITable[@Alias='Customer']")
    rel = customer.find("GIRelation")
    assert rel.get("ChildTable") == "Contact" and rel.get("JoinType") == "L"
    assert rel.find("GIOn").get("ParentField") == "defContactID"


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=lambda p: p.stem)
def test_sample_push_shape(solution, sample):
    d = load_definition(sample)
    raw = (solution / "acumatica" / d.table / "sample-push.json").read_text()
    body = json.loads(raw)
    assert list(body) == ["Inserted", "Deleted", "Query", "CompanyId", "Id", "TimeStamp", "AdditionalInfo"]
    assert body["Query"] == d.inquiry
    assert body["CompanyId"] == "MyTenant"
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", body["Id"])
    assert isinstance(body["TimeStamp"], int) and body["TimeStamp"] > 2**53
    assert re.search(r'"TimeStamp":\d+,', raw), "TimeStamp must be an integer literal"
    assert body["Deleted"] == [] and len(body["Inserted"]) == 1
    row = body["Inserted"][0]
    assert list(row) == [c.name for c in d.columns] + (["_tab", "_del", "_mod"] if d.deleted_flag else ["_tab", "_mod"])
    assert row["_tab"] == d.entity and row.get("_del", False) is False
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?", row["_mod"]), "local time, no offset"
    kinds = {"string": str, "int": int, "decimal": (int, float), "bool": bool, "datetime": str, "guid": str}
    for c in d.columns:
        assert isinstance(row[c.name], kinds[c.type]), c
        if c.type == "int":
            assert not isinstance(row[c.name], bool)
    assert " " not in raw.split('"Inserted"')[0]  # compact, as Acumatica sends it


def test_ticks_match_acumatica_example():
    # push-01 in the reference: TimeStamp 636295833829493672 = 2017-05-05 12:16:22.9493672 UTC
    moment = datetime(2017, 5, 5, 12, 16, 22, 949367, tzinfo=UTC)
    assert abs(ticks(moment) - 636295833829493672) < 10


def test_push_checklist(solution):
    text = (solution / "acumatica/customers/push-notification.md").read_text()
    url = f"https://us-east-1.api.jigx.com/v2.0/tool/organizations/{ORG}/solutions/{SOLUTION_ID}/acumatica/cdc?table=customers"
    assert url in text
    assert "Header Name**: `Authorization`" in text
    assert "`Bearer <your PAT>`" in text
    assert "Webhook" in text and "SM502000" in text and "Track All Fields" in text
    assert "Jigx CDC customers" in text
    assert "Placeholders" not in text


def test_placeholders_are_marked_when_ids_are_unknown(tmp_path):
    r = cli("generate", SAMPLE_FILES[0], "--out", tmp_path / "x")
    assert r.exit_code == 0
    d = load_definition(SAMPLE_FILES[0])
    text = (tmp_path / "x/acumatica" / d.table / "push-notification.md").read_text()
    assert "<ORGANIZATION-ID>" in text and "<SOLUTION-ID>" in text and "<REGION-BASE-URL>" in text
    assert "Placeholders to replace" in text
    assert "placeholders to fill in" in r.stdout


@pytest.mark.parametrize("region,host", [("eu", "eu-central-1"), ("au", "ap-southeast-2"), ("us", "us-east-1")])
def test_region_urls(tmp_path, region, host):
    r = cli("generate", SAMPLE_FILES[0], "--out", tmp_path, "--region", region, "--json")
    assert r.exit_code == 0
    url = json.loads(r.stdout)["tables"][0]["url"]
    assert url.startswith(f"https://{host}.api.jigx.com/v2.0/tool/organizations/")


def test_url_longer_than_250_is_refused(tmp_path):
    r = cli("generate", SAMPLE_FILES[0], "--out", tmp_path, "--base-url", "https://" + "x" * 200 + ".example")
    assert r.exit_code == 2
    assert "250" in r.stderr
    assert not any(tmp_path.iterdir())


def test_jigx_yaml(solution):
    index = yaml_load(solution / "index.jigx")
    db = yaml_load(solution / "databases/default.jigx")
    tables = [load_definition(s).table for s in SAMPLE_FILES]
    assert [e["table"] for e in index["onTableChanged"]] == tables
    for entry in index["onTableChanged"]:
        assert set(entry) == {"table", "action"} and TABLE_RE.match(entry["table"])
        assert entry["action"]["type"].startswith("action.")
    assert list(db["tables"]) == tables and all(v is None for v in db["tables"].values())
    for t in tables:
        ds = yaml_load(solution / f"datasources/{t}.jigx")
        assert ds["type"] == "datasource.sqlite"
        assert ds["options"]["provider"] == "DATA_PROVIDER_DYNAMIC"
        assert ds["options"]["entities"] == [f"default/{t}"]
        assert f"FROM [default/{t}]" in ds["options"]["query"]
    d = load_definition(SAMPLE_FILES[1])
    query = yaml_load(solution / f"datasources/{d.table}.jigx")["options"]["query"]
    for c in d.columns:
        assert f"json_extract(data, '$.{c.name}') AS \"{c.name}\"" in query


def test_datasource_query_runs_in_sqlite(solution):
    """The generated SQL works on rows shaped like the sample push."""
    import sqlite3

    d = load_definition(SAMPLE_FILES[1])
    query = yaml_load(solution / f"datasources/{d.table}.jigx")["options"]["query"]
    row = json.loads((solution / f"acumatica/{d.table}/sample-push.json").read_text())["Inserted"][0]
    con = sqlite3.connect(":memory:")
    con.execute(f'CREATE TABLE "default/{d.table}" (id TEXT, data TEXT)')
    con.execute(f'INSERT INTO "default/{d.table}" VALUES (?, ?)', ("1", json.dumps(row)))
    cur = con.execute(query)
    names = [c[0] for c in cur.description]
    got = dict(zip(names, cur.fetchone(), strict=True))
    assert got[d.key[0]] == row[d.key[0]]


def test_gi_spec_lists_every_result_row(solution):
    d = load_definition(SAMPLE_FILES[1])
    text = (solution / f"acumatica/{d.table}/generic-inquiry.md").read_text()
    for c in d.columns + ():
        assert f"`{c.name}`" in text
    for special in ("`_tab`", "`_del`", "`_mod`", "Show Deleted Records", "Grouping", "formula"):
        assert special in text


def test_spec_names_the_form_as_it_is_and_the_oldest_version(solution):
    """Current versions call the tab Data Sources; the XML's oldest target is stated; the deleted-row
    facts never contradict themselves (issue 11, part 4)."""
    paths = sorted(solution.glob("acumatica/*/generic-inquiry.md"))
    assert paths
    for path in paths:
        text = path.read_text()
        assert "## Data Sources tab" in text and "Tables tab" not in text, path
        assert "relations-version 20210430" in text and "2019 R2" not in text, path
        assert "not confirmed" not in text, path  # the deleted-row facts come from one sourced table


def test_json_summary_and_dry_run(tmp_path):
    r = cli("generate", *SAMPLE_FILES, "--out", tmp_path / "s", "--dry-run", "--json")
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert data["written"] is False and data["mode"] == "dry-run"
    assert not (tmp_path / "s").exists()
    paths = {c["path"] for c in data["changes"]}
    assert "index.jigx" in paths and "databases/default.jigx" in paths
    assert len(data["tables"]) == len(SAMPLE_FILES)


def test_summary_lists_every_file_written(tmp_path):
    r = cli("generate", SAMPLE_FILES[0], "--out", tmp_path / "s")
    assert r.exit_code == 0
    written = {p.relative_to(tmp_path / "s").as_posix() for p in (tmp_path / "s").rglob("*")
               if p.is_file() and ".jigx-acumatica" not in p.parts}
    for rel in written:
        assert rel in r.stdout


def test_many_definitions_one_bad_writes_nothing(tmp_path):
    defs = []
    for i in range(40):
        p = tmp_path / f"t{i}.yaml"
        p.write_text(f"entity: Thing{i}\nsource: {{dac: PX.Objects.IN.InventoryItem}}\nkey: [ID]\n"
                     f"columns: {{ID: InventoryItem.InventoryCD}}\n")
        defs.append(p)
    defs[17].write_text("entity: Broken\nsource: {dac: PX.Objects.IN.InventoryItem}\nkey: [Nope]\n"
                        "columns: {ID: InventoryItem.InventoryCD}\n")
    r = cli("generate", *defs, "--out", tmp_path / "out")
    assert r.exit_code == 2
    assert "t17.yaml:3" in r.stderr and "Nope" in r.stderr
    assert not (tmp_path / "out").exists()
    defs[17].write_text(defs[16].read_text().replace("Thing16", "Thing17"))
    r = cli("generate", *defs, "--out", tmp_path / "out", "--json")
    assert r.exit_code == 0
    assert len(yaml_load(tmp_path / "out/index.jigx")["onTableChanged"]) == 40


COMMANDS = ["init", "add", "generate", "remove", "verify", "serve", "inspect", "doctor"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command):
    r = cli(command, "--help")
    assert r.exit_code == 0 and "Example:" in r.stdout and "jigx-acumatica " + command in r.stdout


def test_group_help_lists_every_command_and_the_version():
    r = cli("--help")
    assert all(c in r.stdout for c in COMMANDS) and "Exit codes" in r.stdout
    from jigx_acumatica import __version__

    assert cli("--version").stdout.strip() == f"jigx-acumatica, version {__version__}"


def test_quiet_prints_nothing_and_progress_goes_to_stderr(tmp_path):
    defs = []
    for i in range(12):
        p = tmp_path / f"t{i}.yaml"
        p.write_text(f"entity: Thing{i}\nsource: {{dac: PX.Objects.IN.InventoryItem}}\nkey: [ID]\n"
                     "columns: {ID: InventoryItem.InventoryCD}\n")
        defs.append(p)
    r = cli("generate", *defs, "--out", tmp_path / "a")
    assert r.exit_code == 0 and "reading definitions" in r.stderr and "reading definitions" not in r.stdout
    r = cli("generate", *defs, "--out", tmp_path / "b", "-q")
    assert r.exit_code == 0 and r.stdout == "" and r.stderr == ""
    assert (tmp_path / "b/acumatica/thing11/generic-inquiry.xml").exists()


def test_conditions_are_giwhere_rows_as_real_exports_write_them(solution):
    row = ET.parse(solution / "acumatica/open-invoices/generic-inquiry.xml").getroot().find("data/GIDesign/row")
    where = [(w.get("OpenBrackets", ""), w.get("DataFieldName"), w.get("Condition"), w.get("Value1"), w.get("Value2"),
              w.get("CloseBrackets", ""), w.get("Operation")) for w in row.findall("GIWhere")]
    assert where == [
        ("(", "ARInvoice.docType", "E", "INV", None, "", "O"),
        ("", "ARInvoice.docType", "E", "CRM", None, ")", "A"),
        ("(", "ARInvoice.status", "E", "N", None, "", "O"),
        ("", "ARInvoice.dueDate", "B", "2026-01-01", "2026-12-31", ")", "A"),
        ("", "ARInvoice.curyDocBal", "G", "0", None, "", "A"),
    ]
    assert [w.get("LineNbr") for w in row.findall("GIWhere")] == ["1", "2", "3", "4", "5"]
    assert all(w.get("IsActive") == "1" for w in row.findall("GIWhere"))


def test_odata_publishes_a_site_map_entry(solution):
    root = ET.parse(solution / "acumatica/customers/generic-inquiry.xml").getroot()
    row = root.find("data/GIDesign/row")
    assert row.get("ExposeViaOData") == "1"
    site = row.find("SiteMap[@linkname='toDesignById']/row")
    assert site.get("ScreenID") == "GI990001"
    # required by the engine and read as never null; the zero GUID is Acumatica's root (real 25 R2 rows)
    assert site.get("ParentID") == "00000000-0000-0000-0000-000000000000"
    assert site.get("Url") == f"~/GenericInquiry/GenericInquiry.aspx?id={row.get('DesignID')}"
    assert site.find("MUIScreen").get("WorkspaceID") == "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb"
    other = ET.parse(solution / "acumatica/vendors/generic-inquiry.xml").getroot().find("data/GIDesign/row")
    assert other.get("ExposeViaOData") == "0" and other.find("SiteMap") is None
