"""Pure data preparation for the research parts of the dashboard.

Turns the research blocks of ``metrics.json`` (``placebos``, ``sweep``,
``walk_forward``, ``significance``, ``regimes``) and their CSV tables
(``sweep.csv``, ``placebos.csv``, ``event_study.csv``) into frames that the
charts and tables draw directly. Every function returns new objects and
leaves its inputs unchanged.

Examples
--------
>>> table = pd.DataFrame({"regimes": ["a=1,b=5", "a=2,b=5", "a=1,b=9", "a=2,b=9"],
...                       "fee_bps": [5.0] * 4, "sharpe": [0.1, 0.2, 0.3, 0.4]})
>>> heatmap = sweep_heatmap_data(table)
>>> heatmap.rows, heatmap.columns, heatmap.aggregated
('a', 'b', ())
>>> heatmap.values.to_numpy().tolist()
[[0.1, 0.3], [0.2, 0.4]]
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

__all__ = [
    "OUTSIDE",
    "SWEEP_METRIC_COLUMNS",
    "SweepHeatmap",
    "classifier_params_frames",
    "compared_strategy",
    "episode_frame",
    "expand_sweep_params",
    "null_frame",
    "placebo_median_long_frame",
    "significance_frame",
    "sweep_heatmap_data",
    "thin_rows",
    "walk_forward_frame",
]

#: How an episode with no labelled day is shown (instead of "0 days").
OUTSIDE = "outside this run"
#: Columns of ``sweep.csv`` that are results, not parameters (plus the ``combo`` id).
SWEEP_METRIC_COLUMNS: tuple[str, ...] = (
    "combo",
    "final_value",
    "cagr",
    "sharpe",
    "max_drawdown",
    "turnover",
    "n_fills",
)
_KEY_VALUE = re.compile(r"^[A-Za-z_][\w.]*=[^,]*(,[A-Za-z_][\w.]*=[^,]*)*$")


def compared_strategy(metrics: Mapping[str, Any]) -> str | None:
    """The strategy the honesty checks are about (the regime rotation).

    Parameters
    ----------
    metrics : mapping
        Parsed ``metrics.json``.

    Returns
    -------
    str or None
        ``placebos.compared_strategy``, else ``sweep.strategy``, else the
        first strategy of kind ``regime_rotation``, else the first with role
        ``strategy``; ``None`` if there is none.
    """
    strategies = metrics.get("strategies") or {}
    for candidate in (
        (metrics.get("placebos") or {}).get("compared_strategy"),
        (metrics.get("sweep") or {}).get("strategy"),
    ):
        if candidate and candidate in strategies:
            return str(candidate)
    for kind_or_role, value in (("kind", "regime_rotation"), ("role", "strategy")):
        for name, entry in strategies.items():
            if (entry or {}).get(kind_or_role) == value:
                return str(name)
    return None


def thin_rows(
    frame: pd.DataFrame | pd.Series, max_points: int = 1500, how: str = "last"
) -> pd.DataFrame | pd.Series:
    """At most about ``max_points`` rows for plotting a long daily series.

    Rows are cut into ``ceil(n / max_points)``-row buckets. ``how="last"``
    keeps each bucket's last row (every k-th point, closes); ``"min"`` keeps
    each bucket's minimum per column, so drawdown troughs survive. The very
    first and last rows are always kept.

    Parameters
    ----------
    frame : DataFrame or Series of shape (n_dates, ...)
    max_points : int, default 1500
    how : {"last", "min"}

    Returns
    -------
    DataFrame or Series
        The input's type; unchanged (a copy) if already short enough.
    """
    if max_points < 2:
        raise ValueError(f"max_points must be >= 2, got {max_points}")
    if how not in ("last", "min"):
        raise ValueError(f"how must be 'last' or 'min', got {how!r}")
    n = len(frame)
    if n <= max_points:
        return frame.copy()
    step = int(np.ceil(n / (max_points - 1)))
    bucket = np.arange(n) // step
    if how == "last":
        keep = np.flatnonzero(np.r_[bucket[1:] != bucket[:-1], True])
        keep = np.unique(np.r_[0, keep])
        return frame.iloc[keep].copy()
    last = np.flatnonzero(np.r_[bucket[1:] != bucket[:-1], True])
    thinned = frame.groupby(bucket).min()
    thinned.index = frame.index[last]
    return pd.concat([frame.iloc[:1], thinned])


def placebo_median_long_frame(
    placebos: Mapping[str, Any] | None, distribution: pd.DataFrame | None
) -> pd.DataFrame:
    """Rows for the comparison table: the median of each random-regime distribution.

    Parameters
    ----------
    placebos : mapping or None
        metrics.json ``placebos``; its ``random_regimes`` maps a strategy to
        ``n_paths`` and the Sharpe/CAGR quantiles (``q50`` is the median).
    distribution : DataFrame or None
        ``placebos.csv``: one row per (``strategy``, ``path``) with kernel
        metrics (``cagr``, ``sharpe``, ``max_drawdown``, ``turnover``...).
        Its per-strategy medians fill the columns the quantiles do not.

    Returns
    -------
    DataFrame
        In :func:`reports.tables.metrics_long_frame`'s format, scope
        ``overall``, role ``placebo``, strategy
        ``"<name> (median of <n> paths)"``; empty if there is no distribution.
    """
    rows: list[tuple[str, str, str, str, str, float]] = []
    blocks = (placebos or {}).get("random_regimes") or {}
    for name, block in blocks.items():
        n_paths = block.get("n_paths")
        label = f"{name} (median of {n_paths} paths)" if n_paths else f"{name} (median)"
        values: dict[str, float] = {}
        if distribution is not None and "strategy" in distribution.columns:
            paths = distribution[distribution["strategy"] == name]
            for metric in ("cagr", "sharpe", "max_drawdown", "turnover"):
                if metric in paths.columns and paths[metric].notna().any():
                    values[metric] = float(paths[metric].median())
        for metric in ("sharpe", "cagr"):
            median = (block.get(metric) or {}).get("q50")
            if median is not None:
                values[metric] = float(median)
        for metric, value in values.items():
            rows.append((label, "placebo", "random_regimes distribution", "overall", metric, value))
    frame = pd.DataFrame(rows, columns=["strategy", "role", "kind", "scope", "metric", "value"])
    frame["value"] = frame["value"].astype(float)
    return frame


def expand_sweep_params(table: pd.DataFrame) -> pd.DataFrame:
    """The parameter columns of ``sweep.csv``, with ``k=v,k=v`` columns split out.

    Parameters
    ----------
    table : DataFrame
        ``sweep.csv``: one row per combination; columns other than
        :data:`SWEEP_METRIC_COLUMNS` are parameters. A string column whose
        every value reads ``name=value,name=value`` (the ``regimes`` column,
        which encodes the classifier grid) becomes one column per name, with
        numbers parsed where they parse.

    Returns
    -------
    DataFrame of shape (n_combos, n_params)
        In grid order, on ``table``'s index.
    """
    columns: dict[str, pd.Series] = {}
    for column in table.columns:
        if column in SWEEP_METRIC_COLUMNS:
            continue
        values = table[column]
        texts = values.astype(str)
        textual = values.dtype == object or pd.api.types.is_string_dtype(values)
        # casts: pandas-stubs' map passes str | NA, and the textual values are strings
        if (
            textual
            and len(texts)
            and texts.map(lambda t: bool(_KEY_VALUE.match(cast(str, t)))).all()
        ):
            pairs = texts.map(lambda t: dict(p.split("=", 1) for p in cast(str, t).split(",")))
            for key in dict.fromkeys(k for d in pairs for k in d):
                raw = pairs.map(lambda d, k=key: cast(dict, d).get(k))
                parsed = pd.to_numeric(raw, errors="coerce")
                columns[key] = parsed if parsed.notna().all() else raw
            continue
        columns[str(column)] = values
    return pd.DataFrame(columns, index=table.index)


@dataclass(frozen=True)
class SweepHeatmap:
    """A two-parameter view of a sweep.

    Attributes
    ----------
    values : DataFrame of shape (n_row_values, n_column_values)
        The metric's median over the other parameters, per cell.
    rows, columns : str or None
        Parameter on each axis (``columns`` is ``None`` for a one-parameter grid).
    aggregated : tuple of str
        Parameters with more than one value that were aggregated by median.
    metric : str
    n_trials : int
    """

    values: pd.DataFrame
    rows: str | None
    columns: str | None
    aggregated: tuple[str, ...]
    metric: str
    n_trials: int


def sweep_heatmap_data(table: pd.DataFrame, metric: str = "sharpe") -> SweepHeatmap:
    """Pick the two grid parameters with the most values; median the metric over the rest.

    Parameters
    ----------
    table : DataFrame
        ``sweep.csv``.
    metric : str, default "sharpe"

    Returns
    -------
    SweepHeatmap
        Ties in the number of values go to the parameter earlier in the grid
        order. Parameters with a single value are neither axes nor counted as
        aggregated. With no varying parameter, ``values`` is empty.
    """
    params = expand_sweep_params(table)
    counts = {c: int(params[c].nunique(dropna=False)) for c in params.columns}
    varying = [c for c in params.columns if counts[c] > 1]
    ranked = sorted(varying, key=lambda c: (-counts[c], varying.index(c)))
    axes = ranked[:2]
    aggregated = tuple(c for c in varying if c not in axes)
    n_trials = len(table)
    if not axes or metric not in table.columns:
        return SweepHeatmap(pd.DataFrame(), None, None, aggregated, metric, n_trials)
    data = params[axes].assign(__value=pd.to_numeric(table[metric], errors="coerce"))
    if len(axes) == 1:
        values = data.groupby(axes[0], sort=True)["__value"].median().to_frame(metric)
        return SweepHeatmap(values, axes[0], None, aggregated, metric, n_trials)
    values = data.pivot_table(
        index=axes[0], columns=axes[1], values="__value", aggfunc="median", sort=True
    )
    values.columns.name = axes[1]
    return SweepHeatmap(values.astype(float), axes[0], axes[1], aggregated, metric, n_trials)


def walk_forward_frame(walk_forward: Mapping[str, Any] | None) -> pd.DataFrame:
    """One row per walk-forward fold.

    Parameters
    ----------
    walk_forward : mapping or None
        metrics.json ``walk_forward`` (``folds`` list).

    Returns
    -------
    DataFrame of shape (n_folds, 5)
        Columns ``test_start``, ``test_end``, ``in_sample_sharpe``,
        ``out_of_sample_sharpe`` and ``chosen`` (the parameters picked on the
        training window, as ``k=v; k=v`` text); index ``fold`` from 1.
    """
    columns = ["test_start", "test_end", "in_sample_sharpe", "out_of_sample_sharpe", "chosen"]
    folds = (walk_forward or {}).get("folds") or []
    rows = []
    for fold in folds:
        test = list(fold.get("test") or [None, None]) + [None, None]
        chosen = fold.get("chosen") or {}
        rows.append(
            {
                "test_start": test[0],
                "test_end": test[1],
                "in_sample_sharpe": fold.get("in_sample_sharpe"),
                "out_of_sample_sharpe": fold.get("out_of_sample_sharpe"),
                "chosen": "; ".join(f"{k}={v}" for k, v in chosen.items()),
            }
        )
    frame = pd.DataFrame(rows, columns=columns)
    for column in ("in_sample_sharpe", "out_of_sample_sharpe"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="fold")
    return frame


def significance_frame(
    significance: Mapping[str, Any] | None, order: Sequence[str] | None = None
) -> pd.DataFrame:
    """Bootstrap CIs and PSR per strategy, for the honesty table.

    Parameters
    ----------
    significance : mapping or None
        metrics.json ``significance``.
    order : sequence of str, optional
        Row order (e.g. the comparison table's); others follow.

    Returns
    -------
    DataFrame of shape (n_strategies, 10)
        Columns ``sharpe``, ``sharpe_low``, ``sharpe_high``, ``p_sharpe_le_0``,
        ``diff_vs_benchmark``, ``diff_low``, ``diff_high``, ``psr``, and for
        the swept strategy ``dsr`` (against zero) and ``pbo`` (NaN elsewhere).
    """
    strategies = (significance or {}).get("strategies") or {}
    rows = {}
    for name, entry in strategies.items():
        ci = entry.get("sharpe_ci") or {}
        diff = entry.get("sharpe_difference_vs_benchmark") or {}
        rows[name] = {
            "sharpe": ci.get("estimate"),
            "sharpe_low": ci.get("low"),
            "sharpe_high": ci.get("high"),
            "p_sharpe_le_0": ci.get("p_value_le_0"),
            "diff_vs_benchmark": diff.get("estimate"),
            "diff_low": diff.get("low"),
            "diff_high": diff.get("high"),
            "psr": entry.get("psr"),
            "dsr": (entry.get("deflated") or {}).get("dsr"),
            "pbo": (entry.get("pbo") or {}).get("pbo"),
        }
    columns = [
        "sharpe",
        "sharpe_low",
        "sharpe_high",
        "p_sharpe_le_0",
        "diff_vs_benchmark",
        "diff_low",
        "diff_high",
        "psr",
        "dsr",
        "pbo",
    ]
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=columns)
    if order is not None:
        ranked = [n for n in order if n in frame.index]
        frame = frame.reindex(ranked + [n for n in frame.index if n not in ranked])
    frame.index.name = "strategy"
    return frame.apply(pd.to_numeric, errors="coerce").astype(float)


def null_frame(significance: Mapping[str, Any] | None) -> pd.DataFrame:
    """The no-timing-skill null: the rotation against each of its no-timing benchmarks.

    Parameters
    ----------
    significance : mapping or None
        metrics.json ``significance`` (its ``null`` block).

    Returns
    -------
    DataFrame of shape (n_benchmarks, 10)
        Index the benchmark's role (``basket_blend`` first, then
        ``best_basket``); columns ``name`` and the paired test's numbers:
        ``estimate``, ``low``, ``high``, ``p_value_le_0`` (the Sharpe
        difference), ``active_sharpe``, ``active_psr``, and of the deflated
        active Sharpe ``dsr``, ``n_trials``, ``expected_max_sharpe``. Empty
        without a null.

    Examples
    --------
    >>> null_frame({"null": {"strategy": "r", "benchmarks": {"best_basket": {
    ...     "name": "cf", "sharpe_difference": {"estimate": 0.1, "low": -0.2, "high": 0.4},
    ...     "active_sharpe": 0.2}}}}).loc["best_basket", "estimate"]
    np.float64(0.1)
    """
    columns = [
        "name",
        "estimate",
        "low",
        "high",
        "p_value_le_0",
        "active_sharpe",
        "active_psr",
        "dsr",
        "n_trials",
        "expected_max_sharpe",
    ]
    benchmarks = ((significance or {}).get("null") or {}).get("benchmarks") or {}
    order = [r for r in ("basket_blend", "best_basket") if r in benchmarks]
    order += [r for r in benchmarks if r not in order]
    rows = {}
    for role in order:
        entry = benchmarks[role] or {}
        difference = entry.get("sharpe_difference") or {}
        deflated = entry.get("active_deflated") or {}
        rows[role] = {
            "name": str(entry.get("name") or role),
            **{k: difference.get(k) for k in ("estimate", "low", "high", "p_value_le_0")},
            "active_sharpe": entry.get("active_sharpe"),
            "active_psr": entry.get("active_psr"),
            **{k: deflated.get(k) for k in ("dsr", "n_trials", "expected_max_sharpe")},
        }
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=columns)
    for column in columns[1:]:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    frame.index.name = "benchmark"
    return frame


def classifier_params_frames(params: Any) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Classifier parameters as a scalar table and one small table per mapping.

    Parameters
    ----------
    params : mapping or None
        ``regimes.params``, e.g. ``{"enter_threshold": 0.5, "weights": {"vix": -1.0}}``.

    Returns
    -------
    scalars : DataFrame of shape (n_scalars, 1)
        Index the parameter name, column ``value`` (lists joined by ", ").
    mappings : dict of str to DataFrame
        For each mapping-valued parameter (``weights``): index the key,
        column ``value``, in the given order.
    """
    scalars: dict[str, Any] = {}
    mappings: dict[str, pd.DataFrame] = {}
    for key, value in (params or {}).items() if isinstance(params, Mapping) else ():
        if isinstance(value, Mapping):
            mappings[str(key)] = pd.DataFrame(
                {"value": list(value.values())}, index=pd.Index([str(k) for k in value], name=key)
            )
        elif isinstance(value, (list, tuple)):
            scalars[str(key)] = ", ".join(str(v) for v in value)
        else:
            scalars[str(key)] = value
    frame = pd.DataFrame({"value": pd.Series(scalars, dtype=object)})
    frame.index.name = "parameter"
    return frame, mappings


