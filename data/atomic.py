"""Atomic, durable file and directory writes: every cache entry, report and run goes through here.

Files
    :func:`atomic_path` yields a temporary sibling of the destination; when the
    block succeeds the temporary file is flushed to disk (``fsync``), given the
    mode a plain ``open()`` would give it under the user's umask (``mkstemp``
    creates 0600), renamed over the destination with :func:`os.replace` (atomic
    on POSIX and Windows), and the parent directory is fsynced so the rename
    itself survives a crash. On an exception the temporary file is removed and
    the previous file is left intact.
Directories
    :func:`atomic_directory` yields a fresh staging directory beside the
    destination and renames it into place only when the block succeeds: a
    failed or interrupted writer leaves no partial directory, and an existing
    destination is replaced whole or not at all. The staging directory gets the
    umask's mode too (``mkdtemp`` creates 0700).
Output locations
    :func:`check_output_directory` refuses, before any expensive work, a
    destination that is an existing file or whose parent cannot be written,
    with an :class:`OutputPathError` (a :class:`data.DataError`, so exit 2).

This is the one atomic writer of the project (``data`` is upstream of every
package that writes).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from data.base import DataError

__all__ = [
    "OutputPathError",
    "atomic_directory",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "check_output_directory",
    "current_umask",
]


class OutputPathError(DataError):
    """An output location that cannot be used (a file where a directory goes, no write access)."""


def current_umask() -> int:
    """The process umask, read without changing it where the OS allows (Linux ``/proc``)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)  # elsewhere: read it by setting it, then put it back
    os.umask(mask)
    return mask


def _fsync_directory(folder: Path) -> None:
    """Flush a directory entry (a rename) to disk; a no-op where directories cannot be opened."""
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path that replaces ``path`` when the block succeeds.

    For writers that want a file name (``pyarrow.parquet.write_table``,
    ``DataFrame.to_csv``). Parent folders are created. The file gets mode
    ``0o666 & ~umask`` and is fsynced before the rename.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> with atomic_path(target) as temporary:
    ...     _ = temporary.write_text("done")
    >>> target.read_text()
    'done'
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        with open(temporary, "rb+") as stream:
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o666 & ~current_umask())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
    _fsync_directory(target.parent)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and durably; return the path."""
    with atomic_path(path) as temporary:
        temporary.write_bytes(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 ``text`` (``\\n`` line endings kept as given) to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def check_output_directory(destination: str | os.PathLike[str], what: str = "--out") -> Path:
    """Refuse an output directory that cannot be written, before any work is done.

    Parameters
    ----------
    destination : path-like
        Where a directory will be written (it may exist; it is then replaced).
    what : str
        The option or key that chose the location, for the message.

    Returns
    -------
    Path
        The resolved destination.

    Raises
    ------
    OutputPathError
        When the destination is an existing file (or other non-directory), or
        when its nearest existing parent is not a writable directory.
    """
    target = Path(destination).expanduser().resolve()
    if target.exists() and not target.is_dir():
        raise OutputPathError(
            f"{what} {destination} is an existing file, not a directory; a run directory "
            "cannot replace it. Choose another path (the file was left untouched)."
        )
    parent = target.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise OutputPathError(
            f"{what} {destination}: {parent} is not a directory. Choose another path."
        )
    try:
        probe = Path(tempfile.mkdtemp(dir=parent, prefix=".regime-bt-write-check-"))
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise OutputPathError(
            f"{what} {destination} cannot be written: {parent} is not writable ({reason}). "
            "Choose a writable location."
        ) from None
    probe.rmdir()
    return target


@contextlib.contextmanager
def atomic_directory(destination: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a staging directory that replaces ``destination`` when the block succeeds.

    On any exception (including KeyboardInterrupt) the staging directory is
    removed and ``destination`` is left exactly as it was. The previous
    directory, if any, is moved aside and deleted only after the new one is in
    place; if the final rename fails it is moved back.

    Raises
    ------
    OutputPathError
        ``destination`` is an existing file, or its parent is not writable
        (see :func:`check_output_directory`).
    """
    target = check_output_directory(destination)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.tmp-"))
    os.chmod(staging, 0o777 & ~current_umask())
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    backup = None
    if target.exists():
        backup = target.with_name(f".{target.name}.old-{os.getpid()}")
        shutil.rmtree(backup, ignore_errors=True)
        os.replace(target, backup)
    try:
        os.replace(staging, target)
    except BaseException:
        if backup is not None:
            os.replace(backup, target)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _fsync_directory(target.parent)
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)
