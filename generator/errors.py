"""One error hierarchy, mapped to exit codes in one place (documented in the README)."""

from __future__ import annotations

from pathlib import Path

# Exit codes. Keep this table and the README's in step.
OK = 0
CHANGES = 1  # --check found work to do, a conflict, or a failed check
BAD_INPUT = 2  # a definition, option or solution file is wrong
BUSY = 3  # another run holds the solution's lock
INTERNAL = 70  # a bug: please report it

# verify: one code per outcome, so CI can tell them apart.
VERIFY_AUTH = 10  # 401/403: token invalid or expired
VERIFY_NOT_FOUND = 11  # 404: wrong region, organizationId or solutionId
VERIFY_REJECTED = 12  # 400/422: payload or table rejected
VERIFY_UNAVAILABLE = 13  # 429/5xx still failing after the retries
VERIFY_TIMEOUT = 14
VERIFY_REFUSED = 15  # connection refused
VERIFY_DNS = 16  # host name does not resolve
VERIFY_TLS = 17  # TLS/certificate failure
VERIFY_UNEXPECTED = 18  # any other answer: other 4xx, redirects, rows not landing


class ToolError(Exception):
    """An error meant for the user: says what is wrong, where, and how to fix it."""

    exit_code = BAD_INPUT

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.column = column
        self.hint = hint

    def location(self) -> str:
        if not self.path:
            return ""
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def render(self) -> str:
        where = self.location()
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f"\n  fix: {self.hint}"
        return text

    def as_dict(self) -> dict:
        return {
            "error": self.message,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "hint": self.hint,
            "exit_code": self.exit_code,
        }


class InputError(ToolError):
    """Bad table definition, option, config or solution file."""

    exit_code = BAD_INPUT


class ConflictError(ToolError):
    """A managed entry or file was edited by hand and would be overwritten."""

    exit_code = CHANGES


class BusyError(ToolError):
    exit_code = BUSY


class ErrorList(Exception):
    """Several input errors found in one pass; reported together."""

    exit_code = BAD_INPUT

    def __init__(self, errors: list[ToolError]) -> None:
        super().__init__(errors)
        self.errors = errors

    def __str__(self) -> str:
        return "\n".join(e.render() for e in self.errors)
