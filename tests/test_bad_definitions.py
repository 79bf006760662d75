"""Every kind of bad table definition gets a clear message with its position, exit code 2, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.helpers import CUSTOMER_DEF, ROOT, cli

GOOD = CUSTOMER_DEF + "  Name: Customer.AcctName\n"

# (id, file text, expected text in the message, expected "file:line" suffix or None)
CASES = [
    ("empty", "", "table definition is empty", None),
    ("only-comments", "# nothing here\n", "no content", None),
    ("top-level-list", "- entity: Customer\n", "must be a mapping", ":1:1"),
    ("top-level-scalar", "just text\n", "must be a mapping", ":1:1"),
    ("malformed-yaml", "entity: Customer\nsource: [unclosed\n", "invalid YAML", ":"),
    ("colon-in-value", "entity: Customer\ntable: a: b\n", "must be quoted", ":2:"),
    ("tab-indent", "entity: Customer\nsource:\n\tdac: X\n", "a tab indents this line", ":3:1"),
    ("duplicate-key", GOOD + "entity: Vendor\n", "duplicate key", ":9:"),
    ("anchor", GOOD.replace("key: [CustomerID]", "key: &k [CustomerID]"), "anchors", ":5:"),
    ("alias", GOOD + "inquiry: *x\n", "alias", ":9:"),
    ("tag", GOOD.replace("entity: Customer", "entity: !!python/object Customer"), "tags", ":1:"),
    ("two-documents", GOOD + "---\nentity: Other\n", "more than one YAML document", ":9:"),
    ("deep-nesting", GOOD + "on_change: " + "[" * 60 + "]" * 60 + "\n", "nested more than", ":9:"),
    # the same limit for block nesting, and for nesting too deep to build at all
    ("deep-block-nesting",
     GOOD + "on_change:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 26)) + "  " * 26 + "x\n",
     "nested more than 24 levels deep", ":"),
    # deep enough to crash a C composer that is handed it (libyaml recurses without a limit)
    ("absurd-nesting", GOOD + "on_change: " + "[" * 100_000 + "]" * 100_000 + "\n", "nested more than", ":9:"),
    ("absurd-block-nesting", GOOD + "on_change:\n" + "- " * 100_000 + "x\n", "nested more than", ":10:"),
    ("document-end-marker", GOOD + "...\nentity: Other\n", "invalid YAML", ":10:1"),
    ("unknown-top-key", GOOD + "colums: {}\n", "did you mean 'columns'", ":9:1"),
    ("unknown-source-key", GOOD.replace("  dac: PX", "  dak: PX"), "did you mean 'dac'", ":4:3"),
    ("missing-entity", GOOD.replace("entity: Customer\n", ""), "'entity' is required", None),
    ("entity-not-text", GOOD.replace("entity: Customer", "entity: 42"), "entity must be text", ":1:9"),
    ("entity-bad-chars", GOOD.replace("entity: Customer", "entity: \"Cust'omer\""), "entity 'Cust'omer'", ":1:9"),
    ("table-uppercase", GOOD.replace("table: customers", "table: Customers"), "use 'customers'", ":2:8"),
    ("table-too-long", GOOD.replace("table: customers", "table: " + "a" * 31), "2 to 30 characters", ":2:8"),
    ("table-trailing-dash", GOOD.replace("table: customers", "table: customers-"), "must not end", ":2:8"),
    ("derived-table-too-long", GOOD.replace("table: customers\n", "").replace("entity: Customer",
                                                                              "entity: " + "Customer" * 5),
     "add 'table:", ":1:9"),
    ("missing-source", GOOD.replace("source:\n  dac: PX.Objects.AR.Customer\n", ""), "'source' is required", None),
    ("source-not-mapping", GOOD.replace("source:\n  dac: PX.Objects.AR.Customer", "source: PX.Objects.AR.Customer"),
     "source must be a mapping", ":3:9"),
    ("dac-no-namespace", GOOD.replace("dac: PX.Objects.AR.Customer", "dac: Customer"), "not a full DAC name", ":4:8"),
    ("deleted-flag-not-bool", GOOD.replace("  dac: PX.Objects.AR.Customer",
                                           "  dac: PX.Objects.AR.Customer\n  deleted_flag: yes"),
     "true or false", ":5:17"),
    ("missing-columns", GOOD.split("columns:")[0], "'columns' is required", None),
    ("columns-empty", GOOD.split("columns:")[0] + "columns: {}\n", "non-empty mapping", ":6:10"),
    ("column-bad-chars", GOOD + "  Credit Limit: Customer.CreditLimit\n", "rename it to 'CreditLimit'", ":9:3"),
    ("column-starts-with-digit", GOOD + "  1stName: Customer.AcctName\n", "starting with a letter", ":9:3"),
    ("column-reserved", GOOD + "  _del: Customer.DeletedDatabaseRecord\n", "reserved", ":9:3"),
    ("column-reserved-case", GOOD + "  _MOD: Customer.LastModifiedDateTime\n", "reserved", ":9:3"),
    ("on-change-type-number", GOOD + "on_change: {type: 42}\n", "e.g. type: action.sync-entities", ":9:19"),
    ("column-non-ascii", GOOD + "  Zoë: Customer.AcctName\n", "rename it to 'Zoe'", ":9:3"),
    ("deleted-flag-quoted", GOOD.replace("source:\n", "source:\n  deleted_flag: \"false\"\n"),
     "not text 'false'", ":"),
    ("column-row-id", GOOD + "  id: Customer.BAccountID\n", "Jigx's own row id", ":9:3"),
    # Acumatica's own notes fields (issue 17.3), in any case
    ("column-note-field", GOOD + "  NoteText: Customer.AcctName\n", "rename it, e.g. to 'CustomerNoteText'", ":9:3"),
    ("column-note-field-case", GOOD + "  notefilescount: Customer.AcctName\n", "notes field Acumatica's", ":9:3"),
    ("column-duplicate-case", GOOD + "  name: Customer.AcctName\n", "repeats 'Name'", ":9:3"),
    ("column-unknown-alias", GOOD + "  Email: Contact.EMail\n", "alias 'Contact' is not declared", ":9:10"),
    ("column-not-alias-field", GOOD + "  Email: EMail\n", "must be Alias.Field", ":9:10"),
    ("column-unknown-type", GOOD + "  Limit: {field: Customer.CreditLimit, type: money}\n", "unknown type 'money'",
     ":9:"),
    ("column-type-typo", GOOD + "  Limit: {field: Customer.CreditLimit, type: decimall}\n", "did you mean 'decimal'",
     ":9:"),
    ("column-unknown-key", GOOD + "  Limit: {feld: Customer.CreditLimit}\n", "did you mean 'field'", ":9:"),
    ("column-not-text", GOOD + "  Limit: 12\n", "must be Alias.Field or a mapping", ":9:10"),
    ("missing-key", GOOD.replace("key: [CustomerID]\n", ""), "'key' is required", None),
    ("key-empty", GOOD.replace("key: [CustomerID]", "key: []"), "at least one column", ":5:6"),
    ("key-unknown-column", GOOD.replace("key: [CustomerID]", "key: [CustomerId]"), "did you mean 'CustomerID'", ":5:"),
    ("key-repeated", GOOD.replace("key: [CustomerID]", "key: [CustomerID, CustomerID]"), "listed twice", ":5:"),
    ("joins-not-list", GOOD + "joins: {dac: PX.Objects.CR.Contact}\n", "joins must be a list", ":9:8"),
    ("join-unknown-type",
     GOOD + "joins:\n  - dac: PX.Objects.CR.Contact\n    type: outer\n"
     "    on: [[Customer.DefContactID, Contact.ContactID]]\n",
     "must be one of inner, left, right, full", ":11:11"),
    ("join-missing-on", GOOD + "joins:\n  - dac: PX.Objects.CR.Contact\n", "on is required", ":10:"),
    ("join-on-not-pairs", GOOD + "joins:\n  - dac: PX.Objects.CR.Contact\n    on: [Customer.DefContactID]\n",
     "must be a pair", ":11:"),
    ("join-on-wrong-alias",
     GOOD + "joins:\n  - dac: PX.Objects.CR.Contact\n    on: [[Customer.DefContactID, Address.ContactID]]\n",
     "does not mention the joined alias 'Contact'", ":11:"),
    ("join-on-undeclared-parent",
     GOOD + "joins:\n  - dac: PX.Objects.CR.Contact\n    on: [[Vendor.DefContactID, Contact.ContactID]]\n",
     "alias 'Vendor' is not declared", ":11:"),
    ("join-duplicate-alias",
     GOOD + "joins:\n  - dac: PX.Objects.AR.Customer\n    on: [[Customer.BAccountID, Customer.BAccountID]]\n",
     "alias 'Customer' is already used", ":10:"),
    ("on-change-not-mapping", GOOD + "on_change: action.sync-entities\n", "must be one Jigx action", ":9:12"),
    ("on-change-not-action", GOOD + "on_change: {type: sync}\n", "is not a Jigx action", ":9:"),
    ("on-change-loops",
     GOOD + "on_change:\n  type: action.execute-entity\n  options: {entity: default/customers, method: update}\n",
     "the table it watches", ":10:"),
    ("on-change-loops-nested", GOOD + "on_change:\n  type: action.action-list\n  options:\n    actions:\n"
     "      - type: action.execute-entities\n        options: {entity: customers}\n", "loop", ":10:"),
    ("inquiry-bad-chars", GOOD + "inquiry: \"<b>Customers</b>\"\n", "inquiry title", ":9:10"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_definition(tmp_path, case):
    name, text, expected, where = case
    path = tmp_path / "def.yaml"
    path.write_text(text)
    out = tmp_path / "out"
    r = cli("generate", path, "--out", out)
    assert r.exit_code == 2, r.output
    assert expected in r.stderr, r.stderr
    assert f"{path}" in r.stderr
    if where:
        assert f"def.yaml{where}" in r.stderr, r.stderr
    assert "fix:" in r.stderr
    assert r.stdout == ""
    assert not out.exists(), "a failed run wrote files"


def test_there_are_at_least_25_distinct_cases():
    assert len({c[0] for c in CASES}) >= 25
    assert len({c[1] for c in CASES}) == len(CASES)


def test_nesting_at_the_limit_is_not_refused_for_depth(tmp_path):
    """24 levels pass the screen (the checker then names what is wrong); 25 do not."""
    for levels, refused in ((24, False), (25, True)):
        path = tmp_path / f"d{levels}.yaml"
        path.write_text(GOOD + "on_change: " + "[" * (levels - 1) + "]" * (levels - 1) + "\n")
        r = cli("generate", path, "--out", tmp_path / "out")
        assert r.exit_code == 2 and ("levels deep" in r.stderr) is refused, r.stderr


def test_good_definition_is_accepted(tmp_path):
    path = tmp_path / "def.yaml"
    path.write_text(GOOD)
    assert cli("generate", path, "--out", tmp_path / "out").exit_code == 0


@pytest.mark.parametrize("kind", ["missing", "directory", "binary", "latin1"])
def test_unreadable_files(tmp_path, kind):
    path = tmp_path / "def.yaml"
    if kind == "directory":
        path.mkdir()
    elif kind == "binary":
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    elif kind == "latin1":
        path.write_bytes("entity: Caf\xe9\n".encode("latin-1"))
    r = cli("generate", path, "--out", tmp_path / "out")
    assert r.exit_code == 2
    expected = {"missing": "not found", "directory": "is a directory", "binary": "binary", "latin1": "UTF-8"}[kind]
    assert expected in r.stderr and "def.yaml" in r.stderr


def test_all_errors_of_a_file_are_reported_together(tmp_path):
    path = tmp_path / "def.yaml"
    path.write_text(GOOD.replace("table: customers", "table: Bad!") + "  _tab: Customer.X\nextra: 1\n")
    r = cli("generate", path, "--out", tmp_path / "o")
    assert r.exit_code == 2
    assert "table name 'Bad!'" in r.stderr and "reserved" in r.stderr and "unknown key 'extra'" in r.stderr
    assert "3 problems" in r.stderr


def test_duplicate_tables_across_files(tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(GOOD)
    b.write_text(GOOD.replace("entity: Customer", "entity: Client"))
    r = cli("generate", a, b, "--out", tmp_path / "o")
    assert r.exit_code == 2 and "also defined in" in r.stderr


def test_subprocess_never_prints_a_traceback(tmp_path):
    """The real console script, on a few bad files: no Python traceback reaches the user."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("entity: [\n")
    for args in (["generate", str(bad), "--out", str(tmp_path / "o")],
                 ["generate", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "o")],
                 ["generate", "--solution", str(tmp_path / "empty")],
                 ["generate", str(bad), "--org", "not-a-uuid"]):
        p = subprocess.run([sys.executable, "-m", "jigx_acumatica", *args], capture_output=True, text=True, cwd=ROOT,
                           env=dict(os.environ))
        assert p.returncode == 2, (args, p.stderr)
        assert "Traceback" not in p.stderr + p.stdout
        assert p.stderr.startswith("error: ")


