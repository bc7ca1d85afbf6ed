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

from backtests.reference import reference_simulate

__all__ = [
    "EngineResult",
    "costs_per_ticker",
    "order_targets",
    "rebalance_signals",
    "simulate",
    "valuation_prices",
]


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
    return pd.Series([float(overrides.get(t, bps)) for t in tickers], index=list(tickers),
                     dtype=float)


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
                prices, target, signals[name], lag_days, pd.Series(fees, index=tickers),
                pd.Series(slippage, index=tickers), init_cash, bands[name],
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
