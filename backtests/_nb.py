"""Numba kernels of the sweep engine (private).

One portfolio: :func:`target_percent_py` simulates target-percent orders
with vectorbt ``Portfolio.from_orders`` semantics (``size_type=
"targetpercent"``, ``price=close``, ``cash_sharing=True``,
``call_seq="auto"``, ``direction="both"``, proportional fees and slippage):

* the order value is computed from the portfolio value at the fill close,
  before any of that close's orders (vectorbt's ``update_value=False``);
* orders are executed in ascending order of their approximate value
  ``w * V - position * price`` (sells first, then the smallest buys);
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
zero target always trade). The pandas equivalent of the outputs: equity is
``Portfolio.value()``; ``max_drawdown`` is ``(value / value.cummax() - 1).min()``
(with the initial cash as the first peak); ``turnover_sum`` is the sum over
days of ``(|shares.diff()| * close).sum() / value``; ``sharpe`` is
``returns.mean() / returns.std(ddof=1) * sqrt(252)`` of the daily value
returns (0 for the first row).

Each kernel is written in plain Python (``*_py``) and compiled
(``*_nb = njit(cache=True)(*_py)``); :func:`sweep_nb` is the
``prange``-parallel driver over combinations.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["N_STATS", "STAT_NAMES", "sweep_nb", "sweep_py", "target_percent_nb", "target_percent_py"]

REL_TOL = 1e-9
ABS_TOL = 1e-12
#: Columns of the statistics row each portfolio returns.
STAT_NAMES: tuple[str, ...] = ("final_value", "max_drawdown", "turnover_sum", "sharpe", "n_fills")
N_STATS = len(STAT_NAMES)


def is_close_py(a: float, b: float) -> bool:
    """vectorbt's ``is_close_nb`` (finite inputs)."""
    if a == b:
        return True
    return abs(a - b) <= max(REL_TOL * max(abs(a), abs(b)), ABS_TOL)


is_close_nb = njit(cache=True, inline="always")(is_close_py)


def add_py(a: float, b: float) -> float:
    """vectorbt's ``add_nb``: a sum that snaps to 0 when it nearly cancels."""
    if np.sign(a) != np.sign(b):
        if is_close_nb(abs(a), abs(b)):
            return 0.0
    elif is_close_nb(a + b, 0.0):
        return 0.0
    return a + b


add_nb = njit(cache=True, inline="always")(add_py)


def target_percent_py(close, targets, mask, lag, fees, slippage, band, init_cash, equity_out):
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
    equity_out : ndarray of shape (n_days,) or (0,)
        Filled with the value at each close when it has n_days rows.

    Returns
    -------
    ndarray of shape (N_STATS,)
    """
    n_days, n_assets = close.shape
    position = np.zeros(n_assets)
    order_value = np.empty(n_assets)
    order_asset = np.empty(n_assets, dtype=np.int64)
    cash = init_cash
    peak = init_cash
    max_drawdown = 0.0
    turnover_sum = 0.0
    previous = init_cash
    sum_r = 0.0
    sum_r2 = 0.0
    n_fills = 0
    write_equity = equity_out.shape[0] == n_days
    for t in range(n_days):
        value = cash
        for i in range(n_assets):
            # position is 0 before listing, where close is NaN: skip, as vectorbt does
            if position[i] != 0.0:
                value += position[i] * close[t, i]
        traded = 0.0
        s = t - lag
        filled_today = s >= 0 and mask[s]
        if filled_today:
            n_orders = 0
            for i in range(n_assets):
                price = close[t, i]
                if np.isnan(price):
                    continue
                weight = targets[s, i]
                if band > 0.0 and weight != 0.0 and value > 0.0:
                    if abs(weight - position[i] * price / value) <= band:
                        continue
                # stable insertion by approximate order value (sells first)
                approx = weight * value - position[i] * price
                k = n_orders
                while k > 0 and order_value[k - 1] > approx:
                    order_value[k] = order_value[k - 1]
                    order_asset[k] = order_asset[k - 1]
                    k -= 1
                order_value[k] = approx
                order_asset[k] = i
                n_orders += 1
            for j in range(n_orders):
                i = order_asset[j]
                price = close[t, i]
                if is_close_nb(cash, 0.0):
                    cash = 0.0
                held = position[i]
                if is_close_nb(held, 0.0):
                    held = 0.0
                if value <= 0.0:
                    continue
                size = targets[s, i] * value / price - held
                if size > 0.0:
                    if cash == 0.0 or is_close_nb(size, 0.0):
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
                    position[i] = add_nb(held, filled)
                else:
                    size = -size
                    if is_close_nb(size, 0.0):
                        continue
                    fill_price = price * (1.0 - slippage[i])
                    received = size * fill_price
                    cash = cash + add_nb(received, -received * fees[i])
                    position[i] = add_nb(held, -size)
                    filled = size
                traded += filled * price
                n_fills += 1
        if filled_today:
            value = cash
            for i in range(n_assets):
                if position[i] != 0.0:
                    value += position[i] * close[t, i]
        if write_equity:
            equity_out[t] = value
        if value > peak:
            peak = value
        drawdown = value / peak - 1.0
        if drawdown < max_drawdown:
            max_drawdown = drawdown
        turnover_sum += traded / value
        r = value / previous - 1.0 if t > 0 else 0.0
        sum_r += r
        sum_r2 += r * r
        previous = value
    stats = np.empty(N_STATS)
    stats[0] = previous
    stats[1] = max_drawdown
    stats[2] = turnover_sum
    mean = sum_r / n_days
    variance = (sum_r2 - n_days * mean * mean) / (n_days - 1) if n_days > 1 else 0.0
    stats[3] = mean / np.sqrt(variance) * np.sqrt(252.0) if variance > 1e-30 else np.nan
    stats[4] = n_fills
    return stats



target_percent_nb = njit(cache=True, error_model="numpy")(target_percent_py)


def sweep_py(close, templates, masks, combo_template, combo_mask, fees, slippage, band, lag,
             init_cash, equity_out):
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
        row = equity_out[c] if write else empty
        out[c] = target_percent_py(close, templates[combo_template[c]], masks[combo_mask[c]], lag,
                                   fees[c], slippage[c], band[c], init_cash, row)
    return out


@njit(parallel=True, cache=True, error_model="numpy")
def sweep_nb(close, templates, masks, combo_template, combo_mask, fees, slippage, band, lag,
             init_cash, equity_out):
    """Compiled, ``prange``-parallel twin of :func:`sweep_py` (same arguments and result)."""
    n_combos = combo_template.shape[0]
    out = np.empty((n_combos, N_STATS))
    write = equity_out.shape[0] == n_combos
    for c in prange(n_combos):
        if write:
            stats = target_percent_nb(close, templates[combo_template[c]], masks[combo_mask[c]],
                                      lag, fees[c], slippage[c], band[c], init_cash, equity_out[c])
        else:
            stats = target_percent_nb(close, templates[combo_template[c]], masks[combo_mask[c]],
                                      lag, fees[c], slippage[c], band[c], init_cash, np.empty(0))
        for k in range(N_STATS):
            out[c, k] = stats[k]
    return out
