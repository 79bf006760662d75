"""The two places backfill reads rows from: the inquiry over OData, or a file (--from)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..acumatica.odata import Reader
from ..config import Target
from ..definition import TableDef
from ..rows import FileRows, ReadOptions, Summary
from ..rows.shape import expected, needed
from ..tenancy import Feed, Tenant
from .run import Position, missing_error

if TYPE_CHECKING:
    from ..transport import Policy


class ODataSource:
    def __init__(self, reader: Reader, *, allow_missing_columns: bool = False) -> None:
        self.reader = reader
        self.allow_missing_columns = allow_missing_columns
        self.summary = Summary()
        self.types: dict[str, str] = {}
        # a position belongs to one instance and tenant (the inquiry is the table's)
        self.name = f"odata:{reader.conn.url}/t/{reader.conn.tenant}"
        self.shown = f"the inquiry on {reader.conn.url}, tenant {reader.conn.tenant}"

    def for_table(self) -> ODataSource:
        """A source of its own for one table read alongside others: its own session and types."""
        return ODataSource(Reader(self.reader.conn), allow_missing_columns=self.allow_missing_columns)

    def check(self, defn: TableDef) -> None:
        """The key can be paged on, and the inquiry is exposed with every column of the definition
        among its properties (a column it lacks would be sent as null, clearing it in Jigx)."""
        refuse_list_field_keys(defn)
        self.types = self.reader.properties(defn.inquiry)
        missing = [c for c in expected(defn) if c not in self.types]
        if any(c in needed(defn) for c in missing) or (missing and not self.allow_missing_columns):
            raise missing_error(defn, missing, f"the inquiry '{defn.inquiry}' (its OData $metadata)",
                                "give those result columns exactly these captions in the inquiry "
                                "(regenerate, then publish it again)"
                                + ("" if any(c in needed(defn) for c in missing) else
                                   ", or pass --allow-missing-columns to send them as null"))
        self.summary = Summary(missing_columns=missing)
        if missing:
            self.summary.warnings.append(f"the inquiry lacks {', '.join(missing)}: sent as null "
                                         "(--allow-missing-columns), which clears them in Jigx")
        self.reader.probe(defn.inquiry, defn.screen_id)

    def pages(self, defn: TableDef, pos: Position, since: str | None, top: int
              ) -> Iterator[tuple[list[dict[str, Any]], Callable[[int], None]]]:
        for rows in self.reader.pages(defn.inquiry, list(defn.key), self.types, top=top, after=pos.after, since=since):
            def advance(n: int, rows: list[dict[str, Any]] = rows) -> None:
                pos.after = [rows[n - 1].get(k) for k in defn.key] if n else pos.after
                del rows[:n]  # what is left of the page starts past the new position
            yield rows, advance


class FileSource:
    def __init__(self, path: Path, options: ReadOptions | None = None) -> None:
        self.path = path
        # a position belongs to one input: its full path and its content (a file exported again,
        # or another folder's rows.json, starts over instead of continuing at the old offset)
        self.name = f"file:{path.resolve()}#{file_fingerprint(path)}"
        self.shown = str(path)
        self.reader = FileRows(path, options or ReadOptions())

    @property
    def summary(self) -> Summary:
        return self.reader.summary

    def check(self, defn: TableDef) -> None:
        """The file has the table's columns, and every row can be sent as it is (or, with
        --skip-bad-rows, the rows that cannot are known and named): checked before any is sent."""
        self.reader.check(defn)

    def refused_keys(self, defn: TableDef) -> Iterator[dict[str, Any]]:
        return self.reader.refused_keys(defn)

    def pages(self, defn: TableDef, pos: Position, since: str | None, top: int
              ) -> Iterator[tuple[list[dict[str, Any]], Callable[[int], None]]]:
        page: list[dict[str, Any]] = []
        where: list[int] = []  # each page row's index among the rows that can be sent
        for n, (_, row) in enumerate(self.reader.rows(defn)):
            if n < pos.offset:
                continue  # sent by an earlier, interrupted run
            mod = row.get("_mod") or ""
            if since and mod <= since[:19]:  # the file's times carry no offset
                continue  # not modified since
            page.append(row)
            where.append(n)
            if len(page) == top:
                yield page, self._advance(pos, page, where)
                page, where = [], []
        if page:
            yield page, self._advance(pos, page, where)

    @staticmethod
    def _advance(pos: Position, page: list[dict[str, Any]], where: list[int]) -> Callable[[int], None]:
        def advance(n: int) -> None:
            if n:
                pos.offset = where[n - 1] + 1
                del page[:n], where[:n]
        return advance


def file_fingerprint(path: Path) -> str:
    """sha256 of the file's bytes, read as a stream; '' when it cannot be read (reading it then
    says why, with the file's name)."""
    import hashlib

    digest = hashlib.sha256()
    try:
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return ""
    return digest.hexdigest()[:32]


