"""acumatica/<table>/sample-push.json: one insert exactly as Acumatica would push it.

JSON, so no provenance header: the file must equal a real push byte for byte."""

from __future__ import annotations

from .. import push_contract as contract
from ..config import PLACEHOLDER_COMPANY, Target
from ..definition import TableDef


def render_sample(defn: TableDef, target: Target) -> str:
    body = contract.sample_notification(defn, target.company or PLACEHOLDER_COMPANY)
    return contract.to_json(body) + "\n"
