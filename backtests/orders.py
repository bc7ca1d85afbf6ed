"""Orders before the engine: the rebalance schedule, the target each order asks for, costs.

Pure pandas, kept apart from :mod:`backtests.engine` so that the config
(which validates rebalance rules) and the kernel paths never import vectorbt.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = [
    "FREQUENCIES",
    "costs_per_ticker",
    "order_targets",
    "parse_rule",
    "rebalance_signals",
    "valuation_prices",
]

#: Calendar schedules of ``rebalance.frequency`` and of sweep rules.
FREQUENCIES: tuple[str, ...] = ("daily", "weekly", "monthly", "never")


def parse_rule(rule: str) -> tuple[str, bool]:
    """``"monthly+regime_change"`` -> ``("monthly", True)``; ``"weekly"`` -> ``("weekly", False)``.

    Raises
    ------
    ValueError
        A rule that is not ``FREQUENCY`` or ``FREQUENCY+regime_change``.

    Examples
    --------
    >>> parse_rule("monthly+regime_change")
    ('monthly', True)
    """
    frequency, _, extra = rule.partition("+")
    if extra not in ("", "regime_change") or frequency not in FREQUENCIES:
        raise ValueError(
            f"rebalance rule {rule!r} is not allowed; use FREQUENCY or FREQUENCY+regime_change "
            f"with FREQUENCY in {', '.join(FREQUENCIES)}."
        )
    return frequency, extra == "regime_change"


def rebalance_signals(
    index: pd.DatetimeIndex,
    regimes: pd.Series,
    listed: pd.DataFrame,
    frequency: str,
    on_regime_change: bool,
) -> np.ndarray:
    """Boolean mask of rebalance signal dates.

    Parameters
    ----------
    index : DatetimeIndex of shape (n_dates,)
    regimes : Series of shape (n_dates,)
        Causal labels on ``index``.
    listed : DataFrame of bool, shape (n_dates, n_tickers)
        Which tickers have a price on each date.
    frequency : {"daily", "weekly", "monthly", "never"}
    on_regime_change : bool

    Returns
    -------
    ndarray of bool, shape (n_dates,)
        Always True on the first date; then the calendar schedule (first
        trading day of each week or month), the dates whose label differs
        from the previous date's, and the dates on which the set of listed
        tickers changes.
    """
    n = len(index)
    mask = np.zeros(n, dtype=bool)
    if n == 0:
        return mask
    mask[0] = True
    if frequency == "daily":
        mask[:] = True
    elif frequency in ("weekly", "monthly"):
        periods = index.to_period("W" if frequency == "weekly" else "M")
        mask[1:] |= periods[1:] != periods[:-1]
    labels = regimes.reindex(index).astype(object).to_numpy()
    if on_regime_change:
        mask[1:] |= labels[1:] != labels[:-1]
    flags = listed.to_numpy()
    mask[1:] |= (flags[1:] != flags[:-1]).any(axis=1)
    return mask


def valuation_prices(prices: pd.DataFrame) -> pd.DataFrame:
    """Prices used to value and fill: carried forward after a history ends.

    Before a ticker's first price the value stays NaN (it cannot be held).
    After its last price, the last close is carried forward, so a position
    left over is worth what it was last traded at and can be sold there.

    Parameters
    ----------
    prices : DataFrame of shape (n_dates, n_tickers)

    Returns
    -------
    DataFrame of shape (n_dates, n_tickers)
    """
    return prices.ffill()


def costs_per_ticker(
    tickers, bps: float, overrides: Mapping[str, float] | None = None
) -> pd.Series:
    """A cost in basis points per ticker: the default plus per-ticker overrides.

    Parameters
    ----------
    tickers : sequence of str
    bps : float
        Default cost in basis points.
    overrides : mapping of ticker to basis points, optional

    Returns
    -------
    Series of shape (n_tickers,)
        Basis points per ticker, overrides applied.
    """
    overrides = overrides or {}
    return pd.Series(
        [float(overrides.get(t, bps)) for t in tickers], index=list(tickers), dtype=float
    )


def order_targets(
    prices: pd.DataFrame, target: pd.DataFrame, cash: str | None = None
) -> pd.DataFrame:
    """The weights an order for each signal date asks for.

    NaN targets become 0; a ticker whose history has ended gets 0 (it must be
    sold). With ``cash`` (the cash fund's ticker), the un-invested remainder
    ``max(0, 1 - row sum)`` is added to the cash fund's weight where it has a
    price, so idle money earns the T-bill return (it pays the fund's costs).

    Parameters
    ----------
    prices : DataFrame of shape (n_dates, n_tickers)
    target : DataFrame of shape (n_dates, n_tickers)
    cash : str, optional

    Returns
    -------
    DataFrame of shape (n_dates, n_tickers)
    """
    ended = prices.isna() & valuation_prices(prices).notna()
    tickers = list(prices.columns)
    weights = target.reindex(index=prices.index, columns=tickers).fillna(0.0)
    weights = weights.where(~ended, 0.0)
    if cash is not None:
        if cash not in tickers:
            raise ValueError(f"cash ticker {cash!r} has no prices.")
        remainder = (1.0 - weights.sum(axis=1)).clip(lower=0.0)
        weights[cash] = weights[cash] + remainder.where(prices[cash].notna(), 0.0)
    return weights
