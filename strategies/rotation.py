"""Regime rotations beyond the baseline: inverse-volatility baskets, a cash
fraction in the scarce regime, a continuous probability tilt, a trend filter,
and the blend-of-baskets benchmark (60/40 is ``fixed_weights``).

Same contract as :mod:`strategies.weights`: pure functions
``strategy(prices, regimes, baskets, **params) -> DataFrame`` of target
weights on the prices' index and columns, rows summing to at most 1 (the
rest is cash), never shifted for execution. Every trailing statistic uses
closes up to and including the row's date only (causal).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

import numpy as np
import pandas as pd

from strategies.options import WEIGHTINGS, RotationOptions, check_param
from strategies.weights import _members, equal_weight

__all__ = [
    "basket_blend",
    "basket_weighting",
    "inverse_volatility",
    "probability_tilt",
    "regime_rotation",
    "regime_rotation_trend",
]


def inverse_volatility(
    prices: pd.DataFrame, members: Sequence[str], window: int = 63
) -> pd.DataFrame:
    """Inverse trailing-volatility weights among the members listed on each date.

    The volatility of date ``t`` is the standard deviation of the daily log
    returns over the ``window`` rows ending at ``t`` (at least ``window // 2``
    returns). A listed member without enough history yet gets the average
    inverse volatility of the others (or equal weight if none has one).

    Parameters
    ----------
    prices : DataFrame of shape (n_dates, n_tickers)
    members : sequence of str
    window : int, default 63

    Returns
    -------
    DataFrame of shape (n_dates, n_tickers)
        Rows sum to 1 where any member is listed, else 0.

    Examples
    --------
    >>> idx = pd.bdate_range("2024-01-01", periods=5)
    >>> prices = pd.DataFrame({"A": [1, 1.1, 1.0, 1.1, 1.0], "B": [1, 1.01, 1.0, 1.01, 1.0]},
    ...                       index=idx)
    >>> w = inverse_volatility(prices, ["A", "B"], window=4)
    >>> bool(w["B"].iloc[-1] > w["A"].iloc[-1])
    True
    """
    if window < 2:
        raise ValueError(f"window must be >= 2, got {window}.")
    members = list(members)
    sub = prices[members]
    listed = sub.notna().to_numpy()
    log_returns = cast(pd.DataFrame, np.log(sub)).diff()  # numpy's stubs: an ndarray
    vol = log_returns.rolling(window, min_periods=max(2, window // 2)).std().to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        inverse = np.where(vol > 0, 1.0 / vol, np.nan)
    inverse = np.where(listed, inverse, np.nan)
    known = np.isfinite(inverse)
    counts = known.sum(axis=1)
    mean_inverse = np.divide(
        np.nansum(np.where(known, inverse, 0.0), axis=1),
        counts,
        out=np.ones(len(sub)),
        where=counts > 0,
    )
    filled = np.where(listed & ~known, mean_inverse[:, None], np.where(known, inverse, 0.0))
    totals = filled.sum(axis=1)
    share = np.divide(filled, totals[:, None], out=np.zeros_like(filled), where=totals[:, None] > 0)
    weights = pd.DataFrame(0.0, index=prices.index, columns=prices.columns)
    weights[members] = share
    return weights


def basket_weighting(
    prices: pd.DataFrame,
    baskets: Mapping[str, Sequence[str]],
    basket: str,
    weighting: str = "equal",
    vol_window: int = 63,
) -> pd.DataFrame:
    """Weights inside one basket: ``"equal"`` or ``"inverse_vol"``; rows sum to 1 or 0."""
    members = _members(baskets, basket, prices)
    if weighting == "equal":
        return equal_weight(prices, members)
    if weighting == "inverse_vol":
        return inverse_volatility(prices, members, vol_window)
    raise ValueError(f"weighting = {weighting!r} is not allowed; allowed: {', '.join(WEIGHTINGS)}.")


def _baskets(
    prices: pd.DataFrame, baskets: Mapping[str, Sequence[str]], options: RotationOptions
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Weights inside the abundant and the scarce basket."""
    abundant = basket_weighting(
        prices, baskets, options.abundant_basket, options.weighting, options.vol_window
    )
    scarce = basket_weighting(
        prices, baskets, options.scarce_basket, options.weighting, options.vol_window
    )
    return abundant, scarce


