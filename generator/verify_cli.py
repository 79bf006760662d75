"""The verify command's work: pick tables, check ids, send or print, and report outcomes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import click

from . import errors
from .config import PLACEHOLDER_COMPANY, Target
from .definition import TableDef
from .errors import InputError
from .project import load_definitions, solution_definitions
from .solution import DATABASE, declared_tables_in


def select_tables(root: Path, names: list[str]) -> list[TableDef]:
    paths = solution_definitions(root)
    if not paths:
        raise InputError("no table definitions in this solution", path=root / "acumatica",
                         hint="onboard tables first: jigx-acumatica add DEF... --solution DIR")
    defs = load_definitions(paths)
    if not names:
        return defs
    by_name = {d.table: d for d in defs}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise InputError(f"unknown table(s): {', '.join(unknown)}", hint=f"tables here: {', '.join(sorted(by_name))}")
    return [by_name[n] for n in names]


def check_target(target: Target) -> None:
    missing = []
    if not target.base():
        missing.append("--region (or --base-url)")
    if not target.organization_id:
        missing.append("--org")
    if not target.solution_id:
        missing.append("--solution-id")
    if missing:
        raise InputError(f"cannot build the endpoint URL: {', '.join(missing)} missing",
                         hint="pass them, or set region, organizationId and solutionId in jigx-acumatica.yaml")
    target.validate()  # ids must be UUIDs before anything is sent


def undeclared(root: Path, defs: list[TableDef]) -> list[str]:
    declared = declared_tables_in(root)
    return [d.table for d in defs if d.table not in declared]


def run_verify(root: Path, names: list[str], target: Target, *, pat_reader: Callable[[], str], shape: str,
               cleanup: bool, timeout: float, retries: int, backoff: float, dry_run: bool, as_json: bool,
               quiet: bool) -> int:
    defs = select_tables(root, names)
    check_target(target)
    for table in undeclared(root, defs):
        click.echo(f"warning: table '{table}' is not declared in {DATABASE}; Jigx may reject its pushes", err=True)
    company = target.company or PLACEHOLDER_COMPANY
    from . import verify  # imports requests: only here

    if dry_run:
        import os

        pat = os.environ.get("JIGX_PAT") or None  # only to show that one is set; printed masked
        requests_out = []
        for d in defs:
            for push in verify.pushes(d, company, shape=shape, cleanup=cleanup):
                text = verify.request_text(target.url(d.table), pat, push)
                requests_out.append({"table": d.table, "push": push.kind, "method": "POST", "url": target.url(d.table),
                                     "headers": {"Authorization": "Bearer ****" if pat else "Bearer <your PAT>",
                                                 "Content-Type": "application/json; charset=utf-8"},
                                     "body": push.body})
                if not as_json:
                    click.echo(f"# {d.table}: {push.kind}")
                    click.echo(text)
        if as_json:
            click.echo(json.dumps({"ok": True, "dry_run": True, "requests": requests_out}, indent=2))
        return errors.OK

    pat = pat_reader()
    policy = verify.Policy(timeout=timeout, retries=retries, backoff=backoff)

    def report(o):
        if as_json or quiet and o.ok:
            return
        state = "ok" if o.ok else "FAILED"
        click.echo(f"{o.table:<24} {o.push:<8} {state:<6} {o.summary}", err=not o.ok and quiet)
        if o.server_message and not o.ok:
            click.echo(f"  server said: {o.server_message}", err=quiet)
        if o.fix and not o.ok:
            click.echo(f"  fix: {o.fix}", err=quiet)

    results = verify.run(defs, target, pat, shape=shape, cleanup=cleanup, policy=policy, report=report)
    code = verify.exit_code(results)
    if as_json:
        click.echo(json.dumps({"ok": code == 0, "exit_code": code, "results": [r.as_dict() for r in results]},
                              indent=2))
    elif not quiet:
        click.echo("endpoint verified" if code == 0 else f"verification failed (exit {code})")
    return code


def run_local(root: Path, names: list[str], target: Target, *, shape: str, cleanup: bool, as_json: bool,
              quiet: bool) -> int:
    from .local import dumps, verify_local

    defs = select_tables(root, names)  # same errors as a real verify for unknown tables
    missing = undeclared(root, defs)
    if missing:
        raise InputError(f"table(s) not declared in {DATABASE}: {', '.join(missing)}", path=root / DATABASE,
                         hint="declare them (jigx-acumatica generate --solution DIR --force restores declarations)")

    def report(check):
        if not as_json and not quiet:
            click.echo(f"{check.table:<24} {check.step:<8} {'ok' if check.ok else 'FAILED':<6} {check.detail}")

    code, checks = verify_local(root, defs, target, shape=shape, cleanup=cleanup, report=report)
    if as_json:
        click.echo(dumps(checks, code))
    elif not quiet:
        click.echo("local endpoint verified: every table's rows landed and were cleaned up" if code == 0
                   else f"local verification failed (exit {code})")
    return code
