"""Working inside a real solution: init, add, regenerate, remove, without losing a byte of the user's."""

from __future__ import annotations

import difflib
import json
import shutil
import textwrap
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from jigx_acumatica import fsutil, schema
from jigx_acumatica.artifacts.jigx import tab_entry, table_changed_entry
from jigx_acumatica.definition import load_definition
from jigx_acumatica.solution.onload_plan import sync_action
from tests.helpers import SAMPLES, cli, tree

FIXTURES = Path(__file__).parent / "fixtures" / "solutions"
CUSTOMERS, VENDORS, CONTACTS = SAMPLES / "customers.yaml", SAMPLES / "vendors.yaml", SAMPLES / "contacts.yaml"
STOCK = SAMPLES / "stock-items.yaml"


def load(path: Path):
    return YAML(typ="safe").load(path.read_text())


def load_before(files: dict[str, bytes]) -> dict:
    return YAML(typ="safe").load(files["index.jigx"].decode()) or {}


def inserted_runs(before: bytes, after: bytes) -> list[list[str]]:
    """The runs of lines added, each where it was inserted; fails if any original line was changed
    or removed."""
    a, b = before.decode().splitlines(keepends=True), after.decode().splitlines(keepends=True)
    runs = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        # a last line without newline may gain one when something is appended after it
        if op == "replace" and i2 - i1 == 1 and a[i1] + "\n" == b[j1]:
            runs.append(b[j1 + 1:j2])
            continue
        assert op == "insert", f"original lines changed: {op} {a[i1:i2]!r} -> {b[j1:j2]!r}"
        runs.append(b[j1:j2])
    return runs


def inserted_only(before: bytes, after: bytes) -> list[str]:
    """The lines added; fails if any original line was changed or removed."""
    return [line for run in inserted_runs(before, after) for line in run]


@pytest.fixture(params=sorted(p.name for p in FIXTURES.iterdir()))
def handmade(request, tmp_path) -> Path:
    dest = tmp_path / request.param
    shutil.copytree(FIXTURES / request.param, dest)
    return dest


def test_add_preserves_every_byte_of_handwritten_files(handmade):
    before = tree(handmade)
    r = cli("add", CUSTOMERS, VENDORS, "--solution", handmade)
    assert r.exit_code == 0, r.output
    after = tree(handmade)
    flow = handmade.name == "four-space-flow"
    index_before, index_after = before["index.jigx"], after["index.jigx"]
    if flow:  # 'onTableChanged: []' has no entries to keep: the value itself becomes a block list
        index_before = index_before.replace(b"onTableChanged: []   # nothing yet\n", b"")
        index_after = index_after.replace(b"onTableChanged:  # nothing yet\n", b"")
    runs = inserted_runs(index_before, index_after)
    assert runs, "no entries were added"
    index = load(handmade / "index.jigx")
    defs = [load_definition(p) for p in (CUSTOMERS, VENDORS)]
    want = [table_changed_entry(d) for d in defs]
    assert index["onTableChanged"][-2:] == want
    want_tabs = {d.table: tab_entry(d) for d in defs} if "tabs" in load_before(before) else {}
    # the added lines are exactly the new entries (with the key itself when the file had none) and,
    # where the solution has tabs, the new tabs (issue 11: a list jig per table, on a tab)
    entries, tabs = [], {}
    for run in runs:
        block = YAML(typ="safe").load(textwrap.dedent("".join(ln.replace("\r\n", "\n") for ln in run)))
        if isinstance(block, dict) and "onLoad" in block:  # the sync of the tables at start (issue 18.4)
            assert block.pop("onLoad") == sync_action(["customers", "vendors"])
            if not block:
                continue
        if isinstance(block, dict) and "onTableChanged" in block:
            entries += block["onTableChanged"]
        elif isinstance(block, list):
            entries += block
        else:
            tabs.update(block)
    assert entries == want
    assert tabs == want_tabs
    db_before, db_after = before["databases/default.jigx"], after["databases/default.jigx"]
    if flow:
        db_before, db_after = db_before.replace(b"tables: {}\n", b""), db_after.replace(b"tables:\n", b"")
    inserted_only(db_before, db_after)
    declared = load(handmade / "databases/default.jigx")["tables"]
    assert list(declared)[-2:] == ["customers", "vendors"]
    # CRLF files stay CRLF, LF files stay LF; nothing else in the solution changed
    for name in ("index.jigx", "databases/default.jigx"):
        crlf = b"\r\n" in before[name]
        assert (b"\r\n" in after[name]) == crlf
        if not crlf:
            assert b"\r" not in after[name]
    for rel, data in before.items():
        if rel not in ("index.jigx", "databases/default.jigx"):
            assert after[rel] == data
    # a second run changes nothing and rewrites nothing
    stamp = {p: p.stat().st_mtime_ns for p in handmade.rglob("*") if p.is_file() and p.name != "lock"}
    r = cli("generate", "--solution", handmade, "--json")
    assert r.exit_code == 0
    assert {c["action"] for c in json.loads(r.stdout)["changes"]} == {"identical"}
    assert stamp == {p: p.stat().st_mtime_ns for p in handmade.rglob("*") if p.is_file() and p.name != "lock"}


