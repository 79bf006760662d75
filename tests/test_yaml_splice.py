"""Unit tests of the YAML splicer (solution/yaml_splice.py) and the Jigx file editor
(solution/jigx_files.py), beside the tests that reach them through the CLI: each edit keeps every
byte it does not own, and the result parses back to what was meant."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from jigx_acumatica.solution import jigx_files as jf
from jigx_acumatica.solution import yaml_splice as ys

ENTRY = {"table": "customers", "action": {"type": "action.sync-entities"}}


def load(text: str):
    return YAML(typ="safe").load(text)


def test_text_keeps_bom_and_each_lines_own_ending():
    raw = "\ufeffa: 1\r\nb: 2\nc: 3\r\n"
    t = ys.Text.parse(raw)
    assert t.bom and t.body == "a: 1\nb: 2\nc: 3\n"
    assert t.render(t.body) == raw  # unchanged lines keep their endings, mixed as they were
    assert t.render("a: 1\nb: 2\nx: 9\nc: 3\n").startswith("\ufeffa: 1\r\nb: 2\n")


def test_guess_style_reads_the_files_indentation():
    assert ys.guess_style("a:\n    b: 1\n    c:\n        - x\n") .mapping == 4
    style = ys.guess_style("items:\n- a\n- b\n")
    assert style.offset == 0


def test_trailing_comment_ignores_hashes_in_quotes():
    assert ys.trailing_comment('a: "x # y"  # real') == "# real"
    assert ys.trailing_comment("a: 'b#c'") == ""
    assert ys.trailing_comment("url: http://h/#frag") == ""


def test_append_top_key_keeps_the_body_and_parses_back():
    body = "# mine\nname: app  # keep\n"
    out = ys.append_top_key(body, "onTableChanged", [ENTRY], ys.Style())
    assert out.startswith(body) and load(out)["onTableChanged"] == [ENTRY]


def test_edit_table_changed_appends_replaces_and_removes_only_its_entries():
    raw = ("name: app\n# the user's comment\nonTableChanged:\n"
           "  - table: theirs  # their own entry\n    action: {type: action.go-back}\n"
           "  - table: customers\n    action:\n      type: action.old\n")
    edited = jf.edit_table_changed(raw, "index.jigx", replace={"customers": ENTRY},
                                   append=[{"table": "vendors", "action": {"type": "action.sync-entities"}}],
                                   remove=set())
    data = load(edited.text)
    assert [e["table"] for e in data["onTableChanged"]] == ["theirs", "customers", "vendors"]
    assert data["onTableChanged"][1] == ENTRY
    assert "# the user's comment\n" in edited.text and "# their own entry" in edited.text
    gone = jf.edit_table_changed(edited.text, "index.jigx", replace={}, append=[], remove={"customers", "vendors"})
    assert [e["table"] for e in load(gone.text)["onTableChanged"]] == ["theirs"]
    assert "# their own entry" in gone.text


def test_flow_lists_keep_their_style():
    raw = "onTableChanged: []  # none yet\n"
    edited = jf.edit_table_changed(raw, "index.jigx", replace={}, append=[ENTRY], remove=set())
    assert load(edited.text)["onTableChanged"] == [ENTRY] and "# none yet" in edited.text


def test_declare_tables_adds_only_whats_missing():
    raw = "# db\ntables:\n  mine:  # theirs\n"
    out = jf.declare_tables(raw, "default.jigx", ["customers"]).text
    assert out.startswith("# db\ntables:\n  mine:  # theirs\n")
    assert set(jf.read_declared(out, "default.jigx") or []) == {"mine", "customers"}
    assert jf.declare_tables(out, "default.jigx", []).text == out


def test_add_and_remove_from_a_mapping_round_trip():
    raw = "tabs:\n  home:\n    jigId: home  # start here\n"
    added = jf.add_to_mapping(raw, "index.jigx", "tabs", {"customers": {"jigId": "customers"}}).text
    assert load(added)["tabs"] == {"home": {"jigId": "home"}, "customers": {"jigId": "customers"}}
    assert jf.remove_from_mapping(added, "index.jigx", "tabs", {"customers"}).text == raw


NAMES = st.from_regex(r"[a-z][a-z0-9-]{1,10}", fullmatch=True)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.lists(NAMES, min_size=1, max_size=5, unique=True), st.sampled_from(["  ", "    "]),
       st.sampled_from(["\n", "\r\n"]))
def test_any_set_of_entries_survives_append_then_remove(tables, indent, ending):
    raw = f"name: app{ending}onTableChanged:{ending}{indent}- table: keep{ending}{indent}  action: {{type: x}}{ending}"
    added = jf.edit_table_changed(raw, "index.jigx", replace={}, remove=set(),
                                  append=[{"table": t, "action": {"type": "y"}} for t in tables])
    assert [e["table"] for e in load(added.text)["onTableChanged"]] == ["keep", *tables]
    removed = jf.edit_table_changed(added.text, "index.jigx", replace={}, append=[], remove=set(tables))
    assert removed.text == raw
