"""How plans and results are shown: one summary line per change, JSON on request, diffs."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Literal

import click

from ..errors import Exit, ExitCode, printable

if TYPE_CHECKING:
    from ..solution.plan import Plan

Mode = Literal["write", "dry-run", "check", "diff"]
PROGRESS_FROM = 10  # tables; fewer finish before a bar would help


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def run_mode(dry_run: bool, check: bool = False, diff: bool = False) -> Mode:
    return "check" if check else "diff" if diff else "dry-run" if dry_run else "write"


@contextmanager
def progress_bar(count: int, quiet: bool, label: str) -> Iterator[Callable[[int], None] | None]:
    if quiet or count < PROGRESS_FROM:
        yield None
        return
    with click.progressbar(length=count, label=label, file=sys.stderr) as bar:
        yield bar.update


def print_plan(plan: Plan, *, wrote: bool, quiet: bool, as_json: bool, mode: Mode, verbose: bool = False) -> None:
    if as_json:
        import json

        data = plan.as_dict()
        data.update({"ok": not plan.conflicts, "mode": mode, "written": wrote,
                     "pending": plan.pending and not wrote})
        click.echo(json.dumps(data, indent=2))
        return
    if quiet:
        return
    shown = [c for c in plan.changes if c.action != "identical"]
    verb = "" if mode == "write" and not plan.conflicts else "would "
    for c in shown:
        subject = c.path if c.what in ("file", "definition") else f"{c.path} [{c.what} {c.table}]"
        action = c.action if c.action in ("skip", "conflict") else verb + c.action
        line = f"  {action:<15} {subject}"
        if c.detail:
            line += f"  -- {c.detail}"
        click.echo(line)
    changed = {c.table for c in shown}
    for t in plan.tables:
        if not verbose and t.table not in changed:
            continue  # a no-op stays one line; -v shows every table
        click.echo(f"table {t.table}: entity {t.entity}, Generic Inquiry '{t.inquiry}'")
        click.echo(f"  push URL: {t.url}")
        if t.placeholders:
            click.echo(f"  placeholders to fill in: {', '.join(t.placeholders)} (see the project config)")
    for note in plan.notes:
        click.echo(f"note: {note}")
    for warning in plan.warnings:
        echo_warning(warning.render())
    files = len({c.path for c in plan.changes if c.action in ("create", "update", "delete")})
    total = len({c.path for c in plan.changes})
    if not shown or not plan.pending:
        click.echo(f"nothing to change: {plural(total, 'file')} up to date")
    elif wrote:
        click.echo(f"{plural(files, 'file')} changed in {plan.root}")
    elif mode != "write" or plan.conflicts:
        click.echo(f"{plural(files, 'file')} would change; nothing was written")


def echo_warning(text: str) -> None:
    """A warning on stderr: its own lines kept (the fix on the next line), each one made safe to
    show, so a control character in a user's value cannot forge a line."""
    first, *rest = text.split("\n")
    click.echo(f"warning: {printable(first)}", err=True)
    for line in rest:
        click.echo(printable(line), err=True)


def print_diff(plan: Plan) -> None:
    import difflib

    for rel, (old, new) in sorted(plan.writes.items()):
        if isinstance(new, bytes) or isinstance(old, bytes):
            sys.stdout.write(f"Binary file b/{rel} {'differs' if old is not None else 'is new'}\n")
            continue
        sys.stdout.writelines(difflib.unified_diff(
            (old or "").splitlines(keepends=True), new.splitlines(keepends=True),
            fromfile=f"a/{rel}" if old is not None else "/dev/null", tofile=f"b/{rel}"))
    for rel, old in sorted(plan.deletes.items()):
        if isinstance(old, bytes):
            sys.stdout.write(f"Binary file a/{rel} deleted\n")
            continue
        sys.stdout.writelines(difflib.unified_diff(old.splitlines(keepends=True), [], fromfile=f"a/{rel}",
                                                   tofile="/dev/null"))


def finish(plan: Plan, *, mode: Mode, quiet: bool, as_json: bool, verbose: bool = False) -> ExitCode:
    """Report a plan (applied already in write mode unless it conflicts); conflicts, and --check
    with work to do, exit 1."""
    if mode == "diff":
        print_diff(plan)
    wrote = mode == "write" and not plan.conflicts and plan.pending
    print_plan(plan, wrote=wrote, quiet=quiet, as_json=as_json, mode=mode, verbose=verbose)
    error = plan.conflict_error()
    if error:
        for c in plan.conflicts:
            subject = c.path if c.what == "file" else f"{c.path} [{c.what} {c.table}]"
            click.echo(f"conflict: {subject}: {c.detail}", err=True)
        raise Exit(error.exit_code) if as_json else error
    if mode == "check" and plan.pending:
        if not quiet and not as_json:
            click.echo(f"out of date: run 'jigx-acumatica generate --solution {plan.root}' to update", err=True)
        return ExitCode.CHANGES
    return ExitCode.OK
