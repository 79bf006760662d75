"""acumatica/<table>/sample-push.json: one insert exactly as Acumatica would push it.

JSON, so no provenance header: the file must equal a real push byte for byte."""

from __future__ import annotations

from .. import push_contract as contract
from ..definition import TableDef


def render_sample(defn: TableDef, company: str) -> str:
    """company: the CompanyId of the tenant whose push it is."""
    body = contract.sample_notification(defn, company)
    return contract.to_json(body) + "\n"
