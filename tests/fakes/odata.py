"""A fake Acumatica GI OData service on 127.0.0.1 (docs/platform-facts.md, "OData"): Basic
auth, $metadata, $top/$orderby and the $filter subset a key-paging client uses (comparisons,
and/or, brackets) with OData v4 literal typing as strict as Microsoft.OData's, values as
Acumatica writes them (decimals as text, padded codes), a silent page cap, an EntityType whose
short name repeats in another namespace, and failures to inject: a status, a connection dropped
mid-page, a slow page."""

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

GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
STAMP = r"\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:\d\d)?"
TOKEN = re.compile(rf"\s*(\(|\)|'(?:[^']|'')*'|{GUID}|{STAMP}|\d{{4}}-\d\d-\d\d|[A-Za-z_][A-Za-z0-9_]*'(?:[^']|'')*'"
                   r"|[A-Za-z_][A-Za-z0-9_]*|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)")
NUMERIC = ("Edm.Int16", "Edm.Int32", "Edm.Int64", "Edm.Decimal", "Edm.Double", "Edm.Single", "Edm.Byte")


class LiteralError(Exception):
    """What Microsoft.OData's parser says about a literal of the wrong kind (an error answer)."""


def _kind(tok: str) -> str:
    if tok.startswith("'"):
        return "Edm.String"
    if re.fullmatch(GUID, tok):
        return "Edm.Guid"
    if re.fullmatch(STAMP, tok):
        return "Edm.DateTimeOffset" if re.search(r"(Z|[+-]\d\d:\d\d)$", tok) else "bad"
    if re.fullmatch(r"\d{4}-\d\d-\d\d", tok):
        return "Edm.Date"
    if tok in ("true", "false"):
        return "Edm.Boolean"
    if tok == "null":
        return "null"
    if re.fullmatch(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", tok):
        return "number"
    return "bad"


def _value(tok: str, edm: str) -> Any:
    """The literal as a value of the property's type, refused as OData v4 refuses a literal of
    another kind (a quoted GUID or date, a date-time without its offset, a v3 prefixed form)."""
    kind = _kind(tok)
    fits = {"Edm.String": kind == "Edm.String", "Edm.Guid": kind == "Edm.Guid",
            "Edm.DateTimeOffset": kind in ("Edm.DateTimeOffset", "Edm.Date"), "Edm.Boolean": kind == "Edm.Boolean",
            "Edm.Date": kind == "Edm.Date"}.get(edm, kind == "number" if edm in NUMERIC else True)
    if kind == "bad":
        raise LiteralError(f"Unrecognized '{edm}' literal '{tok}'")
    if not fits and kind != "null":
        shown = "Edm.Decimal" if kind == "number" else kind
        raise LiteralError("A binary operator with incompatible types was detected. Found operand types "
                           f"'{edm}' and '{shown}' for operator kind 'GreaterThan'.")
    if kind == "Edm.String":
        return tok[1:-1].replace("''", "'")
    if kind in ("Edm.DateTimeOffset", "Edm.Date"):
        return datetime.fromisoformat(re.sub(r"(Z|[+-]\d\d:\d\d)$", "", tok))
    if kind == "Edm.Guid":
        return tok.lower()
    if kind == "Edm.Boolean":
        return tok == "true"
    return None if kind == "null" else float(tok)


def _compare(left: Any, op: str, right: Any) -> bool:
    if isinstance(right, datetime):
        left = datetime.fromisoformat(str(left)[:26].rstrip("Z")) if left else datetime.min
    elif isinstance(right, float):
        left = float(left)
    elif isinstance(right, str) and re.fullmatch(GUID, right):
        left = str(left).lower()
    return {"eq": left == right, "ne": left != right, "gt": left > right, "ge": left >= right,
            "lt": left < right, "le": left <= right}[op]


def parse_filter(text: str, types: dict[str, str] | None = None):
    """A predicate over a row for 'A gt 1 and (B eq 'x' or C lt 2)'-style filters, each literal
    typed by its property's Edm type (LiteralError when it does not fit)."""
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
        name, op = take(), take()
        lit = _value(take(), (types or {}).get(name, "Edm.String"))
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
        self.retry_after: str | None = None  # sent with an injected 429 or 503
        self.page_cap: int | None = None  # the server clamps $top to this, silently
        self.namespace = "GenericInquiry"  # where the inquiry's EntityType lives in $metadata
        # View Only for the user on the inquiry's screen: without it the service document and
        # $metadata still list the inquiry, but its rows answer 403 (docs/platform-facts.md, "OData")
        self.rights = True
        self.requests: list[dict[str, Any]] = []
        self.others: dict[str, FakeOData] = {}  # other inquiries this instance serves (their own fakes)
        fake = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:  # noqa: N802
                fake.handle(self)

        self.start(Handler)

    def page_reads(self) -> list[dict[str, str]]:
        """The queries of the page reads: not $metadata, not the one-row rights probe."""
        return [q["query"] for q in self.requests
                if not q["path"].endswith("$metadata") and q["query"] != {"$top": "1"}]

    def _send(self, h: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str = "application/json") -> None:
        h.send_response(status)
        if status in (429, 503) and self.retry_after:
            h.send_header("Retry-After", self.retry_after)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def metadata(self) -> bytes:
        """$metadata of this inquiry and of every other one this instance serves (self.others)."""
        fakes = [self, *self.others.values()]
        names = {f.inquiry: re.sub(r"[^A-Za-z0-9]", "", f.inquiry) for f in fakes}
        edm = 'xmlns="http://docs.oasis-open.org/odata/ns/edm"'
        # a decoy: the same short name in another namespace, with other properties
        decoy = f'<Schema Namespace="Other.Module" {edm}><EntityType Name="{names[self.inquiry]}"><Property ' \
                'Name="Wrong" Type="Edm.String"/></EntityType></Schema>'
        types = "".join(f'<EntityType Name="{names[f.inquiry]}">' + "".join(
            f'<Property Name="{n}" Type="{t}"/>' for n, t in f.properties.items()) + "</EntityType>" for f in fakes)
        sets = "".join(f'<EntitySet Name="{f.inquiry}" EntityType="{self.namespace}.{names[f.inquiry]}"/>'
                       for f in fakes)
        return (f'<?xml version="1.0" encoding="utf-8"?><edmx:Edmx Version="4.0" '
                f'xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>{decoy}'
                f'<Schema Namespace="{self.namespace}" {edm}>{types}'
                f'<EntityContainer Name="Default">{sets}</EntityContainer></Schema>'
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
        other = next((f for f in self.others.values() if path == f"{root}/{f.inquiry}"), None)
        if other is not None:  # another inquiry of the same instance: its rows, its rules
            self.requests.pop()
            return other.handle(h)
        if path != f"{root}/{self.inquiry}":
            return self._send(h, 404, b'{"message": "not found"}')
        if not self.rights:
            return self._send(h, 403, b'{"message": "Access denied"}')
        rows = list(self.rows)
        if "$filter" in query:
            try:
                keep = parse_filter(query["$filter"], self.properties)
            except LiteralError as exc:
                return self._send(h, 500, json.dumps({"message": str(exc)}).encode())
            rows = [r for r in rows if keep(r)]
        for part in reversed(query.get("$orderby", "").split(",")):
            if part.strip():
                name = part.split()[0]
                rows.sort(key=lambda r: (float(r[name]) if self.properties.get(name, "").endswith(("Int32", "Int64"))
                                         else str(r[name])), reverse=part.split()[-1].lower() == "desc")
        top = int(query.get("$top", "1000000"))
        rows = rows[: min(top, self.page_cap) if self.page_cap else top]
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
