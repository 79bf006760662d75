"""Where things live in a Jigx solution folder: names and paths only (the read-only questions
about a solution are in solution/queries.py)."""

from __future__ import annotations

INDEX = "index.jigx"
DATABASE = "databases/default.jigx"
HOME_JIG = "jigs/home.jigx"
ARTIFACTS = "acumatica"
DEFINITION_NAME = "table.yaml"
STATE_DIR = ".jigx-acumatica"
STATE_FILE = f"{STATE_DIR}/state.json"
# Written before any file of a run is replaced and removed after the state file: when a run is
# interrupted half-way, the next one knows which contents that run generated (not hand edits).
INTERRUPTED_FILE = f"{STATE_DIR}/interrupted.json"


def artifact_dir(table: str) -> str:
    return f"{ARTIFACTS}/{table}"


def definition_file(table: str) -> str:
    return f"{artifact_dir(table)}/{DEFINITION_NAME}"


def datasource_file(table: str) -> str:
    return f"datasources/{table}.jigx"


# --local: the rows of the local endpoint that backfill and reconcile run against (kept between
# runs, so a reconcile --local sees what a backfill --local sent)
LOCAL_DB = f"{STATE_DIR}/local.sqlite"
