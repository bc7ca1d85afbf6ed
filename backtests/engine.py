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

import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import matplotlib
import numpy as np
import pandas as pd

# Importing vectorbt restyles matplotlib (rcParams) and installs warnings
# filters globally; the house rule is no side effects at import, so its import
# runs inside contexts that restore the user's settings afterwards.
with matplotlib.rc_context(), warnings.catch_warnings():
    import vectorbt as vbt

from backtests.orders import costs_per_ticker, order_targets, rebalance_signals, valuation_prices
from backtests.reference import reference_simulate

__all__ = [
    "EngineResult",
    "costs_per_ticker",
    "order_targets",
    "rebalance_signals",
    "simulate",
    "valuation_prices",
]


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
    fee_bps: float | pd.Series,
    slippage_bps: float | pd.Series,
    init_cash: float,
    no_trade_band: Mapping[str, float] | None = None,
    cash: str | None = None,
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
    fee_bps, slippage_bps : float or Series of shape (n_tickers,)
        Costs in basis points of traded value; a Series gives one per ticker
        (see :func:`costs_per_ticker`).
    init_cash : float
        Starting capital of each strategy.
    no_trade_band : mapping of str to float, optional
        Per strategy, skip an order whose target weight differs from the
        current weight by at most this much (exits to 0 always trade). The
        band depends on holdings, so the orders that pass it are found by
        the reference engine (:mod:`backtests.reference`, same accounting)
        before the vectorbt call.
    cash : str, optional
        Cash-fund ticker that receives the un-invested remainder (see
        :func:`order_targets`).

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
    fees = _cost_row(fee_bps, tickers)
    slippage = _cost_row(slippage_bps, tickers)
    bands = dict(no_trade_band or {})
    blocks = []
    for name in names:
        target = order_targets(prices, targets[name], cash)
        on_signal = np.broadcast_to(np.asarray(signals[name], dtype=bool)[:, None], target.shape)
        orders = target.where(on_signal).shift(lag_days)
        # An order can only fill where there is a price.
        orders = orders.where(close.notna())
        if bands.get(name, 0.0) > 0.0:
            passed = reference_simulate(
                prices,
                target,
                signals[name],
                lag_days,
                pd.Series(fees, index=tickers),
                pd.Series(slippage, index=tickers),
                init_cash,
                bands[name],
            ).executed
            orders = orders.where(passed.to_numpy())
        blocks.append(orders)
    size = pd.concat(blocks, axis=1, keys=names, names=["strategy", "ticker"])
    wide_close = pd.concat([close] * len(names), axis=1, keys=names, names=["strategy", "ticker"])
    portfolio = vbt.Portfolio.from_orders(
        close=wide_close,
        size=size,
        size_type="targetpercent",
        price=wide_close,
        fees=np.tile(fees, len(names))[None, :],
        slippage=np.tile(slippage, len(names))[None, :],
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


def _cost_row(bps: float | pd.Series, tickers) -> np.ndarray:
    """Basis points (scalar or per-ticker Series) as fractions, one per ticker."""
    if isinstance(bps, pd.Series):
        return bps.reindex(tickers).to_numpy(dtype=float) / 1e4
    return np.full(len(tickers), float(bps) / 1e4)


def _fees_by_date(portfolio, wide_close: pd.DataFrame) -> pd.DataFrame:
    records = portfolio.orders.records
    fees = np.zeros(wide_close.shape)
    np.add.at(fees, (records["idx"], records["col"]), records["fees"])
    return pd.DataFrame(fees, index=wide_close.index, columns=wide_close.columns)
