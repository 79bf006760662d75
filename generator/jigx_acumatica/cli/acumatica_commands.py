"""Commands for the Acumatica half: package, publish, import-gi."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import ConflictError, ExitCode, InputError
from .app import command, echo_err
from .options import (
    acumatica_url_option,
    json_option,
    network_options,
    password_file_option,
    quiet_option,
    solution_option,
    tenant_option,
    username_option,
)
from .output import plural
from .schema_commands import metadata_options

if TYPE_CHECKING:
    from ..acumatica.customization import Credentials
    from ..acumatica.publish import PublishPlan
    from ..transport import Policy

EXPERIMENTAL = ("EXPERIMENTAL: push definitions in a package are inferred from Acumatica's SM302000 export "
                "definition and its push notification tables (no real one is public).\n"
                "- Each destination is written inactive: its Header Value is a placeholder, never your PAT. After "
                "publishing, paste 'Bearer <PAT>' on SM302000, then tick Active.\n"
                "- The destination Name is its key: delete a destination of the same name made by hand "
                "(\"Jigx <table>\") on SM302000 before publishing.\n"
                "- Publishing the package again overwrites a token typed there by hand, and makes the destination "
                "inactive again.")


@command
@solution_option()
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the ZIP here instead of the solution's managed package (jigx-acumatica.yaml 'package').")
@click.option("--with-push", is_flag=True, help="EXPERIMENTAL: add a push definition per table (no PAT in it).")
@click.option("--push-type-code", default=None, help="With --with-push: the stored code of the destination type "
              "(default WEBH, Acumatica's webhook sender).")
@click.option("--push-source-type", default=None, help="With --with-push: the stored SourceType of the inquiry "
              "source (default GI, a Generic Inquiry).")
@click.option("--tenant", default=None, help="With --out or --with-push and several tenants: whose package "
              "(each tenant's holds only its inquiries).")
@json_option
@quiet_option
def package(solution: Path, out: Path | None, with_push: bool, push_type_code: str | None,
            push_source_type: str | None, tenant: str | None, as_json: bool, quiet: bool) -> ExitCode:
    """Write the customization project ZIP: every table's Generic Inquiry in one package.

    Builds the package from each managed table's generic-inquiry.xml as it is in the solution
    (an inquiry edited by hand goes in as edited). Without options it brings the managed package
    (acumatica/jigx-cdc.zip) up to date and touches nothing else; --out writes the same bytes
    elsewhere. It does not regenerate the inquiries: 'generate' does. Import it on Customization
    Projects (SM204505), then Publish, or let 'jigx-acumatica publish' do both.

    \b
    Example:
      jigx-acumatica package --solution field-app
      jigx-acumatica package --solution field-app --out /tmp/field-app.zip
    """
    from ..artifacts.package import PushCodes
    from ..config import load_settings
    from ..solution import operations
    from ..solution.queries import require_solution

    require_solution(solution)
    settings = load_settings(solution)
    if (push_type_code or push_source_type) and not with_push:
        raise InputError("--push-type-code and --push-source-type go with --with-push",
                         hint="add --with-push, or leave them out")
    if not with_push and out is None:
        plan = operations.package(solution)
        error = plan.conflict_error()
        if error:
            raise error
        path = solution / settings.package
        verb = "updated" if plan.writes or plan.deletes else "up to date"
    else:
        codes = PushCodes(push_type_code or PushCodes.type_code,
                          push_source_type or PushCodes.source_type) if with_push else None
        path = out or solution / settings.package.replace(".zip", "-with-push.zip")
        operations.write_package(path, operations.package_bytes(solution, push=codes, tenant=tenant))
        verb = "written"
        if with_push:
            echo_err(EXPERIMENTAL)
    if as_json:
        import json

        click.echo(json.dumps({"ok": True, "package": str(path), "project": settings.project_name,
                               "experimental_push": with_push, "result": verb}, indent=2))
    elif not quiet:
        click.echo(f"package {verb}: {path} (project {settings.project_name}), built from the inquiry files as they "
                   "are (generate regenerates those); import it on Customization Projects (SM204505) and publish, or "
                   "run 'jigx-acumatica publish'")
    return ExitCode.OK


@command
@solution_option()
@acumatica_url_option
@tenant_option(multiple=True)
@username_option(" with the Customizer role")
@password_file_option
@click.option("--validate-only", is_flag=True, help="Import and validate the package; publish nothing.")
@click.option("--dry-run", is_flag=True, help="Print every request it would send (secrets masked); send nothing.")
@network_options(timeout=60.0, retries=None)
@click.option("--max-wait", type=click.FloatRange(1, 7200), default=900.0, show_default=True,
              help="Seconds to wait for publishing to complete.")
@click.option("--poll-interval", type=click.FloatRange(0, 120), default=5.0, hidden=True)
@click.option("--schema-check/--no-schema-check", default=True, show_default=True,
              help="First check every definition against the instance's schema (DAC-based OData $metadata), so a "
                   "mistyped field never reaches Acumatica; skipped, with a warning, where it cannot be read.")
@metadata_options
@json_option
@quiet_option
def publish(solution: Path, acumatica_url: str | None, tenants: tuple[str, ...], username: str | None,
            password_file: Path | None, validate_only: bool, dry_run: bool, policy: Policy, max_wait: float,
            poll_interval: float, schema_check: bool, metadata: Path | None, refresh: bool, as_json: bool,
            quiet: bool) -> ExitCode:
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

    from ..acumatica import customization
    from ..acumatica.publish import TenantResult, prepare, publish_all, record_proved
    from .credentials import acumatica_username, read_acumatica_password

    plan = prepare(solution, acumatica_url=acumatica_url, tenants=list(tenants))
    user = acumatica_username(username, required=not dry_run)
    if dry_run:  # sends nothing: shows where the name will go
        creds = customization.Credentials(user or "<ACUMATICA_USERNAME>", "")
        out = [(job.tenant, customization.dry_run(job, creds)) for job in plan.jobs(validate_only)]
        click.echo(json.dumps({"ok": True, "dry_run": True, "tenants": [{"tenant": t, "requests": r} for t, r in out]},
                              indent=2) if as_json else
                   "\n\n".join(f"# tenant {t or '(default)'}\n{customization.describe(r)}" for t, r in out))
        return ExitCode.OK
    creds = customization.Credentials(user, read_acumatica_password(password_file,
                                                                    "use the Customizer user's password"))
    if schema_check:
        _check_schema(solution, plan, creds, metadata=metadata, refresh=refresh, policy=policy, quiet=quiet)
    results: list[TenantResult] = []

    def report(tenant: str | None, line: str) -> None:
        if not quiet and not as_json:
            echo_err(f"{tenant or '(default tenant)'}: {line}")

    def done(result: TenantResult) -> None:
        results.append(result)
        if result.ok and not quiet and not as_json:
            click.echo(f"{result.tenant or '(default tenant)'}: {'validated' if validate_only else 'published'} "
                       f"project {plan.settings.project_name}"
                       + (f" ({plural(len(result.warnings), 'warning')} in the log)" if result.warnings else ""))
            for line in result.warnings:
                click.echo(f"  acumatica warning: {line}")

    saved: list[str] = []
    reached: list[str | None] = []  # tenants signed in to: the instance may be publishing for them

    def signed_in(tenant: str | None) -> None:
        reached.append(tenant)
        # the first sign-in proves the URL; the options are saved once the last tenant given has
        # signed in too (a mistyped one never gets saved)
        if not saved and tenant == plan.tenants[-1] and (acumatica_url or tenants):
            saved.extend(record_proved(solution, acumatica_url=plan.url if acumatica_url else None,
                                       tenants=list(tenants)) or ["-"])
            if saved != ["-"] and not quiet and not as_json:
                echo_err(f"saved in jigx-acumatica.yaml (the sign-in proved them): {'; '.join(saved)}")

    try:
        publish_all(plan, creds, validate_only=validate_only, policy=policy, max_wait=max_wait,
                    poll_interval=poll_interval, report=report, done=done, signed_in=signed_in)
    except KeyboardInterrupt:
        if reached:  # the instance had the package: it may go on publishing without us
            echo_err("interrupted: publishing may still be running on the instance. Check Customization Projects "
                     "(SM204505) before you publish again (a second publish while one runs fails).")
        raise
    except customization.PublishError as exc:
        for line in exc.log:
            echo_err(f"  acumatica: {line}")
        if as_json:
            click.echo(json.dumps({"ok": False, "results": [r.as_dict() for r in results]}, indent=2))
        raise
    if as_json:
        click.echo(json.dumps({"ok": True, "validate_only": validate_only, "results": [r.as_dict() for r in results]},
                              indent=2))
    return ExitCode.OK


def _check_schema(solution: Path, plan: PublishPlan, creds: Credentials, *, metadata: Path | None, refresh: bool,
                  policy: Policy, quiet: bool) -> None:
    """Every definition against the instance's schema before anything is imported: errors stop the
    publish; a schema that cannot be read (before 2025 R1, no rights) is a warning."""
    from ..acumatica import schema_check
    from ..acumatica.odata import ODataError
    from ..definition import load_definitions
    from ..solution.queries import solution_definitions
    from .schema_commands import instance_schema

    tenant = plan.tenants[0] or ""
    if not tenant and metadata is None:  # DAC OData's URL names the tenant
        if not quiet:
            echo_err("warning: the definitions were not checked against the instance's schema: no tenant given\n"
                     "  fix: pass --tenant (or --metadata FILE with a saved DAC $metadata)")
        return
    try:
        schema = instance_schema(solution, metadata=metadata, refresh=refresh, acumatica_url=plan.url, tenant=tenant,
                                 username=creds.username, password_file=None, policy=policy, password=creds.password)
    except ODataError as exc:
        if not quiet:
            echo_err(f"warning: the definitions were not checked against the instance's schema: {exc.message}\n"
                     "  fix: pass --metadata FILE with a saved DAC $metadata, or --no-schema-check to skip this")
        return
    with schema:
        findings = [f for f in schema_check.check(load_definitions(solution_definitions(solution)), schema)
                    if f.severity == "error"]
    if findings:
        for f in findings:
            echo_err(f.render())
        raise InputError(f"{len(findings)} problem(s) against the instance's schema: nothing was published",
                         hint="fix the definitions (jigx-acumatica doctor --acumatica shows them), generate, then "
                              "publish; --no-schema-check publishes anyway")


def _differs(path: Path, text: str) -> bool:
    """A file there that is not this text (a user's definition, hand edits included)."""
    from ..errors import ToolError
    from ..fsutil import read_if_exists

    try:
        current = read_if_exists(path)
    except (OSError, ToolError):  # unreadable or not text: certainly not ours to replace
        return True
    return current is not None and current != text


@command
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--out", "out", type=click.Path(path_type=Path), default=None,
              help="Where to write: a .yaml file (one inquiry) or a folder (one <table>.yaml per inquiry). "
                   "Default: print a single definition.")
