"""inspect: explain a saved Acumatica push notification against a table definition."""

from __future__ import annotations

import difflib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .. import naming
from ..artifacts.datasource import jigx_columns
from ..definition import TableDef, load_definition, load_definitions
from ..errors import InputError, printable
from ..push_contract import BodyError, parse_body, row_key, ticks_to_utc, timestamp_problem
from ..solution.queries import solution_definitions
from ..templates import render
from ..tenancy import Tenant
from ..yamlio import read_text

JIGX_COLUMNS = ("_tab", "_del", "_mod")
# A row in Deleted only: deleted, or it stopped meeting the inquiry's conditions (docs/platform-facts.md: ).
LEFT = "left"
LEFT_MEANING = "left the inquiry (deleted, or no longer matches its conditions)"


@dataclass
class RowChange:
    kind: str  # insert | update | left | soft-delete
    key: str
    changes: list[tuple[str, Any, Any]] = field(default_factory=list)


@dataclass
class Report:
    file: str
    table: str
    definition: str
    query: str
    company: str
    notification_id: str | None
    timestamp: int | None
    committed_utc: str | None
    rows: list[RowChange] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    unexpected_columns: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    fixes: list[str] = field(default_factory=list)  # what to do, one per kind of problem found

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.rows:
            out[r.kind] = out.get(r.kind, 0) + 1
        return out

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["rows"] = [{"kind": r.kind, "key": r.key,
                         "changes": [{"column": c, "old": o, "new": n} for c, o, n in r.changes]} for r in self.rows]
        data["counts"] = self.counts()
        data["ok"] = not self.problems
        return data

    def render(self) -> str:
        text = render("inspect.txt.j2", r=self, counts=self.counts(), show=_show,
                      left_meaning=LEFT_MEANING).rstrip("\n")
        return "\n".join(printable(line) for line in text.split("\n"))


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def load_notification(path: Path) -> dict[str, Any]:
    text = read_text(path, what="notification", kind="JSON", max_bytes=20 * 1024 * 1024)
    try:
        return parse_body(text, check_timestamp=False)
    except BodyError as exc:
        raise InputError(str(exc), path=path, line=exc.line, column=exc.column,
                         hint="save the notification body exactly as received: a JSON object with Inserted, "
                              "Deleted, Query and CompanyId") from None


def find_definition(body: dict[str, Any], table_def: Path | None, solution: Path) -> TableDef:
    if table_def is not None:
        return load_definition(table_def)
    defs = load_definitions(solution_definitions(solution))
    query = body["Query"]
    match = [d for d in defs if d.inquiry == query] or [d for d in defs if d.inquiry.lower() == query.lower()]
    if not defs:
        raise InputError(f"{solution} holds no table definitions to explain a push of '{query}' with",
                         path=solution, hint="pass --table DEF (the definition of that inquiry), or --solution "
                                             "with the solution folder")
    if not match:
        titles = ", ".join(f"'{d.inquiry}'" for d in defs)
        raise InputError(f"no table in the solution has the inquiry title '{query}'", path=solution,
                         hint=f"pass --table DEF; inquiry titles here: {titles}")
    return match[0]


def inspect_file(path: Path, *, table_def: Path | None = None, solution: Path = Path(".")) -> Report:
    from ..config import load_config

    body = load_notification(path)
    defn = find_definition(body, table_def, solution)
    tenant, declared = None, None
    if (solution / "jigx-acumatica.yaml").is_file():
        from ..config import load_settings
        from ..tenancy import tenancy_of

        target = load_config(solution)
        tenancy = tenancy_of(load_settings(solution), target)
        if tenancy.several:  # every declared tenant pushes here; only an undeclared one is flagged
            declared = {t.company_id: t for t in tenancy.of(defn)}
        else:
            tenant = target.company
    report = analyse(body, defn, file=path.name, tenant=tenant, declared=declared)
    report.definition = _shown_path(Path(defn.path), solution)
    return report


