"""jigx-acumatica: generate and verify Acumatica -> Jigx change-data-capture setups.

The public API, each callable without Click (imported on first use, so start-up stays fast):

- generate(root, definitions=(), target=None, *, force, write) -> Plan
- init(root, *, name, title, category, target, definitions) -> Plan
- add(root, definitions, target=None, *, force, write) -> Plan
- remove(root, table, *, write) -> Plan
- verify(root, tables=(), *, pat, target=None, shape, cleanup) -> list[Outcome]
- doctor(root) -> list[Finding]
- inspect(notification, *, table_def=None, solution=".") -> Report
- serve(root, *, token, host, port, db) -> None (until Ctrl-C)
- package(root, defs) -> bytes (the customization ZIP); publish(job, credentials, report) -> warnings
- import_gi(path) -> list[Imported]; jigx_acumatica.backfill.backfill(root, defs, source, target, ...)
"""

from __future__ import annotations

from typing import Any

__version__ = "0.2.0"

_API = {
    "generate": ("operations", "generate"),
    "init": ("operations", "init"),
    "add": ("operations", "add"),
    "remove": ("operations", "remove"),
    "verify": ("cdc.verify", "verify_solution"),
    "doctor": ("diagnosis", "diagnose"),
    "inspect": ("cdc.inspect", "inspect_file"),
    "serve": ("cdc.local", "serve"),
    "package": ("packaging", "build"),
    "publish": ("publishing", "run"),
    "import_gi": ("gi_import", "read_inquiries"),
    "Target": ("config", "Target"),
    "ToolError": ("errors", "ToolError"),
    "ExitCode": ("errors", "ExitCode"),
}
__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name not in _API:
        raise AttributeError(f"module 'jigx_acumatica' has no attribute {name!r}")
    from importlib import import_module

    module, attr = _API[name]
    return getattr(import_module(f"{__name__}.{module}"), attr)
