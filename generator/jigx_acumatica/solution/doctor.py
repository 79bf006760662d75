"""doctor: check an existing solution (hand-made or generated) against the Jigx and Acumatica rules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .. import naming, schema
from ..config import load_config
from ..definition import writes_to
from ..errors import ExitCode, ToolError, located, printable
from ..fsutil import read_if_exists
from ..layout import DATABASE, INDEX
from ..yamlio import key_position, plain
from .doctor_rules import MAX_COLUMNS, MAX_TABS, reset_keys, sql_problem
from .jigx_files import EVENT_KEY, MISSPELLINGS
from .queries import solution_definitions
from .yaml_splice import load_jigx_data, load_owned

Severity = Literal["error", "warning", "info"]
ERROR: Severity = "error"
WARNING: Severity = "warning"
INFO: Severity = "info"
SEVERITY_EXIT = {ERROR: ExitCode.CHANGES, WARNING: ExitCode.WARNINGS, INFO: ExitCode.OK}
DEPRECATED = ("widgets", "stories", "home")


@dataclass
class Finding:
    severity: Severity
    path: str
    line: int | None
    message: str
    fix: str = ""
    column: int | None = None

    def render(self) -> str:
        where = located(self.path, self.line) + (f":{self.column}" if self.line and self.column else "")
        text = printable(f"{where}: {self.severity}: {self.message}")
        return text + (f"\n  fix: {printable(self.fix)}" if self.fix else "")

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "column" or v is not None}


def exit_code(findings: list[Finding]) -> ExitCode:
    """By the worst severity: errors 1, warnings only 4, otherwise 0."""
    severities = {f.severity for f in findings}
    for severity in (ERROR, WARNING):
        if severity in severities:
            return SEVERITY_EXIT[severity]
    return ExitCode.OK


def _position(doc: Any, path: list[Any]) -> int | None:
    """Line (1-based) of the node at a JSON path, as far down as it can be followed."""
    line = None
    node = doc
    for step in path:
        try:
            line = key_position(node, step)[0] or line
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
    return line


class Doctor:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.findings: list[Finding] = []

    def add(self, severity: Severity, rel: str, line: int | None, message: str, fix: str = "") -> None:
        finding = Finding(severity, rel, line, message, fix)
        if finding not in self.findings:  # two checks may reach the same problem (a file that does not parse)
            self.findings.append(finding)

    def managed_tables(self) -> set[str]:
        """Tables jigx-acumatica created in this solution (its state file)."""
        from .queries import managed_tables

        try:
            return managed_tables(self.root)
        except ToolError:
            return set()

    def check_table_name(self, rel: str, line: int | None, table: str, fix: str) -> None:
        """A name against Jigx's table rule: an error for tables this tool generates; a warning
        for the user's own (Jigx's own samples use camelCase names its documented rule refuses)."""
        problem = naming.table_name_problem(table)
        if not problem:
            return
        if table in self.managed_tables():
            self.add(ERROR, rel, line, f"table name '{table}' {problem}", fix)
        else:
            self.add(WARNING, rel, line, f"table name '{table}' {problem}: it breaks Jigx's documented rule for "
                     "Dynamic Data table names (lowercase; letters, digits, '-', '_'; 2 to 30 characters), "
                     "though Jigx's own samples use such names", "rename it if Jigx refuses the table")

    def relative(self, rel: str) -> str:
        """A path as the solution names it, when it is inside the solution."""
        path = Path(rel)
        if path.is_absolute():
            try:
                return path.resolve().relative_to(self.root.resolve()).as_posix()
            except ValueError:
                pass
        return rel

    def add_error(self, rel: str, exc: ToolError) -> None:
        self.add(ERROR, self.relative(rel), exc.line, exc.message, exc.hint or "")

    def load(self, rel: str) -> Any:
        raw = read_if_exists(self.root / rel)
        if raw is None:
            return None
        try:
            return load_owned(raw, rel).doc
        except ToolError as exc:
            self.add_error(rel, exc)
            return None

    def run(self) -> list[Finding]:
        if not (self.root / INDEX).exists():
            self.add(ERROR, INDEX, None, "no index.jigx: this is not a Jigx solution",
                     "point --solution at the solution folder, or create one with 'jigx-acumatica init'")
            return self.findings
        try:
            load_config(self.root)
        except ToolError as exc:
            self.add_error("jigx-acumatica.yaml", exc)
        index = self.load(INDEX)
        database = self.load(DATABASE)
        declared = self.check_database(database)
        if isinstance(index, dict):
            self.check_index(index, declared)
        self.check_datasources()
        self.check_ids()
        self.check_state()
        self.check_generated()
        self.check_odata_rights()
        self.check_checklists()
        order = {ERROR: 0, WARNING: 1, INFO: 2}
        self.findings.sort(key=lambda f: (order[f.severity], f.path, f.line or 0))
        return self.findings

    def check_database(self, database: Any) -> set[str] | None:
        if database is None:
            if not (self.root / DATABASE).exists():
                self.add(WARNING, DATABASE, None, "no databases/default.jigx: no Dynamic Data table is declared",
                         "run 'jigx-acumatica generate' or declare the tables under 'tables:'")
            return set() if not (self.root / DATABASE).exists() else None
        tables = database.get("tables") if isinstance(database.get("tables"), dict) else {}
        for path, message in schema.problems("database", plain(database)):
            if path.split("/")[0] == "tables" and "does not match" in message:
                continue  # a table's name: judged below, by who created it
            self.add(ERROR, DATABASE, _position(database, path.split("/")), f"{path}: {message}",
                     "declare each table as '  name:' (an empty value) under 'tables:'")
        for name in tables:
            self.check_table_name(DATABASE, _position(database, ["tables", name]), str(name),
                                  "table names are lowercase letters, digits, '-' and '_' (2-30)")
        return {str(t) for t in tables}

    def check_index(self, index: dict[str, Any], declared: set[str] | None) -> None:
        data = plain(index)
        for path, message in schema.problems("index", data):
            if path.startswith(EVENT_KEY) or "deprecated" in message:
                continue  # reported below with a better message
            self.add(ERROR, INDEX,
                     _position(index, [] if path == "(top level)" else path.split("/")), f"{path}: {message}",
                     "see the Jigx index.jigx reference")
        for key in DEPRECATED:
            if key in index:
                self.add(WARNING, INDEX, key_position(index, key)[0], f"'{key}' is deprecated in Jigx",
                         "move it to 'tabs' and remove it")
        for tab, spec in (data.get("tabs") or {}).items() if isinstance(data.get("tabs"), dict) else []:
            jig = spec.get("jigId") if isinstance(spec, dict) else None
            if isinstance(jig, str) and jig not in self.jig_ids():
                self.add(ERROR, INDEX, _position(index, ["tabs", tab, "jigId"]),
                         f"tab '{tab}' points at jig '{jig}', but jigs/{jig}.jigx does not exist (nor {jig}.jigx in a "
                         "subfolder of jigs/)",
                         f"create jigs/{jig}.jigx or fix the jigId")
        for wrong in MISSPELLINGS:
            if wrong in index:
                self.add(ERROR, INDEX, key_position(index, wrong)[0], f"'{wrong}' is not a Jigx event",
                         f"rename it to '{EVENT_KEY}'")
        if EVENT_KEY in index:
            self.check_entries(index, declared)
        tabs = data.get("tabs")
        if isinstance(tabs, dict) and len(tabs) > MAX_TABS:
            self.add(WARNING, INDEX, key_position(index, "tabs")[0],
                     f"{len(tabs)} tabs: Jigx shows {MAX_TABS} in its bottom bar (the rest behind More, or not at all, "
                     "depending on the version)", "keep four tabs and reach the other jigs from the home "
                     "(jigx-acumatica's home grid has a widget per table)")
        self.check_state_keys(index, data)

    def check_state_keys(self, index: Any, data: dict[str, Any]) -> None:
        """A reset-solution-state action changes only state keys index.jigx declares under 'state'."""
        declared = set(data["state"]) if isinstance(data.get("state"), dict) else set()
        for i, entry in enumerate(data.get(EVENT_KEY) or []):
            if not isinstance(entry, dict):
                continue
            for key in sorted(reset_keys(entry.get("action")) - declared):
                # a note, not a warning: Jigx's own examples reset dataStatus without declaring it
                self.add(INFO, INDEX, key_position(index[EVENT_KEY], i)[0],
                         f"the action for '{entry.get('table')}' resets the solution state key '{key}', which no "
                         "'state:' in index.jigx declares", f"declare it (state: {{{key}: ...}}) or drop the reset")

    def check_entries(self, index: dict[str, Any], declared: set[str] | None) -> None:
        items = index[EVENT_KEY]
        line = key_position(index, EVENT_KEY)[0]
        if items is None:
            return
        if not isinstance(items, list):
            self.add(ERROR, INDEX, line, f"{EVENT_KEY} must be a list", "write one '- table: ...' item per table")
            return
        seen: set[str] = set()
        for i, item in enumerate(items):
            at = key_position(items, i)[0]
            entry = plain(item)
            if not isinstance(entry, dict) or not isinstance(entry.get("table"), str):
                self.add(ERROR, INDEX, at, f"{EVENT_KEY} item {i + 1} has no 'table'", "add 'table: <name>'")
                continue
            table = entry["table"]
            self.check_table_name(INDEX, at, table, "use the bare Dynamic Data table name (no 'default/' prefix)")
            action = entry.get("action")
            if not isinstance(action, dict) or not str(action.get("type", "")).startswith("action."):
                self.add(ERROR, INDEX, at, f"the entry for '{table}' needs one action with a 'type: action....'",
                         "several actions go inside type: action.action-list")
            elif writes_to(action, table):
                self.add(ERROR, INDEX, at, f"the handler for '{table}' writes to the table it watches (a loop)",
                         "sync or read the table instead, or write to another table")
            extra = sorted(set(entry) - {"table", "action"})
            if extra:
                self.add(WARNING, INDEX, at, f"the entry for '{table}' has unknown keys: {', '.join(extra)}",
                         "an entry has only 'table' and 'action'")
            if table in seen:
                self.add(WARNING, INDEX, at, f"'{table}' is watched twice", "merge the two entries")
            seen.add(table)
            if declared is not None and table not in declared:
                self.add(ERROR, INDEX, at, f"'{table}' is watched but not declared in {DATABASE}",
                         f"add '  {table}:' under 'tables:' in {DATABASE}")
        for table in sorted((declared or set()) - seen):
            self.add(INFO, DATABASE, None, f"'{table}' is declared but no onTableChanged entry watches it: the app "
                     "is not told when its rows change", f"add an entry for it in {INDEX} if the app shows its rows")

    def check_ids(self) -> None:
        """Jigx finds jigs and datasources by file name in every subfolder: two files of one name
        in one folder type are one id."""
        for folder in ("jigs", "datasources"):
            seen: dict[str, list[str]] = {}
            for path in sorted((self.root / folder).rglob("*.jigx")) if (self.root / folder).is_dir() else []:
                seen.setdefault(path.stem, []).append(path.relative_to(self.root).as_posix())
            for stem, paths in seen.items():
                if len(paths) > 1:
                    self.add(WARNING, paths[1], None, f"the id '{stem}' is used by {len(paths)} files under {folder}/: "
                             f"{', '.join(paths)}", "rename all but one (a file's id is its name, in any subfolder)")

    def check_sql(self, rel: str, query: Any, entities: Any) -> None:
        """The query as SQLite reads it, over tables shaped like Jigx's (id, data): a syntax error
        (a bare alias named Order, Group, Values, ...) is what the device would meet."""
        if not isinstance(query, str):
            return
        problem = sql_problem(query)
        if problem:
            self.add(WARNING, rel, None, f"SQLite refuses this datasource's query ({problem}); the list stays empty",
                     'quote the identifier: AS "Order", not AS Order')

    def check_datasources(self) -> None:
        for path in sorted((self.root / "datasources").glob("*.jigx")):
            rel = path.relative_to(self.root).as_posix()
            try:
                data = load_jigx_data(read_if_exists(path) or "", rel)
            except ToolError as exc:
                self.add(ERROR, rel, exc.line, exc.message, exc.hint or "fix or remove the file")
                continue
            if isinstance(data, dict) and data.get("type") == "datasource.sqlite" and \
                    isinstance(data.get("options"),
                               dict) and data["options"].get("provider") == "DATA_PROVIDER_DYNAMIC":
                for where, message in schema.problems("datasource", data):
                    self.add(WARNING, rel, None, f"{where}: {message}")
                self.check_sql(rel, data["options"].get("query"), data["options"].get("entities"))

    def jig_ids(self) -> set[str]:
        """A jig's id is its file name, wherever it sits under jigs/ (subfolders group jigs)."""
        return {p.stem for p in (self.root / "jigs").rglob("*.jigx") if p.is_file()}

    def check_state(self) -> None:
        """Every table the tool manages still has its definition."""
        from ..layout import STATE_FILE
        from .state import load_state

        try:
            state, _ = load_state(self.root)
        except ToolError as exc:
            self.add_error(STATE_FILE, exc)
            return
        for table, rec in sorted(state.tables.items()):
            rel = rec.definition
            if rel and not (self.root / rel).is_file():
                self.add(ERROR, STATE_FILE, None, f"table '{table}' is managed, but its definition {rel} is missing",
                         f"restore {rel} (from git), or stop managing it: jigx-acumatica remove {table}")

    def check_generated(self) -> None:
        """Every table definition's artifacts are up to date (what 'generate --check' would say)."""
        from .plan import CONFLICT, IDENTICAL, SKIP
        from .plan_generate import plan_generate
        from .queries import definitions_for

        if not solution_definitions(self.root):
            return
        try:
            target = load_config(self.root)
            defs = definitions_for(self.root, [], target)
            plan = plan_generate(self.root, defs, target)
        except ToolError as exc:
            for e in exc.problems:
                self.add_error(e.path or "", e)
            return
        from ..definition import with_warning_lines

        for defn in defs:
            for w in with_warning_lines(defn).warnings:
                self.add(WARNING, self.relative(w.path), w.line, w.message, w.hint)
            self.check_definition_shape(defn)
        for change in plan.changes:
            if change.action == IDENTICAL or change.what == "declaration" and change.action == SKIP:
                continue
            subject = change.path if change.what == "file" else f"{change.what} for '{change.table}'"
            if change.action == CONFLICT:
                self.add(WARNING, change.path, None, f"{subject}: edited by hand and out of date",
                         "merge your edits into the table definition, or 'jigx-acumatica generate --force'")
            elif change.action == SKIP:
                self.add(INFO, change.path, None, f"{subject}: kept as edited by hand")
            else:
                self.add(WARNING, change.path, None, f"{subject} is out of date ({change.action})",
                         "run 'jigx-acumatica generate'")


    def check_definition_shape(self, defn: Any) -> None:
        """What a definition allows but a push feed suffers: keys that a join may leave empty, an
        inquiry too wide to push."""
        rel = self.relative(defn.path)
        outer = {j.alias: j.type for j in defn.joins if j.type != "inner"}
        key_aliases = {c.alias for c in defn.columns if c.name in defn.key}
        if key_aliases and key_aliases <= set(outer):
            joins = ", ".join(f"the {outer[a]} join of {a}" for a in sorted(key_aliases))
            self.add(WARNING, rel, None, f"every key column of '{defn.table}' comes from {joins}, which leaves them "
                     "empty for rows without a match: such rows cannot be told apart",
                     "key the table on columns of its main table (source.dac), or make the join inner")
        if len(defn.columns) > MAX_COLUMNS:
            self.add(WARNING, rel, None, f"'{defn.table}' has {len(defn.columns)} columns: every push carries them "
                     f"all for every changed row (more than {MAX_COLUMNS} makes pushes large and slow)",
                     "keep the columns the app shows; split the rest into another table")

    def check_checklists(self) -> None:
        """The push checklists as Acumatica will be given them: no placeholder left, no address
        only this machine can reach."""
        from ..config import PLACEHOLDER_BASE, PLACEHOLDER_ORG, PLACEHOLDER_SOLUTION

        for path in sorted(self.root.glob("acumatica/*/push-notification.md")):
            rel = path.relative_to(self.root).as_posix()
            text = read_if_exists(path) or ""
            left = [p for p in (PLACEHOLDER_BASE, PLACEHOLDER_ORG, PLACEHOLDER_SOLUTION) if p in text]
            if left:
                self.add(WARNING, rel, None, f"the push URL still holds {', '.join(left)}",
                         "set region (or baseUrl), organizationId and solutionId in jigx-acumatica.yaml, then run "
                         "'jigx-acumatica generate'")
            if re.search(r"https?://(127\.\d+\.\d+\.\d+|localhost|0\.0\.0\.0|\[::1\])[:/]", text):
                self.add(WARNING, rel, None, "the push URL is a local address (a --base-url of this machine): "
                         "Acumatica cannot reach it", "set the region (or a reachable baseUrl) in jigx-acumatica.yaml "
                         "and run 'jigx-acumatica generate'")

    def check_odata_rights(self) -> None:
        """An inquiry exposed over OData needs View Only for the integration user's role: with no
        odataRole the package grants none, and a screen with no rights is open to no one."""
        from ..config import CONFIG_FILE, load_settings
        from ..definition import load_definitions

        try:
            if load_settings(self.root).odata_role:
                return
            defs = load_definitions(solution_definitions(self.root))
        except ToolError:
            return  # a broken config or definition is reported by the checks above
        exposed = sorted(d.table for d in defs if d.odata and d.screen_id)
        if exposed:
            self.add(WARNING, CONFIG_FILE, None,
                     f"no odataRole: the package grants no one rights on the OData inquiries of {', '.join(exposed)}, "
                     "and a screen with no rights is open to no one, so backfill would get 403",
                     "set 'odataRole: <the backfill user's role>', run generate and publish again, or grant that "
                     "role View Only on each inquiry's screen on Access Rights by Screen (SM201020)")


def diagnose(root: Path) -> list[Finding]:
    return Doctor(root).run()
