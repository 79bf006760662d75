"""Secrets and the Acumatica user from the environment, a file or a hidden prompt (the only place
the environment is read); never echoed, logged or written."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ..errors import InputError


def read_secret(*, env: str, file: Path | None, file_option: str, label: str, short: str, how_to_get: str) -> str:
    """The environment variable, then the file, then a hidden prompt on a terminal (or one line
    of piped standard input, read without a prompt)."""
    value = os.environ.get(env, "").strip()
    source = env
    if not value and file is not None:
        source = str(file)
        from ..yamlio import read_text

        value = read_text(file, what=f"{short} file", kind="text", max_bytes=64 * 1024).strip()
        if not value:
            raise InputError(f"the {short} file is empty", path=file,
                             hint=f"write the {label} into it, alone on one line")
    if not value:
        source = "the prompt"
        value = _ask(label)
    if not value:
        raise InputError(f"no {label}",
                         hint=f"set {env}, pass {file_option} FILE, or type it when asked; " + how_to_get)
    if any(ch.isspace() or not ch.isprintable() or ord(ch) > 126 for ch in value):
        raise InputError(f"the {label} from {source} contains spaces or unprintable characters",
                         hint="paste the value alone, without 'Bearer' or line breaks")
    return value


def read_pat(pat_file: Path | None) -> str:
    return read_secret(env="JIGX_PAT", file=pat_file, file_option="--pat-file", label="Personal Access Token",
                       short="PAT", how_to_get="Jigx Management > My profile creates one")


def data_token(pat: str) -> str:
    """The token for Jigx's Data API: JIGX_DATA_TOKEN when set (whether the Data API takes a PAT
    is not documented), else the PAT."""
    return os.environ.get("JIGX_DATA_TOKEN", "").strip() or pat


def read_acumatica_password(password_file: Path | None, how_to_get: str) -> str:
    return read_secret(env="ACUMATICA_PASSWORD", file=password_file, file_option="--password-file",
                       label="Acumatica password", short="password", how_to_get=how_to_get)


def acumatica_username(option: str | None, *, required: bool = True) -> str:
    """The Acumatica user: --username, else ACUMATICA_USERNAME ('' when neither and not required)."""
    user = option or os.environ.get("ACUMATICA_USERNAME", "")
    if not user and required:
        raise InputError("no Acumatica user name", hint="set ACUMATICA_USERNAME or pass --username")
    return user


def pat_in_environment() -> bool:
    return bool(os.environ.get("JIGX_PAT"))


def local_token() -> tuple[str, bool]:
    """serve's token: (JIGX_PAT when set, True), else (a fresh one, False)."""
    from ..local.endpoint import new_token

    pat = os.environ.get("JIGX_PAT")
    return (pat, True) if pat else (new_token(), False)


def _ask(label: str) -> str:
    """A hidden prompt on a terminal; otherwise one line of standard input, with no prompt (and so
    no warning that input would be echoed)."""
    if not sys.stdin or not sys.stdin.isatty():
        try:
            return (sys.stdin.readline() if sys.stdin else "").strip()
        except (OSError, ValueError):
            return ""
    try:
        return str(click.prompt(label, hide_input=True, err=True, default="", show_default=False)).strip()
    except click.exceptions.Abort:
        return ""
