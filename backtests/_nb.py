"""Numba kernels of the sweep engine (private).

One portfolio: :func:`simulate_py` simulates target-percent orders with
vectorbt ``Portfolio.from_orders`` semantics (``size_type=
"targetpercent"``, ``price=close``, ``cash_sharing=True``,
``call_seq="auto"``, ``direction="both"``, proportional fees and slippage):

* the order value is computed from the portfolio value at the fill close,
  before any of that close's orders (vectorbt's ``update_value=False``);
* orders are executed in ascending order of their approximate value
  ``w * V - position * price`` (sells first, then the smallest buys; ties
  in asset order);
* a buy pays ``size * price * (1 + slippage) * (1 + fee)``; when the cash is
  insufficient it is reduced to ``cash / (1 + fee) / (price * (1 + slippage))``
  (so a 100% target with fees buys slightly less than 100%), and later buys
  find no cash and are rejected;
* a sell receives ``size * price * (1 - slippage) * (1 - fee)``;
* vectorbt's float tolerances (``rel_tol=1e-9``, ``abs_tol=1e-12``) are
  reproduced where they decide a fill.

The order for signal row ``s`` fills at row ``s + lag`` for every asset with
a (carried-forward) price there. An optional no-trade band skips an order
whose target differs from the current weight by ``band`` or less (exits to a
zero target always trade).

Outputs, as the pandas expressions they equal (``value`` is the daily equity
Series, ``rf`` the Series of daily risk-free returns):

* equity is ``Portfolio.value()``;
* ``max_drawdown`` is ``(value / value.cummax() - 1).min()`` with the
  initial cash as the first peak;
* ``turnover_sum`` is the sum over days of
  ``(|shares.diff()| * close).sum() / value``;
* ``sharpe`` is the Sharpe ratio **in excess of the cash fund**::

      r = value.pct_change().fillna(0.0)        # r_0 = 0
      excess = r - rf
      excess.mean() / excess.std(ddof=1) * np.sqrt(PERIODS_PER_YEAR)

  over all days (NaN when the daily standard deviation is 1e-15 or less).
  ``rf`` is the run's cash fund's daily simple return, ``rf[0] = 0``
  (its ``close.pct_change()`` with 0 where undefined); all zeros gives the
  plain, excess-free Sharpe ratio.

Speed (see ``bench/sweep.py``): the kernel keeps the list of assets held,
so a day's valuation only touches them (the sum is still taken in asset
order, so it equals the full sum bit for bit); an order that is a no-op
(zero target, no position) is not sorted or visited, and its only effect in
vectorbt (snapping the cash to 0 when within ``abs_tol``) is applied when it
would have come last; vectorbt's tolerance tests are written without
``np.sign`` branches; the drawdown and turnover divisions only run on the
days that can change them. On a rebalance day the orders are collected and
sorted without branches that depend on the data (a compaction that writes
every asset and keeps the orders, then each order's rank as a count of the
orders before it): mispredicted branches, not arithmetic, were the cost of
the insertion sort this replaces. The order of the orders, and so every
result, is the same bit for bit.

Each kernel is written in plain Python (``*_py``) and compiled
(``*_nb = njit(cache=True)(*_py)``); :func:`sweep_nb` is the
``prange``-parallel twin of :func:`sweep_py` over combinations. A
combination's results do not depend on which chunk or thread ran it.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from data.base import PERIODS_PER_YEAR

__all__ = [
    "N_STATS",
    "STAT_NAMES",
    "add_nb",
    "add_py",
    "is_close_nb",
    "is_close_py",
    "simulate_nb",
    "simulate_py",
    "sweep_nb",
    "sweep_py",
    "target_percent_nb",
    "target_percent_py",
]

REL_TOL = 1e-9
ABS_TOL = 1e-12
#: Sharpe is NaN when the daily standard deviation of excess returns is this or less.
MIN_DAILY_STD = 1e-15
#: Columns of the statistics row each portfolio returns.
STAT_NAMES: tuple[str, ...] = ("final_value", "max_drawdown", "turnover_sum", "sharpe", "n_fills")
N_STATS = len(STAT_NAMES)
SQRT_PERIODS_PER_YEAR = float(np.sqrt(PERIODS_PER_YEAR))


def is_close_py(a: float, b: float) -> bool:
    """vectorbt's ``is_close_nb`` (finite inputs)."""
    if a == b:
        return True
    return abs(a - b) <= max(REL_TOL * max(abs(a), abs(b)), ABS_TOL)


is_close_nb = njit(cache=True, inline="always")(is_close_py)


