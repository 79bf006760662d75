"""Issue 18: the generated app as a phone runs it. Every datasource query is executed by SQLite
against a table shaped like Jigx's ([default/<table>]: id, data JSON) holding rows with nulls,
empty strings and missing keys; every generated expression is evaluated by a JSONata
implementation over the same rows, and must never show the text "null"."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import jsonata
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from jigx_acumatica.definition import load_definition
from tests.helpers import SAMPLE_FILES, cli

# Words SQLite keeps for itself (a bare alias with one of these names is a syntax error).
SQL_WORDS = ["Order", "Group", "Case", "Check", "Default", "Index", "Table", "Values", "From", "To", "Limit",
             "Update", "Transaction", "Select", "Where", "Join", "Key", "Primary", "Not", "As"]


def definition(columns: dict[str, str], key: list[str]) -> str:
    cols = "".join(f"  {name}: {spec}\n" for name, spec in columns.items())
    source = "{dac: PX.Objects.IN.InventoryItem, alias: Item, deleted_flag: false}"
    return f"entity: Widget\ntable: widgets\nsource: {source}\nkey: [{', '.join(key)}]\ncolumns:\n{cols}"


def rows_for(names: list[str], types: dict[str, str]) -> list[dict[str, Any]]:
    """Rows as Jigx keeps them: full ones, nulls, empty strings, missing keys."""
    def full(n: int) -> dict[str, Any]:
        value = {"int": n, "decimal": 1234.5 + n, "bool": True, "datetime": f"2026-11-{10 + n}T09:15:02.1",
                 "date": f"2026-11-{10 + n}"}
        return {c: value.get(types.get(c, "string"), f"{c} {n}") for c in names}

    return [full(1), {c: None for c in names}, {c: "" for c in names}, {}, full(2) | {names[-1]: None},
            {"_tab": "Widget", "_mod": "not a date"}]


def run_query(query: str, table: str, rows: list[dict[str, Any]]) -> list[sqlite3.Row]:
    db = sqlite3.connect(":memory:")
    db.row_factory = sqlite3.Row
    db.execute(f'CREATE TABLE "default/{table}" (id TEXT PRIMARY KEY, data TEXT)')
    db.executemany(f'INSERT INTO "default/{table}" VALUES (?, ?)',
                   [(f"r{n}", json.dumps(r)) for n, r in enumerate(rows)])
    return db.execute(query.replace(f"[default/{table}]", f'"default/{table}"')).fetchall()


def datasource_query(app: Path, table: str) -> str:
    return YAML(typ="safe").load((app / f"datasources/{table}.jigx").read_text())["options"]["query"]


def expressions(node: Any) -> list[str]:
    """Every Jigx expression (a string starting with '=') in a parsed .jigx file."""
    if isinstance(node, dict):
        return [e for v in node.values() for e in expressions(v)]
    if isinstance(node, list):
        return [e for v in node for e in expressions(v)]
    return [node] if isinstance(node, str) and node.startswith("=") else []


def evaluate(expression: str, item: dict[str, Any]) -> Any:
    """A Jigx expression as JSONata sees it: @ctx.current.item (a list's row) and a detail jig's
    one-document datasource (@ctx.datasources.<table>-row) are the row."""
    text = re.sub(r"@ctx\.datasources\.[a-z0-9_-]+-row", "$item", expression[1:]).replace("@ctx.current.item", "$item")
    return jsonata.Jsonata(text).evaluate({}, {"item": item})


def row_expressions(jig: Any) -> list[str]:
    """The expressions that show a row's values (not its id, which goes to the detail jig)."""
    return [e for e in expressions(jig) if re.search(r"@ctx\.current\.item\.|-row\.", e) and not e.endswith(".id")]


@pytest.mark.parametrize("word", SQL_WORDS)
def test_a_column_named_like_an_sql_word_is_quoted_and_the_query_runs(tmp_path, word):
    d = tmp_path / "d.yaml"
    d.write_text(definition({"Code": "Item.InventoryCD", word: "Item.Descr"}, ["Code"]))
    r = cli("generate", d, "--out", tmp_path / "app")
    assert r.exit_code == 0, r.output
    rows = [{"Code": "B", word: "second"}, {"Code": "A", word: None}, {"Code": "C"}, {"Code": "D", word: ""}]
    got = run_query(datasource_query(tmp_path / "app", "widgets"), "widgets", rows)
    assert [(g["Code"], g[word]) for g in got] == [("A", None), ("B", "second"), ("C", None), ("D", "")]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,12}", fullmatch=True), min_size=1, max_size=5,
                unique_by=str.lower))
