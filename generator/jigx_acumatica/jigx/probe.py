"""verify --probe TABLE: learn how Jigx's endpoint stores rows, on a table the user names.

How the CDC endpoint stores rows is not documented (docs/platform-facts.md): which content keys it
keeps, whether it upserts and by which key, whether rows in Deleted go, whether `_del` hides a
row, whether a repeated notification Id is ignored. The probe pushes one of each case, shaped as
Acumatica would, reads the table back through the Data API after each, and records what it saw
in .jigx-acumatica/endpoint.json (reconcile reads it). It writes to the table: a throwaway one is
best; its probe rows are deleted by rid afterwards."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from .. import push_contract as contract
from ..config import Target
from ..definition import Column, TableDef
from ..fsutil import write_all
from ..layout import STATE_DIR
from .data_api import DataApi, Row
from .sender import CDC_POLICY, Push, send

ENDPOINT_FILE = f"{STATE_DIR}/endpoint.json"
PROBE_PREFIX = "JIGX-PROBE-"


@dataclass
class Finding:
    question: str
    answer: str
    detail: str = ""


@dataclass
class ProbeResult:
    table: str
    findings: list[Finding] = field(default_factory=list)
    behaviour: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"table": self.table, "behaviour": self.behaviour,
                "findings": [f.__dict__.copy() for f in self.findings]}


def probe_definition(table: str) -> TableDef:
    """A neutral definition for a table the solution does not manage: a text key and a value."""
    cols = (Column("ProbeKey", "Probe", "ProbeKey"), Column("Value", "Probe", "Value"))
    return TableDef(entity="Probe", table=table, inquiry=f"Jigx probe {table}", dac="Jigx.Probe", alias="Probe",
                    modified="LastModifiedDateTime", deleted_flag=True, joins=(), key=("ProbeKey",), columns=cols,
                    on_change={})


class Prober:
    def __init__(self, defn: TableDef, target: Target, pat: str, api: DataApi, company: str,
                 session: requests.Session, say: Callable[[str], None]) -> None:
        self.defn, self.target, self.pat, self.api, self.company = defn, target, pat, api, company
        self.session, self.say = session, say
        self.run_id = uuid.uuid4().hex[:8]
        self.moment = datetime.now(UTC)
        self.keys: list[str] = []

    # --- rows and pushes --------------------------------------------------------------------------

    def row(self, case: str, value: str, **extra: Any) -> dict[str, Any]:
        key = f"{PROBE_PREFIX}{self.run_id}-{case}"
        if key not in self.keys:
            self.keys.append(key)
        self.moment += timedelta(seconds=1)
        overrides = {c.name: value for c in self.defn.columns if c.type == "string"}
        overrides.update({k: key for k in self.defn.key})
        row = contract.sample_row(self.defn, modified=self.moment.astimezone(), overrides=overrides)
        row.update(extra)
        return row

    def push(self, inserted: list[dict[str, Any]], deleted: list[dict[str, Any]], kind: str,
             notification_id: str | None = None) -> dict[str, Any]:
        body = contract.notification(self.defn, inserted=inserted, deleted=deleted, company=self.company,
                                     notification_id=notification_id or str(uuid.uuid4()), moment=self.moment)
        outcome = send(self.session, self.target.url(self.defn.table), self.pat, Push(self.defn.table, "insert", body),
                       CDC_POLICY)
        if not outcome.ok:
            raise ProbeFailed(outcome.code, f"the {kind} push was refused: {outcome.summary}", outcome.fix)
        return body

    def found(self, key_case: str) -> list[Row]:
        key = f"{PROBE_PREFIX}{self.run_id}-{key_case}"
        return [r for r in self.api.rows(self.defn.table)
                if str(r.content.get(self.defn.key[0], "")).strip() == key]

    # --- the cases --------------------------------------------------------------------------------

    def run(self) -> ProbeResult:
        result = ProbeResult(self.defn.table)
        b = result.behaviour
        try:
            first = self.row("a", "first")
            self.push([first], [], "insert")
            rows = self.found("a")
            b["stores_inserts"] = bool(rows)
            stored = sorted(rows[0].content) if rows else []
            b["stored_keys"] = stored
            missing = [k for k in first if k not in stored]
            result.findings.append(Finding("an insert is stored", _yes(rows), "" if not rows else (
                "every column kept" if not missing else f"columns not kept: {', '.join(missing)}")))
            if not rows:
                return result
            changed = self.row("a", "second")
            self.push([changed], [first], "update pair")
            rows = self.found("a")
            b["rows_mode"] = "upsert" if len(rows) == 1 else "append"
            b["update_applied"] = any("second" in json.dumps(r.content) for r in rows)
            result.findings.append(Finding("an update pair (Deleted old, Inserted new)",
                                           "one row, replaced" if len(rows) == 1 else f"{len(rows)} rows (appended)",
                                           f"keyed by {', '.join(self.defn.key)} in the row's content"))
            self.push([], [changed], "delete")
            rows = self.found("a")
            b["deleted_removes"] = not rows
            result.findings.append(Finding("a row sent in Deleted only", "removed" if not rows else "kept"))
            plain = {k: v for k, v in self.row("b", "no del").items() if k != "_del"}
            self.push([plain], [], "insert without _del")
            b["stores_without_del"] = bool(self.found("b"))
            result.findings.append(Finding("a row without _del", "stored" if b["stores_without_del"] else "not stored"))
            self.push([self.row("c", "del true", _del=True)], [], "insert with _del true")
            rows = self.found("c")
            b["del_true_hides"] = not rows
            result.findings.append(Finding("a row with _del true", "not listed (hidden or removed)" if not rows
                                           else "listed like any row (_del is a column)"))
            same_id = str(uuid.uuid4())
            self.push([self.row("d", "sent once")], [], "notification", same_id)
            self.push([self.row("d", "sent twice")], [], "repeated notification", same_id)
            rows = self.found("d")
            ignored = len(rows) == 1 and "sent once" in json.dumps(rows[0].content)
            b["repeated_id_ignored"] = ignored
            result.findings.append(Finding("the same notification Id twice (the second with a changed value)",
                                           "the repeat is ignored" if ignored else "the repeat is applied",
                                           f"{len(rows)} row(s) afterwards"))
            return result
        finally:
            self.clean_up()

    def clean_up(self) -> None:
        """Every probe row this run made, deleted by rid."""
        mine = [r.rid for r in self.api.rows(self.defn.table)
                if str(r.content.get(self.defn.key[0], "")).strip() in self.keys]
        if mine:
            self.api.delete_many(self.defn.table, mine)
            self.say(f"deleted the probe's {len(mine)} row(s) from '{self.defn.table}' by rid")


class ProbeFailed(Exception):
    def __init__(self, code: int, message: str, fix: str) -> None:
        super().__init__(message)
        self.code, self.message, self.fix = code, message, fix


def _yes(rows: list[Row]) -> str:
    return "yes" if rows else "no: the push was accepted but nothing was stored"


def record(root: Path, result: ProbeResult, base: str) -> Path:
    """.jigx-acumatica/endpoint.json: what each probed table's endpoint did (never a token)."""
    path = root / ENDPOINT_FILE
    try:
        known = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, ValueError):
        known = {}
    found = known.get("tables") if isinstance(known, dict) else None
    tables: dict[str, Any] = found if isinstance(found, dict) else {}
    tables[result.table] = {"endpoint": base, "probed": datetime.now(UTC).isoformat(timespec="seconds"),
                            **result.behaviour}
    write_all([(path, json.dumps({"tables": dict(sorted(tables.items()))}, indent=2, sort_keys=True) + "\n")])
    return path


def load_behaviour(root: Path, table: str, endpoint: str | None = None) -> dict[str, Any] | None:
    """What a probe recorded for this table; else the latest probe of another table of the same
    endpoint (how it stores rows is the endpoint's way, not the table's); None if none ran."""
    try:
        data = json.loads((root / ENDPOINT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    tables = data.get("tables") if isinstance(data, dict) else None
    if not isinstance(tables, dict):
        return None
    found = tables.get(table)
    if isinstance(found, dict):
        return found
    same = [t for t in tables.values() if isinstance(t, dict) and (endpoint is None or t.get("endpoint") == endpoint)]
    return max(same, key=lambda t: str(t.get("probed", "")), default=None)
