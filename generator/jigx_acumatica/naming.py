"""Naming rules shared by Jigx (table names) and Acumatica (captions, DAC fields)."""

from __future__ import annotations

import re
import uuid

TABLE_RE = re.compile(r"^[a-z][a-z0-9_-]{0,28}[a-z0-9]$")
IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DAC_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")
COLUMN_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
ENTITY_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
# Letters whose ASCII spelling is two letters (German, Scandinavian, French ligatures): a plain
# decomposition would drop the mark and lose a letter (Priorität -> Prioritat, not Prioritaet).
_SPELLED = {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "ẞ": "SS", "æ": "ae",
            "Æ": "Ae", "œ": "oe", "Œ": "Oe", "ø": "oe", "Ø": "Oe", "å": "aa", "Å": "Aa", "þ": "th", "Þ": "Th",
            "ð": "d", "Ð": "D", "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "ı": "i"}
FIELD_REF_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)$")
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
SOLUTION_NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,49}$")

RESERVED_COLUMNS = ("_tab", "_del", "_mod")
# The result fields Acumatica's inquiry graph adds from a table's NoteID unless "Attach Notes To"
# (NotesAndFilesTable) is "$<None>", as the generated inquiry sets it: a caption with one of
# these names would meet them (docs/platform-facts.md, "Generic Inquiry XML").
NOTE_FIELDS = ("NoteID", "NoteText", "NoteFiles", "NoteTextExists", "NoteFilesCount")


def kebab(name: str) -> str:
    """ServiceOrder -> service-order; SOOrder -> so-order; 'Stock Item' -> stock-item."""
    s = re.sub(r"[^A-Za-z0-9]+", "-", name.strip())
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", s)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1-\2", s)
    return re.sub(r"-+", "-", s).strip("-").lower()


def propose_table_name(name: str) -> str:
    """The nearest name that satisfies Jigx's table rule."""
    s = re.sub(r"[^a-z0-9_-]+", "-", kebab(name).lower())
    s = re.sub(r"^[^a-z]+", "", s)
    s = s[:30].rstrip("-_")
    if len(s) < 2:
        s = (s + "table")[:30] if s else "table"
    return s


# Words of Jigx's solution scaffold: a table (and so its jigs and datasource) of such a name would
# read as the solution's own folders or files.
SCAFFOLD_WORDS = ("index", "home", "jigs", "actions", "components", "databases", "datasources", "functions")
DETAIL_SUFFIX = "-detail"  # jigs/<table>-detail.jigx: one row of the table


def generated_ids(table: str) -> list[str]:
    """The jig ids the tool gives a table: its list and its detail."""
    return [table, table + DETAIL_SUFFIX]


def table_name_problem(name: str) -> str | None:
    """Why name breaks Jigx's table rule, or None."""
    if not isinstance(name, str) or not name:
        return "is empty"
    if TABLE_RE.match(name):
        return None
    if len(name) < 2 or len(name) > 30:
        return f"must be 2 to 30 characters long (it has {len(name)})"
    if not name[0].isalpha() or not name[0].islower():
        return "must start with a lowercase letter"
    if name[-1] in "-_":
        return "must not end with '-' or '_'"
    return "may only contain lowercase letters, digits, '-' and '_'"


def lower_camel(field: str) -> str:
    """Acumatica writes DAC fields with the first letter lowercased: AcctCD -> acctCD."""
    return field[:1].lower() + field[1:]


# Fixed namespace so every GUID the tool derives is stable across runs and machines.
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:jigx-acumatica")


def stable_uuid(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def ascii_name(name: str) -> str | None:
    """A name in ASCII letters, digits and '_' that keeps every letter of name (Größe -> Groesse,
    Zoë -> Zoe); None when a letter has no ASCII spelling (it would be dropped, not kept)."""
    import unicodedata

    out = []
    for ch in name:
        ch = _SPELLED.get(ch, ch)
        if ch.isascii():
            out.append(ch)
            continue
        base = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
        if not base and ch.isalpha():
            return None
        out.append(base)
    text = re.sub(r"[^A-Za-z0-9_]", "", "".join(out))
    return re.sub(r"^[^A-Za-z]+", "", text) or None
