"""A fake Acumatica GI OData service on 127.0.0.1 (shared/reference/acumatica-odata.md): Basic
auth, $metadata, $top/$orderby and the $filter subset a key-paging client uses (comparisons,
and/or, brackets), values as Acumatica writes them (decimals as text, padded codes), and failures
to inject: a status, a connection dropped mid-page, a slow page."""

from __future__ import annotations

import base64
import json
import re
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.fakes.server import LocalServer, QuietHandler

TOKEN = re.compile(r"\s*(\(|\)|'(?:[^']|'')*'|[A-Za-z_][A-Za-z0-9_]*|\d{4}-\d\d-\d\d(?:T[\d:.]+Z?)?|-?\d+(?:\.\d+)?)")


def _value(tok: str) -> Any:
    if tok.startswith("'"):
        return tok[1:-1].replace("''", "'")
    if re.match(r"^\d{4}-\d\d-\d\d", tok):
        return datetime.fromisoformat(tok.rstrip("Z"))
    if tok in ("true", "false"):
        return tok == "true"
    return float(tok)


def _compare(left: Any, op: str, right: Any) -> bool:
    if isinstance(right, datetime):
        left = datetime.fromisoformat(str(left)) if left else datetime.min
    elif isinstance(right, float):
        left = float(left)
    return {"eq": left == right, "ne": left != right, "gt": left > right, "ge": left >= right,
            "lt": left < right, "le": left <= right}[op]


def parse_filter(text: str):
    """A predicate over a row for 'A gt 1 and (B eq 'x' or C lt 2)'-style filters."""
    tokens = [m.group(1) for m in TOKEN.finditer(text)]
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def expr():
        left = term()
        while peek() == "or":
            take()
            right, prev = term(), left
            left = lambda row, a=prev, b=right: a(row) or b(row)  # noqa: E731
        return left

    def term():
        left = factor()
        while peek() == "and":
            take()
            right, prev = factor(), left
            left = lambda row, a=prev, b=right: a(row) and b(row)  # noqa: E731
        return left

    def factor():
        if peek() == "(":
            take()
            inner = expr()
            assert take() == ")"
            return inner
        name, op, lit = take(), take(), _value(take())
        return lambda row: _compare(row.get(name), op, lit)

    predicate = expr()
    assert pos == len(tokens), f"unparsed filter: {tokens[pos:]}"
    return predicate


class FakeOData(LocalServer):
    def __init__(self, inquiry: str, properties: dict[str, str], rows: list[dict[str, Any]], *,
                 tenant: str = "MyTenant", username: str = "reader", password: str = "odata-Pa55-word!") -> None:
        self.inquiry, self.properties, self.rows = inquiry, dict(properties), rows
        self.tenant, self.username, self.password = tenant, username, password
        self.failures: list[str] = []  # one-shot: "401", "403", "404", "429", "500", "drop", "slow"
        self.requests: list[dict[str, Any]] = []
        fake = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:  # noqa: N802
                fake.handle(self)

        self.start(Handler)

    def _send(self, h: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str = "application/json") -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def metadata(self) -> bytes:
        type_name = re.sub(r"[^A-Za-z0-9]", "", self.inquiry)
        props = "".join(f'<Property Name="{n}" Type="{t}"/>' for n, t in self.properties.items())
        return (f'<?xml version="1.0" encoding="utf-8"?><edmx:Edmx Version="4.0" '
                f'xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>'
                f'<Schema Namespace="GenericInquiry" xmlns="http://docs.oasis-open.org/odata/ns/edm">'
                f'<EntityType Name="{type_name}">{props}</EntityType>'
                f'<EntityContainer Name="Default"><EntitySet Name="{self.inquiry}" '
                f'EntityType="GenericInquiry.{type_name}"/></EntityContainer></Schema>'
                f'</edmx:DataServices></edmx:Edmx>').encode()

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        url = urlsplit(h.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.requests.append({"path": unquote(url.path), "query": query})
        expected = "Basic " + base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        if h.headers.get("Authorization") != expected:
            return self._send(h, 401, b'{"message": "Authorization has been denied for this request."}')
        failure = self.failures.pop(0) if self.failures else None
        if failure in ("401", "403", "404", "429", "500"):
            headers_only = b'{"message": "injected"}'
            return self._send(h, int(failure), headers_only)
        root = f"/t/{self.tenant}/api/odata/gi"
        path = unquote(url.path)
        if path == f"{root}/$metadata":
            return self._send(h, 200, self.metadata(), "application/xml")
        if path != f"{root}/{self.inquiry}":
            return self._send(h, 404, b'{"message": "not found"}')
        rows = list(self.rows)
        if "$filter" in query:
            keep = parse_filter(query["$filter"])
            rows = [r for r in rows if keep(r)]
        for part in reversed(query.get("$orderby", "").split(",")):
            if part.strip():
                name = part.split()[0]
                rows.sort(key=lambda r: (float(r[name]) if self.properties.get(name, "").endswith(("Int32", "Int64"))
                                         else str(r[name])))
        rows = rows[: int(query.get("$top", "1000000"))]
        body = json.dumps({"@odata.context": f"{self.url}{root}/$metadata#{self.inquiry}", "value": rows}).encode()
        if failure == "drop":  # the connection closes half-way through the page
            h.send_response(200)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body[: len(body) // 2])
            h.wfile.flush()
            h.close_connection = True
            h.connection.close()
            return
        if failure == "slow":
            time.sleep(0.5)
        self._send(h, 200, body)
