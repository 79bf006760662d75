"""The definition's `where:` list: which rows the inquiry holds, checked item by item.

    where:                                   # every item must hold (AND), in this order
      - Contact.ContactType: PN              # short form: equals
      - SOOrder.OrderType: [SO, IN]          # short form with a list: one of (OR'd equals in brackets)
      - {field: SOOrder.Status, op: not-equals, value: L}
      - {field: SOOrder.OrderDate, op: between, value: [2024-01-01, 2024-12-31]}
      - {field: Contact.EMail, op: is-not-empty}
      - any:                                 # an OR group, in brackets; items as above
          - SOOrder.Status: N
          - {field: SOOrder.Hold, op: equals, value: true}
"""

from __future__ import annotations

import datetime as dt
import difflib
from typing import TYPE_CHECKING, Any

from .. import naming
from .model import CONDITION_CODES, NO_VALUE_OPS, AnyOf, Condition, Where

if TYPE_CHECKING:
    from .checker import Checker

CONDITION_KEYS = ("field", "op", "value")
MAX_GROUP_DEPTH = 4


def check_where(c: Checker, doc: dict[str, Any], aliases: dict[str, str]) -> Where:
    if "where" not in doc or doc["where"] is None:
        return ()
    node = doc["where"]
    if not isinstance(node, list):
        c.fail(doc, "where", "where must be a list of conditions (every one must hold)",
               "start each condition with '- ', e.g. '- Contact.ContactType: PN'")
        return ()
    return _items(c, node, aliases, "where", 0)


def _items(c: Checker, node: list[Any], aliases: dict[str, str], what: str, depth: int) -> Where:
    out: list[Condition | AnyOf] = []
    for i, item in enumerate(node):
        got = _item(c, node, i, item, aliases, f"{what}[{i + 1}]", depth)
        if got is not None:
            out.append(got)
    return tuple(out)


def _item(c: Checker, parent: list[Any], i: int, item: Any, aliases: dict[str, str], what: str,
          depth: int) -> Condition | AnyOf | None:
    if not isinstance(item, dict) or not item:
        c.fail(parent, i, f"{what} must be a condition such as 'Alias.Field: value', a mapping with field, op "
               "and value, or 'any:' with a list", "e.g. '- SOOrder.Status: N'")
        return None
    if "any" in item:
        return _any(c, item, aliases, what, depth)
    if "field" in item or "op" in item or "value" in item:
        return _full(c, item, aliases, what)
    if len(item) != 1:
        c.fail(parent, i, f"{what}: write one condition per item ('Alias.Field: value')",
               "split it into several '- ' items")
        return None
    ref, value = next(iter(item.items()))
    fields = _field(c, item, ref, aliases, what, at_value=False)
    if fields is None:
        return None
    if isinstance(value, list):  # one of: OR'd equals in brackets
        values = [_value(c, value, k, v, what) for k, v in enumerate(value)]
        if not value:
            c.fail(item, ref, f"{what}: the list of values is empty", "name at least one value")
        if not value or None in values:
            return None
        return AnyOf(tuple(Condition(*fields, "equals", (v,)) for v in values if v is not None))
    shown = _value(c, item, ref, value, what)
    return None if shown is None else Condition(*fields, "equals", (shown,))


def _any(c: Checker, item: dict[str, Any], aliases: dict[str, str], what: str, depth: int) -> AnyOf | None:
    extra = [k for k in item if k != "any"]
    if extra:
        c.fail(item, extra[0], f"{what}: 'any' stands alone in its item", "move the other keys to their own items",
               at_value=False)
        return None
    group = item["any"]
    if not isinstance(group, list) or len(group) < 2:
        c.fail(item, "any", f"{what}: 'any' needs a list of at least two conditions", "e.g. any: [{SOOrder.Status: N}, "
               "{SOOrder.Status: H}]")
        return None
    if depth >= MAX_GROUP_DEPTH:
        c.fail(item, "any", f"{what}: groups nest at most {MAX_GROUP_DEPTH} deep", "flatten the conditions")
        return None
    items = _items(c, group, aliases, f"{what}.any", depth + 1)
    return AnyOf(items) if len(items) == len(group) else None


def _full(c: Checker, item: dict[str, Any], aliases: dict[str, str], what: str) -> Condition | None:
    for k in item:
        if k not in CONDITION_KEYS:
            close = difflib.get_close_matches(str(k), CONDITION_KEYS, n=1)
            c.fail(item, k, f"{what}: unknown key '{k}'",
                   f"did you mean '{close[0]}'?" if close else f"keys: {', '.join(CONDITION_KEYS)}", at_value=False)
            return None
    if "field" not in item:
        c.fail_at(item, f"{what}: 'field' is required", "add 'field: Alias.Field'")
        return None
    fields = _field(c, item, "field", aliases, what, ref=item["field"])
    op = item.get("op", "equals")
    if not isinstance(op, str) or op not in CONDITION_CODES:
        close = difflib.get_close_matches(str(op), list(CONDITION_CODES), n=1)
        c.fail(item, "op", f"{what}: unknown op {op!r}",
               (f"did you mean '{close[0]}'? " if close else "") + f"ops: {', '.join(CONDITION_CODES)}")
        return None
    values = _op_values(c, item, op, what)
    if fields is None or values is None:
        return None
    return Condition(*fields, op, values)


def _op_values(c: Checker, item: dict[str, Any], op: str, what: str) -> tuple[str, ...] | None:
    if op in NO_VALUE_OPS:
        if "value" in item:
            c.fail(item, "value", f"{what}: '{op}' takes no value", "remove 'value'")
            return None
        return ()
    if "value" not in item:
        c.fail_at(item, f"{what}: '{op}' needs a value", "add 'value: ...'")
        return None
    value = item["value"]
    if op == "between":
        if not isinstance(value, list) or len(value) != 2:
            c.fail(item, "value", f"{what}: 'between' needs two values, [from, to]",
                   "e.g. value: [2024-01-01, 2024-12-31]")
            return None
        pair = [_value(c, value, k, v, what) for k, v in enumerate(value)]
        return None if None in pair else tuple(v for v in pair if v is not None)
    shown = _value(c, item, "value", value, what)
    return None if shown is None else (shown,)


def _field(c: Checker, node: Any, key: Any, aliases: dict[str, str], what: str, *, at_value: bool = True,
           ref: Any = None) -> tuple[str, str] | None:
    ref = key if ref is None else ref
    m = naming.FIELD_REF_RE.match(ref) if isinstance(ref, str) else None
    if m is None:
        c.fail(node, key, f"{what}: {ref!r} must be Alias.Field", "e.g. SOOrder.Status", at_value=at_value)
        return None
    alias, fld = m.groups()
    if aliases and alias not in aliases:
        close = difflib.get_close_matches(alias, list(aliases), n=1)
        c.fail(node, key, f"{what}: alias '{alias}' is not declared",
               f"did you mean '{close[0]}'?" if close else f"declared aliases: {', '.join(aliases)}", at_value=at_value)
        return None
    return alias, fld


def _value(c: Checker, node: Any, key: Any, value: Any, what: str) -> str | None:
    """A value as Acumatica stores it: text as written, booleans True/False, dates ISO."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (int, str)):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    c.fail(node, key, f"{what}: a value must be text, a number, a boolean or a date, not {type(value).__name__}",
           "write one plain value (a list only with 'between', or in the short form for 'one of')")
    return None
