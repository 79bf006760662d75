"""A plan: every change a run would make, decided and classified in memory before anything is
written (plan_generate and plan_remove build one; apply writes it).

Files the tool generates (Acumatica artifacts, datasources) and entries it manages in files the
user owns (onTableChanged items, table declarations) get a three-way decision against what the
tool generated last time, recorded in the solution's state file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..definition.model import Warning
from ..errors import ConflictError
from ..fsutil import Content, read_if_exists
from .state import State

# Plan actions, in the words the summary prints.
Action = Literal["create", "update", "identical", "skip", "conflict", "delete"]
CREATE: Action = "create"
UPDATE: Action = "update"
IDENTICAL: Action = "identical"
SKIP: Action = "skip"
CONFLICT: Action = "conflict"
DELETE: Action = "delete"
# What a change is about: a whole file, an entry in index.jigx, a declaration in default.jigx.
What = Literal["file", "entry", "declaration", "definition", "tab"]


@dataclass
class Change:
    action: Action
    path: str
    what: What = "file"
    table: str | None = None
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"action": self.action, "path": self.path, "what": self.what, "table": self.table, "detail": self.detail}


@dataclass
class TableSummary:
    table: str
    entity: str
    inquiry: str
    url: str
    placeholders: list[str]
    tenant: str | None = None  # with several tenants: whose table this is

    def as_dict(self) -> dict[str, Any]:
        out = self.__dict__.copy()
        if self.tenant is None:  # a one-tenant solution's output is as it was
            del out["tenant"]
        return out


@dataclass
class Plan:
    root: Path
    changes: list[Change] = field(default_factory=list)
    writes: dict[str, tuple[Content | None, Content]] = field(default_factory=dict)  # path -> (old, new)
    deletes: dict[str, Content] = field(default_factory=dict)  # path -> old content
    state: State = field(default_factory=State)
    old_state_text: str | None = None
    tables: list[TableSummary] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)  # about the definitions: the run goes on
    _state_text: str | None = field(default=None, repr=False)

    def add(self, change: Change) -> None:
        self.changes.append(change)

    def create_if_missing(self, rel: str, text: str) -> None:
        """A file the user will own from now on (config, skeleton): written once, never again."""
        if read_if_exists(self.root / rel) is None:
            self.add(Change(CREATE, rel))
            self.writes[rel] = (None, text)

    @property
    def conflicts(self) -> list[Change]:
        return [c for c in self.changes if c.action == CONFLICT]

    def conflict_error(self) -> ConflictError | None:
        """The one error a plan with conflicts stands for (None when there are none)."""
        if not self.conflicts:
            return None
        names = ", ".join(c.path if c.what == "file" else f"{c.path} [{c.what} {c.table}]" for c in self.conflicts)
        if all("has the same id" in c.detail for c in self.conflicts):
            return ConflictError(f"files of yours have the ids of generated files: {names}; nothing was written",
                                 hint="rename or move your files (see each conflict above), or rename the table")
        tables = sorted({c.table for c in self.conflicts if c.table})
        aimed = (f"; to force one table alone and keep every other hand edit: jigx-acumatica generate "
                 f"acumatica/{tables[0]}/table.yaml --solution <solution> --force") if tables else ""
        aimed += f"; one file alone: --force-file {self.conflicts[0].path}"
        return ConflictError(f"hand edits would be overwritten: {names}; nothing was written",
                             hint="merge your edits into the table definition, or rerun with --force (every "
                                  f"conflict){aimed}")

    @property
    def pending(self) -> bool:
        return bool(self.writes or self.deletes) or self.state_text() != self.old_state_text

    def state_text(self) -> str:
        """The state file's new text (the state is set once, when planning ends)."""
        if self._state_text is None:
            self._state_text = self.state.text()
        return self._state_text

    def as_dict(self) -> dict[str, Any]:
        return {
            "solution": str(self.root),
            "tables": [t.as_dict() for t in self.tables],
            "changes": [c.as_dict() for c in self.changes],
            "conflicts": len(self.conflicts),
            "notes": self.notes,
            "warnings": [{"path": w.path, "line": w.line, "message": w.message, "fix": w.hint} for w in self.warnings],
        }


# --- decisions ---------------------------------------------------------------------------------

def decide(current: Any, base: Any, new: Any, *, force: bool, interrupted: Any = None) -> Action:
    """Three-way decision for one managed file or entry (values compared as plain data or hashes).

    current: what the solution holds now (None: absent); base: what the tool wrote last time
    (None: never); new: what it would write now; interrupted: what a killed run generated for
    it (finding that is no sign of a hand edit)."""
    if current is None:
        if base is None or force:
            return CREATE
        return SKIP  # the user deleted it: do not bring it back
    if current == new:
        return IDENTICAL
    if force:
        return UPDATE
    if current in [b for b in (base, interrupted) if b is not None]:
        return UPDATE
    if base is not None and new == base:
        return SKIP  # edited by hand, nothing new to bring: keep the user's version
    return CONFLICT


def entry_detail(action: Action) -> str:
    return {
        CREATE: "onTableChanged entry added",
        UPDATE: "onTableChanged entry updated",
        IDENTICAL: "onTableChanged entry up to date",
        SKIP: "onTableChanged entry kept as you edited or removed it (--force restores the generated one)",
        CONFLICT: "onTableChanged entry was edited by hand and the definition changed too (--force overwrites it)",
    }[action]


def declaration_detail(action: Action) -> str:
    return {
        CREATE: "table declared",
        IDENTICAL: "table declared",
        UPDATE: "table declared",
        SKIP: "declaration removed by hand: not restored, pushes to this table will fail (--force restores it)",
        CONFLICT: "declaration conflict",
    }[action]


def record(plan: Plan, action: Action, rel: str, current: str | None, new: str, *, table: str | None) -> None:
    details: dict[str, str] = {SKIP: "edited by hand; kept (--force overwrites)",
                               CONFLICT: "edited by hand and the generated content changed (--force overwrites)"}
    detail = details.get(action, "")
    plan.add(Change(action, rel, "file", table, detail))
    if action in (CREATE, UPDATE):
        plan.writes[rel] = (current, new)


def plan_file(plan: Plan, rel: str, current: str | None, new: str, *, table: str | None = None,
               what: What = "file", silent: bool = False) -> None:
    """A file whose content is decided already (user-owned files after merging, definitions)."""
    if current == new:
        if not silent:
            plan.add(Change(IDENTICAL, rel, what, table))
        return
    plan.add(Change(CREATE if current is None else UPDATE, rel, what, table))
    plan.writes[rel] = (current, new)


