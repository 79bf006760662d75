"""The local endpoint's store: Acumatica notifications applied to SQLite, each row with a Jigx row
id (rid) and times, so the endpoint can answer the Data API's row routes.

How Jigx's own endpoint stores rows is not documented, so the store has two switches, and every
command is tested against each: rows "upsert" (the default: one row per key, the definition's key
columns, trimmed as Acumatica pads segmented keys; older data never overwrites newer) or "append"
(every inserted row is a new row); deleted "remove" (the default: a row in Deleted only, or with
`_del` true, goes) or "ignore" (Deleted is ignored and `_del` is stored like any column). An
update (the old row in Deleted, the new one in Inserted) is one upsert either way; a notification
seen before (same Query and Id) is ignored."""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

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


RowsMode = Literal["upsert", "append"]
DeletedMode = Literal["remove", "ignore"]
LOCAL_USER = "00000000-0000-4000-8000-00000000000a"  # createdBy/updatedBy of every local row
COLUMNS = ("rid TEXT PRIMARY KEY, key TEXT, data TEXT, ts INTEGER, mod TEXT, deleted INTEGER NOT NULL DEFAULT 0, "
           "created TEXT, updated TEXT")


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class StoredRow:
    """A row as the Data API lists it."""

    rid: str
    content: dict[str, Any]
    created: str
    updated: str
    table: str

    def item(self) -> dict[str, Any]:
        return {"rid": self.rid, "content": self.content, "createdAt": self.created, "createdBy": LOCAL_USER,
                "updatedAt": self.updated, "updatedBy": LOCAL_USER, "tableId": self.table}


class Store:
    def __init__(self, path: str | Path, tables: dict[str, TableDef], declared: set[str] | None = None, *,
                 rows: RowsMode = "upsert", deleted: DeletedMode = "remove") -> None:
        self.tables = tables
        self.names = sorted(set(tables) | set(declared or ()))
        self.rows_mode, self.deleted_mode = rows, deleted
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
            columns = [r[1] for r in self.db.execute(f'PRAGMA table_info("{name}")')]
            if columns and "rid" not in columns:  # written by a serve without row ids: give each one
                self._add_rids(name)
            self.db.execute(f'CREATE TABLE IF NOT EXISTS "{name}" ({COLUMNS})')
            self.db.execute(f'CREATE INDEX IF NOT EXISTS "{name}__key" ON "{name}" (key)')

    def _add_rids(self, name: str) -> None:
        old = f"{name}__old"
        self.db.execute(f'ALTER TABLE "{name}" RENAME TO "{old}"')
        self.db.execute(f'CREATE TABLE "{name}" ({COLUMNS})')
        now = now_text()
        for key, data, ts, mod, deleted in self.db.execute(f'SELECT key, data, ts, mod, deleted FROM "{old}"'
                                                           ).fetchall():
            self.db.execute(f'INSERT INTO "{name}" VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
                            (self._rid(name, key), key, data, ts, mod, deleted, now, now))
        self.db.execute(f'DROP TABLE "{old}"')

    def _rid(self, table: str, key: str) -> str:
        """Upsert: a row's id follows from its key; append: every row is new."""
        if self.rows_mode == "append":
            return str(uuid.uuid4())
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:jigx-acumatica:local:{table}:{key}"))

    def close(self) -> None:
        self.db.close()

    def rows(self, table: str) -> list[dict[str, Any]]:
        """Every live row's content, in key order."""
        with self.lock:
            cur = self.db.execute(f'SELECT data FROM "{table}" WHERE deleted = 0 ORDER BY key, rid')
            return [json.loads(r[0]) for r in cur.fetchall()]

    def page(self, table: str, limit: int, after: str | None) -> tuple[list[StoredRow], str | None]:
        """Live rows in rid order after the rid `after`, at most limit; and the last rid when more follow."""
        with self.lock:
            cur = self.db.execute(f'SELECT rid, data, created, updated FROM "{table}" WHERE deleted = 0 AND rid > ? '
                                  "ORDER BY rid LIMIT ?", (after or "", limit + 1))
            found = cur.fetchall()
        rows = [StoredRow(r, json.loads(d), c, u, table) for r, d, c, u in found[:limit]]
        return rows, (rows[-1].rid if len(found) > limit else None)

    def get(self, table: str, rid: str) -> StoredRow | None:
        with self.lock:
            found = self.db.execute(f'SELECT rid, data, created, updated FROM "{table}" WHERE deleted = 0 AND rid = ?',
                                    (rid,)).fetchone()
        return StoredRow(found[0], json.loads(found[1]), found[2], found[3], table) if found else None

    def delete(self, table: str, rids: list[str]) -> int:
        """Delete rows by id (as the Data API does): how many were there."""
        with self.lock:
            marks = ",".join("?" * len(rids))
            cur = self.db.execute(f'UPDATE "{table}" SET deleted = 1, updated = ? WHERE deleted = 0 AND rid IN '
                                  f"({marks})", (now_text(), *rids)) if rids else None
            return cur.rowcount if cur is not None else 0

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
                self._write(table, content_key(row), row, ts, result, delete=delete or row.get("_del") is True)

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
        if delete and self.deleted_mode == "ignore":
            if row.get("_del") is not True:
                return result.ignore("a row in Deleted (this endpoint ignores them: --deleted ignore)")
            delete = False  # _del is stored like any other column
        mod = _mod_key(row.get("_mod"))
        now = now_text()
        stored = json.dumps(row, ensure_ascii=False)  # the document as sent; only the key index is trimmed
        if self.rows_mode == "append" and not delete:
            result.inserted += 1
            self.db.execute(f'INSERT INTO "{table}" VALUES (?, ?, ?, ?, ?, 0, ?, ?)',
                            (self._rid(table, key), key, stored, ts, mod, now, now))
            return
        current = self.db.execute(f'SELECT rid, ts, mod, deleted FROM "{table}" WHERE key = ? ORDER BY deleted, '
                                  "updated DESC LIMIT 1", (key,)).fetchone()
        if current is not None and self.rows_mode == "upsert":
            _, cur_ts, cur_mod, _ = current
            if ts < (cur_ts or 0) or (mod and cur_mod and mod < cur_mod):
                return result.ignore("older than the stored row (out of order)")
        if delete:
            if current is None or current[3]:
                result.ignore("delete of a row that is not there")
            else:
                result.deleted += 1
            if current is None:  # a tombstone: an older insert arriving late must not bring it back
                self.db.execute(f'INSERT INTO "{table}" VALUES (?, ?, ?, ?, ?, 1, ?, ?)',
                                (self._rid(table, key), key, stored, ts, mod, now, now))
            else:
                self.db.execute(f'UPDATE "{table}" SET data = ?, ts = ?, mod = ?, deleted = 1, updated = ? '
                                "WHERE key = ?", (stored, ts, mod, now, key))
            return
        if current is None:
            result.inserted += 1
            self.db.execute(f'INSERT INTO "{table}" VALUES (?, ?, ?, ?, ?, 0, ?, ?)',
                            (self._rid(table, key), key, stored, ts, mod, now, now))
            return
        result.inserted += 1 if current[3] else 0
        result.updated += 0 if current[3] else 1
        self.db.execute(f'UPDATE "{table}" SET data = ?, ts = ?, mod = ?, deleted = 0, updated = ? WHERE rid = ?',
                        (stored, ts, mod, now, current[0]))
