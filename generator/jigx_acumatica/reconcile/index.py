"""The on-disk index reconcile compares the two sides in: every key and `_mod` of Acumatica's rows
and of Jigx's, in an SQLite file, never a whole table in memory. Neither side can be read in the
other's key order (the Data API lists by row id), so both are spilled to disk a page at a time and
compared by SQL. With a repair planned, the index also holds the rows to send and, per page of
the repair, whether the endpoint acknowledged it: a killed repair resumes from there."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..definition import Column, TableDef
from ..push_contract import row_key
from ..rows import BadValue
from ..rows.shape import typed

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS acu (key TEXT PRIMARY KEY, mod TEXT, row TEXT);
CREATE TABLE IF NOT EXISTS jigx (rid TEXT, key TEXT, mod TEXT, updated TEXT, content TEXT);
CREATE TABLE IF NOT EXISTS held (key TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS todo (seq INTEGER PRIMARY KEY, kind TEXT, body TEXT, rows INTEGER, done INTEGER DEFAULT 0);
"""
SAMPLE = 10  # keys listed per kind of drift


def mod_key(value: Any) -> str | None:
    """_mod as comparable text: the wall-clock time (an offset, where one is written, is dropped:
    Acumatica's values are its local time without one), fractions to microseconds."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    if "." in text:  # Python reads at most six fraction digits; Acumatica writes up to seven
        head, _, rest = text.partition(".")
        digits = "".join(ch for ch in rest if ch.isdigit())
        text = f"{head}.{digits[:6]}{rest[len(digits):]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds")


def key_of(defn: TableDef, row: dict[str, Any]) -> str | None:
    """The row's key compared alike on both sides: each key value typed as its column (a decimal
    sent as "10.000000" and one stored as 10 are one key), padding trimmed."""
    cols = {c.name: c for c in defn.columns}
    return row_key(defn, {k: _typed_or_as_is(row.get(k), cols[k]) if k in cols else row.get(k) for k in defn.key})


def _typed_or_as_is(value: Any, col: Column) -> Any:
    """A key value typed as its column; one its column cannot hold (a row stored by hand) as it is."""
    try:
        return typed(value, col)
    except BadValue:
        return value


@dataclass
class Counts:
    acumatica: int = 0
    jigx: int = 0
    missing: int = 0  # in Acumatica, not in Jigx
    stale: int = 0  # in both, Jigx's _mod older
    orphaned: int = 0  # in Jigx only (keys)
    duplicated: int = 0  # keys with several rows in Jigx
    unkeyed: int = 0  # Jigx rows without the key columns
    deleted_in_jigx: int = 0  # Jigx rows with _del true (gone for the app)

    @property
    def agree(self) -> bool:
        return not (self.missing or self.stale or self.orphaned or self.duplicated or self.unkeyed)


class Index:
    def __init__(self, path: Path, *, keep_rows: bool) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.keep_rows = path, keep_rows
        self.db = sqlite3.connect(str(path), isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")  # a scratch index: a killed process loses no commit
        self.db.execute("PRAGMA cache_size=-2048")  # 2 MiB of pages, and sorts in files: memory stays flat
        self.db.execute("PRAGMA temp_store=FILE")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def reset(self, source: str) -> None:
        self.db.execute("DROP INDEX IF EXISTS jigx_key")
        for table in ("acu", "jigx", "held", "todo", "meta"):
            self.db.execute(f"DELETE FROM {table}")
        self.set("source", source)

    def get(self, name: str) -> str | None:
        found = self.db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return found[0] if found else None

    def set(self, name: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, value))

    # --- filling ----------------------------------------------------------------------------------

    def add_acumatica(self, defn: TableDef, rows: list[dict[str, Any]]) -> None:
        """Rows as backfill shapes them (push_row): their key, _mod and (for a repair) the row."""
        # push_row typed the key values already
        batch = [(row_key(defn, r), mod_key(r.get("_mod")), json.dumps(r, ensure_ascii=False) if self.keep_rows
                  else None) for r in rows]
        self._many("INSERT OR REPLACE INTO acu VALUES (?, ?, ?)", [b for b in batch if b[0] is not None])

    def add_jigx(self, defn: TableDef, rows: list[tuple[str, dict[str, Any], str]]) -> int:
        """(rid, content, updatedAt) of Jigx's rows; those with _del true are gone for the app and
        left out. Returns how many were left out so."""
        batch, gone = [], 0
        for rid, content, updated in rows:
            if content.get("_del") is True:
                gone += 1
                continue
            batch.append((rid, key_of(defn, content), mod_key(content.get("_mod")), updated,
                          json.dumps(content, ensure_ascii=False) if self.keep_rows else None))
        self._many("INSERT INTO jigx VALUES (?, ?, ?, ?, ?)", batch)
        return gone

    def add_held(self, defn: TableDef, keys: list[dict[str, Any]]) -> None:
        """Keys of rows the source holds but could not give (refused): left alone by a repair."""
        self._many("INSERT OR IGNORE INTO held VALUES (?)",
                   [(k,) for k in (key_of(defn, row) for row in keys) if k is not None])

    def _many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """A page of rows in one transaction (each statement its own would sync per row)."""
        self.db.execute("BEGIN")
        try:
            self.db.executemany(sql, rows)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    # --- comparing --------------------------------------------------------------------------------

    MISSING = "SELECT a.key FROM acu a WHERE NOT EXISTS (SELECT 1 FROM jigx j WHERE j.key = a.key) ORDER BY a.key"
    # a key of a row the file could not give (refused under --skip-bad-rows) is no orphan
    STALE = ("SELECT a.key FROM acu a JOIN (SELECT key, MAX(mod) AS m FROM jigx WHERE key IS NOT NULL GROUP BY key) j "
             "ON j.key = a.key WHERE a.mod IS NOT NULL AND (j.m IS NULL OR j.m < a.mod) ORDER BY a.key")
    ORPHANED = ("SELECT DISTINCT j.key FROM jigx j WHERE j.key IS NOT NULL AND NOT EXISTS "
                "(SELECT 1 FROM acu a WHERE a.key = j.key) AND NOT EXISTS (SELECT 1 FROM held h WHERE h.key = j.key) "
                "ORDER BY j.key")
    DUPLICATED = "SELECT key FROM jigx WHERE key IS NOT NULL GROUP BY key HAVING COUNT(*) > 1 ORDER BY key"

    def _count(self, query: str) -> int:
        return int(self.db.execute(f"SELECT COUNT(*) FROM ({query})").fetchone()[0])

    def indexed(self) -> None:
        """Jigx's rows indexed by key once all are in (built at once, from sorted keys: faster
        than keeping the index up to date row by row in rid order, which is random)."""
        self.db.execute("CREATE INDEX IF NOT EXISTS jigx_key ON jigx (key)")

    def counts(self, deleted_in_jigx: int = 0) -> Counts:
        self.indexed()
        one = self.db.execute
        return Counts(acumatica=int(one("SELECT COUNT(*) FROM acu").fetchone()[0]),
                      jigx=int(one("SELECT COUNT(*) FROM jigx").fetchone()[0]),
                      missing=self._count(self.MISSING), stale=self._count(self.STALE),
                      orphaned=self._count(self.ORPHANED), duplicated=self._count(self.DUPLICATED),
                      unkeyed=int(one("SELECT COUNT(*) FROM jigx WHERE key IS NULL").fetchone()[0]),
                      deleted_in_jigx=deleted_in_jigx)

    def sample(self) -> dict[str, list[Any]]:
        """The first keys of each kind of drift, as the key values."""
        out = {}
        for name, query in (("missing", self.MISSING), ("stale", self.STALE), ("orphaned", self.ORPHANED),
                            ("duplicated", self.DUPLICATED)):
            out[name] = [json.loads(k) for (k,) in self.db.execute(f"{query} LIMIT {SAMPLE}")]
        return out

    # --- what a repair sends ----------------------------------------------------------------------

    def rows_to_send(self) -> Iterator[dict[str, Any]]:
        """Acumatica's rows that Jigx lacks or holds older, as read by this run."""
        query = f"SELECT row FROM acu WHERE key IN ({self.MISSING}) OR key IN ({self.STALE}) ORDER BY key"
        for (row,) in self.db.execute(query):
            yield json.loads(row)

    def orphan_rows(self) -> int:
        """How many Jigx rows hold an orphaned key (what deleting the orphans removes)."""
        return int(self.db.execute(f"SELECT COUNT(*) FROM jigx WHERE key IN ({self.ORPHANED})").fetchone()[0])

    def orphans(self) -> Iterator[dict[str, Any]]:
        """One Jigx row of each orphaned key (its content), to send in Deleted."""
        query = (f"SELECT content FROM jigx WHERE rid IN (SELECT MIN(rid) FROM jigx WHERE key IN ({self.ORPHANED}) "
                 "GROUP BY key) ORDER BY key")
        for (content,) in self.db.execute(query):
            yield json.loads(content)

    def duplicate_extras(self) -> list[str]:
        """Every row id of a duplicated key but its newest (by _mod, then updatedAt, then rid)."""
        query = ("SELECT rid FROM (SELECT rid, ROW_NUMBER() OVER (PARTITION BY key ORDER BY mod DESC, updated DESC, "
                 f"rid DESC) AS n FROM jigx WHERE key IN ({self.DUPLICATED})) WHERE n > 1 ORDER BY rid")
        return [rid for (rid,) in self.db.execute(query)]

    def add_page(self, kind: str, body: Any, rows: int) -> None:
        """One page of the repair, to send (kind: push, or delete for row ids)."""
        self.db.execute("INSERT INTO todo (kind, body, rows) VALUES (?, ?, ?)", (kind, json.dumps(body), rows))

    def pending(self) -> Iterator[tuple[int, str, Any, int]]:
        """The repair's pages not yet acknowledged, one at a time (a page's body is read when due)."""
        for (seq,) in list(self.db.execute("SELECT seq FROM todo WHERE done = 0 ORDER BY seq")):
            kind, body, rows = self.db.execute("SELECT kind, body, rows FROM todo WHERE seq = ?", (seq,)).fetchone()
            yield seq, kind, json.loads(body), rows

    def has_pending(self) -> bool:
        return self.db.execute("SELECT 1 FROM todo WHERE done = 0 LIMIT 1").fetchone() is not None

    def sent(self, seq: int) -> None:
        self.db.execute("UPDATE todo SET done = 1 WHERE seq = ?", (seq,))
