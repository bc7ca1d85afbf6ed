"""Performance metrics: pure functions of daily returns.

Conventions
-----------
* Returns are simple daily returns on the trading calendar; annualisation
  uses :data:`PERIODS_PER_YEAR` = 252 trading days.
* Sharpe and Sortino are ratios of **excess** returns ``e_t = r_t - rf_t``,
  where ``rf_t`` is the daily simple return of the run's cash fund on the
  same day (0 on the first day of the run): ``Sharpe = mean(e) / std(e,
  ddof=1) * sqrt(252)`` and ``Sortino = mean(e) / sqrt(mean(min(e, 0)^2)) *
  sqrt(252)``, the definitions quantstats uses with a risk-free series, so the
  dashboard and the tearsheets agree. Without ``rf`` they are raw ratios.
  Division by zero is defined: a zero-volatility excess series (for example
  all cash) has Sharpe and Sortino ``nan``, reported as ``null`` in JSON;
  nothing raises or warns.
* Exposure is the share of capital in assets other than the cash fund.
* An empty series has NaN metrics, apart from ``share_of_time`` (0).
* Functions never modify their inputs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.base import PERIODS_PER_YEAR

__all__ = [
    "PERIODS_PER_YEAR",
    "cagr",
    "cash_returns",
    "excess_returns",
    "exposure",
    "max_drawdown",
    "performance_summary",
    "sharpe",
    "sortino",
    "spell_drawdowns",
    "total_return",
    "turnover",
    "volatility",
]


def cash_returns(prices: pd.DataFrame, ticker: str) -> pd.Series:
    """Daily simple returns ``c_t = cash_t / cash_{t-1} - 1`` of the cash fund: the risk-free rate.

    The one definition of the risk-free series, used by ``metrics.json`` and
    the tearsheets alike.

    Parameters
    ----------
    prices : DataFrame of shape (n_dates, n_tickers)
        Adjusted closes (``inputs/prices.csv``).
    ticker : str
        The cash fund (``run.cash``).

    Returns
    -------
    Series of shape (n_dates,)
        Named ``ticker``. The fund is valued like a holding (its last close
        carried over a gap, as the engine values positions), so a gap day
        returns 0 and the day after it the move over the gap; 0 on the first
        row and before the fund lists.

    Examples
    --------
    >>> prices = pd.DataFrame({"TBIL": [100.0, 100.01, None, 100.03]})
    >>> cash_returns(prices, "TBIL").round(6).tolist()
    [0.0, 0.0001, 0.0, 0.0002]
    """
    if ticker not in prices.columns:
        raise KeyError(f"cash {ticker!r} not in prices columns {list(prices.columns)}")
    series = prices[ticker].astype(float).ffill()
    return (series / series.shift(1) - 1.0).fillna(0.0).rename(ticker)


def excess_returns(returns: pd.Series, rf: pd.Series | None) -> pd.Series:
    """``returns - rf`` on the returns' index (rf missing or None counts as 0)."""
    if rf is None:
        return returns
    return returns - rf.reindex(returns.index).fillna(0.0)


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


def sharpe(returns: pd.Series, rf: pd.Series | None = None) -> float:
    """Annualised mean excess return over its annualised volatility; NaN when that is 0."""
    excess = excess_returns(returns, rf)
    vol = volatility(excess)
    if not np.isfinite(vol) or vol <= 1e-15:
        return float("nan")
    return float(excess.mean() * PERIODS_PER_YEAR / vol)


def sortino(returns: pd.Series, rf: pd.Series | None = None) -> float:
    """Annualised mean excess return over its annualised downside deviation (target 0).

    The downside deviation is ``sqrt(mean(min(e, 0)^2))`` of the excess
    returns ``e``; NaN when it is 0.
    """
    if len(returns) < 2:
        return float("nan")
    values = excess_returns(returns, rf).to_numpy(dtype=float)
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


def spell_drawdowns(returns: pd.Series, labels: pd.Series, regime: str) -> dict[str, float]:
    """Maximum drawdown inside each contiguous spell of ``regime``, summarised.

    Days are never stitched across spells: each spell's drawdown is measured
    on its own compounded curve, starting from the spell's first day.

    Parameters
    ----------
    returns : Series of shape (n_dates,)
    labels : Series of shape (n_dates,)
        The label each day's return is attributed to (known at the previous close).
    regime : str

    Returns
    -------
    dict
        ``worst`` and ``median`` per-spell maximum drawdown (negative
        numbers; NaN without a spell) and ``n_spells``.
    """
    mask = (labels.reindex(returns.index) == regime).to_numpy()
    starts = np.flatnonzero(mask & ~np.r_[False, mask[:-1]])
    ends = np.flatnonzero(mask & ~np.r_[mask[1:], False]) + 1
    values = returns.to_numpy(dtype=float)
    draws = [max_drawdown(pd.Series(values[a:b])) for a, b in zip(starts, ends, strict=True)]
    if not draws:
        return {"worst": float("nan"), "median": float("nan"), "n_spells": 0}
    return {
        "worst": float(np.min(draws)),
        "median": float(np.median(draws)),
        "n_spells": len(draws),
    }


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
    """Average fraction of the portfolio held in assets other than cash and the cash fund."""
    if len(invested_fraction) == 0:
        return float("nan")
    return float(invested_fraction.mean())


def performance_summary(
    returns: pd.Series,
    traded_fraction: pd.Series,
    invested_fraction: pd.Series,
    total_days: int | None = None,
    rf: pd.Series | None = None,
) -> dict[str, float]:
    """Every headline metric for one return series.

    Parameters
    ----------
    returns, traded_fraction, invested_fraction : Series of shape (n_dates,)
        On the same index; ``invested_fraction`` excludes the cash fund.
    total_days : int, optional
        Length of the whole run, for ``share_of_time`` of a subset.
    rf : Series, optional
        The cash fund's daily return (Sharpe and Sortino are in excess of it).

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
        "sharpe": sharpe(returns, rf),
        "sortino": sortino(returns, rf),
        "max_drawdown": max_drawdown(returns),
        "turnover": turnover(traded_fraction),
        "exposure": exposure(invested_fraction),
        "hit_rate": hit,
        "share_of_time": n / total_days if total_days else (1.0 if n else 0.0),
    }
