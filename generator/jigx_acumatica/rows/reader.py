"""The one reader of rows files, for every command that reads them (backfill --from, reconcile
--from): the file's columns checked against the definition, then every row checked before any
is sent (a value its column cannot hold, an empty or repeated key, a row too large for Jigx).
The run refuses with every problem's row, column, value and fix; with --skip-bad-rows it sends
the others, and a refused row claims nothing (its key stays free for a later, valid row)."""

from __future__ import annotations

import difflib
import hashlib
from array import array
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..definition import TableDef
from ..errors import InputError
from ..push_contract import row_size_problem
from .files import RowFile
from .shape import expected, key_text, needed, push_row
from .values import BadValue, Context, ReadOptions, read_value

SHOWN = 10  # problems named in the message; the rest are counted
KNOWN = ("_tab", "_del")  # columns an inquiry may have beside the definition's


@dataclass(frozen=True)
class Problem:
    row: int
    where: str  # "row 5" or "sheet 'Customers', row 5"
    column: str | None
    problem: str
    fix: str
    reason: str  # the kind, for the counts of skipped rows

    def render(self) -> str:
        return f"{self.where}, {self.column} {self.problem}" if self.column else f"{self.where}: {self.problem}"


@dataclass
class Summary:
    """What reading the file found: rows read, refused (by reason), and what the columns lack."""

    read: int = 0
    bad: set[int] = field(default_factory=set)
    reasons: Counter[str] = field(default_factory=Counter)  # rows refused, by their first problem's kind
    problems: list[Problem] = field(default_factory=list)  # the first SHOWN
    count: int = 0  # problems found
    missing_columns: list[str] = field(default_factory=list)  # sent as null (--allow-missing-columns)
    unknown_columns: list[str] = field(default_factory=list)  # in the file, not in the definition: ignored
    warnings: list[str] = field(default_factory=list)

    def note(self, p: Problem) -> None:
        if p.row not in self.bad:
            self.reasons[p.reason] += 1
        self.bad.add(p.row)
        self.count += 1
        if len(self.problems) < SHOWN:
            self.problems.append(p)

    def as_dict(self) -> dict[str, Any]:
        return {"rows_read": self.read, "rows_refused": len(self.bad), "refused_by_reason": dict(self.reasons),
                "problems": [p.render() + (f" (fix: {p.fix})" if p.fix else "") for p in self.problems],
                "missing_columns_sent_as_null": self.missing_columns, "ignored_columns": self.unknown_columns,
                "warnings": self.warnings}