def _status(status: Any) -> str:
    """An episode's status as shown: ``""`` inside, ``"partly outside"``, or as given."""
    if status is None or (isinstance(status, float) and np.isnan(status)):
        return ""
    text = str(status)
    if text == "inside":
        return ""
    return "partly outside" if text.startswith("partly outside") else text


def episode_frame(evaluation: Any) -> pd.DataFrame:
    """The documented-episode check of a real-data run, one row per episode.

    Parameters
    ----------
    evaluation : mapping or None
        ``regimes.evaluation`` of a real-data run (or one classifier of
        ``evaluation.json``): ``{"episodes": [{"name", "start", "end",
        "expected", "n_days", "share_scarce", "share_expected", "status"}]}``;
        ``status`` is ``"outside this run"`` (``n_days`` null) or ``"partly
        outside"`` when the episode is not wholly in the labelled dates.

    Returns
    -------
    DataFrame
        Columns ``start``, ``end``, ``expected``, ``n_days``,
        ``share_scarce``, ``share_expected``, ``status`` (``"outside this
        run"``, also when no day of the episode is labelled; ``"partly
        outside"``; ``""`` when it is wholly inside) and ``agrees``
        (``True`` when most labelled days carry the expected regime,
        ``None`` outside the run), indexed by episode
        ``name``; empty without episodes.
    """
    columns = [
        "start",
        "end",
        "expected",
        "n_days",
        "share_scarce",
        "share_expected",
        "status",
        "agrees",
    ]
    episodes = (evaluation or {}).get("episodes") if isinstance(evaluation, Mapping) else None
    if not episodes:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame([dict(e) for e in episodes])
    frame = frame.set_index("name") if "name" in frame.columns else frame
    for column in ("share_scarce", "share_expected", "n_days"):
        frame[column] = pd.to_numeric(cast(pd.Series, frame.get(column)), errors="coerce").astype(
            float
        )
    status = frame.get("status", pd.Series(None, index=frame.index, dtype=object))
    outside = frame["share_expected"].isna() | ~(frame["n_days"].fillna(0) > 0)
    frame["status"] = [
        OUTSIDE if out else _status(s) for s, out in zip(status, outside, strict=True)
    ]
    frame["agrees"] = [
        None if out else bool(s > 0.5)
        for s, out in zip(frame["share_expected"], outside, strict=True)
    ]
    frame.index.name = "episode"
    return frame.reindex(columns=columns)
