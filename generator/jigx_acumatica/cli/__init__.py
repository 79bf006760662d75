"""The command line: a thin Click layer over the library (jigx_acumatica.operations, .cdc, .doctor).

app: the group and the one error handler; options: shared options; output: how results print;
solution_commands / cdc_commands: the commands themselves, a few lines each."""

from . import acumatica_commands, cdc_commands, solution_commands  # noqa: F401 - registers the commands
from .app import main

__all__ = ["main"]