def add_py(a: float, b: float) -> float:
    """vectorbt's ``add_nb``: a sum that snaps to 0 when it nearly cancels.

    vectorbt tests ``is_close(|a|, |b|)`` when ``np.sign`` differs and
    ``is_close(a + b, 0)`` otherwise. For opposite signs ``||a| - |b||`` is
    exactly ``|a + b|``, and ``is_close(x, 0)`` is ``|x| <= abs_tol``, so both
    reduce to the two comparisons below (finite inputs).
    """
    total = a + b
    size = abs(total)
    if size <= ABS_TOL:
        return 0.0
    if (a < 0.0) != (b < 0.0) and size <= REL_TOL * max(abs(a), abs(b)):
        return 0.0
    return total


add_nb = njit(cache=True, inline="always")(add_py)


def simulate_py(close, targets, mask, lag, fees, slippage, band, init_cash, rf, equity_out):
    """Simulate one portfolio; see the module docstring.

    Parameters
    ----------
    close : ndarray of shape (n_days, n_assets)
        Fill and valuation prices, carried forward; NaN before listing.
    targets : ndarray of shape (n_days, n_assets)
        Target weights as of each signal row (0 for unlisted or ended).
    mask : ndarray of bool, shape (n_days,)
        Rebalance signal rows.
    lag : int
        Rows from signal to fill (>= 1).
    fees, slippage : ndarray of shape (n_assets,)
        Fractions of traded value.
    band : float
        No-trade band in weight units (0 disables).
    init_cash : float
    rf : ndarray of shape (n_days,)
        Daily risk-free simple returns (``rf[0] = 0``).
    equity_out : ndarray of shape (n_days,) or (0,)
        Filled with the value at each close when it has n_days rows.

    Returns
    -------
    ndarray of shape (N_STATS,)
        ``final_value``, ``max_drawdown``, ``turnover_sum``, ``sharpe``
        (in excess of ``rf``), ``n_fills``.
    """
    n_days, n_assets = close.shape
    position = np.zeros(n_assets)
    held_assets = np.empty(n_assets, dtype=np.int64)
    order_value = np.empty(n_assets)
    order_asset = np.empty(n_assets, dtype=np.int64)
    candidate_value = np.empty(n_assets + 1)  # + 1: the compaction writes one past the last
    candidate_asset = np.empty(n_assets + 1, dtype=np.int64)
    excess = np.empty(n_days)
    n_held = 0
    cash = init_cash
    peak = init_cash
    max_drawdown = 0.0
    turnover_sum = 0.0
    previous = init_cash
    total_excess = 0.0
    n_fills = 0
    write_equity = equity_out.shape[0] == n_days
    for t in range(n_days):
        # only held assets count: elsewhere the position is exactly 0 (and the price may be NaN)
        value = cash
        for h in range(n_held):
            i = held_assets[h]
            value += position[i] * close[t, i]
        s = t - lag
        filled_today = s >= 0 and mask[s]
        if filled_today:
            traded = 0.0
            n_orders = 0
            last_no_op = -1
            # every asset is written, only the orders are kept: no branch on the data
            for i in range(n_assets):
                price = close[t, i]
                weight = targets[s, i]
                held = position[i]
                listed = not np.isnan(price)
                no_op = listed and weight == 0.0 and held == 0.0
                last_no_op = i if no_op else last_no_op  # vectorbt visits it; see below
                in_band = (
                    band > 0.0
                    and weight != 0.0
                    and value > 0.0
                    and abs(weight - held * price / value) <= band
                )
                candidate_value[n_orders] = weight * value - held * price
                candidate_asset[n_orders] = i
                n_orders += listed and not no_op and not in_band
            # stable sort by approximate order value (sells first, ties in asset order):
            # each order's rank counts the orders before it, without a branch on the data
            for j in range(n_orders):
                approx = candidate_value[j]
                rank = 0
                for k in range(j):
                    rank += candidate_value[k] <= approx
                for k in range(j + 1, n_orders):
                    rank += candidate_value[k] < approx
                order_value[rank] = approx
                order_asset[rank] = candidate_asset[j]
            for j in range(n_orders):
                i = order_asset[j]
                price = close[t, i]
                cash = 0.0 if abs(cash) <= ABS_TOL else cash
                held = position[i]
                held = 0.0 if abs(held) <= ABS_TOL else held
                if value <= 0.0:
                    continue
                size = targets[s, i] * value / price - held
                if size > 0.0:
                    if cash == 0.0 or abs(size) <= ABS_TOL:
                        continue
                    fill_price = price * (1.0 + slippage[i])
                    required = size * fill_price
                    total = required + required * fees[i]
                    if is_close_nb(total, cash) or total < cash:
                        filled = size
                        paid = total
                    else:
                        filled = cash / (1.0 + fees[i]) / fill_price
                        paid = cash
                    cash = add_nb(cash, -paid)
                    # held: numpy's stubs type position[i] (an Any index) as float | ndarray
                    position[i] = add_nb(held, filled)  # pyright: ignore[reportArgumentType]
                else:
                    size = -size
                    if abs(size) <= ABS_TOL:
                        continue
                    received = size * (price * (1.0 - slippage[i]))
                    cash = cash + add_nb(received, -received * fees[i])
                    position[i] = add_nb(held, -size)  # pyright: ignore[reportArgumentType]
                    filled = size
                traded += filled * price
                n_fills += 1
            # A no-op order (zero target, no position) does nothing but snap the cash to 0
            # when within abs_tol; that matters only if one would have been visited last.
            if last_no_op >= 0 and (
                n_orders == 0
                or order_value[n_orders - 1] < 0.0
                or (order_value[n_orders - 1] == 0.0 and order_asset[n_orders - 1] < last_no_op)
            ):
                cash = 0.0 if abs(cash) <= ABS_TOL else cash
            value = cash
            n_held = 0
            for i in range(n_assets):
                if position[i] != 0.0:
                    held_assets[n_held] = i
                    n_held += 1
                    value += position[i] * close[t, i]
            turnover_sum += traded / value
        if write_equity:
            equity_out[t] = value
        if value > peak:
            peak = value
        elif value < peak:  # at the peak the drawdown is 0, never below the minimum
            max_drawdown = min(max_drawdown, value / peak - 1.0)
        step = (value / previous - 1.0 if t > 0 else 0.0) - rf[t]
        excess[t] = step
        total_excess += step
        previous = value
    mean = total_excess / n_days
    squares = 0.0
    for t in range(n_days):
        deviation = mean - excess[t]
        squares += deviation * deviation
    std = np.sqrt(squares / (n_days - 1)) if n_days > 1 else 0.0
    stats = np.empty(N_STATS)
    stats[0] = previous
    stats[1] = max_drawdown
    stats[2] = turnover_sum
    stats[3] = mean / std * SQRT_PERIODS_PER_YEAR if std > MIN_DAILY_STD else np.nan
    stats[4] = n_fills
    return stats


