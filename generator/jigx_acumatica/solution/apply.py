"""Applying a plan: every file replaced atomically, the state file last, under the solution's lock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import ConflictError
from ..fsutil import (
    clear_stale_temps,
    commit_all,
    missing_folders,
    os_error,
    read_bytes_if_exists,
    read_if_exists,
    refuse_read_only,
    remove_empty_folders,
    stage_all,
    write_all,
)
from ..layout import INTERRUPTED_FILE, STATE_FILE
from .plan import Plan


def apply(plan: Plan) -> None:
    """Write the plan (the caller holds the solution's lock): refuse on conflicts; every file is
    replaced atomically, the state file last."""
    error = plan.conflict_error()
    if error:
        raise error
    root = plan.root
    _check_unchanged(plan)
    refuse_read_only([root / rel for rel in [*plan.writes, *plan.deletes]])
    created = missing_folders([root / INTERRUPTED_FILE])  # made for the marker: gone again if nothing is written
    try:
        # temp files left by a run that was killed while writing
        clear_stale_temps([root / rel for rel in {c.path for c in plan.changes} | {STATE_FILE, INTERRUPTED_FILE}])
        files = [(root / rel, new) for rel, (_, new) in sorted(plan.writes.items())]
        if files or plan.deletes:
            write_all([(root / INTERRUPTED_FILE, plan.state_text())])
        if plan.state_text() != plan.old_state_text:
            files.append((root / STATE_FILE, plan.state_text()))
        try:
            staged = stage_all(files)
        except BaseException:
            (root / INTERRUPTED_FILE).unlink(missing_ok=True)  # nothing was replaced
            remove_empty_folders(created)
            raise
    except OSError as exc:
        raise os_error(exc, root, "write the solution's files (nothing was changed)") from None
    try:
        commit_all(staged)
        for rel in sorted(plan.deletes):
            (root / rel).unlink(missing_ok=True)
        _prune_empty(root, plan.deletes)
        (root / INTERRUPTED_FILE).unlink(missing_ok=True)
    except OSError as exc:
        raise os_error(exc, root, "finish writing (each file is either old or new; run again to complete)") from None


def _check_unchanged(plan: Plan) -> None:
    """Files edited between planning and writing (another run, an editor) are not overwritten."""
    for rel, (old, _) in plan.writes.items():
        now = read_bytes_if_exists(plan.root / rel) if isinstance(old, bytes) else read_if_exists(plan.root / rel)
        if now != old:
            raise ConflictError(f"{rel} changed while this run was planning; nothing was written", path=plan.root / rel,
                                hint="run the command again")


def _prune_empty(root: Path, deleted: dict[str, Any]) -> None:
    for folder in sorted({(root / rel).parent for rel in deleted}, reverse=True):
        if folder != root and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


