"""Jinja2 environment for the text templates, found both installed and in a source checkout."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2

_HERE = Path(__file__).resolve().parent
# Installed wheels carry templates inside the package; a checkout (or editable install) keeps them
# at the top of the repository.
TEMPLATE_DIRS = [p for p in (_HERE / "templates", _HERE.parent / "templates") if p.is_dir()]


def xml_attr(value: object) -> str:
    """Escape for a double-quoted XML attribute; Acumatica keeps ' literal."""
    s = str(value)
    for a, b in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("\n", "&#10;"), ("\r", "&#13;"), ("\t", "&#9;")):
        s = s.replace(a, b)
    return s


def md_cell(value: object) -> str:
    """Text safe inside a Markdown table cell or inline code."""
    return str(value).replace("|", "\\|").replace("\n", " ")


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    if not TEMPLATE_DIRS:
        raise RuntimeError("templates folder not found next to the package; reinstall jigx-acumatica")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in TEMPLATE_DIRS]),
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["xa"] = xml_attr
    env.filters["md"] = md_cell
    return env


def render(name: str, **context: object) -> str:
    return environment().get_template(name).render(**context)


@lru_cache(maxsize=1)
def templates_fingerprint() -> str:
    """Changes whenever a template does: part of the key that lets unchanged tables skip rendering."""
    import hashlib

    h = hashlib.sha256()
    for folder in TEMPLATE_DIRS[:1]:
        for path in sorted(folder.glob("*.j2")):
            h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()