simulate_nb = njit(cache=True, error_model="numpy")(simulate_py)


def target_percent_py(
    close, targets, mask, lag, fees, slippage, band, init_cash, equity_out, rf=None
):
    """:func:`simulate_py` with an optional ``rf`` (None: zeros, the plain Sharpe ratio)."""
    rates = np.zeros(close.shape[0]) if rf is None else rf
    return simulate_nb(
        close, targets, mask, lag, fees, slippage, band, init_cash, rates, equity_out
    )


target_percent_nb = njit(cache=True, error_model="numpy")(target_percent_py)


def sweep_py(
    close,
    templates,
    masks,
    combo_template,
    combo_mask,
    fees,
    slippage,
    band,
    lag,
    init_cash,
    rf,
    equity_out,
):
    """Run every combination: template ``combo_template[c]`` traded on mask ``combo_mask[c]``.

    Parameters
    ----------
    close : ndarray of shape (n_days, n_assets)
    templates : ndarray of shape (n_templates, n_days, n_assets)
    masks : ndarray of bool, shape (n_masks, n_days)
    combo_template, combo_mask : ndarray of int64, shape (n_combos,)
    fees, slippage : ndarray of shape (n_combos, n_assets)
    band : ndarray of shape (n_combos,)
    lag : int
    init_cash : float
    rf : ndarray of shape (n_days,)
        Daily risk-free returns of the Sharpe ratio (zeros: excess-free).
    equity_out : ndarray of shape (n_combos, n_days) or (0, 0)
        Filled with each combination's daily value when it has n_combos rows.

    Returns
    -------
    ndarray of shape (n_combos, N_STATS)
        One :data:`STAT_NAMES` row per combination.
    """
    n_combos = combo_template.shape[0]
    out = np.empty((n_combos, N_STATS))
    write = equity_out.shape[0] == n_combos
    empty = np.empty(0)
    for c in range(n_combos):
        out[c] = simulate_py(
            close,
            templates[combo_template[c]],
            masks[combo_mask[c]],
            lag,
            fees[c],
            slippage[c],
            band[c],
            init_cash,
            rf,
            equity_out[c] if write else empty,
        )
    return out


@njit(parallel=True, cache=True, error_model="numpy")
def sweep_nb(
    close,
    templates,
    masks,
    combo_template,
    combo_mask,
    fees,
    slippage,
    band,
    lag,
    init_cash,
    rf,
    equity_out,
):
    """Compiled, ``prange``-parallel twin of :func:`sweep_py` (same arguments and result)."""
    n_combos = combo_template.shape[0]
    out = np.empty((n_combos, N_STATS))
    write = equity_out.shape[0] == n_combos
    for c in prange(n_combos):
        row = equity_out[c] if write else np.empty(0)
        stats = simulate_nb(
            close,
            templates[combo_template[c]],
            masks[combo_mask[c]],
            lag,
            fees[c],
            slippage[c],
            band[c],
            init_cash,
            rf,
            row,
        )
        for k in range(N_STATS):
            out[c, k] = stats[k]
    return out
