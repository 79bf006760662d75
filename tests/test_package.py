"""The installed package: its name, its entry points, and that nothing else can shadow it."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata

import pytest

COMMANDS = ("add", "backfill", "doctor", "generate", "import-gi", "init", "inspect", "package", "publish", "remove", "serve",
            "verify")


def run(*args: str, cwd=None, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, **(env or {})})


def test_import_names_the_tool():
    import jigx_acumatica

    assert jigx_acumatica.__version__ == metadata.version("jigx-acumatica")
    for name in ("generate", "init", "add", "remove", "verify", "doctor", "inspect", "serve"):
        assert callable(getattr(jigx_acumatica, name)), name
    with pytest.raises(AttributeError):
        getattr(jigx_acumatica, "no_such_thing")


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


def test_public_api_runs_without_click(tmp_path):
    """The five-line example of the README, as a script would run it."""
    code = (
        "from pathlib import Path\n"
        "import jigx_acumatica as ja\n"
        f"plan = ja.init(Path({str(tmp_path / 'app')!r}), name='app', title='App')\n"
        f"plan = ja.add(Path({str(tmp_path / 'app')!r}), [{os.path.abspath('samples/customers.yaml')!r}])\n"
        "print(sorted(c.path for c in plan.changes if c.action == 'create')[0])\n"
        f"print(len(ja.doctor(Path({str(tmp_path / 'app')!r}))))\n"
        "import sys; print('click' in sys.modules)\n"
    )
    p = run("-c", code, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert p.returncode == 0, p.stderr
    first, findings, click_loaded = p.stdout.split()
    assert first == "acumatica/customers/generic-inquiry.md"
    assert findings == "0"
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
