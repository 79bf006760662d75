"""A local endpoint with the contract of Jigx's Acumatica CDC endpoint, backed by SQLite.

POST /tool/organizations/{org}/solutions/{solution}/acumatica/cdc?table=T   (Bearer token)

and the Data API's routes a reader needs, with the shapes of Jigx's OpenAPI export
(docs/platform-facts.md, "Jigx's Data API"), under /data/organizations/{org}/solutions/{solution}
/databases/default: GET (the database), GET /tables/T/rows (limit, continuationToken), DELETE
/tables/T/rows ({rids}), GET and DELETE /tables/T/rows/{rid}.
Standard library only (http.server, sqlite3): it runs anywhere the tool is installed."""

from __future__ import annotations

import contextlib
import hmac
import json
import re
import secrets
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .. import naming
from ..definition import TableDef
from ..errors import printable
from ..push_contract import BodyError, oversized_row, parse_body
from .store import DeletedMode, RowsMode, Store

CDC_PATH = re.compile(r"^/tool/organizations/([^/]+)/solutions/([^/]+)/acumatica/cdc$")
DATA_PATH = re.compile(r"^/data/organizations/([^/]+)/solutions/([^/]+)/databases/default"
                       r"(?:/tables/([^/]+)/rows(?:/([^/]+))?)?$")
PAGE_DEFAULT, PAGE_MAX = 100, 500  # the real service's are not documented
POLL_SECONDS = 0.05
MAX_BODY = 10 * 1024 * 1024  # larger than any sane push (Jigx rows are ~350 KB at most)
# Acumatica sends notifications in bursts: connections queue in the kernel instead of being reset.
LISTEN_BACKLOG = 1024
MAX_THREADS = 256  # connections served at once (keep-alive ones included); the rest wait in the backlog
READ_TIMEOUT = 10.0  # seconds a connection may stay silent (slow, half-sent or idle keep-alive)


@dataclass
class EndpointConfig:
    tables: dict[str, TableDef]  # declared tables with a definition (needed for the key)
    declared: set[str]  # every table declared in databases/default.jigx
    token: str
    organization_id: str | None = None
    solution_id: str | None = None
    max_body: int = MAX_BODY
    log: Callable[[str], None] = print
    read_timeout: float = READ_TIMEOUT
    max_threads: int = MAX_THREADS
    company: str | None = None  # the solution's tenant: a push from another is flagged
    # with several tenants: each table's tenant's CompanyId (a push from another tenant is flagged)
    companies: dict[str, str] = field(default_factory=dict)
    rows: RowsMode = "upsert"  # how rows are stored: one per key, or every insert a new row
    deleted: DeletedMode = "remove"  # whether rows sent in Deleted (or with _del true) go

    def tenant_flag(self, table: str, company: str) -> str:
        """Why a push's CompanyId does not belong in this table ('' when it does)."""
        if self.companies:
            mine = self.companies.get(table)
            if company not in self.companies.values():
                return (f" FLAG: from tenant '{company}', which this solution does not declare (declare it under "
                        "tenants: in jigx-acumatica.yaml, or fix the push's CompanyId)")
            if mine is not None and company != mine:
                return (f" FLAG: from tenant '{company}' into '{table}', which is tenant '{mine}''s table: the "
                        "push definition of one tenant points at another's table (check its Address)")
            return ""
        if self.company and company != self.company:
            return (f" FLAG: from tenant '{company}', not this solution's '{self.company}' "
                    "(Jigx ignores CompanyId: the tenants' rows mix in one table)")
        return ""


def new_token() -> str:
    return "local-" + secrets.token_urlsafe(24)


