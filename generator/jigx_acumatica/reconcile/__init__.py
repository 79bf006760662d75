"""reconcile: compare what Acumatica holds with what Jigx holds, table by table, and repair the gaps.

Acumatica's side is read as backfill reads it (the inquiry over OData, or a file), shaped as
backfill shapes it; Jigx's side through the Data API. Both go to an on-disk index (index.py), so
memory stays flat whatever the size. Per table: rows in Acumatica, in Jigx, missing in Jigx,
stale (Jigx's `_mod` older), orphaned (in Jigx only) and duplicated (several Jigx rows for a key).

--repair sends the missing and stale rows through the CDC endpoint, as this run read them, and the
orphans as rows in Deleted (or, where verify --probe found the endpoint ignores Deleted, deletes
them by rid); duplicates are deleted by rid only with --force, keeping the newest. Each page of a
repair is marked once the endpoint acknowledged it: a killed repair resumes from there."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .. import push_contract as contract
from ..backfill.run import Position, Source, shaped
from ..definition import TableDef
from ..fsutil import locked, write_all
from ..jigx.data_api import DataApi, Row
from ..jigx.probe import load_behaviour
from ..layout import STATE_DIR
from ..naming import stable_uuid
from ..tenancy import Feed, Tenant
from .index import Counts, Index

RECONCILE_DIR = f"{STATE_DIR}/reconcile"
Send = Callable[[TableDef, dict[str, Any]], None]


@dataclass
class Run:
    """One tenant's tables, read from one source."""

    tenant: Tenant
    feeds: list[Feed]
    source: Source


@dataclass
class Jigx:
    """Where Jigx's side is read (the Data API) and where repairs are pushed (the CDC endpoint)."""

    api: DataApi
    send: Send
    endpoint: str | None = None  # the CDC base URL, to find what verify --probe learned of it


@dataclass
class Options:
    repair: bool = False
    force: bool = False  # with repair: duplicates deleted by rid, the newest kept
    dry_run: bool = False  # with repair: say what would be sent, send nothing
    batch_size: int = 500
    max_deletes: int | None = None  # with repair: the most Jigx rows a table's repair may delete


# A repair deleting more than this share of a table's Jigx rows, or more than this many, is held
# back unless --max-deletes allows it: a partial or filtered export looks like mass deletion.
DELETE_SHARE = 0.10
DELETE_CAP = 500


@dataclass
class TableReport:
    table: str
    tenant: str | None
    counts: Counts
    sample: dict[str, list[Any]]
    repair: dict[str, int] = field(default_factory=dict)  # what was (or would be) sent
    resumed: bool = False
    notes: list[str] = field(default_factory=list)
    held_back: str = ""  # why the repair was not sent (the delete bound)
    would_delete: int = 0
    unreadable: int = 0  # rows of the file refused (--skip-bad-rows): their keys are left alone

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"table": self.table, "agree": self.counts.agree, **self.counts.__dict__,
                               "sample": self.sample}
        if self.tenant:
            out["tenant"] = self.tenant
        if self.repair:
            out["repair"] = self.repair
        if self.resumed:
            out["resumed"] = True
        if self.notes:
            out["notes"] = self.notes
        if self.held_back:
            out["held_back"], out["would_delete"] = self.held_back, self.would_delete
        if self.unreadable:
            out["refused_rows"] = self.unreadable
        return out


def reconcile(root: Path, runs: list[Run], jigx: Jigx, options: Options, *, lock_timeout: float = 10.0,
              report: Callable[[TableReport], None] = lambda _: None) -> list[TableReport]:
    out = []
    with locked(root, lock_timeout):
        for run in runs:
            for feed in run.feeds:
                result = reconcile_table(root, feed, run.source, jigx, options)
                out.append(result)
                report(result)
    return out


def index_path(root: Path, table: str) -> Path:
    return root / RECONCILE_DIR / f"{table}.sqlite"


def reconcile_table(root: Path, feed: Feed, source: Source, jigx: Jigx, options: Options) -> TableReport:
    defn = feed.defn
    with ExitStack() as stack:
        index = Index(index_path(root, defn.table), keep_rows=options.repair)
        stack.callback(index.close)
        resumed = False
        if options.repair and not options.dry_run and index.get("source") == source.name and index.has_pending():
            _send_pages(index, defn, jigx)  # a killed repair of the same input: finish it first
            resumed = True
        index.reset(source.name)
        gone = _read_both(index, defn, source, jigx.api, options.batch_size)
        result = TableReport(defn.table, feed.tenant.name if feed.tenant.among_several else None,
                             index.counts(gone), index.sample(), resumed=resumed,
                             unreadable=len(source.summary.bad))
        if options.repair and not result.counts.agree:
            _plan_repair(root, index, feed, options, result, jigx)
            if not options.dry_run:
                _send_pages(index, defn, jigx)
    _record(root, result, source)
    index_path(root, defn.table).unlink(missing_ok=True)  # finished: nothing to resume
    return result


AHEAD = 4  # Jigx pages read ahead while Acumatica's are read: memory stays bounded


