"""Random YAML in, a clear error or a success out: never a traceback."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from jigx_acumatica.definition.model import TOP_KEYS
from tests.helpers import cli

SETTINGS = settings(max_examples=120, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10, 10**20), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["Customer", "PX.Objects.AR.Customer", "Customer.AcctCD", "customers", "action.sync-entities",
                     "_tab", "left", "string", "CustomerID", "yes", "~", "a: b", "[x", "Contact.EMail"]),
)
keys = st.one_of(st.sampled_from(TOP_KEYS + ("dac", "alias", "on", "type", "field", "CustomerID", "colums")),
                 st.text(min_size=1, max_size=8))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(keys, inner, max_size=5)), max_leaves=25)
documents = st.dictionaries(st.sampled_from(TOP_KEYS), values, max_size=len(TOP_KEYS))


def dump(doc) -> str:
    import io

    buf = io.StringIO()
    YAML(typ="safe", pure=True).dump(doc, buf)
    return buf.getvalue()


def run(text: str | bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "def.yaml"
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
        r = cli("generate", path, "--out", Path(tmp) / "out", "--json")
        assert r.exit_code in (0, 2), r.output
        if r.exit_code == 2:
            assert "error: " in r.stderr and not (Path(tmp) / "out").exists()


@SETTINGS
@given(documents)
def test_structured_random_definitions(doc):
    run(dump(doc))


@SETTINGS
@given(st.lists(st.sampled_from(list("abc:-[]{}#&*!|>'\"\n\t ,?%@`\u00e9") + ["entity", "key", "columns:", "\n  "]),
                max_size=40).map("".join))
def test_random_yaml_text(text):
    run(text)


@SETTINGS
@given(st.binary(max_size=64))
def test_random_bytes(data):
    run(data)


def outcome(load):
    from jigx_acumatica.errors import InputError

    try:
        return "ok", load()
    except InputError as exc:
        return "error", str(exc), exc.line, exc.column


@SETTINGS
@given(st.one_of(documents.map(dump),
                 st.lists(st.sampled_from(list("ab:-[]{}#\n ,?'\"") + ["\n  ", "\n    ", "x: ", "- ", "[" * 13]),
                          max_size=60).map("".join)))
def test_the_one_pass_load_agrees_with_screening_first(text):
    """load_screened skips the event scan for texts without '&', '*', '!' or document markers;
    its answer (value or error, with position) must be the one the scan-first path gives."""
    from jigx_acumatica.yamlio import load_fast, load_screened, screen_events

    def scan_first():
        screen_events(text, "d.yaml")
        return load_fast(text, "d.yaml")

    assert outcome(lambda: load_screened(text, "d.yaml")) == outcome(scan_first)
