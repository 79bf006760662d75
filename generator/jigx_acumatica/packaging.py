"""`package`: the customization project ZIP of a solution, kept up to date by generate, or written
elsewhere (--out), optionally with experimental push definitions (--with-push)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .artifacts import inquiry
from .artifacts.package import push_item, render_package
from .artifacts.push_checklist import tracking
from .config import Settings, Target, load_config, load_settings
from .definition import TableDef
from .errors import InputError
from .fsutil import os_error, write_all
from .naming import lower_camel, stable_uuid
from .solution.layout import require_solution


@dataclass
class PushCodes:
    """The stored codes SM302000 uses for a Webhook destination and a Generic Inquiry source:
    undocumented, so read from one push definition exported on SM302000."""

    type_code: str
    source_type: str


def build(root: Path, defs: list[TableDef], *, settings: Settings | None = None, target: Target | None = None,
          push: PushCodes | None = None) -> bytes:
    """The package for these tables, rendered fresh (the same bytes generate writes when push is None)."""
    settings = settings or load_settings(root)
    target = target or load_config(root)
    ordered = sorted(defs, key=lambda d: d.table)
    xmls = [inquiry.render_xml(inquiry.build(d)) for d in ordered]
    extra = [_push(d, target, push) for d in ordered] if push else None
    return render_package(xmls, product_version=settings.product_version, extra_items=extra)


def _push(defn: TableDef, target: Target, codes: PushCodes) -> str:
    track = tracking(defn)
    fields = [(f.split(".")[0], lower_camel(f.split(".")[1])) for f, _ in track.fields]
    return push_item(hook_id=stable_uuid(defn.table, "push-definition"), name=f"Jigx {defn.table}",
                     address=target.url(defn.table), design_id=inquiry.build(defn).design_id,
                     type_code=codes.type_code, source_type=codes.source_type, track_all=track.track_all,
                     tracked=fields)


def write_package(root: Path, out: Path, data: bytes) -> None:
    """Write a package outside the managed files, atomically."""
    require_solution(root)
    if out.suffix != ".zip":
        raise InputError("the package file must end in .zip", path=out, hint="e.g. --out jigx-cdc.zip")
    try:
        write_all([(out, data)])
    except OSError as exc:
        raise os_error(exc, out, "write the package") from None
