"""discover, and the instance's schema (DAC-based OData $metadata) that discover, doctor
--acumatica and publish read: a saved copy (--metadata), the cache, or the instance."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import ExitCode, InputError
from .app import command, echo_err
from .options import (
    F,
    acumatica_reader_options,
    network_options,
    quiet_option,
    solution_option,
)

if TYPE_CHECKING:
    from ..acumatica.dac_metadata import Schema
    from ..transport import Policy


def metadata_options(f: F) -> F:
    f = click.option("--refresh", is_flag=True, help="Read the instance's $metadata again instead of the cached "
                     "copy (.jigx-acumatica/dac-metadata.sqlite).")(f)
    return click.option("--metadata", "metadata", type=click.Path(path_type=Path, dir_okay=False), default=None,
                        help="A saved <instance>/t/<tenant>/api/odata/dac/$metadata to read instead of the "
                             "instance.")(f)


def instance_schema(solution: Path, *, metadata: Path | None, refresh: bool, acumatica_url: str | None,
                    tenant: str | None, username: str | None, password_file: Path | None, policy: Policy,
                    password: str | None = None) -> Schema:
    """The schema from --metadata, else the cache of this instance and tenant, else the instance
    (signed in with Basic authentication, as OData is)."""
    from ..acumatica.dac_metadata import open_schema
    from ..config import load_settings
    from .credentials import acumatica_username, read_acumatica_password

    if metadata is not None:
        return open_schema(solution, metadata=metadata)
    settings = load_settings(solution) if (solution / "jigx-acumatica.yaml").is_file() else None
    url = (acumatica_url or (settings.acumatica_url if settings else None) or "").rstrip("/")
    tenant = tenant or (settings.tenants[0] if settings and settings.tenants else None)
    if not url or not tenant:
        raise InputError("reading the instance's schema needs its URL and tenant",
                         hint="pass --acumatica-url and --tenant (or set them in jigx-acumatica.yaml), or "
                              "--metadata FILE with a saved copy of <instance>/t/<tenant>/api/odata/dac/$metadata")

    def fetch(dest: Path) -> None:
        from ..acumatica.odata import Connection, Reader

        user = acumatica_username(username)
        secret = password or read_acumatica_password(password_file, "the user's Acumatica password")
        Reader(Connection(url, tenant or "", user, secret, policy)).dac_metadata(dest)

    return open_schema(solution, fetch=fetch, refresh=refresh, instance=f"{url}/t/{tenant}")


@command
@click.argument("dac")
@click.option("--join", "joins", multiple=True, metavar="DAC", help="Join this DAC too (repeatable): its `on` "
              "pairs come from the navigation properties in the instance's schema.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write the definition here (default: print it).")
@click.option("--all-columns", is_flag=True, help="Every field of the DAC (and of each join) as a column, not a "
              "readable selection.")
@click.option("--force", is_flag=True, help="Overwrite --out when it exists and differs.")
@metadata_options
@solution_option()
@acumatica_reader_options
@network_options(timeout=120.0)
@quiet_option
def discover(dac: str, joins: tuple[str, ...], out: Path | None, all_columns: bool, force: bool,
             metadata: Path | None, refresh: bool, solution: Path, acumatica_url: str | None, tenant: str | None,
             username: str | None, password_file: Path | None, policy: Policy, quiet: bool) -> ExitCode:
    """Propose a table definition for a DAC, from the instance's own schema.

    Reads DAC-based OData's $metadata (the instance, from 2025 R1; or --metadata FILE) and
    proposes the entity and table names, the key (a DAC's natural code where its key is a
    surrogate integer id, as AcctCD for BAccountID), typed columns, `modified`, `deleted_flag`
    from whether the DAC has DeletedDatabaseRecord, and the `on` pairs of each --join. Comments
    say what was chosen and why: edit it, then `add` it.

    \b
    Example:
      jigx-acumatica discover PX.Objects.AR.Customer --join PX.Objects.CR.Contact --out customers.yaml
      jigx-acumatica discover SOOrder --metadata saved-metadata.xml
    """
    from ..acumatica.discover import definition_text, propose
    from ..definition.check import check_definition
    from ..errors import ConflictError
    from ..fsutil import os_error, read_if_exists, write_all
    from ..yamlio import load_screened

    with instance_schema(solution, metadata=metadata, refresh=refresh, acumatica_url=acumatica_url, tenant=tenant,
                         username=username, password_file=password_file, policy=policy) as schema:
        source = str(metadata) if metadata is not None else schema.about().get("source", "").removeprefix("instance:")
        proposal = propose(schema, dac, joins=joins, all_columns=all_columns)
        text = definition_text(proposal, source or "the instance's $metadata")
    check_definition(load_screened(text, "discover"), "discover", text)  # what it proposes always loads
    if out is None:
        click.echo(text, nl=False)
        return ExitCode.OK
    current = read_if_exists(out) if out.exists() else None
    if current is not None and current != text and not force:
        raise ConflictError(f"{out} exists and differs from the proposal", path=out,
                            hint="pass --force to overwrite it, or --out another file")
    try:
        write_all([(out, text)])
    except OSError as exc:
        raise os_error(exc, out, "write the definition") from None
    if not quiet:
        echo_err(f"wrote {out}: {proposal.dac.name}, key {', '.join(proposal.key)}, "
                 f"{len(proposal.columns)} columns; check it, then: jigx-acumatica add {out} --solution <solution>")
    return ExitCode.OK
