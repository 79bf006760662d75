"""The installed package: its name, its entry points, and that nothing else can shadow it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib import metadata

import pytest

from tests.helpers import ROOT, SAMPLE_FILES, cli

COMMANDS = ("add", "backfill", "discover", "doctor", "generate", "import-gi", "init", "inspect",
            "monitor", "package", "publish", "reconcile", "remove", "samples", "status", "serve", "verify")


def run(*args: str, cwd=None, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, **(env or {})})


def test_import_names_the_tool():
    import jigx_acumatica

    assert jigx_acumatica.__version__ == metadata.version("jigx-acumatica")
    for name in ("generate", "init", "add", "remove", "verify", "doctor", "inspect", "serve"):
        assert callable(getattr(jigx_acumatica, name)), name
    with pytest.raises(AttributeError):
        _ = jigx_acumatica.no_such_thing


def test_python_m_lists_every_command():
    p = run("-m", "jigx_acumatica", "--help")
    assert p.returncode == 0, p.stderr
    section = p.stdout.split("Commands:")[1].splitlines()
    listed = {line.split()[0] for line in section if line.startswith("  ") and not line.startswith("   ")}
    assert listed == set(COMMANDS)


def test_a_generator_folder_in_the_working_directory_does_not_shadow_the_tool(tmp_path):
    (tmp_path / "generator").mkdir()
    (tmp_path / "generator" / "__init__.py").write_text("raise ImportError('someone else\\'s generator')\n")
    script = os.path.join(os.path.dirname(sys.executable), "jigx-acumatica")
    p = subprocess.run([script, "--version"], capture_output=True, text=True, cwd=tmp_path,
                       env={**os.environ, "PYTHONPATH": "."})
    assert p.returncode == 0, p.stderr
    assert "jigx-acumatica" in p.stdout


def test_the_distribution_installs_no_top_level_generator_package():
    files = metadata.files("jigx-acumatica") or []
    tops = {f.parts[0] for f in files if f.suffix == ".py"}
    assert "generator" not in tops
    if any(f.parts[0] == "jigx_acumatica" for f in files):  # a wheel install (CI); editable installs list a .pth
        assert any(f.parts[:2] == ("jigx_acumatica", "templates") for f in files), "templates missing from the wheel"
        assert any(f.parts[:2] == ("jigx_acumatica", "samples") and f.name == "customers.yaml" for f in files), \
            "samples missing from the wheel"


def test_public_api_runs_without_click(tmp_path):
    """The five-line example of the README, as a script would run it."""
    code = (
        "from pathlib import Path\n"
        "import jigx_acumatica as ja\n"
        f"plan = ja.init(Path({str(tmp_path / 'app')!r}), name='app', title='App')\n"
        f"plan = ja.add(Path({str(tmp_path / 'app')!r}), [{os.path.abspath('samples/customers.yaml')!r}])\n"
        "print(sorted(c.path for c in plan.changes if c.action == 'create')[0])\n"
        f"print([f.message.split(':')[0] for f in ja.doctor(Path({str(tmp_path / 'app')!r}))"
        " if 'keeps deleted rows' not in f.message and 'still holds' not in f.message] == ['no odataRole'])\n"
        "import sys; print('click' in sys.modules)\n"
    )
    p = run("-c", code, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert p.returncode == 0, p.stderr
    first, findings, click_loaded = p.stdout.split()
    assert first == "acumatica/customers/generic-inquiry.md"
    assert findings == "True"  # the one finding: no role is granted the OData inquiry's rights
    assert click_loaded == "False"


def test_the_lazy_command_table_matches_the_commands():
    """The group lists commands without importing them: its summaries must be the commands' own."""
    import click

    from jigx_acumatica.cli.app import COMMANDS, main

    ctx = click.Context(main)
    for name, (_, summary) in COMMANDS.items():
        command = main.get_command(ctx, name)
        assert command is not None, name
        first = " ".join((command.help or "").split("\n\n")[0].split())
        assert first == summary, name
    assert set(main.commands) == set(COMMANDS)


def test_no_module_is_over_400_lines():
    package = ROOT / "generator" / "jigx_acumatica"
    long = {str(p.relative_to(package)): n for p in package.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert long == {}, "split these by concern"


def test_every_generated_file_that_can_say_what_made_it_does(tmp_path):
    """Markdown, YAML and XML start with the provenance line (version, definition, the command that
    regenerates them); JSON samples stay exactly what Acumatica sends."""
    from jigx_acumatica import __version__

    app = tmp_path / "app"
    assert cli("init", app, *[a for p in SAMPLE_FILES for a in ("--table", p)]).exit_code == 0
    state = json.loads((app / ".jigx-acumatica/state.json").read_text())
    generated = [rel for entry in state["tables"].values() for rel in entry["files"]] + ["acumatica/README.md"]
    assert len(generated) > len(SAMPLE_FILES) * 5
    for rel in generated:
        text = (app / rel).read_text(encoding="utf-8")
        if rel.endswith(".json"):
            assert text.startswith("{") and "jigx-acumatica" not in text, rel
            continue
        lines = text.splitlines()
        header = lines[1] if rel.endswith(".xml") else lines[0]  # XML: after the declaration
        assert header.startswith(("#", "<!--")) and f"Generated by jigx-acumatica {__version__}" in header, rel
        assert "regenerate with: jigx-acumatica generate" in header, rel
        if "/" in rel and not rel.startswith("acumatica/README"):
            assert ".yaml" in header, f"{rel}: the definition it came from is named"


def test_every_exit_code_is_documented():
    from jigx_acumatica.errors import ExitCode

    doc = (ROOT / "docs" / "exit-codes.md").read_text(encoding="utf-8")
    listed: set[int] = set()
    for first, last in re.findall(r"^\| (\d+)(?:-(\d+))? \|", doc, flags=re.M):
        listed.update(range(int(first), int(last or first) + 1))
    assert sorted(int(c) for c in ExitCode if int(c) not in listed) == []


def test_samples_are_copied_out_and_user_files_kept(tmp_path):
    """Issue 19.13: the samples ship with the tool (in the wheel) and a command copies them out."""
    from tests.helpers import SAMPLES

    r = cli("samples", tmp_path / "s")
    assert r.exit_code == 0 and "copied 8 sample files" in r.stdout
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == sorted(p.name for p in SAMPLES.iterdir()
                                                                        if p.suffix in (".yaml", ".csv", ".xml"))
    assert (tmp_path / "s/customers.yaml").read_bytes() == (SAMPLES / "customers.yaml").read_bytes()
    (tmp_path / "s/vendors.yaml").write_text("mine\n")
    r = cli("samples", tmp_path / "s")
    assert r.exit_code == 1 and "vendors.yaml exists and differs" in r.stderr
    assert (tmp_path / "s/vendors.yaml").read_text() == "mine\n"
    assert cli("samples", tmp_path / "s", "--force").exit_code == 0
    assert cli("generate", *sorted((tmp_path / "s").glob("*.yaml")), "--out", tmp_path / "app").exit_code == 0
