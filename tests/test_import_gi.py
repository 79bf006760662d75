"""Issue 12: import-gi reads inquiries back into definitions: a round trip for every sample and
fixture definition, and real exports written by other people read without a traceback."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from jigx_acumatica.definition import TableDef, load_definition
from tests.helpers import ROOT, SAMPLE_FILES, SAMPLES, cli

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


# The real exports written by other people live in the reference folder beside the repository
# (../shared/reference); they are not ours to copy in. Where it is present they are all read.
# The same traits, grafted onto an inquiry this tool generates, are tested everywhere (below).
REAL_SAMPLES = [
    ("gi-export-SO-OpenByCustomer.xml", "has parameters"),
    ("gi-export-Sales-Profitability-Analysis-Detailed-20220627.xml", "has parameters"),
    ("custproj-project-CBIZ.Inquiries-24.210.xml", "groups rows"),
    ("custproj-GenericInquiryScreen_Serviced_Devices.xml", None),
]


@pytest.mark.skipif(not REAL.is_dir(), reason=f"the reference exports are not beside this checkout ({REAL})")
@pytest.mark.parametrize("sample,refused", REAL_SAMPLES)
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


@pytest.mark.skipif(not REAL.is_dir(), reason=f"the reference exports are not beside this checkout ({REAL})")
@pytest.mark.parametrize("sample,refused", REAL_SAMPLES)
def test_real_samples_import_with_drop_unsupported_and_generate(tmp_path, sample, refused):
    """Issue 17.7: the three real exports refused by default import with --drop-unsupported; what
    was dropped is listed in the output and at the top of the definition, which generates."""
    out = tmp_path / "def.yaml"
    r = cli("import-gi", REAL / sample, "--drop-unsupported", "--out", out)
    assert r.exit_code == 0, r.output
    text = out.read_text()
    if refused:
        assert ": dropped: " in r.stderr and "# dropped: " in text
        assert all(f"# dropped: {line.split(': dropped: ', 1)[1]}" in text
                   for line in r.stderr.splitlines() if ": dropped: " in line)
    assert cli("generate", out, "--out", tmp_path / "app").exit_code == 0


def test_every_real_sample_is_listed():
    if REAL.is_dir():
        # the exports that hold a Generic Inquiry (the folder also has other kinds of sample)
        assert sorted(p.name for p in REAL.glob("*.xml") if p.name.startswith(("gi-export-", "custproj-"))) == \
            sorted(s for s, _ in REAL_SAMPLES)


@pytest.fixture
def generated(tmp_path) -> str:
    """The GI export this tool writes for the customers sample: a real export's shape to graft onto."""
    assert cli("generate", SAMPLES / "customers.yaml", "--out", tmp_path / "app").exit_code == 0
    return (tmp_path / "app/acumatica/customers/generic-inquiry.xml").read_text(encoding="utf-8")


def graft(xml: str, after: str, rows: str) -> str:
    """rows inserted just inside the element whose start tag begins with after."""
    i = xml.index(">", xml.index(after) + len(after)) + 1
    return xml[:i] + rows + xml[i:]


@pytest.mark.parametrize("rows,refused", [
    ('<GIFilter LineNbr="1" IsActive="1" Name="Customer" FieldName="Customer.acctCD" DataType="string" '
     'DisplayName="Customer" IsExpression="1" ColSpan="1" Required="0" />', "has parameters"),
    ('<GIGroupBy LineNbr="1" IsActive="1" DataFieldName="Customer.customerClassID" />', "groups rows"),
    ('<GITable Alias="SOLine" Name="PX.Objects.SO.SOLine" /><GITable Alias="ARTran" Name="PX.Objects.AR.ARTran" />',
     "joins several detail tables (ARTran, SOLine)"),
])
def test_inquiries_a_push_cannot_carry_are_refused(tmp_path, generated, rows, refused):
    f = tmp_path / "gi.xml"
    f.write_text(graft(generated, "<GIDesign>\n      <row ", rows))
    if "SOLine" in rows:  # one detail table is fine: the same inquiry without ARTran reads
        g = tmp_path / "one-detail.xml"
        g.write_text(graft(re.sub(r"<GIRelation .*?</GIRelation>", "", generated, flags=re.S),
                           "<GIDesign>\n      <row ",
                           '<GITable Alias="SOLine" Name="PX.Objects.SO.SOLine" />'))
        r = cli("import-gi", g, "--out", tmp_path / "one.yaml")
        assert "detail" not in r.stderr, r.output
    r = cli("import-gi", f, "--out", tmp_path / "out")
    assert r.exit_code == 1 and f"refused: it {refused}" in r.stderr and not (tmp_path / "out").exists()


