"""The text the tool writes into SQL and into Jigx expressions, one place for each rule.

SQL: every identifier is quoted, so a column named Order, Group or Values is a column, not a
keyword. Jigx expressions are JSONata, where `&` turns a null into the text "null": joined parts
skip null and empty values, dates are shown readable and amounts grouped, each guarded so that a
missing or malformed value shows nothing instead of failing."""

from __future__ import annotations

import re

from ..definition import Column

# JSONata's own words: a field of this name must be written in backticks.
_JSONATA_WORDS = frozenset({"and", "or", "in", "true", "false", "null", "function"})
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DATE_PICTURE = "[D1] [MNn,*-3] [Y0001]"
DATE_TIME_PICTURE = "[D1] [MNn,*-3] [Y0001] [H01]:[m01]"
AMOUNT_PICTURE = "#,##0.00"


def sql_name(name: str) -> str:
    """An SQL identifier, quoted (SQLite's double quotes, a quote inside doubled)."""
    return '"' + name.replace('"', '""') + '"'


def json_field(name: str) -> str:
    """json_extract of one key of a row's JSON document."""
    return f"json_extract(data, '$.{name}')"


def field_ref(base: str, name: str) -> str:
    """A JSONata path to a field of base (@ctx.current.item, a datasource row, ...)."""
    return f"{base}.{name}" if _PLAIN.match(name) and name not in _JSONATA_WORDS else f"{base}.`{name}`"


def shown(ref: str, column: Column | None) -> str:
    """One value as a person reads it: a date in words, an amount grouped; anything else as is.
    A null, an empty or a malformed value gives nothing (JSONata's undefined)."""
    kind = column.type if column is not None else "string"
    if kind in ("date", "datetime"):  # a conditional without an else: undefined when false
        picture = DATE_PICTURE if kind == "date" else DATE_TIME_PICTURE
        return (f"($type({ref}) = 'string' and $contains({ref}, /^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}/) ? "
                f"$fromMillis($toMillis({ref}), '{picture}'))")
    if kind == "decimal":
        return f"($type({ref}) = 'number' ? $formatNumber({ref}, '{AMOUNT_PICTURE}') : {_text(ref)})"
    return ref


def _text(ref: str) -> str:
    """The value as text, or undefined when it is null, empty or missing."""
    return f"($type({ref}) != 'null' and $string({ref}) != '' ? $string({ref}))"


def joined(parts: list[str], separator: str) -> str:
    """The parts joined by separator, skipping null and empty ones (never the text "null")."""
    if len(parts) == 1:
        return parts[0]  # alone, a null shows as nothing
    # Each part is text or undefined (which an array constructor leaves out), so the array holds
    # only what is there; a guarded part (a date, an amount) is already one or the other.
    listed = ", ".join(p if p.startswith("(") else _text(p) for p in parts)
    return f"$join([{listed}], '{separator}')"
