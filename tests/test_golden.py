"""Golden files pin every generated file for every sample.

Refresh after an intended change with:  UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py
and review the diff in git before committing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import TARGET_ARGS, cli, copy_samples, tree, updating_golden

GOLDEN = Path(__file__).parent / "golden" / "solution"


def generate_samples(out: Path) -> list[Path]:
    """The samples copied beside the solution, so the state file's relative paths are stable."""
    defs = copy_samples(out.parent / "defs")
    r = cli("generate", *defs, "--out", out, *TARGET_ARGS)
    assert r.exit_code == 0, r.output
    return defs


@pytest.fixture
def pinned_version(monkeypatch):
    """Golden files are made with the version pinned, so a release changes none of them."""
    import jigx_acumatica

    monkeypatch.setattr(jigx_acumatica, "__version__", "GOLDEN")


def test_generated_tree_matches_golden(tmp_path, pinned_version):
    out = tmp_path / "solution"
    generate_samples(out)
    got = tree(out)
    if updating_golden():
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for rel, data in got.items():
            (GOLDEN / rel).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / rel).write_bytes(data)
    want = tree(GOLDEN)
    assert sorted(got) == sorted(want)
    for rel in want:
        assert got[rel] == want[rel], f"{rel} differs from the golden copy (UPDATE_GOLDEN=1 refreshes it)"


def test_second_run_changes_nothing(tmp_path):
    out = tmp_path / "solution"
    defs = generate_samples(out)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and p.name != "lock"}
    r = cli("generate", *defs, "--out", out, *TARGET_ARGS, "--json")
    assert r.exit_code == 0
    import json

    data = json.loads(r.stdout)
    assert {c["action"] for c in data["changes"]} == {"identical"}
    assert data["written"] is False
    after = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and p.name != "lock"}
    assert before == after, "a second run rewrote files"
    r = cli("generate", *defs, "--out", out, *TARGET_ARGS, "--check")
    assert r.exit_code == 0 and "nothing to change" in r.stdout
    r = cli("generate", "--solution", out, *TARGET_ARGS, "--check")  # definitions found through the state
    assert r.exit_code == 0 and "nothing to change" in r.stdout


def test_output_is_byte_identical_across_folders(tmp_path):
    generate_samples(tmp_path / "a" / "solution")
    generate_samples(tmp_path / "b" / "solution")
    a, b = tree(tmp_path / "a" / "solution"), tree(tmp_path / "b" / "solution")
    a.pop("index.jigx"), b.pop("index.jigx")  # the skeleton names the solution after its folder
    assert a == b


def test_golden_files_do_not_depend_on_the_version(tmp_path, monkeypatch):
    import jigx_acumatica

    monkeypatch.setattr(jigx_acumatica, "__version__", "GOLDEN")
    generate_samples(tmp_path / "a" / "solution")
    monkeypatch.setattr(jigx_acumatica, "__version__", "99.0.0")
    generate_samples(tmp_path / "b" / "solution")
    a, b = tree(tmp_path / "a" / "solution"), tree(tmp_path / "b" / "solution")
    a.pop("index.jigx"), b.pop("index.jigx")
    differ = sorted(k for k in a if a[k] != b[k])
    # only the provenance lines name the version, and the state's fingerprints hash it
    for rel in differ:
        if rel != ".jigx-acumatica/state.json":
            assert a[rel].replace(b"GOLDEN", b"99.0.0") == b[rel], rel
    assert all(b"GOLDEN" not in data for rel, data in a.items() if rel not in differ)


def test_update_golden_is_refused_under_ci(monkeypatch):
    """Under CI, UPDATE_GOLDEN would turn every golden test green whatever the output."""
    import pytest

    monkeypatch.setenv("UPDATE_GOLDEN", "1")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="UPDATE_GOLDEN is set under CI"):
        updating_golden()
    monkeypatch.delenv("CI")
    assert updating_golden() is True
    monkeypatch.delenv("UPDATE_GOLDEN")
    assert updating_golden() is False
