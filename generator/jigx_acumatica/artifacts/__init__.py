"""Every file the tool generates for a table, one module per file:

- inquiry.py: acumatica/<table>/generic-inquiry.xml and generic-inquiry.md
- push_checklist.py: acumatica/<table>/push-notification.md
- sample_push.py: acumatica/<table>/sample-push.json
- datasource.py: datasources/<table>.jigx
- list_jig.py: jigs/<table>.jigx, a searchable list of the table's rows, and jigs/<table>-detail.jigx
- jigx.py: the onTableChanged entry, the table declaration and the solution skeleton
"""

from __future__ import annotations

from ..config import PLACEHOLDER_COMPANY, Target
from ..definition import TableDef
from ..layout import artifact_dir, datasource_file
from ..templates import render
from ..tenancy import Feed, Tenant
from . import inquiry
from .datasource import render_datasource
from .list_jig import detail_jig_id, jig_id, render_detail_jig, render_list_jig
from .provenance import with_header
from .push_checklist import render_checklist
from .sample_push import render_sample

README_TEMPLATE = "acumatica-readme.md.j2"


def render_all(defn: TableDef, target: Target, source: str, *, odata_role: str | None = None,
               feeds: list[Feed] | None = None) -> dict[str, str]:
    """Every tool-owned file for one table: relative path -> text (with its provenance line).
    odata_role: the project's odataRole, which the docs say is granted (or how to grant by hand).
    feeds: the tenants' tables of this definition (default: one, the table itself, for the
    target's company); each gets its own checklist and sample push, and the app reads them all."""
    gi = inquiry.build(defn)
    folder = artifact_dir(defn.table)
    feeds = feeds or [Feed(defn, Tenant(None, target.company or PLACEHOLDER_COMPANY, ""), defn.table)]
    # with several tenants declared, each row on the phone says whose it is
    sources = [(f.table, f.tenant.shown) for f in feeds] if feeds[0].tenant.among_several else None
    bodies = {
        f"{folder}/generic-inquiry.xml": inquiry.render_xml(gi),
        f"{folder}/generic-inquiry.md": inquiry.render_spec(defn, gi, source, odata_role),
    }
    for feed in feeds:
        own = feed.tenant.folder(defn.table)
        bodies[f"{own}/push-notification.md"] = render_checklist(
            defn, gi, target, source, odata_role, feed=feed if sources else None)
        bodies[f"{own}/sample-push.json"] = render_sample(defn, feed.tenant.company_id)
    bodies.update({
        datasource_file(defn.app_id): render_datasource(defn, sources),
        f"jigs/{jig_id(defn.app_id)}.jigx": render_list_jig(defn, sources),
        f"jigs/{detail_jig_id(defn.app_id)}.jigx": render_detail_jig(defn, sources),
    })
    return {path: with_header(path, body, source) for path, body in bodies.items()}


def readme_text() -> str:
    """acumatica/README.md, written once when a solution is started."""
    return with_header("README.md", render(README_TEMPLATE), None)
