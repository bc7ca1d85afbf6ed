"""Attribution and event study: pure functions of prices, weights and labels.

* :func:`basket_contributions` - the part of a strategy's total return each
  basket earned: ``sum_t w[t-1, i] * r[t, i]`` grouped by basket, where
  ``w`` are the weights *held* at the previous close and ``r`` the asset's
  daily return. The remainder (``costs_and_residual``) is the sum of the
  strategy's daily returns minus the contributions: trading costs and
  intraday rebalancing effects.
* :func:`event_study` - each basket's cumulative return from ``-pre`` to
  ``+post`` trading days around switches into *scarce* and into *abundant*
  (day 0 is the close at which the new label is first known), with mean,
  median and a t-based 95% band for the mean.

Both are arithmetic on aligned frames; inputs are never modified.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["basket_contributions", "basket_returns", "event_study", "switch_dates"]


def basket_returns(prices: pd.DataFrame, baskets: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Equal-weight daily return of each basket's listed members.

    Returns
    -------
    DataFrame of shape (n_dates, n_baskets)
        First row and rows with no listed member are 0.
    """
    returns = prices.pct_change(fill_method=None)
    frame = {
        name: returns[list(members)].mean(axis=1).fillna(0.0) for name, members in baskets.items()
    }
    return pd.DataFrame(frame, index=prices.index)


def basket_contributions(
    prices: pd.DataFrame,
    weights: pd.DataFrame,
    strategy_returns: pd.Series,
    baskets: Mapping[str, Sequence[str]],
    cash: str | None = None,
) -> dict[str, float]:
    """Sum over days of ``w[t-1, i] * r[t, i]`` grouped by basket.

    Parameters
    ----------
    prices : DataFrame of shape (n_dates, n_tickers)
    weights : DataFrame of shape (n_dates, n_tickers)
        Weights held at each close.
    strategy_returns : Series of shape (n_dates,)
    baskets : mapping of str to list of str
    cash : str, optional
        The cash fund's ticker, reported as ``"cash"``.

    Returns
    -------
    dict of str to float
        One entry per basket (and ``"cash"``, ``"other"`` when held), plus
        ``"costs_and_residual"``; entries sum to ``strategy_returns.sum()``.
    """
    asset_returns = prices.ffill().pct_change(fill_method=None).fillna(0.0)
    held = (
        weights.reindex(index=prices.index, columns=prices.columns).fillna(0.0).shift(1).fillna(0.0)
    )
    daily = (held * asset_returns).sum(axis=0)
    group = {}
    for name, members in baskets.items():
        for ticker in members:
            group.setdefault(ticker, name)
    if cash is not None:
        group.setdefault(cash, "cash")
    result: dict[str, float] = {name: 0.0 for name in baskets}
    for ticker, value in daily.items():
        key = group.get(ticker, "other")
        result[key] = result.get(key, 0.0) + float(value)
    result["costs_and_residual"] = float(strategy_returns.sum()) - float(daily.sum())
    return result


def switch_dates(labels: pd.Series) -> dict[str, np.ndarray]:
    """Row positions where the label changes, keyed by the new label.

    Returns
    -------
    dict
        ``{"into_scarce": positions, "into_abundant": positions}``.
    """
    values = labels.astype(object).to_numpy()
    known = pd.notna(values)
    change = np.zeros(len(values), dtype=bool)
    change[1:] = known[1:] & known[:-1] & (values[1:] != values[:-1])
    positions = np.flatnonzero(change)
    return {
        "into_scarce": positions[values[positions] == "scarce"],
        "into_abundant": positions[values[positions] == "abundant"],
    }


def event_study(
    basket_daily: pd.DataFrame, labels: pd.Series, pre: int = 20, post: int = 60
) -> pd.DataFrame:
    """Cumulative basket returns around regime switches.

    For an event at row ``e`` and offset ``k`` in ``[-pre, post]`` the
    cumulative return is ``I[e + k] / I[e] - 1`` with ``I`` the basket's
    compounded index; events whose window leaves the sample are dropped.

    Parameters
    ----------
    basket_daily : DataFrame of shape (n_dates, n_baskets)
        Daily basket returns (see :func:`basket_returns`).
    labels : Series of shape (n_dates,)
    pre, post : int

    Returns
    -------
    DataFrame
        Long format: ``transition``, ``basket``, ``day``, ``mean``,
        ``median``, ``low``, ``high`` (t-based 95% band of the mean),
        ``n_events``.
    """
    level = np.cumprod(1.0 + basket_daily.to_numpy(dtype=float), axis=0)
    offsets = np.arange(-pre, post + 1)
    rows = []
    for transition, events in switch_dates(labels.reindex(basket_daily.index)).items():
        events = events[(events - pre >= 0) & (events + post < len(level))]
        for j, basket in enumerate(basket_daily.columns):
            if len(events):
                paths = (
                    level[events[:, None] + offsets[None, :], j] / level[events, j][:, None] - 1.0
                )
            else:
                paths = np.empty((0, len(offsets)))
            n = len(events)
            mean = paths.mean(axis=0) if n else np.full(len(offsets), np.nan)
            median = np.median(paths, axis=0) if n else np.full(len(offsets), np.nan)
            if n > 1:
                half = stats.t.ppf(0.975, n - 1) * paths.std(axis=0, ddof=1) / np.sqrt(n)
            else:
                half = np.full(len(offsets), np.nan)
            for k, day in enumerate(offsets):
                rows.append(
                    {
                        "transition": transition,
                        "basket": basket,
                        "day": int(day),
                        "mean": mean[k],
                        "median": median[k],
                        "low": mean[k] - half[k],
                        "high": mean[k] + half[k],
                        "n_events": n,
                    }
                )
    return pd.DataFrame(rows)
