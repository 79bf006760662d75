"""doctor on hand-made and generated solutions: one finding per problem, with file:line and a fix."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import SAMPLES, TARGET_ARGS, cli, doctor_json

BROKEN_INDEX = """name: Field App
title: Field
category: business
widgets: {}
tabs:
  home:
    jigId: home
    icon: home-apps-logo
  jobs:
    jigId: job-list
    icon: list
onTableChanged:
  - table: customers
    action:
      type: action.sync-entities
      options: {provider: DATA_PROVIDER_DYNAMIC, entities: [default/customers]}
  - table: default/orders
    action: {type: action.sync-entities}
  - table: jobs
    action:
      type: action.execute-entity
      options: {provider: DATA_PROVIDER_DYNAMIC, entity: default/jobs, method: update}
  - table: notes
    action: {type: action.reset-solution-state}
    when: =true
  - table: customers
    action: {type: action.reset-solution-state}
  - table: visits
"""

BROKEN_DB = """databaseId: default
tables:
  customers:
  jobs:
  notes:
  Bad_Name:
"""


def make(tmp_path: Path, index: str, db: str | None = None) -> Path:
    app = tmp_path / "app"
    (app / "jigs").mkdir(parents=True)
    (app / "jigs/home.jigx").write_text("title: Home\ntype: jig.default\nchildren: []\n")
    (app / "index.jigx").write_text(index)
    if db is not None:
        (app / "databases").mkdir()
        (app / "databases/default.jigx").write_text(db)
    return app


def findings(app: Path) -> tuple[int, list[dict]]:
    r = cli("doctor", "--solution", app, "--json")
    return r.exit_code, json.loads(r.stdout)["findings"]


def test_every_problem_is_found_with_its_line(tmp_path):
    app = make(tmp_path, BROKEN_INDEX, BROKEN_DB)
    code, found = findings(app)
    assert code == 1
    by_text = {f["message"]: f for f in found}

    def one(fragment: str) -> dict:
        hits = [f for m, f in by_text.items() if fragment in m]
        assert hits, f"no finding mentions {fragment!r}: {list(by_text)}"
        return hits[0]

    assert one("name")["line"] == 1 and one("name")["severity"] == "error"
    assert one("'widgets' is deprecated")["line"] == 4
    assert one("jigs/job-list.jigx does not exist")["line"] == 10
    assert one("table name 'default/orders'")["line"] == 17
    assert one("writes to the table it watches")["line"] == 19
    assert one("unknown keys: when")["severity"] == "warning"
    assert one("'customers' is watched twice")["line"] == 26
    assert one("the entry for 'visits' needs one action")["line"] == 28
    assert one("'visits' is watched but not declared")["severity"] == "error"
    assert len([f for f in found if "deprecated" in f["message"]]) == 1
    assert one("Bad_Name")["path"] == "databases/default.jigx"
    for f in found:
        assert f["fix"] or f["severity"] == "info", f


def test_text_output_names_file_line_severity_and_fix(tmp_path):
    app = make(tmp_path, BROKEN_INDEX, BROKEN_DB)
    r = cli("doctor", "--solution", app)
    assert r.exit_code == 1
    assert "index.jigx:10: error: tab 'jobs' points at jig 'job-list'" in r.stdout
    assert "  fix: create jigs/job-list.jigx or fix the jigId" in r.stdout


def test_misspelled_event_and_undeclared_table(tmp_path):
    app = make(tmp_path, "name: app\ntitle: App\ncategory: business\nonTableChange:\n  - table: jobs\n"
                         "    action: {type: action.sync-entities}\n", "tables:\n  other:\n")
    code, found = findings(app)
    assert code == 1
    assert any("'onTableChange' is not a Jigx event" in f["message"] and f["line"] == 4 for f in found)
    app2 = make(tmp_path / "b", "name: app\ntitle: App\ncategory: business\nonTableChanged:\n  - table: jobs\n"
                                "    action: {type: action.sync-entities}\n", "tables:\n  other:\n")
    code, found = findings(app2)
    assert any("'jobs' is watched but not declared" in f["message"] and f["line"] == 5 for f in found)


def test_generated_solution_is_clean_and_staleness_is_reported(tmp_path):
    app = tmp_path / "app"
    assert cli("init", app, *TARGET_ARGS, "--table", SAMPLES / "customers.yaml", "--table",
               SAMPLES / "vendors.yaml").exit_code == 0
    code, found = doctor_json(app)
    # customers is exposed over OData, and nothing grants its reader rights yet (issue 17.2)
    assert code == 4 and [(f["path"], f["severity"]) for f in found] == [("jigx-acumatica.yaml", "warning")]
    assert "no odataRole" in found[0]["message"] and "customers" in found[0]["message"]
    assert "SM201020" in found[0]["fix"]
    config = app / "jigx-acumatica.yaml"
    config.write_text(config.read_text() + "odataRole: JigxReader\n")
    code, found = doctor_json(app)  # the generated docs now say the package grants it: out of date
    assert code == 4 and all("out of date" in f["message"] for f in found) and found
    assert cli("generate", "--solution", app).exit_code == 0
    assert doctor_json(app) == (4, [])  # only the deleted_flag questions remain (Customer, Vendor)
    assert "grants the role\n`JigxReader`" in (app / "acumatica/customers/generic-inquiry.md").read_text()
    definition = app / "acumatica/vendors/table.yaml"
    definition.write_text(definition.read_text() + "inquiry: Jigx Vendors\n")
    code, found = findings(app)
    assert code == 4
    assert any(f["path"] == "acumatica/vendors/generic-inquiry.xml" and "out of date" in f["message"] for f in found)
    assert cli("generate", "--solution", app).exit_code == 0
    assert doctor_json(app) == (4, [])
    code, found = findings(app)  # which are these, each at its definition's line:
    assert {(f["path"], f["line"]) for f in found} == {("acumatica/customers/table.yaml", 6),
                                                       ("acumatica/vendors/table.yaml", 5)}
    definition.write_text("entity: [\n")
    code, found = findings(app)
    assert code == 1 and any("invalid YAML" in f["message"] and f["line"]
                             and f["path"] == "acumatica/vendors/table.yaml" for f in found)


def test_not_a_solution(tmp_path):
    code, found = findings(tmp_path)
    assert code == 1 and "not a Jigx solution" in found[0]["message"]


def test_unreadable_index(tmp_path):
    app = make(tmp_path, "name: [\n")
    code, found = findings(app)
    assert code == 1 and found[0]["path"] == "index.jigx" and "invalid YAML" in found[0]["message"]


def test_hostile_jigx_files_are_findings_not_crashes(tmp_path):
    """Nesting deep enough to crash libyaml's composer, in every kind of file doctor reads."""
    app = tmp_path / "app"
    assert cli("init", app, "--table", SAMPLES / "customers.yaml").exit_code == 0
    deep = "[" * 100_000 + "]" * 100_000
    (app / "datasources/customers.jigx").write_text("type: datasource.sqlite\noptions: " + deep + "\n")
    code, found = findings(app)
    assert code == 1 and any(f["path"] == "datasources/customers.jigx" and "nested more than" in f["message"]
                             for f in found)
    (app / "databases/default.jigx").write_text("tables: " + deep + "\n")
    code, found = findings(app)
    assert code == 1 and any(f["path"] == "databases/default.jigx" for f in found)


