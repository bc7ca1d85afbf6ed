"""Pure frames for the evidence sections: bounds, edge, feature availability, label stability.

Each function reads one block of ``metrics.json`` (schema 2) or of the
``regime-bt regimes`` ``evaluation.json`` and returns a new DataFrame (or a
dict of them); inputs are never modified and absent blocks give empty frames.

Examples
--------
>>> bounds = {"reference": "oracle", "delay_days": 3,
...           "tradable": {"walk_forward": True, "oracle": False, "oracle_delayed": False},
...           "paths": {"walk_forward": {"sharpe": 0.5}, "oracle": {"sharpe": 0.9},
...                     "oracle_delayed": {"sharpe": 0.7}},
...           "rivals": {"blend": {"sharpe": 0.6}}}
>>> bounds_frame(bounds)[["tradable", "sharpe"]].to_dict("index")["oracle"]
{'tradable': False, 'sharpe': 0.9}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .readings import stability_change, stability_flagged

__all__ = [
    "PATH_ORDER",
    "best_year_frame",
    "bounds_frame",
    "decomposition_frame",
    "edge_year_frame",
    "feature_frame",
    "leave_one_out_frame",
    "path_description",
    "reliability_frames",
    "stability_frame",
    "sub_period_frame",
]

#: Bound paths in reading order (those present are shown).
PATH_ORDER: tuple[str, ...] = (
    "walk_forward",
    "oracle",
    "oracle_delayed",
    "hindsight",
    "hindsight_delayed",
)
_METRICS = ("sharpe", "cagr", "max_drawdown")


def _float(value: Any) -> float:
    try:
        return float(value) if value is not None else np.nan
    except (TypeError, ValueError):
        return np.nan


def path_description(path: str, delay_days: Any = None) -> str:
    """What one bound path is, in a few words.

    Examples
    --------
    >>> path_description("oracle_delayed", 21)
    'true regimes, 21 trading days late (the detection delay)'
    """
    late = f"{delay_days} trading days late" if delay_days is not None else "late"
    return {
        "walk_forward": "the classifier's causal labels: what the backtest trades",
        "hindsight": "one fit on the whole sample: looks ahead",
        "oracle": "the true regimes (known only in the synthetic world)",
        "oracle_delayed": f"true regimes, {late} (the detection delay)",
        "hindsight_delayed": f"hindsight labels, {late} (the walk-forward lag)",
    }.get(path, path.replace("_", " "))


def bounds_frame(bounds: Mapping[str, Any] | None) -> pd.DataFrame:
    """The rotation on every label path, then the no-timing rivals.

    Parameters
    ----------
    bounds : mapping or None
        metrics.json ``bounds``.

    Returns
    -------
    DataFrame
        Index the path or rival name; columns ``group`` (``"rotation"`` or
        ``"rival"``), ``description``, ``tradable`` (bool; rivals are
        tradable), ``sharpe``, ``cagr``, ``max_drawdown``. Paths follow
        :data:`PATH_ORDER`, unknown ones after; an unknown path without a
        ``tradable`` entry is taken as not tradable. Empty without bounds.
    """
    columns = ["group", "description", "tradable", *_METRICS]
    if not isinstance(bounds, Mapping) or not bounds.get("paths"):
        return pd.DataFrame(columns=columns)
    paths = bounds["paths"]
    tradable = bounds.get("tradable") or {}
    delay = bounds.get("delay_days")
    order = [p for p in PATH_ORDER if p in paths] + [p for p in paths if p not in PATH_ORDER]
    rows = {}
    for path in order:
        rows[path] = {
            "group": "rotation",
            "description": path_description(path, delay),
            "tradable": tradable.get(path) is True,
            **{m: _float((paths[path] or {}).get(m)) for m in _METRICS},
        }
    for name, values in (bounds.get("rivals") or {}).items():
        rows.setdefault(
            name,
            {
                "group": "rival",
                "description": "the baskets, no timing",
                "tradable": True,
                **{m: _float((values or {}).get(m)) for m in _METRICS},
            },
        )
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=columns)
    frame["tradable"] = frame["tradable"].astype(bool)
    frame.index.name = "path"
    return frame


def decomposition_frame(bounds: Mapping[str, Any] | None) -> pd.DataFrame:
    """The gap from the reference path to walk-forward, split into delay and misclassification.

    Returns
    -------
    DataFrame
        Index ``sharpe``, ``cagr`` (those decomposed); columns ``gap``,
        ``delay``, ``misclassification`` (``gap = delay + misclassification``).
    """
    columns = ["gap", "delay", "misclassification"]
    decomposition = (bounds or {}).get("decomposition") if isinstance(bounds, Mapping) else None
    rows = {
        metric: {k: _float((block or {}).get(k)) for k in columns}
        for metric, block in (decomposition or {}).items()
        if block
    }
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=columns).astype(float)
    frame.index.name = "metric"
    return frame


def edge_year_frame(edge: Mapping[str, Any] | None) -> pd.DataFrame:
    """The rotation's return per calendar year and its difference with each rival.

    Returns
    -------
    DataFrame
        Index ``year`` (str); columns ``days``, ``return`` and one column per
        rival (the rotation's compounded return that year minus the rival's).
    """
    by_year = (edge or {}).get("by_year") if isinstance(edge, Mapping) else None
    rivals = list((edge or {}).get("rivals") or []) if by_year else []
    rows = {}
    for year, block in (by_year or {}).items():
        difference = block.get("difference") or {}
        rows[str(year)] = {
            "days": _float(block.get("days")),
            "return": _float(block.get("return")),
            **{r: _float(difference.get(r)) for r in rivals},
        }
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=["days", "return", *rivals])
    frame.index.name = "year"
    return frame.astype(float)


def best_year_frame(edge: Mapping[str, Any] | None) -> pd.DataFrame:
    """Per rival: the rotation's best year against it, and the Sharpe ratios without that year.

    Returns
    -------
    DataFrame
        Index the rival; columns ``year``, ``difference_that_year``,
        ``sharpe_without_best_year`` (the rotation's),
        ``rival_sharpe_without_best_year`` and ``sharpe_difference``.
    """
    columns = [
        "year",
        "difference_that_year",
        "sharpe_without_best_year",
        "rival_sharpe_without_best_year",
        "sharpe_difference",
    ]
    best = (edge or {}).get("best_year") if isinstance(edge, Mapping) else None
    rows = {}
    for rival, block in (best or {}).items():
        if not block:
            rows[rival] = {"year": None, **{c: np.nan for c in columns[1:]}}
            continue
        rows[rival] = {"year": block.get("year"), **{c: _float(block.get(c)) for c in columns[1:]}}
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=columns)
    frame.index.name = "rival"
    return frame


def sub_period_frame(edge: Mapping[str, Any] | None) -> tuple[pd.DataFrame, dict[str, str]]:
    """Excess Sharpe and CAGR of the rotation and each rival over each sub-period.

    Returns
    -------
    frame : DataFrame
        Index the strategy (the rotation first); columns a MultiIndex
        ``(period, "sharpe" | "cagr")``.
    spans : dict of str to str
        Each period's ``start..end``.
    """
    periods = (edge or {}).get("sub_periods") if isinstance(edge, Mapping) else None
    rows: dict[str, dict] = {}
    spans: dict[str, str] = {}
    for period, block in (periods or {}).items():
        for name, values in (block or {}).items():
            rows.setdefault(name, {})
            for metric in ("sharpe", "cagr"):
                rows[name][(period, metric)] = _float((values or {}).get(metric))
            if period not in spans and values and values.get("start"):
                spans[period] = f"{values.get('start')}..{values.get('end')}"
    columns = pd.MultiIndex.from_tuples(
        [(p, m) for p in (periods or {}) for m in ("sharpe", "cagr")], names=["period", "metric"]
    )
    frame = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=columns).astype(float)
    frame.index.name = "strategy"
    return frame, spans


def feature_frame(
    regimes: Mapping[str, Any] | None, run: Mapping[str, Any] | None, late_years: float = 1.0
) -> pd.DataFrame:
    """When each classifier feature starts, its sign, and what a late start means.

    Parameters
    ----------
    regimes : mapping or None
        metrics.json ``regimes`` (its ``features``: ``{name: {first_date, sign}}``).
    run : mapping or None
        metrics.json ``run`` (its backtest ``start``).
    late_years : float, default 1.0
        A feature starting more than this many years after the earliest
        feature is marked.

    Returns
    -------
    DataFrame
        Index ``feature``; columns ``first_date``, ``sign`` (``"+"``,
        ``"-"`` or ``""``) and ``note``: ``"starts after the backtest
        start"`` (the backtest traded on labels made without it at first),
        ``"starts N.N years after the first feature"`` (the classifier was
        trained without it on that history), else ``""``. Ordered by first date.

    Examples
    --------
    >>> frame = feature_frame({"features": {"a": {"first_date": "1994-01-03", "sign": 1.0},
    ...                                     "b": {"first_date": "2004-01-02", "sign": -1.0},
    ...                                     "c": {"first_date": "2016-01-04", "sign": 1.0}}},
    ...                       {"start": "2007-06-01"})
    >>> frame["note"].tolist()
    ['', 'starts 10.0 years after the first feature', 'starts after the backtest start']
    """
    features = (regimes or {}).get("features") if isinstance(regimes, Mapping) else None
    start = str((run or {}).get("start") or "")
    rows = {}
    for name, block in (features or {}).items():
        first = str((block or {}).get("first_date") or "")
        sign = _float((block or {}).get("sign"))
        rows[str(name)] = {
            "first_date": first or None,
            "sign": "+" if sign > 0 else "-" if sign < 0 else "",
            "note": "",
        }
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=["first_date", "sign", "note"])
    frame.index.name = "feature"
    frame = frame.sort_values("first_date", kind="stable", na_position="last")
    dates = pd.to_datetime(frame["first_date"], format="%Y-%m-%d", errors="coerce")
    if dates.notna().any():
        years = (dates - dates.min()).dt.days / 365.25
        notes = []
        for first, late in zip(frame["first_date"], years, strict=True):
            if first and start and first > start:
                notes.append("starts after the backtest start")
            elif np.isfinite(late) and late > late_years:
                notes.append(f"starts {late:.1f} years after the first feature")
            else:
                notes.append("")
        frame["note"] = notes
    return frame


def stability_frame(stabilities: Mapping[str, Any]) -> pd.DataFrame:
    """Start-shift stability per classifier.

    Parameters
    ----------
    stabilities : mapping of str to mapping
        Classifier name to its ``stability`` block (:mod:`backtests.stability`):
        ``start_shift.<shift>`` with ``history_start``, ``agreement``,
        ``n_days`` (or ``available: false`` and a ``reason``);
        ``max_start_shift_change``; ``flagged``.

    Returns
    -------
    DataFrame
        Index ``classifier``; columns a MultiIndex: ``(shift, "agreement" |
        "history_start" | "n_days" | "reason")`` per shift in the order first
        seen, then ``("", "max_change")`` and ``("", "flagged")`` (see
        :func:`reports.readings.stability_change` and ``stability_flagged``).
    """
    shifts: list[str] = []
    for block in stabilities.values():
        for shift in (block or {}).get("start_shift") or {}:
            if shift not in shifts:
                shifts.append(shift)
    keys = [(s, k) for s in shifts for k in ("agreement", "history_start", "n_days", "reason")]
    keys += [("", "max_change"), ("", "flagged")]
    rows = {}
    for name, block in stabilities.items():
        starts = (block or {}).get("start_shift") or {}
        row: dict = {}
        for shift in shifts:
            values = starts.get(shift) or {}
            row[(shift, "agreement")] = _float(values.get("agreement"))
            row[(shift, "history_start")] = values.get("history_start")
            row[(shift, "n_days")] = _float(values.get("n_days"))
            row[(shift, "reason")] = values.get("reason") or (
                None if shift in starts else "not measured"
            )
        change = stability_change(block)
        row[("", "max_change")] = np.nan if change is None else change
        row[("", "flagged")] = stability_flagged(block)
        rows[str(name)] = row
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame = frame.reindex(columns=pd.MultiIndex.from_tuples(keys, names=["shift", "value"]))
    frame.index.name = "classifier"
    return frame


def leave_one_out_frame(stabilities: Mapping[str, Any]) -> pd.DataFrame:
    """Agreement of each classifier's labels with those it gives without one feature.

    Returns
    -------
    DataFrame
        Index ``feature``; one column per classifier (share of days with the
        same label); NaN where a classifier was not refitted without it.
    """
    rows: dict[str, dict[str, float]] = {}
    for name, block in stabilities.items():
        for feature, values in (((block or {}).get("leave_one_out")) or {}).items():
            rows.setdefault(str(feature), {})[str(name)] = _float((values or {}).get("agreement"))
    frame = (
        pd.DataFrame.from_dict(rows, orient="index")
        .reindex(columns=[str(n) for n in stabilities])
        .astype(float)
    )
    frame.index.name = "feature"
    return frame


def reliability_frames(evaluation: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    """Calibration bins per classifier, for the reliability plot.

    Parameters
    ----------
    evaluation : mapping
        ``evaluation.json``: classifier to a block with ``reliability``
        (``[{low, high, n, mean_p_scarce, share_scarce}]``, truth runs only).

    Returns
    -------
    dict of str to DataFrame
        Classifier to its bins (columns ``low``, ``high``, ``n``,
        ``mean_p_scarce``, ``share_scarce``; empty bins dropped); classifiers
        without bins are left out.
    """
    frames = {}
    for name, block in evaluation.items():
        bins = (block or {}).get("reliability") if isinstance(block, Mapping) else None
        if not bins:
            continue
        frame = pd.DataFrame([dict(b) for b in bins]).reindex(
            columns=["low", "high", "n", "mean_p_scarce", "share_scarce"]
        )
        frame = frame.apply(pd.to_numeric, errors="coerce").astype(float)
        frame = frame[frame["n"] > 0].reset_index(drop=True)
        if len(frame):
            frames[str(name)] = frame
    return frames
