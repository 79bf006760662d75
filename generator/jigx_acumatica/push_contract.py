"""The push contract in one place: what a body must hold, how rows are keyed, .NET ticks both
ways, and bodies built exactly as Acumatica sends them (key order, ticks, captions)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from .definition import Column, TableDef
from .definition.model import AnyOf, Condition
from .naming import stable_uuid

_TICKS_EPOCH = datetime(1, 1, 1, tzinfo=UTC)
# The sample is pinned to one instant so regeneration is byte-identical. Rows carry the tenant's
# local business time; TimeStamp is the server's UTC clock: in Acumatica's own example
# (push-01) TimeStamp is three hours before the row's local time, so the sample does the same.
SAMPLE_ZONE = timezone(timedelta(hours=3))
SAMPLE_INSTANT = datetime(2026, 11, 20, 9, 15, 2, 100000, tzinfo=SAMPLE_ZONE)
# Jigx keeps one row's document up to "the max file size per record is 350K" (jigx-data-api.md,
# JDOCS): a larger row is refused before it is sent, and the local endpoint refuses it too.
MAX_ROW_BYTES = 350 * 1000


def ticks(moment: datetime) -> int:
    """.NET DateTime.Ticks: 100 ns intervals since 0001-01-01 UTC (exact integer arithmetic)."""
    delta = moment.astimezone(UTC) - _TICKS_EPOCH
    return (delta.days * 86_400 + delta.seconds) * 10_000_000 + delta.microseconds * 10


def ticks_to_utc(value: int) -> str | None:
    """Ticks as a UTC time for people ('2026-11-20 09:15:02.117 UTC'); None when out of range."""
    try:
        moment = _TICKS_EPOCH + timedelta(microseconds=value // 10)
    except OverflowError:
        return None
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d} UTC"


def local_datetime(moment: datetime) -> str:
    """Acumatica's local time without offset, trailing zero fractions trimmed as it writes them:
    2026-11-20T09:15:02.1 (push-01), 2026-11-20T09:15:02 for a whole second."""
    naive = moment.replace(tzinfo=None)
    fraction = f"{naive.microsecond:06d}".rstrip("0")
    return naive.strftime("%Y-%m-%dT%H:%M:%S") + (f".{fraction}" if fraction else "")


def performance_info(moment: datetime) -> dict[str, str]:
    """AdditionalInfo as current versions fill it: when processing started, on the server's UTC
    clock, "MM/dd/yyyy HH:mm:ss" (push-02: a second before its TimeStamp)."""
    started = moment.astimezone(UTC) - timedelta(seconds=1)
    return {"PXPerformanceInfoStartTime": started.strftime("%m/%d/%Y %H:%M:%S")}


_STRING_HINTS = (
    (re.compile(r"e-?mail", re.I), "jane.doe@example.com"),
    (re.compile(r"phone|fax", re.I), "+1 555 0100"),
    (re.compile(r"first", re.I), "Jane"),
    (re.compile(r"last", re.I), "Doe"),
    (re.compile(r"(name|descr|description)$", re.I), None),  # filled from the entity
    (re.compile(r"unit|uom", re.I), "EA"),
    (re.compile(r"terms", re.I), "30D"),
    (re.compile(r"class", re.I), "DEFAULT"),
)


# List fields push their labels; where a field's label is known, the sample shows it
# (docs/platform-facts.md: SOOrder.status N = Open; InventoryItem.ItemStatus returns "Active"), and
# codes known for one DAC only (an SO order type) go to that DAC alone. Any other DAC's status or
# type gets a neutral code: "Active" on a case, or SO on a purchase order, would be false.
_LIST_LABELS = {
    ("PX.Objects.SO.SOOrder", "Status"): "Open",
    ("PX.Objects.SO.SOOrder", "OrderType"): "SO",
    ("PX.Objects.IN.InventoryItem", "ItemStatus"): "Active",
}
_STARTS = re.compile(r"start|begin|from|open", re.I)
_ENDS = re.compile(r"end|due|finish|clos|expir|until|deliver|ship", re.I)


def sample_value(defn: TableDef, col: Column, index: int) -> Any:
    """A realistic, typed, deterministic value for one column."""
    if col.type == "int":
        return 1000 + index
    if col.type == "decimal":  # whole quantities print without a fraction (push-02: "QtyOnHand":1999)
        amount = round(125.5 * (index + 1), 2)
        return int(amount) if amount.is_integer() else amount
    label = _LIST_LABELS.get((defn.aliases().get(col.alias, ""), col.field))
    if label is not None:
        return label
    required = _required_value(defn, col)
    if required is not None:  # a row of this inquiry meets its conditions
        return required == "True" if col.type == "bool" else required
    if col.type == "bool":
        return True
    if col.type in ("date", "datetime"):  # related dates agree: a start before the moment, an end after it
        if _ENDS.search(col.name):
            moment = SAMPLE_INSTANT + timedelta(days=index + 1)
        else:
            moment = SAMPLE_INSTANT - timedelta(days=index + 1 if _STARTS.search(col.name) else 0)
        if col.type == "date":  # a date-only field: a DateTime at its midnight, as pushes carry it
            moment = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        return local_datetime(moment)
    if col.type == "guid":
        return stable_uuid(defn.table, "sample", col.name)
    for pattern, value in _STRING_HINTS:
        if pattern.search(col.name):
            return value if value is not None else f"Sample {defn.entity} {index + 1}"
    # Identifiers and anything else: an upper-case code like Acumatica's CD fields.
    letters = re.sub(r"[^A-Z]", "", col.name) or col.name[:3].upper()
    return f"{letters[:4]}{index + 1:04d}"


def _required_value(defn: TableDef, col: Column) -> str | None:
    """The value the inquiry's conditions fix for a column (an equals condition, or the first of a
    one-of list), or None."""
    for item in defn.where:
        first = item.items[0] if isinstance(item, AnyOf) and item.items else item
        if (isinstance(first, Condition) and first.op == "equals" and first.values
                and (first.alias, first.field) == (col.alias, col.field)):
            return first.values[0]
    return None


def sample_row(defn: TableDef, *, modified: datetime = SAMPLE_INSTANT, deleted: bool = False,
               overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """One row keyed by the GI captions, in result-column order, then _tab, _del (only where the
    inquiry has it: tables that keep deleted rows), _mod."""
    row: dict[str, Any] = {c.name: sample_value(defn, c, i) for i, c in enumerate(defn.columns)}
    row.update(overrides or {})
    row["_tab"] = defn.entity
    if defn.deleted_flag:
        row["_del"] = deleted
    row["_mod"] = local_datetime(modified)
    return row


def notification(defn: TableDef, *, inserted: list[dict[str, Any]], deleted: list[dict[str, Any]], company: str,
                 notification_id: str, moment: datetime, additional: dict[str, Any] | None = None) -> dict[str, Any]:
    """The body, keys in the order Acumatica writes them."""
    return {
        "Inserted": inserted,
        "Deleted": deleted,
        "Query": defn.inquiry,
        "CompanyId": company,
        "Id": str(uuid.UUID(notification_id)).lower(),
        "TimeStamp": ticks(moment),
        "AdditionalInfo": additional if additional is not None else performance_info(moment),
    }


def sample_notification(defn: TableDef, company: str) -> dict[str, Any]:
    """An insert of one row, as the sample-push.json file shows it."""
    return notification(
        defn, inserted=[sample_row(defn)], deleted=[], company=company,
        notification_id=stable_uuid(defn.table, "sample-push"), moment=SAMPLE_INSTANT,
    )


def to_json(body: dict[str, Any]) -> str:
    """Compact UTF-8 JSON like Acumatica's serializer writes (ints stay ints, even above 2**53)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


