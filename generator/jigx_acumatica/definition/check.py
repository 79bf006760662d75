"""The table definition's rules, each failure reported with file:line:column and a fix."""

from __future__ import annotations

import difflib
from typing import Any

from .. import naming
from ..errors import ErrorList
from ..yamlio import plain, value_position
from .app_view import check_app
from .checker import Checker, did_you_mean
from .conditions import check_where
from .dacs import deleted_field
from .model import (
    COLUMN_KEYS,
    COLUMN_TYPES,
    INQUIRY_RE,
    JOIN_KEYS,
    JOIN_TYPES,
    TOP_KEYS,
    Column,
    Join,
    TableDef,
    default_on_change,
    writes_to,
)
from .source import check_odata, check_source


def check_definition(doc: dict[str, Any], path: str, text: str = "") -> TableDef:
    c = Checker(path)
    for k in doc:
        if not isinstance(k, str):
            c.fail(doc, k, f"key {k!r} must be text", at_value=False)
        elif k not in TOP_KEYS:
            c.fail(doc, k, f"unknown key '{k}'", did_you_mean(k, TOP_KEYS), at_value=False)

    entity = c.pattern(doc, "entity", c.text(doc, "entity", "entity"), naming.ENTITY_RE,
                       "entity '{value}' must be a name of ASCII letters, digits and '_' starting with a letter (at "
                       "most 64)",
                       "use the Acumatica entity name, e.g. Customer or SalesOrder")
    table = _check_table(c, doc, entity)
    inquiry = _check_inquiry(c, doc, table)
    dac, alias, modified, deleted_flag = check_source(c, doc)
    aliases: dict[str, str] = {alias: dac} if alias and dac else {}
    joins = _check_joins(c, doc, aliases)
    columns = _check_columns(c, doc, aliases, entity or "Row")
    key = _check_key(c, doc, columns)
    where = check_where(c, doc, aliases)
    odata, screen_id = check_odata(c, doc)
    on_change = _check_on_change(c, doc, table)
    app = check_app(c, doc, columns)
    tenants = _check_tenants(c, doc)

    if c.errors:
        raise ErrorList(c.errors)
    assert entity is not None and dac is not None  # both were reported above when missing
    return TableDef(
        entity=entity, table=table, inquiry=inquiry, dac=dac, alias=alias, modified=modified,
        deleted_flag=deleted_flag, joins=tuple(joins), key=tuple(key), columns=tuple(columns),
        on_change=on_change, path=path, text=text, deleted_field=deleted_field(dac), where=where,
        odata=odata, screen_id=screen_id, warnings=tuple(c.warnings), app=app, tenants=tenants,
        tenants_line=value_position(doc, "tenants")[0] if tenants else None,
    )


def _check_tenants(c: Checker, doc: dict[str, Any]) -> tuple[str, ...]:
    """tenants: the login names of the tenants this table is in (default: all the config declares)."""
    value = doc.get("tenants")
    if value is None:
        return ()
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        c.fail(doc, "tenants", "tenants must be a list of tenant login names, as jigx-acumatica.yaml declares them",
               "e.g. tenants: [MainCo, WestCo]; leave it out for every tenant")
        return ()
    if len(set(value)) != len(value):
        c.fail(doc, "tenants", "tenants lists a tenant twice", "list each tenant once")
    return tuple(dict.fromkeys(value))


def _check_table(c: Checker, doc: dict[str, Any], entity: str | None) -> str:
    if "table" in doc and doc["table"] is not None:
        table = c.text(doc, "table", "table")
        if table is None:
            return ""
        problem = naming.table_name_problem(table)
        if problem:
            c.fail(doc, "table", f"table name '{table}' {problem}", f"use '{naming.propose_table_name(table)}'")
        elif table in naming.SCAFFOLD_WORDS:
            c.fail(doc, "table", f"table name '{table}' is a word of Jigx's solution layout (its jigs and datasource "
                   f"would be jigs/{table}.jigx, datasources/{table}.jigx)", f"use e.g. '{table}-rows'")
        return table
    if entity is None:
        return ""
    table = naming.kebab(entity)
    problem = naming.table_name_problem(table) or (
        "is a word of Jigx's solution layout" if table in naming.SCAFFOLD_WORDS else None)
    if problem:
        c.fail(doc, "entity", f"the table name derived from entity, '{table}', {problem}",
               f"add 'table: {naming.propose_table_name(entity)}'")
    return table