def _check_tenant(company: str, defn: TableDef, declared: dict[str, Tenant], report: Report) -> None:
    if company in declared:
        who = declared[company]
        report.notes.append(f"from tenant {who.shown} (CompanyId '{company}'): its rows belong in "
                            f"'{who.table(defn.table)}'")
        return
    known = ", ".join(f"'{c}'" for c in declared) or "none"
    report.problems.append(f"CompanyId '{company}' is not a tenant this table is in (declared: {known}): its rows "
                           "would have no table of their own")
    report.fixes.append(f"if '{company}' is meant to push here, declare it under tenants: in jigx-acumatica.yaml "
                        "(- {name: <login name>, companyId: " + company + "}) and list it in the definition's "
                        "tenants: if it has one, then generate; if a tenant's companyId is set wrong, correct it")


def _shown_path(path: Path, solution: Path) -> str:
    """The definition as the user finds it: inside the solution, its path there."""
    try:
        return path.resolve().relative_to(solution.resolve()).as_posix()
    except ValueError:
        return str(path)


def analyse(body: dict[str, Any], defn: TableDef, *, file: str, tenant: str | None = None,
            declared: dict[str, Tenant] | None = None) -> Report:
    """tenant: a one-tenant solution's CompanyId; declared: with several tenants, the CompanyIds of
    those this definition is in (a push from any other is flagged)."""
    ts = body.get("TimeStamp")
    report = Report(file=file, table=defn.table, definition=Path(defn.path).name, query=body["Query"],
                    company=body["CompanyId"], notification_id=body.get("Id"),
                    timestamp=ts if isinstance(ts, int) else None,
                    committed_utc=ticks_to_utc(ts) if isinstance(ts, int) else None)
    _check_envelope(body, defn, report)
    if declared is not None:
        _check_tenant(body["CompanyId"], defn, declared, report)
    elif tenant and body["CompanyId"] != tenant:
        report.problems.append(f"CompanyId '{body['CompanyId']}' is another tenant than this solution's ('{tenant}'): "
                               "Jigx ignores CompanyId, so its rows would mix with this tenant's (see the checklist, "
                               "'Several Acumatica tenants')")
        report.fixes.append(f"if tenant '{body['CompanyId']}' is meant to push here, set company: "
                            f"{body['CompanyId']} in jigx-acumatica.yaml; if both tenants push, give each its own "
                            "table (a definition per tenant, with its own table: and inquiry:)")
    _check_columns(body, defn, report)
    _classify_rows(body, defn, report)
    if len(report.problems) > len(report.fixes):  # problems of the payload itself
        report.fixes.append("fix the Generic Inquiry (its result columns and captions) or the table definition")
    return report


def _check_envelope(body: dict[str, Any], defn: TableDef, report: Report) -> None:
    ts = body.get("TimeStamp")
    if isinstance(ts, int) and timestamp_problem(ts):
        report.problems.append(f"{timestamp_problem(ts)}: out-of-order notifications cannot be recognised")
    if body["Query"] != defn.inquiry:
        report.problems.append(f"Query '{body['Query']}' is not the definition's inquiry title '{defn.inquiry}'")
    nid = body.get("Id")
    if nid is None:
        report.notes.append("no Id: duplicates of this notification cannot be recognised")
    elif not (isinstance(nid, str) and naming.UUID_RE.match(nid) and nid == nid.lower()):
        report.notes.append(f"Id {nid!r} is not a lowercase GUID as Acumatica sends")
    if "TimeStamp" not in body:
        report.notes.append("no TimeStamp: out-of-order notifications cannot be recognised")
    if not body["Inserted"] and not body["Deleted"]:
        report.notes.append("no rows: nothing to apply")