# --- receiving ------------------------------------------------------------------------------------

REQUIRED = ("CompanyId", "Query", "Inserted", "Deleted")
MAX_TICKS = 3_155_378_975_999_999_999  # .NET DateTime.MaxValue.Ticks (9999-12-31 23:59:59.9999999)


class BodyError(ValueError):
    """A push body that is not JSON, or not a notification; .line/.column where known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None, *,
                 syntax: bool = False) -> None:
        super().__init__(message)
        self.line, self.column = line, column
        self.syntax = syntax  # not JSON at all (rather than JSON that is not a notification)


def parse_body(text: str, *, check_timestamp: bool = True) -> dict[str, Any]:
    """A notification body from its JSON text, checked against the documented schema (the
    TimeStamp's range too, unless check_timestamp is False: inspect reports it instead)."""
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BodyError(f"not valid JSON: {exc.msg}", exc.lineno, exc.colno, syntax=True) from None
    except RecursionError:
        raise BodyError("not valid JSON for a notification: nested too deeply", syntax=True) from None
    problem = validate_body(body, check_timestamp=check_timestamp)
    if problem:
        raise BodyError(f"not an Acumatica push notification: {problem}")
    assert isinstance(body, dict)
    return body


def validate_body(body: object, *, check_timestamp: bool = True) -> str | None:
    """Why the body breaks the documented request schema, or None."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    missing = [k for k in REQUIRED if k not in body]
    if missing:
        return f"missing required properties: {', '.join(missing)}"
    for k in ("CompanyId", "Query"):
        if not isinstance(body[k], str):
            return f"{k} must be a string"
    for k in ("Inserted", "Deleted"):
        if not isinstance(body[k], list):
            return f"{k} must be an array"
        if not all(isinstance(r, dict) for r in body[k]):
            return f"every item of {k} must be an object"
    if "TimeStamp" in body:
        ts = body["TimeStamp"]
        if not isinstance(ts, int) or isinstance(ts, bool):
            return "TimeStamp must be an integer (.NET ticks)"
        if check_timestamp:
            return timestamp_problem(ts)
    return None


def row_bytes(row: dict[str, Any]) -> int:
    """A row's size as a push carries it (compact UTF-8 JSON)."""
    return len(json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode())


def row_size_problem(row: dict[str, Any]) -> str | None:
    size = row_bytes(row)
    if size <= MAX_ROW_BYTES:
        return None
    return (f"the row is {size:,} bytes, over the {MAX_ROW_BYTES:,} bytes Jigx keeps per row "
            "(\"the max file size per record is 350K\")")


def oversized_row(body: dict[str, Any]) -> str | None:
    """The first row of Inserted larger than Jigx keeps, said with its place, or None."""
    for n, row in enumerate(body.get("Inserted") or [], start=1):
        problem = row_size_problem(row) if isinstance(row, dict) else None
        if problem:
            return f"Inserted row {n}: {problem}"
    return None


def timestamp_problem(ts: int) -> str | None:
    if not 0 <= ts <= MAX_TICKS:
        return f"TimeStamp {ts} is not a .NET time (ticks run from 0 to {MAX_TICKS})"
    return None


def row_key(defn: TableDef, row: dict[str, Any]) -> str | None:
    """The row's key as JSON text, trimmed (Acumatica pads segmented keys); None when a key value
    is missing or empty."""
    values = []
    for name in defn.key:
        value = row.get(name)
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "" or isinstance(value, (dict, list)):
            return None
        values.append(value)
    return json.dumps(values, ensure_ascii=False)