def test_preamble_before_document_marker_survives(tmp_path):
    dest = tmp_path / "s"
    shutil.copytree(FIXTURES / "crlf-preamble", dest)
    assert cli("add", CUSTOMERS, "--solution", dest).exit_code == 0
    raw = (dest / "index.jigx").read_bytes()
    assert raw.startswith(b"# Solution for the field team\r\n# keep this header\r\n---\r\n")
    assert b"onLoad: ~\r\n" in raw and b'title: "Field Team"\r\n' in raw
    db = (dest / "databases/default.jigx").read_bytes()
    assert db.startswith(b"# header comment\r\n---\r\n") and b"  notes: null\r\n  customers:\r\n" in db


def test_update_touches_only_the_managed_entry(tmp_path):
    dest = tmp_path / "s"
    shutil.copytree(FIXTURES / "docs-style", dest)
    assert cli("add", CUSTOMERS, "--solution", dest).exit_code == 0
    before = (dest / "index.jigx").read_text()
    definition = dest / "acumatica/customers/table.yaml"
    definition.write_text(definition.read_text().replace(
        "on_change:\n  type: action.sync-entities\n"
        "  options: {provider: DATA_PROVIDER_DYNAMIC, entities: [default/customers]}\n",
        "on_change:\n  type: action.reset-solution-state\n  options: {changes: [dataStatus]}\n"))
    r = cli("generate", "--solution", dest)
    assert r.exit_code == 0, r.output
    after = (dest / "index.jigx").read_text()
    head = before[: before.index("  - table: customers")]
    assert after.startswith(head), "bytes before the managed entry changed"
    assert after.endswith(before[before.index("\n# Reusable expressions."):])
    entry = [e for e in load(dest / "index.jigx")["onTableChanged"] if e["table"] == "customers"][0]
    assert entry["action"] == {"type": "action.reset-solution-state", "options": {"changes": ["dataStatus"]}}


def test_init_add_generate_edit_conflict_force(tmp_path):
    app = tmp_path / "app"
    r = cli("init", app, "--name", "field-app", "--title", "Field App", "--category", "business")
    assert r.exit_code == 0, r.output
    for p in (CUSTOMERS, VENDORS, CONTACTS):
        assert cli("add", p, "--solution", app).exit_code == 0
    assert cli("generate", "--solution", app, "--check").exit_code == 0
    assert [e["table"] for e in load(app / "index.jigx")["onTableChanged"]] == ["customers", "vendors", "contacts"]

    # a hand edit of a managed entry, definition unchanged: kept, reported, exit 0
    index = app / "index.jigx"
    edited = index.read_text().replace("          - default/vendors\n",
                                       "          - default/vendors\n          - default/customers\n")
    assert edited != index.read_text()
    index.write_text(edited)
    r = cli("generate", "--solution", app)
    assert r.exit_code == 0 and "skip" in r.stdout and "vendors" in r.stdout
    assert index.read_text() == edited
    assert cli("generate", "--solution", app, "--check").exit_code == 0

    # the definition changes too: conflict, nothing written, exit 1
    definition = app / "acumatica/vendors/table.yaml"
    definition.write_text(definition.read_text()
                          + "on_change: {type: action.reset-solution-state, options: {changes: [dataStatus]}}\n")
    snapshot = tree(app)
    r = cli("generate", "--solution", app)
    assert r.exit_code == 1
    assert "conflict" in r.stderr and "vendors" in r.stderr
    assert tree(app) == snapshot
    assert cli("generate", "--solution", app, "--check").exit_code == 1

    # --force: the generated entry wins
    r = cli("generate", "--solution", app, "--force")
    assert r.exit_code == 0, r.output
    vendors = [e for e in load(index)["onTableChanged"] if e["table"] == "vendors"][0]
    assert vendors["action"]["type"] == "action.reset-solution-state"
    assert cli("generate", "--solution", app, "--check").exit_code == 0


