"""One error hierarchy and one table of exit codes (documented in docs/exit-codes.md), mapped to the
process exit in one place: the CLI's handler."""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import IntEnum
from pathlib import Path
from typing import Any


class ExitCode(IntEnum):
    """Process exit codes. Keep this table and docs/exit-codes.md in step (a test checks)."""

    OK = 0
    CHANGES = 1  # --check found work to do, a conflict, a failed check, doctor errors
    BAD_INPUT = 2  # a definition, option, config or solution file is wrong
    BUSY = 3  # another run holds the solution's lock
    WARNINGS = 4  # doctor: warnings only
    REPAIR_HELD = 5  # reconcile --repair: a table's repair would delete past the bound (--max-deletes)
    # verify: one code per outcome, so CI can tell them apart
    VERIFY_AUTH = 10  # 401/403: token invalid or expired
    VERIFY_NOT_FOUND = 11  # 404: wrong region, organizationId or solutionId
    VERIFY_REJECTED = 12  # 400/422: payload or table rejected
    VERIFY_UNAVAILABLE = 13  # 429/5xx still failing after the retries
    VERIFY_TIMEOUT = 14
    VERIFY_REFUSED = 15  # connection refused
    VERIFY_DNS = 16  # host name does not resolve
    VERIFY_TLS = 17  # TLS/certificate failure
    VERIFY_UNEXPECTED = 18  # any other answer: other 4xx, redirects
    VERIFY_NOT_LANDED = 19  # the push was accepted, but its row is not in the table (read back)
    # publish: one code per outcome
    PUBLISH_AUTH = 20  # sign-in refused, or the session was lost
    PUBLISH_FORBIDDEN = 21  # 403: the user lacks the Customizer role
    PUBLISH_NOT_FOUND = 22  # 404: wrong instance URL
    PUBLISH_FAILED = 23  # Acumatica's log has errors (HTTP 200 or 400), or isFailed
    PUBLISH_TIMEOUT = 24  # no answer, or publishing did not complete in time
    PUBLISH_TLS = 25
    PUBLISH_UNREACHABLE = 26  # connection refused, host name does not resolve
    PUBLISH_UNEXPECTED = 27  # any other answer
    # backfill, reading Acumatica over OData (sending to Jigx uses verify's codes)
    ODATA_AUTH = 30  # 401: user name or password refused
    ODATA_FORBIDDEN = 31  # 403: no rights to the inquiry
    ODATA_NOT_EXPOSED = 32  # 404, or not in $metadata: not published/exposed, wrong tenant
    ODATA_BAD_ANSWER = 33  # an empty body, not JSON, another status
    ODATA_UNREACHABLE = 34  # connection refused, DNS, TLS, timeout
    # reading Jigx's Data API (verify's read-back and --probe, reconcile)
    DATA_AUTH = 40  # 401/403: the token was refused (whether a PAT is accepted is not documented)
    DATA_NOT_FOUND = 41  # 404: no such table, organization or solution (or another Data API host)
    DATA_UNAVAILABLE = 42  # 429/5xx still failing after the retries
    DATA_BAD_ANSWER = 43  # not the exported shapes, or another status
    DATA_UNREACHABLE = 44  # connection refused, DNS, TLS, timeout
    INTERNAL = 70  # a bug: please report it
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)
    BROKEN_PIPE = 141  # stdout closed early, as by `| head` (128 + SIGPIPE)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def located(path: str, line: int | None) -> str:
    """'file:line' for a message, or just the file when the line is not known."""
    return f"{path}:{line}" if line else path


def printable(text: str) -> str:
    """text safe to show on a terminal or in a log line: control characters (terminal escapes,
    line breaks that would forge log lines, NUL) are shown escaped, e.g. \\x1b or \\n."""
    def escape(m: re.Match[str]) -> str:
        ch = m.group()
        return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch, f"\\x{ord(ch):02x}")

    return _CONTROL.sub(escape, text)


class ToolError(Exception):
    """An error meant for the user: says what is wrong, where, and how to fix it."""

    exit_code: ExitCode = ExitCode.BAD_INPUT

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None,
                 column: int | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.column = column
        self.hint = hint

    @property
    def problems(self) -> list[ToolError]:
        """The individual problems this error stands for (itself, for a single one)."""
        return [self]

    def location(self) -> str:
        if not self.path:
            return ""
        parts = [printable(self.path)]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def render(self) -> str:
        where = self.location()
        message = printable(self.message)
        text = f"{where}: {message}" if where else message
        if self.hint:
            text += f"\n  fix: {printable(self.hint)}"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {"error": printable(self.message), "path": self.path, "line": self.line, "column": self.column,
                "hint": self.hint, "exit_code": int(self.exit_code)}


class InputError(ToolError):
    """Bad table definition, option, config or solution file."""


class ConflictError(ToolError):
    """Hand edits would be overwritten (or a file changed while the run planned)."""

    exit_code = ExitCode.CHANGES


class BusyError(ToolError):
    exit_code = ExitCode.BUSY


class ErrorList(ToolError):
    """Several input errors found in one pass; reported together."""

    def __init__(self, errors: Sequence[ToolError]) -> None:
        super().__init__("\n".join(e.render() for e in errors))
        self.errors = list(errors)

    @property
    def problems(self) -> list[ToolError]:
        return [p for e in self.errors for p in e.problems]

    def render(self) -> str:
        return "\n".join(e.render() for e in self.errors)


class Exit(Exception):
    """Finish a command with this exit code after its output was printed (not an error)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = int(code)