def _check_inquiry(c: Checker, doc: dict[str, Any], table: str) -> str:
    if "inquiry" not in doc or doc["inquiry"] is None:
        return f"Jigx CDC {table}"
    value = c.text(doc, "inquiry", "inquiry (the Generic Inquiry title)")
    value = c.pattern(doc, "inquiry", value, INQUIRY_RE,
                      "inquiry title '{value}' may only contain ASCII letters, digits, spaces and _ . : ( ) / - "
                      "(at most 100)",
                      "pick a plain title such as 'Jigx CDC customers'")
    return value or ""


def _check_joins(c: Checker, doc: dict[str, Any], aliases: dict[str, str]) -> list[Join]:
    if "joins" not in doc or doc["joins"] is None:
        return []
    joins_node = doc["joins"]
    if not isinstance(joins_node, list):
        c.fail(doc, "joins", "joins must be a list", "start each join with '- dac: ...'")
        return []
    out = []
    for i, j in enumerate(joins_node):
        what = f"joins[{i + 1}]"
        if not isinstance(j, dict):
            c.fail(joins_node, i, f"{what} must be a mapping with dac, alias, type and on", "see docs/definitions.md")
            continue
        c.mapping(joins_node, i, j, JOIN_KEYS, what)
        dac = c.pattern(j, "dac", c.text(j, "dac", f"{what}.dac"), naming.DAC_RE,
                        "'{value}' is not a full DAC name", "e.g. PX.Objects.CR.Contact")
        alias = dac.rsplit(".", 1)[-1] if dac else None
        if "alias" in j and j["alias"] is not None:
            alias = c.pattern(j, "alias", c.text(j, "alias", f"{what}.alias"), naming.IDENT_RE,
                              "alias '{value}' must be ASCII letters, digits and '_'", "e.g. alias: Contact")
        if alias and alias.lower() in {a.lower() for a in aliases}:
            c.fail(j, "alias" if "alias" in j else "dac", f"alias '{alias}' is already used",
                   "give this join its own alias")
            alias = None
        jtype = "left"
        if "type" in j:
            jt = j["type"]
            if not isinstance(jt, str) or jt not in JOIN_TYPES:
                c.fail(j, "type", f"{what}.type must be one of {', '.join(JOIN_TYPES)}, not {jt!r}", "e.g. type: left")
            else:
                jtype = jt
        parent, pairs = _check_on(c, j, what, alias, aliases)
        if alias and dac:
            aliases[alias] = dac
            if parent:
                out.append(Join(dac=dac, alias=alias, type=jtype, parent=parent, on=tuple(pairs)))
    return out


