"""status: one line per table and tenant saying whether the chain works, each check ✓, ✗ or ?
(could not be read, and why), and for every ✗ the command or form step that fixes it.

Reads only: one sign-in per tenant for getPublished (always signed out), the inquiry over OData,
the table through the Data API, and the local records of backfill and reconcile."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ExitCode, ToolError
from .tenancy import Feed, Tenant

OK, FAIL, UNKNOWN, NA = "ok", "fail", "unknown", "n/a"
MARKS = {OK: "✓", FAIL: "✗", UNKNOWN: "?", NA: "-"}


@dataclass
class Check:
    name: str
    mark: str
    detail: str = ""
    fix: str = ""

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


@dataclass
class Line:
    table: str
    tenant: str | None
    checks: list[Check] = field(default_factory=list)
    records: dict[str, Any] = field(default_factory=dict)  # the last backfill and reconcile

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"table": self.table, "checks": [c.as_dict() for c in self.checks], **self.records}
        if self.tenant:
            out["tenant"] = self.tenant
        return out


def exit_code(lines: list[Line]) -> ExitCode:
    marks = {c.mark for line in lines for c in line.checks}
    return ExitCode.CHANGES if FAIL in marks else ExitCode.WARNINGS if UNKNOWN in marks else ExitCode.OK


@dataclass
class Sides:
    """What status can read: each is None when it cannot, with the reason in `why`."""

    published: Callable[[Tenant], set[str]] | None = None  # tenant -> inquiry titles published there
    odata: Callable[[Tenant, Any], dict[str, Any]] | None = None  # (tenant, defn) -> {"newest": _mod}
    jigx_rows: Callable[[str], Any] | None = None  # table -> rows (Data API Row objects)
    failures: Callable[[Tenant], Any] | None = None  # tenant -> this solution's failed pushes (monitor: true)
    why: dict[str, str] = field(default_factory=dict)


def _cached(call: Callable[[Tenant], set[str]]) -> Callable[[Tenant], set[str] | ToolError]:
    seen: dict[Tenant, set[str] | ToolError] = {}

    def once(tenant: Tenant) -> set[str] | ToolError:
        if tenant not in seen:
            try:
                seen[tenant] = call(tenant)
            except ToolError as exc:
                seen[tenant] = exc
        return seen[tenant]
    return once


def status(root: Path, feeds: list[Feed], pending: set[str], sides: Sides) -> list[Line]:
    """pending: the definitions whose generated files are out of date (as generate --check)."""
    published = _cached(sides.published) if sides.published else None
    failures = _cached(sides.failures) if sides.failures else None
    lines = []
    for feed in feeds:
        line = Line(feed.table, feed.tenant.name if feed.tenant.among_several else None)
        line.checks.append(Check("files", FAIL, "generated files out of date", "jigx-acumatica generate")
                           if feed.base in pending else Check("files", OK))
        line.checks.append(_published(feed, published, sides.why.get("acumatica", "")))
        newest_acu, odata = _odata(feed, sides)
        line.checks.append(odata)
        line.checks.append(_failed(feed, failures, sides.why.get("monitor", "")))
        newest_jigx, jigx = _jigx(feed, sides)
        line.checks.append(jigx)
        line.checks.append(_fresh(newest_acu, newest_jigx))
        line.records = _records(root, feed.table)
        lines.append(line)
    return lines


def _published(feed: Feed, published: Callable[[Tenant], set[str] | ToolError] | None, why: str) -> Check:
    tenant = f" --tenant {feed.tenant.name}" if feed.tenant.name else ""
    if published is None:
        return Check("published", UNKNOWN, why)
    found = published(feed.tenant)
    if isinstance(found, ToolError):
        return Check("published", UNKNOWN, found.message)
    if feed.defn.inquiry in found:
        return Check("published", OK)
    return Check("published", FAIL, f"getPublished does not list the inquiry '{feed.defn.inquiry}'",
                 f"jigx-acumatica publish{tenant}")


def _failed(feed: Feed, failures: Callable[[Tenant], Any] | None, why: str) -> Check:
    if failures is None:
        return Check("failed pushes", NA if not why else UNKNOWN, why or "no failed-push inquiry (monitor: true)")
    found = failures(feed.tenant)
    if isinstance(found, ToolError):
        return Check("failed pushes", UNKNOWN, found.message)
    mine = [f for f in found if f.table == feed.table]
    if not mine:
        return Check("failed pushes", OK)
    kinds = sorted({f.kind for f in mine})
    return Check("failed pushes", FAIL, f"{len(mine)} in the last two days ({', '.join(kinds)})",
                 "jigx-acumatica monitor (its fixes), then monitor --heal")


def _odata(feed: Feed, sides: Sides) -> tuple[str | None, Check]:
    if not feed.defn.odata:
        return None, Check("odata", NA, "not exposed (odata: false)")
    if sides.odata is None:
        return None, Check("odata", UNKNOWN, sides.why.get("acumatica", ""))
    from .acumatica.odata import ODataError

    try:
        answer = sides.odata(feed.tenant, feed.defn)
    except ODataError as exc:
        if exc.exit_code in (ExitCode.ODATA_FORBIDDEN, ExitCode.ODATA_NOT_EXPOSED):
            return None, Check("odata", FAIL, exc.message, exc.hint or "")
        return None, Check("odata", UNKNOWN, exc.message)
    return answer.get("newest"), Check("odata", OK)


def _jigx(feed: Feed, sides: Sides) -> tuple[str | None, Check]:
    if sides.jigx_rows is None:
        return None, Check("jigx", UNKNOWN, sides.why.get("jigx", ""))
    from .jigx.data_api import DataApiError
    from .reconcile.index import mod_key

    try:
        count, newest = 0, None
        for row in sides.jigx_rows(feed.table):
            count += 1
            mod = mod_key(row.content.get("_mod"))
            newest = max(filter(None, (newest, mod)), default=None)
    except DataApiError as exc:
        if exc.exit_code == ExitCode.DATA_NOT_FOUND:
            return None, Check("jigx", FAIL, exc.message, f"declare '{feed.table}' in databases/default.jigx "
                               "(jigx-acumatica generate) and publish the Jigx solution")
        return None, Check("jigx", UNKNOWN, exc.message)
    return newest or "", Check("jigx", OK, f"{count} row{'s' if count != 1 else ''}")  # "": no row at all


def _fresh(acumatica: str | None, jigx: str | None) -> Check:
    if acumatica is None or jigx is None:
        return Check("fresh", UNKNOWN, "the newest _mod of both sides is needed")
    if not jigx:
        return Check("fresh", FAIL, f"Jigx's table is empty; Acumatica's newest row is {acumatica[:19]}",
                     "jigx-acumatica backfill (then check the push notification on SM302000)")
    if jigx >= acumatica:
        return Check("fresh", OK, f"newest {jigx[:19]}")
    return Check("fresh", FAIL, f"Jigx's newest row is {jigx[:19]}, Acumatica's {acumatica[:19]}",
                 "jigx-acumatica reconcile --repair (and check the push notification on SM302000, failed pushes on "
                 "SM502000)")


def _records(root: Path, table: str) -> dict[str, Any]:
    from .backfill.run import load_position
    from .reconcile import RECONCILE_DIR

    out: dict[str, Any] = {}
    position = load_position(root, table)
    if position is not None:
        out["last_backfill"] = {"done": position.done, "sent": position.sent, "newest": position.last_done_mod}
    try:
        last = json.loads((root / RECONCILE_DIR / f"{table}.json").read_text(encoding="utf-8"))
        out["last_reconcile"] = {"when": last.get("when"), "agree": last.get("agree")}
    except (OSError, ValueError):
        pass
    return out