def choose_source(root: Path, defs: list[TableDef], *, from_file: Path | None, acumatica_url: str | None,
                  tenant: str | None, username: str, password: Callable[[], str], policy: Policy,
                  read_options: ReadOptions | None = None) -> ODataSource | FileSource:
    """A file (--from) for one table, or the inquiry over OData with the URL and tenant from the
    options or the project config."""
    from ..acumatica.odata import Connection
    from ..config import load_settings
    from ..errors import InputError

    if from_file is not None:
        if len(defs) != 1:
            raise InputError("--from reads one table's rows: name that table",
                             hint="e.g. backfill customers --from customers.csv")
        return FileSource(from_file, read_options)
    settings = load_settings(root)
    url = (acumatica_url or settings.acumatica_url or "").rstrip("/")
    tenant = tenant or (settings.tenants[0] if settings.tenants else None)
    if not url or not tenant:
        raise InputError("backfill reads Acumatica over OData: the instance URL and the tenant are needed",
                         hint="pass --acumatica-url and --tenant (or set acumaticaUrl and tenant in "
                              "jigx-acumatica.yaml), or read a file with --from")
    if not username:
        raise InputError("no Acumatica user name", hint="set ACUMATICA_USERNAME or pass --username")
    return ODataSource(Reader(Connection(url, tenant, username, password(), policy)),
                       allow_missing_columns=bool(read_options and read_options.allow_missing_columns))


def tenant_runs(root: Path, defs: list[TableDef], target: Target, tenant: str | None, from_file: Path | None
                ) -> list[tuple[Tenant, list[Feed]]]:
    """The tenants to read, each with its own tables of these definitions. With one tenant,
    --tenant is the login name to read (as it always was); with several it picks a declared one
    (default: all). A file holds one tenant's rows: with several, --from needs --tenant."""
    from ..config import load_settings
    from ..errors import InputError
    from ..solution.queries import select_feeds
    from ..tenancy import tenancy_of

    tenancy = tenancy_of(load_settings(root), target)
    if not tenancy.several:
        return [(tenancy.tenants[0], select_feeds(root, defs, target))]
    feeds = select_feeds(root, defs, target, tenant)
    by_tenant: dict[Tenant, list[Feed]] = {}
    for feed in feeds:
        by_tenant.setdefault(feed.tenant, []).append(feed)
    if from_file is not None and len(by_tenant) > 1:
        names = ", ".join(t.shown for t in by_tenant)
        raise InputError(f"--from reads one tenant's rows, and '{defs[0].table}' is in {names}",
                         hint="name whose rows the file holds: --tenant <login name>")
    return [(t, by_tenant[t]) for t in tenancy.tenants if t in by_tenant]


def refuse_list_field_keys(defn: TableDef) -> None:
    """A key column on a list field reads as its label over OData: paging past it could skip rows."""
    from ..definition.dacs import is_list_field
    from ..errors import InputError

    aliases = defn.aliases()
    for col in defn.columns:
        if col.name in defn.key and is_list_field(aliases.get(col.alias, ""), col.field):
            raise InputError(f"'{defn.table}' is keyed on {col.alias}.{col.field}, a list field: OData reads and "
                             "compares it by its label, not its stored code, so paging by it could skip or repeat "
                             "rows", path=defn.path,
                             hint="backfill this table from a file saved from the inquiry's grid (--from FILE)")
