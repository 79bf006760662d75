"""Faults: killed runs, concurrent runs, hostile names, and the PAT never written or printed."""

from __future__ import annotations

import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.helpers import CUSTOMER_DEF, ORG, SAMPLES, SOLUTION_ID, cli, copy_samples, tree

ENV = dict(os.environ)
PAT = "jxpat_Q7mZ-leak-canary-91c3e0a4"


def parse_any(path: Path, data: bytes) -> None:
    """Every file the tool writes parses as what it claims to be."""
    if path.suffix == ".zip":  # the customization package: a whole ZIP whose project.xml parses
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            assert zf.testzip() is None
            ET.fromstring(zf.read("project.xml"))
        return
    text = data.decode("utf-8")
    if path.suffix in (".jigx", ".yaml"):
        YAML(typ="safe").load(text)
    elif path.suffix == ".json":
        json.loads(text)
    elif path.suffix == ".xml":
        ET.fromstring(data)


def run_generate(defs: list[Path], out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "jigx_acumatica", "generate", *map(str, defs), "--out", str(out),
                             "-q",
                             "--lock-timeout", "30"], env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def make_versions(tmp: Path, count: int) -> tuple[list[Path], list[Path]]:
    """Two sets of the same tables whose generated files all differ."""
    v1, v2 = tmp / "v1", tmp / "v2"
    v1.mkdir()
    v2.mkdir()
    for n in range(count):
        for folder, word in ((v1, "One"), (v2, "Two")):
            (folder / f"t{n}.yaml").write_text(
                f"entity: Thing{n}\ntable: thing-{n:03d}\ninquiry: Things {word} {n}\n"
                "source: {dac: PX.Objects.IN.InventoryItem}\nkey: [ID]\n"
                f"columns:\n  ID: InventoryItem.InventoryCD\n  {word}: InventoryItem.Descr\n")
    return sorted(v1.glob("*.yaml")), sorted(v2.glob("*.yaml"))


def test_sigkill_at_random_points_leaves_old_or_new_files(tmp_path):
    v1, v2 = make_versions(tmp_path, 24)
    # the two complete outcomes, for reference (same folder name: index.jigx names the solution after it)
    durations = []
    for defs, ref in ((v1, tmp_path / "ref1" / "app"), (v2, tmp_path / "ref2" / "app")):
        started = time.monotonic()
        assert run_generate(defs, ref).wait() == 0
        durations.append(time.monotonic() - started)
    run_time = min(durations)  # kills land inside a run, however fast this machine is
    old, new = tree(tmp_path / "ref1" / "app"), tree(tmp_path / "ref2" / "app")
    # the state file records where each definition lives: rebuild v2's as it will be for 'app'
    app = tmp_path / "work" / "app"
    shutil.copytree(tmp_path / "ref1" / "app", app)
    rng = random.Random(20261128)
    killed = attempt = 0
    # at least nine runs, and as many more (up to 40) as it takes for three kills to land inside a
    # run: a fast machine finishes some runs before the kill comes
    while attempt < 9 or (killed < 3 and attempt < 40):
        p = run_generate(v2 if attempt % 3 else v1, app)
        attempt += 1
        time.sleep(rng.uniform(0.02, run_time * 0.9))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            killed += 1
        p.wait()
        for rel, data in tree(app).items():
            if rel.endswith(".tmp"):
                continue  # a killed run's temp file; the next run removes it
            parse_any(app / rel, data)
            if rel.startswith(".jigx-acumatica/"):
                continue  # the tool's own bookkeeping: parseable is what matters
            assert data in (old.get(rel), new.get(rel)), f"{rel} is neither the old nor the new version"
    assert killed >= 3, "the kills came too late to test anything"
    assert run_generate(v2, app).wait() == 0
    final = tree(app)
    assert not [r for r in final if r.endswith(".tmp")], "stale temp files were not cleaned up"
    assert ".jigx-acumatica/interrupted.json" not in final
    final.pop(".jigx-acumatica/state.json"), new.pop(".jigx-acumatica/state.json")
    assert final == new
    assert run_generate(v2, app).wait() == 0  # and then it is stable


def test_two_runs_at_once_take_turns(tmp_path):
    app = tmp_path / "app"
    assert cli("init", app).exit_code == 0
    defs = copy_samples(tmp_path / "defs")
    procs = [subprocess.Popen([sys.executable, "-m", "jigx_acumatica", "add", *map(str, group), "--solution", str(app),
                               "-q"], env=ENV, stderr=subprocess.PIPE, text=True)
             for group in (defs[:2], defs[2:])]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    tables = [e["table"] for e in YAML(typ="safe").load((app / "index.jigx").read_text())["onTableChanged"]]
    assert sorted(tables) == sorted(YAML(typ="safe").load(p.read_text()).get("table") or "sales-order"
                                    for p in defs)
    assert cli("generate", "--solution", app, "--check").exit_code == 0


