"""The customization package in a plan: rebuilt from every managed table's generic-inquiry.xml
whenever one changes, and decided by the three-way rule like any generated file."""

from __future__ import annotations

from typing import Any

from ..artifacts.package import render_package
from ..config import Settings
from ..fsutil import digest, read_bytes_if_exists, read_if_exists
from .layout import artifact_dir
from .plan import CONFLICT, CREATE, DELETE, IDENTICAL, SKIP, UPDATE, Change, Plan, decide
from .state import State


def inquiry_file(table: str) -> str:
    return f"{artifact_dir(table)}/generic-inquiry.xml"


def plan_package(plan: Plan, tables: dict[str, Any], old: State, settings: Settings, *, force: bool) -> dict[str, str]:
    """Plan the package for these managed tables (state entries); returns its state record."""
    rel = settings.package
    recorded: dict[str, str] = old["package"] if isinstance(old.get("package"), dict) else {}
    base = recorded.get("hash") if recorded.get("path") == rel else None
    names = [t for t in sorted(tables) if inquiry_file(t) in (tables[t].get("files") or {})]
    inputs = digest("\0".join([settings.product_version] + [f"{t}:{tables[t]['files'][inquiry_file(t)]}" for t in names]))
    current = read_bytes_if_exists(plan.root / rel)
    now = None if current is None else digest(current)
    if not names:
        if current is not None and now == base:
            plan.add(Change(DELETE, rel, "file", None, "no table left to package"))
            plan.deletes[rel] = current
        return {}
    if recorded.get("inputs") == inputs and now is not None and now == base:
        plan.add(Change(IDENTICAL, rel, "file", None))
        return dict(recorded)
    texts = [_inquiry_text(plan, t) for t in names]
    new = render_package([t for t in texts if t is not None], product_version=settings.product_version)
    action = decide(now, base, digest(new), force=force)
    if action == SKIP and current is None:
        action = CREATE  # a generated file comes back when deleted
    detail = {SKIP: "edited by hand; kept (--force overwrites)",
              CONFLICT: "changed by hand and the inquiries changed too (--force overwrites)"}.get(action, "")
    plan.add(Change(action, rel, "file", None, detail))
    if action in (CREATE, UPDATE):
        plan.writes[rel] = (current, new)
    return {"path": rel, "hash": digest(new), "inputs": inputs}


def _inquiry_text(plan: Plan, table: str) -> str | None:
    rel = inquiry_file(table)
    pending = plan.writes.get(rel)
    if pending is not None and isinstance(pending[1], str):
        return pending[1]
    return read_if_exists(plan.root / rel)