def test_deleted_entry_is_not_resurrected(tmp_path):
    app = tmp_path / "app"
    assert cli("init", app, "--table", CUSTOMERS, "--table", VENDORS).exit_code == 0
    index = app / "index.jigx"
    text = index.read_text()
    start = text.index("  - table: vendors")
    index.write_text(text[:start])
    r = cli("generate", "--solution", app)
    assert r.exit_code == 0
    assert "vendors" not in [e["table"] for e in load(index)["onTableChanged"]]
    assert "removed" in r.stdout
    assert cli("generate", "--solution", app, "--force").exit_code == 0
    assert "vendors" in [e["table"] for e in load(index)["onTableChanged"]]


def test_hand_edited_generated_file(tmp_path):
    app = tmp_path / "app"
    assert cli("init", app, "--table", CUSTOMERS).exit_code == 0
    ds = app / "datasources/customers.jigx"
    ds.write_text(ds.read_text() + "# my note\n")
    r = cli("generate", "--solution", app)
    assert r.exit_code == 0 and "skip" in r.stdout
    assert ds.read_text().endswith("# my note\n")
    definition = app / "acumatica/customers/table.yaml"
    definition.write_text(definition.read_text().replace("  CreditLimit:", "  Terms: Customer.TermsID\n  CreditLimit:")
                          + "inquiry: Jigx Customers\n")
    r = cli("generate", "--solution", app)
    assert r.exit_code == 1 and "datasources/customers.jigx" in r.stderr
    # a generated file the user deleted is simply made again
    (app / "acumatica/customers/sample-push.json").unlink()
    assert cli("generate", "--solution", app, "--force").exit_code == 0
    assert (app / "acumatica/customers/sample-push.json").exists()
    push = json.loads((app / "acumatica/customers/sample-push.json").read_text())
    assert push["Query"] == "Jigx Customers" and "Terms" in push["Inserted"][0]
    assert "Terms" in ds.read_text() and "# my note" not in ds.read_text()


@pytest.mark.parametrize("content,message", [
    ("name: x\nonTableChanged: [\n", "invalid YAML"),
    ("name: x\nonTableChanged:\n  table: customers\n", "must be a list"),
    ("name: x\nonTableChanged: customers\n", "must be a list"),
    ("name: x\nonTableChange:\n  - table: a\n    action: {type: action.go-to}\n", "rename it to 'onTableChanged'"),
    ("- just\n- a list\n", "must be a mapping"),
    ("name: x\nonTableChanged:\n  - &e {table: customers, action: {type: action.go-to}}\n  - *e\n", "anchors"),
])
def test_bad_index_is_left_untouched(tmp_path, content, message):
    app = tmp_path / "app"
    app.mkdir()
    (app / "index.jigx").write_text(content)
    r = cli("generate", CUSTOMERS, "--solution", app, "--force")
    assert r.exit_code == 2, r.output
    assert message in r.stderr and "index.jigx" in r.stderr
    assert (app / "index.jigx").read_text() == content
    assert sorted(p.name for p in app.iterdir()) == ["index.jigx"]


def test_check_and_diff_write_nothing(tmp_path):
    app = tmp_path / "app"
    r = cli("generate", CUSTOMERS, "--out", app, "--check")
    assert r.exit_code == 1 and not app.exists()
    r = cli("generate", CUSTOMERS, "--out", app, "--diff")
    assert r.exit_code == 0 and not app.exists()
    assert "+++ b/index.jigx" in r.stdout and "+  - table: customers" in r.stdout
    assert cli("generate", CUSTOMERS, "--out", app).exit_code == 0
    assert cli("generate", CUSTOMERS, "--out", app, "--check").exit_code == 0


