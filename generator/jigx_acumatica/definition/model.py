"""The table definition as the rest of the tool sees it: plain, frozen, already checked."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import located

COLUMN_TYPES = ("string", "int", "decimal", "bool", "date", "datetime", "guid")
JOIN_TYPES = {"inner": "I", "left": "L", "right": "R", "full": "F"}
INQUIRY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.:()/-]{0,99}$")

TOP_KEYS = ("entity", "table", "inquiry", "source", "joins", "key", "columns", "where", "odata", "screen_id",
            "on_change", "app", "tenants")
APP_KEYS = ("id", "title", "subtitle", "description", "label", "tab_label", "icon")
SOURCE_KEYS = ("dac", "alias", "modified", "deleted_flag")
JOIN_KEYS = ("dac", "alias", "type", "on")
COLUMN_KEYS = ("field", "type")
# Jigx actions that write to a Dynamic Data entity; running one on the table being watched loops.
WRITING_ACTIONS = ("action.execute-entity", "action.execute-entities", "action.submit-form")


@dataclass(frozen=True)
class Column:
    name: str
    alias: str
    field: str
    type: str = "string"


@dataclass(frozen=True)
class Join:
    dac: str
    alias: str
    type: str  # inner | left | right | full
    parent: str  # alias of the table it joins to
    on: tuple[tuple[str, str], ...]  # (parent field, child field)


# Condition operators of the definition -> Acumatica's GIWhere Condition codes (reference:
# docs/platform-facts.md, "Generic Inquiry XML and packages": E NE G GE L LE B LI NL RL LL NU NN IN NI).
CONDITION_CODES = {
    "equals": "E", "not-equals": "NE", "greater": "G", "greater-or-equal": "GE", "less": "L",
    "less-or-equal": "LE", "between": "B", "contains": "LI", "starts-with": "RL", "ends-with": "LL",
    "is-empty": "NU", "is-not-empty": "NN",
}
NO_VALUE_OPS = ("is-empty", "is-not-empty")


@dataclass(frozen=True)
class Condition:
    """One condition row: Alias.Field, an operator, and the values as Acumatica stores them."""

    alias: str
    field: str
    op: str
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class AnyOf:
    """Conditions of which one must hold: an OR group in brackets."""

    items: tuple[Condition | AnyOf, ...]


Where = tuple["Condition | AnyOf", ...]  # every item must hold (AND), in order


@dataclass(frozen=True)
class Warning:
    """Something the definition leaves to chance; the run goes on and says so."""

    path: str
    line: int | None
    message: str
    hint: str = ""

    def render(self) -> str:
        return f"{located(self.path, self.line)}: {self.message}" + (f"\n  fix: {self.hint}" if self.hint else "")


@dataclass(frozen=True)
class AppView:
    """What the table's list shows (column names; empty: the tool's choice), its tab's label and
    its icon (app: in the definition), so these are never hand edits that later conflict."""

    title: tuple[str, ...] = ()
    subtitle: tuple[str, ...] = ()
    description: tuple[str, ...] = ()
    label: tuple[str, ...] = ()
    tab_label: str | None = None
    icon: str | None = None
    id: str | None = None  # the id of the table's jigs and datasource (default: the table name)


@dataclass(frozen=True)
class TableDef:
    entity: str
    table: str
    inquiry: str
    dac: str
    alias: str
    modified: str
    deleted_flag: bool
    joins: tuple[Join, ...]
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    on_change: dict[str, Any] = field(hash=False, compare=False)
    path: str = ""
    text: str = field(default="", repr=False, compare=False)
    deleted_field: str = "DeletedDatabaseRecord"  # spelled as the designer offers it for this DAC
    where: Where = ()
    odata: bool = False  # publish with a screen ID and expose over OData (for backfill)
    screen_id: str | None = None
    warnings: tuple[Warning, ...] = field(default=(), compare=False)
    app: AppView = field(default_factory=AppView, compare=False)
    tenants: tuple[str, ...] = ()  # the tenants (login names) it is in; empty: every declared tenant
    tenants_line: int | None = field(default=None, compare=False)

    @property
    def app_id(self) -> str:
        """The id of the table's datasource and jigs: app.id, else the table name."""
        return self.app.id or self.table

    def aliases(self) -> dict[str, str]:
        """alias -> DAC, main table first."""
        out = {self.alias: self.dac}
        out.update({j.alias: j.dac for j in self.joins})
        return out


def default_on_change(table: str) -> dict[str, Any]:
    return {
        "type": "action.sync-entities",
        "options": {"provider": "DATA_PROVIDER_DYNAMIC", "entities": [f"default/{table}"]},
    }


def writes_to(action: Any, table: str) -> str | None:
    """The watched table's name if this action (or one nested in it) writes to it."""
    if isinstance(action, list):
        return next((t for a in action if (t := writes_to(a, table))), None)
    if not isinstance(action, dict):
        return None
    options: dict[str, Any] = action["options"] if isinstance(action.get("options"), dict) else {}
    if action.get("type") in WRITING_ACTIONS:
        for entity in (options.get("entity"), action.get("entity")):
            if isinstance(entity, str) and entity.removeprefix("default/") == table:
                return entity
    return writes_to(options.get("actions"), table)


