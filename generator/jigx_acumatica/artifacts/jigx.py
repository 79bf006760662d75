"""The Jigx entries the tool manages in files the user owns (onTableChanged item, table
declaration) and the skeleton of a new solution."""

from __future__ import annotations

import copy
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ..definition import TableDef
from ..yamlio import dump


def table_changed_entry(defn: TableDef, *, watched_as: str | None = None) -> dict[str, Any]:
    """The plain onTableChanged item the tool manages for this table. watched_as: the definition's
    own table, when defn is another tenant's table of it: the action's default/<own> becomes
    default/<that table>, so each tenant's change syncs its own table."""
    action = copy.deepcopy(defn.on_change)
    if watched_as and watched_as != defn.table:
        action = _renamed(action, f"default/{watched_as}", f"default/{defn.table}")
    return {"table": defn.table, "action": action}


def _renamed(value: Any, old: str, new: str) -> Any:
    if isinstance(value, dict):
        return {k: _renamed(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, old, new) for v in value]
    return new if value == old else value


def database_text(tables: list[str]) -> str:
    doc = CommentedMap()
    doc["databaseId"] = "default"
    doc["tables"] = CommentedMap((t, None) for t in tables)
    return dump(doc)


def index_skeleton(name: str, title: str, category: str) -> CommentedMap:
    doc = CommentedMap()
    doc["name"] = name
    doc["title"] = title
    doc["category"] = category
    home = CommentedMap([("jigId", "home"), ("icon", "home-apps-logo")])
    doc["tabs"] = CommentedMap([("home", home)])
    return doc


def index_text(name: str, title: str, category: str, *, tabs: dict[str, Any] | None = None,
               entries: list[Any] | None = None) -> str:
    """A new index.jigx: the skeleton, with the tables' tabs and onTableChanged entries when given
    (emitted whole: a new file needs no splicing)."""
    from ..yamlio import yaml_node

    doc = index_skeleton(name, title, category)
    for tab, value in (tabs or {}).items():
        doc["tabs"][tab] = yaml_node(value)
    if entries:
        doc["onTableChanged"] = yaml_node(entries)
    return dump(doc)


def home_jig_text(title: str) -> str:
    field = CommentedMap([("label", "Data"), ("value", "Kept in sync from Acumatica by onTableChanged")])
    entity = CommentedMap([("type", "component.entity"),
                           ("options", CommentedMap([("children", CommentedSeq([
                               CommentedMap([("type", "component.entity-field"), ("options", field)])]))]))])
    doc = CommentedMap([("title", title), ("type", "jig.default"), ("children", CommentedSeq([entity]))])
    return dump(doc)


GRID_WIDGET_SIZE = "2x2"  # a list jig's widget shows its first rows; its badge the count


def home_grid_text(title: str, jigs: list[str]) -> str:
    """The home jig: one widget per managed table (its list jig, by id), or the plain skeleton when
    there is no table yet. Jigx shows four tabs at most, so the home is what reaches every table."""
    if not jigs:
        return home_jig_text(title)
    items = CommentedSeq()
    for jig in jigs:
        widget = CommentedMap([("type", "component.jig-widget"), ("options", CommentedMap([("jigId", jig)]))])
        items.append(CommentedMap([("type", "component.grid-item"),
                                   ("options", CommentedMap([("size", GRID_WIDGET_SIZE), ("children", widget)]))]))
    grid = CommentedMap([("type", "component.grid"), ("options", CommentedMap([("children", items)]))])
    doc = CommentedMap([("title", title), ("type", "jig.default"), ("children", CommentedSeq([grid]))])
    doc.yaml_set_start_comment("The home: one widget per table kept in sync from Acumatica. jigx-acumatica keeps it "
                               "up to date;\nedit it and it becomes yours (generate then leaves it as it is).")
    return dump(doc)


def tab_entry(defn: TableDef) -> dict[str, Any]:
    """The tab the tool adds to index.jigx for a table's list jig."""
    from .list_jig import icon_for, jig_id, tab_label

    return {"jigId": jig_id(defn.app_id), "icon": icon_for(defn), "label": tab_label(defn)}
