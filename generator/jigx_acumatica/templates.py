"""The Jinja2 templates: found in one place, inside the installed package (the wheel ships the
repository's top-level templates/ there) or, in a source checkout, at the repository's top."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2

_PACKAGE = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def template_dir() -> Path:
    for candidate in (_PACKAGE / "templates", _PACKAGE.parent.parent / "templates"):
        if (candidate / "generic-inquiry.xml.j2").is_file():
            return candidate
    raise RuntimeError("templates folder not found next to the package; reinstall jigx-acumatica")


@lru_cache(maxsize=1)
def samples_dir() -> Path:
    """The bundled sample definitions: inside the installed package (the wheel ships the
    repository's samples/ there) or, in a source checkout, at the repository's top."""
    for candidate in (_PACKAGE / "samples", _PACKAGE.parent.parent / "samples"):
        if (candidate / "customers.yaml").is_file():
            return candidate
    raise RuntimeError("samples folder not found next to the package; reinstall jigx-acumatica")


def xml_attr(value: object) -> str:
    """Escape for a double-quoted XML attribute; Acumatica keeps ' literal."""
    s = str(value)
    for a, b in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("\n", "&#10;"), ("\r", "&#13;"),
                 ("\t", "&#9;")):
        s = s.replace(a, b)
    return s


_PLAIN_YAML_START = tuple("-?:,[]{}#&*!|>'\"%@`")


def yaml_scalar(value: object) -> str:
    """A one-line YAML scalar: plain where YAML reads it back unchanged, else double-quoted (a
    JSON string is a valid YAML double-quoted scalar). Expressions with `a ? b : c` need quotes."""
    import json

    s = str(value)
    plain = (s and s == s.strip() and not s.startswith(_PLAIN_YAML_START) and ": " not in s and " #" not in s
             and not s.endswith(":") and "\n" not in s and s.lower() not in ("true", "false", "null", "yes", "no", "~"))
    return s if plain else json.dumps(s, ensure_ascii=False)


def md_cell(value: object) -> str:
    """Text safe inside a Markdown table cell or inline code."""
    return str(value).replace("|", "\\|").replace("\n", " ")


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir())),
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["xa"] = xml_attr
    env.filters["md"] = md_cell
    env.filters["ys"] = yaml_scalar
    return env


def render(name: str, **context: object) -> str:
    return environment().get_template(name).render(**context)


@lru_cache(maxsize=1)
def templates_fingerprint() -> str:
    """Changes whenever a template does: part of the key that lets unchanged tables skip rendering."""
    import hashlib

    h = hashlib.sha256()
    for path in sorted(template_dir().glob("*.j2")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()