def test_any_accepted_column_names_give_a_query_sqlite_runs(tmp_path_factory, names):
    yaml_words = ("true", "false", "null", "yes", "no", "on", "off", "y", "n")  # YAML reads these as values
    names = [n for n in names if n != "id" and n.lower() not in ("_tab", "_del", "_mod", *yaml_words) and
             not n.lower().startswith("note")] or ["Code"]
    tmp = tmp_path_factory.mktemp("names")
    d = tmp / "d.yaml"
    d.write_text(definition({n: f"Item.F{i}" for i, n in enumerate(names)}, [names[0]]))
    r = cli("generate", d, "--out", tmp / "app")
    assert r.exit_code == 0, r.output
    got = run_query(datasource_query(tmp / "app", "widgets"), "widgets", rows_for(names, {}))
    assert len(got) == 6 and list(got[0].keys()) == ["id", *names, "_tab", "_mod"]


@pytest.fixture(scope="module")
def samples_app(tmp_path_factory) -> Path:
    app = tmp_path_factory.mktemp("phone") / "app"
    r = cli("init", app, *[a for p in SAMPLE_FILES for a in ("--table", p)])
    assert r.exit_code == 0, r.output
    return app


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=lambda p: p.stem)
def test_every_sample_query_runs_over_rows_with_nulls_and_missing_keys(samples_app, sample):
    defn = load_definition(sample)
    types = {c.name: c.type for c in defn.columns}
    names = [c.name for c in defn.columns] + ["_tab", "_mod"]
    got = run_query(datasource_query(samples_app, defn.table), defn.table, rows_for(names, types))
    assert len(got) == 6 and "id" in got[0].keys()


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=lambda p: p.stem)
def test_no_expression_shows_null_for_a_row_with_nulls(samples_app, sample):
    defn = load_definition(sample)
    types = {c.name: c.type for c in defn.columns}
    names = [c.name for c in defn.columns] + ["_tab", "_mod"]
    jigs = [YAML(typ="safe").load(p.read_text()) for p in sorted(samples_app.glob(f"jigs/{defn.table}*.jigx"))]
    found = [e for jig in jigs for e in row_expressions(jig)]
    assert len(jigs) == 2 and found
    for row in rows_for(names, types):
        for e in found:
            value = evaluate(e, row)
            assert value is None or "null" not in str(value), (e, row, value)
            assert not re.search(r"^ ?[·/] | [·/] ?$| [·/]  [·/] ", str(value or "")), (e, row, value)
    full = rows_for(names, types)[0]
    shown = [str(evaluate(e, full)) for e in found if "_mod" not in e]  # _mod of the full row: not a date
    assert all(s and s != "None" for s in shown), shown  # a full row shows every part


def test_dates_read_as_dates_and_amounts_are_grouped(tmp_path):
    d = tmp_path / "d.yaml"
    d.write_text(definition({"Code": "Item.InventoryCD", "Descr": "Item.Descr",
                             "Price": "{field: Item.BasePrice, type: decimal}",
                             "Changed": "{field: Item.LastModifiedDateTime, type: datetime}"}, ["Code"]))
    assert cli("generate", d, "--out", tmp_path / "app").exit_code == 0
    jig = YAML(typ="safe").load((tmp_path / "app/jigs/widgets.jigx").read_text())
    description = jig["item"]["options"]["description"]
    row = {"Code": "A1", "Descr": "Bolt", "Price": 1234.5, "Changed": "2026-11-20T09:15:02.1"}
    assert evaluate(description, row) == "1,234.50 · 20 Nov 2026 09:15"
    assert evaluate(description, {**row, "Price": None, "Changed": "garbage"}) in ("", None)  # nothing shown
    assert evaluate(jig["item"]["options"]["title"], row) == "Bolt"


def test_a_status_is_never_the_title(samples_app):
    jig = YAML(typ="safe").load((samples_app / "jigs/sales-order.jigx").read_text())
    assert "Status" not in jig["item"]["options"]["title"] and "CustomerName" in jig["item"]["options"]["title"]
    assert jig["item"]["options"]["label"] == {"title": "=@ctx.current.item.Status"}  # the status is a label


