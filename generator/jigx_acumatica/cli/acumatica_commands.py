"""Commands for the Acumatica half: package, publish, import-gi."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import ExitCode, InputError
from .app import command, echo_err
from .options import json_option, quiet_option, solution_option

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
