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
    """A Jigx expression as JSONata sees it: @ctx.current.item is the row."""
    text = expression[1:].replace("@ctx.current.item", "$item")
    return jsonata.Jsonata(text).evaluate({}, {"item": item})


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
    found = [e for jig in jigs for e in expressions(jig) if "@ctx.current.item" in e]
    assert found
    for row in rows_for(names, types):
        for e in found:
            value = evaluate(e, row)
            assert value is None or "null" not in str(value), (e, row, value)
    full = rows_for(names, types)[0]
    shown = [str(evaluate(e, full)) for e in found]
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
    assert evaluate(description, {**row, "Price": None, "Changed": "garbage"}) is None
    assert evaluate(jig["item"]["options"]["title"], row) == "Bolt"


def test_a_status_is_never_the_title(samples_app):
    jig = YAML(typ="safe").load((samples_app / "jigs/sales-order.jigx").read_text())
    assert "Status" not in jig["item"]["options"]["title"] and "CustomerName" in jig["item"]["options"]["title"]
    assert re.search(r"Status", jig["item"]["options"]["description"])
