"""The rotation on many regime paths at once, on the numba sweep kernel.

The placebo distribution (random paths), the bounds (true, delayed and
hindsight labels) and the sweep all need the same thing: the rotation's
target weights under some label path, traded with the run's rebalance rule,
costs, lag and cash fund, and the resulting daily returns. The kernel has
vectorbt's fill semantics (agreement to 1e-9, tested), so a path here and the
same path through :func:`backtests.engine.simulate` give the same returns.

Sharpe ratios computed here are in excess of the cash fund's daily return
(:mod:`backtests.metrics`), from each path's daily equity.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from backtests.orders import order_targets, rebalance_signals
from backtests.sweep import KernelSweep, run_kernel_sweep
from data import PERIODS_PER_YEAR

__all__ = ["Trading", "path_returns", "sharpe_columns"]


@dataclass(frozen=True)
class Trading:
    """How a run trades: the slice of config every kernel path shares.

    Attributes
    ----------
    fees, slippage : Series of shape (n_tickers,)
        Basis points per ticker.
    lag_days : int
    init_cash : float
    cash : str or None
        The cash fund that receives un-invested weight (None: zero-return cash).
    frequency : str
        Rebalance schedule.
    on_regime_change : bool
    band : float
        No-trade band.
    """

    fees: pd.Series
    slippage: pd.Series
    lag_days: int
    init_cash: float
    cash: str | None
    frequency: str
    on_regime_change: bool
    band: float = 0.0


def path_returns(
    prices: pd.DataFrame,
    paths: Mapping[Any, pd.DataFrame],
    weights: Callable[[pd.DataFrame], pd.DataFrame],
    trading: Trading,
    chunk: int = 50,
) -> pd.DataFrame:
    """Daily returns of the strategy ``weights`` under every label path.

    Parameters
    ----------
    prices : DataFrame of shape (n_dates, n_tickers)
    paths : mapping of str to DataFrame of shape (n_dates, 2)
        ``regime`` and ``p_scarce`` per path.
    weights : callable
        ``weights(regimes) -> target weights`` (prices and baskets bound).
    trading : Trading
    chunk : int
        Paths per kernel call (bounds memory: ``chunk`` weight templates).

    Returns
    -------
    DataFrame of shape (n_dates, n_paths)
        Daily returns after costs (the first row is 0), one column per path.
    """
    names = list(paths)
    listed = prices.notna()
    close = prices.ffill().to_numpy(dtype=float)
    tickers = list(prices.columns)
    fees = trading.fees.reindex(tickers).to_numpy(dtype=float) / 1e4
    slippage = trading.slippage.reindex(tickers).to_numpy(dtype=float) / 1e4
    columns = []
    for start in range(0, len(names), chunk):
        part = names[start : start + chunk]
        templates = np.stack(
            [order_targets(prices, weights(paths[n]), trading.cash).to_numpy() for n in part]
        )
        masks = np.stack(
            [
                rebalance_signals(
                    cast(pd.DatetimeIndex, prices.index),
                    paths[n]["regime"],
                    listed,
                    trading.frequency,
                    trading.on_regime_change,
                )
                for n in part
            ]
        )
        n = len(part)
        sweep = KernelSweep(
            close=close,
            templates=templates,
            masks=masks,
            combo_template=np.arange(n, dtype=np.int64),
            combo_mask=np.arange(n, dtype=np.int64),
            fees=np.tile(fees, (n, 1)),
            slippage=np.tile(slippage, (n, 1)),
            band=np.full(n, trading.band),
        )
        _, equity = run_kernel_sweep(
            sweep, trading.lag_days, trading.init_cash, keep_equity=True, progress=False
        )
        assert equity is not None  # keep_equity=True
        columns.append(equity_returns(equity, trading.init_cash))
    daily = np.concatenate(columns, axis=1) if columns else np.zeros((len(prices), 0))
    return pd.DataFrame(daily, index=prices.index, columns=names)


def equity_returns(equity: np.ndarray, init_cash: float) -> np.ndarray:
    """Daily returns (n_days, n_paths) from kernel equity (n_paths, n_days); row 0 is 0."""
    previous = np.concatenate([np.full((len(equity), 1), init_cash), equity[:, :-1]], axis=1)
    daily = (equity / previous - 1.0).T
    daily[0] = 0.0
    return daily


def sharpe_columns(daily: np.ndarray, rf: np.ndarray | None = None) -> np.ndarray:
    """Annualised excess Sharpe of each column (NaN where the deviation is 0).

    Parameters
    ----------
    daily : ndarray of shape (n_days, n_columns)
    rf : ndarray of shape (n_days,), optional

    Returns
    -------
    ndarray of shape (n_columns,)
    """
    excess = daily if rf is None else daily - rf[:, None]
    mean = excess.mean(axis=0)
    std = excess.std(axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(std > 1e-15, mean / np.where(std > 1e-15, std, 1.0), np.nan)
    return ratio * np.sqrt(PERIODS_PER_YEAR)