def test_a_busy_solution_fails_clearly(tmp_path):
    from jigx_acumatica import fsutil

    app = tmp_path / "app"
    assert cli("init", app).exit_code == 0
    with fsutil.locked(app):
        p = subprocess.run([sys.executable, "-m", "jigx_acumatica", "add", str(SAMPLES / "vendors.yaml"), "--solution",
                            str(app), "--lock-timeout", "0.3"], env=ENV, capture_output=True, text=True)
    assert p.returncode == 3 and "another jigx-acumatica run" in p.stderr and "Traceback" not in p.stderr


BASE = CUSTOMER_DEF

HOSTILE = [
    ("entity", "Cust'omer"), ("entity", 'Cust"omer'), ("entity", "Cust\nomer"), ("entity", "Kundé"),
    ("entity", "../etc"), ("entity", "a: b"), ("entity", "<x&y>"),
    ("table", "../evil"), ("table", "a/b"), ("table", "tab'le"), ("table", "über"), ("table", "x;drop"),
    ("table", "a b"), ("table", "#hash"),
    ("alias", "Cus'tomer"), ("alias", "C-ustomer"), ("alias", "Cu\ns"),
    ("column", "Name'); DROP TABLE x;--"), ("column", "Na me"), ("column", "Näme"), ("column", "a\"b"),
    ("column", "?key"), ("column", "&anchor"), ("column", "!tag"), ("column", "<b>"),
    ("dac", "PX.Objects.AR.Customer'"), ("dac", "../../x"),
    ("inquiry", "A <b> & \"c\""), ("inquiry", "multi\nline"), ("inquiry", "emoji 😀"),
]


def hostile_definition(kind: str, value: str) -> str:
    quoted = json.dumps(value)  # a JSON string is a valid YAML double-quoted scalar
    if kind == "entity":
        return BASE.replace("entity: Customer", f"entity: {quoted}")
    if kind == "table":
        return BASE.replace("table: customers", f"table: {quoted}")
    if kind == "alias":
        return BASE.replace("  dac: PX.Objects.AR.Customer", f"  dac: PX.Objects.AR.Customer\n  alias: {quoted}")
    if kind == "column":
        return BASE + f"  {quoted}: Customer.AcctName\n"
    if kind == "dac":
        return BASE.replace("dac: PX.Objects.AR.Customer", f"dac: {quoted}")
    return BASE + f"inquiry: {quoted}\n"


@pytest.mark.parametrize("kind,value", HOSTILE, ids=[f"{k}-{i}" for i, (k, _) in enumerate(HOSTILE)])
def test_hostile_names_are_rejected_clearly(tmp_path, kind, value):
    path = tmp_path / "def.yaml"
    path.write_text(hostile_definition(kind, value), encoding="utf-8")
    out = tmp_path / "out"
    r = cli("generate", path, "--out", out)
    assert r.exit_code == 2, f"{kind}={value!r} was accepted"
    assert "def.yaml:" in r.stderr and "fix:" in r.stderr
    assert not out.exists()


SPECIALS = "quote' dq\" <tag> & amp: colon # hash - dash ? q * star ! bang % pct @ at ` tick {b} [s] | > \\ \n nl é 😀"