def test_an_aggregate_column_is_refused(tmp_path, generated):
    f = tmp_path / "gi.xml"
    f.write_text(graft(generated, '<GITable Alias="Customer"', '<GIResult LineNbr="20" SortOrder="20" IsActive="1" '
                       'Field="creditLimit" Caption="Total" AggregateFunction="SUM" />'))
    r = cli("import-gi", f, "--out", tmp_path / "out")
    assert r.exit_code == 1 and "refused: the column Total aggregates (SUM)" in r.stderr


def test_a_project_xml_item_without_captions_or_a_key(tmp_path):
    """A project.xml holding the inquiry as a GenericInquiryScreen item, as Customization Projects
    exports it, with a caption-less column, a navigation link and no sort to read the key from
    (the DAC's own key, among the columns, is taken)."""
    assert cli("init", tmp_path / "solution", "--table", SAMPLES / "customers.yaml").exit_code == 0
    with zipfile.ZipFile(tmp_path / "solution/acumatica/jigx-cdc.zip") as z:
        project = z.read("project.xml").decode("utf-8")
    project = re.sub(r'<GISort [^>]*/>', "", project)
    project = project.replace('Caption="CustomerName" ', "")
    project = project.replace("</GITable>", '</GITable><GINavigationScreen LineNbr="1" Link="AR303000" '
                                            'SortOrder="1" WindowMode="S" />', 1)
    f = tmp_path / "project.xml"
    f.write_text(project)
    r = cli("import-gi", f, "--out", tmp_path / "out")
    assert r.exit_code == 0, r.output
    (defn,) = [load_definition(p) for p in (tmp_path / "out").glob("*.yaml")]
    assert "no caption; named it AcctName" in r.stderr and "GINavigationScreen" in r.stderr
    assert defn.key == ("CustomerID",) and "could not be guessed" not in r.stderr
    assert [c.name for c in defn.columns][:2] == ["CustomerID", "AcctName"]


def test_an_older_export_with_padded_codes_brackets_and_or(tmp_path, generated):
    """An older export's traits: padded condition codes ("E "), brackets with an OR inside, a sort
    that is not a key and no column of the DAC's key, a formula column."""
    text = re.sub(r'\s*<GISort [^>]*/>', '<GISort LineNbr="1" IsActive="1" DataFieldName="Contact.eMail" '
                  'SortOrder="A" />', generated)
    text = re.sub(r'<GIWhere [^>]*/>',
                  '<GIWhere LineNbr="1" IsActive="1" DataFieldName="Customer.customerClassID" Condition="E " '
                  'IsExpression="0" Value1="DEFAULT" Operation="A" />'
                  '<GIWhere LineNbr="2" IsActive="1" OpenBrackets="(       " DataFieldName="Customer.status" '
                  'Condition="E " IsExpression="0" Value1="A" Operation="O" />'
                  '<GIWhere LineNbr="3" IsActive="1" DataFieldName="Customer.status" Condition="E " '
                  'IsExpression="0" Value1="H" CloseBrackets=")        " Operation="A" />', text)
    text = text.replace('Field="creditLimit" Caption="CreditLimit"',
                        'Field="=[Customer.creditLimit]*2" Caption="Double"')
    text = re.sub(r'<GIResult [^>]*Field="acctCD"[^>]*/>', "", text)
    # written by someone else (not named 'Jigx CDC <table>'): its sort order is only an order
    text = re.sub(r"<!--.*?-->\n", "", text).replace('Name="Jigx CDC customers"', 'Name="Customers by class"')
    design_id = re.search(r'DesignID="([^"]+)"', text).group(1)
    text = text.replace(design_id, "1b4e28ba-2fa1-41d2-883f-0016d3cca427")
    f = tmp_path / "older.xml"
    f.write_text(text)
    out = tmp_path / "older.yaml"
    r = cli("import-gi", f, "--out", out)
    assert r.exit_code == 0, r.output
    d = load_definition(out)
    assert d.dac == "PX.Objects.AR.Customer"
    assert "key could not be guessed for PX.Objects.AR.Customer" in r.stderr
    assert d.joins[0].type == "left" and d.joins[0].on == (("DefContactID", "ContactID"),)
    assert [(c.alias, c.field, c.op, c.values) for c in d.where if not hasattr(c, "items")] == [
        ("Customer", "CustomerClassID", "equals", ("DEFAULT",))]
    (group,) = [c for c in d.where if hasattr(c, "items")]
    assert [(c.field, c.values) for c in group.items] == [("Status", ("A",)), ("Status", ("H",))]
    assert "formula column 'Double'" in r.stderr


