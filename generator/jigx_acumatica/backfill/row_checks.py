"""Rows from a file are checked before anything is sent: a value that does not fit its column's
type, an empty key, a key the input repeats, a date the tool cannot read. The run refuses with
every problem's file and row, or, with --skip-bad-rows, sends the others and counts the skipped."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ..definition import Column, TableDef
from ..errors import InputError
from .rows import readable_time

SHOWN = 10  # problems named in the message; the rest are counted
BOOL_TEXT = ("true", "false", "1", "0", "yes", "no")


@dataclass
class Checked:
    bad: set[int] = field(default_factory=set)  # row numbers that cannot be sent as they are
    problems: list[str] = field(default_factory=list)
    count: int = 0  # problems found (problems holds the first SHOWN)


def value_problem(value: Any, col: Column, order: str) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if col.type in ("int", "decimal"):
        if isinstance(value, bool):
            return f"{col.name} is {value!r}, not a number"
        if isinstance(value, (int, float)):
            return None if col.type == "decimal" or float(value).is_integer() else \
                f"{col.name} is {value!r}, not a whole number"
        try:
            number = Decimal(str(value).strip().replace(",", ""))
        except InvalidOperation:
            return f"{col.name} is {str(value)!r}, not a number"
        if col.type == "int" and number != number.to_integral_value():
            return f"{col.name} is {str(value)!r}, not a whole number"
        return None
    if col.type == "bool" and not isinstance(value, bool) and str(value).strip().lower() not in BOOL_TEXT:
        return f"{col.name} is {str(value)!r}, not true or false"
    if col.type == "datetime" and readable_time(value, order) is None:
        return f"{col.name} is {str(value)!r}, not a date the tool reads (ISO, or as Acumatica's grid exports it)"
    return None


def row_problems(defn: TableDef, raw: dict[str, Any], order: str) -> list[str]:
    out = [f"the key column {k} is empty" for k in defn.key if raw.get(k) is None or str(raw.get(k)).strip() == ""]
    for col in defn.columns:
        problem = value_problem(raw.get(col.name), col, order)
        if problem:
            out.append(problem)
    mod = raw.get("_mod")
    if mod is None or str(mod).strip() == "":
        out.append("_mod is empty")
    elif readable_time(mod, order) is None:
        out.append(f"_mod is {str(mod)!r}, not a date the tool reads (ISO, or as Acumatica's grid exports it)")
    return out


def _key_digest(defn: TableDef, raw: dict[str, Any]) -> int:
    """A key as a 64-bit number: the keys seen are kept as 8 bytes each, however many rows."""
    text = "\x1f".join(str(raw.get(k)).strip() for k in defn.key)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def check_rows(defn: TableDef, rows: Callable[[], Iterable[tuple[int, dict[str, Any]]]], order: str) -> Checked:
    """Every row's problems; repeated keys found from 64-bit key digests (8 bytes a row, about 40
    for the moment they are sorted), then named in a second read of the input."""
    from array import array

    checked = Checked()
    digests = array("Q")

    def note(n: int, problem: str) -> None:
        checked.bad.add(n)
        checked.count += 1
        if len(checked.problems) < SHOWN:
            checked.problems.append(f"row {n}: {problem}")

    for n, raw in rows():
        problems = row_problems(defn, raw, order)
        for problem in problems:
            note(n, problem)
        if not any(p.startswith("the key column") for p in problems):
            digests.append(_key_digest(defn, raw))
    ordered = sorted(digests)
    del digests
    repeated = {a for a, b in zip(ordered, ordered[1:], strict=False) if a == b}
    del ordered
    if repeated:
        first_seen: dict[int, int] = {}
        for n, raw in rows():
            if any(raw.get(k) is None or str(raw.get(k)).strip() == "" for k in defn.key):
                continue
            digest = _key_digest(defn, raw)
            if digest not in repeated:
                continue
            if digest in first_seen:
                key = ", ".join(f"{k}={str(raw.get(k)).strip()!r}" for k in defn.key)
                note(n, f"the key ({key}) repeats row {first_seen[digest]}: only the first is sent")
            else:
                first_seen[digest] = n
    return checked


def refuse(checked: Checked, path: Path) -> InputError:
    more = checked.count - len(checked.problems)
    listed = "; ".join(checked.problems) + (f"; and {more} more" if more > 0 else "")
    rows = len(checked.bad)
    return InputError(f"{rows} row{'s' if rows != 1 else ''} cannot be sent as they are: {listed}; nothing was sent",
                      path=path, hint="fix those rows in the file, or pass --skip-bad-rows to send the others (each "
                                      "skipped row is counted)")


def skipping(rows: Iterator[tuple[int, dict[str, Any]]], bad: set[int]) -> Iterator[tuple[int, dict[str, Any]]]:
    return ((n, r) for n, r in rows if n not in bad)
