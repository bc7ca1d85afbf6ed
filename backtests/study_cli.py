"""``regime-bt study``: a grid of full runs, resumable, on local processes or a Dask cluster.

Wired into :mod:`backtests.cli` by :func:`add_study_parser` (the parser) and
:func:`cmd_study` (the command). Like every command it is thin: check the
arguments, plan the study (:func:`backtests.study.plan_study`), run what is
missing on an executor (:mod:`backtests.executors`), assemble the files and
write the HTML page (:mod:`reports.study_page`; the CLI is the composition
root that may reach into ``reports``).

Bad input raises :class:`~backtests.config.ConfigError` or
:class:`data.DataError` before anything expensive starts; ``backtests.cli``
turns them into exit 2. An interrupt keeps every finished point and returns
130; the same command resumes.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

__all__ = ["add_cache_args", "add_study_parser", "cmd_study"]

#: At most one progress line per this many seconds when no terminal is watching.
LINE_EVERY_SECONDS = 5.0

EXIT_OK, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 2, 130


def add_study_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``study`` command to ``regime-bt``'s subparsers; return its parser."""
    study = subparsers.add_parser(
        "study",
        help="run a grid of full backtests (resumable; local processes or Dask)",
        description=textwrap.fill(
            "Cross every --grid KEY=V1,V2,... (dotted config keys, values parsed like --set) "
            "over the config and run each point as a full backtest without tearsheets. "
            "Walk-forward labels are computed once per distinct regime-relevant setting and "
            "reused. Writes DIR/study.csv and study.parquet (one row per point: its keys, then "
            "headline metrics per strategy), study.json (the grid, the best point, the deflated "
            "Sharpe ratio and the probability of backtest overfitting of the rotation across "
            "all points) and study.html. Finished points are kept under DIR/points/: rerun the "
            "same command after an interruption and only the missing points run.",
            79,
        ),
        epilog="Examples: regime-bt study --grid regimes.params.composite.min_dwell=5,10,20 "
        "--grid costs.fee_bps=0,10,25 --out runs/study\n"
        "          regime-bt study configs/csv.toml --grid walk_forward.refit_every=21,63 "
        "--executor dask --scheduler tcp://scheduler-host:8786 --out runs/refit",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    study.add_argument(
        "config",
        nargs="?",
        default=None,
        help="TOML config file (default: the built-in synthetic-world config)",
    )
    study.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="KEY=V1,V2,...",
        help="a dotted config key and its values, comma-separated (repeatable; "
        "the study is the product of all --grid)",
    )
    study.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config key for every point (repeatable)",
    )
    study.add_argument(
        "--executor",
        default="local",
        metavar="{local,dask}",
        help="where points run: 'local' worker processes (default) or 'dask'",
    )
    study.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="a running Dask scheduler, e.g. tcp://host:8786 (with --executor "
        "dask; without it a LocalCluster is started)",
    )
    study.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="worker processes for local or a Dask LocalCluster (default: the "
        "CPU count, at most the number of points to run)",
    )
    study.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="study directory (created; an existing study there is resumed)",
    )
    study.add_argument("--quiet", action="store_true", help="print nothing but errors")
    study.add_argument(
        "--json", action="store_true", help="print the study summary (study.json) on stdout"
    )
    add_cache_args(study)
    return study


