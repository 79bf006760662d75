"""The state file's typed records (one schema, versioned) and the settings table that loads,
checks and documents jigx-acumatica.yaml."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jigx_acumatica.config import SETTINGS, load_settings
from jigx_acumatica.errors import InputError
from jigx_acumatica.solution.state import PackageRecord, State, TableRecord, parse_state
from tests.helpers import ROOT, SAMPLES, cli, make_solution


def test_state_round_trips_through_its_text():
    state = State({"b": TableRecord(definition="acumatica/b/table.yaml", entry={"table": "b"}, declared=True,
                                    files={"x": "1"}, inquiry="B", fingerprint="f", tab={"jigId": "b"}),
                   "a": TableRecord()}, PackageRecord("acumatica/jigx-cdc.zip", "h", "i"))
    again = parse_state(state.text(), Path("state.json"))
    assert again == state and again.text() == state.text()
    assert '"version": 1' in state.text()


def test_a_state_file_from_a_newer_tool_is_refused_and_a_damaged_one_explained(tmp_path):
    with pytest.raises(InputError, match="newer than this jigx-acumatica"):
        parse_state('{"version": 99, "tables": {}}', tmp_path / "state.json")
    with pytest.raises(InputError, match="damaged"):
        parse_state('{"tables": [1]}', tmp_path / "state.json")
    # odd values in a record are dropped, not trusted
    rec = parse_state('{"tables": {"t": {"files": {"a": 1, "b": "h"}, "declared": "yes"}}}', tmp_path).table("t")
    assert rec.files == {"b": "h"} and rec.declared is False


def test_every_setting_is_documented_with_its_option():
    doc = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    for s in SETTINGS:
        row = next((line for line in doc.splitlines() if line.startswith(f"| `{s.key}` |")), None)
        assert row is not None, f"docs/configuration.md has no row for {s.key}"
        assert (f"`{s.option}`" in row) if s.option else "—" in row, row
    documented = re.findall(r"^\| `(\w+)` \|", doc, flags=re.M)
    assert sorted(documented) == sorted(s.key for s in SETTINGS)


@pytest.mark.parametrize("line,message", [
    ("productVersion: banana", "is not an Acumatica version"),
    ("region: mars", "unknown region 'mars'"),
    ("projectName: my-project", "letters and digits only"),
    ("package: ../outside.zip", "relative path inside the solution"),
    ("acumaticaUrl: ftp://x", "is not a plain http(s) URL"),
    ("organizationId: 42", "must be text"),
    ("tenants: Solo", "must be a list of tenant names"),
])
def test_each_setting_is_checked_where_it_stands(tmp_path, line, message):
    app = make_solution(tmp_path / "app", [SAMPLES / "customers.yaml"])
    config = app / "jigx-acumatica.yaml"
    config.write_text("# my settings\ncompany: MyTenant\n" + line + "\n")
    r = cli("generate", "--solution", app)
    assert r.exit_code == 2 and message in r.stderr, r.stderr
    assert "jigx-acumatica.yaml:3:" in r.stderr  # the line of the setting
    with pytest.raises(InputError):
        load_settings(app)
