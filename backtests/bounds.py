"""What perfect regime knowledge would earn, and what delay costs: ``metrics.json`` ``bounds``.

The rotation is re-run on other label paths, with the same baskets, weights,
costs, rebalance rule, execution lag and cash fund (on the sweep kernel,
:mod:`backtests.paths`):

``walk_forward``
    The classifier's causal labels: the rotation itself.
``hindsight``
    Labels of one fit on the whole sample (in-sample, looks ahead). **Not
    tradable**: an upper reference for what this classifier can see at all.
``oracle``
    The true regimes, on data that has them (the synthetic world). The bound
    on what any classifier could earn with this rotation.
``oracle_delayed``
    The oracle's labels shifted later by the classifier's median detection
    delay (trading days), the first days keeping the first label.

The gap from the reference (the oracle; on market data, hindsight) to the
walk-forward rotation is split exactly, in Sharpe and in CAGR::

    reference - walk_forward = (reference - reference_delayed)     # what delay costs
                             + (reference_delayed - walk_forward)  # misclassification

On market data the delay is measured against the hindsight labels (the
median number of days the walk-forward labels trail hindsight's switches).
Sharpe ratios are in excess of the cash fund. ``bounds.csv`` holds every
path's daily returns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from backtests.metrics import cagr, max_drawdown, sharpe
from backtests.metrics_schema import json_float
from backtests.paths import Trading, path_returns
from regimes.evaluate import detection_delays

__all__ = ["bounds_section", "delayed_labels", "median_delay"]


def delayed_labels(regimes: pd.DataFrame, days: int) -> pd.DataFrame:
    """Labels shifted ``days`` trading days later; the first ``days`` rows keep the first label.

    Examples
    --------
    >>> idx = pd.bdate_range("2024-01-01", periods=4)
    >>> frame = pd.DataFrame({"regime": ["abundant", "scarce", "scarce", "abundant"],
    ...                       "p_scarce": [0.0, 1.0, 1.0, 0.0]}, index=idx)
    >>> delayed_labels(frame, 1)["regime"].tolist()
    ['abundant', 'abundant', 'scarce', 'scarce']
    """
    if days <= 0:
        return regimes.copy()
    shifted = regimes.shift(days)
    first = regimes.iloc[0]
    shifted.iloc[:days] = [first.to_numpy()] * min(days, len(regimes))
    return shifted


def median_delay(predicted: pd.Series, reference: pd.Series) -> int | None:
    """Median detection delay (trading days) of ``predicted`` behind ``reference``'s switches."""
    both = predicted.notna() & reference.notna()
    if both.sum() < 2:
        return None
    delays = detection_delays(
        predicted[both].astype(str).to_numpy(), reference[both].astype(str).to_numpy()
    )
    return int(round(float(np.median(delays)))) if delays.size else None


def _truth_frame(truth: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {"regime": truth.astype(object), "p_scarce": (truth == "scarce").astype(float)},
        index=truth.index,
    )


def _row(returns: pd.Series, rf: pd.Series) -> dict:
    return {
        "sharpe": json_float(sharpe(returns, rf)),
        "cagr": json_float(cagr(returns)),
        "max_drawdown": json_float(max_drawdown(returns)),
    }


def bounds_section(
    prices: pd.DataFrame,
    regimes: pd.DataFrame,
    hindsight: pd.DataFrame,
    truth: pd.Series | None,
    weights: Callable[[pd.DataFrame], pd.DataFrame],
    trading: Trading,
    rf: pd.Series,
    rivals: Mapping[str, pd.Series],
    delay_days: int | None = None,
) -> tuple[dict, pd.DataFrame]:
    """The ``bounds`` section and the daily returns of every bound path.

    Parameters
    ----------
    prices : DataFrame of shape (n_dates, n_tickers)
    regimes : DataFrame of shape (n_dates, 2)
        Walk-forward labels.
    hindsight : DataFrame of shape (n_dates, 2)
        Full-sample (in-sample) labels.
    truth : Series or None
        True labels on the same dates.
    weights : callable
        ``weights(regimes) -> target weights`` of the rotation.
    trading : Trading
    rf : Series of shape (n_dates,)
        The cash fund's daily return.
    rivals : mapping of str to Series
        Daily returns of the no-timing strategies (baskets, blend) to compare with.
    delay_days : int, optional
        The classifier's median detection delay against the truth; measured
        here when None.

    Returns
    -------
    section : dict
    daily : DataFrame of shape (n_dates, n_paths)
    """
    paths = {"walk_forward": regimes, "hindsight": hindsight}
    reference_name = "hindsight"
    if truth is not None and truth.notna().all():
        paths["oracle"] = _truth_frame(truth)
        reference_name = "oracle"
    reference = paths[reference_name]
    if delay_days is None:
        delay_days = median_delay(regimes["regime"], reference["regime"])
    delay = int(delay_days or 0)
    paths[f"{reference_name}_delayed"] = delayed_labels(reference, delay)
    daily = path_returns(prices, paths, weights, trading)
    rows = {name: _row(daily[name], rf) for name in paths}
    ref, late, walk = (
        rows[reference_name],
        rows[f"{reference_name}_delayed"],
        rows["walk_forward"],
    )
    decomposition = {}
    for metric in ("sharpe", "cagr"):
        if None in (ref[metric], late[metric], walk[metric]):
            decomposition[metric] = None
            continue
        decomposition[metric] = {
            "gap": json_float(ref[metric] - walk[metric]),
            "delay": json_float(ref[metric] - late[metric]),
            "misclassification": json_float(late[metric] - walk[metric]),
        }
    section = {
        "reference": reference_name,
        "tradable": {name: name == "walk_forward" for name in paths},
        "oracle_unavailable": (
            None
            if "oracle" in paths
            else "the data have no known regime truth (real markets), so the "
            "bound is the classifier's own full-sample labels, which are "
            "not tradable"
        ),
        "delay_days": delay if delay_days is not None else None,
        "paths": rows,
        "rivals": {name: _row(series, rf) for name, series in rivals.items()},
        "decomposition": decomposition,
    }
    return section, daily
