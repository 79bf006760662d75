"""Options shared by several commands; the target options build one Target in one place."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Callable, TypeVar

import click

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

    w: Any = wrapper
    w = click.option("--base-url", default=None,
                     help="Endpoint base URL instead of the region's (e.g. a local endpoint).")(w)
    w = click.option("--company", default=None, help="Acumatica tenant name (the push's CompanyId).")(w)
    w = click.option("--solution-id", default=None,
                     help="Jigx solutionId (UUID, Jigx Management > Solution Details).")(w)
    w = click.option("--org", default=None, help="Jigx organizationId (UUID, Jigx Management > organization details).")(w)
    w = click.option("--region", type=click.Choice(["us", "eu", "au"]), default=None,
                     help="Jigx region: us (us-east-1), eu (eu-central-1), au (ap-southeast-2).")(w)
    return w  # type: ignore[no-any-return]


class TargetOptions:
    """The target options as given (None where not given)."""

    def __init__(self, region: str | None, org: str | None, solution_id: str | None, company: str | None,
                 base_url: str | None) -> None:
        self.values = {"region": region, "organization_id": org, "solution_id": solution_id, "company": company,
                       "base_url": base_url}

    def for_solution(self, root: Path) -> Any:
        """The solution's project config, these options winning; validated."""
        from ..operations import target_for

        return target_for(root, **self.values)

    def given(self) -> dict[str, str]:
        """Only the options given on the command line (Target field -> value)."""
        return {k: v for k, v in self.values.items() if v is not None}

    def alone(self) -> Any:
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