class Handler(BaseHTTPRequestHandler):
    server_version = "jigx-acumatica-local"
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        self.request.settimeout(self.cfg.read_timeout)  # slow or silent clients cannot hold a thread forever
        # the headers and the body go out as two writes: with Nagle's algorithm the body waits for
        # the client's delayed ACK of the headers, about 40 ms a response
        with contextlib.suppress(OSError):
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().setup()

    @property
    def cfg(self) -> EndpointConfig:
        cfg: EndpointConfig = self.server.cfg  # type: ignore[attr-defined]
        return cfg

    def _log(self, line: str) -> None:
        """One log line per request; what came from the request cannot forge more lines."""
        self.cfg.log(printable(line))

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet: we log one line per request ourselves
        return

    def _send(self, status: int, payload: object | None = None) -> None:
        data = b"" if payload is None else json.dumps(payload).encode("utf-8")
        self.send_response(status)
        if payload is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str, table: str | None = None) -> None:
        self._log(f"{self.command} {status} table={table or '-'} rejected: {message}")
        self._send(status, {"error": message, "status": status})

    def _authorised(self) -> bool:
        header = self.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), self.cfg.token.encode())

    def _ids_known(self, org: str, solution: str) -> bool:
        if not (naming.UUID_RE.match(org) and naming.UUID_RE.match(solution)):
            return False
        return ((self.cfg.organization_id or org).lower() == org.lower()
                and (self.cfg.solution_id or solution).lower() == solution.lower())

    def do_POST(self) -> None:  # noqa: N802
        self._guard(self._post)

    def do_GET(self) -> None:  # noqa: N802
        self._guard(self._get)

    def do_DELETE(self) -> None:  # noqa: N802
        self._guard(self._delete)

    def do_PUT(self) -> None:  # noqa: N802
        self._guard(lambda: self._error(405, "method not allowed"))

    do_PATCH = do_PUT

    def _guard(self, action: Callable[[], None]) -> None:
        try:
            action()
        except (BrokenPipeError, ConnectionResetError):
            pass
        except TimeoutError:
            self.close_connection = True
            self._log(f"{self.command} 408 the request body did not arrive within {self.cfg.read_timeout:g} s")
        except Exception as exc:  # noqa: BLE001 - bad input must never take the endpoint down
            self._log(f"{self.command} 500 internal error: {type(exc).__name__}")
            try:
                self._send(500, {"error": "internal error", "status": 500})
            except OSError:
                pass

    def _post(self) -> None:
        url = urlsplit(self.path)
        m = CDC_PATH.match(url.path)
        if not m:
            return self._error(404, "no such endpoint")
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self.close_connection = True
            return self._error(411, "Content-Length required")
        if int(length) > self.cfg.max_body:
            self.close_connection = True
            return self._error(413, f"body larger than {self.cfg.max_body} bytes")
        raw = self.rfile.read(int(length))
        if not self._authorised():
            return self._error(401, "missing or invalid Bearer token")
        if not self._ids_known(*m.groups()):
            return self._error(404, "unknown organization or solution")
        tables = parse_qs(url.query).get("table", [])
        if len(tables) != 1 or not tables[0]:
            return self._error(400, "the table query parameter is required (?table=<table>)")
        table = tables[0]
        if table not in self.cfg.declared:
            return self._error(400, f"table '{table}' is not declared in databases/default.jigx", table)
        try:
            body = parse_body(raw.decode("utf-8"))
        except UnicodeDecodeError:
            return self._error(400, "the body is not valid UTF-8 JSON: it is not UTF-8 text", table)
        except BodyError as exc:
            return self._error(400, f"the body is not valid UTF-8 JSON ({exc})" if exc.syntax else str(exc), table)
        too_big = oversized_row(body)
        if too_big:
            return self._error(413, too_big, table)
        applied = self.server.store.apply(table, body)  # type: ignore[attr-defined]
        flag = self.cfg.tenant_flag(table, body["CompanyId"])
        self._log(f"POST 200 {applied.log_line()}{flag}")
        self._send(200)

    def _data_route(self) -> tuple[str | None, str | None] | None:
        """(table, rid) of a Data API route this endpoint serves, after the token and ids are
        checked; None when an error was sent."""
        m = DATA_PATH.match(urlsplit(self.path).path)
        if not m:
            self._error(404, "no such endpoint")
            return None
        if not self._authorised():
            self._error(401, "missing or invalid Bearer token")
            return None
        org, solution, table, rid = m.groups()
        if not self._ids_known(org, solution):
            self._error(404, "unknown organization or solution")
            return None
        if table is not None and table not in self.cfg.tables and table not in self.cfg.declared:
            self._error(404, f"no table '{table}'", table)
            return None
        return table, rid

    @property
    def store(self) -> Store:
        store: Store = self.server.store  # type: ignore[attr-defined]
        return store

    def _get(self) -> None:
        route = self._data_route()
        if route is None:
            return
        table, rid = route
        if table is None:
            return self._send(200, database_answer(sorted(self.cfg.declared | set(self.cfg.tables))))
        if rid is not None:
            row = self.store.get(table, rid)
            return self._send(200, row.item()) if row else self._error(404, f"no row '{rid}' in '{table}'", table)
        query = parse_qs(urlsplit(self.path).query)
        limit_text = (query.get("limit") or [str(PAGE_DEFAULT)])[0]
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= PAGE_MAX:
            return self._error(400, f"limit must be 1 to {PAGE_MAX}", table)
        token = query["continuationToken"][0] if query.get("continuationToken") else None
        if token is not None and not token.startswith(TOKEN_PREFIX):
            return self._error(400, "continuationToken is not one this endpoint gave", table)
        rows, last = self.store.page(table, int(limit_text), token[len(TOKEN_PREFIX):] if token else None)
        answer: dict[str, Any] = {"count": len(rows), "items": [r.item() for r in rows]}
        if last is not None:
            answer["continuationToken"] = TOKEN_PREFIX + last
        self._send(200, answer)

    def _delete(self) -> None:
        route = self._data_route()
        if route is None:
            return
        table, rid = route
        if table is None:
            return self._error(405, "method not allowed")
        if rid is not None:
            gone = self.store.delete(table, [rid])
            self._log(f"DELETE {204 if gone else 404} table={table} rid={rid}")
            return self._send(204) if gone else self._error(404, f"no row '{rid}' in '{table}'", table)
        length = self.headers.get("Content-Length", "")
        try:
            body = json.loads(self.rfile.read(int(length))) if length.isdigit() else None
        except ValueError:
            body = None
        rids = body.get("rids") if isinstance(body, dict) and set(body) == {"rids"} else None
        if not isinstance(rids, list) or not all(isinstance(r, str) and len(r) <= 100 for r in rids):
            return self._error(400, 'the body must be {"rids": [row ids]}', table)
        gone = self.store.delete(table, rids)
        self._log(f"DELETE 204 table={table} rids={len(rids)} deleted={gone}")
        self._send(204)


