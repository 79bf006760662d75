"""Issue 10, points 1-7: what the user wrote is never lost or silently changed; a definition
belongs to one table; remove follows the three-way rule."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.helpers import ORG, SAMPLES, SOLUTION_ID, cli, doctor_json, grant_odata_role, tree

CUSTOMERS = SAMPLES / "customers.yaml"


def load(path: Path):
    return YAML(typ="safe").load(path.read_text())


def state(app: Path) -> dict:
    return json.loads((app / ".jigx-acumatica/state.json").read_text())


@pytest.fixture
def app(tmp_path) -> Path:
    app = tmp_path / "app"
    assert cli("init", app, "--table", CUSTOMERS).exit_code == 0
    grant_odata_role(app)
    return app


# --- 1. removing the last managed table ----------------------------------------------------------

def test_remove_the_last_table_keeps_every_other_line(app):
    index = app / "index.jigx"
    index.write_text(index.read_text().replace("onTableChanged:", "# my note\nonTableChanged:  # keep me"))
    before = index.read_text()
    r = cli("remove", "customers", "--solution", app, "--dry-run")
    assert r.exit_code == 0, r.output
    assert index.read_text() == before
    r = cli("remove", "customers", "--solution", app)
    assert r.exit_code == 0, r.output
    after = index.read_text()
    assert load(index)["onTableChanged"] == []
    assert "# my note" in after and "# keep me" in after
    assert [ln for ln in after.splitlines() if "table: customers" in ln] == []


def test_remove_every_sample_one_by_one(tmp_path):
    app = tmp_path / "app"
    assert cli("init", app, *[a for s in sorted(SAMPLES.glob("*.yaml")) for a in ("--table", s)]).exit_code == 0
    for table in ("contacts", "customers", "open-invoices", "sales-order", "stock-items", "vendors"):
        r = cli("remove", table, "--solution", app)
        assert r.exit_code == 0, r.output
    assert load(app / "index.jigx")["onTableChanged"] == []
    assert cli("doctor", "--solution", app).exit_code == 0


# --- 2. renaming a stored definition's table ---------------------------------------------------------

def test_renaming_table_in_a_stored_definition_is_a_rename(app):
    stored = app / "acumatica/customers/table.yaml"
    stored.write_text(stored.read_text().replace("table: customers", "table: clients"))
    r = cli("generate", "--solution", app)
    assert r.exit_code == 0, r.output
    assert "renamed to 'clients'" in r.stdout and "Dynamic Data" in r.stdout
    assert "inquiry 'Jigx CDC customers' stays in Acumatica until you delete it there" in r.stdout
    assert set(state(app)["tables"]) == {"clients"}
    assert (app / "acumatica/clients/table.yaml").is_file()
    assert not (app / "acumatica/customers").exists()
    assert not (app / "datasources/customers.jigx").exists()
    assert [e["table"] for e in load(app / "index.jigx")["onTableChanged"]] == ["clients"]
    assert cli("generate", "--solution", app, "--check").exit_code == 0
    found = doctor_json(app)[1]
    assert not [f for f in found if f["severity"] == "error" or "out of date" in f["message"]], found
    assert any("'customers' is declared but no onTableChanged entry" in f["message"] for f in found)  # Jigx keeps it
    r = cli("remove", "customers", "--solution", app)
    assert r.exit_code == 2  # not managed any more
    assert (app / "acumatica/clients/table.yaml").is_file()


def test_remove_never_deletes_a_file_another_table_points_at(app):
    st = state(app)
    st["tables"]["other"] = dict(st["tables"]["customers"], definition="acumatica/customers/table.yaml")
    (app / ".jigx-acumatica/state.json").write_text(json.dumps(st))
    r = cli("remove", "customers", "--solution", app)
    assert r.exit_code == 0, r.output
    assert (app / "acumatica/customers/table.yaml").is_file()
    assert "another table's state points at it" in r.stdout


def test_doctor_reports_a_managed_table_whose_definition_is_missing(app):
    (app / "acumatica/customers/table.yaml").unlink()
    r = cli("doctor", "--solution", app)
    assert r.exit_code == 1
    assert "customers" in r.stdout and "definition" in r.stdout and "missing" in r.stdout


# --- 3. a different definition of a stored table ---------------------------------------------------

def test_add_does_not_silently_replace_a_stored_definition(app, tmp_path):
    stored = app / "acumatica/customers/table.yaml"
    stored.write_text(stored.read_text() + "# my edit\n")
    before = tree(app)
    r = cli("add", CUSTOMERS, "--solution", app)
    assert r.exit_code == 1 and "different definition" in r.output
    assert tree(app) == before
    r = cli("add", CUSTOMERS, "--solution", app, "--force")
    assert r.exit_code == 0
    assert stored.read_text() == CUSTOMERS.read_text()


def test_generate_def_for_a_stored_table_with_other_content(app, tmp_path):
    other = tmp_path / "customers.yaml"
    other.write_text(CUSTOMERS.read_text().replace("inquiry: ", "inquiry: Other "))
    if "inquiry: Other" not in other.read_text():
        other.write_text(CUSTOMERS.read_text() + "inquiry: Other inquiry\n")
    before = tree(app)
    r = cli("generate", other, "--solution", app)
    assert r.exit_code == 1 and "different definition" in r.output
    assert tree(app) == before
    r = cli("generate", other, "--solution", app, "--force")
    assert r.exit_code == 0, r.output
    assert (app / "acumatica/customers/table.yaml").read_text() == other.read_text()
    assert cli("generate", "--solution", app, "--check").exit_code == 0, "a bare run must agree"


# --- 4. options that shape the output are recorded -------------------------------------------------

def test_quick_start_output_is_up_to_date_at_once(tmp_path):
    out = tmp_path / "demo"
    r = cli("generate", *sorted(SAMPLES.glob("*.yaml")), "--out", out, "--region", "us")
    assert r.exit_code == 0, r.output
    assert "jigx-acumatica.yaml" in r.stdout
    assert load(out / "jigx-acumatica.yaml")["region"] == "us"
    assert cli("generate", "--solution", out, "--check").exit_code == 0
    code, found = doctor_json(out)  # up to date; the OData reader's rights and the Jigx ids are still to give
    assert code == 4 and {f["message"].split(":")[0] for f in found} == {"no odataRole"} | {
        "the push URL still holds <ORGANIZATION-ID>, <SOLUTION-ID>"}, found
    assert sum("push URL still holds" in f["message"] for f in found) == 6  # one per checklist
    before = tree(out)
    assert cli("generate", "--solution", out).exit_code == 0
    assert tree(out) == before


def test_recorded_options_keep_the_config_comments(app):
    config = app / "jigx-acumatica.yaml"
    config.write_text("# our tenant settings\n" + config.read_text())
    r = cli("generate", "--solution", app, "--org", ORG, "--solution-id", SOLUTION_ID, "--company", "Acme")
    assert r.exit_code == 0, r.output
    data = load(config)
    assert (data["organizationId"], data["solutionId"], data["company"]) == (ORG, SOLUTION_ID, "Acme")
    assert config.read_text().startswith("# our tenant settings\n")
    assert cli("generate", "--solution", app, "--check").exit_code == 0
    assert cli("generate", "--solution", app, "--region", "eu", "--check").exit_code == 1
    assert load(config)["region"] is None, "--check writes nothing, the config included"


# --- 5. comments inside a managed entry ------------------------------------------------------------

def test_comment_inside_a_managed_entry_is_kept_or_reported(app):
    index = app / "index.jigx"
    text = index.read_text()
    index.write_text(text.replace("    action:", "    # why we sync here\n    action:", 1))
    commented = index.read_text()
    assert cli("generate", "--solution", app).exit_code == 0
    assert index.read_text() == commented, "unchanged definition: the entry (and comment) stay"
    stored = app / "acumatica/customers/table.yaml"
    stored.write_text(stored.read_text().replace("entities: [default/customers]",
                                                 "entities: [default/customers, default/x]")
                      if "entities:" in stored.read_text() else stored.read_text()
                      + "on_change: {type: action.sync-entities, options: {provider: DATA_PROVIDER_DYNAMIC, "
                        "entities: [default/customers, default/orders]}}\n")
    r = cli("generate", "--solution", app)
    assert r.exit_code == 1 and "conflict" in r.output
    assert index.read_text() == commented
    assert cli("generate", "--solution", app, "--force").exit_code == 0
    assert "why we sync here" not in index.read_text()


# --- 6. byte for byte ------------------------------------------------------------------------------

def test_one_line_flow_lists_keep_their_style_and_comment(tmp_path):
    app = tmp_path / "app"
    assert cli("init", app).exit_code == 0
    index = app / "index.jigx"
    index.write_text(index.read_text() + "onTableChanged: [{table: leads, action: {type: action.sync-entities}}]"
                                          "  # hand-written\n")
    db = app / "databases/default.jigx"
    db.write_text("databaseId: default\ntables: {leads: null}  # ours\n")
    r = cli("add", CUSTOMERS, "--solution", app)
    assert r.exit_code == 0, r.output
    line = [ln for ln in index.read_text().splitlines() if ln.startswith("onTableChanged:")][0]
    assert line.startswith("onTableChanged: [{table: leads, action: {type: action.sync-entities}}, {table: customers")
    assert line.endswith("  # hand-written")
    assert db.read_text() == "databaseId: default\ntables: {leads: null, customers: null}  # ours\n"


def test_multi_line_flow_list_rewrite_is_announced(tmp_path):
    app = tmp_path / "app"
    assert cli("init", app).exit_code == 0
    index = app / "index.jigx"
    index.write_text(index.read_text()
                     + "onTableChanged: [\n  {table: leads, action: {type: action.sync-entities}}\n  ]\n")
    r = cli("add", CUSTOMERS, "--solution", app)
    assert r.exit_code == 0, r.output
    assert "flow style" in r.stdout and "block style" in r.stdout
    tables = [e["table"] for e in load(index)["onTableChanged"]]
    assert tables == ["leads", "customers"]


def test_mixed_line_endings_are_kept_line_by_line(tmp_path):
    app = tmp_path / "app"
    assert cli("init", app).exit_code == 0
    index = app / "index.jigx"
    lines = index.read_text().splitlines()
    mixed = "\r\n".join(lines[:2]) + "\n" + "\r\n".join(lines[2:]) + "\r\n"  # one LF line among CRLF
    index.write_bytes(mixed.encode())
    assert cli("add", CUSTOMERS, "--solution", app).exit_code == 0
    data = index.read_bytes()
    assert data.startswith(mixed.encode()[: len(mixed.split("\n")[0]) + len(mixed.split("\n")[1]) + 2])
    assert data.count(b"\n") - data.count(b"\r\n") == 1, "exactly the one LF line stays LF"


def test_tab_after_colon_is_accepted_everywhere(tmp_path):
    app = tmp_path / "app"
    assert cli("init", app).exit_code == 0
    index = app / "index.jigx"
    index.write_text(index.read_text().replace("title: app", "title:\tField Ops").replace("title: ", "title:\t"))
    for args in (["add", CUSTOMERS], ["generate"], ["remove", "customers"]):
        r = cli(*args, "--solution", app)
        assert r.exit_code == 0, (args, r.output)
        assert "\t" in index.read_text()


def test_tab_after_colon_in_definitions_and_the_config(tmp_path):
    """The same class in the other files a user writes: a definition that is wrong or only
    warned about still gets the message about what is wrong (not one about the tab), with its
    line; the project config reads and records."""
    text = ("entity: Customer\ntable: customers\ninquiry:\tJigx CDC customers\nsource: {dac: PX.Objects.AR.Customer}\n"
            "key: [CustomerID]\ncolumns:\n  CustomerID:\tCustomer.AcctCD\n  Name: Customer.AcctName\n")
    bad, warned = tmp_path / "bad.yaml", tmp_path / "warned.yaml"
    bad.write_text(text + "colums:\t{}\n")
    warned.write_text(text + "screen_id:\tGI990001\n")
    r = cli("generate", bad, "--out", tmp_path / "out")
    assert r.exit_code == 2 and "did you mean 'columns'" in r.stderr
    assert f"bad.yaml:{text.count(chr(10)) + 1}:1" in r.stderr
    r = cli("generate", warned, "--out", tmp_path / "out")
    assert r.exit_code == 0, r.output
    assert f"warned.yaml:{text.count(chr(10)) + 1}: screen_id is used only with 'odata: true'" in r.stderr
    config = tmp_path / "out/jigx-acumatica.yaml"
    assert "\ncompany:\n" in config.read_text()
    config.write_text(config.read_text().replace("\ncompany:\n", "\ncompany:\tMy Tenant\n"))
    r = cli("generate", "--solution", tmp_path / "out", "--org", ORG)
    assert r.exit_code == 0, r.output
    assert "My Tenant" in (tmp_path / "out/acumatica/customers/sample-push.json").read_text()


# --- 7. remove follows the three-way rule ----------------------------------------------------------

def test_remove_reports_hand_edits_as_conflicts(app):
    (app / "datasources/customers.jigx").write_text((app / "datasources/customers.jigx").read_text() + "# mine\n")
    (app / "acumatica/customers/notes.md").write_text("my notes\n")
    before = tree(app)
    r = cli("remove", "customers", "--solution", app)
    assert r.exit_code == 1
    assert "datasources/customers.jigx" in r.output and "notes.md" in r.output
    assert tree(app) == before
    r = cli("remove", "customers", "--solution", app, "--force")
    assert r.exit_code == 0
    assert not (app / "acumatica/customers").exists()


def test_remove_reports_an_edited_entry(app):
    index = app / "index.jigx"
    head, entries = index.read_text().split("onTableChanged:", 1)
    index.write_text(head + "onTableChanged:" + entries.replace("default/customers",
                                                                 "default/customers\n          - default/extra", 1))
    r = cli("remove", "customers", "--solution", app)
    assert r.exit_code == 1 and "edited by hand" in r.output


def test_a_quick_start_solution_is_self_contained(tmp_path):
    """Issue 19.6: generate DEF... --out DIR copies the definitions into the solution, so a moved
    or cloned solution regenerates and passes doctor; the copies follow the files given while
    nobody edits them in the solution."""
    defs = tmp_path / "defs"
    defs.mkdir()
    for p in sorted(SAMPLES.glob("*.yaml")):
        shutil.copy(p, defs / p.name)
    out = tmp_path / "demo"
    assert cli("generate", *sorted(defs.glob("*.yaml")), "--out", out, "--region", "us").exit_code == 0
    assert (out / "acumatica/customers/table.yaml").read_text() == (defs / "customers.yaml").read_text()
    moved = tmp_path / "elsewhere" / "demo"
    moved.parent.mkdir()
    shutil.move(str(out), moved)
    shutil.rmtree(defs)  # the definitions given are gone: the solution holds its own copies
    assert cli("generate", "--solution", moved, "--check").exit_code == 0
    r = cli("doctor", "--solution", moved, "--json")
    assert [f for f in json.loads(r.stdout)["findings"] if f["severity"] == "error"] == []
    # the copy follows its file while untouched; an edit in the solution is then the user's
    defs.mkdir()
    (defs / "vendors.yaml").write_text((SAMPLES / "vendors.yaml").read_text() + "inquiry: Vendors for Jigx\n")
    assert cli("generate", defs / "vendors.yaml", "--solution", moved).exit_code == 0
    stored = moved / "acumatica/vendors/table.yaml"
    assert stored.read_text().endswith("inquiry: Vendors for Jigx\n")
    stored.write_text(stored.read_text() + "# mine\n")
    r = cli("generate", defs / "vendors.yaml", "--solution", moved)
    assert r.exit_code == 1 and "different definition" in r.output and stored.read_text().endswith("# mine\n")


def test_generate_refuses_a_folder_that_is_neither_a_solution_nor_empty(tmp_path):
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine\n")
    r = cli("generate", SAMPLES / "customers.yaml", "--out", folder)
    assert r.exit_code == 2 and "is not a Jigx solution" in r.stderr and "--out NEW-FOLDER" in r.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


def test_force_can_be_aimed_at_one_table(app):
    """Issue 19.10: forcing one table leaves every other hand edit alone, and the conflict says how."""
    assert cli("add", SAMPLES / "vendors.yaml", "--solution", app).exit_code == 0
    mine = {}
    for table in ("customers", "vendors"):
        f = app / f"acumatica/{table}/generic-inquiry.md"
        f.write_text(f.read_text() + "# my edit\n")
        mine[table] = f
        d = app / f"acumatica/{table}/table.yaml"
        d.write_text(d.read_text() + "inquiry: Changed " + table + "\n")
    home = app / "jigs/home.jigx"
    home.write_text(home.read_text() + "# my home\n")
    r = cli("generate", "--solution", app)
    assert r.exit_code == 1 and "to force one table alone" in r.stderr and "acumatica/customers/table.yaml" in r.stderr
    r = cli("generate", app / "acumatica/customers/table.yaml", "--solution", app, "--force")
    assert r.exit_code == 0, r.output
    assert "# my edit" not in mine["customers"].read_text()  # forced
    assert mine["vendors"].read_text().endswith("# my edit\n") and home.read_text().endswith("# my home\n")


def test_a_rename_carries_an_edited_tab_label_and_icon(app):
    """Issue 19.10: the tab a user relabelled follows the table to its new name."""
    index = app / "index.jigx"
    index.write_text(index.read_text().replace("label: Customers", "label: Clients A-Z").replace(
        "icon: person", "icon: contact", 1))
    stored = app / "acumatica/customers/table.yaml"
    stored.write_text(stored.read_text().replace("table: customers", "table: clients"))
    r = cli("generate", "--solution", app)
    assert r.exit_code == 0, r.output
    tabs = load(index)["tabs"]
    assert "customers" not in tabs and tabs["clients"]["label"] == "Clients A-Z"
    assert tabs["clients"]["jigId"] == "clients" and tabs["clients"]["icon"] == "contact"
    assert "tab carried from 'customers'" in r.stdout



def test_force_can_be_aimed_at_one_file(app):
    """Issue 19.10: --force-file overwrites that file alone; every other hand edit is kept."""
    assert cli("add", SAMPLES / "vendors.yaml", "--solution", app).exit_code == 0
    edited = {}
    for table in ("customers", "vendors"):
        f = app / f"acumatica/{table}/generic-inquiry.md"
        f.write_text(f.read_text() + "# my edit\n")
        edited[table] = f
    d = app / "acumatica/customers/table.yaml"
    d.write_text(d.read_text() + "inquiry: Changed customers\n")
    r = cli("generate", "--solution", app)
    assert r.exit_code == 1 and "--force-file acumatica/customers/generic-inquiry.md" in r.stderr
    r = cli("generate", "--solution", app, "--force-file", "acumatica/customers/generic-inquiry.md")
    assert r.exit_code == 0, r.output
    assert "# my edit" not in edited["customers"].read_text() and "Changed customers" in edited["customers"].read_text()
    assert edited["vendors"].read_text().endswith("# my edit\n")  # kept: not named
    r = cli("generate", "--solution", app, "--force-file", "nope.txt")
    assert r.exit_code == 2 and "not a file this run writes" in r.stderr
