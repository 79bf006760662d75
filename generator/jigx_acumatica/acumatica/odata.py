"""Reading a Generic Inquiry's rows over Acumatica's OData interface (docs/platform-facts.md,
"OData"): <url>/t/<tenant>/api/odata/gi/<inquiry>, Basic authentication, $metadata for
the property names, pages ordered by the key with a $filter past the last key seen (never $skip:
a table that changes during a long load would skip or repeat rows)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

from ..errors import ExitCode, ToolError, printable
from ..transport import Answer, NetworkError, Policy, Redactor, download, request, server_message

EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
NUMERIC = {"Edm.Int16", "Edm.Int32", "Edm.Int64", "Edm.Decimal", "Edm.Double", "Edm.Single", "Edm.Byte"}
DATE_TIME = "Edm.DateTimeOffset"
_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class ODataError(ToolError):
    def __init__(self, code: ExitCode, message: str, hint: str) -> None:
        super().__init__(message, hint=hint)
        self.exit_code = code


@dataclass
class Connection:
    url: str  # the instance
    tenant: str
    username: str
    password: str = field(repr=False)
    policy: Policy = field(default_factory=Policy)  # reads are retried on 429, 5xx and dropped connections

    def root(self) -> str:
        return f"{self.url}/t/{quote(self.tenant, safe='')}/api/odata/gi"


# Each kind of network failure: what happened, and the fix.
_NETWORK: dict[str, tuple[str, str]] = {
    "dropped": ("the connection dropped mid-answer", "the instance or the network is unstable; try again"),
    "tls": ("TLS error talking to {url}", "check --acumatica-url and the machine's CA certificates"),
    "timeout": ("no answer in {timeout:g} s", "the instance is slow or unreachable; raise --timeout or try again"),
    "dns": ("the host name of {url} does not resolve", "check --acumatica-url for typos and the machine's DNS"),
    "refused": ("connection refused by {url}", "check --acumatica-url and that the instance is running"),
    "other": ("cannot reach {url}", "check --acumatica-url and that the instance is running"),
}


class Reader:
    def __init__(self, conn: Connection, session: requests.Session | None = None) -> None:
        self.conn = conn
        self.session = session or requests.Session()
        self.session.auth = (conn.username, conn.password)
        self.redact = Redactor(conn.password)

    def get(self, url: str, params: dict[str, str] | None = None, *, what: str) -> Answer:
        """GET through the HTTP layer (429, 5xx and dropped connections retried); an ODataError
        for every answer that is not a page of rows or the metadata."""
        try:
            answer = request(self.session, "GET", url, self.conn.policy, idempotent=True, params=params,
                             headers={"Accept": "application/json"})
        except NetworkError as exc:
            summary, fix = _NETWORK[exc.kind]
            raise ODataError(ExitCode.ODATA_UNREACHABLE, f"{what}: " + summary.format(
                url=self.conn.url, timeout=self.conn.policy.timeout) + f" ({exc.detail})", fix) from None
        status = answer.status
        if status == 401:
            raise ODataError(ExitCode.ODATA_AUTH, f"{what}: HTTP 401, the user name or password was refused",
                             "check ACUMATICA_USERNAME and the password (OData uses Basic authentication)")
        if status == 403:
            raise ODataError(ExitCode.ODATA_FORBIDDEN, f"{what}: HTTP 403, no rights to read this inquiry",
                             "give the user View Only rights to the inquiry's screen")
        if status == 404:
            raise ODataError(ExitCode.ODATA_NOT_EXPOSED, f"{what}: HTTP 404 at {url}",
                             "check --tenant (the tenant's login name) and that the inquiry is published with a "
                             "screen ID and Expose via OData (odata: true and screen_id in the table definition)")
        if answer.gave_up is not None:
            raise ODataError(ExitCode.ODATA_BAD_ANSWER, f"{what}: HTTP {status}: the instance asked to retry after "
                             f"{answer.gave_up:.0f} s, longer than the {self.conn.policy.max_retry_after:.0f} s this "
                             "tool waits", f"run backfill again after {answer.gave_up:.0f} s (it continues where it "
                             "stopped)")
        if answer.retryable:
            said = self.redact(server_message(answer.text))
            raise ODataError(ExitCode.ODATA_BAD_ANSWER, f"{what}: HTTP {status} after {answer.attempts} attempt"
                             f"{'s' if answer.attempts > 1 else ''}: {said}",
                             "the same answer each time: read the server's message (a filter it cannot run, a "
                             "formula column) and fix the inquiry; if the instance was only busy, run backfill "
                             "again later (it continues where it stopped)")
        return answer

    def dac_metadata(self, dest: Path) -> None:
        """DAC-based OData's $metadata (every DAC's fields, keys and types), saved to dest as it
        arrives."""
        url = f"{self.conn.url}/t/{quote(self.conn.tenant, safe='')}/api/odata/dac/$metadata"
        try:
            answer = download(self.session, url, self.conn.policy, dest, headers={"Accept": "application/xml"})
        except NetworkError as exc:
            summary, fix = _NETWORK[exc.kind]
            raise ODataError(ExitCode.ODATA_UNREACHABLE, "DAC $metadata: " + summary.format(
                url=self.conn.url, timeout=self.conn.policy.timeout) + f" ({exc.detail})", fix) from None
        if answer.status == 401:
            raise ODataError(ExitCode.ODATA_AUTH, "DAC $metadata: HTTP 401, the user name or password was refused",
                             "check ACUMATICA_USERNAME and the password (OData uses Basic authentication)")
        if answer.status == 403:
            raise ODataError(ExitCode.ODATA_FORBIDDEN, "DAC $metadata: HTTP 403, no rights to DAC-based OData",
                             "give the user the role that reads DAC-based OData (OData4 User), or pass "
                             "--metadata FILE with a copy saved by a user who has it")
        if answer.status == 404:
            raise ODataError(ExitCode.ODATA_NOT_EXPOSED, f"DAC $metadata: HTTP 404 at {url}: DAC-based OData is "
                             "not on this instance (it came with 2025 R1) or the tenant is wrong",
                             "check --tenant; on an older instance pass --metadata FILE, or skip the check")
        if not 200 <= answer.status < 300:
            raise ODataError(ExitCode.ODATA_BAD_ANSWER, f"DAC $metadata: HTTP {answer.status}: "
                             f"{self.redact(server_message(answer.text))}", "check the instance; try again later")

    def properties(self, inquiry: str) -> dict[str, str]:
        """The inquiry's property names and EDM types, from $metadata."""
        resp = self.get(f"{self.conn.root()}/$metadata", what="$metadata")
        if resp.status != 200:
            raise ODataError(ExitCode.ODATA_BAD_ANSWER, f"$metadata: HTTP {resp.status}",
                             "check the instance; try again later")
        try:
            root = ET.fromstring(resp.body)
        except ET.ParseError:
            raise ODataError(ExitCode.ODATA_BAD_ANSWER, "$metadata is not XML", "check --acumatica-url") from None
        sets = {e.get("Name"): e.get("EntityType", "") for e in root.iter(f"{EDM}EntitySet")}
        if inquiry not in sets:
            raise ODataError(ExitCode.ODATA_NOT_EXPOSED, f"the inquiry '{inquiry}' is not exposed over OData",
                             "publish it with a screen ID and tick Expose via OData (odata: true and screen_id in "
                             "the table definition, then generate and publish); names with '/' are never exposed")
        entity = entity_types(root).get(sets[inquiry])
        if entity is None:
            raise ODataError(ExitCode.ODATA_BAD_ANSWER, f"$metadata has no type {sets[inquiry]} for '{inquiry}'",
                             "check the instance's OData service")
        return {p.get("Name", ""): p.get("Type", "") for p in entity.findall(f"{EDM}Property")}

    def probe(self, inquiry: str, screen_id: str | None) -> None:
        """Read one row ($top=1), right after $metadata and before anything is sent: missing rights
        answer 403 only on the rows ($metadata lists the inquiry to a user without them)."""
        url = f"{self.conn.root()}/{quote(inquiry, safe='')}"
        try:
            self._rows(self.get(url, {"$top": "1"}, what=f"reading one row of '{inquiry}'"), inquiry)
        except ODataError as exc:
            if exc.exit_code != ExitCode.ODATA_FORBIDDEN:
                raise
            screen = f"screen {screen_id}" if screen_id else "the inquiry's screen"
            raise ODataError(ExitCode.ODATA_FORBIDDEN,
                             f"reading one row of '{inquiry}': HTTP 403, the user '{self.conn.username}' sees the "
                             f"inquiry in $metadata but has no rights to {screen}; nothing was sent",
                             f"on Access Rights by Screen (SM201020) give the user's role View Only on {screen}, or "
                             "set 'odataRole: <that role>' in jigx-acumatica.yaml, run generate and publish "
                             "again") from None

    def pages(self, inquiry: str, key: list[str], types: dict[str, str], *, top: int,
              after: list[Any] | None, since: str | None) -> Iterator[list[dict[str, Any]]]:
        """Pages of rows in key order, each starting past the last key of the one before, until a
        read past the last key is empty. The next page is read while the caller sends this one (at
        most two pages in memory). `since` is a date-time literal with its offset (since_literal)."""
        from concurrent.futures import ThreadPoolExecutor

        url = f"{self.conn.root()}/{quote(inquiry, safe='')}"

        def fetch(last: list[Any] | None) -> list[dict[str, Any]]:
            clauses = [c for c in (past_key(key, last, types) if last else None,
                                   f"_mod gt {literal(since, types.get('_mod') or DATE_TIME)}" if since else None) if c]
            params = {"$top": str(top), "$orderby": ",".join(f"{k} asc" for k in key)}
            if clauses:
                params["$filter"] = " and ".join(f"({c})" for c in clauses)
            return self._rows(self.get(url, params, what=f"reading '{inquiry}'"), inquiry)

        with ThreadPoolExecutor(max_workers=1) as pool:
            rows = fetch(after)
            while rows:
                # A page shorter than $top does not prove the end (a server may cap pages silently):
                # the next read past the last key does, when it comes back empty.
                ahead = pool.submit(fetch, [rows[-1].get(k) for k in key])
                yield rows
                rows = ahead.result()

    def newest_mod(self, inquiry: str) -> str | None:
        """The newest _mod of the inquiry's rows (one row, ordered by _mod descending)."""
        url = f"{self.conn.root()}/{quote(inquiry, safe='')}"
        rows = self._rows(self.get(url, {"$orderby": "_mod desc", "$top": "1", "$select": "_mod"},
                                   what=f"the newest row of '{inquiry}'"), inquiry)
        value = rows[0].get("_mod") if rows else None
        return value if isinstance(value, str) else None

    def _rows(self, resp: Answer, inquiry: str) -> list[dict[str, Any]]:
        if resp.status != 200:
            detail = self.redact(printable(resp.text[:200].strip()))
            raise ODataError(ExitCode.ODATA_BAD_ANSWER, f"reading '{inquiry}': HTTP {resp.status} {detail}".rstrip(),
                             "check the instance; a filter on a formula column is refused")
        if not resp.body.strip():  # Acumatica's answer to a filter on a formula column (observed)
            raise ODataError(ExitCode.ODATA_BAD_ANSWER, f"reading '{inquiry}': HTTP 200 with an empty body",
                             "the key or _mod column is a formula in the inquiry: make it a field")
        try:
            body = json.loads(resp.body)
        except ValueError:
            raise ODataError(ExitCode.ODATA_BAD_ANSWER, f"reading '{inquiry}': the answer is not JSON",
                             "check --acumatica-url") from None
        rows = body.get("value") if isinstance(body, dict) else body
        if not isinstance(rows, list):
            raise ODataError(ExitCode.ODATA_BAD_ANSWER, f"reading '{inquiry}': no 'value' list in the answer",
                             "check --acumatica-url")
        rows = [r for r in rows if isinstance(r, dict)]
        if rows and any(k.startswith(("@odata", "odata.")) for k in rows[0]):
            rows = [{k: v for k, v in r.items() if not k.startswith(("@odata", "odata."))} for r in rows]
        return rows