def test_the_list_searches_key_and_text_columns_and_the_detail_reads_one_row(samples_app):
    """The list's own query, with @search bound as Jigx binds the jig's search text, and the
    detail jig's query by @id: both run in SQLite."""
    jig = YAML(typ="safe").load((samples_app / "jigs/customers.jigx").read_text())
    (source,) = jig["datasources"].values()
    assert source["options"]["queryParameters"] == {"search": "=@ctx.jig.state.searchText"} and jig["isSearchable"]
    rows = [{"CustomerID": "C1", "CustomerName": "Acme Tools", "Email": None},
            {"CustomerID": "C2", "CustomerName": "Bolt & Nut", "Email": "sales@bolt.example"}, {}]
    query = source["options"]["query"]
    for search, want in ((None, 3), ("", 3), ("bolt", 1), ("C1", 1), ("zzz", 0)):
        db = sqlite3.connect(":memory:")
        db.execute('CREATE TABLE "default/customers" (id TEXT PRIMARY KEY, data TEXT)')
        db.executemany('INSERT INTO "default/customers" VALUES (?, ?)', [(f"r{n}", json.dumps(r)) for n, r in
                                                                         enumerate(rows)])
        got = db.execute(query.replace("[default/customers]", '"default/customers"'), {"search": search}).fetchall()
        assert len(got) == want, (search, got)
    detail = YAML(typ="safe").load((samples_app / "jigs/customers-detail.jigx").read_text())
    (row_source,) = detail["datasources"].values()
    assert row_source["options"]["isDocument"] is True
    assert row_source["options"]["queryParameters"] == {"id": "=@ctx.jig.inputs.id"}
    got = db.execute(row_source["options"]["query"].replace("[default/customers]", '"default/customers"'),
                     {"id": "r1"}).fetchall()
    assert len(got) == 1 and got[0][1] == "C2"
    fields = {f["options"]["label"]: f["options"] for f in detail["children"][0]["options"]["children"]}
    assert fields["Email"]["contentType"] == "email" and fields["Phone"]["contentType"] == "phone"
    assert fields["Credit Limit"]["value"]["format"] == {"numberStyle": "decimal"}
    assert "Last changed" in fields and "Customer ID" in fields


def doctor_findings(app: Path) -> list[dict[str, Any]]:
    r = cli("doctor", "--solution", app, "--json")
    return json.loads(r.stdout)["findings"]


def test_doctor_knows_tabs_ids_sql_and_state_keys(tmp_path):
    """Issue 18.8: more than four tabs, one id in two subfolders, a query SQLite refuses and a
    reset of an undeclared state key are each found (on any solution, not only generated ones)."""
    app = tmp_path / "app"
    assert cli("init", app).exit_code == 0
    index = app / "index.jigx"
    tabs = "".join(f"  t{n}:\n    jigId: home\n    icon: home-apps-logo\n" for n in range(4))
    index.write_text(index.read_text() + tabs + "onTableChanged:\n  - table: orders\n    action:\n"
                     "      type: action.reset-solution-state\n      options: {changes: [dataStatus]}\n")
    (app / "databases/default.jigx").write_text("tables:\n  orders:\n")
    (app / "jigs/a").mkdir(parents=True)
    (app / "jigs/a/home.jigx").write_text("title: Other\ntype: jig.default\n")
    (app / "datasources").mkdir()
    (app / "datasources/orders.jigx").write_text(
        "type: datasource.sqlite\noptions:\n  provider: DATA_PROVIDER_DYNAMIC\n  entities: [default/orders]\n"
        "  query: SELECT id, json_extract(data, '$.Order') AS Order FROM [default/orders] WHERE id = @id\n")
    found = {f["message"].split(":")[0]: f for f in doctor_findings(app)}
    assert any(m.startswith("5 tabs") for m in found)
    assert any("the id 'home' is used by 2 files under jigs/" in f["message"] for f in found.values())
    sql = next(f for f in found.values() if "SQLite refuses" in f["message"])
    assert 'near "Order": syntax error' in sql["message"] and sql["path"] == "datasources/orders.jigx"
    state = next(f for f in found.values() if "dataStatus" in f["message"])
    assert state["severity"] == "info"
    (app / "datasources/orders.jigx").write_text((app / "datasources/orders.jigx").read_text().replace(
        "AS Order", 'AS "Order"'))
    assert not any("SQLite refuses" in f["message"] for f in doctor_findings(app))


