"""The execution layer: rebalance schedule, execution lag and the vectorbt call.

Timing (the one place where it is decided)
------------------------------------------
* A strategy's target weights for date ``s`` use information known at the
  close of ``s``.
* Targets are only traded on *rebalance signal dates*: the first date, the
  calendar schedule (first trading day of each week or month), dates whose
  regime label differs from the previous date's, and dates on which the set
  of listed tickers changes (a listing, or the end of a history).
* The order for signal date ``s`` is placed ``lag_days`` trading days later
  and fills at that day's close, with fees and slippage. Orders are target
  percentages of the portfolio's value at that close, sells before buys,
  with one shared cash account per strategy.
* An asset whose history has ended is valued at its last close until the
  sell order for it fills (at that same price). Nothing is filled backwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import vectorbt as vbt

__all__ = ["EngineResult", "rebalance_signals", "simulate", "valuation_prices"]


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
        Always True on the first date.
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


@dataclass(frozen=True)
class EngineResult:
    """What the engine computed for every strategy.

    Attributes
    ----------
    value : DataFrame of shape (n_dates, n_strategies)
        Portfolio value at each close.
    returns : DataFrame of shape (n_dates, n_strategies)
        Daily returns after costs; the first row is 0.
    weights : dict of str to DataFrame of shape (n_dates, n_tickers)
        Weights held at each close (after that close's fills).
    orders : dict of str to DataFrame of shape (n_dates, n_tickers)
        The target-percent orders sent to vectorbt (NaN = no order).
    traded_fraction : DataFrame of shape (n_dates, n_strategies)
        Value traded (buys plus sells) over portfolio value, per day.
    fees_paid : DataFrame of shape (n_dates, n_strategies)
        Fees paid per day (slippage is in the fill price).
    """

    value: pd.DataFrame
    returns: pd.DataFrame
    weights: dict[str, pd.DataFrame]
    orders: dict[str, pd.DataFrame]
    traded_fraction: pd.DataFrame
    fees_paid: pd.DataFrame


def simulate(
    prices: pd.DataFrame,
    targets: Mapping[str, pd.DataFrame],
    signals: Mapping[str, np.ndarray],
    lag_days: int,
    fee_bps: float,
    slippage_bps: float,
    init_cash: float,
) -> EngineResult:
    """Run every strategy through vectorbt ``Portfolio.from_orders``.

    Parameters
    ----------
    prices : DataFrame of shape (n_dates, n_tickers)
        Aligned adjusted closes (NaN before listing and after a history ends).
    targets : mapping of str to DataFrame of shape (n_dates, n_tickers)
        Target weights per strategy, as of each signal close.
    signals : mapping of str to ndarray of bool, shape (n_dates,)
        Rebalance signal dates per strategy.
    lag_days : int
        Trading days from signal close to fill close (>= 1).
    fee_bps, slippage_bps : float
        Costs in basis points of traded value.
    init_cash : float
        Starting capital of each strategy.

    Returns
    -------
    EngineResult
    """
    if lag_days < 1:
        raise ValueError("lag_days must be >= 1: a signal cannot fill at its own close.")
    names = list(targets)
    tickers = list(prices.columns)
    close = valuation_prices(prices)
    # Tickers whose history has ended must be sold: their target is 0 and the
    # order is forced on the first date after the end.
    ended = prices.isna() & close.notna()
    blocks = []
    for name in names:
        target = targets[name].reindex(index=prices.index, columns=tickers).fillna(0.0)
        target = target.where(~ended, 0.0)
        on_signal = np.broadcast_to(np.asarray(signals[name], dtype=bool)[:, None], target.shape)
        orders = target.where(on_signal).shift(lag_days)
        # An order can only fill where there is a price.
        orders = orders.where(close.notna())
        blocks.append(orders)
    size = pd.concat(blocks, axis=1, keys=names, names=["strategy", "ticker"])
    wide_close = pd.concat([close] * len(names), axis=1, keys=names, names=["strategy", "ticker"])
    portfolio = vbt.Portfolio.from_orders(
        close=wide_close,
        size=size,
        size_type="targetpercent",
        price=wide_close,
        fees=fee_bps / 1e4,
        slippage=slippage_bps / 1e4,
        init_cash=init_cash,
        group_by="strategy",
        cash_sharing=True,
        call_seq="auto",
        freq="1D",
    )
    value = portfolio.value()
    if isinstance(value, pd.Series):  # vectorbt squeezes a single group
        value = value.to_frame(names[0])
    value = value[names]
    asset_value = portfolio.asset_value(group_by=False)
    shares = portfolio.assets()
    fees_by_column = _fees_by_date(portfolio, wide_close)
    weights, traded, fees = {}, {}, {}
    for name in names:
        held = asset_value[name].div(value[name], axis=0).fillna(0.0)
        weights[name] = held[tickers]
        trades = shares[name].diff().fillna(shares[name]).abs() * close.fillna(0.0)
        traded[name] = trades.sum(axis=1) / value[name]
        fees[name] = fees_by_column[name].sum(axis=1)
    returns = value.pct_change().fillna(0.0)
    returns.index.name = "date"
    return EngineResult(
        value=value,
        returns=returns,
        weights=weights,
        orders={name: size[name] for name in names},
        traded_fraction=pd.DataFrame(traded),
        fees_paid=pd.DataFrame(fees),
    )


def _fees_by_date(portfolio, wide_close: pd.DataFrame) -> pd.DataFrame:
    records = portfolio.orders.records
    fees = np.zeros(wide_close.shape)
    np.add.at(fees, (records["idx"], records["col"]), records["fees"])
    return pd.DataFrame(fees, index=wide_close.index, columns=wide_close.columns)