TOKEN_PREFIX = "lct-"  # continuation tokens look like the real ones (three letters, a dash)


def database_answer(tables: list[str]) -> dict[str, Any]:
    """GetDatabaseResponse; what the real content holds is not documented: here, the declared tables."""
    from .store import LOCAL_USER, now_text

    now = now_text()
    return {"databaseId": "default", "content": {"tables": dict.fromkeys(tables)}, "createdAt": now,
            "createdBy": LOCAL_USER, "updatedAt": now, "updatedBy": LOCAL_USER}


class _Server(ThreadingHTTPServer):
    """A thread per connection, at most max_threads at once, and a deep listen backlog."""

    request_queue_size = LISTEN_BACKLOG
    daemon_threads = True

    def __init__(self, address: tuple[str, int], max_threads: int) -> None:
        self._slots = threading.BoundedSemaphore(max_threads)
        super().__init__(address, Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        self._slots.acquire()  # when all are busy, new connections wait in the backlog
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


class Endpoint:
    """The server and its store, startable in a background thread (verify --local, tests)."""

    def __init__(self, cfg: EndpointConfig, db: str | Path = ":memory:", host: str = "127.0.0.1", port: int = 0):
        self.store = Store(db, cfg.tables, declared=cfg.declared, rows=cfg.rows, deleted=cfg.deleted)
        try:
            self.httpd = _Server((host, port), cfg.max_threads)
        except BaseException:
            self.store.close()
            raise
        self.httpd.cfg = cfg  # type: ignore[attr-defined]
        self.httpd.store = self.store  # type: ignore[attr-defined]
        self.thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def serve_forever(self) -> None:
        # A short poll: shutdown() (end of verify --local, tests) waits at most this long.
        self.httpd.serve_forever(poll_interval=POLL_SECONDS)

    def start(self) -> Endpoint:
        self.thread = threading.Thread(target=self.serve_forever, name="cdc-endpoint", daemon=True)
        self.thread.start()
        return self

    def close(self) -> None:
        self.httpd.server_close()
        self.store.close()

    def stop(self) -> None:
        self.httpd.shutdown()
        if self.thread:
            self.thread.join(timeout=5)
        self.close()

    def __enter__(self) -> Endpoint:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