@pytest.mark.parametrize("word", ["index", "home", "jigs", "actions", "components", "databases", "datasources",
                                  "functions"])
def test_a_table_named_like_the_scaffold_is_refused(tmp_path, word):
    d = tmp_path / "d.yaml"
    d.write_text(definition({"Code": "Item.InventoryCD"}, ["Code"]).replace("table: widgets", f"table: {word}"))
    r = cli("generate", d, "--out", tmp_path / "app")
    assert r.exit_code == 2 and "a word of Jigx's solution layout" in r.stderr and "fix: use e.g." in r.stderr


def test_ids_never_collide(tmp_path):
    """A file of the user's with a generated jig's id, in any subfolder, is a conflict; two tables
    whose ids would meet (x and x-detail) are refused."""
    app = tmp_path / "app"
    assert cli("init", app, "--table", SAMPLE_FILES[1]).exit_code == 0
    (app / "jigs/mine").mkdir()
    (app / "jigs/mine/vendors-detail.jigx").write_text("title: Mine\ntype: jig.default\n")
    r = cli("add", SAMPLE_FILES[-1], "--solution", app)
    assert r.exit_code == 1 and "jigs/mine/vendors-detail.jigx has the same id ('vendors-detail')" in r.output
    assert "files of yours have the ids of generated files" in r.stderr and not (app / "jigs/vendors.jigx").exists()
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(definition({"Code": "Item.InventoryCD"}, ["Code"]).replace("table: widgets", "table: parts"))
    b.write_text(definition({"Code": "Item.InventoryCD"}, ["Code"]).replace("table: widgets", "table: parts-detail")
                 .replace("entity: Widget", "entity: PartDetail"))
    r = cli("generate", a, b, "--out", tmp_path / "two")
    assert r.exit_code == 2 and "the jig id 'parts-detail' of table 'parts-detail' is also an id of table 'parts'" \
        in r.stderr and "app: {id: ...}" in r.stderr
    # the fix the conflict names: ids chosen in the definition
    assert "app: {id: vendors-acu}" in cli("add", SAMPLE_FILES[-1], "--solution", app).output
    vendors = tmp_path / "vendors.yaml"
    vendors.write_text(SAMPLE_FILES[-1].read_text() + "app: {id: vendors-acu}\n")
    r = cli("add", vendors, "--solution", app)
    assert r.exit_code == 0, r.output
    for rel in ("jigs/vendors-acu.jigx", "jigs/vendors-acu-detail.jigx", "datasources/vendors-acu.jigx"):
        assert (app / rel).is_file(), rel
    assert (app / "jigs/mine/vendors-detail.jigx").read_text() == "title: Mine\ntype: jig.default\n"
    assert "jigId: vendors-acu\n" in (app / "jigs/home.jigx").read_text()
    jig = YAML(typ="safe").load((app / "jigs/vendors-acu.jigx").read_text())
    assert jig["badge"] == "=$count(@ctx.datasources.vendors-acu)"
    assert jig["data"] == "=@ctx.datasources.vendors-acu-list"
    assert cli("generate", "--solution", app, "--check").exit_code == 0


def test_the_home_is_a_grid_kept_up_to_date_until_you_edit_it(tmp_path):
    app = tmp_path / "app"
    assert cli("init", app, "--table", SAMPLE_FILES[1]).exit_code == 0
    home = app / "jigs/home.jigx"
    assert "jigId: customers" in home.read_text()
    assert cli("add", SAMPLE_FILES[-1], "--solution", app).exit_code == 0
    assert "jigId: vendors" in home.read_text()
    home.write_text(home.read_text().replace("title: Home", "title: My home"))
    r = cli("add", SAMPLE_FILES[0], "--solution", app)
    assert r.exit_code == 1 and "jigs/home.jigx" in r.output  # edited by hand, and the tables changed: a conflict
    assert "title: My home" in home.read_text()
    r = cli("add", SAMPLE_FILES[0], "--solution", app, "--force")
    assert r.exit_code == 0 and "jigId: contacts" in home.read_text()


