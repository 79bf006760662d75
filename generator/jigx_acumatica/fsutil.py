"""Writing files so a failed or killed run leaves each one either old or new, never half-written."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from .errors import BusyError, InputError

try:  # POSIX; elsewhere runs are not locked against each other
    import fcntl

    HAVE_FLOCK = True
except ImportError:  # pragma: no cover
    HAVE_FLOCK = False


def digest(content: str | bytes) -> str:
    """sha256 of a file's content (text as UTF-8), as the state file records it."""
    return hashlib.sha256(content.encode("utf-8") if isinstance(content, str) else content).hexdigest()


MAX_OWNED_BYTES = 32 * 1024 * 1024  # far above any solution file; a guard against reading a disk image


def read_bytes_if_exists(path: Path) -> bytes | None:
    """Bytes of a file the tool may overwrite, or None when there is none."""
    try:
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise os_error(exc, path, "read") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError("expected a file but found a folder", path=path, hint="move the folder away")
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_OWNED_BYTES:
        raise InputError("not a regular text file (a pipe, device or huge file); the tool will not touch it",
                         path=path, hint="move it away")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise os_error(exc, path, "read") from None


def read_if_exists(path: Path) -> str | None:
    """Text of a file the tool may overwrite (newlines untouched), or None when there is none."""
    data = read_bytes_if_exists(path)
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text; the tool will not overwrite it", path=path,
                         hint="move the file away or save it as UTF-8") from None


def os_error(exc: OSError, path: Path | str | None, doing: str) -> InputError:
    """An OSError on the user's files, as a message that names the file and what to do."""
    where = exc.filename or path
    reason = exc.strerror or type(exc).__name__
    hints = {
        errno.EACCES: "check the permissions of the file and its folder",
        errno.EPERM: "check the permissions of the file and its folder",
        errno.EROFS: "the file system is read-only: work on a writable copy",
        errno.ENOSPC: "the disk is full: free some space and run again",
        errno.EDQUOT: "the disk quota is used up: free some space and run again",
        errno.ENOTDIR: "a file stands where a folder must be: move it away",
        errno.EISDIR: "a folder stands where a file must be: move it away",
        errno.ENOENT: "the folder vanished while the tool ran: check the path and run again",
        errno.ELOOP: "a symbolic link on the path points back at itself: fix the link",
        errno.ENAMETOOLONG: "use a shorter path",
    }
    return InputError(f"cannot {doing}: {reason}", path=where,
                      hint=hints.get(exc.errno or 0, "check the path and run again"))


def refuse_read_only(paths: list[Path]) -> None:
    """A file the user made read-only is not replaced behind their back (even as root)."""
    for path in paths:
        try:
            mode = path.stat().st_mode
        except OSError:
            continue
        if stat.S_ISREG(mode) and not mode & 0o222:
            raise InputError("the file is read-only; the tool will not replace it", path=path,
                             hint="make it writable (chmod u+w) if the tool may update it, then run again")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


Content = str | bytes  # text files, and the customization package (a ZIP)


def stage(path: Path, text: Content, *, durable: bool = True) -> Path:
    """Write text (or bytes) to a temp file beside path (same filesystem) and return it.

    durable: flushed to disk before the rename (survives a power loss, not only a killed run)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8") if isinstance(text, str) else text)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        if path.exists():  # keep the file's mode; a new file gets the user's default
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


def through_links(path: Path) -> Path:
    """Where a write to path lands: a symlinked file (an index.jigx shared between solutions, a
    definition kept elsewhere) is written at its target, atomically there, so the link stays a
    link and its target is the file that changes. A link whose target is missing is refused."""
    if not path.is_symlink():
        return path
    target = Path(os.path.realpath(path))
    if not target.exists():
        raise InputError(f"is a symbolic link to {target}, which does not exist", path=path,
                         hint="restore the link's target, or replace the link with the file itself")
    if not target.is_file():
        raise InputError(f"is a symbolic link to {target}, which is not a regular file", path=path,
                         hint="point the link at a file, or replace it with the file itself")
    return target


def stage_all(files: list[tuple[Path, Content]]) -> list[tuple[Path, Path]]:
    """Stage every file, all on disk before any is renamed into place (one sync for many files:
    one fsync each would cost seconds for hundreds of tables); on any error remove what was
    staged, so nothing changed."""
    staged: list[tuple[Path, Path]] = []
    many = len(files) > 8 and hasattr(os, "sync")
    files = [(through_links(path), text) for path, text in files]
    created = missing_folders([path for path, _ in files])
    try:
        for path, text in files:
            staged.append((stage(path, text, durable=not many), path))
        if many:
            os.sync()
    except BaseException:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        remove_empty_folders(created)  # a full disk leaves no empty folders behind
        raise
    return staged


def missing_folders(paths: list[Path]) -> list[Path]:
    """The folders writing these files would create, deepest first."""
    missing: set[Path] = set()
    for path in paths:
        folder = path.parent
        while not folder.exists() and folder != folder.parent:
            missing.add(folder)
            folder = folder.parent
    return sorted(missing, key=lambda f: len(f.parts), reverse=True)


def remove_empty_folders(folders: list[Path]) -> None:
    """Remove these folders where they are empty (deepest first); others are left as they are."""
    for folder in folders:
        with contextlib.suppress(OSError):
            folder.rmdir()


def commit_all(staged: list[tuple[Path, Path]]) -> None:
    """Rename staged files into place, in order; each rename is atomic."""
    for tmp, path in staged:
        os.replace(tmp, path)
    for parent in {p.parent for _, p in staged}:
        _fsync_dir(parent)


def write_all(files: list[tuple[Path, Content]], *, durable: bool = True) -> None:
    """Stage every file first, then rename each into place: an error while staging changes nothing."""
    if durable:
        commit_all(stage_all(files))
        return
    for path, text in files:  # atomic (a killed run leaves old or new), but not flushed to disk
        path = through_links(path)
        os.replace(stage(path, text, durable=False), path)


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
    try:
        fd = os.open(target, os.O_RDONLY)
    except OSError as exc:
        raise os_error(exc, target, "open the solution folder to lock it") from None
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
