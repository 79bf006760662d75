"""Writing files so a failed or killed run leaves each one either old or new, never half-written."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from pathlib import Path
from typing import Iterator

from .errors import BusyError, InputError

try:  # POSIX; elsewhere runs are not locked against each other
    import fcntl

    HAVE_FLOCK = True
except ImportError:  # pragma: no cover
    HAVE_FLOCK = False


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_if_exists(path: Path) -> str | None:
    """Text of a file the tool may overwrite (newlines untouched), or None."""
    if not path.exists():
        return None
    if path.is_dir():
        raise InputError("expected a file but found a directory", path=path, hint="move the directory away")
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text; the tool will not overwrite it", path=path,
                         hint="move the file away or save it as UTF-8") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def stage(path: Path, text: str, *, private: bool = False) -> Path:
    """Write text to a temp file beside path (same filesystem) and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if private:
            mode = 0o600
        elif path.exists():
            mode = path.stat().st_mode & 0o777
        else:
            mode = 0o666 & ~_umask()
        os.chmod(tmp, mode)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return Path(tmp)


def clear_stale_temps(paths: list[Path]) -> None:
    """Temp files of these paths left by a run that was killed (the solution lock is held).

    One directory listing per folder: stage() names them '.<name>.<random>.tmp'."""
    by_folder: dict[Path, set[str]] = {}
    for path in paths:
        by_folder.setdefault(path.parent, set()).add(path.name)
    for folder, names in by_folder.items():
        if not folder.is_dir():
            continue
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(".") and entry.name.endswith(".tmp"):
                    owner = entry.name[1:].rsplit(".", 2)[0]
                    if owner in names:
                        with contextlib.suppress(OSError):
                            os.unlink(entry.path)


def stage_all(files: list[tuple[Path, str, bool]]) -> list[tuple[Path, Path]]:
    """Stage every file; on any error remove what was staged, so nothing changed."""
    staged: list[tuple[Path, Path]] = []
    try:
        for path, text, private in files:
            staged.append((stage(path, text, private=private), path))
    except BaseException:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    return staged


def commit_all(staged: list[tuple[Path, Path]]) -> None:
    """Rename staged files into place, in order; each rename is atomic."""
    for tmp, path in staged:
        os.replace(tmp, path)
    for parent in {p.parent for _, p in staged}:
        _fsync_dir(parent)


def write_all(files: list[tuple[Path, str, bool]]) -> None:
    """Stage every file first, then rename each into place: an error while staging changes nothing."""
    commit_all(stage_all(files))


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def locked(folder: Path, timeout: float = 10.0) -> Iterator[None]:
    """Hold an exclusive lock on a folder; wait up to timeout seconds for another run.

    The lock is taken on the folder itself (the nearest existing one), so locking creates
    nothing: a run that fails leaves no trace."""
    if not HAVE_FLOCK:
        yield
        return
    target = folder
    while not target.is_dir() and target != target.parent:
        target = target.parent
    fd = os.open(target, os.O_RDONLY)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise BusyError(f"another jigx-acumatica run is working on this solution (waited {timeout:g} s)",
                                    path=folder, hint="wait for it to finish, or raise --lock-timeout") from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)
