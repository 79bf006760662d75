"""Commands for the Acumatica half: package, publish, import-gi."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import ExitCode, InputError
from .app import command, echo_err
from .output import plural
from .options import TargetOptions, json_option, lock_option, quiet_option, solution_option, target_options

EXPERIMENTAL = ("EXPERIMENTAL: push definitions in a package are inferred from Acumatica's SM302000 export "
                "definition (no real one is public). Their Header Value is a placeholder, never your PAT: paste "
                "'Bearer <PAT>' on SM302000 after publishing, and note that publishing the package again overwrites "
                "a token typed there by hand.")


@command
@solution_option()
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the ZIP here instead of the solution's managed package (jigx-acumatica.yaml 'package').")
@click.option("--with-push", is_flag=True, help="EXPERIMENTAL: add a push definition per table (no PAT in it).")
@click.option("--push-type-code", default=None, help="With --with-push: the stored code of the Webhook destination "
              "type (read it from a push definition exported on SM302000; it is not documented).")
@click.option("--push-source-type", default=None, help="With --with-push: the stored SourceType of a Generic Inquiry "
              "source (same: read it from an SM302000 export).")
@json_option
@quiet_option
def package(solution: Path, out: Path | None, with_push: bool, push_type_code: str | None,
            push_source_type: str | None, as_json: bool, quiet: bool) -> ExitCode:
    """Write the customization project ZIP: every table's Generic Inquiry in one package.

    Without options it brings the solution's managed package (acumatica/jigx-cdc.zip, regenerated
    by every generate) up to date. Import it on Customization Projects (SM204505), then Publish,
    or let 'jigx-acumatica publish' do both.

    \b
    Example:
      jigx-acumatica package --solution field-app
      jigx-acumatica package --solution field-app --out /tmp/field-app.zip
    """
    from .. import operations, packaging
    from ..config import load_settings
    from ..definition import load_definitions
    from ..solution.layout import require_solution, solution_definitions

    require_solution(solution)
    settings = load_settings(solution)
    if with_push and not (push_type_code and push_source_type):
        raise InputError("--with-push needs --push-type-code and --push-source-type: the codes Acumatica stores for a "
                         "Webhook destination and a Generic Inquiry source are not documented",
                         hint="export one push definition on SM302000 and copy its Type and SourceType values, or "
                              "leave out --with-push and follow each table's push-notification.md")
    if not with_push and out is None:
        plan = operations.generate(solution)
        error = plan.conflict_error()
        if error:
            raise error
        path = solution / settings.package
    else:
        defs = load_definitions(solution_definitions(solution))
        codes = packaging.PushCodes(push_type_code or "", push_source_type or "") if with_push else None
        path = out or solution / settings.package.replace(".zip", "-with-push.zip")
        packaging.write_package(solution, path, packaging.build(solution, defs, settings=settings, push=codes))
        if with_push:
            echo_err(EXPERIMENTAL)
    if as_json:
        import json

        click.echo(json.dumps({"ok": True, "package": str(path), "project": settings.project_name,
                               "experimental_push": with_push}, indent=2))
    elif not quiet:
        click.echo(f"package: {path} (project {settings.project_name}); import it on Customization Projects "
                   "(SM204505) and publish, or run 'jigx-acumatica publish'")
    return ExitCode.OK


@command
@solution_option()
@click.option("--acumatica-url", default=None, help="The Acumatica instance, e.g. https://mycompany.acumatica.com "
              "(default: acumaticaUrl in jigx-acumatica.yaml; saved there when given).")
@click.option("--tenant", "tenants", multiple=True, help="Tenant login name (SM203520); repeat to publish to each in "
              "turn (default: tenant/tenants in jigx-acumatica.yaml).")
@click.option("--username", default=None, help="Acumatica user with the Customizer role (default: ACUMATICA_USERNAME).")
@click.option("--password-file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="File holding the password (used when ACUMATICA_PASSWORD is not set; else a hidden prompt).")
@click.option("--validate-only", is_flag=True, help="Import and validate the package; publish nothing.")
@click.option("--dry-run", is_flag=True, help="Print every request it would send (secrets masked); send nothing.")
@click.option("--timeout", type=click.FloatRange(1, 600), default=60.0, show_default=True,
              help="Seconds to wait for each answer.")
@click.option("--max-wait", type=click.FloatRange(1, 7200), default=900.0, show_default=True,
              help="Seconds to wait for publishing to complete.")
@click.option("--poll-interval", type=click.FloatRange(0, 120), default=5.0, hidden=True)
@json_option
@quiet_option
def publish(solution: Path, acumatica_url: str | None, tenants: tuple[str, ...], username: str | None,
            password_file: Path | None, validate_only: bool, dry_run: bool, timeout: float, max_wait: float,
            poll_interval: float, as_json: bool, quiet: bool) -> ExitCode:
    """Import the customization package into Acumatica and publish it, in one step.

    Signs in (ACUMATICA_USERNAME, and ACUMATICA_PASSWORD, --password-file or a hidden prompt;
    never printed or written), imports acumatica/jigx-cdc.zip, publishes it merged with the
    packages already published (never unpublishing them), waits for the publish to complete,
    reads its log and signs out. With several tenants, publishes to each in turn.

    \b
    Example:
      ACUMATICA_USERNAME=admin jigx-acumatica publish --solution field-app \\
        --acumatica-url https://mycompany.acumatica.com --tenant MyTenant --validate-only
      jigx-acumatica publish --solution field-app --dry-run
    """
    import json

    from .. import publishing
    from ..config import acumatica_username
    from ..publishing_setup import prepare
    from .credentials import read_acumatica_password

    plan = prepare(solution, acumatica_url=acumatica_url, tenants=list(tenants), record=not dry_run)
    user = acumatica_username(username, required=not dry_run)
    if dry_run:  # sends nothing: shows where the name will go
        creds = publishing.Credentials(user or "<ACUMATICA_USERNAME>", "")
        out = [(job.tenant, publishing.dry_run(job, creds)) for job in plan.jobs(validate_only)]
        click.echo(json.dumps({"ok": True, "dry_run": True, "tenants": [{"tenant": t, "requests": r} for t, r in out]},
                              indent=2) if as_json else
                   "\n\n".join(f"# tenant {t or '(default)'}\n{publishing.describe(r)}" for t, r in out))
        return ExitCode.OK
    password = read_acumatica_password(password_file, "use the Customizer user's password")
    creds = publishing.Credentials(user, password)
    results: list[dict[str, object]] = []
    for job in plan.jobs(validate_only, timeout=timeout, max_wait=max_wait, poll_interval=poll_interval):
        def report(line: str, tenant: str | None = job.tenant) -> None:
            if not quiet and not as_json:
                echo_err(f"{tenant or '(default tenant)'}: {line}")
        try:
            warnings = publishing.run(job, creds, report)
        except publishing.PublishError as exc:
            for line in exc.log:
                echo_err(f"  acumatica: {line}")
            results.append({"tenant": job.tenant, "ok": False, "error": exc.message, "exit_code": int(exc.exit_code)})
            if as_json:
                click.echo(json.dumps({"ok": False, "results": results}, indent=2))
            raise
        results.append({"tenant": job.tenant, "ok": True, "warnings": warnings})
        if not quiet and not as_json:
            click.echo(f"{job.tenant or '(default tenant)'}: {'validated' if validate_only else 'published'} "
                       f"project {job.project}" + (f" ({len(warnings)} warnings in the log)" if warnings else ""))
    if as_json:
        click.echo(json.dumps({"ok": True, "validate_only": validate_only, "results": results}, indent=2))
    return ExitCode.OK


@command
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--out", "out", type=click.Path(path_type=Path), default=None,
              help="Where to write: a .yaml file (one inquiry) or a folder (one <table>.yaml per inquiry). "
                   "Default: print a single definition.")
@json_option
@quiet_option
def import_gi(file: Path, out: Path | None, as_json: bool, quiet: bool) -> ExitCode:
    """Read existing Generic Inquiries back into table definitions.

    FILE is an SM208000 export, a GenericInquiryScreen item, a project.xml or a customization
    package ZIP. Each inquiry becomes the definition that would generate it: source and joins,
    columns named by their captions, conditions, _tab/_del/_mod recognised, the key guessed.
    Inquiries a push cannot carry (parameters, grouping, aggregates, several detail tables) are
    refused with the reason (exit 1); notes at the top of each definition say what to check.

    \b
    Example:
      jigx-acumatica import-gi SO-OpenByCustomer.xml --out definitions/
      jigx-acumatica import-gi acumatica/jigx-cdc.zip --out imported/
    """
    import json

    from ..gi_import import definition_text, read_inquiries
    from ..fsutil import os_error, write_all

    found = read_inquiries(file)
    done = [i for i in found if i.definition is not None]
    refused = [i for i in found if i.refused]
    writes: list[tuple[Path, str | bytes]] = []
    if out is None:
        if len(done) > 1:
            raise InputError(f"{len(done)} inquiries in this file: name a folder to write their definitions to",
                             path=file, hint="pass --out DIR")
    elif out.suffix in (".yaml", ".yml"):
        if len(done) > 1:
            raise InputError(f"{len(done)} inquiries in this file, but --out names one file", path=out,
                             hint="pass --out DIR: one <table>.yaml per inquiry")
        writes = [(out, definition_text(i)) for i in done]
    else:
        writes = [(out / f"{i.table}.yaml", definition_text(i)) for i in done]
    try:
        write_all([(path, text) for path, text in writes])
    except OSError as exc:
        raise os_error(exc, out, "write the definitions") from None
    if as_json:
        click.echo(json.dumps({"ok": not refused, "inquiries": [
            {"name": i.name, "table": i.table or None, "refused": i.refused, "notes": i.notes,
             "file": str(p) if (p := next((w for w, _ in writes if w.stem == i.table), None)) else None,
             "definition": i.definition} for i in found]}, indent=2))
    else:
        if out is None and done:
            click.echo(definition_text(done[0]), nl=False)
        if not quiet:
            for path, _ in writes:
                echo_err(f"wrote {path}")
            for i in done:
                for note in i.notes:
                    echo_err(f"{i.name}: note: {note}")
    for i in refused:
        echo_err(f"{i.name}: refused: {i.refused}")
    return ExitCode.CHANGES if refused else ExitCode.OK


@command
@click.argument("tables", nargs=-1)
@solution_option()
@target_options
@click.option("--acumatica-url", default=None, help="The Acumatica instance (default: acumaticaUrl in the config).")
@click.option("--tenant", default=None, help="Tenant login name (default: the config's tenant, or the first of tenants).")
@click.option("--username", default=None, help="Acumatica user (default: ACUMATICA_USERNAME).")
@click.option("--password-file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="File holding the Acumatica password (used when ACUMATICA_PASSWORD is not set).")
@click.option("--pat-file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="File holding the Jigx PAT (used when JIGX_PAT is not set).")
@click.option("--local", is_flag=True, help="Send to a local endpoint started for the run (no Jigx account).")
@click.option("--from", "from_file", type=click.Path(path_type=Path), default=None,
              help="Read the rows from this file (JSON array, or CSV saved from the inquiry's grid) instead of OData.")
@click.option("--since", default=None, help="Only rows modified after this (ISO date or time), or 'last': after "
              "the previous backfill of the table (with a day of overlap).")
@click.option("--restart", is_flag=True, help="Start over instead of continuing an interrupted backfill.")
@click.option("--batch-size", type=click.IntRange(1, 10000), default=500, show_default=True, help="Rows per page.")
@click.option("--max-bytes", type=click.IntRange(10_000, 50_000_000), default=1_000_000, show_default=True,
              help="Largest page sent, in bytes.")
@click.option("--dry-run", is_flag=True, help="Read, but send nothing; print what would be sent.")
@click.option("--timeout", type=click.FloatRange(0.1, 600), default=30.0, show_default=True,
              help="Seconds to wait for each answer.")
@click.option("--retries", type=click.IntRange(0, 10), default=4, show_default=True, help="Retries for 429 and 5xx.")
@click.option("--backoff", type=click.FloatRange(0, 60), default=0.5, hidden=True)
@lock_option
@json_option
@quiet_option
def backfill(tables: tuple[str, ...], solution: Path, target: TargetOptions, acumatica_url: str | None,
             tenant: str | None, username: str | None, password_file: Path | None, pat_file: Path | None, local: bool,
             from_file: Path | None, since: str | None, restart: bool, batch_size: int, max_bytes: int, dry_run: bool,
             timeout: float, retries: int, backoff: float, lock_timeout: float, as_json: bool, quiet: bool) -> ExitCode:
    """Load the rows that already exist in Acumatica into Jigx, page by page.

    Reads each table's inquiry over OData (it must be exposed: odata: true in the definition)
    in key order, and sends each page to the Jigx CDC endpoint shaped like Acumatica's own
    pushes. A run that stops continues where it left off; --since loads only newer rows.

    \b
    Example:
      ACUMATICA_USERNAME=admin JIGX_PAT=... jigx-acumatica backfill customers --solution field-app
      jigx-acumatica backfill customers --solution field-app --local --from customers.csv
    """
    import json
    from contextlib import ExitStack

    from ..backfill import backfill as run_backfill
    from ..backfill.files import count_rows
    from ..backfill.run import Options
    from ..backfill.sources import choose_source
    from ..cdc import verify as verifying
    from .credentials import read_acumatica_password, read_pat

    resolved = target.for_solution(solution)
    defs = verifying.select_tables(solution, list(tables))

    def password() -> str:  # asked for only when OData is read
        return read_acumatica_password(password_file, "the user's Acumatica password")

    source = choose_source(solution, defs, from_file=from_file, acumatica_url=acumatica_url, tenant=tenant,
                           username=username, password=password, timeout=timeout, retries=retries, backoff=backoff)
    pat = None
    if not local and not dry_run:
        verifying.check_target(resolved)
        pat = read_pat(pat_file)

    with ExitStack() as stack:
        bar = None
        if from_file is not None and not quiet and not as_json and sys.stderr.isatty():  # a known size: a bar
            bar = stack.enter_context(click.progressbar(length=count_rows(from_file), label=defs[0].table,
                                                        file=sys.stderr))
        done = [0]

        def report(table: str, read: int, sent: int, seconds: float) -> None:
            if bar is not None:
                bar.update(read - done[0])
                done[0] = read
            elif not quiet and not as_json:
                echo_err(f"{table}: {plural(read, 'row')} read, {sent} sent, {read / seconds if seconds else 0:.0f} rows/s, "
                         f"{seconds:.1f} s")

        options = Options(batch_size=batch_size, max_bytes=max_bytes, since=since, restart=restart, dry_run=dry_run)
        results = run_backfill(solution, defs, source, resolved, pat=pat, options=options, local=local,
                               lock_timeout=lock_timeout, report=report, timeout=timeout, retries=retries,
                               backoff=backoff)
    if as_json:
        click.echo(json.dumps({"ok": True, "dry_run": dry_run, "local": local,
                               "tables": [r.as_dict() for r in results]}, indent=2, default=str))
    elif not quiet:
        for r in results:
            verb = "would send" if dry_run else "sent"
            click.echo(f"{r.table}: {plural(r.read, 'row')} read, {verb} {r.sent} in {plural(r.pages, 'page')}"
                       + (f", {r.skipped} deleted in Acumatica skipped" if r.skipped else "")
                       + (" (continued an interrupted run)" if r.resumed else "")
                       + (f", modified since {r.since}" if r.since else ""))
            if dry_run and r.first_row is not None:
                click.echo(f"  first row: {json.dumps(r.first_row, ensure_ascii=False)}")
    return ExitCode.OK
