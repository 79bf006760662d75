"""A fake Acumatica on 127.0.0.1 that follows the documented contracts (shared/reference/
acumatica-customization-api.md and its recorded responses): sign-in with a cookie session, the
CustomizationApi methods with their log entries, errors inside HTTP 200, publishEnd polling.
Every request is recorded, so tests can check what the tool really sent."""

from __future__ import annotations

import base64
import io
import json
import re
import secrets
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes.server import LocalServer, QuietHandler


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    cookie: str


@dataclass
class FakeAcumatica(LocalServer):
    username: str = "admin"
    password: str = "s3cret-Pa55word-Acu!"
    tenants: tuple[str, ...] = ("MyTenant", "Other")
    customizer: bool = True
    # publishEnd answers, in turn: "progress", "done", "failed", "error-log", "drop", "400-done"
    publish_script: list[str] = field(default_factory=lambda: ["progress", "done"])
    import_error: str | None = None
    seen: list[Seen] = field(default_factory=list)
    projects: dict[str, bytes] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)  # cookie -> tenant
    extra: dict[str, Callable[[BaseHTTPRequestHandler, Any], None]] = field(default_factory=dict)
    # what getPublished lists, per tenant: the inquiry titles of the packages published there
    published: dict[str, list[str]] = field(default_factory=dict)
    imported: dict[str, bytes] = field(default_factory=dict)  # tenant -> the last package imported there
    validating: bool = False

    def __post_init__(self) -> None:
        fake = self
        self.lock = threading.Lock()

        class Handler(QuietHandler):
            def do_GET(self) -> None:  # noqa: N802
                fake._route(self, None)

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw
                fake._route(self, body)

        self.start(Handler)

    # --- answers -------------------------------------------------------------------------------------

    def _send(self, h: BaseHTTPRequestHandler, status: int, body: Any = None, headers: dict[str, str] | None = None,
              ) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        h.send_response(status)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        if body is not None:
            h.send_header("Content-Type", "application/json; charset=utf-8")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    def _route(self, h: BaseHTTPRequestHandler, body: Any) -> None:
        path = h.path.split("?")[0]
        cookie = h.headers.get("Cookie", "")
        with self.lock:
            self.seen.append(Seen(h.command, h.path, dict(h.headers), body, cookie))
        for prefix, handler in self.extra.items():
            if path.startswith(prefix):
                return handler(h, body)
        session = next((c.split("=", 1)[1] for c in cookie.split("; ") if c.startswith(".ASPXAUTH=")), None)
        tenant = self.sessions.get(session or "")
        if path == "/entity/auth/login":
            return self._login(h, body)
        if path == "/entity/auth/logout":
            self.sessions.pop(session or "", None)
            return self._send(h, 204, headers={"Set-Cookie": ".ASPXAUTH=; expires=Mon, 11-Oct-1999 21:00:00 GMT"})
        if not path.startswith("/CustomizationApi/"):
            return self._send(h, 404, {"message": "not found"})
        if tenant is None:
            return self._send(h, 401, {"message": "You are not logged in."})
        if not self.customizer:
            return self._send(h, 403, {"message": "Insufficient rights to access the Customization Projects form"})
        method = path.rsplit("/", 1)[1]
        self.tenant_now = tenant
        getattr(self, f"_{method}")(h, body)

    def _login(self, h: BaseHTTPRequestHandler, body: Any) -> None:
        if not isinstance(body, dict) or body.get("name") != self.username or body.get("password") != self.password:
            return self._send(h, 401, {"message": "Invalid credentials. Please try again."})
        tenant = body.get("tenant") or self.tenants[0]
        if tenant not in self.tenants:
            return self._send(h, 500, {"message": f"Unknown company {tenant}"})
        token = secrets.token_hex(8)
        self.sessions[token] = tenant
        self._send(h, 204, headers={"Set-Cookie": f".ASPXAUTH={token}; path=/; HttpOnly"})

    def _log(self, *entries: tuple[str, str]) -> dict[str, Any]:
        return {"log": [{"timestamp": "2026-11-29T04:00:00Z", "logType": t, "message": m} for t, m in entries]}

    def _import(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        name = body.get("projectName", "")
        if "projectContentBase64" not in body:  # what a client sending 'projectContents' gets (reference §4)
            return self._send(h, 200, self._log(("information", f"Delete project: {name}"),
                                                ("error", f"The project is not found: {name}")))
        if self.import_error:
            return self._send(h, 200, self._log(("error", self.import_error)))
        data = base64.b64decode(body["projectContentBase64"])
        zipfile.ZipFile(io.BytesIO(data)).read("project.xml")  # a real ZIP with a project.xml, or a 500
        self.projects[name] = data
        self.imported[self.tenant_now] = data
        self._send(h, 200, self._log(("information", f"Create new project: {name}")))

    def _publishBegin(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:  # noqa: N802
        self.validating = bool(isinstance(body, dict) and body.get("isOnlyValidation"))
        self._send(h, 200, self._log(("information", "Publishing has started.")))

    def _publishEnd(self, h: BaseHTTPRequestHandler, body: Any) -> None:  # noqa: N802
        step = self.publish_script.pop(0) if len(self.publish_script) > 1 else self.publish_script[0]
        if step == "drop":  # the site restarts: the connection closes without an answer
            h.close_connection = True
            h.connection.close()
            return
        if step == "progress":
            return self._send(h, 200, {"isCompleted": False, "isFailed": False,
                                       **self._log(("information", "Copying the website"))})
        if step in ("done", "400-done"):
            if not self.validating and self.tenant_now in self.imported:
                project = zipfile.ZipFile(io.BytesIO(self.imported[self.tenant_now])).read("project.xml").decode()
                self.published[self.tenant_now] = sorted(set(re.findall(
                    r'<GIDesign>\s*<row DesignID="[^"]+" Name="([^"]+)"', project)))
            answer = {"isCompleted": True, "isFailed": False,
                      **self._log(("information", "Validation finished successfully."),
                                  ("warning", "warning : "), ("information", "Website updated."))}
            return self._send(h, 400 if step == "400-done" else 200, answer)
        if step == "failed":
            return self._send(h, 400, {"isCompleted": True, "isFailed": True,
                                       **self._log(("error", "Validation failed: GenericInquiryScreen is invalid"))})
        if step == "error-log":
            return self._send(h, 200, {"isCompleted": True, "isFailed": False,
                                       **self._log(("error", "Error: the inquiry references an unknown table"))})

    def _getPublished(self, h: BaseHTTPRequestHandler, body: Any) -> None:  # noqa: N802
        """As recorded (reference: customization-api, getPublished): items keyed by type and name;
        with nothing published, only a log entry and no projects key."""
        names = self.published.get(self.tenant_now, [])
        if not names:
            return self._send(h, 200, self._log(("information", "The system does not contain published projects")))
        items = [{"key": f"GenericInquiryScreen#{n}", "type": "GenericInquiryScreen"} for n in names]
        self._send(h, 200, {"projects": [{"name": n} for n in self.projects], "items": items, "log": []})

    def calls(self) -> list[str]:
        return [s.path.split("?")[0].rsplit("/", 1)[1] for s in self.seen]
