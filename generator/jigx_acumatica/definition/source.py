"""The definition's source table: DAC, alias, the field behind _mod, whether the inquiry can carry
_del, and the OData opt-in that publishes it."""

from __future__ import annotations

import re
from typing import Any

from .. import naming
from .checker import Checker, boolean_fix, kind_of
from .dacs import SETTLE_DELETED_ROWS, deleted_rows
from .model import SOURCE_KEYS


def check_source(c: Checker, doc: dict[str, Any]) -> tuple[str, str, str, bool]:
    if "source" not in doc:
        c.fail_at(doc, "'source' is required", "add 'source:' with 'dac: PX.Objects.AR.Customer'")
        return "", "", "LastModifiedDateTime", True
    src = doc["source"]
    if not c.mapping(doc, "source", src, SOURCE_KEYS, "source"):
        return "", "", "LastModifiedDateTime", True
    dac = c.pattern(src, "dac", c.text(src, "dac", "source.dac"), naming.DAC_RE,
                    "source.dac '{value}' is not a full DAC name",
                    "write the namespace too, e.g. PX.Objects.AR.Customer")
    alias = dac.rsplit(".", 1)[-1] if dac else ""
    if "alias" in src and src["alias"] is not None:
        alias = c.pattern(src, "alias", c.text(src, "alias", "source.alias"), naming.IDENT_RE,
                          "alias '{value}' must be ASCII letters, digits and '_'", "e.g. alias: Customer") or ""
    modified = "LastModifiedDateTime"
    if "modified" in src and src["modified"] is not None:
        modified = c.pattern(src, "modified", c.text(src, "modified", "source.modified"), naming.IDENT_RE,
                             "source.modified '{value}' must be a field name of the main table",
                             "e.g. modified: LastModifiedDateTime") or modified
    return dac or "", alias, modified, _deleted_flag(c, src, dac)


def _deleted_flag(c: Checker, src: dict[str, Any], dac: str | None) -> bool:
    """Whether the inquiry carries _del (DeletedDatabaseRecord): only where the DAC's table keeps
    deleted rows; elsewhere Acumatica would drop the column silently (see dacs.py)."""
    kind = deleted_rows(dac) if dac else "unknown"
    if "deleted_flag" not in src or src["deleted_flag"] is None:
        if kind == "unknown" and dac:
            c.warn(src, "dac", f"it is not known whether {dac} keeps deleted rows, so the inquiry has no _del column "
                   "and deletions arrive as rows in Deleted only",
                   f"settle it on your instance: {SETTLE_DELETED_ROWS} Yes: set 'deleted_flag: true' under "
                   "source; no: 'deleted_flag: false' (either silences this warning)")
        return kind == "keeps"
    value = src["deleted_flag"]
    if not isinstance(value, bool):
        c.fail(src, "deleted_flag", f"source.deleted_flag must be true or false (a YAML boolean), not {kind_of(value)} "
               f"{value!r}", boolean_fix("deleted_flag", value))
        return False
    return bool(value)


SCREEN_ID_RE = re.compile(r"^[A-Z]{2}[A-Z0-9]{6}$")


def check_odata(c: Checker, doc: dict[str, Any]) -> tuple[bool, str | None]:
    """odata: true publishes the inquiry with a screen ID (a site map entry) and exposes it over
    OData, which only published inquiries can be (docs/platform-facts.md, "OData")."""
    odata = doc.get("odata")
    if odata is not None and not isinstance(odata, bool):
        c.fail(doc, "odata", f"odata must be true or false, not {kind_of(odata)} {odata!r}", boolean_fix("odata",
                                                                                                         odata))
        return False, None
    screen_id = c.text(doc, "screen_id", "screen_id", required=False) if "screen_id" in doc else None
    if screen_id is not None and not SCREEN_ID_RE.match(screen_id):
        c.fail(doc, "screen_id", f"screen_id '{screen_id}' is not an Acumatica screen ID: two letters, then six "
               "letters or digits, upper case (as GI400001 or IGCM0102)", "e.g. screen_id: GI990001")
        return bool(odata), None
    if odata and screen_id is None:
        c.fail_at(doc, "odata: true needs a screen_id: OData serves only inquiries published with a screen ID",
                  "add 'screen_id: GI990001' (an ID no other screen on your Acumatica uses)")
    if screen_id is not None and not odata:
        c.warn(doc, "screen_id", "screen_id is used only with 'odata: true'", "add 'odata: true', or remove screen_id")
    return bool(odata), screen_id