@click.option("--drop-unsupported", is_flag=True, help="Import what a push can carry and drop the rest (parameters "
              "and the conditions that use them, grouping, aggregates), listing every dropped part.")
@click.option("--force", is_flag=True, help="Overwrite a definition file that exists and differs.")
@json_option
@quiet_option
def import_gi(file: Path, out: Path | None, drop_unsupported: bool, force: bool, as_json: bool, quiet: bool
              ) -> ExitCode:
    """Read existing Generic Inquiries back into table definitions.

    FILE is an SM208000 export, a GenericInquiryScreen item, a project.xml or a customization
    package ZIP. Each inquiry becomes the definition that would generate it: source and joins,
    columns named by their captions, conditions, _tab/_del/_mod recognised, the key guessed.
    Inquiries a push cannot carry (parameters, grouping, aggregates, several detail tables) are
    refused with the reason (exit 1); --drop-unsupported imports them without their parameters
    (and the conditions that use them), grouping and aggregates, and lists each dropped part in
    the output and at the top of the definition. Notes there say what to check.

    \b
    Example:
      jigx-acumatica import-gi SO-OpenByCustomer.xml --out definitions/
      jigx-acumatica import-gi acumatica/jigx-cdc.zip --out imported/
      jigx-acumatica import-gi SO-OpenByCustomer.xml --drop-unsupported --out so.yaml
    """
    import json

    from ..acumatica.import_gi import definition_text, read_inquiries
    from ..fsutil import os_error, write_all

    found = read_inquiries(file, drop=drop_unsupported)
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
    conflicts = [path for path, text in writes if not force and _differs(path, str(text))]
    if conflicts:
        raise ConflictError(f"{', '.join(map(str, conflicts))} exist{'s' if len(conflicts) == 1 else ''} and "
                            "differ from what this inquiry gives: your edits would be lost; nothing was written",
                            hint="pass another --out, or --force to overwrite")
    try:
        write_all([(path, text) for path, text in writes])
    except OSError as exc:
        raise os_error(exc, out, "write the definitions") from None
    if as_json:
        click.echo(json.dumps({"ok": not refused, "inquiries": [
            {"name": i.name, "table": i.table or None, "refused": i.refused, "dropped": i.dropped, "notes": i.notes,
             "file": str(p) if (p := next((w for w, _ in writes if w.stem == i.table), None)) else None,
             "definition": i.definition} for i in found]}, indent=2))
    else:
        if out is None and done:
            click.echo(definition_text(done[0]), nl=False)
        if not quiet:
            for path, _ in writes:
                echo_err(f"wrote {path}")
            for i in done:
                for part in i.dropped:
                    echo_err(f"{i.name}: dropped: {part}")
                for note in i.notes:
                    echo_err(f"{i.name}: note: {note}")
    for i in refused:
        echo_err(f"{i.name}: refused: {i.refused}")
    droppable = ("has parameters", "groups rows", "aggregates")
    if refused and not drop_unsupported and any(d in (i.refused or "") for i in refused for d in droppable):
        echo_err("  fix: add --drop-unsupported to import it without its parameters, grouping and aggregates "
                 "(each dropped part is listed)")
    return ExitCode.CHANGES if refused else ExitCode.OK
