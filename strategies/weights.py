"""Target-weight builders: prices and regimes in, target weights out.

Every strategy here is a pure function with the signature::

    strategy(prices, regimes, baskets, **params) -> DataFrame

* ``prices``: DataFrame of shape (n_dates, n_tickers), aligned adjusted
  closes on the trading calendar, NaN where a ticker is not listed.
* ``regimes``: DataFrame of shape (n_dates, 2) with columns ``regime``
  (``"abundant"``/``"scarce"``/NaN) and ``p_scarce``, causal.
* ``baskets``: mapping of basket name to a list of tickers.

The result has the shape and labels of ``prices``: the weights the strategy
wants to hold at the close of each date, given what is known at that close.
Rows sum to at most 1; the rest is cash. Strategies never shift for
execution: the runner applies the execution lag, in one place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = ["basket_weights", "benchmark", "equal_weight", "fixed_weights"]


def _members(baskets: Mapping[str, Sequence[str]], name: str, prices: pd.DataFrame) -> list[str]:
    if name not in baskets:
        raise ValueError(f"unknown basket {name!r}; baskets are {sorted(baskets)}.")
    missing = [t for t in baskets[name] if t not in prices.columns]
    if missing:
        raise ValueError(f"basket {name!r} names tickers with no prices: {missing}.")
    return list(baskets[name])


def equal_weight(prices: pd.DataFrame, members: Sequence[str]) -> pd.DataFrame:
    """Equal weights among the members listed on each date.

    Parameters
    ----------
    prices : DataFrame of shape (n_dates, n_tickers)
    members : sequence of str

    Returns
    -------
    DataFrame of shape (n_dates, n_tickers)
        ``1 / n_listed`` for each listed member, 0 elsewhere; a row with no
        listed member is all zeros (cash).

    Examples
    --------
    >>> idx = pd.bdate_range("2024-01-01", periods=2)
    >>> prices = pd.DataFrame({"A": [1.0, 1.0], "B": [np.nan, 2.0]}, index=idx)
    >>> equal_weight(prices, ["A", "B"]).to_numpy().tolist()
    [[1.0, 0.0], [0.5, 0.5]]
    """
    listed = prices[list(members)].notna()
    counts = listed.sum(axis=1).to_numpy(dtype=float)
    share = np.divide(1.0, counts, out=np.zeros_like(counts), where=counts > 0)
    weights = pd.DataFrame(0.0, index=prices.index, columns=prices.columns)
    weights[list(members)] = listed.to_numpy() * share[:, None]
    return weights


def basket_weights(
    prices: pd.DataFrame,
    regimes: pd.DataFrame,
    baskets: Mapping[str, Sequence[str]],
    basket: str,
) -> pd.DataFrame:
    """Hold one basket at all times, equal-weighted among listed members.

    Parameters
    ----------
    prices, regimes, baskets : see the module docstring.
    basket : str
        Basket to hold.

    Returns
    -------
    DataFrame of shape (n_dates, n_tickers)
    """
    return equal_weight(prices, _members(baskets, basket, prices))


def benchmark(
    prices: pd.DataFrame,
    regimes: pd.DataFrame,
    baskets: Mapping[str, Sequence[str]],
    ticker: str,
) -> pd.DataFrame:
    """Hold a single ticker (e.g. the SPY-like benchmark) whenever it is listed.

    Parameters
    ----------
    prices, regimes, baskets : see the module docstring.
    ticker : str

    Returns
    -------
    DataFrame of shape (n_dates, n_tickers)
    """
    if ticker not in prices.columns:
        raise ValueError(f"benchmark ticker {ticker!r} has no prices.")
    return equal_weight(prices, [ticker])


def fixed_weights(
    prices: pd.DataFrame,
    regimes: pd.DataFrame,
    baskets: Mapping[str, Sequence[str]],
    weights: Mapping[str, float],
) -> pd.DataFrame:
    """Hold fixed weights (e.g. 60/40 SPY/IEF), renormalised among listed tickers.

    Parameters
    ----------
    prices, regimes, baskets : see the module docstring.
    weights : mapping of str to float
        Ticker -> non-negative weight; normalised to sum to 1 over the
        tickers listed on each date.

    Returns
    -------
    DataFrame of shape (n_dates, n_tickers)

    Examples
    --------
    >>> idx = pd.bdate_range("2024-01-01", periods=2)
    >>> prices = pd.DataFrame({"A": [1.0, 1.0], "B": [np.nan, 2.0]}, index=idx)
    >>> fixed_weights(prices, None, {}, {"A": 0.6, "B": 0.4}).to_numpy().tolist()
    [[1.0, 0.0], [0.6, 0.4]]
    """
    if not weights:
        raise ValueError("fixed_weights needs at least one ticker weight.")
    missing = [t for t in weights if t not in prices.columns]
    if missing:
        raise ValueError(f"fixed_weights names tickers with no prices: {missing}.")
    if any(float(w) < 0 for w in weights.values()):
        raise ValueError(f"fixed_weights must be >= 0, got {dict(weights)}.")
    tickers = list(weights)
    raw = prices[tickers].notna().to_numpy() * np.array([float(weights[t]) for t in tickers])
    total = raw.sum(axis=1)
    share = np.divide(raw, total[:, None], out=np.zeros_like(raw), where=total[:, None] > 0)
    result = pd.DataFrame(0.0, index=prices.index, columns=prices.columns)
    result[tickers] = share
    return result