class FileRows:
    """A rows file as one table's source: check() reads it whole (as a stream) and finds every
    problem; rows() then gives the rows that can be sent, their values read as check() read them."""

    def __init__(self, path: Path, options: ReadOptions) -> None:
        self.path, self.options = path, options
        self.file = RowFile(path, sheet=options.sheet)
        self.summary = Summary()

    @property
    def context(self) -> Context:
        return Context(self.options, self.file.locale_in_doubt)

    def check(self, defn: TableDef) -> None:
        self.summary = Summary()
        self._check_columns(defn)
        self._check_rows(defn)
        if self.summary.bad and not self.options.skip_bad_rows:
            raise self.refusal()

    def rows(self, defn: TableDef) -> Iterator[tuple[int, dict[str, Any]]]:
        """(row number, the row with its values read) for every row check() did not refuse."""
        ctx = self.context
        for n, raw in self.file.rows():
            if n not in self.summary.bad:
                yield n, self._typed(defn, raw, ctx)

    def refused_keys(self, defn: TableDef) -> Iterator[dict[str, Any]]:
        """The keys of the rows check() refused, as far as they can be read: a reconcile leaves
        those keys alone rather than call them orphans."""
        for n, raw in self.file.rows():
            if n in self.summary.bad:
                yield {k: raw.get(k) for k in defn.key}

    # --- columns ---------------------------------------------------------------------------------

    def _check_columns(self, defn: TableDef) -> None:
        header = self.file.header()
        if header is None:
            return  # no rows: nothing to send, nothing to refuse
        names = [h for h in header if not h.startswith("@") and not h.startswith("odata.")]
        want = expected(defn)
        missing = [c for c in want if c not in names]
        unknown = [h for h in names if h not in want and h not in KNOWN]
        needed_missing = [c for c in missing if c in needed(defn)]
        if needed_missing or (missing and not self.options.allow_missing_columns):
            raise self._columns_error(defn, missing, unknown, bool(needed_missing))
        self.summary.missing_columns, self.summary.unknown_columns = missing, unknown
        if unknown:
            self.summary.warnings.append(f"{len(unknown)} column(s) of the file are not in the definition and are "
                                         f"not sent: {', '.join(unknown)}")
        if missing:
            self.summary.warnings.append(f"the file lacks {', '.join(missing)}: sent as null "
                                         "(--allow-missing-columns), which clears them in Jigx")

    def _columns_error(self, defn: TableDef, missing: list[str], unknown: list[str], needed_missing: bool
                       ) -> InputError:
        where = f"sheet '{self.file.sheet_name}' of " if self.file.sheet_name else ""
        guesses = [f"{u} -> {close[0]}" for u in unknown if (close := difflib.get_close_matches(u, missing, n=1))]
        text = (f"{where}the rows file lacks the column(s) {', '.join(missing)} of '{defn.table}'"
                + (f", and has {', '.join(unknown)}, which the definition does not" if unknown else "")
                + ": a push replaces the whole row in Jigx, so a missing column would be sent as null and clear "
                  "the value Jigx holds; nothing was sent")
        if guesses:
            hint = f"rename the columns in the file ({'; '.join(guesses)}), as the inquiry's captions"
        else:
            names = expected(defn)
            listed = ", ".join(names[:-1][:8]) + (", ..." if len(names) > 9 else "") + ", _mod"
            hint = (f"is it the file of another table? Name its columns as the result columns of '{defn.table}': "
                    f"{listed}")
        if not needed_missing:
            hint += ", or pass --allow-missing-columns to send the missing ones as null"
        else:
            hint += f" (the key {', '.join(defn.key)} and _mod are always needed)"
        return InputError(text, path=self.path, hint=hint)

    # --- rows ------------------------------------------------------------------------------------

    def _check_rows(self, defn: TableDef) -> None:
        ctx, summary = self.context, self.summary
        digests = array("Q")  # each good row's key as 8 bytes: memory stays flat
        numeric_keys: Counter[str] = Counter()
        for n, raw in self.file.rows():
            summary.read += 1
            problems = self._row_problems(defn, n, raw, ctx)
            for p in problems:
                summary.note(p)
            if problems:
                continue  # a refused row claims no key
            numeric_keys.update(k for k in defn.key if self.file.kind == "xlsx" and _is_number(raw.get(k))
                                and _kind(defn, k) == "string")
            digests.append(_digest(defn, self._typed(defn, raw, ctx)))
        for k, count in numeric_keys.items():
            summary.warnings.append(f"the key column {k} holds {count} number(s) in the workbook, sent as text "
                                    "(11 as \"11\"); Excel drops leading zeros (000011 is stored as 11), which "
                                    "cannot be recovered: check those keys, or save the grid as CSV")
        self._find_repeats(defn, digests, ctx)

    def _row_problems(self, defn: TableDef, n: int, raw: dict[str, Any], ctx: Context) -> list[Problem]:
        where = self.file.where(n)
        out: list[Problem] = []
        for k in defn.key:
            if raw.get(k) is None or str(raw.get(k)).strip() == "":
                out.append(Problem(n, where, k, "is empty (a key column)", "give the row its key, or delete it",
                                   "an empty key"))
        absent = [c for c in expected(defn) if c not in raw and c not in self.summary.missing_columns]
        for c in absent:
            out.append(Problem(n, where, c, "is not in the row", "give every row every column (null where it "
                               "has no value)", "a missing column"))
        kinds = {c.name: c.type for c in defn.columns}
        kinds["_mod"] = "datetime"
        for name, kind in kinds.items():
            if name in absent:
                continue
            try:
                value = read_value(raw.get(name), kind, ctx)
            except BadValue as exc:
                out.append(Problem(n, where, name, exc.problem, exc.fix, "a value that does not fit its column"))
                continue
            if name == "_mod" and value is None:
                out.append(Problem(n, where, name, "is empty", "every row needs its last-modified time",
                                   "an empty _mod"))
        if not out:
            shaped = push_row(defn, self._typed(defn, raw, ctx))
            too_big = row_size_problem(shaped) if shaped else None
            if too_big:
                out.append(Problem(n, where, None, f"({key_text(defn, raw)}) {too_big}",
                                   "shorten its longest values in Acumatica, or leave a long column out of the "
                                   "definition", "larger than a Jigx row"))
        return out

    def _find_repeats(self, defn: TableDef, digests: array[int], ctx: Context) -> None:
        """Repeated keys found from the sorted digests, then named in a second read of the file."""
        ordered = sorted(digests)
        del digests
        repeated = {a for a, b in zip(ordered, ordered[1:], strict=False) if a == b}
        del ordered
        if not repeated:
            return
        first_seen: dict[int, int] = {}
        for n, raw in self.file.rows():
            if n in self.summary.bad:
                continue
            digest = _digest(defn, self._typed(defn, raw, ctx))
            if digest not in repeated:
                continue
            if digest in first_seen:
                self.summary.note(Problem(n, self.file.where(n), None,
                                          f"the key ({key_text(defn, raw)}) repeats row {first_seen[digest]}: only "
                                          "the first is sent", "delete the repeated row, or fix its key",
                                          "a key an earlier row holds"))
            else:
                first_seen[digest] = n

    @staticmethod
    def _typed(defn: TableDef, raw: dict[str, Any], ctx: Context) -> dict[str, Any]:
        """The row's values read for their columns (those it holds): what push_row then shapes."""
        out = {c.name: read_value(raw.get(c.name), c.type, ctx) for c in defn.columns if c.name in raw}
        out["_mod"] = read_value(raw.get("_mod"), "datetime", ctx)
        if "_del" in raw:
            out["_del"] = raw["_del"]
        return out

    def refusal(self) -> InputError:
        s = self.summary
        more = s.count - len(s.problems)
        listed = "; ".join(p.render() for p in s.problems) + (f"; and {more} more" if more > 0 else "")
        rows = len(s.bad)
        fixes = list(dict.fromkeys(p.fix for p in s.problems if p.fix))[:3]
        return InputError(f"{rows} row{'s' if rows != 1 else ''} of {s.read} cannot be sent as they are: {listed}; "
                          "nothing was sent", path=self.path,
                          hint="; ".join([*fixes, "or pass --skip-bad-rows to send the others (each skipped row is "
                                                  "counted)"]))


def _digest(defn: TableDef, typed: dict[str, Any]) -> int:
    """A key as a 64-bit number (typed, trimmed: "C001 " and "C001" are one key)."""
    text = "\x1f".join(repr(v.strip() if isinstance(v := typed.get(k), str) else v) for k in defn.key)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _kind(defn: TableDef, name: str) -> str:
    return next((c.type for c in defn.columns if c.name == name), "string")