def test_the_home_an_earlier_version_wrote_is_adopted_and_one_you_made_is_yours(tmp_path):
    from jigx_acumatica.artifacts.jigx import home_jig_text

    app = tmp_path / "app"
    assert cli("init", app, "--table", SAMPLE_FILES[1]).exit_code == 0
    state_file = app / ".jigx-acumatica/state.json"
    state = json.loads(state_file.read_text())
    del state["home"]  # as a solution made before the home was a grid
    state_file.write_text(json.dumps(state))
    (app / "jigs/home.jigx").write_text(home_jig_text("Home"))
    assert cli("generate", "--solution", app).exit_code == 0
    assert "component.grid" in (app / "jigs/home.jigx").read_text()
    state = json.loads(state_file.read_text())
    del state["home"]
    state_file.write_text(json.dumps(state))
    (app / "jigs/home.jigx").write_text("title: Mine\ntype: jig.default\n")
    r = cli("generate", "--solution", app)
    assert r.exit_code == 0 and (app / "jigs/home.jigx").read_text() == "title: Mine\ntype: jig.default\n"


def test_the_definition_chooses_what_the_list_shows_its_tab_and_icon(tmp_path):
    """Issue 18.5: an app: block, so these are not hand edits that later conflict."""
    d = tmp_path / "d.yaml"
    d.write_text(definition({"Code": "Item.InventoryCD", "Descr": "Item.Descr", "Status": "Item.ItemStatus",
                             "Klass": "Item.ItemClassID"}, ["Code"]) +
                 "app:\n  title: Code\n  subtitle: [Descr, Klass]\n  description: Status\n  label: Klass\n"
                 "  tab_label: Parts\n  icon: delivery-truck-2\n")
    app = tmp_path / "app"
    assert cli("init", app, "--table", d).exit_code == 0
    jig = YAML(typ="safe").load((app / "jigs/widgets.jigx").read_text())
    options = jig["item"]["options"]
    row = {"Code": "A1", "Descr": "Bolt", "Status": "Active", "Klass": None}
    assert (evaluate(options["title"], row), evaluate(options["subtitle"], row)) == ("A1", "Bolt")
    assert evaluate(options["description"], row) == "Active" and evaluate(options["label"]["title"], row) is None
    assert jig["icon"] == "delivery-truck-2"
    tab = YAML(typ="safe").load((app / "index.jigx").read_text())["tabs"]["widgets"]
    assert tab == {"jigId": "widgets", "icon": "delivery-truck-2", "label": "Parts"}


@pytest.mark.parametrize("block,said,at", [
    ("app:\n  title: Nope\n", "app.title: Nope is not a column", ":9:10"),
    ("app:\n  icon: Big Truck\n", "not a Jigx icon name", ":9:9"),
    ("app:\n  colour: red\n", "unknown key 'colour' in app", ":9:3"),
])
def test_a_wrong_app_block_is_reported_where_it_is(tmp_path, block, said, at):
    d = tmp_path / "d.yaml"
    d.write_text(definition({"Code": "Item.InventoryCD", "Descr": "Item.Descr"}, ["Code"]) + block)
    r = cli("generate", d, "--out", tmp_path / "app")
    assert r.exit_code == 2 and said in r.stderr and f"d.yaml{at}" in r.stderr, r.stderr


def test_icons_follow_the_kind_of_entity(samples_app):
    icons = {t: YAML(typ="safe").load((samples_app / f"jigs/{t}.jigx").read_text())["icon"]
             for t in ("sales-order", "open-invoices", "vendors", "contacts")}
    assert icons == {"sales-order": "delivery-truck-2", "open-invoices": "notes-paper-approve", "vendors": "person",
                     "contacts": "person"}


@pytest.mark.parametrize("folder,tables,title", [("app", [1], "Acumatica Customers"), ("demo", [], "Acumatica Data"),
                                                  ("field-app", [1], "Field App")])
def test_init_gives_a_generic_folder_a_readable_title_and_says_titles_are_unique(tmp_path, folder, tables, title):
    r = cli("init", tmp_path / folder, *[a for n in tables for a in ("--table", SAMPLE_FILES[n])])
    assert r.exit_code == 0, r.output
    assert YAML(typ="safe").load((tmp_path / folder / "index.jigx").read_text())["title"] == title
    assert f"title is '{title}': Jigx needs titles unique in your organisation" in r.stdout


def test_the_checklist_says_why_there_is_no_del_and_what_the_default_action_does(samples_app):
    text = (samples_app / "acumatica/vendors/push-notification.md").read_text()
    assert "Jigx's page on Acumatica lists `_del`" in text and "jigx-acumatica verify vendors" in text
    assert "re-pulls the table it watches" in text
    stock = load_definition(SAMPLE_FILES[4])
    assert stock.table == "stock-items" and "reset-solution-state" not in json.dumps(stock.on_change)


