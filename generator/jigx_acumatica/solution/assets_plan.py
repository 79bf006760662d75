"""assets/icons.jigx: Jigx preloads the icons listed there, so they show when the app is offline
(Jigx Builder keeps the list; a solution built without it has none). The file is the user's: the
icons the tool's jigs and tabs use are added to its `icons:` list, never removed, every other
line kept."""

from __future__ import annotations

from collections.abc import Iterable

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ..errors import ToolError
from ..fsutil import read_if_exists
from ..yamlio import dump, load_positions
from .plan import Plan, plan_file

ICONS_FILE = "assets/icons.jigx"
HOME_ICON = "home-apps-logo"


def icons_text(current: str | None, icons: Iterable[str]) -> str | None:
    """The file with these icons in its list (None: it cannot be read as a list of icons, and is
    left as it is for doctor to report)."""
    wanted = sorted(set(icons))
    if current is None:
        doc = CommentedMap([("icons", CommentedSeq(wanted))])
        doc.yaml_set_start_comment("Icons Jigx preloads for offline use; jigx-acumatica adds the ones its jigs use.")
        return dump(doc)
    try:
        doc = load_positions(current, ICONS_FILE)
    except ToolError:
        return None
    if doc is None:
        doc = CommentedMap()
    if not isinstance(doc, CommentedMap) or not isinstance(doc.get("icons", []), (list, type(None))):
        return None
    if doc.get("icons") is None:
        doc["icons"] = CommentedSeq()
    listed = doc["icons"]
    missing = [i for i in wanted if i not in listed]
    if not missing:
        return current
    listed.extend(missing)
    return dump(doc)


def plan_icons(plan: Plan, icons: Iterable[str]) -> None:
    current = read_if_exists(plan.root / ICONS_FILE)
    new = icons_text(current, icons)
    if new is not None:
        plan_file(plan, ICONS_FILE, current, new, silent=current is not None)
