"""Where a study's points run: one small interface, three executors.

A study (:mod:`backtests.study`) only needs to submit a picklable top-level
function with its arguments, wait until some of the submitted futures are
done, and shut down. :class:`Executor` is that interface; the registry
:data:`EXECUTORS` names the ones ``regime-bt study --executor`` offers:

``local`` (:class:`LocalExecutor`, the default)
    Worker processes on this machine: :class:`concurrent.futures.ProcessPoolExecutor`
    with the ``spawn`` start method (no fork of a process that holds threads,
    the same start method on every OS), ``--workers N`` of them.
``dask`` (:class:`DaskExecutor`)
    :mod:`dask.distributed`: a :class:`~distributed.LocalCluster` of ``N``
    single-threaded worker processes when no scheduler is given, or the
    cluster behind ``--scheduler tcp://host:8786``. Dask is an optional extra
    (``pip install "regime-backtester[dask]"``) and is imported only here,
    only when asked for.

:class:`InlineExecutor` runs each task in the calling process when it is
submitted; it is for tests, debuggers and profilers, not offered by the CLI.

Every constructor checks its input before anything expensive starts and
raises :class:`~backtests.config.ConfigError` (exit 2) naming the option and
the fix: workers below one, a missing dask install, a scheduler that does not
answer within :data:`CONNECT_TIMEOUT_SECONDS`, or one with no worker.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

from backtests.config_schema import ConfigError

__all__ = [
    "CONNECT_TIMEOUT_SECONDS",
    "DASK_INSTALL_HINT",
    "EXECUTORS",
    "DaskExecutor",
    "Executor",
    "InlineExecutor",
    "LocalExecutor",
    "check_executor",
    "default_workers",
    "make_executor",
]

#: How long a ``--scheduler`` address (and its first worker) may take to answer.
CONNECT_TIMEOUT_SECONDS = 5.0

DASK_INSTALL_HINT = 'pip install "regime-backtester[dask]"'


class Executor(Protocol):
    """What a study needs from an executor.

    Attributes
    ----------
    name : str
        ``"local"``, ``"dask"`` or ``"inline"``.
    workers : int
        How many tasks run at once (for messages and for sizing the queue).
    """

    name: str
    workers: int

    def submit(self, function: Callable[..., Any], *args: Any) -> Any:
        """Start ``function(*args)``; return a future with ``result()`` and ``done()``."""
        ...

    def wait(self, futures: Iterable[Any], timeout: float | None) -> tuple[set, set]:
        """Block until at least one future is done or ``timeout`` s passed: ``(done, not_done)``."""
        ...

    def describe(self) -> str:
        """One line for the log: the executor and where it runs."""
        ...

    def close(self) -> None:
        """Cancel what has not started and release the workers (idempotent)."""
        ...


def default_workers(n_tasks: int | None = None) -> int:
    """The CPU count of this machine, at most ``n_tasks`` (at least 1)."""
    count = os.cpu_count() or 1
    if n_tasks is not None:
        count = min(count, max(n_tasks, 1))
    return max(count, 1)


class _ExecutorBase:
    name = "base"
    workers = 1

    if TYPE_CHECKING:  # each subclass defines it

        def close(self) -> None: ...

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def wait(self, futures: Iterable[Any], timeout: float | None) -> tuple[set, set]:
        done, pending = concurrent.futures.wait(
            list(futures), timeout=timeout, return_when=concurrent.futures.FIRST_COMPLETED
        )
        return set(done), set(pending)


class InlineExecutor(_ExecutorBase):
    """Run each task at once, in this process (tests, debuggers, profilers).

    Examples
    --------
    >>> with InlineExecutor() as executor:
    ...     executor.submit(pow, 2, 5).result()
    32
    """

    name = "inline"

    def submit(self, function: Callable[..., Any], *args: Any) -> concurrent.futures.Future:
        future: concurrent.futures.Future = concurrent.futures.Future()
        try:
            future.set_result(function(*args))
        except Exception as error:  # noqa: BLE001 - delivered through the future, like a pool
            future.set_exception(error)
        return future

    def describe(self) -> str:
        return "inline (in this process)"

    def close(self) -> None:
        return None


class LocalExecutor(_ExecutorBase):
    """``workers`` spawned processes on this machine.

    Parameters
    ----------
    workers : int, optional
        Default: :func:`default_workers`.
    """

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = _check_workers(workers)
        self._futures: list[concurrent.futures.Future] = []
        self._pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=self.workers, mp_context=multiprocessing.get_context("spawn")
        )

    def submit(self, function: Callable[..., Any], *args: Any) -> concurrent.futures.Future:
        future = self._pool.submit(function, *args)
        self._futures = [f for f in self._futures if not f.done()] + [future]
        return future

    def describe(self) -> str:
        return f"local ({self.workers} worker process{'es' if self.workers > 1 else ''})"

    def close(self) -> None:
        if any(not f.done() for f in self._futures):
            # Interrupted: do not wait for the points under way (Python 3.11 has no
            # public way to stop a pool's processes; 3.14 adds terminate_workers()).
            for process in list((getattr(self._pool, "_processes", None) or {}).values()):
                process.terminate()
            self._pool.shutdown(wait=True, cancel_futures=True)
        else:
            # Idle workers exit on their own while the study is assembled; the
            # interpreter joins them at exit.
            self._pool.shutdown(wait=False)


def _check_workers(workers: int | None) -> int:
    if workers is None:
        return default_workers()
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"--workers {workers!r} must be a whole number >= 1.", "--workers")
    return workers


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise ConfigError(
            f"--executor dask needs dask.distributed, which is not installed. Install it with: "
            f"{DASK_INSTALL_HINT} (or use --executor local).",
            "--executor",
        ) from None
    return distributed


class DaskExecutor(_ExecutorBase):
    """Points on a dask.distributed cluster.

    Parameters
    ----------
    scheduler : str, optional
        ``tcp://host:8786`` of a running ``dask scheduler``; None starts a
        :class:`~distributed.LocalCluster` of ``workers`` single-threaded
        processes on this machine.
    workers : int, optional
        Size of the LocalCluster (default :func:`default_workers`); must be
        None with ``scheduler`` (the cluster's own workers run the points).

    Raises
    ------
    ConfigError
        dask.distributed missing; ``workers`` with ``scheduler``; a scheduler
        that does not answer within :data:`CONNECT_TIMEOUT_SECONDS`, or that
        has no worker.
    """

    name = "dask"

    def __init__(self, scheduler: str | None = None, workers: int | None = None) -> None:
        check_executor("dask", workers, scheduler)
        distributed = _import_distributed()
        self._distributed = distributed
        self._cluster = None
        self._client: Any = None  # a distributed.Client; None once closed
        if scheduler is not None:
            self._client = self._connect(scheduler)
            self.workers = max(len(self._client.scheduler_info()["workers"]), 1)
            self._where = scheduler
        else:
            import logging

            self.workers = _check_workers(workers)
            self._cluster = distributed.LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,  # pyright: ignore[reportArgumentType]  # None: no dashboard
                silence_logs=logging.ERROR,
            )
            self._client = distributed.Client(self._cluster)
            self._where = "a LocalCluster on this machine"

    def _connect(self, scheduler: str):
        timeout = CONNECT_TIMEOUT_SECONDS
        try:
            client = self._distributed.Client(scheduler, timeout=f"{timeout}s")
        except (OSError, TimeoutError, ValueError) as error:
            raise ConfigError(
                f"--scheduler {scheduler}: no Dask scheduler answered within {timeout:g} s "
                f"({error}). Start one with `dask scheduler` (and workers with `dask worker "
                f"{scheduler}`), check the address, or use --executor local.",
                "--scheduler",
            ) from None
        try:
            client.wait_for_workers(1, timeout=timeout)
        except (OSError, TimeoutError):
            client.close()
            raise ConfigError(
                f"--scheduler {scheduler}: the scheduler answered but has no worker. Start "
                f"one with `dask worker {scheduler}`.",
                "--scheduler",
            ) from None
        return client

    def submit(self, function: Callable[..., Any], *args: Any):
        # pure=False: two equal points are two tasks (their ids already differ).
        return self._client.submit(function, *args, pure=False)

    def wait(self, futures: Iterable[Any], timeout: float | None) -> tuple[set, set]:
        futures = list(futures)
        try:
            # Any: distributed types its synchronous wait as a coroutine
            result: Any = self._distributed.wait(
                futures, timeout=timeout, return_when="FIRST_COMPLETED"
            )
        except TimeoutError:
            return set(), set(futures)
        return set(result.done), set(result.not_done)

    def describe(self) -> str:
        return f"dask ({self.workers} worker{'s' if self.workers > 1 else ''} on {self._where})"

    def close(self) -> None:
        client, cluster = self._client, self._cluster
        self._client, self._cluster = None, None
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


#: ``--executor`` name -> executor class (the CLI's choices).
EXECUTORS: dict[str, type] = {"local": LocalExecutor, "dask": DaskExecutor}


def check_executor(name: str, workers: int | None = None, scheduler: str | None = None) -> None:
    """Check ``--executor``, ``--workers`` and ``--scheduler`` without starting anything.

    Raises
    ------
    ConfigError
        An unknown executor (did you mean), workers below one, ``--scheduler``
        without dask or not an address, ``--workers`` with ``--scheduler``, or
        dask.distributed not installed.
    """
    from data.hints import did_you_mean

    if name not in EXECUTORS:
        raise ConfigError(
            f"--executor {name!r} is not an executor.{did_you_mean(name, EXECUTORS)}"
            f" Allowed: {', '.join(EXECUTORS)}.",
            "--executor",
        )
    if workers is not None:
        _check_workers(workers)
    if scheduler is not None:
        if name != "dask":
            raise ConfigError(
                f"--scheduler {scheduler} needs --executor dask (the {name} "
                "executor runs on this machine only).",
                "--scheduler",
            )
        if "://" not in scheduler:
            raise ConfigError(
                f"--scheduler {scheduler!r} must be an address like "
                "tcp://host:8786 (what `dask scheduler` prints).",
                "--scheduler",
            )
        if workers is not None:
            raise ConfigError(
                f"--workers {workers} sizes a cluster started here; with --scheduler "
                f"{scheduler} the cluster's own workers run the points. Drop --workers "
                "(start more `dask worker` processes instead).",
                "--workers",
            )
    if name == "dask":
        _import_distributed()


def make_executor(name: str, workers: int | None = None, scheduler: str | None = None) -> Executor:
    """The executor ``--executor NAME`` asks for, checked and started.

    Parameters
    ----------
    name : {"local", "dask"}
    workers : int, optional
        Worker processes (``local``, or a dask LocalCluster); default
        :func:`default_workers`.
    scheduler : str, optional
        Dask scheduler address (``dask`` only).

    Raises
    ------
    ConfigError
        See :func:`check_executor` and :class:`DaskExecutor` (a scheduler that
        does not answer, or has no worker).
    """
    check_executor(name, workers, scheduler)
    if name == "local":
        return LocalExecutor(workers)
    return DaskExecutor(scheduler, workers)
