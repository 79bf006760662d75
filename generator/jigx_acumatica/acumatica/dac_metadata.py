"""The instance's own schema: DAC-based OData's $metadata (docs/platform-facts.md, "OData"), read
as a stream into a cache in the solution's state folder, and asked about DACs and their fields.

$metadata is about 20 MB on recent versions (11 MB on a captured instance, 4,766 entity sets on
another): it is parsed element by element (each EntityType cleared once read) into an SQLite file,
so memory stays flat, and read again only on --refresh. One Schema per DAC namespace; an
EntityType's name is the DAC's class name; a derived DAC (BaseType) lists only what it adds;
DeletedDatabaseRecord is a property of the DACs whose table keeps deleted rows.

Where it exists: 2025 R1 on (older instances answer 404, and the checks say they were skipped)."""

from __future__ import annotations

import difflib
import json
import sqlite3
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from ..errors import InputError
from ..layout import STATE_DIR

CACHE_FILE = f"{STATE_DIR}/dac-metadata.sqlite"
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
DELETED_FIELD = "DeletedDatabaseRecord"
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS types (name TEXT PRIMARY KEY, short TEXT, base TEXT, keys TEXT);
CREATE TABLE IF NOT EXISTS props (type TEXT, name TEXT, edm TEXT, nullable INTEGER, PRIMARY KEY (type, name));
CREATE TABLE IF NOT EXISTS navs (type TEXT, name TEXT, target TEXT, pairs TEXT);
"""


@dataclass
class Dac:
    """One DAC as the instance describes it, its base types' fields included."""

    name: str  # the full name, as a definition's dac: PX.Objects.AR.Customer
    keys: list[str]
    props: dict[str, str]  # field -> Edm type
    navs: list[tuple[str, str, list[tuple[str, str]]]] = field(default_factory=list)  # (name, target, pairs)

    @property
    def keeps_deleted_rows(self) -> bool:
        return DELETED_FIELD in self.props

    def field(self, name: str) -> str | None:
        """The field's spelling on the DAC (fields match without regard to case, as Acumatica's do)."""
        if name in self.props:
            return name
        lowered = {p.lower(): p for p in self.props}
        return lowered.get(name.lower())

    def close_to(self, name: str) -> str | None:
        found = difflib.get_close_matches(name, list(self.props), n=1, cutoff=0.6) or \
            difflib.get_close_matches(name.lower(), [p.lower() for p in self.props], n=1, cutoff=0.6)
        if not found:
            return None
        return self.field(found[0])


class Schema:
    """The cache, open for questions. Use as a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(str(path))

    def __enter__(self) -> Schema:
        return self

    def __exit__(self, *exc: object) -> None:
        self.db.close()

    def about(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT name, value FROM meta"))

    def names(self) -> list[str]:
        return [n for (n,) in self.db.execute("SELECT name FROM types ORDER BY name")]

    def resolve(self, name: str) -> str | None:
        """A DAC's full name from its full, underscore or short name (a short name only when one
        DAC has it: short names collide)."""
        full = name.replace("_", ".") if "." not in name and "_" in name else name
        if self.db.execute("SELECT 1 FROM types WHERE name = ?", (full,)).fetchone():
            return full
        found = [n for (n,) in self.db.execute("SELECT name FROM types WHERE short = ?", (name,))]
        return found[0] if len(found) == 1 else None

    def ambiguous(self, short: str) -> list[str]:
        return [n for (n,) in self.db.execute("SELECT name FROM types WHERE short = ? ORDER BY name", (short,))]

    def dac(self, name: str) -> Dac | None:
        """The DAC with its base types' fields (a derived DAC lists only what it adds)."""
        full = self.resolve(name)
        if full is None:
            return None
        props: dict[str, str] = {}
        keys: list[str] = []
        navs: list[tuple[str, str, list[tuple[str, str]]]] = []
        current: str | None = full
        seen: set[str] = set()
        while current and current not in seen:
            seen.add(current)
            row = self.db.execute("SELECT base, keys FROM types WHERE name = ?", (current,)).fetchone()
            if row is None:
                break
            base, own_keys = row
            keys = keys or json.loads(own_keys)
            for name_, edm in self.db.execute("SELECT name, edm FROM props WHERE type = ? ORDER BY rowid", (current,)):
                props.setdefault(name_, edm)
            for nav, target, pairs in self.db.execute("SELECT name, target, pairs FROM navs WHERE type = ?",
                                                      (current,)):
                navs.append((nav, target, [(a, b) for a, b in json.loads(pairs)]))
            current = base
        return Dac(full, keys, props, navs)

    def close_to(self, name: str) -> str | None:
        short = name.rsplit(".", 1)[-1]
        shorts = [s for (s,) in self.db.execute("SELECT DISTINCT short FROM types")]
        found = difflib.get_close_matches(short, shorts, n=1, cutoff=0.7)
        if not found:
            return None
        names = self.ambiguous(found[0])
        return names[0] if names else None


# --- building the cache ----------------------------------------------------------------------------

