"""An independent reference engine in plain NumPy.

It re-implements, from the documented rules and without vectorbt or the
sweep kernel, what :func:`backtests.engine.simulate` asks vectorbt to do:

1. The target of signal row ``s`` (NaN -> 0; 0 for a ticker whose history
   has ended; optionally the un-invested remainder added to the cash fund)
   is ordered at row ``s + lag`` for every ticker with a carried-forward
   price there.
2. At that close the portfolio value ``V`` is ``cash + sum(shares * close)``,
   before any of that close's fills. Each order wants
   ``w * V / close - shares`` shares. Orders are executed by ascending
   ``w * V - shares * close``: sells first, then buys from the smallest.
3. A sell of ``q`` shares adds ``q * close * (1 - slip) * (1 - fee)`` to cash.
   Buys are paid ``q * close * (1 + slip) * (1 + fee)`` while the cash
   lasts; the first buy that does not fit gets all the remaining cash
   (``q = cash / (1 + fee) / (close * (1 + slip))``) and later buys get
   nothing. Buys are computed together: a cumulative sum, not a loop.
4. With a no-trade band ``b > 0``, an order whose target differs from the
   current weight ``shares * close / V`` by ``b`` or less is skipped, unless
   its target is 0 (exits always trade).

Float tolerances of vectorbt (``1e-9`` relative) are not reproduced, so the
two agree to about 1e-9 relative, not bit for bit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["ReferenceResult", "reference_simulate"]


@dataclass(frozen=True)
class ReferenceResult:
    """Output of :func:`reference_simulate`.

    Attributes
    ----------
    value : Series of shape (n_dates,)
        Portfolio value at each close.
    shares : DataFrame of shape (n_dates, n_tickers)
        Shares held after each close's fills.
    executed : DataFrame of bool, shape (n_dates, n_tickers)
        Where an order was sent (after the no-trade band).
    fees_paid : Series of shape (n_dates,)
    """

    value: pd.Series
    shares: pd.DataFrame
    executed: pd.DataFrame
    fees_paid: pd.Series


def _per_ticker(cost: float | Mapping[str, float] | pd.Series, tickers) -> np.ndarray:
    if isinstance(cost, Mapping | pd.Series):
        return np.array([float(cost[t]) for t in tickers])
    return np.full(len(tickers), float(cost))


def reference_simulate(
    prices: pd.DataFrame,
    targets: pd.DataFrame,
    signals: np.ndarray,
    lag_days: int,
    fees: float | Mapping[str, float] | pd.Series,
    slippage: float | Mapping[str, float] | pd.Series,
    init_cash: float,
    no_trade_band: float = 0.0,
    cash: str | None = None,
) -> ReferenceResult:
    """Simulate one strategy with the documented accounting.

    Parameters
    ----------
    prices : DataFrame of shape (n_dates, n_tickers)
        Aligned closes, NaN before listing and after a history ends.
    targets : DataFrame of shape (n_dates, n_tickers)
        Target weights as of each signal close.
    signals : ndarray of bool, shape (n_dates,)
    lag_days : int
    fees, slippage : float or mapping of ticker to float
        Fractions of traded value (not basis points).
    init_cash : float
    no_trade_band : float, default 0
    cash : str, optional
        Ticker of the cash fund that receives the un-invested remainder.

    Returns
    -------
    ReferenceResult
    """
    tickers = list(prices.columns)
    raw = prices.to_numpy(dtype=float)
    n_days, n_tickers = raw.shape
    close = raw.copy()
    for t in range(1, n_days):  # carry the last close forward, never backward
        gap = np.isnan(close[t])
        close[t, gap] = close[t - 1, gap]
    ended = np.isnan(raw) & ~np.isnan(close)
    wanted = targets.reindex(index=prices.index, columns=tickers).to_numpy(dtype=float)
    wanted = np.where(np.isnan(wanted) | ended, 0.0, wanted)
    if cash is not None:
        j = tickers.index(cash)
        remainder = np.clip(1.0 - wanted.sum(axis=1), 0.0, None)
        wanted[:, j] += np.where(np.isnan(raw[:, j]), 0.0, remainder)
    fee = _per_ticker(fees, tickers)
    slip = _per_ticker(slippage, tickers)
    signals = np.asarray(signals, dtype=bool)
    shares = np.zeros(n_tickers)
    money = float(init_cash)
    values = np.empty(n_days)
    held = np.zeros((n_days, n_tickers))
    executed = np.zeros((n_days, n_tickers), dtype=bool)
    fees_paid = np.zeros(n_days)
    for t in range(n_days):
        s = t - lag_days
        price = close[t]
        if s >= 0 and signals[s]:
            listed = ~np.isnan(price)
            held_value = np.where(shares != 0, shares * np.nan_to_num(price), 0.0)
            value = money + held_value.sum()
            weight = wanted[s]
            send = listed.copy()
            if no_trade_band > 0 and value > 0:
                current = held_value / value
                send &= ~((np.abs(weight - current) <= no_trade_band) & (weight != 0))
            executed[t] = send
            columns = np.flatnonzero(send)
            delta = weight[columns] * value / price[columns] - shares[columns]
            order = columns[
                np.argsort(weight[columns] * value - held_value[columns], kind="stable")
            ]
            delta = dict(zip(columns.tolist(), delta.tolist(), strict=True))
            quantity = np.array([delta[i] for i in order])
            sells = quantity < 0
            sold = order[sells]
            proceeds = -quantity[sells] * price[sold] * (1 - slip[sold])
            money += float(np.sum(proceeds * (1 - fee[sold])))
            fees_paid[t] += float(np.sum(proceeds * fee[sold]))
            shares[sold] += quantity[sells]
            bought = order[~sells]
            want = quantity[~sells]
            unit = price[bought] * (1 + slip[bought]) * (1 + fee[bought])
            cost = want * unit
            spent = np.cumsum(cost)
            fits = spent <= money * (1 + 1e-12)
            fill = np.where(fits, want, 0.0)
            first_short = np.flatnonzero(~fits & (want > 0))
            if first_short.size:
                k = first_short[0]
                left = money - (spent[k - 1] if k > 0 else 0.0)
                fill[k] = max(left, 0.0) / unit[k]
                fill[k + 1 :] = 0.0
            fill = np.maximum(fill, 0.0)
            shares[bought] += fill
            outlay = fill * unit
            money -= float(outlay.sum())
            fees_paid[t] += float(np.sum(outlay - outlay / (1 + fee[bought])))
            money = max(money, 0.0) if abs(money) < 1e-9 * max(value, 1.0) else money
        held[t] = shares
        values[t] = money + np.sum(np.where(shares != 0, shares * np.nan_to_num(price), 0.0))
    index = prices.index
    return ReferenceResult(
        value=pd.Series(values, index=index, name="value"),
        shares=pd.DataFrame(held, index=index, columns=tickers),
        executed=pd.DataFrame(executed, index=index, columns=tickers),
        fees_paid=pd.Series(fees_paid, index=index, name="fees_paid"),
    )
