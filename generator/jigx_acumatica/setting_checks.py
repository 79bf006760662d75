"""The project config's tenants: entries checked where they stand in jigx-acumatica.yaml (each a
login name, or a mapping of name, companyId, acumaticaUrl and key; docs/tenants.md)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap

from .errors import InputError
from .yamlio import value_position

BASE_URL_RE = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~%/-]*)?$")
TENANT_KEYS = ("name", "companyId", "acumaticaUrl", "key")
TENANT_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,19}$")


def tenant_entries(value: list[Any], doc: Any, path: Path) -> list[dict[str, str]]:
    """tenants: each a login name, or {name, companyId?, acumaticaUrl?, key?}; checked where it stands."""
    node = doc.get("tenants") if isinstance(doc, CommentedMap) else None
    out: list[dict[str, str]] = []
    for i, item in enumerate(value):
        def fail(message: str, fix: str, key: Any = None, i: int = i) -> InputError:
            item_node = node[i] if isinstance(node, list) and i < len(node) else None
            line, col = (value_position(item_node, key) if key is not None and isinstance(item_node, CommentedMap)
                         else _item_position(node, i))
            return InputError(message, path=path, line=line, column=col, hint=fix)

        entry = {"name": item} if isinstance(item, str) else item
        if not isinstance(entry, dict):
            raise fail(f"tenants[{i + 1}] must be a login name or a mapping", "e.g. tenants: [MyTenant, Other], or "
                       "- {name: Other, companyId: Other Co}")
        for k, v in entry.items():
            if k not in TENANT_KEYS:
                raise fail(f"unknown key '{k}' in tenants[{i + 1}]", f"allowed keys: {', '.join(TENANT_KEYS)}", k)
            if not isinstance(v, str) or not v.strip() or v != v.strip() or not v.isprintable():
                raise fail(f"tenants[{i + 1}].{k} must be one line of text", f"e.g. {k}: Other", k)
        if "name" not in entry:
            raise fail(f"tenants[{i + 1}] has no name", "add name: <the tenant's login name, SM203520>")
        if "acumaticaUrl" in entry and not BASE_URL_RE.match(entry["acumaticaUrl"]):
            raise fail(f"tenants[{i + 1}].acumaticaUrl {entry['acumaticaUrl']!r} is not a plain http(s) URL",
                       "e.g. acumaticaUrl: https://other.acumatica.com", "acumaticaUrl")
        if "key" in entry and not TENANT_KEY_RE.match(entry["key"]):
            raise fail(f"tenants[{i + 1}].key '{entry['key']}' must be lowercase letters, digits and '_', starting "
                       "with a letter (at most 20)", "e.g. key: west", "key")
        out.append({k: str(v) for k, v in entry.items()})
    names = [e["name"] for e in out]
    for i, name in enumerate(names):
        if name in names[:i]:
            line, col = _item_position(node, i)
            raise InputError(f"tenant '{name}' is listed twice in tenants", path=path, line=line, column=col,
                             hint="list each tenant once")
    return out


def _item_position(node: Any, i: int) -> tuple[int | None, int | None]:
    lc = node.lc.item(i) if isinstance(node, list) and hasattr(node, "lc") and i < len(node) else None
    return (lc[0] + 1, lc[1] + 1) if lc else (None, None)
