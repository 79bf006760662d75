"""The definition's app: block: which columns the list shows where, the tab's label, the icon."""

from __future__ import annotations

import re
from typing import Any

from .. import naming
from .checker import Checker
from .model import APP_KEYS, AppView, Column

ICON_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
PLACES = ("title", "subtitle", "description", "label")


def check_app(c: Checker, doc: dict[str, Any], columns: list[Column]) -> AppView:
    if "app" not in doc or doc["app"] is None:
        return AppView()
    app = doc["app"]
    if not c.mapping(doc, "app", app, APP_KEYS, "app"):
        return AppView()
    names = [col.name for col in columns]
    places: dict[str, tuple[str, ...]] = {}
    for place in PLACES:
        if place not in app or app[place] is None:
            continue
        value = app[place]
        listed = value if isinstance(value, list) else [value]
        if not listed or not all(isinstance(v, str) for v in listed):
            c.fail(app, place, f"app.{place} must be a column name or a list of them", f"e.g. {place}: {names[0]}"
                   if names else None)
            continue
        unknown = [v for v in listed if v not in names and v != "_mod"]
        if unknown and names:
            c.fail(app, place, f"app.{place}: {', '.join(unknown)} is not a column of this definition",
                   f"columns: {', '.join(names)}")
            continue
        places[place] = tuple(listed)
    tab_label = c.text(app, "tab_label", "app.tab_label", required=False) if "tab_label" in app else None
    app_id = c.text(app, "id", "app.id", required=False) if "id" in app else None
    if app_id is not None and (naming.table_name_problem(app_id) or app_id in naming.SCAFFOLD_WORDS):
        c.fail(app, "id", f"app.id '{app_id}' is not an id Jigx files can have (lowercase letters, digits, '-' and "
               "'_', 2 to 30, not a word of the solution layout)", "e.g. id: customers-acu")
        app_id = None
    icon = c.text(app, "icon", "app.icon", required=False) if "icon" in app else None
    if icon is not None and not ICON_RE.match(icon):
        c.fail(app, "icon", f"app.icon '{icon}' is not a Jigx icon name (lowercase words joined by '-')",
               "pick one from Jigx's icon list (docs.jigx.com/jigx-icons), e.g. icon: delivery-truck-2")
        icon = None
    return AppView(title=places.get("title", ()), subtitle=places.get("subtitle", ()),
                   description=places.get("description", ()), label=places.get("label", ()),
                   tab_label=tab_label, icon=icon, id=app_id)
