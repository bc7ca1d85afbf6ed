"""The sweep kernel itself: compiled == plain Python == vectorbt's helpers == pandas."""

import numpy as np
import pandas as pd
import pytest
from vectorbt.utils.math_ import add_nb as vectorbt_add_nb
from vectorbt.utils.math_ import is_close_nb as vectorbt_is_close_nb

from backtests._nb import (
    add_nb,
    add_py,
    is_close_nb,
    is_close_py,
    simulate_nb,
    simulate_py,
    sweep_nb,
    sweep_py,
    target_percent_nb,
    target_percent_py,
)
from data.base import PERIODS_PER_YEAR

N_DAYS, N_ASSETS = 260, 6


@pytest.fixture
def arrays(rng):
    """Prices (two late listings), two templates, two masks, six combinations."""
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0003, 0.015, (N_DAYS, N_ASSETS)), axis=0))
    close[:40, 2] = np.nan
    close[:90, 5] = np.nan
    listed = ~np.isnan(close)
    raw = rng.random((2, N_DAYS, N_ASSETS)) * listed
    templates = raw / raw.sum(axis=2, keepdims=True) * np.array([1.0, 0.7])[:, None, None]
    templates[1, 120:180] = 0.0  # all cash for a while: exits and no-op orders
    masks = np.zeros((2, N_DAYS), dtype=bool)
    masks[0, ::5] = True
    masks[1, ::21] = True
    masks[:, [40, 90]] = True
    combo_template = np.array([0, 0, 1, 1, 0, 1], dtype=np.int64)
    combo_mask = np.array([0, 1, 0, 1, 0, 0], dtype=np.int64)
    fees = np.repeat(np.array([0.0, 1e-3, 5e-3, 2e-4, 1e-2, 0.0])[:, None], N_ASSETS, axis=1)
    slippage = np.full((6, N_ASSETS), 5e-4)
    band = np.array([0.0, 0.0, 0.03, 0.0, 0.02, 0.0])
    rf = np.r_[0.0, np.abs(rng.normal(0.03, 0.01, N_DAYS - 1)) / PERIODS_PER_YEAR]
    return close, templates, masks, combo_template, combo_mask, fees, slippage, band, rf


def _sweep_args(arrays, lag=2, init_cash=1e5):
    close, templates, masks, combo_template, combo_mask, fees, slippage, band, rf = arrays
    return (
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
    )


def test_compiled_equals_plain_python_byte_for_byte(arrays):
    args = _sweep_args(arrays)
    n = len(arrays[3])
    equity_nb, equity_py = np.empty((n, N_DAYS)), np.empty((n, N_DAYS))
    compiled = sweep_nb(*args, equity_nb)
    plain = sweep_py(*args, equity_py)
    assert compiled.tobytes() == plain.tobytes()
    assert equity_nb.tobytes() == equity_py.tobytes()
    close, templates, masks, _, _, fees, slippage, _, rf = arrays
    one = (close, templates[1], masks[0], 2, fees[2], slippage[2], 0.03, 1e5, rf)
    row_nb, row_py = np.empty(N_DAYS), np.empty(N_DAYS)
    assert simulate_nb(*one, row_nb).tobytes() == simulate_py(*one, row_py).tobytes()
    assert row_nb.tobytes() == row_py.tobytes() == equity_nb[2].tobytes()
    assert simulate_nb(*one, row_nb).tobytes() == compiled[2].tobytes()


def test_target_percent_keeps_its_old_call_and_takes_rf(arrays):
    close, templates, masks, _, _, fees, slippage, _, rf = arrays
    old = (close, templates[0], masks[0], 1, fees[1], slippage[1], 0.0, 1e5, np.empty(0))
    plain = target_percent_nb(*old)
    assert plain.tobytes() == target_percent_py(*old).tobytes()
    assert plain.tobytes() == target_percent_nb(*old, np.zeros(N_DAYS)).tobytes()
    excess = target_percent_nb(*old, rf)
    assert excess.tobytes() == target_percent_py(*old, rf).tobytes()
    np.testing.assert_array_equal(np.delete(excess, 3), np.delete(plain, 3))
    assert excess[3] < plain[3]


def test_statistics_are_the_pandas_expressions_of_the_equity(arrays):
    args = _sweep_args(arrays)
    n = len(arrays[3])
    equity = np.empty((n, N_DAYS))
    stats = sweep_nb(*args, equity)
    rf = arrays[-1]
    for c in range(n):
        value = pd.Series(equity[c])
        excess = value.pct_change().fillna(0.0) - rf
        sharpe = excess.mean() / excess.std(ddof=1) * np.sqrt(PERIODS_PER_YEAR)
        assert stats[c, 3] == pytest.approx(sharpe, rel=1e-12)
        assert stats[c, 0] == value.iloc[-1]
        drawdown = (value / value.cummax().clip(lower=1e5) - 1.0).min()
        assert stats[c, 1] == pytest.approx(drawdown, abs=1e-15)


def test_sharpe_is_nan_without_excess_volatility(arrays):
    close, _, masks, _, _, fees, slippage, _, _ = arrays
    all_cash = np.zeros((N_DAYS, N_ASSETS))
    run = (close, all_cash, masks[0], 1, fees[1], slippage[1], 0.0, 1e5)
    assert np.isnan(simulate_nb(*run, np.zeros(N_DAYS), np.empty(0))[3])
    constant = np.r_[0.0, np.full(N_DAYS - 1, 1e-4)]  # excess -1e-4 after day 0: not constant
    assert simulate_nb(*run, constant, np.empty(0))[3] < 0
    flat = np.full(N_DAYS, 1e-4)  # excess exactly -1e-4 every day: zero volatility
    assert np.isnan(simulate_nb(*run, flat, np.empty(0))[3])


def test_kernel_does_not_mutate_its_inputs(arrays):
    before = [a.copy() for a in arrays]
    sweep_nb(*_sweep_args(arrays), np.empty((len(arrays[3]), N_DAYS)))
    for old, new in zip(before, arrays, strict=True):
        np.testing.assert_array_equal(old, new)


TOLERANCE_CASES = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    1e-12,
    -1e-12,
    1.1e-12,
    -1.1e-12,
    5e-13,
    1e-3,
    1e6,
    -1e6,
    1e6 * (1 + 1e-9),
    1e6 * (1 + 2e-9),
    -1e6 * (1 + 5e-10),
    1e-300,
    -1e-300,
    123.456,
    -123.456 + 1e-8,
    1e-9,
    -1e-9,
]


@pytest.mark.parametrize("b", TOLERANCE_CASES)
def test_tolerance_helpers_equal_vectorbts(b):
    for a in TOLERANCE_CASES:
        for helper in (add_py, add_nb):
            assert helper(a, -b) == vectorbt_add_nb(a, -b), (a, -b)
            assert helper(a, b) == vectorbt_add_nb(a, b), (a, b)
        for helper in (is_close_py, is_close_nb):
            assert helper(a, b) == vectorbt_is_close_nb(a, b), (a, b)


def test_add_snaps_near_cancellation_like_vectorbt(rng):
    a = rng.normal(0, 1, 2000) * 10.0 ** rng.integers(-14, 8, 2000)
    b = -a * (1.0 + rng.choice([0.0, 1e-10, 5e-10, 2e-9, 1e-6], 2000))
    for x, y in zip(a, b, strict=True):
        assert add_nb(x, y) == vectorbt_add_nb(x, y), (x, y)
