"""Options shared by several commands, each declared once here: the target options build one
Target, the network options one Policy, the credential options are read with the environment
(JIGX_PAT, ACUMATICA_USERNAME, ACUMATICA_PASSWORD) only in this command-line layer."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from ..config import Target

F = TypeVar("F", bound=Callable[..., Any])
TARGET_KEYS = ("region", "org", "solution_id", "company", "base_url")


def quiet_option(f: F) -> F:
    return click.option("-q", "--quiet", is_flag=True, help="Print errors only.")(f)


def verbose_option(f: F) -> F:
    return click.option("-v", "--verbose", is_flag=True,
                        help="Show every table's push URL, not only those of tables that changed.")(f)


def json_option(f: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")(f)


def target_options(f: F) -> F:
    """--region/--org/--solution-id/--company/--base-url, handed to the command as one
    `target` argument: the solution's project config with these options winning."""

    @functools.wraps(f)
    def wrapper(**kwargs: Any) -> Any:
        given = {k: kwargs.pop(k) for k in TARGET_KEYS}
        kwargs["target"] = TargetOptions(**given)
        return f(**kwargs)

    from ..config import BY_KEY, REGIONS

    w: Any = wrapper
    w = click.option("--base-url", default=None, help=BY_KEY["baseUrl"].help)(w)
    w = click.option("--company", default=None, help=BY_KEY["company"].help)(w)
    w = click.option("--solution-id", default=None, help=BY_KEY["solutionId"].help)(w)
    w = click.option("--org", default=None, help=BY_KEY["organizationId"].help)(w)
    w = click.option("--region", type=click.Choice(list(REGIONS)), default=None, help=BY_KEY["region"].help)(w)
    return w  # type: ignore[no-any-return]


class TargetOptions:
    """The target options as given (None where not given)."""

    def __init__(self, region: str | None, org: str | None, solution_id: str | None, company: str | None,
                 base_url: str | None) -> None:
        self.values = {"region": region, "organization_id": org, "solution_id": solution_id, "company": company,
                       "base_url": base_url}

    def for_solution(self, root: Path) -> Target:
        """The solution's project config, these options winning; validated."""
        from ..solution.queries import target_for

        return target_for(root, **self.values)

    def given(self) -> dict[str, str]:
        """Only the options given on the command line (Target field -> value)."""
        return {k: v for k, v in self.values.items() if v is not None}

    def alone(self) -> Target:
        """Only these options (a solution that does not exist yet); validated."""
        from ..config import Target

        return Target(**self.values).validate()


def solution_option(creates: bool = False) -> Callable[[F], F]:
    help_text = "The Jigx solution folder" + (" (created when missing; --out is the same option)." if creates else ".")
    names = ("--solution", "--out") if creates else ("--solution",)
    return click.option(*names, "solution", type=click.Path(file_okay=False, path_type=Path),
                        default=Path("."), show_default=True, help=help_text)


def write_options(f: F) -> F:
    """--dry-run and --force, shared by the commands that write generated files."""
    f = click.option("--force", is_flag=True, help="Overwrite hand-edited generated entries and files.")(f)
    return click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing.")(f)


def lock_option(f: F) -> F:
    return click.option("--lock-timeout", type=click.FloatRange(0, 3600), default=10.0, show_default=True,
                        help="Seconds to wait for another run on the same solution.")(f)


def network_options(*, timeout: float, retries: int | None = 4, max_timeout: float = 600.0) -> Callable[[F], F]:
    """--timeout and --retries (and a hidden --backoff), handed to the command as one `policy`."""
    def decorate(f: F) -> F:
        @functools.wraps(f)
        def wrapper(**kwargs: Any) -> Any:
            from ..transport import Policy

            kwargs["policy"] = Policy(timeout=kwargs.pop("timeout"), backoff=kwargs.pop("backoff"),
                                      retries=kwargs.pop("retries") if retries is not None else 0)
            return f(**kwargs)

        w: Any = wrapper
        w = click.option("--backoff", type=click.FloatRange(0, 60), default=0.5, hidden=True)(w)
        if retries is not None:
            w = click.option("--retries", type=click.IntRange(0, 10), default=retries, show_default=True,
                             help="Retries for 429 and 5xx answers.")(w)
        w = click.option("--timeout", type=click.FloatRange(0.1, max_timeout), default=timeout, show_default=True,
                         help="Seconds to wait for each answer.")(w)
        return w  # type: ignore[no-any-return]
    return decorate