def add_cache_args(parser: argparse.ArgumentParser) -> None:
    """``--offline | --refresh`` (every command that loads data; used by ``backtests.cli``)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--offline",
        action="store_true",
        help="use only the download cache; fail clearly when something is missing",
    )
    group.add_argument(
        "--refresh", action="store_true", help="download everything again and overwrite the cache"
    )


def _say(args: argparse.Namespace, message: str) -> None:
    if not args.quiet and not args.json:
        print(message, flush=True)


def _duration(seconds: float) -> str:
    seconds = max(round(seconds), 0)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _log_lines(
    events: Iterator, total: int, done_before: int, stream=None, every: float = LINE_EVERY_SECONDS
) -> Iterator:
    """Pass events through; write ``done/total, rate, ETA`` lines (at most one per ``every`` s)."""
    stream = stream if stream is not None else sys.stderr
    started = time.perf_counter()
    last = -float("inf")
    pending = total - done_before
    for count, event in enumerate(events, start=1):
        now = time.perf_counter()
        if event.error is not None:
            print(f"study: point {event.index} failed: {event.error}", file=stream, flush=True)
        if now - last >= every or count == pending:
            rate = count / max(now - started, 1e-9)
            eta = (pending - count) / rate
            print(
                f"study: {done_before + count}/{total} points done, {rate:.2f} points/s, "
                f"ETA {_duration(eta)}",
                file=stream,
                flush=True,
            )
            last = now
        yield event


def _progress(args: argparse.Namespace, total: int, done_before: int):
    from data.progress import progress, progress_enabled

    def wrap(events: Iterator, pending: int) -> Iterable:
        if args.quiet or args.json:
            return events
        if progress_enabled():
            return progress(events, "study points", total=pending, unit="point")
        return _log_lines(events, total, done_before)

    return wrap


def cmd_study(args: argparse.Namespace) -> int:
    """Run ``regime-bt study`` (see :func:`add_study_parser`); return the exit code.

    Raises
    ------
    ConfigError, DataError
        Bad arguments, config, grid or output directory (exit 2 in ``backtests.cli``).
    """
    from backtests.executors import check_executor, default_workers, make_executor
    from backtests.study import (
        assemble_study,
        execute_points,
        pending_points,
        plan_study,
        prepare_directory,
    )

    started = time.perf_counter()
    check_executor(args.executor, args.workers, args.scheduler)
    plan = plan_study(args.config, args.overrides, args.grid)
    out = prepare_directory(args.out)
    todo = pending_points(plan, out)
    total = len(plan.points)
    sizes = " x ".join(str(len(axis.texts)) for axis in plan.axes)
    label_sets = len({p.labels_key for p in plan.points})
    _say(
        args,
        f"Study {plan.base.name!r}: {total} points ({sizes}) over "
        f"{', '.join(plan.keys)}; {label_sets} walk-forward label set"
        f"{'s' if label_sets > 1 else ''}; {len(todo)} to run, {total - len(todo)} "
        "already done.",
    )
    failed: dict[int, str] = {}
    if todo:
        workers = args.workers
        if workers is None and args.scheduler is None:
            workers = default_workers(len(todo))
        executor = make_executor(args.executor, workers, args.scheduler)
        try:
            _say(args, f"Running on {executor.describe()} ...")
            cache_mode = "offline" if args.offline else "refresh" if args.refresh else "use"
            events = execute_points(plan, out, executor, todo, cache_mode)
            for event in _progress(args, total, total - len(todo))(events, len(todo)):
                if event.error is not None:
                    failed[event.index] = event.error
        except KeyboardInterrupt:
            kept = total - len(pending_points(plan, out))
            print(
                f"regime-bt: interrupted; {kept} of {total} points are kept under "
                f"{out / 'points'}. Run the same command again to resume.",
                file=sys.stderr,
            )
            return EXIT_INTERRUPTED
        finally:
            executor.close()
    outcome = assemble_study(plan, out, failed)
    from reports.study_page import write_study_page

    write_study_page(out)
    _report(args, plan, outcome, out, time.perf_counter() - started)
    if outcome.failed:
        for index, error in sorted(outcome.failed.items()):
            print(
                f"regime-bt: error: study point {index} "
                f"({', '.join(f'{k}={v!r}' for k, v in plan.points[index].values.items())}): "
                f"{error}",
                file=sys.stderr,
            )
        print(
            f"regime-bt: {len(outcome.failed)} of {total} points failed; their rows in "
            f"{out / 'study.csv'} say why. Fix the config and rerun to run only those.",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    return EXIT_OK


def _report(args, plan, outcome, out: Path, seconds: float) -> None:
    from backtests.metrics_schema import metrics_json

    if args.json:
        print(metrics_json(outcome.summary), end="")
        return
    rotation = outcome.summary["rotation"]
    best = rotation.get("best")
    if best is not None:
        deflated = rotation.get("deflated_sharpe") or {}
        pbo = (rotation.get("pbo") or {}).get("pbo")
        values = ", ".join(f"{k}={json.dumps(v)}" for k, v in best["values"].items())
        dsr = deflated.get("dsr")
        _say(
            args,
            f"Best {rotation['strategy']} point {best['point']} ({values}): excess "
            f"Sharpe {best['sharpe']:.3f}; deflated Sharpe ratio "
            f"{'n/a' if dsr is None else f'{dsr:.3f}'} over {rotation['n_trials']} "
            f"trials; PBO {'n/a' if pbo is None else f'{pbo:.2f}'}.",
        )
    _say(
        args,
        f"Wrote {out / 'study.csv'}, study.parquet, study.json and study.html in {seconds:.1f} s.",
    )