def test_every_icon_the_tool_uses_is_listed_for_offline_use(tmp_path):
    """Issue 18.5: assets/icons.jigx lists every icon the generated jigs and tabs use (Jigx preloads
    that list); a list of the user's keeps its entries and comments, and gains only what is missing."""
    app = tmp_path / "app"
    assert cli("init", app, *[a for p in SAMPLE_FILES for a in ("--table", p)]).exit_code == 0
    listed = YAML(typ="safe").load((app / "assets/icons.jigx").read_text())["icons"]
    used = {YAML(typ="safe").load(p.read_text()).get("icon") for p in (app / "jigs").glob("*.jigx")} - {None}
    tabs = YAML(typ="safe").load((app / "index.jigx").read_text())["tabs"]
    assert used | {t["icon"] for t in tabs.values()} <= set(listed) and listed == sorted(listed)
    icons = app / "assets/icons.jigx"
    icons.write_text("# mine\nicons:\n  - baseball-bat-ball  # for my jig\n")
    d = tmp_path / "case.yaml"
    d.write_text(definition({"Code": "Item.InventoryCD"}, ["Code"]).replace("entity: Widget", "entity: Case")
                 .replace("table: widgets", "table: cases"))
    assert cli("add", d, "--solution", app).exit_code == 0
    text = icons.read_text()
    assert text.startswith("# mine\nicons:\n  - baseball-bat-ball  # for my jig\n") and "checklist-alternate" in text
    assert cli("generate", "--solution", app).exit_code == 0  # every table: the icons the user's list lost
    assert set(listed) - {"home-apps-logo"} <= set(YAML(typ="safe").load(icons.read_text())["icons"])
    before = icons.read_text()
    assert cli("generate", "--solution", app).exit_code == 0 and icons.read_text() == before


def test_on_load_syncs_the_managed_tables_merged_with_the_users_own(tmp_path):
    """Issue 18.4: one onLoad sync of the managed tables; a user's own onLoad keeps running, first,
    in an action list; an edited or emptied onLoad is the user's; removing tables updates it."""
    from jigx_acumatica.solution.onload_plan import sync_action

    app = tmp_path / "app"
    assert cli("init", app, "--table", SAMPLE_FILES[1], "--table", SAMPLE_FILES[-1]).exit_code == 0
    index = app / "index.jigx"
    assert YAML(typ="safe").load(index.read_text())["onLoad"] == sync_action(["customers", "vendors"])
    assert cli("remove", "vendors", "--solution", app).exit_code == 0
    assert YAML(typ="safe").load(index.read_text())["onLoad"] == sync_action(["customers"])
    assert cli("remove", "customers", "--solution", app).exit_code == 0
    assert "onLoad" not in YAML(typ="safe").load(index.read_text())

    other = tmp_path / "other"
    assert cli("init", other).exit_code == 0
    index = other / "index.jigx"
    mine = {"type": "action.set-solution-state", "options": {"changes": {"ready": True}}}
    index.write_text(index.read_text() + "onLoad:  # my start-up\n  type: action.set-solution-state\n"
                     "  options:\n    changes: {ready: true}\n")
    r = cli("add", SAMPLE_FILES[1], "--solution", other)
    assert r.exit_code == 0 and "own onLoad now runs in an action list" in r.stdout
    on_load = YAML(typ="safe").load(index.read_text())["onLoad"]
    assert on_load["type"] == "action.action-list" and on_load["options"]["actions"] == [mine, sync_action(
        ["customers"])]
    assert cli("add", SAMPLE_FILES[-1], "--solution", other).exit_code == 0  # ours is updated in place
    on_load = YAML(typ="safe").load(index.read_text())["onLoad"]
    assert on_load["options"]["actions"] == [mine, sync_action(["customers", "vendors"])]

    empty = tmp_path / "empty"
    assert cli("init", empty).exit_code == 0
    (empty / "index.jigx").write_text((empty / "index.jigx").read_text() + "onLoad: ~\n")
    r = cli("add", SAMPLE_FILES[1], "--solution", empty)
    assert r.exit_code == 0 and "onLoad: ~\n" in (empty / "index.jigx").read_text()
