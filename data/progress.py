"""Progress for steps that take more than a couple of seconds.

Two small helpers so every step looks and behaves the same:

* :func:`progress`: a tqdm bar on stderr, shown only when a person is
  watching (stdout and stderr are terminals);
* :func:`stage`: when no terminal is watching (a CI log, a pipe), one line
  per stage on stderr with its elapsed time, so a long run is never silent
  for minutes: ``regime-bt: walk-forward refits ... 12.4 s``.

Both are silent when the environment variable ``REGIME_BT_NO_PROGRESS`` is
set (the CLI sets it for ``--quiet`` and ``--json``). They live in ``data``
because every package below it (downloads, walk-forward refits, sweeps,
tearsheets) reports progress.

Examples
--------
>>> from data.progress import progress
>>> [x for x in progress(range(3), "refits", enabled=False)]
[0, 1, 2]
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm.auto import tqdm

__all__ = ["NO_PROGRESS_ENV", "progress", "progress_enabled", "stage", "stage_lines_enabled"]

T = TypeVar("T")


#: Set (to anything non-empty) to silence every progress bar.
NO_PROGRESS_ENV = "REGIME_BT_NO_PROGRESS"


def progress_enabled(quiet: bool = False) -> bool:
    """True when a bar is wanted.

    That is: not ``quiet``, ``REGIME_BT_NO_PROGRESS`` unset, and stdout and
    stderr are terminals.
    """
    if quiet or os.environ.get(NO_PROGRESS_ENV):
        return False
    return all(stream is not None and stream.isatty() for stream in (sys.stdout, sys.stderr))


def progress(
    iterable: Iterable[T],
    desc: str,
    enabled: bool | None = None,
    total: int | None = None,
    unit: str = "it",
) -> Iterator[T]:
    """Iterate over ``iterable`` with a tqdm bar when ``enabled``.

    Parameters
    ----------
    iterable : iterable
    desc : str
        Short label in the user's words ("download", "walk-forward refits").
    enabled : bool, optional
        None means :func:`progress_enabled` (a terminal is watching).
    total : int, optional
        Length, when ``iterable`` has none.
    unit : str, default "it"

    Yields
    ------
    The items of ``iterable``, unchanged.
    """
    if enabled is None:
        enabled = progress_enabled()
    if not enabled:
        yield from iterable
        return
    with tqdm(
        iterable,
        desc=desc,
        total=total,
        unit=unit,
        file=sys.stderr,
        leave=False,
        dynamic_ncols=True,
    ) as bar:
        yield from bar


def stage_lines_enabled() -> bool:
    """True when stage lines are wanted: no terminal is watching and progress is not silenced."""
    if os.environ.get(NO_PROGRESS_ENV):
        return False
    return not all(stream is not None and stream.isatty() for stream in (sys.stdout, sys.stderr))


@contextlib.contextmanager
def stage(name: str, enabled: bool | None = None) -> Iterator[None]:
    """Log ``regime-bt: <name> ... <seconds> s`` on stderr when the block ends.

    Parameters
    ----------
    name : str
        The stage in the user's words ("load data", "walk-forward refits").
    enabled : bool, optional
        None means :func:`stage_lines_enabled` (not on a terminal, not quiet).

    Examples
    --------
    >>> with stage("nothing", enabled=False):
    ...     pass
    """
    if enabled is None:
        enabled = stage_lines_enabled()
    started = time.perf_counter()
    yield
    if enabled:
        print(
            f"regime-bt: {name} ... {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
            flush=True,
        )
