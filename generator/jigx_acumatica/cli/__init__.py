"""The command line: a thin Click layer over the library (jigx_acumatica.operations, .cdc, .doctor).

app: the group and the one error handler; options: shared options; output: how results print;
solution_commands, cdc_commands, acumatica_commands: the commands, imported when used."""

from .app import main  # the commands' modules are imported on use (app.COMMANDS)

__all__ = ["main"]