@pytest.mark.parametrize("content,message", [
    ("<not xml", "not well-formed XML"),
    ("<data-set><data/></data-set>", "no Generic Inquiry"),
    ("PK\x03\x04garbage", "not a readable ZIP"),
])
def test_bad_inputs_are_clear(tmp_path, content, message):
    f = tmp_path / "gi.xml"
    f.write_bytes(content.encode("latin-1"))
    r = cli("import-gi", f)
    assert r.exit_code == 2 and message in r.stderr and "fix:" in r.stderr


def test_a_zip_that_inflates_past_the_limit_or_is_corrupt(tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("project.xml", b"<a>" + b" " * (51 * 1024 * 1024) + b"</a>")
    assert bomb.stat().st_size < 200_000
    r = cli("import-gi", bomb)
    assert r.exit_code == 2 and "larger than 50 MiB" in r.stderr
    corrupt = tmp_path / "corrupt.zip"
    with zipfile.ZipFile(corrupt, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("project.xml", b"<Customization>" + b"x" * 5000 + b"</Customization>")
    data = bytearray(corrupt.read_bytes())
    start = data.index(b"project.xml") + len(b"project.xml")
    data[start:start + 40] = bytes(40)  # the deflated bytes, zeroed
    corrupt.write_bytes(bytes(data))
    r = cli("import-gi", corrupt)
    assert r.exit_code == 2 and "not a readable ZIP" in r.stderr and "internal error" not in r.output


def test_several_inquiries_need_a_folder(tmp_path):
    app = tmp_path / "app"
    assert cli("init", app, *[a for p in SAMPLE_FILES[:2] for a in ("--table", p)]).exit_code == 0
    r = cli("import-gi", app / "acumatica/jigx-cdc.zip")
    assert r.exit_code == 2 and "--out DIR" in r.stderr
    shutil.rmtree(app)


PARAMETERS = ('<GIFilter LineNbr="1" IsActive="1" Name="Customer" FieldName="Customer.acctCD" DataType="string" '
              'DisplayName="Customer" IsExpression="0" ColSpan="1" Required="0" />'
              '<GIFilter LineNbr="2" IsActive="1" Name="DateFrom" FieldName="Customer.createdDateTime" '
              'DataType="string" DisplayName="Date From" IsExpression="0" ColSpan="1" Required="0" />')


def where_rows(*rows: str) -> str:
    return "".join(f'<GIWhere LineNbr="{n}" IsActive="1" {r} IsExpression="0" />' for n, r in enumerate(rows, 90))


def test_drop_unsupported_keeps_what_a_push_carries_and_lists_the_rest(tmp_path, generated):
    """Parameters, the condition pieces that use them (a bracket group as one piece), grouping and
    an aggregate column are dropped and listed; the conditions without parameters stay."""
    rows = PARAMETERS + '<GIGroupBy LineNbr="1" IsActive="1" DataFieldName="Customer.customerClassID" />' + \
        where_rows('OpenBrackets="(" DataFieldName="Customer.acctCD" Condition="E" Value1="[Customer]" Operation="O"',
                   'DataFieldName="[Customer]" Condition="NU" CloseBrackets=")" Operation="A"',
                   'DataFieldName="Customer.createdDateTime" Condition="GE" Value1="[DateFrom]" Operation="A"')
    xml = graft(generated, "<GIDesign>\n      <row ", rows)
    xml = xml.replace('Caption="CreditLimit"', 'Caption="CreditLimit" AggregateFunction="SUM"')
    f = tmp_path / "gi.xml"
    f.write_text(xml)
    r = cli("import-gi", f, "--out", tmp_path / "refused.yaml")
    assert r.exit_code == 1 and "refused: it groups rows" in r.stderr and "--drop-unsupported" in r.stderr
    r = cli("import-gi", f, "--drop-unsupported", "--out", tmp_path / "d.yaml", "--json")
    assert r.exit_code == 0, r.output
    (found,) = json.loads(r.stdout)["inquiries"]
    assert found["dropped"] == [
        "grouping by Customer.customerClassID: the Push Notifications form refuses grouped inquiries, so the table "
        "gets one row per record",
        "parameter Customer (Customer): a push carries no parameter values",
        "parameter DateFrom (Date From): a push carries no parameter values",
        "column CreditLimit (SUM of Customer.CreditLimit): a push needs one row per record, not an aggregate",
        "condition (Customer.acctCD E [Customer] or [Customer] NU): it uses a parameter",
        "condition Customer.createdDateTime GE [DateFrom]: it uses a parameter",
    ]
    defn = load_definition(tmp_path / "d.yaml")
    assert "CreditLimit" not in [c.name for c in defn.columns]
    original = load_definition(SAMPLES / "customers.yaml")
    assert defn.where == original.where  # the sample's own condition (Status not I) is kept
    text = (tmp_path / "d.yaml").read_text()
    assert all(f"# dropped: {d}" in text for d in found["dropped"])
    assert cli("generate", tmp_path / "d.yaml", "--out", tmp_path / "app").exit_code == 0


def test_a_parameter_condition_ored_with_a_kept_one_is_refused_even_when_dropping(tmp_path, generated):
    rows = PARAMETERS + where_rows('DataFieldName="Customer.acctCD" Condition="E" Value1="[Customer]" Operation="O"',
                                   'DataFieldName="Customer.acctName" Condition="LI" Value1="Acme" Operation="A"')
    f = tmp_path / "gi.xml"
    f.write_text(graft(generated, "<GIDesign>\n      <row ", rows))
    r = cli("import-gi", f, "--drop-unsupported", "--out", tmp_path / "d.yaml")
    assert r.exit_code == 1 and "OR'ed with one without" in r.stderr and not (tmp_path / "d.yaml").exists()



def test_an_existing_definition_that_differs_is_a_conflict(tmp_path, generated):
    """Issue 19.2: import-gi --out treats a definition there as the user's, as every other command
    treats user files: the same text is no change, another text is a conflict unless --force."""
    f = tmp_path / "gi.xml"
    f.write_text(generated)
    out = tmp_path / "customers.yaml"
    assert cli("import-gi", f, "--out", out).exit_code == 0
    assert cli("import-gi", f, "--out", out).exit_code == 0  # the same text again: nothing to lose
    out.write_text(out.read_text() + "# my note\n")
    r = cli("import-gi", f, "--out", out)
    assert r.exit_code == 1 and "your edits would be lost" in r.stderr and "--force" in r.stderr
    assert out.read_text().endswith("# my note\n")
    folder = tmp_path / "defs"
    folder.mkdir()
    (folder / "customers.yaml").write_text("mine\n")
    assert cli("import-gi", f, "--out", folder).exit_code == 1 and (folder / "customers.yaml").read_text() == "mine\n"
    r = cli("import-gi", f, "--out", out, "--force")
    assert r.exit_code == 0 and "# my note" not in out.read_text()