def literal(value: Any, edm: str) -> str:
    """An OData v4 literal for a value of this EDM type (from $metadata, never from the value's
    look): strings quoted with '' inside, Guid and DateTimeOffset bare, numbers bare."""
    if value is None:
        return "null"
    if edm == "Edm.Boolean" or isinstance(value, bool):
        return "true" if value in (True, "true", "True", 1) else "false"
    text = str(value)
    if edm in NUMERIC:
        if not _NUMBER.match(text):
            raise _bad_literal(text, edm)
        return text
    if edm == "Edm.Guid":
        if not _GUID.match(text):
            raise _bad_literal(text, edm)
        return text
    if edm == DATE_TIME:
        return date_time_literal(text)
    if edm == "Edm.Date":
        if not _DATE.match(text[:10]):
            raise _bad_literal(text, edm)
        return text[:10]
    return "'" + text.replace("'", "''") + "'"


def date_time_literal(text: str) -> str:
    """A DateTimeOffset literal: the value's own offset, or Z when it has none (the inquiry's
    values carry none; which clock they are in is unknown, docs/platform-facts.md, "OData")."""
    from datetime import datetime

    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise _bad_literal(text, DATE_TIME) from None
    stamp = moment.replace(tzinfo=None).isoformat()
    offset = moment.utcoffset()
    if offset is None or not offset:
        return stamp + "Z"
    sign = "-" if offset.total_seconds() < 0 else "+"
    minutes = int(abs(offset.total_seconds()) // 60)
    return f"{stamp}{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _bad_literal(text: str, edm: str) -> ODataError:
    return ODataError(ExitCode.ODATA_BAD_ANSWER, f"the value {printable(text)!r} cannot be written as an OData {edm}",
                      "the inquiry's $metadata declares this type for a key or _mod column; check the column's "
                      "field in the inquiry")


def entity_types(root: ET.Element) -> dict[str, ET.Element]:
    """Each EntityType by its namespace-qualified name (and by its schema alias): short names repeat
    across namespaces, so an EntitySet's EntityType is never matched by its last segment."""
    out: dict[str, ET.Element] = {}
    for schema in root.iter(f"{EDM}Schema"):
        prefixes = [p for p in (schema.get("Namespace"), schema.get("Alias")) if p]
        for entity in schema.findall(f"{EDM}EntityType"):
            for prefix in prefixes:
                out[f"{prefix}.{entity.get('Name')}"] = entity
    return out


def past_key(key: list[str], last: list[Any], types: dict[str, str]) -> str:
    """Rows whose key comes after `last`: (K1 gt v1) or (K1 eq v1 and K2 gt v2) or ..."""
    terms = []
    for i, k in enumerate(key):
        eqs = [f"{key[j]} eq {literal(last[j], types.get(key[j], ''))}" for j in range(i)]
        terms.append(" and ".join(eqs + [f"{k} gt {literal(last[i], types.get(k, ''))}"]))
    return " or ".join(f"({t})" for t in terms)
