"""The installed console script works outside the source tree (templates come from the wheel)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import SAMPLE_FILES


def test_console_script_from_another_folder(tmp_path):
    script = Path(sys.executable).parent / "jigx-acumatica"
    assert script.exists(), "install the project first: pip install '.[test]'"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    p = subprocess.run([str(script), "generate", *map(str, SAMPLE_FILES), "--out", "app", "--json"],
                       cwd=tmp_path, capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["tables"]
    assert (tmp_path / "app/acumatica/customers/generic-inquiry.xml").read_text().startswith("<?xml")
    v = subprocess.run([str(script), "--version"], capture_output=True, text=True, env=env)
    assert v.returncode == 0 and "jigx-acumatica" in v.stdout