def test_interrupted_write_leaves_previous_files(tmp_path, monkeypatch):
    app = tmp_path / "app"
    assert cli("init", app, "--table", CUSTOMERS).exit_code == 0
    snapshot = tree(app)
    definition = app / "acumatica/customers/table.yaml"
    definition.write_text(definition.read_text() + "inquiry: Renamed Inquiry\n")
    snapshot["acumatica/customers/table.yaml"] = definition.read_bytes()
    real_stage, calls = fsutil.stage, []

    def failing_stage(path, text, **kwargs):
        calls.append(path)
        if len(calls) == 5:  # the pending record, then three files, then the disk is full
            raise OSError(28, "No space left on device", str(path))
        return real_stage(path, text, **kwargs)

    monkeypatch.setattr(fsutil, "stage", failing_stage)
    r = cli("generate", "--solution", app)
    # the user's environment is at fault, not the tool: a clear message and exit 2 (issue 10)
    assert r.exit_code == 2 and "No space left" in r.stderr and "disk is full" in r.stderr
    assert tree(app) == snapshot, "a failed run changed files"
    assert not [p for p in app.rglob("*.tmp")], "temp files left behind"
    monkeypatch.setattr(fsutil, "stage", real_stage)
    assert cli("generate", "--solution", app).exit_code == 0
    assert "Renamed Inquiry" in (app / "acumatica/customers/generic-inquiry.xml").read_text()