def pat_file_option(f: F) -> F:
    return click.option("--pat-file", type=click.Path(path_type=Path, dir_okay=False), default=None,
                        help="File holding the Jigx PAT (used when JIGX_PAT is not set; else a hidden prompt).")(f)


def password_file_option(f: F) -> F:
    return click.option("--password-file", type=click.Path(path_type=Path, dir_okay=False), default=None,
                        help="File holding the Acumatica password (used when ACUMATICA_PASSWORD is not set; else a "
                             "hidden prompt).")(f)


def username_option(role: str) -> Callable[[F], F]:
    return click.option("--username", default=None, help=f"Acumatica user{role} (default: ACUMATICA_USERNAME).")


def acumatica_url_option(f: F) -> F:
    return click.option("--acumatica-url", default=None, help="The Acumatica instance, e.g. "
                        "https://mycompany.acumatica.com (default: acumaticaUrl in jigx-acumatica.yaml).")(f)


def tenant_option(*, multiple: bool) -> Callable[[F], F]:
    if multiple:
        return click.option("--tenant", "tenants", multiple=True, help="Tenant login name (SM203520), or all; repeat "
                            "for several of the tenants jigx-acumatica.yaml declares (default: all of them).")
    return click.option("--tenant", default=None, help="Tenant login name (SM203520), or all (default: every tenant "
                        "jigx-acumatica.yaml declares, or its one tenant).")


def acumatica_reader_options(f: F) -> F:
    """--acumatica-url, --tenant, --username and --password-file: the commands that read Acumatica
    (over OData or the CustomizationApi) as a user, declared once."""
    for option in (password_file_option, username_option(""), tenant_option(multiple=False), acumatica_url_option):
        f = option(f)
    return f


READER_KEYS = ("skip_bad_rows", "date_order", "decimal", "allow_missing_columns", "sheet")


def reader_options(f: F) -> F:
    """How a rows file (--from) reads, declared once for every command that reads one, handed to
    the command as one `read_options` (docs/commands.md, "Reading rows files")."""

    @functools.wraps(f)
    def wrapper(**kwargs: Any) -> Any:
        from ..rows import ReadOptions

        kwargs["read_options"] = ReadOptions(**{k: kwargs.pop(k) for k in READER_KEYS})
        return f(**kwargs)

    w: Any = wrapper
    w = click.option("--sheet", default=None, help="With --from a workbook: the sheet to read (default: the first).")(w)
    w = click.option("--allow-missing-columns", is_flag=True, help="Send the definition's columns the source lacks "
                     "as null (which clears them in Jigx); without it such a source is refused.")(w)
    w = click.option("--decimal-point", "decimal", flag_value="point", default=None,
                     help="Numbers written as text use a decimal point (1,234.50).")(w)
    w = click.option("--decimal-comma", "decimal", flag_value="comma",
                     help="Numbers written as text use a decimal comma (1.234,50), as Excel saves them in most of "
                          "Europe.")(w)
    w = click.option("--date-order", type=click.Choice(["mdy", "dmy"]), default="mdy", show_default=True,
                     help="How a grid-exported date such as 10/3/2026 reads, in every date column and _mod (month "
                          "first, as en-US exports, or day first).")(w)
    w = click.option("--skip-bad-rows", is_flag=True, help="Send the rows that can be sent; skip and count the others "
                     "(a value that does not fit its column, an empty or repeated key, a row too large for Jigx).")(w)
    return w  # type: ignore[no-any-return]
