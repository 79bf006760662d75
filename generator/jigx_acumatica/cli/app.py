"""The command group and the one place where errors become messages and exit codes."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from .. import __version__
from ..errors import Exit, ExitCode, ToolError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


# command -> (module that defines it, its one-line summary). Modules are imported only when one
# of their commands runs or shows its help, so `--help` and every command start fast; a test
# keeps the summaries equal to the commands' own docstrings.
COMMANDS: dict[str, tuple[str, str]] = {
    "add": ("solution_commands", "Onboard Acumatica tables into an existing solution."),
    "backfill": ("backfill_commands", "Load the rows that already exist in Acumatica into Jigx, page by page."),
    "discover": ("schema_commands", "Propose a table definition for a DAC, from the instance's own schema."),
    "doctor": ("solution_commands", "Check an existing solution, hand-made or generated, against the Jigx and "
               "Acumatica rules."),
    "generate": ("solution_commands", "Generate the CDC artifacts for table definitions into a Jigx solution folder."),
    "import-gi": ("acumatica_commands", "Read existing Generic Inquiries back into table definitions."),
    "init": ("solution_commands", "Create a new Jigx solution ready for Acumatica change data capture."),
    "inspect": ("local_commands", "Explain a saved Acumatica push notification."),
    "monitor": ("monitor_commands", "Find the failed pushes of this solution's tables before Acumatica forgets them."),
    "package": ("acumatica_commands", "Write the customization project ZIP: every table's Generic Inquiry in one "
                "package."),
    "publish": ("acumatica_commands", "Import the customization package into Acumatica and publish it, in one step."),
    "reconcile": ("reconcile_commands", "Compare each table's rows in Acumatica with those in Jigx, and repair "
                  "what differs."),
    "remove": ("solution_commands", "Stop managing a table: the reverse of add."),
    "samples": ("solution_commands", "Copy the bundled sample table definitions into a folder."),
    "serve": ("local_commands", "Run a local endpoint with the contract of Jigx's Acumatica CDC endpoint."),
    "status": ("status_commands", "One line per table and tenant: does the chain work?"),
    "verify": ("jigx_commands", "Prove the Jigx endpoint works: send test pushes shaped exactly like Acumatica's."),
}


class LazyGroup(click.Group):
    """Lists every command from COMMANDS; imports a command's module when it is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in COMMANDS:
            import importlib

            importlib.import_module(f"{__package__}.{COMMANDS[name][0]}")  # registers its commands
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1] if name in COMMANDS else (self.commands[name].get_short_help_str()))
                for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings=CONTEXT)
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
    4 doctor warnings, 10-18 sending to Jigx (verify, backfill), 20-27 publish, 30-34 reading
    Acumatica over OData, 70 internal error, 130 interrupted, 141 output closed early (every code:
    docs/exit-codes.md).
    """


def echo_err(text: str) -> None:
    click.echo(text, err=True)


def report_error(exc: ToolError, as_json: bool) -> None:
    problems = exc.problems
    if as_json:
        import json

        click.echo(json.dumps({"ok": False, "errors": [e.as_dict() for e in problems]}, indent=2))
    for e in problems:
        echo_err(f"error: {e.render()}")
    if len(problems) > 1:
        echo_err(f"{len(problems)} problems; nothing was written.")


def command(f: Callable[..., int | None]) -> Callable[..., None]:
    """Register f as a command of `main`; its return value (or Exit) is the exit code, and every
    error is mapped here, never shown as a traceback."""

    @functools.wraps(f)
    def wrapper(**kwargs: Any) -> None:
        as_json = bool(kwargs.get("as_json"))
        try:
            code = f(**kwargs)
        except Exit as done:
            code = done.code
        except ToolError as exc:
            report_error(exc, as_json)
            code = exc.exit_code
        except BrokenPipeError:  # `... | head` stopped reading: nothing more to say
            _quiet_broken_pipe()
            code = ExitCode.BROKEN_PIPE
        except KeyboardInterrupt:
            echo_err("interrupted: every file is either as it was or completely written")
            code = ExitCode.INTERRUPTED
        except click.exceptions.Exit:
            raise
        except OSError as exc:  # the file system refused something: the environment, not a bug
            from ..fsutil import os_error

            report_error(os_error(exc, None, "complete the command"), as_json)
            code = ExitCode.BAD_INPUT
        except Exception as exc:  # noqa: BLE001 - the last line of defence against tracebacks
            if os.environ.get("JIGX_ACUMATICA_DEBUG"):
                raise
            echo_err(f"internal error: {type(exc).__name__}: {exc}\n"
                     "This is a bug in jigx-acumatica; set JIGX_ACUMATICA_DEBUG=1 to see the traceback.")
            code = ExitCode.INTERNAL
        sys.exit(int(code or 0))

    return main.command(context_settings=CONTEXT)(wrapper)


def _quiet_broken_pipe() -> None:
    """After `... | head` closed stdout, stop Python complaining when it flushes at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