def regime_rotation(
    prices: pd.DataFrame,
    regimes: pd.DataFrame,
    baskets: Mapping[str, Sequence[str]],
    options: RotationOptions = RotationOptions(),
) -> pd.DataFrame:
    """Hold one basket in the abundant regime and the other in the scarce one.

    Parameters
    ----------
    prices, regimes, baskets : see :mod:`strategies.weights`.
    options : RotationOptions
        Which basket in which regime, the weighting inside it and the cash
        fraction kept while scarce.

    Returns
    -------
    DataFrame of shape (n_dates, n_tickers)
        Zeros (cash) where the regime is unknown.

    Examples
    --------
    >>> idx = pd.bdate_range("2024-01-01", periods=2)
    >>> prices = pd.DataFrame({"A": [1.0, 1.0], "B": [2.0, 2.0]}, index=idx)
    >>> regimes = pd.DataFrame({"regime": ["abundant", "scarce"], "p_scarce": [0.0, 1.0]},
    ...                        index=idx)
    >>> options = RotationOptions("s", "c", scarce_cash=0.5)
    >>> regime_rotation(prices, regimes, {"s": ["A"], "c": ["B"]}, options).to_numpy().tolist()
    [[1.0, 0.0], [0.0, 0.5]]
    """
    abundant, scarce = _baskets(prices, baskets, options)
    label = regimes["regime"].reindex(prices.index)
    in_abundant = (label == "abundant").to_numpy()[:, None]
    in_scarce = (label == "scarce").to_numpy()[:, None]
    return abundant * in_abundant + scarce * in_scarce * (1.0 - options.scarce_cash)


def probability_tilt(
    prices: pd.DataFrame,
    regimes: pd.DataFrame,
    baskets: Mapping[str, Sequence[str]],
    options: RotationOptions = RotationOptions(),
) -> pd.DataFrame:
    """Blend the two baskets continuously by ``p_scarce`` instead of switching.

    ``w = (1 - p) * abundant + p * (1 - scarce_cash) * scarce`` with
    ``p = p_scarce`` of the row; zeros (cash) where ``p_scarce`` is NaN.

    Parameters
    ----------
    See :func:`regime_rotation`.

    Returns
    -------
    DataFrame of shape (n_dates, n_tickers)
    """
    abundant, scarce = _baskets(prices, baskets, options)
    p = regimes["p_scarce"].reindex(prices.index).to_numpy(dtype=float)
    known = np.isfinite(p)
    p = np.clip(np.where(known, p, 0.0), 0.0, 1.0)[:, None]
    weights = abundant * (1.0 - p) + scarce * (p * (1.0 - options.scarce_cash))
    return weights * known[:, None]


def regime_rotation_trend(
    prices: pd.DataFrame,
    regimes: pd.DataFrame,
    baskets: Mapping[str, Sequence[str]],
    options: RotationOptions = RotationOptions(),
    trend_window: int = 200,
) -> pd.DataFrame:
    """The rotation, but only into assets above their ``trend_window``-day average.

    An asset whose close is at or below its simple moving average of the last
    ``trend_window`` closes (including today's; needs a full window) keeps
    weight 0 and its share goes to cash; the others keep their rotation weight.

    Parameters
    ----------
    See :func:`regime_rotation`; ``trend_window`` : int, default 200.

    Returns
    -------
    DataFrame of shape (n_dates, n_tickers)
    """
    check_param("trend_window", trend_window)
    weights = regime_rotation(prices, regimes, baskets, options)
    average = prices.rolling(trend_window, min_periods=trend_window).mean()
    above = (prices > average).to_numpy()
    return weights.where(above, 0.0)


def basket_blend(
    prices: pd.DataFrame,
    regimes: pd.DataFrame,
    baskets: Mapping[str, Sequence[str]],
    blend: Sequence[str] = ("cash_flow", "speculative"),
    weighting: str = "equal",
    vol_window: int = 63,
) -> pd.DataFrame:
    """Equal weight across several baskets, each weighted inside by ``weighting``.

    Each basket with a listed member gets ``1 / k`` (``k`` such baskets on
    the date), whatever the regime.

    Returns
    -------
    DataFrame of shape (n_dates, n_tickers)
    """
    parts = [basket_weighting(prices, baskets, name, weighting, vol_window) for name in blend]
    active = np.stack([part.sum(axis=1).to_numpy() > 0 for part in parts], axis=1)
    counts = active.sum(axis=1)
    share = np.divide(1.0, counts, out=np.zeros(len(counts)), where=counts > 0)[:, None]
    total = parts[0].copy()
    for part in parts[1:]:
        total += part
    return total * share
