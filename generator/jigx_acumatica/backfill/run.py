"""backfill: load the rows that already exist into Jigx, page by page, resumably.

Each page becomes one CDC POST shaped like Acumatica's push (Inserted = the rows, Deleted empty,
Query = the inquiry title, CompanyId = the tenant) with an Id derived from the page's content, so
a page sent again is recognisably the same notification. After each page the endpoint
acknowledged, the position is saved atomically in .jigx-acumatica/backfill/<table>.json: a run
killed at any point continues from there and sends no acknowledged page twice."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from .. import push_contract as contract
from ..definition import TableDef
from ..errors import InputError, ToolError
from ..fsutil import os_error, read_if_exists, write_all
from ..layout import STATE_DIR
from ..naming import stable_uuid
from ..push_contract import row_size_problem
from ..rows import BadValue, Summary
from ..rows.shape import key_text, push_row

POSITION_DIR = f"{STATE_DIR}/backfill"
SINCE_OVERLAP = timedelta(days=1)  # --since last: covers the server's time zone (rows are local time)


class Source(Protocol):
    """Where rows come from: pages in a stable order, each resumable after its last row."""

    name: str  # identifies the input: a position continues only from the same one
    shown: str  # the input, for messages

    @property
    def summary(self) -> Summary: ...  # after check(): rows refused, columns missing or ignored, warnings

    def check(self, defn: TableDef) -> None: ...

    def pages(self, defn: TableDef, position: Position, since: str | None, top: int
              ) -> Iterator[tuple[list[dict[str, Any]], Callable[[int], None]]]: ...


@dataclass
class Position:
    table: str
    source: str
    since: str | None = None
    after: list[Any] | None = None  # the last key sent (OData)
    offset: int = 0  # rows consumed (files)
    read: int = 0
    sent: int = 0
    skipped: int = 0  # deleted in Acumatica (_del true)
    pages: int = 0
    max_mod: str | None = None
    done: bool = False
    last_done_mod: str | None = None  # max _mod of the last finished run, for --since last


@dataclass
class Options:
    batch_size: int = 500
    max_bytes: int = 1_000_000
    since: str | None = None  # an ISO date or time, or "last"
    restart: bool = False
    dry_run: bool = False


@dataclass
class TableResult:
    table: str
    read: int
    sent: int
    skipped: int
    pages: int
    seconds: float
    resumed: bool
    since: str | None
    first_row: dict[str, Any] | None = None
    refused: dict[str, int] = field(default_factory=dict)  # rows of a file not sent, by reason (--skip-bad-rows)
    missing_columns: list[str] = field(default_factory=list)  # sent as null (--allow-missing-columns)
    ignored_columns: list[str] = field(default_factory=list)  # in the file, not in the definition
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


Send = Callable[[TableDef, dict[str, Any]], None]  # raises ToolError when the endpoint refuses
Report = Callable[[str, int, int, float], None]  # table, rows read, rows sent, seconds


def position_file(root: Path, table: str) -> Path:
    return root / POSITION_DIR / f"{table}.json"


def load_position(root: Path, table: str) -> Position | None:
    text = read_if_exists(position_file(root, table))
    if text is None:
        return None
    try:
        return Position(**json.loads(text))
    except (ValueError, TypeError):
        return None  # damaged: start over (the endpoint recognises pages sent before by their Id)


def save_position(root: Path, pos: Position) -> None:
    try:
        # atomic, not flushed: a killed run loses nothing; after a power loss a page may be sent
        # again, and the endpoint knows it by its Id
        write_all([(position_file(root, pos.table), json.dumps(asdict(pos), indent=2, sort_keys=True) + "\n")],
                  durable=False)
    except OSError as exc:
        raise os_error(exc, position_file(root, pos.table), "save the backfill position") from None


def parse_since(text: str) -> str:
    """--since as a date-time literal with its offset (Z when none); anything else is refused."""
    from ..acumatica.odata import ODataError, date_time_literal

    try:
        return date_time_literal(text)
    except ODataError:
        raise InputError(f"--since {text!r} is not an ISO date or date-time", hint="e.g. --since 2026-01-01, "
                         "--since 2026-01-01T08:00:00+02:00, or --since last") from None


def resolve_since(since: str | None, previous: Position | None) -> str | None:
    if since != "last":
        return parse_since(since) if since else None
    if previous is None or not previous.last_done_mod:
        raise InputError("--since last: no finished backfill of this table to continue from",
                         hint="run a full backfill first, or give --since 2026-01-01")
    moment = datetime.fromisoformat(previous.last_done_mod[:19]) - SINCE_OVERLAP
    return moment.replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def starting_position(root: Path, defn: TableDef, source: str, opts: Options, shown: str = ""
                      ) -> tuple[Position, bool]:
    """(where to start, whether it resumes an interrupted run). An interrupted run continues only
    from the same input (the same instance and tenant, or the same file with the same content);
    another input is refused until --restart, never continued at the old position."""
    previous = load_position(root, defn.table)
    since = resolve_since(opts.since, previous)
    if previous and not previous.done and not opts.restart and previous.source != source:
        was = previous.source.split("#", 1)[0].removeprefix("file:").removeprefix("odata:")
        raise InputError(f"an interrupted backfill of '{defn.table}' from {was} stopped after {previous.sent} rows "
                         f"sent; this run reads {shown or 'another input'}, which is another input (or the file "
                         "changed since), so it cannot continue where that one stopped",
                         path=position_file(root, defn.table),
                         hint="give the same input to continue, or pass --restart to start over from this one's "
                              "first row (rows sent before are sent again: the endpoint replaces them by key)")
    if (previous and not previous.done and not opts.restart and previous.source == source
            and previous.since == since):
        return previous, True
    return Position(defn.table, source, since=since,
                    last_done_mod=previous.last_done_mod if previous else None), False


def backfill_table(root: Path, defn: TableDef, source: Source, send: Send, opts: Options, company: str,
                   report: Report) -> TableResult:
    source.check(defn)
    pos, resumed = starting_position(root, defn, source.name, opts, source.shown)
    started = time.monotonic()
    result = TableResult(defn.table, 0, 0, 0, 0, 0.0, resumed, pos.since)
    for raw_rows, advance in source.pages(defn, pos, pos.since, opts.batch_size):
        for chunk, consumed in _chunks(defn, list(raw_rows), opts.max_bytes):
            rows = [r for r in (shaped(defn, raw, source) for raw in chunk) if r is not None]
            body = _body(defn, rows, chunk, company, pos)
            if rows and not opts.dry_run:  # a dry run keeps no page: memory stays flat
                send(defn, body)
            result.first_row = result.first_row or (rows[0] if rows else None)
            pos.read += len(chunk)
            pos.sent += len(rows)
            pos.skipped += len(chunk) - len(rows)
            pos.pages += 1
            mods = [r["_mod"] for r in rows if isinstance(r.get("_mod"), str)]
            pos.max_mod = max([m for m in (pos.max_mod, *mods) if m], default=None)
            advance(consumed)
            result.read, result.sent, result.skipped = result.read + len(chunk), result.sent + len(rows), \
                result.skipped + len(chunk) - len(rows)
            result.pages += 1
            if not opts.dry_run:
                save_position(root, pos)
            report(defn.table, result.read, result.sent, time.monotonic() - started)
    summary = source.summary
    result.read += len(summary.bad)  # refused rows were read too: the count is the file's
    result.refused = dict(summary.reasons)
    result.missing_columns, result.ignored_columns = summary.missing_columns, summary.unknown_columns
    result.warnings = list(summary.warnings)
    pos.done = True
    pos.last_done_mod = pos.max_mod or pos.last_done_mod
    if not opts.dry_run:
        save_position(root, pos)
    result.seconds = time.monotonic() - started
    return result


def shaped(defn: TableDef, raw: dict[str, Any], source: Source, *, sending: bool = True) -> dict[str, Any] | None:
    """The row as a push carries it, or an error naming its key: a value its column cannot hold
    (OData rows are not read ahead as a file's are), or a row larger than Jigx keeps."""
    then = "; the pages before it were sent, this one was not" if sending else "; nothing was sent"
    again = "run backfill again: it continues where it stopped" if sending else "run reconcile again"
    try:
        row = push_row(defn, raw)
    except BadValue as exc:
        raise InputError(f"{defn.table}: the row ({key_text(defn, raw)}) from {source.shown}: {exc.problem}{then}",
                         hint=(exc.fix + "; " if exc.fix else "") + f"fix the value in Acumatica, then {again}"
                         ) from None
    too_big = row_size_problem(row) if row else None
    if too_big:
        raise InputError(f"{defn.table}: the row ({key_text(defn, raw)}) from {source.shown}: {too_big}{then}",
                         hint="shorten its longest values in Acumatica, or leave a long column out of the definition")
    return row


def _chunks(defn: TableDef, rows: list[dict[str, Any]], max_bytes: int) -> Iterator[tuple[list[dict[str, Any]], int]]:
    """The page split so that each POST stays under max_bytes; (rows, how many of the page).
    A page that fits (the usual case) is measured once, not row by row."""
    if len(json.dumps(rows, ensure_ascii=False)) + 200 <= max_bytes:
        yield rows, len(rows)
        return
    chunk: list[dict[str, Any]] = []
    size = 200  # the envelope
    for raw in rows:
        row_size = len(json.dumps(raw, ensure_ascii=False)) + 1
        if chunk and size + row_size > max_bytes:
            yield chunk, len(chunk)
            chunk, size = [], 200
        chunk.append(raw)
        size += row_size
    if chunk:
        yield chunk, len(chunk)


def _body(defn: TableDef, rows: list[dict[str, Any]], raw: list[dict[str, Any]], company: str,
          pos: Position) -> dict[str, Any]:
    first = json.dumps([raw[0].get(k) for k in defn.key], ensure_ascii=False, default=str)
    last = json.dumps([raw[-1].get(k) for k in defn.key], ensure_ascii=False, default=str)
    page_id = stable_uuid(defn.table, "backfill", pos.source, pos.since or "", first, last, str(len(raw)))
    return contract.notification(defn, inserted=rows, deleted=[], company=company, notification_id=page_id,
                                 moment=datetime.now(UTC))


def missing_error(defn: TableDef, missing: list[str], where: str, hint: str) -> ToolError:
    return InputError(f"{where} lacks the column(s) {', '.join(missing)} of '{defn.table}': a push replaces the whole "
                      "row in Jigx, so a missing column would be sent as null (the key "
                      f"{', '.join(defn.key)} and _mod are always needed); nothing was sent", hint=hint)
