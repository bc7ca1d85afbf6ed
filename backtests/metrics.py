"""Performance metrics: pure functions of daily returns.

Conventions
-----------
* Returns are simple daily returns on the trading calendar; annualisation
  uses :data:`PERIODS_PER_YEAR` = 252 trading days.
* Sharpe and Sortino are excess-free (risk-free rate 0) ratios of the
  annualised mean to the annualised (downside) deviation. Division by zero
  is defined: a zero-volatility series (for example all cash) has Sharpe and
  Sortino ``nan``, reported as ``null`` in JSON; nothing raises or warns.
* An empty series has NaN metrics, apart from ``share_of_time`` (0).
* Functions never modify their inputs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "PERIODS_PER_YEAR",
    "cagr",
    "exposure",
    "json_float",
    "max_drawdown",
    "performance_summary",
    "sharpe",
    "sortino",
    "total_return",
    "turnover",
    "volatility",
]

PERIODS_PER_YEAR = 252


def json_float(value: float | None) -> float | None:
    """A metric as JSON wants it: ``None`` (``null``) for NaN, inf or None."""
    return None if value is None or not np.isfinite(value) else float(value)


def total_return(returns: pd.Series) -> float:
    """Compounded return over the whole series: ``prod(1 + r) - 1``."""
    if len(returns) == 0:
        return float("nan")
    return float(np.prod(1.0 + returns.to_numpy(dtype=float)) - 1.0)


def cagr(returns: pd.Series) -> float:
    """Compound annual growth rate over ``len(returns) / 252`` years."""
    if len(returns) == 0:
        return float("nan")
    growth = 1.0 + total_return(returns)
    if growth <= 0:
        return -1.0
    return float(growth ** (PERIODS_PER_YEAR / len(returns)) - 1.0)


def volatility(returns: pd.Series) -> float:
    """Annualised standard deviation (ddof=1); NaN for fewer than 2 returns."""
    if len(returns) < 2:
        return float("nan")
    return float(returns.std(ddof=1) * np.sqrt(PERIODS_PER_YEAR))


def sharpe(returns: pd.Series) -> float:
    """Annualised mean over annualised volatility; NaN when volatility is 0."""
    vol = volatility(returns)
    if not np.isfinite(vol) or vol <= 1e-15:
        return float("nan")
    return float(returns.mean() * PERIODS_PER_YEAR / vol)


def sortino(returns: pd.Series) -> float:
    """Annualised mean over annualised downside deviation (target 0).

    The downside deviation is ``sqrt(mean(min(r, 0)^2))``; NaN when it is 0.
    """
    if len(returns) < 2:
        return float("nan")
    values = returns.to_numpy(dtype=float)
    downside = np.sqrt(np.mean(np.minimum(values, 0.0) ** 2)) * np.sqrt(PERIODS_PER_YEAR)
    if downside <= 1e-15:
        return float("nan")
    return float(values.mean() * PERIODS_PER_YEAR / downside)


def max_drawdown(returns: pd.Series) -> float:
    """Largest peak-to-trough fall of the compounded curve, as a negative number."""
    if len(returns) == 0:
        return float("nan")
    wealth = np.cumprod(1.0 + returns.to_numpy(dtype=float))
    peak = np.maximum.accumulate(np.maximum(wealth, 1.0))
    return float(np.min(wealth / peak - 1.0))


def turnover(traded_fraction: pd.Series) -> float:
    """Annualised one-way turnover.

    Parameters
    ----------
    traded_fraction : Series
        Per day, the value traded (buys plus sells) divided by portfolio value.

    Returns
    -------
    float
        ``sum / 2`` per year: 1.0 means the whole book is replaced once a year.
    """
    if len(traded_fraction) == 0:
        return float("nan")
    return float(traded_fraction.sum() / 2.0 * PERIODS_PER_YEAR / len(traded_fraction))


def exposure(invested_fraction: pd.Series) -> float:
    """Average fraction of the portfolio held in assets (not cash)."""
    if len(invested_fraction) == 0:
        return float("nan")
    return float(invested_fraction.mean())


def performance_summary(
    returns: pd.Series,
    traded_fraction: pd.Series,
    invested_fraction: pd.Series,
    total_days: int | None = None,
) -> dict[str, float]:
    """Every headline metric for one return series.

    Parameters
    ----------
    returns, traded_fraction, invested_fraction : Series of shape (n_dates,)
        On the same index.
    total_days : int, optional
        Length of the whole run, for ``share_of_time`` of a subset.

    Returns
    -------
    dict of str to float
        ``total_return``, ``cagr``, ``volatility``, ``sharpe``, ``sortino``,
        ``max_drawdown``, ``turnover``, ``exposure``, ``hit_rate`` and
        ``share_of_time``.
    """
    n = len(returns)
    hit = float((returns > 0).mean()) if n else float("nan")
    return {
        "total_return": total_return(returns),
        "cagr": cagr(returns),
        "volatility": volatility(returns),
        "sharpe": sharpe(returns),
        "sortino": sortino(returns),
        "max_drawdown": max_drawdown(returns),
        "turnover": turnover(traded_fraction),
        "exposure": exposure(invested_fraction),
        "hit_rate": hit,
        "share_of_time": n / total_days if total_days else (1.0 if n else 0.0),
    }
