"""Atomic file writes: a reader sees the old file or the complete new one, never a torn mix.

    with atomic_write("run.npz") as f:    # a binary file object
        f.write(data)

The bytes go to a temporary file in the target's directory (os.replace is atomic only within
one file system), are flushed and fsynced, and the temporary file then replaces the target in
one `os.replace`; the directory is fsynced too, so the new name survives a power cut. On any
exception (KeyboardInterrupt included) the temporary file is removed and the target is left as
it was.

A writer killed outright (SIGKILL, the OOM killer, a power cut) cannot clean up after itself:
its temporary file stays behind. The names say whose they are,
`.<target name>.<host>.<pid>.<random>.tmp`, so the next `atomic_write` to the same target
removes the orphans of earlier writers: those from this host whose process no longer runs.
Temporary files of live writers (another process saving to the same path right now, or another
thread of this one) and of other hosts (a shared network folder) are left alone. Where process
ids cannot be checked (not POSIX), nothing is removed.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import socket
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_write", "remove_stale_temporaries", "temporary_name"]

StrPath = str | os.PathLike[str]

_HOST = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:32] or "host"
_in_flight: set[str] = set()  # this process's own temporary files, being written now
_lock = threading.Lock()


def _after_fork_in_child() -> None:
    """A forked child has only the forking thread: a writer on another thread that held the
    lock at the fork would leave it held for ever. (Its temporary file keeps the parent's pid
    in its name, so the child never takes it for a stale one while the parent lives.)"""
    global _lock
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_after_fork_in_child)


def temporary_name(target: Path) -> str:
    """A fresh name for a temporary file beside `target` that says who writes it."""
    return f".{target.name}.{_HOST}.{os.getpid()}.{secrets.token_hex(4)}.tmp"


def _temporary_pattern(target: Path) -> re.Pattern[str]:
    return re.compile(
        rf"\.{re.escape(target.name)}\.(?P<host>[A-Za-z0-9-]+)\.(?P<pid>\d+)\.[0-9a-f]{{8}}\.tmp"
    )


def _process_gone(pid: int) -> bool:
    if os.name != "posix":
        return False  # os.kill(pid, 0) would terminate the process on Windows
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, owned by someone else
        return False
    except OSError:
        return False
    return False


def remove_stale_temporaries(target: StrPath) -> list[Path]:
    """Remove the temporary files that killed writers of `target` left behind; return them.

    A temporary file is stale when this host wrote it and its process is gone (or it is this
    process's own and no write of ours is using it).
    """
    target = Path(target)
    pattern = _temporary_pattern(target)
    removed: list[Path] = []
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None or match["host"] != _HOST:
            continue
        pid = int(match["pid"])
        with _lock:
            ours_now = entry.path in _in_flight
        if ours_now or (pid != os.getpid() and not _process_gone(pid)):
            continue
        with contextlib.suppress(FileNotFoundError, IsADirectoryError, PermissionError):
            os.unlink(entry.path)
            removed.append(Path(entry.path))
    return removed


@contextlib.contextmanager
def atomic_write(path: StrPath) -> Iterator[BinaryIO]:
    """Yield a binary file that atomically becomes `path` when the block ends without error.

    The directory is created if needed. A new file gets the usual permissions (0o666 minus the
    umask); an existing file's permission bits are kept. Stale temporary files of earlier,
    killed writers of `path` are removed first (see the module docstring).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    tmp = str(path.parent / temporary_name(path))
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, 0o666)  # the umask applies, as for any new file
    with _lock:
        _in_flight.add(tmp)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())  # the bytes are on disk before the name points at them
        with contextlib.suppress(FileNotFoundError):
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
        os.replace(tmp, path)
        _fsync_directory(path.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    finally:
        with _lock:
            _in_flight.discard(tmp)


def _fsync_directory(directory: Path) -> None:
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