def _check_on(c: Checker, j: dict[str, Any], what: str, alias: str | None, aliases: dict[str, str]
              ) -> tuple[str | None, list[tuple[str, str]]]:
    hint = f"write on: [[Parent.Field, {alias or 'Alias'}.Field]]"
    if "on" not in j:
        c.fail_at(j, f"{what}.on is required", hint)
        return None, []
    on = j["on"]
    if not isinstance(on, list) or not on:
        c.fail(j, "on", f"{what}.on must be a non-empty list of [Parent.Field, Child.Field] pairs", hint)
        return None, []
    parent: str | None = None
    pairs: list[tuple[str, str]] = []
    for k, pair in enumerate(on):
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
            c.fail(on, k, f"{what}.on[{k + 1}] must be a pair [Parent.Field, Child.Field]", hint)
            continue
        left, right = (naming.FIELD_REF_RE.match(x) for x in pair)
        if left is None or right is None:
            c.fail(on, k, f"{what}.on[{k + 1}]: each side must be Alias.Field", hint)
            continue
        (a1, f1), (a2, f2) = left.groups(), right.groups()
        if alias is None:
            continue
        if a2 != alias and a1 == alias:  # accept the pair written either way round
            (a1, f1), (a2, f2) = (a2, f2), (a1, f1)
        if a2 != alias:
            c.fail(on, k, f"{what}.on[{k + 1}] does not mention the joined alias '{alias}'", hint)
            continue
        if a1 not in aliases:
            c.fail(on, k, f"{what}.on[{k + 1}]: alias '{a1}' is not declared before this join",
                   f"declared so far: {', '.join(aliases) or 'none'}")
            continue
        if parent is not None and a1 != parent:
            c.fail(on, k, f"{what}.on: all pairs must join '{alias}' to the same table ('{parent}')", hint)
            continue
        parent = a1
        pairs.append((f1, f2))
    return parent, pairs


def _check_columns(c: Checker, doc: dict[str, Any], aliases: dict[str, str], entity: str) -> list[Column]:
    if "columns" not in doc:
        c.fail_at(doc, "'columns' is required", "add 'columns:' mapping output names to Alias.Field")
        return []
    cols = doc["columns"]
    if not isinstance(cols, dict) or not cols:
        c.fail(doc, "columns", "columns must be a non-empty mapping of OutputName: Alias.Field",
               "e.g. CustomerID: Customer.AcctCD")
        return []
    out: list[Column] = []
    seen: dict[str, str] = {}
    for name, spec in cols.items():
        if not isinstance(name, str):
            c.fail(cols, name, f"column name {name!r} must be text", at_value=False)
            continue
        lname = name.lower()
        if lname in naming.RESERVED_COLUMNS:
            c.fail(cols, name, f"column name '{name}' is reserved: the tool adds _tab, _del and _mod itself",
                   "remove it or rename it", at_value=False)
            continue
        if name == "id":  # a datasource row would have two 'id' keys: the row's own and this one
            c.fail(cols, name, f"column name '{name}' is Jigx's own row id (every datasource selects it)",
                   f"rename it, e.g. to '{entity}ID'", at_value=False)
            continue
        note = next((f for f in naming.NOTE_FIELDS if f.lower() == lname), None)
        if note:
            c.fail(cols, name, f"column name '{name}' is the name of a notes field Acumatica's inquiry adds by itself "
                   f"({', '.join(naming.NOTE_FIELDS)})", f"rename it, e.g. to '{entity}{note}'", at_value=False)
            continue
        if not naming.COLUMN_RE.match(name):
            suggested = naming.ascii_name(name)
            c.fail(cols, name, f"column name '{name}' must be ASCII letters, digits and '_', starting with a letter "
                   "(Acumatica strips other characters from captions)",
                   f"rename it to '{suggested}'" if suggested else "rename it with ASCII letters (A-Z, a-z), digits "
                   "and '_'", at_value=False)
            continue
        if lname in seen:
            c.fail(cols, name, f"column name '{name}' repeats '{seen[lname]}' (names must differ ignoring case)",
                   "rename one of them", at_value=False)
            continue
        seen[lname] = name
        ref, ctype = _column_spec(c, cols, name, spec)
        if ref is None:
            continue
        m = naming.FIELD_REF_RE.match(ref)
        if not m:
            c.fail(*(_spec_node(cols, name, spec)), f"column '{name}': '{ref}' must be Alias.Field",
                   "e.g. Customer.AcctCD")
            continue
        alias, fld = m.groups()
        if aliases and alias not in aliases:  # no aliases: source is broken and already reported
            c.fail(*(_spec_node(cols, name, spec)), f"column '{name}': alias '{alias}' is not declared",
                   f"declared aliases: {', '.join(aliases) or 'none'}")
            continue
        out.append(Column(name=name, alias=alias, field=fld, type=ctype))
    return out


