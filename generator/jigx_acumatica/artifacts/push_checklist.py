"""acumatica/<table>/push-notification.md: the SM302000 checklist with the exact Jigx URL."""

from __future__ import annotations

from ..config import Target
from ..definition import TableDef
from ..templates import render
from .inquiry import GenericInquiry

TEMPLATE = "push-notification.md.j2"


def render_checklist(defn: TableDef, gi: GenericInquiry, target: Target, source: str) -> str:
    return render(TEMPLATE, d=defn, gi=gi, source_path=source, url=target.check_address(defn.table),
                  placeholders=target.placeholders(), destination=f"Jigx {defn.table}")