def test_free_text_is_escaped_and_means_the_same(tmp_path):
    """Strings the user may write freely (on_change options, the inquiry, the tenant) survive every format."""
    action = {"type": "action.action-list",
              "options": {"isSequential": True, "actions": [
                  {"type": "action.sync-entities", "options": {"provider": "DATA_PROVIDER_DYNAMIC",
                                                               "entities": ["default/customers"]}},
                  {"type": "action.set-state", "options": {"state": "=@ctx.solution.state.note", "value": SPECIALS}},
                  {"type": "action.set-state", "options": {"state": "=@ctx.solution.state.flags",
                                                           "value": ["yes", "no", "on", "off", "null", "~", ""]}}]}}
    path = tmp_path / "def.yaml"
    path.write_text(BASE + "inquiry: \"Jigx: A/B (test) - v1.2_x\"\n"
                    + "on_change: " + json.dumps(action, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    app = tmp_path / "app"
    company = "Acme \"<&>' GmbH"
    r = cli("generate", path, "--out", app, "--company", company, "--base-url", "http://127.0.0.1:8787")
    assert r.exit_code == 0, r.output
    entry = YAML(typ="safe").load((app / "index.jigx").read_text())["onTableChanged"][0]
    assert entry["action"] == action
    row = ET.parse(app / "acumatica/customers/generic-inquiry.xml").getroot().find("data/GIDesign/row")
    assert row.get("Name") == "Jigx: A/B (test) - v1.2_x"
    push = json.loads((app / "acumatica/customers/sample-push.json").read_text())
    assert push["CompanyId"] == company and push["Query"] == "Jigx: A/B (test) - v1.2_x"
    raw_index = (app / "index.jigx").read_text()
    for word in ("yes", "no", "on", "off", "null"):
        assert f'- "{word}"' in raw_index, "YAML 1.1 booleans and null are quoted"
    written = [p.resolve() for p in app.rglob("*")]
    assert all(str(p).startswith(str(app.resolve())) for p in written), "a path escaped the solution"


@pytest.mark.parametrize("base_url", ["http://x\n/evil", "https://a`b", "ftp://x", "https://exa mple.com"])
def test_hostile_base_urls(tmp_path, base_url):
    r = cli("generate", SAMPLES / "customers.yaml", "--out", tmp_path / "o", "--base-url", base_url)
    assert r.exit_code == 2 and "base URL" in r.stderr


def test_pat_never_written_or_printed_by_any_command(tmp_path, httpserver):
    """Run every command with the token in the environment; grep everything they produced."""
    env = {"JIGX_PAT": PAT}
    app = tmp_path / "app"
    base = httpserver.url_for("/").rstrip("/")
    httpserver.expect_request(re.compile(".*")).respond_with_json({"message": f"bad token {PAT}"}, status=401)
    notification = tmp_path / "n.json"
    outputs = []
    steps = [
        ["init", app, "--org", ORG, "--solution-id", SOLUTION_ID, "--table", SAMPLES / "customers.yaml"],
        ["add", SAMPLES / "vendors.yaml", "--solution", app],
        ["generate", "--solution", app, "--json"],
        ["generate", "--solution", app, "--diff", "--force"],
        ["verify", "--solution", app, "--dry-run"],
        ["verify", "--solution", app, "--dry-run", "--json"],
        ["verify", "--solution", app, "--base-url", base, "--json"],
        ["verify", "--solution", app, "--base-url", base],
        ["verify", "--local", "--solution", app, "--json"],
        ["doctor", "--solution", app],
        ["doctor", "--solution", app, "--json"],
        ["remove", "vendors", "--solution", app],
    ]
    for args in steps:
        r = cli(*args, env=env)
        outputs.append(r.stdout + r.stderr)
    shutil.copy(app / "acumatica/customers/sample-push.json", notification)
    r = cli("inspect", notification, "--solution", app, "--json", env=env)
    outputs.append(r.stdout + r.stderr)
    p = subprocess.Popen([sys.executable, "-m", "jigx_acumatica", "serve", "--solution", str(app), "--port", "0"],
                         env={**ENV, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=10)
    outputs.append(out + err)
    assert "token: JIGX_PAT" in out
    for text in outputs:
        assert PAT not in text
    for path in app.rglob("*"):
        if path.is_file():
            assert PAT.encode() not in path.read_bytes(), path
    # the PAT is in neither, so both get the user's default mode like every other file (issue 10)
    index_mode = (app / "index.jigx").stat().st_mode & 0o777
    assert (app / "jigx-acumatica.yaml").stat().st_mode & 0o777 == index_mode
    assert (app / ".jigx-acumatica/state.json").stat().st_mode & 0o777 == index_mode


@pytest.mark.parametrize("name", ["index.jigx", "databases/default.jigx", "jigx-acumatica.yaml"])
def test_a_symlinked_user_file_is_written_through_its_link(tmp_path, name):
    """Issue 19.3: the link stays a link and its target is the file that changes."""
    app = tmp_path / "app"
    assert cli("init", app, "--table", SAMPLES / "customers.yaml").exit_code == 0
    shared = tmp_path / "shared" / Path(name).name
    shared.parent.mkdir()
    (app / name).rename(shared)
    (app / name).symlink_to(shared)
    r = cli("add", SAMPLES / "vendors.yaml", "--solution", app, "--region", "eu")
    assert r.exit_code == 0, r.output
    assert (app / name).is_symlink() and Path(os.readlink(app / name)) == shared
    text = shared.read_text()
    assert ("vendors" in text) if name != "jigx-acumatica.yaml" else ("region: eu" in text)


def test_a_dangling_symlink_is_refused_and_nothing_is_written(tmp_path):
    app = tmp_path / "app"
    assert cli("init", app, "--table", SAMPLES / "customers.yaml").exit_code == 0
    (app / "index.jigx").unlink()
    (app / "index.jigx").symlink_to(tmp_path / "gone.jigx")
    before = sorted(p.name for p in app.rglob("*"))
    r = cli("generate", "--solution", app)
    assert r.exit_code == 2 and "symbolic link" in r.stderr and "does not exist" in r.stderr, r.output
    assert sorted(p.name for p in app.rglob("*")) == before and not (tmp_path / "gone.jigx").exists()


def test_a_symlinked_definition_is_written_through_its_link(tmp_path):
    """Issue 19.3: the stored definition kept elsewhere (a shared folder) and linked in: a run
    that updates it writes the target, and the link stays."""
    app = tmp_path / "app"
    assert cli("init", app, "--table", SAMPLES / "customers.yaml").exit_code == 0
    stored = app / "acumatica/customers/table.yaml"
    shared = tmp_path / "shared" / "customers.yaml"
    shared.parent.mkdir()
    stored.rename(shared)
    stored.symlink_to(shared)
    changed = tmp_path / "customers.yaml"
    changed.write_text((SAMPLES / "customers.yaml").read_text() + "inquiry: Customers via a link\n")
    r = cli("add", changed, "--solution", app, "--force")
    assert r.exit_code == 0, r.output
    assert stored.is_symlink() and shared.read_text().endswith("inquiry: Customers via a link\n")
    assert cli("generate", "--solution", app, "--check").exit_code == 0