def _spec_node(cols: dict[str, Any], name: str, spec: Any) -> tuple[Any, Any]:
    return (spec, "field") if isinstance(spec, dict) and "field" in spec else (cols, name)


def _column_spec(c: Checker, cols: dict[str, Any], name: str, spec: Any) -> tuple[str | None, str]:
    if isinstance(spec, str) and not isinstance(spec, bool):
        return str(spec), "string"
    if isinstance(spec, dict):
        c.mapping(cols, name, spec, COLUMN_KEYS, f"column '{name}'")
        ref = c.text(spec, "field", f"column '{name}' field")
        ctype = "string"
        if "type" in spec:
            t = spec["type"]
            if not isinstance(t, str) or t not in COLUMN_TYPES:
                close = difflib.get_close_matches(str(t), COLUMN_TYPES, n=1)
                c.fail(spec, "type", f"column '{name}': unknown type {t!r}",
                       (f"did you mean '{close[0]}'? " if close else "") + f"types: {', '.join(COLUMN_TYPES)}")
            else:
                ctype = t
        return ref, ctype
    c.fail(cols, name, f"column '{name}' must be Alias.Field or a mapping with field and type",
           "e.g. Email: {field: Contact.EMail, type: string}")
    return None, "string"


def _check_key(c: Checker, doc: dict[str, Any], columns: list[Column]) -> list[str]:
    hint = "name the output column(s) that identify a row, e.g. key: [CustomerID]"
    if "key" not in doc or doc["key"] is None:
        c.fail_at(doc, "'key' is required: the column(s) that identify a row", hint)
        return []
    node = doc["key"]
    items = [node] if isinstance(node, str) else node
    if not isinstance(items, list) or not items:
        c.fail(doc, "key", "key must name at least one column", hint)
        return []
    written = doc.get("columns")
    if not isinstance(written, dict):
        return [k for k in items if isinstance(k, str)]  # columns are broken and reported already
    names = {str(name) for name in written} | {col.name for col in columns}
    out: list[str] = []
    for i, k in enumerate(items):
        parent, at = (node, i) if isinstance(node, list) else (doc, "key")
        if not isinstance(k, str):
            c.fail(parent, at, f"key entry {k!r} must be a column name", hint)
        elif k in out:
            c.fail(parent, at, f"key column '{k}' is listed twice", "list each key column once")
        elif k not in names:
            close = difflib.get_close_matches(k, sorted(names), n=1)
            c.fail(parent, at, f"key column '{k}' is not one of the columns",
                   f"did you mean '{close[0]}'?" if close else "add it under columns first")
        else:
            out.append(k)
    return out


def _check_on_change(c: Checker, doc: dict[str, Any], table: str) -> dict[str, Any]:
    if "on_change" not in doc or doc["on_change"] is None:
        return default_on_change(table)
    node = doc["on_change"]
    if not isinstance(node, dict):
        c.fail(doc, "on_change", "on_change must be one Jigx action (a mapping with type and options)",
               "e.g. on_change: {type: action.sync-entities, options: {...}}")
        return {}
    atype = c.text(node, "type", "on_change.type")
    if atype is not None and not atype.startswith("action."):
        c.fail(node, "type", f"on_change.type '{atype}' is not a Jigx action", "Jigx action types start with 'action.'")
    if "options" in node and not isinstance(node["options"], (dict, type(None))):
        c.fail(node, "options", "on_change.options must be a mapping",
               "e.g. options: {provider: DATA_PROVIDER_DYNAMIC}")
    action: dict[str, Any] = plain(node)
    target = writes_to(action, table)
    if target:
        c.fail(doc, "on_change", f"on_change writes to '{target}', the table it watches: that would loop forever",
               "sync or read the table instead (action.sync-entities), or write to another table")
    return action


