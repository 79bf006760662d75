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
- package(root, *, push=None) -> bytes (the customization ZIP the managed one holds once up to date)
- publish(job, credentials, report) -> warnings; import_gi(path) -> list[Imported]
- jigx_acumatica.backfill.backfill(root, defs, source, target, *, pat, options, ...) -> list[TableResult]

Each lives in the room of what it talks to: solution/ (files), acumatica/, jigx/, local/, backfill/;
see docs/development.md.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.2.0"

_API = {
    "generate": ("solution.operations", "generate"),
    "init": ("solution.operations", "init"),
    "add": ("solution.operations", "add"),
    "remove": ("solution.operations", "remove"),
    "package": ("solution.operations", "package_bytes"),
    "doctor": ("solution.doctor", "diagnose"),
    "verify": ("jigx.verify", "verify_solution"),
    "inspect": ("local.inspect", "inspect_file"),
    "serve": ("local.serve", "serve"),
    "publish": ("acumatica.customization", "run"),
    "import_gi": ("acumatica.import_gi", "read_inquiries"),
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