def _read_both(index: Index, defn: TableDef, source: Source, api: DataApi, batch: int) -> int:
    """Both sides into the index, read at the same time: Jigx's pages come from a thread (at most
    AHEAD waiting) and are written between Acumatica's. Returns Jigx's rows with _del true."""
    import queue
    import threading

    pages: queue.Queue[list[Row] | BaseException | None] = queue.Queue(maxsize=AHEAD)
    stop = threading.Event()

    def read_jigx() -> None:
        try:
            for page in api.pages(defn.table):
                while not stop.is_set():
                    try:
                        pages.put(page, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            pages.put(None)
        except BaseException as exc:  # handed to the reading thread, which raises it
            pages.put(exc)

    gone, done = 0, False

    def take(block: bool) -> None:
        nonlocal gone, done
        while not done:
            try:
                item = pages.get(block=block)
            except queue.Empty:
                return
            if item is None:
                done = True
            elif isinstance(item, BaseException):
                raise item
            else:
                gone += index.add_jigx(defn, [(r.rid, r.content, r.updated_at) for r in item])

    reader = threading.Thread(target=read_jigx, name="reconcile-jigx", daemon=True)
    source.check(defn)
    reader.start()
    try:
        position = Position(defn.table, source.name)
        for raw_rows, advance in source.pages(defn, position, None, batch):
            rows = (shaped(defn, raw, source, sending=False) for raw in raw_rows)
            index.add_acumatica(defn, [r for r in rows if r is not None])
            advance(len(raw_rows))
            take(block=False)
        held = getattr(source, "refused_keys", None)
        if held is not None:  # rows of a file refused under --skip-bad-rows: neither missing nor orphaned
            index.add_held(defn, list(held(defn)))
        take(block=True)
    finally:
        stop.set()
        reader.join(timeout=30)
    return gone


def _chunks(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _plan_repair(root: Path, index: Index, feed: Feed, options: Options, result: TableReport, jigx: Jigx
                 ) -> None:
    """The repair's pages, in the index: rows to push, orphans in Deleted (or by rid), duplicates
    by rid with --force."""
    defn, company = feed.defn, feed.tenant.company_id
    run_id = datetime.now(UTC).isoformat()
    seq = 0

    def body(inserted: list[dict[str, Any]], deleted: list[dict[str, Any]]) -> dict[str, Any]:
        nonlocal seq
        seq += 1
        return contract.notification(defn, inserted=inserted, deleted=deleted, company=company,
                                     notification_id=stable_uuid(defn.table, "reconcile", run_id, str(seq)),
                                     moment=datetime.now(UTC))

    behaviour = load_behaviour(root, defn.table, jigx.endpoint) or {}
    by_rid = behaviour.get("deleted_removes") is False
    extras = index.duplicate_extras() if result.counts.duplicated else []
    deletes = index.orphan_rows() + (len(extras) if options.force else 0)
    held = _over_bound(deletes, result.counts.jigx, options.max_deletes)
    if held:
        result.held_back, result.would_delete = held, deletes
        return
    sent = {"rows": 0, "deleted": 0, "deleted_by_rid": 0, "duplicates_removed": 0}
    for chunk in _chunks(index.rows_to_send(), options.batch_size):
        index.add_page("push", body(chunk, []), len(chunk))
        sent["rows"] += len(chunk)
    if by_rid and result.counts.orphaned:
        result.notes.append("verify --probe found this endpoint keeps rows sent in Deleted: orphans are deleted by rid")
    for chunk in _chunks(index.orphans(), options.batch_size):
        if by_rid:
            continue
        index.add_page("push", body([], chunk), len(chunk))
        sent["deleted"] += len(chunk)
    if by_rid:
        rids = _orphan_rids(index)
        index.add_page("delete", rids, len(rids))
        sent["deleted_by_rid"] = len(rids)
    if extras and options.force:
        index.add_page("delete", extras, len(extras))
        sent["duplicates_removed"] = len(extras)
    elif extras:
        result.notes.append(f"{len(extras)} duplicate row(s) kept: --force deletes them by rid, keeping the newest "
                            "row of each key")
    result.repair = {k: v for k, v in sent.items() if v}


def _over_bound(deletes: int, jigx_rows: int, allowed: int | None) -> str:
    """Why a repair deleting this many of a table's Jigx rows is held back ('' when it is not)."""
    if allowed is not None:
        return f"it would delete {deletes} Jigx rows, more than --max-deletes {allowed}" if deletes > allowed else ""
    if deletes > DELETE_CAP or (deletes and deletes > DELETE_SHARE * jigx_rows):
        return (f"it would delete {deletes} of the table's {jigx_rows} Jigx rows (more than "
                f"{int(DELETE_SHARE * 100)}%, or more than {DELETE_CAP}): a source that holds only part of the table "
                "(a partial or filtered export) is the usual cause")
    return ""


def _orphan_rids(index: Index) -> list[str]:
    return [rid for (rid,) in index.db.execute(f"SELECT rid FROM jigx WHERE key IN ({index.ORPHANED}) ORDER BY rid")]


def _send_pages(index: Index, defn: TableDef, jigx: Jigx) -> None:
    for seq, kind, body, _ in index.pending():
        if kind == "push":
            jigx.send(defn, body)
        else:
            jigx.api.delete_many(defn.table, body)
        index.sent(seq)


def _record(root: Path, result: TableReport, source: Source) -> None:
    """The last reconcile of a table, for status: when, from what, and what it found."""
    path = root / RECONCILE_DIR / f"{result.table}.json"
    data = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "source": source.shown, **result.as_dict()}
    write_all([(path, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")])
