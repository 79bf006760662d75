"""The command group and the one place where errors become messages and exit codes."""

from __future__ import annotations

import functools
import os
import sys
from typing import Any, Callable

import click

from .. import __version__
from ..errors import Exit, ExitCode, ToolError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


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
    4 doctor warnings, 10-18 verify outcomes (see the README), 70 internal error, 130 interrupted,
    141 output closed early.
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
