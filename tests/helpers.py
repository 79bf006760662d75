"""Shared test helpers: run the CLI like a user, build a solution, compare trees, golden files."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner

from jigx_acumatica.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SAMPLE_FILES = sorted(SAMPLES.glob("*.yaml"))
ORG = "0f8fad5b-d9cb-469f-a165-70867728950e"
SOLUTION_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
# A small valid definition that tests vary.
CUSTOMER_DEF = """entity: Customer
table: customers
source:
  dac: PX.Objects.AR.Customer
key: [CustomerID]
columns:
  CustomerID: Customer.AcctCD
"""
TARGET_ARGS = ["--region", "us", "--org", ORG, "--solution-id", SOLUTION_ID, "--company", "MyTenant"]


class Result:
    def __init__(self, r):
        self.exit_code = r.exit_code
        self.stdout = r.stdout
        self.stderr = r.stderr
        self.output = r.output


def cli(*args, env=None, input=None) -> Result:
    """Run the CLI in-process; an uncaught exception fails the test whatever the exit code."""
    runner = CliRunner()
    r = runner.invoke(main, [str(a) for a in args], env=env, input=input, catch_exceptions=True)
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        raise AssertionError(f"CLI crashed: {r.exception!r}\n{r.output}") from r.exception
    assert "Traceback" not in r.output
    return Result(r)


def copy_samples(dest: Path) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for f in SAMPLE_FILES:
        shutil.copy(f, dest / f.name)
        out.append(dest / f.name)
    return out


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root (the lock file aside), by relative path."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "lock"
    }


def updating_golden() -> bool:
    """UPDATE_GOLDEN=1 rewrites golden files. Under CI that would make golden tests pass whatever
    the output, so it is refused there: golden files are refreshed by hand and reviewed."""
    if not os.environ.get("UPDATE_GOLDEN"):
        return False
    if os.environ.get("CI"):
        pytest.fail("UPDATE_GOLDEN is set under CI; refresh golden files by hand and review the diff")
    return True


def make_solution(folder: Path, tables: Sequence[Path | str] = (), *options: str) -> Path:
    """A new solution (init) with these table definitions and options: the one way tests build one."""
    r = cli("init", folder, *options, *[a for t in tables for a in ("--table", t)])
    assert r.exit_code == 0, r.output
    return folder


def grant_odata_role(app: Path, role: str = "JigxReader") -> None:
    """Name the OData reader's role in the project config and regenerate: a solution with an
    inquiry exposed over OData is doctor-clean only then."""
    config = app / "jigx-acumatica.yaml"
    config.write_text((config.read_text() if config.exists() else "") + f"odataRole: {role}\n")
    r = cli("generate", "--solution", app)
    assert r.exit_code == 0, r.output


UNSETTLED = "keeps deleted rows"  # the definition warning of a DAC no source settles (Customer, ...)


def doctor_json(app: Path) -> tuple[int, list[dict]]:
    """doctor's exit code and findings, without the warnings that ask to settle deleted_flag on
    the instance (every sample on Customer, Vendor or SOOrder has one, deliberately)."""
    import json

    r = cli("doctor", "--solution", app, "--json")
    return r.exit_code, [f for f in json.loads(r.stdout)["findings"] if UNSETTLED not in f["message"]]
