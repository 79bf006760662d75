"""The local endpoint's store: Acumatica notifications applied to SQLite the way a receiver must.

One SQLite table per Dynamic Data table, keyed by the definition's key columns (trimmed, since
Acumatica pads segmented keys). Deleted rows are handled before Inserted ones, so an update (the
old row in Deleted, the new one in Inserted) becomes one upsert; `_del` true is a delete;
a notification seen before (same Query and Id) is ignored; older data never overwrites newer."""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..definition import TableDef
from ..errors import InputError
from ..push_contract import row_key


@dataclass
class Applied:
    table: str
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    ignored: int = 0
    reasons: list[str] = field(default_factory=list)
    duplicate: bool = False

    def ignore(self, why: str) -> None:
        self.ignored += 1
        if why not in self.reasons:
            self.reasons.append(why)

    def log_line(self) -> str:
        why = f" ({'; '.join(self.reasons)})" if self.reasons else ""
        return (f"table={self.table} inserted={self.inserted} updated={self.updated} deleted={self.deleted} "
                f"ignored={self.ignored}{why}")


def _mod_key(value: Any) -> str | None:
    """_mod as a sortable string (fractions padded), or None when absent or not a datetime."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value[:26] if len(value) > 26 else value)
    except ValueError:
        return None
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds")


def content_key(row: dict[str, Any]) -> str:
    """The key of a row in a table declared without a definition: its whole content. Each
    distinct row is kept, and a row in Deleted removes the identical one (so an update, a
    Deleted and an Inserted half, replaces the old row with the new)."""
    return json.dumps(row, sort_keys=True, ensure_ascii=False)


class Store:
    def __init__(self, path: str | Path, tables: dict[str, TableDef], declared: set[str] | None = None) -> None:
        self.tables = tables
        self.names = sorted(set(tables) | set(declared or ()))
        self.lock = threading.Lock()  # one writer at a time; SQLite serialises too, this avoids busy errors
        try:
            self.db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        except sqlite3.Error as exc:
            raise InputError(f"cannot open the SQLite file: {exc}", path=path,
                             hint="check that the folder exists and is writable, or name another --db file") from None
        try:
            self._create(str(path) == ":memory:")
        except sqlite3.Error as exc:
            self.db.close()
            raise InputError(f"cannot use this file as the endpoint's SQLite database: {exc}", path=path,
                             hint="name a new file, or an SQLite file written by 'jigx-acumatica serve'") from None

    def _create(self, in_memory: bool) -> None:
        self.db.execute("PRAGMA journal_mode=MEMORY" if in_memory else "PRAGMA journal_mode=WAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS _notifications (query TEXT, id TEXT, table_name TEXT, "
                        "received TEXT DEFAULT CURRENT_TIMESTAMP, PRIMARY KEY (query, id))")
        for name in self.names:
            self.db.execute(f'CREATE TABLE IF NOT EXISTS "{name}" (key TEXT PRIMARY KEY, data TEXT, ts INTEGER, '
                            "mod TEXT, deleted INTEGER NOT NULL DEFAULT 0)")

    def close(self) -> None:
        self.db.close()

    def rows(self, table: str) -> list[dict[str, Any]]:
        with self.lock:
            cur = self.db.execute(f'SELECT data FROM "{table}" WHERE deleted = 0 ORDER BY key')
            return [json.loads(r[0]) for r in cur.fetchall()]

    def apply(self, table: str, body: dict[str, Any]) -> Applied:
        defn = self.tables.get(table)
        result = Applied(table)
        ts: int = body["TimeStamp"] if isinstance(body.get("TimeStamp"), int) else 0
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                if not self._first_time(body, table):
                    result.duplicate = True
                    result.ignored = len(body["Inserted"]) + len(body["Deleted"])
                    result.reasons.append("duplicate notification (same Query and Id)")
                elif defn is None:
                    self._apply_by_content(table, body, ts, result)
                else:
                    self._apply_rows(defn, body, ts, result)
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
        return result

    def _first_time(self, body: dict[str, Any], table: str) -> bool:
        notification_id = body.get("Id")
        if not isinstance(notification_id, str) or not notification_id:
            return True  # nothing to deduplicate on
        cur = self.db.execute("INSERT OR IGNORE INTO _notifications (query, id, table_name) VALUES (?, ?, ?)",
                              (body["Query"], notification_id.lower(), table))
        return cur.rowcount == 1

    def _apply_rows(self, defn: TableDef, body: dict[str, Any], ts: int, result: Applied) -> None:
        inserted_keys = {row_key(defn, r) for r in body["Inserted"] if isinstance(r, dict)}
        for row in body["Deleted"]:
            key = self._key_or_ignore(defn, row, result)
            if key is None or key in inserted_keys:
                continue  # the old half of an update: its new half below replaces it
            self._write(defn.table, key, row, ts, result, delete=True)
        for row in body["Inserted"]:
            key = self._key_or_ignore(defn, row, result)
            if key is not None:
                self._write(defn.table, key, row, ts, result, delete=row.get("_del") is True)

    def _apply_by_content(self, table: str, body: dict[str, Any], ts: int, result: Applied) -> None:
        """A declared table with no definition: no key is known, so a row is its content."""
        for half, delete in ((body["Deleted"], True), (body["Inserted"], False)):
            for row in half:
                if not isinstance(row, dict):
                    result.ignore("row is not an object")
                    continue
                self._write(table, content_key(row), row, ts, result, delete=delete)

    @staticmethod
    def _key_or_ignore(defn: TableDef, row: Any, result: Applied) -> str | None:
        if not isinstance(row, dict):
            result.ignore("row is not an object")
            return None
        key = row_key(defn, row)
        if key is None:
            result.ignore(f"empty or missing key ({', '.join(defn.key)})")
        return key

    def _write(self, table: str, key: str, row: dict[str, Any], ts: int, result: Applied, *, delete: bool) -> None:
        mod = _mod_key(row.get("_mod"))
        current = self.db.execute(f'SELECT ts, mod, deleted FROM "{table}" WHERE key = ?', (key,)).fetchone()
        if current is not None:
            cur_ts, cur_mod, cur_deleted = current
            if ts < (cur_ts or 0) or (mod and cur_mod and mod < cur_mod):
                result.ignore("older than the stored row (out of order)")
                return
        stored = json.dumps(row, ensure_ascii=False)  # the document as sent; only the key index is trimmed
        if delete:
            if current is None or current[2]:
                result.ignore("delete of a row that is not there")
            else:
                result.deleted += 1
            self.db.execute(f'INSERT INTO "{table}" (key, data, ts, mod, deleted) VALUES (?, ?, ?, ?, 1) '
                            "ON CONFLICT(key) DO UPDATE SET data=excluded.data, ts=excluded.ts, mod=excluded.mod, "
                            "deleted=1", (key, stored, ts, mod))
            return
        if current is None or current[2]:
            result.inserted += 1
        else:
            result.updated += 1
        self.db.execute(f'INSERT INTO "{table}" (key, data, ts, mod, deleted) VALUES (?, ?, ?, ?, 0) '
                        "ON CONFLICT(key) DO UPDATE SET data=excluded.data, ts=excluded.ts, mod=excluded.mod, "
                        "deleted=0",
                        (key, stored, ts, mod))
