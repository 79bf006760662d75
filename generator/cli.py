"""The command line: a thin layer mapping flags onto the core library and errors onto exit codes."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import click

from . import __version__
from .errors import CHANGES, INTERNAL, ErrorList, ToolError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
PROGRESS_FROM = 10  # tables; fewer finish before a bar would help


def _echo_err(text: str) -> None:
    click.echo(text, err=True)


def fail(exc: ToolError | ErrorList, as_json: bool) -> None:
    errors = exc.errors if isinstance(exc, ErrorList) else [exc]
    if as_json:
        import json


        click.echo(json.dumps({"ok": False, "errors": [e.as_dict() for e in errors]}, indent=2))
    for e in errors:
        _echo_err(f"error: {e.render()}")
    if len(errors) > 1:
        _echo_err(f"{len(errors)} problems; nothing was written.")
    sys.exit(exc.exit_code)


@contextmanager
def handled(as_json: bool = False) -> Iterator[None]:
    """User errors get their message and exit code; anything else is a short internal error."""
    try:
        yield
    except (ToolError, ErrorList) as exc:
        fail(exc, as_json)
    except click.exceptions.Exit:
        raise
    except (KeyboardInterrupt, BrokenPipeError):
        _echo_err("interrupted; files already replaced are complete, the rest are untouched")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the last line of defence against tracebacks
        if os.environ.get("JIGX_ACUMATICA_DEBUG"):
            raise
        _echo_err(f"internal error: {type(exc).__name__}: {exc}\n"
                  "This is a bug in jigx-acumatica; set JIGX_ACUMATICA_DEBUG=1 to see the traceback.")
        sys.exit(INTERNAL)


def quiet_option(f):
    return click.option("-q", "--quiet", is_flag=True, help="Print errors only.")(f)


def json_option(f):
    return click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")(f)


def target_options(f):
    f = click.option("--base-url", default=None, help="Endpoint base URL instead of the region's (e.g. a local endpoint).")(f)
    f = click.option("--company", default=None, help="Acumatica tenant name (the push's CompanyId).")(f)
    f = click.option("--solution-id", default=None, help="Jigx solutionId (UUID, Jigx Management > Solution Details).")(f)
    f = click.option("--org", default=None, help="Jigx organizationId (UUID, Jigx Management > organization details).")(f)
    f = click.option("--region", type=click.Choice(["us", "eu", "au"]), default=None,
                     help="Jigx region: us (us-east-1), eu (eu-central-1), au (ap-southeast-2).")(f)
    return f


def solution_option(f):
    return click.option("--solution", "--out", "solution", type=click.Path(file_okay=False, path_type=Path),
                        default=Path("."), show_default=True,
                        help="The Jigx solution folder (created when missing).")(f)


def write_options(f):
    """--dry-run and --force, shared by the commands that write generated files."""
    f = click.option("--force", is_flag=True, help="Overwrite hand-edited generated entries and files.")(f)
    return click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing.")(f)


def lock_option(f):
    return click.option("--lock-timeout", type=click.FloatRange(0, 3600), default=10.0, show_default=True,
                        help="Seconds to wait for another run on the same solution.")(f)


@contextmanager
def progress_bar(count: int, quiet: bool, label: str):
    if quiet or count < PROGRESS_FROM:
        yield None
        return
    with click.progressbar(length=count, label=label, file=sys.stderr) as bar:
        yield bar.update


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="jigx-acumatica")
def main() -> None:
    """Set up Acumatica -> Jigx change data capture from one table definition per table.

    \b
    Typical session:
      jigx-acumatica init my-app --name my-app --title "My App" --table samples/customers.yaml
      jigx-acumatica add samples/vendors.yaml --solution my-app
      jigx-acumatica generate --solution my-app --check
      JIGX_PAT=... jigx-acumatica verify --solution my-app

    Exit codes: 0 ok, 1 changes pending / conflict / failed check, 2 bad input, 3 solution busy,
    10-18 verify outcomes (see the README), 70 internal error.
    """


# --- output --------------------------------------------------------------------------------------

def print_plan(plan, *, wrote: bool, quiet: bool, as_json: bool, mode: str) -> None:
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
    verb = {"write": "", "dry-run": "would ", "check": "would ", "diff": "would "}[mode]
    for c in shown:
        subject = c.path if c.what in ("file", "definition") else f"{c.path} [{c.what} {c.table}]"
        line = f"  {verb}{c.action:<9} {subject}"
        if c.detail:
            line += f"  -- {c.detail}"
        click.echo(line)
    for t in plan.tables:
        click.echo(f"table {t.table}: entity {t.entity}, Generic Inquiry '{t.inquiry}'")
        click.echo(f"  push URL: {t.url}")
        if t.placeholders:
            click.echo(f"  placeholders to fill in: {', '.join(t.placeholders)} (see the project config)")
    for note in plan.notes:
        click.echo(f"note: {note}")
    files = len([c for c in plan.changes if c.what in ("file", "definition") and c.action in ("create", "update", "delete")])
    total = len({c.path for c in plan.changes})
    if not shown or not plan.pending:
        click.echo(f"nothing to change: {total} files up to date")
    elif wrote:
        click.echo(f"{files} files changed in {plan.root}")
    elif mode != "write":
        click.echo(f"{files} files would change; nothing was written")


def print_diff(plan) -> None:
    import difflib

    for rel, (old, new) in sorted(plan.writes.items()):
        sys.stdout.writelines(difflib.unified_diff(
            (old or "").splitlines(keepends=True), new.splitlines(keepends=True),
            fromfile=f"a/{rel}" if old is not None else "/dev/null", tofile=f"b/{rel}"))
    for rel, old in sorted(plan.deletes.items()):
        sys.stdout.writelines(difflib.unified_diff(old.splitlines(keepends=True), [], fromfile=f"a/{rel}",
                                                   tofile="/dev/null"))


def finish(plan, *, mode: str, quiet: bool, as_json: bool) -> None:
    """Report a plan (applied already in write mode unless it conflicts), then exit: conflicts,
    and --check with work to do, exit 1."""
    if mode == "diff":
        print_diff(plan)
    wrote = mode == "write" and not plan.conflicts and plan.pending
    print_plan(plan, wrote=wrote, quiet=quiet, as_json=as_json, mode=mode)
    if plan.conflicts:
        for c in plan.conflicts:
            subject = c.path if c.what == "file" else f"{c.path} [{c.what} {c.table}]"
            _echo_err(f"conflict: {subject}: {c.detail}")
        _echo_err("nothing was written: merge your edits into the table definition, or rerun with --force")
        sys.exit(CHANGES)
    if mode == "check" and plan.pending:
        if not quiet and not as_json:
            _echo_err("out of date: run 'jigx-acumatica generate' to update")
        sys.exit(CHANGES)


def run_mode(dry_run: bool, check: bool, diff: bool) -> str:
    return "check" if check else "diff" if diff else "dry-run" if dry_run else "write"


# --- commands ------------------------------------------------------------------------------------

@main.command(context_settings=CONTEXT)
@click.argument("definitions", nargs=-1, type=click.Path(path_type=Path))
@solution_option
@target_options
@write_options
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when any file is out of date (for CI).")
@click.option("--diff", is_flag=True, help="Print unified diffs of what would change; write nothing.")
@lock_option
@json_option
@quiet_option
def generate(definitions, solution, region, org, solution_id, company, base_url, dry_run, force, check, diff,
             lock_timeout, as_json, quiet):
    """Generate the CDC artifacts for table definitions into a Jigx solution folder.

    With DEFINITIONS, generates those tables; with none, regenerates every definition stored in
    the solution (acumatica/<table>/table.yaml). Writes, per table: the Generic Inquiry
    (acumatica/<table>/generic-inquiry.xml and .md), the push notification checklist, a sample
    push, datasources/<table>.jigx, the onTableChanged entry in index.jigx and the declaration in
    databases/default.jigx. One bad definition stops the run before anything is written.

    \b
    Example:
      jigx-acumatica generate samples/*.yaml --out build/demo --region us
      jigx-acumatica generate --solution build/demo --check
    """
    from . import project

    with handled(as_json):
        target = project.target_for(solution, region=region, organization_id=org, solution_id=solution_id,
                                    company=company, base_url=base_url)
        count = len(definitions) or len(project.solution_definitions(solution))
        mode = run_mode(dry_run, check, diff)
        with progress_bar(count, quiet or as_json, "reading definitions") as bar:
            plan = project.generate(solution, list(definitions), target, force=force, write=mode == "write",
                                    progress=bar, lock_timeout=lock_timeout)
        finish(plan, mode=mode, quiet=quiet, as_json=as_json)


@main.command(context_settings=CONTEXT)
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--name", default=None, help="Solution name (lowercase, digits, '-'; default: from FOLDER).")
@click.option("--title", default=None, help="Solution title shown in the app (default: from FOLDER).")
@click.option("--category", default="business", show_default=True, help="Solution category.")
@click.option("--table", "tables", multiple=True, type=click.Path(path_type=Path),
              help="A table definition to onboard at once (repeatable).")
@target_options
@click.option("--force", is_flag=True, help="Initialise even when FOLDER is not empty.")
@lock_option
@json_option
@quiet_option
def init(folder, name, title, category, tables, region, org, solution_id, company, base_url, force, lock_timeout,
         as_json, quiet):
    """Create a new Jigx solution ready for Acumatica change data capture.

    Writes index.jigx, jigs/home.jigx, databases/default.jigx, the project config
    jigx-acumatica.yaml (region, ids, tenant; never the PAT) and, with --table, onboards tables.

    \b
    Example:
      jigx-acumatica init field-app --title "Field App" --region eu --table samples/customers.yaml
    """
    from . import project
    from .config import Target
    from .solution import default_solution_name

    with handled(as_json):
        target = Target(region=region, organization_id=org, solution_id=solution_id, company=company,
                        base_url=base_url).validate()
        name = name or default_solution_name(folder)
        title = title or folder.resolve().name[:50]
        plan = project.init(folder, name=name, title=title, category=category, target=target,
                            definitions=list(tables), allow_non_empty=force, lock_timeout=lock_timeout)
        print_plan(plan, wrote=True, quiet=quiet, as_json=as_json, mode="write")


@main.command(context_settings=CONTEXT)
@click.argument("definitions", nargs=-1, required=True, type=click.Path(path_type=Path))
@solution_option
@target_options
@write_options
@lock_option
@json_option
@quiet_option
def add(definitions, solution, region, org, solution_id, company, base_url, dry_run, force, lock_timeout, as_json,
        quiet):
    """Onboard Acumatica tables into an existing solution.

    Copies each definition to acumatica/<table>/table.yaml, generates its artifacts, declares its
    table in databases/default.jigx and adds its onTableChanged entry and datasource.

    \b
    Example:
      jigx-acumatica add samples/vendors.yaml samples/contacts.yaml --solution field-app
    """
    from . import project
    from .solution import INDEX

    with handled(as_json):
        if not (solution / INDEX).exists():
            raise _not_a_solution(solution)
        target = project.target_for(solution, region=region, organization_id=org, solution_id=solution_id,
                                    company=company, base_url=base_url)
        mode = run_mode(dry_run, False, False)
        with progress_bar(len(definitions), quiet or as_json, "reading definitions") as bar:
            plan = project.generate(solution, list(definitions), target, force=force, write=mode == "write",
                                    copy_definitions=True, progress=bar, lock_timeout=lock_timeout)
        finish(plan, mode=mode, quiet=quiet, as_json=as_json)


@main.command(context_settings=CONTEXT)
@click.argument("table")
@solution_option
@click.option("--dry-run", is_flag=True, help="Show what would be removed; change nothing.")
@lock_option
@json_option
@quiet_option
def remove(table, solution, dry_run, lock_timeout, as_json, quiet):
    """Stop managing a table: the reverse of add.

    Removes its onTableChanged entry, datasource, definition and Acumatica artifacts. The table
    stays declared in databases/default.jigx: Jigx keeps the Dynamic Data table and its rows.

    \b
    Example:
      jigx-acumatica remove vendors --solution field-app
    """
    from . import project

    with handled(as_json):
        mode = run_mode(dry_run, False, False)
        plan = project.remove(solution, table, write=mode == "write", lock_timeout=lock_timeout)
        finish(plan, mode=mode, quiet=quiet, as_json=as_json)


@main.command(context_settings=CONTEXT)
@solution_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8787, show_default=True, help="Port (0: any free one).")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="SQLite file for the rows (default: in memory, gone when stopped).")
@click.option("--max-body", type=click.IntRange(1024, 100 * 1024 * 1024), default=10 * 1024 * 1024,
              show_default=True, help="Largest request body accepted, in bytes.")
@quiet_option
def serve(solution, host, port, db, max_body, quiet):
    """Run a local endpoint with the contract of Jigx's Acumatica CDC endpoint.

    Point a real Acumatica push notification (or curl with a saved notification) at it to see
    exactly what arrives and what Jigx would store: it checks the Bearer token, the table and
    the body, applies rows to SQLite (updates paired, duplicates and out-of-order pushes
    ignored) and logs one line per request. The token is JIGX_PAT when set, else a fresh local
    one printed at start. Stop it with Ctrl-C.

    \b
    Example:
      jigx-acumatica serve --solution field-app --port 8787 --db cdc.sqlite
      curl -X POST -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \\
        --data @field-app/acumatica/customers/sample-push.json \\
        "http://127.0.0.1:8787/tool/organizations/<org>/solutions/<solution>/acumatica/cdc?table=customers"
    """
    from . import project
    from .errors import InputError
    from .local import LOCAL_ORG, LOCAL_SOLUTION, endpoint_config
    from .server import Endpoint, new_token

    with handled():
        target = project.target_for(solution)
        token = os.environ.get("JIGX_PAT") or new_token()
        log = (lambda line: None) if quiet else (lambda line: click.echo(line, err=True))
        cfg = endpoint_config(solution, token, target, log)
        cfg.max_body = max_body
        if not cfg.tables:
            if not (solution / "index.jigx").exists():
                raise _not_a_solution(solution)
            raise InputError("no table definitions in this solution", path=solution,
                             hint="onboard tables with 'jigx-acumatica add' first")
        try:
            endpoint = Endpoint(cfg, db or ":memory:", host, port)
        except OSError as exc:
            raise InputError(f"cannot listen on {host}:{port}: {exc.strerror}", hint="pick another --port") from None
        org, sol = target.organization_id or LOCAL_ORG, target.solution_id or LOCAL_SOLUTION
        click.echo(f"listening on {endpoint.base_url}")
        if host not in ("127.0.0.1", "localhost", "::1"):
            click.echo(f"warning: listening on {host}: other machines can reach this endpoint", err=True)
        click.echo("token: JIGX_PAT" if os.environ.get("JIGX_PAT") else f"token: {token}")
        for table in sorted(cfg.tables):
            click.echo(f"  {table}: POST {endpoint.base_url}/tool/organizations/{org}/solutions/{sol}"
                       f"/acumatica/cdc?table={table}")
        try:
            endpoint.httpd.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            endpoint.httpd.server_close()
            endpoint.store.close()


@main.command("inspect", context_settings=CONTEXT)
@click.argument("notification", type=click.Path(path_type=Path))
@click.option("--table", "table_def", type=click.Path(path_type=Path), default=None,
              help="The table definition the notification is for.")
@solution_option
@json_option
def inspect_command(notification, table_def, solution, as_json):
    """Explain a saved Acumatica push notification.

    Lists which rows are inserts, updates (Deleted+Inserted pairs with the same key), deletes and
    soft deletes (_del), which columns the definition expects but the payload lacks (or the
    reverse, e.g. a caption renamed in Acumatica), missing _tab/_del/_mod and empty keys. The
    definition is --table, else the solution's table whose inquiry title is the push's Query.
    Exit 0 when nothing is wrong, 1 when problems were found, 2 for unreadable input.

    \b
    Example:
      jigx-acumatica inspect failed-push.json --solution field-app
      jigx-acumatica inspect push.json --table samples/customers.yaml --json
    """
    import json

    from .inspector import inspect_file

    with handled(as_json):
        report = inspect_file(notification, table_def=table_def, solution=solution)
        click.echo(json.dumps(report.as_dict(), indent=2) if as_json else report.render())
        sys.exit(CHANGES if report.problems else 0)


@main.command(context_settings=CONTEXT)
@solution_option
@json_option
def doctor(solution, as_json):
    """Check an existing solution, hand-made or generated, against the Jigx and Acumatica rules.

    One line per finding with file:line, a severity and the fix: onTableChanged spelled right
    and a list, watched tables declared in databases/default.jigx, valid names, no handler
    writing to the table it watches, tabs pointing at existing jigs, no deprecated keys, and
    every table definition's artifacts up to date. Exit 0 when clean, 4 for warnings only,
    1 for errors.

    \b
    Example:
      jigx-acumatica doctor --solution field-app
    """
    from .doctor import diagnose, exit_code

    with handled(as_json):
        findings = diagnose(solution)
        code = exit_code(findings)
        if as_json:
            import json

            click.echo(json.dumps({"ok": code == 0, "exit_code": code,
                                   "findings": [f.as_dict() for f in findings]}, indent=2))
        else:
            for f in findings:
                click.echo(f.render())
            counts = {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "info")}
            click.echo(f"{counts['error']} errors, {counts['warning']} warnings, {counts['info']} notes")
        sys.exit(code)


def _not_a_solution(folder: Path) -> ToolError:
    from .errors import InputError

    return InputError("not a Jigx solution (no index.jigx)", path=folder,
                      hint="create one with 'jigx-acumatica init', or point --solution at the solution folder")


if __name__ == "__main__":  # pragma: no cover
    main()


# --- verify --------------------------------------------------------------------------------------

def read_pat(pat_file: Path | None) -> str:
    """JIGX_PAT, then --pat-file, then a hidden prompt; the value is never echoed or logged."""
    from .errors import InputError

    pat = os.environ.get("JIGX_PAT", "")
    source = "JIGX_PAT"
    if not pat and pat_file is not None:
        source = str(pat_file)
        try:
            pat = pat_file.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            raise InputError("PAT file not found", path=pat_file, hint="check the path given to --pat-file") from None
        except (OSError, UnicodeDecodeError):
            raise InputError("cannot read the PAT file as text", path=pat_file) from None
    if not pat:
        source = "the prompt"
        try:
            pat = click.prompt("Jigx Personal Access Token", hide_input=True, err=True, default="",
                               show_default=False).strip()
        except click.exceptions.Abort:
            pat = ""
    pat = pat.strip()
    if not pat:
        raise InputError("no Personal Access Token", hint="set JIGX_PAT, pass --pat-file FILE, or run in a terminal "
                         "to be asked for it (Jigx Management > My profile creates one)")
    if any(ch.isspace() or not ch.isprintable() or ord(ch) > 126 for ch in pat):
        raise InputError(f"the PAT from {source} contains spaces or unprintable characters",
                         hint="paste the token alone, without 'Bearer' or line breaks")
    return pat


@main.command(context_settings=CONTEXT)
@click.argument("tables", nargs=-1)
@solution_option
@target_options
@click.option("--pat-file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="File holding the PAT (used when JIGX_PAT is not set).")
@click.option("--shape", type=click.Choice(["insert", "update"]), default="insert", show_default=True,
              help="insert: one new row; update: an old/new pair like an Acumatica update.")
@click.option("--cleanup/--no-cleanup", default=True, show_default=True,
              help="Remove the test row afterwards with a delete push.")
@click.option("--timeout", type=click.FloatRange(0.1, 300), default=15.0, show_default=True,
              help="Seconds to wait for each answer.")
@click.option("--retries", type=click.IntRange(0, 10), default=4, show_default=True,
              help="Retries for 429 and 5xx answers.")
@click.option("--backoff", type=click.FloatRange(0, 60), default=0.5, hidden=True)
@click.option("--dry-run", is_flag=True, help="Print the exact requests (PAT masked); send nothing.")
@click.option("--local", is_flag=True,
              help="Push to a local endpoint started on a free loopback port and check the rows land (no PAT).")
@json_option
@quiet_option
def verify(tables, solution, region, org, solution_id, company, base_url, pat_file, shape, cleanup, timeout, retries,
           backoff, dry_run, local, as_json, quiet):
    """Prove the Jigx endpoint works: send test pushes shaped exactly like Acumatica's.

    Sends, per table, one clearly marked test row (key JIGX-VERIFY-TEST or a negative number)
    and, unless --no-cleanup, a delete push for it, then explains the answer: token expired,
    wrong region or ids, table rejected, endpoint down. The PAT comes from JIGX_PAT, --pat-file
    or a hidden prompt and is never printed.

    \b
    Example:
      JIGX_PAT=$(cat ~/.jigx-pat) jigx-acumatica verify customers --solution field-app
      jigx-acumatica verify --solution field-app --dry-run
      jigx-acumatica verify --local --solution field-app    # the whole chain on this machine
    """
    from . import project
    from .verify_cli import run_local, run_verify

    with handled(as_json):
        target = project.target_for(solution, region=region, organization_id=org, solution_id=solution_id,
                                    company=company, base_url=base_url)
        if local:
            sys.exit(run_local(solution, list(tables), target, shape=shape, cleanup=cleanup, as_json=as_json,
                               quiet=quiet))
        code = run_verify(solution, list(tables), target, pat_reader=lambda: read_pat(pat_file), shape=shape,
                          cleanup=cleanup, timeout=timeout, retries=retries, backoff=backoff, dry_run=dry_run,
                          as_json=as_json, quiet=quiet)
        sys.exit(code)