@pytest.mark.parametrize("name,proposed", [("Priorität", "Prioritaet"), ("Größe", "Groesse"), ("Zoë", "Zoe"),
                                           ("Ærø", "Aeroe"), ("Straße_2", "Strasse_2")])
def test_a_caption_with_letters_beyond_ascii_is_refused_with_every_letter_kept(tmp_path, name, proposed):
    path = tmp_path / "def.yaml"
    path.write_text(GOOD + f"  {name}: Customer.Priority\n", encoding="utf-8")
    r = cli("generate", path, "--out", tmp_path / "out")
    assert r.exit_code == 2 and f"column name '{name}' must be ASCII letters, digits and '_'" in r.stderr
    assert f"rename it to '{proposed}'" in r.stderr, r.stderr


def test_a_caption_whose_letters_have_no_ascii_spelling_gets_no_lossy_proposal(tmp_path):
    path = tmp_path / "def.yaml"
    path.write_text(GOOD + "  名前: Customer.AcctName\n", encoding="utf-8")
    r = cli("generate", path, "--out", tmp_path / "out")
    assert r.exit_code == 2 and "rename it with ASCII letters (A-Z, a-z), digits and '_'" in r.stderr


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be-bom", "utf-8-sig"])
def test_a_definition_saved_as_windows_unicode_text_or_with_a_bom_is_read(tmp_path, encoding):
    path = tmp_path / "def.yaml"
    data = ("\ufeff" + GOOD).encode("utf-16-be") if encoding == "utf-16-be-bom" else GOOD.encode(encoding)
    path.write_bytes(data)
    r = cli("generate", path, "--out", tmp_path / "out")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "out/acumatica/customers/generic-inquiry.xml").exists()


def test_utf16_without_its_mark_is_named_for_what_it_is(tmp_path):
    path = tmp_path / "def.yaml"
    path.write_bytes(GOOD.encode("utf-16-le"))
    r = cli("generate", path, "--out", tmp_path / "out")
    assert r.exit_code == 2 and "looks like UTF-16 text without a byte-order mark" in r.stderr
