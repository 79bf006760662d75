"""Issue 12: import-gi reads inquiries back into definitions: a round trip for every sample and
fixture definition, and real exports written by other people read without a traceback."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE_FILES, cli
from jigx_acumatica.definition import TableDef, load_definition

REAL = ROOT.parent / "shared" / "reference" / "acumatica-samples"
FIXTURE_DEFS = sorted((Path(__file__).parent / "fixtures" / "definitions").glob("*.yaml"))


def same(a: TableDef, b: TableDef) -> None:
    """Equivalent definitions: everything an inquiry carries (column types and on_change are Jigx-side)."""
    for attr in ("entity", "table", "inquiry", "dac", "alias", "modified", "deleted_flag", "deleted_field", "joins",
                 "key", "where", "odata", "screen_id"):
        assert getattr(a, attr) == getattr(b, attr), attr
    assert [(c.name, c.alias, c.field) for c in a.columns] == [(c.name, c.alias, c.field) for c in b.columns]


@pytest.mark.parametrize("definition", SAMPLE_FILES + FIXTURE_DEFS, ids=lambda p: p.stem)
def test_generate_then_import_gives_the_definition_back(tmp_path, definition):
    app = tmp_path / "app"
    assert cli("generate", definition, "--out", app).exit_code == 0
    original = load_definition(definition)
    out = tmp_path / "back.yaml"
    r = cli("import-gi", app / "acumatica" / original.table / "generic-inquiry.xml", "--out", out)
    assert r.exit_code == 0, r.output
    same(load_definition(out), original)


def test_a_whole_package_gives_one_definition_per_inquiry(tmp_path):
    app = tmp_path / "app"
    assert cli("init", app, *[a for p in SAMPLE_FILES for a in ("--table", p)]).exit_code == 0
    out = tmp_path / "defs"
    r = cli("import-gi", app / "acumatica/jigx-cdc.zip", "--out", out, "--json")
    assert r.exit_code == 0, r.output
    back = {p.stem: load_definition(p) for p in out.glob("*.yaml")}
    originals = {d.table: d for d in map(load_definition, SAMPLE_FILES)}
    assert set(back) == set(originals)
    for table, d in originals.items():
        same(back[table], d)
    data = json.loads(r.stdout)
    assert data["ok"] and len(data["inquiries"]) == len(SAMPLE_FILES)


@pytest.mark.parametrize("sample,refused", [
    ("gi-export-SO-OpenByCustomer.xml", "has parameters"),
    ("gi-export-Sales-Profitability-Analysis-Detailed-20220627.xml", "has parameters"),
    ("custproj-project-CBIZ.Inquiries-24.210.xml", "groups rows"),
    ("custproj-GenericInquiryScreen_Serviced_Devices.xml", None),
])
def test_real_samples_are_read_without_a_traceback(tmp_path, sample, refused):
    r = cli("import-gi", REAL / sample, "--out", tmp_path / "out")
    assert "Traceback" not in r.output and "internal error" not in r.output
    if refused:
        assert r.exit_code == 1 and f"refused: it {refused}" in r.stderr
    else:
        assert r.exit_code == 0
        (defn,) = [load_definition(p) for p in (tmp_path / "out").glob("*.yaml")]
        assert defn.inquiry == "Serviced Devices" and defn.alias == "ServicedDevices"
        assert [c.name for c in defn.columns] == ["DeviceCD", "Description", "Active", "AvgComplexityOfRepair"]
        assert "no caption; named it DeviceCD" in r.stderr and "GINavigationScreen" in r.stderr
        assert "key could not be guessed" in r.stderr


def test_an_older_export_with_padded_codes_brackets_and_or(tmp_path):
    """SO-OpenByCustomer without its parameters: padded codes ("E "), a join, sorts, brackets."""
    text = (REAL / "gi-export-SO-OpenByCustomer.xml").read_text(encoding="utf-8-sig")
    text = re.sub(r"\s*<GIFilter [^>]*/>", "", text)
    text = re.sub(r'\s*<GIWhere [^>]*(\[|Value1="\[)[^>]*/>', "", text)
    text = text.replace('<GIWhere LineNbr="6" IsActive="1" DataFieldName="SOOrder.status" Condition="E " '
                        'IsExpression="1" Value1="N" CloseBrackets=")        " Operation="O" />',
                        '<GIWhere LineNbr="6" IsActive="1" OpenBrackets="(       " DataFieldName="SOOrder.status" '
                        'Condition="E " IsExpression="1" Value1="N" Operation="O" />'
                        '<GIWhere LineNbr="7" IsActive="1" DataFieldName="SOOrder.status" Condition="E " '
                        'IsExpression="1" Value1="H" CloseBrackets=")        " Operation="A" />')
    text = text.replace('Field="orderTotal" Caption="Sales Order Total"', 'Field="=[SOOrder.orderTotal]*2" Caption="Double"')
    f = tmp_path / "older.xml"
    f.write_text(text)
    out = tmp_path / "older.yaml"
    r = cli("import-gi", f, "--out", out)
    assert r.exit_code == 0, r.output
    d = load_definition(out)
    assert d.dac == "PX.Objects.SO.SOOrder"
    # its sort order (customer name, date) is not a key: SOOrder's natural key is not among its columns
    assert "key could not be guessed for PX.Objects.SO.SOOrder" in r.stderr
    assert d.joins[0].type == "inner" and d.joins[0].on == (("CustomerID", "BAccountID"),)
    assert [(c.alias, c.field, c.op, c.values) for c in d.where if not hasattr(c, "items")] == [
        ("SOOrder", "OrderType", "equals", ("SO",))]
    (group,) = [c for c in d.where if hasattr(c, "items")]
    assert [(c.field, c.values) for c in group.items] == [("Status", ("N",)), ("Status", ("H",))]
    assert "formula column 'Double'" in r.stderr
    assert not d.deleted_flag


@pytest.mark.parametrize("content,message", [
    ("<not xml", "not well-formed XML"),
    ("<data-set><data/></data-set>", "no Generic Inquiry"),
    ("PK\x03\x04garbage", "not a readable ZIP"),
])
def test_bad_inputs_are_clear(tmp_path, content, message):
    f = tmp_path / "gi.xml"
    f.write_bytes(content.encode("latin-1"))
    r = cli("import-gi", f)
    assert r.exit_code == 2 and message in r.stderr and "fix:" in r.stderr or r.exit_code == 2 and message in r.stderr


def test_several_inquiries_need_a_folder(tmp_path):
    app = tmp_path / "app"
    assert cli("init", app, *[a for p in SAMPLE_FILES[:2] for a in ("--table", p)]).exit_code == 0
    r = cli("import-gi", app / "acumatica/jigx-cdc.zip")
    assert r.exit_code == 2 and "--out DIR" in r.stderr
    shutil.rmtree(app)
