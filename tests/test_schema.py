"""Issue 23: definitions from the instance's schema (discover), and every definition checked
against it (doctor --acumatica, publish's check first), with DAC-based OData's $metadata in its
documented shape served by a fake instance, the bundled sample, and the real excerpt."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from jigx_acumatica.acumatica.dac_metadata import Schema, build_cache
from jigx_acumatica.definition import load_definition
from tests.fakes.acumatica import FakeAcumatica
from tests.fakes.dac_odata import DacType, metadata_xml, serve_metadata, standard
from tests.helpers import ORG, ROOT, SAMPLES, SOLUTION_ID, cli

PASSWORD = "s3cret-Pa55word-Acu!"
ENV = {"ACUMATICA_USERNAME": "admin", "ACUMATICA_PASSWORD": PASSWORD}
REAL = ROOT.parent / "shared/reference/acumatica-samples/dac-odata-metadata-excerpt.xml"


@pytest.fixture
def instance():
    fake = FakeAcumatica(password=PASSWORD)
    fake.reads = serve_metadata(fake, "MyTenant", metadata_xml(standard()))
    yield fake
    fake.close()


@pytest.fixture
def app(tmp_path) -> Path:
    app = tmp_path / "app"
    assert cli("init", app, "--org", ORG, "--solution-id", SOLUTION_ID, "--table", SAMPLES / "customers.yaml"
               ).exit_code == 0
    return app


def test_discover_proposes_a_definition_that_loads_and_says_why(instance, tmp_path, app):
    out = tmp_path / "customers.yaml"
    r = cli("discover", "Customer", "--join", "PX.Objects.CR.Contact", "--out", out, "--solution", app,
            "--acumatica-url", instance.url, "--tenant", "MyTenant", env=ENV)
    assert r.exit_code == 0, r.output
    text = out.read_text()
    defn = load_definition(out)
    assert defn.dac == "PX.Objects.AR.Customer" and defn.key == ("AcctCD",)  # BAccountID is a surrogate id
    assert "the natural code AcctCD: the instance's key BAccountID is a surrogate integer id" in text
    assert defn.deleted_flag and "lists DeletedDatabaseRecord" in text and defn.modified == "LastModifiedDateTime"
    columns = {c.name: (c.alias, c.field, c.type) for c in defn.columns}
    assert columns["AcctName"] == ("Customer", "AcctName", "string")  # a field of the base DAC, BAccount
    assert columns["DisplayName"] == ("Contact", "DisplayName", "string")
    assert defn.joins[0].on == (("DefContactID", "ContactID"),) and defn.joins[0].parent == "Customer"
    assert "navigation property ContactByDefContactID" in text
    assert not any(c.field in ("tstamp", "NoteID", "CreatedByID") for c in defn.columns)
    assert cli("add", out, "--solution", app, "--force").exit_code == 0
    # the schema is cached in the solution's state folder: a second discover does not read the instance
    assert (app / ".jigx-acumatica/dac-metadata.sqlite").is_file() and len(instance.reads) == 1
    r = cli("discover", "PX.Objects.SO.SOOrder", "--all-columns", "--solution", app, "--acumatica-url",
            instance.url, "--tenant", "MyTenant", env=ENV)
    assert r.exit_code == 0 and len(instance.reads) == 1
    assert "key: [OrderType, OrderNbr]" in r.stdout and "OrderQty: {field: SOOrder.OrderQty, type: decimal}" in r.stdout
    assert cli("discover", "SOOrder", "--refresh", "--solution", app, "--acumatica-url", instance.url, "--tenant",
               "MyTenant", env=ENV).exit_code == 0 and len(instance.reads) == 2
    r = cli("discover", "Custmer", "--solution", app, "--acumatica-url", instance.url, "--tenant", "MyTenant", env=ENV)
    assert r.exit_code == 2 and "did you mean PX.Objects.AR.Customer" in r.stderr
    assert PASSWORD not in r.output


def test_discover_with_the_bundled_metadata_sample_and_a_surrogate_site_key(tmp_path):
    r = cli("discover", "INSite", "--metadata", SAMPLES / "dac-metadata.xml", "--solution", tmp_path)
    assert r.exit_code == 0, r.output
    assert "key: [SiteCD]" in r.stdout and "deleted_flag: false" in r.stdout
    # the readable selection: a description, not a flag; --all-columns brings every field, typed
    assert "Descr: INSite.Descr" in r.stdout and "INSite.Active" not in r.stdout
    r = cli("discover", "INSite", "--all-columns", "--metadata", SAMPLES / "dac-metadata.xml", "--solution", tmp_path)
    assert "Active: {field: INSite.Active, type: bool}" in r.stdout and "tstamp" not in r.stdout


@pytest.mark.skipif(not REAL.is_file(), reason="needs ../shared/reference beside the checkout")
def test_discover_reads_the_real_excerpt(tmp_path):
    r = cli("discover", "PX.Objects.GL.DAC.Organization", "--metadata", REAL, "--solution", tmp_path)
    assert r.exit_code == 0, r.output
    assert "key: [OrganizationCD]" in r.stdout and "deleted_flag: true" in r.stdout
    r = cli("discover", "OrganizationLedgerLink", "--join", "Organization", "--metadata", REAL, "--solution", tmp_path)
    assert "[OrganizationLedgerLink.OrganizationID, Organization.OrganizationID]" in r.stdout


def test_doctor_checks_every_definition_against_the_instance(app, instance):
    stored = app / "acumatica/customers/table.yaml"
    text = stored.read_text()
    assert "Customer.AcctName" in text
    text = text.replace("Customer.AcctName", "Customer.AcctNmae")
    text = text.replace("CreditLimit: {field: Customer.CreditLimit, type: decimal}",
                        "CreditLimit: {field: Customer.CreditLimit, type: bool}")
    stored.write_text(text)
    r = cli("doctor", "--solution", app, "--acumatica", "--acumatica-url", instance.url, "--tenant", "MyTenant",
            "--json", env=ENV)
    findings = [f for f in json.loads(r.stdout)["findings"] if "table.yaml" in f["path"]]
    mistyped = next(f for f in findings if "AcctNmae" in f["message"])
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "AcctNmae" in ln)
    assert mistyped["severity"] == "error" and mistyped["line"] == line and mistyped["column"]
    assert "did you mean Customer.AcctName" in mistyped["fix"] and "drop" in mistyped["message"]
    wrong_type = next(f for f in findings if "declared bool" in f["message"])
    assert wrong_type["severity"] == "warning" and "Edm.Decimal" in wrong_type["message"]
    # the sample's Contact join: deleted_flag follows the main DAC, which keeps deleted rows here
    assert any("keeps deleted rows on this instance" in f["message"] for f in findings)
    # the instance settles what the definition left unknown: that warning is gone
    assert not any("it is not known whether PX.Objects.AR.Customer" in f["message"] for f in findings)
    plain = json.loads(cli("doctor", "--solution", app, "--json").stdout)["findings"]
    assert any("it is not known whether PX.Objects.AR.Customer" in f["message"] for f in plain)
    assert r.exit_code == 1
    r = cli("doctor", "--solution", app, "--metadata", SAMPLES / "dac-metadata.xml")
    assert r.exit_code == 1 and "AcctNmae" in r.stdout and "table.yaml:" in r.stdout


def test_a_deleted_flag_the_instance_contradicts_is_an_error(app, tmp_path):
    meta = tmp_path / "m.xml"
    types = [t if t.name != "PX.Objects.AR.Customer" else DacType(t.name, t.keys, t.props, t.base, t.navs, False)
             for t in standard()]
    meta.write_bytes(metadata_xml(types))
    stored = app / "acumatica/customers/table.yaml"
    stored.write_text(stored.read_text().replace("  alias: Customer\n", "  alias: Customer\n  deleted_flag: true\n", 1))
    r = cli("doctor", "--solution", app, "--metadata", meta, "--json")
    found = [f for f in json.loads(r.stdout)["findings"] if "DeletedDatabaseRecord" in f["message"]]
    assert found and found[0]["severity"] == "error" and "deleted_flag: false" in found[0]["fix"]


def test_publish_checks_first_and_a_mistyped_field_never_reaches_acumatica(app, instance):
    stored = app / "acumatica/customers/table.yaml"
    stored.write_text(stored.read_text().replace("Customer.AcctName", "Customer.AcctNmae"))
    assert cli("generate", "--solution", app).exit_code == 0
    args = ["publish", "--solution", app, "--acumatica-url", instance.url, "--tenant", "MyTenant",
            "--poll-interval", "0"]
    r = cli(*args, env=ENV)
    assert r.exit_code == 2 and "AcctNmae" in r.stderr and "nothing was published" in r.stderr
    assert not [s for s in instance.seen if "CustomizationApi" in s.path]
    assert cli(*args, "--no-schema-check", env=ENV).exit_code == 0  # the way to publish anyway


def test_publish_without_dac_odata_warns_and_publishes(app, tmp_path):
    fake = FakeAcumatica(password=PASSWORD)
    serve_metadata(fake, "MyTenant", b"", status=404)  # before 2025 R1
    try:
        r = cli("publish", "--solution", app, "--acumatica-url", fake.url, "--tenant", "MyTenant", "--poll-interval",
                "0", env=ENV)
        assert r.exit_code == 0, r.output
        assert "not checked against the instance's schema" in r.stderr and "2025 R1" in r.stderr
    finally:
        fake.close()


def test_metadata_that_is_not_metadata_is_named_with_its_position(tmp_path, app):
    bad = tmp_path / "bad.xml"
    bad.write_text("<html><body>Login</body></html>")
    r = cli("doctor", "--solution", app, "--metadata", bad)
    assert r.exit_code == 2 and "not an OData $metadata document" in r.stderr
    bad.write_text('<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><x>')
    r = cli("discover", "Customer", "--metadata", bad, "--solution", tmp_path)
    assert r.exit_code == 2 and "bad.xml:1:" in r.stderr and "not well-formed" in r.stderr


def test_the_schema_is_parsed_as_a_stream_into_the_cache(tmp_path):
    """Thousands of DACs: every one in the cache, each derived DAC with its base's fields."""
    types = [DacType(f"Ns{i % 40}.Dac{i}", ["ID"], [("ID", "Edm.Int32"), ("Name", "Edm.String")]) for i in range(3000)]
    types.append(DacType("Ns0.Derived", [], [("Extra", "Edm.Decimal")], base="Ns0.Dac0", keeps_deleted=True))
    count = build_cache(io.BytesIO(metadata_xml(types)), tmp_path / "c.sqlite", source="test", what="test")
    assert count == 3001
    with Schema(tmp_path / "c.sqlite") as schema:
        derived = schema.dac("Ns0.Derived")
        assert derived is not None and derived.keys == ["ID"] and set(derived.props) == {
            "Extra", "DeletedDatabaseRecord", "ID", "Name"}
        assert schema.dac("Dac2999") is not None and schema.dac("Ns1_Dac1") is not None
