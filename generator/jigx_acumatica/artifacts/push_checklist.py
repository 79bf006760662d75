"""acumatica/<table>/push-notification.md: the SM302000 checklist with the exact Jigx URL, and
which fields to track so that every change of the inquiry's rows is pushed.

Tracking facts (docs/platform-facts.md: "What Acumatica really sends"): updates push only when a tracked
field changes; Track All Fields is a check box in the row of the Inquiries grid; a joined table's
change does not touch the main table's LastModifiedDateTime; for BAccount-based DACs
(Customer, Vendor) LastModifiedDateTime is BAccount's."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config import Target
from ..definition import TableDef
from ..definition.dacs import BACCOUNT_BASED
from ..templates import render
from ..tenancy import Feed
from .inquiry import GenericInquiry

TEMPLATE = "push-notification.md.j2"


@dataclass
class Tracking:
    track_all: bool
    reasons: list[str] = field(default_factory=list)  # why Track All Fields is needed
    fields: list[tuple[str, str]] = field(default_factory=list)  # (Alias.Field, what it catches)


def tracking(defn: TableDef) -> Tracking:
    fields = [(f"{defn.alias}.{defn.modified}", f"changes to the {defn.alias} record itself")]
    reasons = []
    for j in defn.joins:
        fields.append((f"{j.alias}.LastModifiedDateTime", f"changes to the joined {j.alias} ({j.dac})"))
        reasons.append(f"a change to the joined `{j.alias}` does not touch `{defn.alias}.{defn.modified}`, so it "
                       f"pushes only when `{j.alias}` fields are tracked too")
    if defn.dac in BACCOUNT_BASED:
        reasons.append(f"`{defn.alias}` is a business account: its `LastModifiedDateTime` is BAccount's, and a change "
                       f"to a field kept on the `{defn.alias}` table alone (such as a credit limit) may not bump it")
    return Tracking(track_all=bool(reasons), reasons=reasons, fields=fields)


def destination_name(table: str) -> str:
    """The destination's Name, a key of PushNotificationsHook: a destination of this name made by
    hand collides with one a package brings."""
    return f"Jigx {table}"


def render_checklist(defn: TableDef, gi: GenericInquiry, target: Target, source: str,
                     odata_role: str | None = None, feed: Feed | None = None) -> str:
    """feed: with several tenants, the tenant this checklist is for (its table, its CompanyId)."""
    table = feed.table if feed else defn.table
    return render(TEMPLATE, d=defn, gi=gi, odata_role=odata_role, url=target.check_address(table),
                  address_length=target.address_length(table), placeholders=target.placeholders(),
                  destination=destination_name(table), tracking=tracking(defn), company=target.company, feed=feed)