def build_cache(stream: IO[bytes], cache: Path, *, source: str, what: str) -> int:
    """Parse $metadata from a byte stream into the cache file (replacing it whole: written beside
    and renamed); returns the number of DACs. An answer that is not $metadata is refused."""
    cache.parent.mkdir(parents=True, exist_ok=True)
    temp = cache.with_name(cache.name + ".new")
    temp.unlink(missing_ok=True)
    db = sqlite3.connect(str(temp))
    try:
        db.executescript(SCHEMA)
        count = _parse_into(stream, db, what)
        db.executemany("INSERT INTO meta VALUES (?, ?)", [("source", source), ("types", str(count)),
                                                           ("read", datetime.now(UTC).isoformat(timespec="seconds"))])
        db.commit()
    finally:
        db.close()
    temp.replace(cache)
    return count


def _parse_into(stream: IO[bytes], db: sqlite3.Connection, what: str) -> int:
    namespace = ""
    count = 0
    root_seen = False
    try:
        for event, elem in ET.iterparse(stream, events=("start", "end")):
            tag = elem.tag
            if event == "start":
                if not root_seen:
                    root_seen = True
                    if not tag.endswith("}Edmx"):
                        raise InputError(f"{what} is not an OData $metadata document (its root is "
                                         f"{tag.rsplit('}', 1)[-1]})", hint="save <instance>/t/<tenant>/api/odata/dac/"
                                         "$metadata as it is answered")
                if tag == f"{EDM}Schema":
                    namespace = elem.get("Namespace", "")
                continue
            if tag == f"{EDM}EntityType":
                _store_type(db, namespace, elem)
                count += 1
                elem.clear()
            elif tag in (f"{EDM}Schema", f"{EDM}EntityContainer", f"{EDM}ComplexType"):
                elem.clear()
    except ET.ParseError as exc:
        line, column = exc.position
        raise InputError(f"{what} is not well-formed XML: {exc}", line=line, column=column + 1,
                         hint="save the $metadata answer whole (a cut or an error page reads like this)") from None
    if not root_seen:
        raise InputError(f"{what} is empty", hint="save the $metadata answer whole")
    return count


def _store_type(db: sqlite3.Connection, namespace: str, elem: ET.Element) -> None:
    name = f"{namespace}.{elem.get('Name', '')}"
    keys = [ref.get("Name", "") for ref in elem.iter(f"{EDM}PropertyRef")]
    db.execute("INSERT OR REPLACE INTO types VALUES (?, ?, ?, ?)",
               (name, elem.get("Name", ""), elem.get("BaseType"), json.dumps(keys)))
    db.executemany("INSERT OR REPLACE INTO props VALUES (?, ?, ?, ?)",
                   [(name, p.get("Name", ""), p.get("Type", ""), 0 if p.get("Nullable") == "false" else 1)
                    for p in elem.findall(f"{EDM}Property")])
    navs = []
    for nav in elem.findall(f"{EDM}NavigationProperty"):
        pairs = [(c.get("Property", ""), c.get("ReferencedProperty", ""))
                 for c in nav.findall(f"{EDM}ReferentialConstraint")]
        navs.append((name, nav.get("Name", ""), nav.get("Type", ""), json.dumps(pairs)))
    db.executemany("INSERT INTO navs VALUES (?, ?, ?, ?)", navs)


# --- where it comes from ---------------------------------------------------------------------------

def open_schema(root: Path, *, metadata: Path | None = None, fetch: Any = None, refresh: bool = False,
                instance: str | None = None) -> Schema:
    """The instance's schema: from a saved $metadata file (--metadata), else the cache when it is
    of this instance (unless refresh), else fetched (fetch(dest) saves the answer in dest)."""
    cache = root / CACHE_FILE
    if metadata is not None:
        try:
            with metadata.open("rb") as f:
                build_cache(f, cache, source=f"file:{metadata.resolve()}", what=str(metadata))
        except OSError as exc:
            raise InputError(f"cannot read the $metadata file: {exc.strerror or exc}", path=metadata,
                             hint="check the path") from None
        except InputError as exc:
            exc.path = exc.path or str(metadata)
            raise
        return Schema(cache)
    known = cache.is_file() and not refresh and _cached_source(cache) == f"instance:{instance}"
    if not known:
        if fetch is None:
            raise InputError("no copy of the instance's $metadata", hint="pass --metadata FILE (a saved "
                             "<instance>/t/<tenant>/api/odata/dac/$metadata), or --acumatica-url and --tenant")
        dest = cache.with_name("dac-metadata.xml")
        dest.parent.mkdir(parents=True, exist_ok=True)
        fetch(dest)
        try:
            with dest.open("rb") as f:
                build_cache(f, cache, source=f"instance:{instance}", what="the instance's $metadata")
        finally:
            dest.unlink(missing_ok=True)
    return Schema(cache)


def _cached_source(cache: Path) -> str | None:
    try:
        with Schema(cache) as schema:
            return schema.about().get("source")
    except sqlite3.Error:
        return None