def test_doctor_finds_what_acumatica_and_the_feed_would_suffer(tmp_path):
    """Issue 19.14: placeholders left in checklists, a local base URL baked into them, a declared
    table nothing watches, keys that all come from a left join, an inquiry of hundreds of columns."""
    app = tmp_path / "app"
    assert cli("init", app, "--base-url", "http://127.0.0.1:8787", "--table", SAMPLES / "vendors.yaml").exit_code == 0
    found = doctor_json(app)[1]
    messages = [f["message"] for f in found]
    assert any("still holds <ORGANIZATION-ID>, <SOLUTION-ID>" in m for m in messages)
    assert any("is a local address" in m for m in messages)
    db = app / "databases/default.jigx"
    db.write_text(db.read_text() + "  leftovers:\n")
    wide = tmp_path / "wide.yaml"
    wide.write_text("entity: Wide\ntable: wide\nsource: {dac: PX.Objects.AR.Customer, deleted_flag: false}\n"
                    "joins:\n  - {dac: PX.Objects.CR.Contact, alias: Contact, on: [[Customer.DefContactID, "
                    "Contact.ContactID]]}\nkey: [Mail]\ncolumns:\n  Mail: Contact.EMail\n" +
                    "".join(f"  C{n}: Customer.F{n}\n" for n in range(301)))
    assert cli("add", wide, "--solution", app).exit_code == 0
    found = doctor_json(app)[1]
    by = {f["message"]: f for f in found}
    note = next(f for m, f in by.items() if "'leftovers' is declared but no onTableChanged" in m)
    assert note["severity"] == "info"
    left = next(f for m, f in by.items() if "every key column of 'wide' comes from the left join of Contact" in m)
    assert left["path"] == "acumatica/wide/table.yaml" and left["severity"] == "warning"
    assert any("'wide' has 302 columns" in m for m in by)
