"""monitor: the failed pushes Acumatica keeps for two days (SM502000), read through the
failed-push inquiry over OData, kept to this solution's destinations (by the push URL), mapped to
their table (?table=) and classified by the sender's own message forms (docs/platform-facts.md,
"Failed pushes"): the webhook sender writes "WebHook returns not success code: <status>; Message:
<body>" for an answer that is not 2xx, and "Send to web hook fails. Error: <exception>" when it
could not send at all; a row cut at 500,000 characters is Truncated and cannot be resent."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..artifacts.monitor import INQUIRY, monitor_definition

TICKS_EPOCH = datetime(1, 1, 1, tzinfo=UTC)  # .NET DateTime.Ticks count from here, in 100 ns
STATUS_RE = re.compile(r"not success code:\s*(\d{3})", re.I)
# The server's local time of a failure is not documented against UTC: --heal reads from a day
# before the earliest failure, so no time zone can make it miss a row.
HEAL_MARGIN = timedelta(days=1)

CLASSES: dict[str, tuple[str, str]] = {  # class -> (what happened, the fix)
    "token": ("Jigx refused the token (401/403)", "the PAT expired or is wrong: create one in Jigx Management > My "
              "profile, paste 'Bearer <PAT>' as the Header Value on SM302000, then resend on SM502000 (or "
              "monitor --heal)"),
    "not-found": ("Jigx answered 404: wrong organization, solution or table", "check the Address on SM302000 "
                  "against acumatica/<table>/push-notification.md, and that the solution was published in Jigx"),
    "too-large": ("the notification was too large or truncated (Acumatica keeps 500,000 characters; a truncated "
                  "row cannot be resent)", "monitor --heal pushes the table's rows again; track fewer fields or "
                  "split the inquiry so one change carries fewer rows"),
    "transient": ("Jigx was busy or failing (429/5xx)", "resend on SM502000 (Send All), or monitor --heal"),
    "unreachable": ("Acumatica could not reach Jigx (DNS, TLS, timeout, refused)", "check the Address and the "
                    "instance's outbound network; then resend on SM502000, or monitor --heal"),
    "other": ("another failure", "read the Error on SM502000 (Show Notification), then resend"),
}


@dataclass
class Failure:
    table: str
    kind: str
    when: datetime | None
    truncated: bool
    error: str


@dataclass
class Summary:
    table: str
    kind: str
    count: int = 0
    first: datetime | None = None
    last: datetime | None = None
    truncated: int = 0

    def as_dict(self) -> dict[str, Any]:
        what, fix = CLASSES[self.kind]
        return {"table": self.table, "class": self.kind, "count": self.count, "truncated": self.truncated,
                "first": self.first.isoformat() if self.first else None,
                "last": self.last.isoformat() if self.last else None, "what": what, "fix": fix}


def classify(error: str, truncated: bool) -> str:
    if truncated:
        return "too-large"
    found = STATUS_RE.search(error or "")
    if found:
        status = int(found.group(1))
        return ("token" if status in (401, 403) else "not-found" if status == 404 else
                "too-large" if status == 413 else "transient" if status == 429 or status >= 500 else "other")
    if "send to web hook fails" in (error or "").lower():
        return "unreachable"
    return "other"


def when(value: Any) -> datetime | None:
    """A failure's time: .NET ticks (as the column stores them) or a date-time, however OData renders it."""
    if isinstance(value, int) or isinstance(value, str) and value.strip().isdigit():
        try:
            return TICKS_EPOCH + timedelta(microseconds=int(value) // 10)
        except OverflowError:
            return None
    if isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None


def ours(rows: Iterable[dict[str, Any]], push_base: str, tables: set[str] | None) -> list[Failure]:
    """The rows of this solution's destinations (their Address starts with its push URL), each
    mapped to its table (of these tables; None: any); other destinations' rows are left out."""
    out = []
    for row in rows:
        address = str(row.get("Address") or "")
        if address.split("?", 1)[0].rstrip("/") != push_base:
            continue
        table = (parse_qs(urlsplit(address).query).get("table") or [""])[0]
        if not table or tables is not None and table not in tables:
            continue
        truncated = row.get("Truncated") in (True, "true", "True", 1)
        out.append(Failure(table, classify(str(row.get("Error") or ""), truncated), when(row.get("FailedAt")),
                           truncated, str(row.get("Error") or "")))
    return out


def summarise(failures: list[Failure]) -> list[Summary]:
    by: dict[tuple[str, str], Summary] = {}
    for f in failures:
        s = by.setdefault((f.table, f.kind), Summary(f.table, f.kind))
        s.count += 1
        s.truncated += f.truncated
        if f.when:
            s.first = min(filter(None, (s.first, f.when)))
            s.last = max(filter(None, (s.last, f.when)))
    return [by[k] for k in sorted(by)]


def read_failures(reader: Any) -> list[dict[str, Any]]:
    """Every row of the failed-push inquiry (two days of failures: small), paged by its key."""
    defn = monitor_definition("GI990099")
    types = reader.properties(INQUIRY)
    rows: list[dict[str, Any]] = []
    for page in reader.pages(INQUIRY, list(defn.key), types, top=500, after=None, since=None):
        rows += page
    return rows


@dataclass
class Heal:
    table: str
    since: str  # what backfill --since reads from
    sent: int = 0
    notes: list[str] = field(default_factory=list)


def heal_since(summaries: list[Summary], table: str) -> str | None:
    """From when to read a table again: its earliest failure, less the margin."""
    firsts = [s.first for s in summaries if s.table == table and s.first]
    if not firsts:
        return None
    return (min(firsts) - HEAL_MARGIN).strftime("%Y-%m-%dT%H:%M:%SZ")