def test_init_refuses_non_empty_folder(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "notes.txt").write_text("mine")
    r = cli("init", app)
    assert r.exit_code == 2 and "not empty" in r.stderr
    assert sorted(p.name for p in app.iterdir()) == ["notes.txt"]
    assert cli("init", app, "--force").exit_code == 0
    assert (app / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("args,message", [
    (["--name", "Bad Name"], "solution name"),
    (["--title", "x" * 51], "title"),
    (["--category", "c" * 21], "category"),
    (["--org", "123"], "not a UUID"),
])
def test_init_bad_options(tmp_path, args, message):
    r = cli("init", tmp_path / "app", *args)
    assert r.exit_code == 2 and message in r.stderr
    assert not (tmp_path / "app").exists()


def test_init_output_passes_the_schema(tmp_path):
    app = tmp_path / "app"
    r = cli("init", app, "--name", "field-app", "--title", "Field App", "--region", "eu",
            "--table", CUSTOMERS, "--table", STOCK)
    assert r.exit_code == 0
    index = load(app / "index.jigx")
    assert schema.problems("index", index) == []
    for tab in index["tabs"].values():
        assert (app / f"jigs/{tab['jigId']}.jigx").exists()
        assert schema.problems("jig", load(app / f"jigs/{tab['jigId']}.jigx")) == []
    assert schema.problems("database", load(app / "databases/default.jigx")) == []
    for ds in (app / "datasources").glob("*.jigx"):
        assert schema.problems("datasource", load(ds)) == []
    config = load(app / "jigx-acumatica.yaml")
    assert config["region"] == "eu" and set(config) == {"region", "organizationId", "solutionId", "company"}
    # no file holds a secret: each gets the user's default mode, like every other file (issue 10)
    modes = {(app / rel).stat().st_mode & 0o777 for rel in
             ("jigx-acumatica.yaml", ".jigx-acumatica/state.json", "index.jigx", "datasources/customers.jigx")}
    assert len(modes) == 1, modes
    assert cli("generate", "--solution", app, "--check").exit_code == 0


def test_schema_catches_what_it_should():
    bad = {"name": "Bad Name", "title": "t", "category": "c", "widgets": {},
           "onTableChanged": [{"table": "default/x", "action": {"type": "sync"}}]}
    found = " ".join(m for _, m in schema.problems("index", bad))
    assert "Bad Name" in found and "deprecated" in found and "default/x" in found and "sync" in found


def test_remove_reverses_add(tmp_path):
    dest = tmp_path / "s"
    shutil.copytree(FIXTURES / "docs-style", dest)
    original = (dest / "index.jigx").read_bytes()
    assert cli("add", CUSTOMERS, "--solution", dest).exit_code == 0
    r = cli("remove", "customers", "--solution", dest)
    assert r.exit_code == 0 and "Jigx keeps" in r.stdout
    assert (dest / "index.jigx").read_bytes() == original
    assert "customers" in load(dest / "databases/default.jigx")["tables"]
    assert not (dest / "acumatica/customers").exists() and not (dest / "datasources/customers.jigx").exists()
    r = cli("remove", "customers", "--solution", dest)
    assert r.exit_code == 2 and "not managed" in r.stderr


def test_add_needs_a_solution(tmp_path):
    r = cli("add", CUSTOMERS, "--solution", tmp_path)
    assert r.exit_code == 2 and "init" in r.stderr


def test_second_run_waits_for_the_lock(tmp_path):
    app = tmp_path / "app"
    assert cli("init", app).exit_code == 0
    with fsutil.locked(app):
        r = cli("add", CUSTOMERS, "--solution", app, "--lock-timeout", "0.2")
    assert r.exit_code == 3 and "another jigx-acumatica run" in r.stderr
    assert not (app / "acumatica/customers").exists()
    assert cli("add", CUSTOMERS, "--solution", app).exit_code == 0


def test_project_config_is_used_and_options_win(tmp_path):
    app = tmp_path / "app"
    org = "11111111-2222-4333-8444-555555555555"
    assert cli("init", app, "--region", "au", "--org", org).exit_code == 0
    r = cli("add", CUSTOMERS, "--solution", app, "--json")
    url = json.loads(r.stdout)["tables"][0]["url"]
    assert url.startswith(f"https://ap-southeast-2.api.jigx.com/v2.0/tool/organizations/{org}/solutions/<SOLUTION-ID>/")
    r = cli("generate", "--solution", app, "--region", "eu", "--dry-run", "--json")
    assert json.loads(r.stdout)["tables"][0]["url"].startswith("https://eu-central-1.")


@pytest.mark.parametrize("config,message", [
    ("region: mars\n", "unknown region"),
    ("pat: abc\n", "looks like a secret"),
    ("organizationId: nope\n", "not a UUID"),
    ("regoin: us\n", "unknown key"),
])
def test_bad_project_config(tmp_path, config, message):
    app = tmp_path / "app"
    assert cli("init", app).exit_code == 0
    (app / "jigx-acumatica.yaml").write_text(config)
    r = cli("add", CUSTOMERS, "--solution", app)
    assert r.exit_code == 2 and message in r.stderr and "jigx-acumatica.yaml" in r.stderr


# --- the three-way rule, directly -----------------------------------------------------------------

A, B, C = "a", "b", "c"  # three distinct contents (hashes or entries)


@pytest.mark.parametrize("current,base,new,force,interrupted,expected", [
    # never written by the tool before (no base)
    (None, None, A, False, None, "create"),
    (A, None, A, False, None, "identical"),
    (B, None, A, False, None, "conflict"),  # an entry the tool did not write
    (B, None, A, True, None, "update"),
    # written before and untouched since
    (A, A, A, False, None, "identical"),
    (A, A, B, False, None, "update"),
    # edited by hand
    (B, A, A, False, None, "skip"),  # nothing new to bring: the user's version stays
    (C, A, B, False, None, "conflict"),  # both changed
    (C, A, B, True, None, "update"),
    (B, A, B, False, None, "identical"),  # the user made exactly the new version
    # deleted by the user
    (None, A, A, False, None, "skip"),
    (None, A, B, False, None, "skip"),
    (None, A, B, True, None, "create"),
    # a killed run wrote C (its state is in interrupted.json): that is no hand edit
    (C, A, B, False, C, "update"),
    (C, A, A, False, C, "update"),
    (B, A, C, False, A, "conflict"),
])
def test_three_way_decision_truth_table(current, base, new, force, interrupted, expected):
    from jigx_acumatica.solution.plan import decide

    assert decide(current, base, new, force=force, interrupted=interrupted) == expected


def test_new_tool_version_header_is_not_a_hand_edit(tmp_path):
    """A file whose only difference is an older version's provenance line gets the new one: the
    header is no hand edit, so no skip or conflict."""
    from jigx_acumatica import __version__

    app = tmp_path / "app"
    assert cli("init", app, "--table", SAMPLES / "customers.yaml").exit_code == 0
    for rel in ("acumatica/customers/generic-inquiry.md", "acumatica/customers/generic-inquiry.xml",
                "datasources/customers.jigx"):
        path = app / rel
        text = path.read_text()
        assert f"Generated by jigx-acumatica {__version__} from acumatica/customers/table.yaml" in text
        path.write_text(text.replace(f"jigx-acumatica {__version__} ", "jigx-acumatica 0.0.1 ", 1))
        state_file = app / ".jigx-acumatica/state.json"
        state = json.loads(state_file.read_text())
        state["tables"]["customers"]["fingerprint"] = "from-version-0.0.1"  # an older tool hashed other inputs
        state_file.write_text(json.dumps(state))
        r = cli("generate", "--solution", app)
        assert r.exit_code == 0, r.output
        assert path.read_text() == text, f"{rel}: the old header should be refreshed"
        assert "skip" not in r.stdout and "conflict" not in r.output