def _check_columns(body: dict[str, Any], defn: TableDef, report: Report) -> None:
    rows = body["Inserted"] + body["Deleted"]
    if not rows:
        return
    expected = [c.name for c in defn.columns] + jigx_columns(defn)
    present: list[str] = []
    for row in rows:
        present += [k for k in row if k not in present]
    report.missing_columns = [c for c in expected if c not in present]
    report.unexpected_columns = [c for c in present if c not in expected]
    for col in report.missing_columns:
        if col in JIGX_COLUMNS:
            report.problems.append(f"missing Jigx column {col}: add it to the Generic Inquiry's results with "
                                   f"Caption {col} (see generic-inquiry.md)")
        else:
            close = difflib.get_close_matches(col, report.unexpected_columns, n=1, cutoff=0.5)
            hint = f" (the payload has '{close[0]}': was the caption renamed in Acumatica?)" if close else ""
            report.problems.append(f"column {col} is expected but not in the payload{hint}")
    if not defn.deleted_flag and "_del" in present:
        report.problems.append(f"the payload has _del, but {defn.dac} does not keep deleted rows: this inquiry's _del "
                               "is not DeletedDatabaseRecord (a formula is pushed as text, such as \"False\", which "
                               "receivers may read as true); remove it from the inquiry (see generic-inquiry.md)")
    for col in report.unexpected_columns:
        report.notes.append(f"column {col} is in the payload but not in the definition")
    _check_each_row(body, [c for c in expected if c in present], report)


def _check_each_row(body: dict[str, Any], expected: list[str], report: Report) -> None:
    """Columns some rows carry and others lack: every row of one inquiry has the same columns;
    and a _del that is not a boolean (a formula without a schema field is pushed as text)."""
    for where in ("Inserted", "Deleted"):
        for i, row in enumerate(body[where], start=1):
            if "_del" in row and not isinstance(row["_del"], bool):
                report.problems.append(f"{where} row {i}: _del is {_show(row['_del'])}, not true or false: a text "
                                       "such as \"False\" is read as true by most receivers")
            lacking = [c for c in expected if c not in row]
            if lacking:
                report.problems.append(f"{where} row {i} lacks {', '.join(lacking)} (other rows have "
                                       f"{'it' if len(lacking) == 1 else 'them'})")


def _key_text(defn: TableDef, row: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_show(row.get(k))}" for k in defn.key)


def _classify_rows(body: dict[str, Any], defn: TableDef, report: Report) -> None:
    deleted: dict[str, dict[str, Any]] = {}
    for i, row in enumerate(body["Deleted"], start=1):
        key = _row_key(defn, row, "Deleted", i, report)
        if key is not None:
            deleted[key] = row
    seen: set[str] = set()
    for i, row in enumerate(body["Inserted"], start=1):
        key = _row_key(defn, row, "Inserted", i, report)
        if key is None:
            continue
        if key in seen:
            report.problems.append(f"Inserted row {i} repeats the key {_key_text(defn, row)}")
        seen.add(key)
        old = deleted.pop(key, None)
        if row.get("_del") is True:
            report.rows.append(RowChange("soft-delete", _key_text(defn, row)))
        elif old is not None:
            changes = [(c, old.get(c), row.get(c)) for c in dict.fromkeys([*old, *row]) if old.get(c) != row.get(c)]
            report.rows.append(RowChange("update", _key_text(defn, row), changes))
        else:
            report.rows.append(RowChange("insert", _key_text(defn, row)))
        if "_tab" in row and row["_tab"] != defn.entity:
            report.problems.append(f"Inserted row {i}: _tab is {_show(row['_tab'])}, the definition's entity is "
                                   f"'{defn.entity}'")
    for row in deleted.values():
        report.rows.append(RowChange(LEFT, _key_text(defn, row)))


def _row_key(defn: TableDef, row: dict[str, Any], where: str, index: int, report: Report) -> str | None:
    key = row_key(defn, row)
    if key is None:
        report.problems.append(f"{where} row {index} has an empty or missing key ({', '.join(defn.key)}): "
                               "the receiver cannot tell which record it is")
        return None
    padded = [row[k] for k in defn.key if isinstance(row.get(k), str) and row[k] != row[k].strip()]
    if padded:
        note = f"key values padded with spaces (trimmed when matching): {', '.join(map(_show, padded))}"
        if note not in report.notes:
            report.notes.append(note)
    return key
