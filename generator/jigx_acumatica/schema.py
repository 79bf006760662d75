"""The project's own JSON Schemas for the Jigx file shapes it reads and writes.

Jigx publishes no schema for .jigx files; these encode the rules in docs/platform-facts.md, "Jigx's CDC endpoint"."""

from __future__ import annotations

from typing import Any

TABLE_NAME = r"^[a-z][a-z0-9_-]{0,28}[a-z0-9]$"

ACTION = {
    "type": "object",
    "required": ["type"],
    "properties": {"type": {"type": "string", "pattern": r"^action\."}, "options": {"type": ["object", "null"]}},
}

INDEX = {
    "type": "object",
    "required": ["name", "title", "category"],
    "properties": {
        "name": {"type": "string", "pattern": r"^[a-z][a-z0-9-]{0,49}$"},
        "title": {"type": "string", "minLength": 1, "maxLength": 50},
        "category": {"type": "string", "minLength": 1, "maxLength": 20},
        "description": {"type": "string"},
        "tabs": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {
                "type": "object",
                "required": ["jigId", "icon"],
                "properties": {"jigId": {"type": "string"}, "icon": {"type": "string"}, "label": {"type": "string"}},
            },
        },
        "onTableChanged": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["table", "action"],
                "additionalProperties": False,
                "properties": {"table": {"type": "string", "pattern": TABLE_NAME}, "action": ACTION},
            },
        },
    },
    "not": {"anyOf": [{"required": ["widgets"]}, {"required": ["stories"]}, {"required": ["home"]}]},
}

DATABASE = {
    "type": "object",
    "required": ["tables"],
    "properties": {
        "databaseId": {"const": "default"},
        "tables": {
            "type": "object",
            "propertyNames": {"pattern": TABLE_NAME},
            "additionalProperties": {"type": ["null", "object"]},
        },
    },
}

DATASOURCE = {
    "type": "object",
    "required": ["type", "options"],
    "properties": {
        "type": {"const": "datasource.sqlite"},
        "options": {
            "type": "object",
            "required": ["provider", "entities", "query"],
            "properties": {
                "provider": {"const": "DATA_PROVIDER_DYNAMIC"},
                "entities": {"type": "array", "minItems": 1},
                "query": {"type": "string", "minLength": 1},
            },
        },
    },
}

JIG = {
    "type": "object",
    "required": ["title", "type"],
    "properties": {
        "title": {"type": "string"},
        "type": {"type": "string", "pattern": r"^jig\."},
        "badge": {"type": ["string", "number"]},
        "isSearchable": {"type": "boolean"},
        "placeholders": {"type": "array", "items": {"type": "object", "required": ["title"]}},
        "onRefresh": ACTION,
        "datasources": {"type": "object", "additionalProperties": DATASOURCE},
    },
}

SCHEMAS = {"index": INDEX, "database": DATABASE, "datasource": DATASOURCE, "jig": JIG}


def problems(kind: str, data: Any) -> list[tuple[str, str]]:
    """(JSON path, message) for every way data breaks the shape `kind`."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(SCHEMAS[kind])
    out = []
    for err in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        path = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        message = err.message
        if err.validator == "not" and kind == "index":
            message = "deprecated keys (widgets, stories, home) must not be used"
        out.append((path, message))
    return out
