"""Studies: a grid of config overrides, each point a full run, resumable and deterministic.

A study crosses ``--grid KEY=V1,V2,...`` axes (any dotted config keys, values
parsed like ``--set``) over a base config. Each point is a whole
:func:`backtests.runner.run` (no tearsheets, no run directory): its headline
metrics per strategy and the rotation's daily excess returns are kept.

The ``--grid`` arguments are parsed into axes in :mod:`backtests.study_grid`.
Planning (:func:`plan_study`) is cheap and happens before anything runs: every
point's overrides go through :func:`backtests.config.load_config`, so an
unknown key gets the same "did you mean" as ``--set``, and two points that
resolve to the same config are refused.

The expensive step of a run is the walk-forward labelling of the whole
history. It depends only on the regime-relevant slice of the config
(:func:`labels_key`: the data's identity :func:`backtests.config.data_sha256`,
which covers ``[data]``, ``[universe]`` and ``[series]``; the tickers loaded;
``[features]``; the configured classifier and its parameters;
``[walk_forward]``), so it is computed once per distinct slice and cached as
``DIR/regimes/<labels key>.parquet``. Points that differ only in costs,
strategies, rebalancing or research settings reuse it.

The study directory ``DIR``::

    points/<point id>.json       one file per finished point (atomic); the resume state
    regimes/<labels key>.parquet walk-forward labels, shared by points
    study.parquet, study.csv     one row per point, in grid order (:func:`study_table`)
    study.json                   the grid, the best point, DSR and PBO of the rotation
    study.html                   written by the CLI (reports.study_page)

A point's id is a hash of its resolved config and its data's identity
(:func:`point_id`), so a killed study reruns only the points without a file,
and a grown grid reuses every point it already has. Workers never touch
``DIR``: they get configs (and labels) and return plain data, and this
process writes every file, so a remote Dask cluster needs no shared disk.
``study.csv`` is assembled from the point files in grid order with
shortest round-trip floats, so it is byte-identical whatever the executor or
the worker count.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import itertools
import json
import math
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import tomli_w

from backtests.config import ConfigError, RunConfig, config_sha256, data_sha256, load_config
from backtests.metrics_schema import PERFORMANCE_METRICS, json_ready, metrics_json
from backtests.study_grid import GridAxis, _grid_error, _resolved, parse_grid, split_values
from data.atomic import (
    OutputPathError,
    atomic_path,
    atomic_write_text,
    check_output_directory,
)
from data.base import PERIODS_PER_YEAR, DataError
from data.progress import NO_PROGRESS_ENV

__all__ = [
    "HEADLINE_METRICS",
    "STUDY_SCHEMA",
    "GridAxis",
    "PointDone",
    "StudyOutcome",
    "StudyPlan",
    "StudyPoint",
    "assemble_study",
    "compute_labels",
    "execute_points",
    "labels_key",
    "parse_grid",
    "pending_points",
    "plan_study",
    "point_id",
    "prepare_directory",
    "read_labels",
    "run_point",
    "run_study",
    "split_values",
    "study_table",
]

#: Version of the study files (point files, study.json); part of every point id.
STUDY_SCHEMA = 1
#: Per-strategy columns of study.csv, in order (a subset of the metrics.json ``overall``).
HEADLINE_METRICS: tuple[str, ...] = (
    "sharpe",
    "cagr",
    "max_drawdown",
    "turnover",
    "sortino",
    "volatility",
    "total_return",
    "exposure",
    "hit_rate",
)
assert set(HEADLINE_METRICS) <= set(PERFORMANCE_METRICS)
POINTS, LABELS = "points", "regimes"
#: Seconds between two looks at the executor while nothing finishes.
POLL_SECONDS = 2.0
CONVENTION = (
    "Sharpe ratios in excess of the cash fund, annualised with sqrt(252); the DSR "
    "and PBO treat every point of the study as one trial of the rotation"
)


# -- identities ---------------------------------------------------------------------------


def _digest(document: Any) -> str:
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def labels_key(config: RunConfig, data_digest: str | None = None) -> str:
    """Hash of what the walk-forward labels depend on (see the module docstring).

    Examples
    --------
    >>> base = load_config()
    >>> labels_key(base) == labels_key(load_config(overrides=["costs.fee_bps=20"]))
    True
    >>> labels_key(base) == labels_key(load_config(overrides=["walk_forward.refit_every=63"]))
    False
    """
    resolved = config.to_dict()
    classifier = config.regimes.classifier
    return _digest(
        {
            "schema": STUDY_SCHEMA,
            "data_sha256": data_digest or data_sha256(config),
            "tickers": config.all_tickers(),
            "features": resolved["features"],
            "classifier": classifier,
            "params": resolved["regimes"]["params"].get(classifier, {}),
            "walk_forward": resolved["walk_forward"],
        }
    )


def point_id(config: RunConfig, data_digest: str | None = None) -> str:
    """Hash of a point's resolved config and its data's identity: its file name in ``points/``."""
    return _digest(
        {
            "schema": STUDY_SCHEMA,
            "config_sha256": config_sha256(config),
            "data_sha256": data_digest or data_sha256(config),
        }
    )


# -- the plan -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class StudyPoint:
    """One point of the grid.

    Attributes
    ----------
    index : int
        Position in grid order (the first ``--grid`` varies slowest).
    values : dict
        Grid key -> the value as resolved in the config.
    overrides : tuple of str
        The ``KEY=VALUE`` overrides of this point (after the base ``--set``).
    config : RunConfig
    point_id, labels_key : str
    """

    index: int
    values: dict
    overrides: tuple[str, ...]
    config: RunConfig
    point_id: str
    labels_key: str


@dataclasses.dataclass(frozen=True)
class StudyPlan:
    """A validated study: the base config, the axes and every point."""

    config_path: str | None
    base_overrides: tuple[str, ...]
    axes: tuple[GridAxis, ...]
    base: RunConfig
    points: tuple[StudyPoint, ...]

    @property
    def keys(self) -> list[str]:
        return [axis.key for axis in self.axes]

    @property
    def rotation(self) -> str | None:
        """The strategy the DSR and PBO are about: the first ``regime_rotation``."""
        return next(
            (
                name
                for name, table in self.base.strategies.items()
                if table["kind"] == "regime_rotation"
            ),
            None,
        )

    def grid(self) -> dict[str, list]:
        """Grid key -> resolved values, in the order given."""
        grid = {}
        for key in self.keys:
            unique = {json.dumps(p.values[key], sort_keys=True): p.values[key] for p in self.points}
            grid[key] = list(unique.values())
        return grid


def plan_study(
    config_path: str | Path | None,
    overrides: Sequence[str],
    grid: Sequence[str] | Sequence[GridAxis],
) -> StudyPlan:
    """Validate a study and resolve every point's config (cheap: no data is read).

    Parameters
    ----------
    config_path : path, optional
        The base config (None: the built-in default).
    overrides : sequence of str
        Base ``--set KEY=VALUE`` overrides, applied before the grid's.
    grid : sequence of str or GridAxis
        ``KEY=V1,V2,...`` items (or parsed axes).

    Returns
    -------
    StudyPlan

    Raises
    ------
    ConfigError
        A bad ``--grid``, a bad base config, an unknown grid key (with "did
        you mean"), a bad value, a key that ``--set`` sets too, or two points
        with the same resolved config.

    Examples
    --------
    >>> plan = plan_study(None, [], ["costs.fee_bps=0,10", "rebalance.frequency=monthly,weekly"])
    >>> [p.values for p in plan.points][:2]
    [{'costs.fee_bps': 0.0, 'rebalance.frequency': 'monthly'}, {'costs.fee_bps': 0.0, \
'rebalance.frequency': 'weekly'}]
    """
    axes = (
        tuple(cast("Sequence[GridAxis]", grid))
        if grid and isinstance(grid[0], GridAxis)
        else parse_grid(cast("Sequence[str]", grid))
    )
    base = load_config(config_path, overrides)
    set_keys = {text.partition("=")[0].strip() for text in overrides}
    for axis in axes:
        clash = next(
            (
                k
                for k in set_keys
                if k == axis.key or k.startswith(axis.key + ".") or axis.key.startswith(k + ".")
            ),
            None,
        )
        if clash is not None:
            raise ConfigError(
                f"--grid {axis.key} and --set {clash} both set it; keep one.", axis.key
            )
    data_digests: dict[str, str] = {}
    points, seen = [], {}
    for index, texts in enumerate(itertools.product(*(axis.texts for axis in axes))):
        extra = tuple(f"{axis.key}={text}" for axis, text in zip(axes, texts, strict=True))
        typed = {axis.key: text for axis, text in zip(axes, texts, strict=True)}
        try:
            config = load_config(config_path, [*overrides, *extra])
        except ConfigError as error:
            raise _grid_error(error, extra, typed) from None
        values = {key: _resolved(config, key, text) for key, text in typed.items()}
        data_table = tomli_w.dumps(
            {k: v for k, v in config.to_dict().items() if k in ("data", "universe", "series")}
        )
        if data_table not in data_digests:
            data_digests[data_table] = data_sha256(config)
        digest = data_digests[data_table]
        identity = point_id(config, digest)
        if identity in seen:
            first = points[seen[identity]]
            raise ConfigError(
                f"--grid: points {first.index} ({_describe(first.values)}) and {index} "
                f"({_describe(values)}) resolve to the same config; list each value once.",
                "--grid",
            )
        seen[identity] = len(points)
        points.append(
            StudyPoint(index, values, extra, config, identity, labels_key(config, digest))
        )
    return StudyPlan(
        None if config_path is None else str(config_path),
        tuple(overrides),
        axes,
        base,
        tuple(points),
    )


def _describe(values: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in values.items())


# -- the worker side: plain functions of a config; they never touch the study directory ----

#: Raw data already loaded by this process (a worker keeps the last few).
_MARKETS: dict[str, Any] = {}
_MARKETS_KEPT = 2


@contextlib.contextmanager
def _worker_settings() -> Iterator[None]:
    """No progress bars inside a task, and one BLAS thread (same numbers on every executor)."""
    from threadpoolctl import threadpool_limits

    previous = os.environ.get(NO_PROGRESS_ENV)
    os.environ[NO_PROGRESS_ENV] = "1"
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        if previous is None:
            os.environ.pop(NO_PROGRESS_ENV, None)
        else:
            os.environ[NO_PROGRESS_ENV] = previous


def _market_key(config: RunConfig) -> str:
    from backtests.runner import run_series

    resolved = config.to_dict()
    return _digest(
        {
            "tables": {k: resolved[k] for k in ("data", "universe", "series")},
            "tickers": config.all_tickers(),
            "series_ids": run_series(config),
            "history_start": config.features.history_start,
        }
    )


def _market(config: RunConfig, cache_mode: str):
    from backtests.runner import load_market

    key = f"{_market_key(config)}-{cache_mode}"
    if key not in _MARKETS:
        market = load_market(config, cache_mode)
        while len(_MARKETS) >= _MARKETS_KEPT:
            _MARKETS.pop(next(iter(_MARKETS)))
        _MARKETS[key] = market
    return _MARKETS[key]


def compute_labels(config: RunConfig, cache_mode: str = "use") -> dict:
    """Walk-forward labels on the whole history (a worker task).

    Returns
    -------
    dict
        ``{"labels": DataFrame of shape (n_history, 2)}`` (``regime``,
        ``p_scarce``), or ``{"error": message}`` for bad data or config.
    """
    with _worker_settings():
        from backtests.runner import load_inputs, make_estimator, walk_forward_history

        try:
            inputs = load_inputs(config, _market(config, cache_mode))
            estimator = make_estimator(config, signs=inputs.feature_signs)
            return {"labels": walk_forward_history(config, inputs, estimator)}
        except (ConfigError, DataError) as error:
            return {"error": str(error)}


def run_point(
    config: RunConfig, cache_mode: str = "use", labels: pd.DataFrame | None = None
) -> dict:
    """One point: a full run on precomputed labels (a worker task).

    Returns
    -------
    dict
        The point record (see :func:`_point_record`), or ``{"error": message}``
        for bad data or config.
    """
    with _worker_settings():
        from backtests.runner import run

        started = time.perf_counter()
        try:
            result = run(config, _market(config, cache_mode), labels)
        except (ConfigError, DataError) as error:
            return {"error": str(error)}
        return _point_record(result, time.perf_counter() - started)


def _point_record(result, seconds: float) -> dict:
    metrics = result.metrics
    rotation = next(
        (
            name
            for name, table in result.config.strategies.items()
            if table["kind"] == "regime_rotation"
        ),
        None,
    )
    record: dict[str, Any] = {
        "run": {k: metrics["run"][k] for k in ("start", "end", "n_days")},
        "strategies": {
            name: {m: entry["overall"][m] for m in HEADLINE_METRICS}
            for name, entry in metrics["strategies"].items()
        },
        "roles": {name: entry["role"] for name, entry in metrics["strategies"].items()},
        "rotation": rotation,
        "rotation_excess": None,
        "seconds": round(seconds, 3),
    }
    if rotation is not None:
        # As metrics.json `significance`: excess of the cash fund, the start day dropped.
        excess = (result.returns[rotation] - result.cash_returns).iloc[1:]
        record["rotation_excess"] = {
            "dates": excess.index.strftime("%Y-%m-%d").tolist(),
            "values": excess.to_numpy(dtype=float).tolist(),
        }
    return record


# -- this process: the study directory ------------------------------------------------------


def _point_file(out: Path, point: StudyPoint) -> Path:
    return out / POINTS / f"{point.point_id}.json"


def _labels_file(out: Path, key: str) -> Path:
    return out / LABELS / f"{key}.parquet"


def _read_point(out: Path, point: StudyPoint) -> dict | None:
    """The finished point's record, or None when absent or unreadable (then it reruns)."""
    try:
        document = json.loads(_point_file(out, point).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict) or document.get("point_id") != point.point_id:
        return None
    return document


def read_labels(path: Path) -> pd.DataFrame | None:
    """Cached walk-forward labels as :func:`compute_labels` made them (None when unreadable)."""
    try:
        labels = pd.read_parquet(path)
    except Exception:  # noqa: BLE001 - missing, torn or foreign (pyarrow has its own errors)
        return None
    if list(labels.columns) != ["regime", "p_scarce"]:
        return None
    labels["regime"] = labels["regime"].astype(object)  # parquet gives strings back as str
    return labels


def _write_labels(path: Path, labels: pd.DataFrame) -> None:
    with atomic_path(path) as temporary:
        labels.to_parquet(temporary)


def prepare_directory(out: str | os.PathLike[str]) -> Path:
    """Check ``--out`` before any work: a new, empty or study directory that can be written.

    Raises
    ------
    OutputPathError
        A file, an unwritable location, or a non-empty directory that is not a study
        (it has no ``points/``).
    """
    target = check_output_directory(out, "--out")
    if target.is_dir() and any(target.iterdir()) and not (target / POINTS).is_dir():
        raise OutputPathError(
            f"--out {out} is a non-empty directory that is not a study (no {POINTS}/ inside). "
            "Give a new or empty directory, or the directory of the study to resume."
        )
    return target


def pending_points(plan: StudyPlan, out: Path) -> list[StudyPoint]:
    """The points without a finished file under ``out/points``, in grid order."""
    return [point for point in plan.points if _read_point(Path(out), point) is None]


@dataclasses.dataclass(frozen=True)
class PointDone:
    """A point finished (or failed) during :func:`execute_points`."""

    index: int
    error: str | None
    seconds: float | None


def execute_points(
    plan: StudyPlan, out: Path, executor, points: Iterable[StudyPoint], cache_mode: str = "use"
) -> Iterator[PointDone]:
    """Run ``points`` on ``executor``; write each point's file as it arrives.

    Labels are computed once per :func:`labels_key` missing from
    ``out/regimes``, written there, read back, and passed to every point
    that needs them (so every point runs on the same bytes, whether they
    were computed now or in an earlier, interrupted run).

    Yields
    ------
    PointDone
        One per point, in completion order. A point that failed with bad
        data or config has ``error`` set and no file (so a resume retries it).
    """
    out, points = Path(out), list(points)
    (out / POINTS).mkdir(parents=True, exist_ok=True)
    groups: dict[str, list[StudyPoint]] = {}
    for point in points:
        groups.setdefault(point.labels_key, []).append(point)
    if cache_mode == "refresh" and groups:
        # Download each data set once, here, rather than once per worker.
        from backtests.runner import load_market

        for config in {_market_key(p.config): p.config for p in points}.values():
            load_market(config, "refresh")
        cache_mode = "use"
    tasks: dict[Any, tuple[str, Any]] = {}
    ready: list[tuple[StudyPoint, pd.DataFrame]] = []
    for key, members in groups.items():
        labels = read_labels(_labels_file(out, key))
        if labels is None:
            future = executor.submit(compute_labels, members[0].config, cache_mode)
            tasks[future] = ("labels", key)
        else:
            ready.extend((point, labels) for point in members)
    for point, labels in ready:
        tasks[executor.submit(run_point, point.config, cache_mode, labels)] = ("point", point)
    while tasks:
        done, _ = executor.wait(list(tasks), timeout=POLL_SECONDS)
        for future in sorted(done, key=lambda f: _task_order(tasks[f])):
            kind, subject = tasks.pop(future)
            outcome = future.result()
            if kind == "labels":
                if "error" in outcome:
                    for point in groups[subject]:
                        yield PointDone(point.index, outcome["error"], None)
                    continue
                path = _labels_file(out, subject)
                _write_labels(path, outcome["labels"])
                labels = read_labels(path)
                for point in groups[subject]:
                    tasks[executor.submit(run_point, point.config, cache_mode, labels)] = (
                        "point",
                        point,
                    )
                continue
            if "error" in outcome:
                yield PointDone(subject.index, outcome["error"], None)
                continue
            document = {
                "schema": STUDY_SCHEMA,
                "point_id": subject.point_id,
                "labels_key": subject.labels_key,
                "values": subject.values,
                "overrides": list(subject.overrides),
                **outcome,
            }
            atomic_write_text(_point_file(out, subject), metrics_json(document))
            yield PointDone(subject.index, None, outcome.get("seconds"))


def _task_order(task: tuple[str, Any]) -> tuple[int, str]:
    kind, subject = task
    return (0, subject) if kind == "labels" else (1, f"{subject.index:09d}")


# -- assembly -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class StudyOutcome:
    """What :func:`assemble_study` wrote.

    Attributes
    ----------
    table : DataFrame of shape (n_points, n_columns)
        ``study.csv``.
    summary : dict
        ``study.json``.
    failed : dict of int to str
        Point index -> error, for points without a result.
    """

    table: pd.DataFrame
    summary: dict
    failed: dict


def _key_column(values: list) -> list:
    """One type per column: bools, ints, floats or strings (lists and tables as JSON text)."""
    present = [v for v in values if v is not None]
    if all(isinstance(v, bool) for v in present):
        return values
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return values if all(isinstance(v, int) for v in present) else [float(v) for v in values]
    return [v if isinstance(v, str) else json.dumps(v, sort_keys=True) for v in values]


def study_table(plan: StudyPlan, records: dict[int, dict], failed: dict[int, str]) -> pd.DataFrame:
    """One row per point in grid order: ``point``, ``point_id``, the keys, metrics, ``error``."""
    strategies: list[str] = []
    for record in records.values():
        strategies += [s for s in record["strategies"] if s not in strategies]
    columns: dict[str, list] = {
        "point": [p.index for p in plan.points],
        "point_id": [p.point_id for p in plan.points],
    }
    for key in plan.keys:
        columns[key] = _key_column([p.values[key] for p in plan.points])
    for strategy in strategies:
        for metric in HEADLINE_METRICS:
            columns[f"{strategy}.{metric}"] = [
                _number(
                    records.get(p.index, {}).get("strategies", {}).get(strategy, {}).get(metric)
                )
                for p in plan.points
            ]
    columns["error"] = [failed.get(p.index, "") for p in plan.points]
    return pd.DataFrame(columns)


def _number(value: Any) -> float:
    return float("nan") if value is None else float(value)


def _significance(plan: StudyPlan, records: dict[int, dict]) -> dict:
    """DSR of the best point's rotation against all points as trials, and the PBO (CSCV)."""
    from backtests.significance import (
        deflated_sharpe_ratio,
        probability_of_backtest_overfitting,
        sharpe_per_period,
    )

    series = {
        index: record["rotation_excess"]
        for index, record in sorted(records.items())
        if record.get("rotation_excess")
    }
    section: dict[str, Any] = {
        "strategy": plan.rotation,
        "n_trials": len(series),
        "best": None,
        "deflated_sharpe": None,
        "pbo": None,
    }
    if not series:
        return section
    arrays = {
        i: np.array([np.nan if v is None else v for v in s["values"]], dtype=float)
        for i, s in series.items()
    }
    per_period = {i: sharpe_per_period(a) for i, a in arrays.items()}
    finite = {i: s for i, s in per_period.items() if np.isfinite(s)}
    if finite:
        best = max(finite, key=lambda i: (finite[i], -i))
        section["best"] = {
            "point": best,
            "values": plan.points[best].values,
            "sharpe": float(finite[best] * math.sqrt(PERIODS_PER_YEAR)),
        }
        trials = np.array([per_period[i] for i in sorted(per_period)], dtype=float)
        section["deflated_sharpe"] = deflated_sharpe_ratio(arrays[best], trials)
    common = set(series[next(iter(series))]["dates"])
    for entry in series.values():
        common &= set(entry["dates"])
    matrix = np.column_stack(
        [arrays[i][np.isin(np.array(series[i]["dates"]), sorted(common))] for i in series]
    )
    splits = plan.base.analysis.pbo_splits
    section["pbo"] = {
        **probability_of_backtest_overfitting(matrix, splits),
        "n_splits": splits,
        "n_days": int(matrix.shape[0]),
    }
    return section


def assemble_study(
    plan: StudyPlan, out: Path, failed: dict[int, str] | None = None
) -> StudyOutcome:
    """Read every point file in grid order; write study.parquet, study.csv and study.json.

    Parameters
    ----------
    plan : StudyPlan
    out : Path
    failed : dict of int to str, optional
        Errors of points that failed in this run (their rows say why).
    """
    from backtests.artifacts import write_csv

    out = Path(out)
    records, errors = {}, dict(failed or {})
    for point in plan.points:
        record = _read_point(out, point)
        if record is None:
            errors.setdefault(point.index, "not run yet")
        else:
            records[point.index] = record
            errors.pop(point.index, None)
    table = study_table(plan, records, errors)
    with atomic_path(out / "study.parquet") as temporary:
        table.to_parquet(temporary, index=False)
    write_csv(table.set_index("point"), out / "study.csv")
    summary = {
        "schema": STUDY_SCHEMA,
        "name": plan.base.name,
        "config": plan.config_path or "<built-in default config>",
        "set": list(plan.base_overrides),
        "grid": plan.grid(),
        "n_points": len(plan.points),
        "n_failed": len(errors),
        "label_sets": len({p.labels_key for p in plan.points}),
        "metrics": list(HEADLINE_METRICS),
        "convention": CONVENTION,
        "rotation": _significance(plan, records),
        "failed": {str(k): v for k, v in sorted(errors.items())},
    }
    atomic_write_text(out / "study.json", metrics_json(json_ready(summary)))
    return StudyOutcome(table=table, summary=summary, failed=errors)


def run_study(
    plan: StudyPlan,
    out: str | os.PathLike[str],
    executor,
    cache_mode: str = "use",
    progress: Callable[[Iterator[PointDone], int], Iterable[PointDone]] | None = None,
) -> StudyOutcome:
    """Run the points without a file under ``out``, then assemble the study.

    Parameters
    ----------
    plan : StudyPlan
        From :func:`plan_study`.
    out : path-like
        The study directory (created; resumed when it holds ``points/``).
    executor : backtests.executors.Executor
    cache_mode : {"use", "offline", "refresh"}
    progress : callable, optional
        ``progress(events, n_pending)`` wraps the stream of :class:`PointDone`
        (a bar, or log lines); it must yield every event.

    Returns
    -------
    StudyOutcome

    Examples
    --------
    >>> from backtests.executors import InlineExecutor
    >>> plan = plan_study(None, ["data.end=2008-12-31"], ["costs.fee_bps=0,20"])
    >>> run_study(plan, "runs/fees", InlineExecutor())  # doctest: +SKIP
    """
    target = prepare_directory(out)
    todo = pending_points(plan, target)
    events = execute_points(plan, target, executor, todo, cache_mode)
    failed: dict[int, str] = {}
    for event in progress(events, len(todo)) if progress else events:
        if event.error is not None:
            failed[event.index] = event.error
    return assemble_study(plan, target, failed)
