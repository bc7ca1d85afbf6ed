"""The sweep: kernel == vectorbt on every combination, chunking and threads, rf, grid building."""

import numba
import numpy as np
import pandas as pd
import pytest

from backtests.engine import order_targets, rebalance_signals, simulate
from backtests.metrics import cash_returns as _cash_series
from backtests.orders import parse_rule
from backtests.sweep import (
    KernelSweep,
    rotation_sweep,
    run_kernel_sweep,
    stats_frame,
)
from data.base import PERIODS_PER_YEAR
from strategies import RotationOptions, regime_rotation
from tests.conftest import random_walk_prices

BASKETS = {"spec": ["A", "B", "D"], "flow": ["C"]}


@pytest.fixture
def world(rng):
    index = pd.bdate_range("2019-01-01", periods=300)
    prices = random_walk_prices(rng, index, ["A", "B", "C", "D", "E"])
    prices.iloc[:60, 3] = np.nan
    prices["E"] = 100.0 * np.cumprod(1.0 + np.r_[0.0, np.full(299, 0.03 / PERIODS_PER_YEAR)])
    regimes = pd.DataFrame(
        {"regime": np.where((np.arange(300) // 37) % 2, "scarce", "abundant"), "p_scarce": 0.5},
        index=index,
    )
    return prices, regimes


def _flip(regimes):
    return regimes.assign(
        regime=regimes["regime"].map({"abundant": "scarce", "scarce": "abundant"})
    )


def _weights(prices, regimes, scarce_cash):
    return regime_rotation(
        prices, regimes, BASKETS, RotationOptions("spec", "flow", scarce_cash=scarce_cash)
    )


def _sweep(prices, regimes, rf=None, band=0.0):
    paths = {"real": regimes, "flipped": _flip(regimes)}
    return rotation_sweep(
        prices,
        paths,
        _weights,
        ["monthly+regime_change", "weekly"],
        {"scarce_cash": [0.0, 0.5]},
        [0.0, 10.0],
        5.0,
        {"D": 40.0},
        "E",
        band=band,
        rf=rf,
    )


def _pandas_excess_sharpe(value: pd.Series, rf: np.ndarray) -> float:
    excess = value.pct_change().fillna(0.0) - rf
    return excess.mean() / excess.std(ddof=1) * np.sqrt(PERIODS_PER_YEAR)


@pytest.mark.parametrize("band", [0.0, 0.04])
def test_kernel_matches_vectorbt_on_every_combination(world, band):
    prices, regimes = world
    rf = cash_returns(prices, "E")
    sweep, table = _sweep(prices, regimes, rf, band)
    assert len(table) == 2 * 2 * 2 * 2
    stats, equity = run_kernel_sweep(sweep, 1, 1e5, chunk_size=3, keep_equity=True, progress=False)
    for c, row in table.iterrows():
        path = regimes if row["regimes"] == "real" else _flip(regimes)
        target = _weights(prices, path, row["scarce_cash"])
        frequency, on_change = parse_rule(row["rebalance"])
        signals = rebalance_signals(
            prices.index, path["regime"], prices.notna(), frequency, on_change
        )
        fees = pd.Series(row["fee_bps"], index=prices.columns)
        fees["D"] = 40.0
        result = simulate(
            prices,
            {"s": target},
            {"s": signals},
            1,
            fees,
            5.0,
            1e5,
            no_trade_band={"s": band},
            cash="E",
        )
        value = result.value["s"]
        assert stats[c, 0] == pytest.approx(value.iloc[-1], rel=1e-9)
        np.testing.assert_allclose(equity[c], value.to_numpy(), rtol=1e-9, atol=0)
        assert stats[c, 1] == pytest.approx(
            (value / value.cummax().clip(lower=1e5) - 1).min(), abs=1e-12
        )
        assert stats[c, 2] == pytest.approx(result.traded_fraction["s"].sum(), rel=1e-9)
        # the excess Sharpe is the pandas expression, on vectorbt's curve and on the kernel's own
        assert stats[c, 3] == pytest.approx(_pandas_excess_sharpe(value, rf), rel=1e-9)
        assert stats[c, 3] == pytest.approx(
            _pandas_excess_sharpe(pd.Series(equity[c]), rf), rel=1e-12, abs=1e-12
        )
        assert stats[c, 4] > 0


def test_cash_fund_sharpe_is_excess_over_that_fund(world):
    prices, _ = world
    rf = cash_returns(prices, "E")
    np.testing.assert_allclose(rf[1:], 0.03 / PERIODS_PER_YEAR, rtol=1e-9)
    assert rf[0] == 0.0
    plain = _sweep(prices, world[1])[0]
    stats_plain, equity = run_kernel_sweep(plain, 1, 1e5, keep_equity=True, progress=False)
    stats_excess, _ = run_kernel_sweep(plain, 1, 1e5, rf=rf, progress=False)
    for c in range(plain.n_combos):
        value = pd.Series(equity[c])
        assert stats_plain[c, 3] == pytest.approx(_pandas_excess_sharpe(value, 0.0), rel=1e-12)
        assert stats_excess[c, 3] == pytest.approx(_pandas_excess_sharpe(value, rf), rel=1e-12)
    assert (stats_excess[:, 3] < stats_plain[:, 3]).all()  # a positive cash rate lowers Sharpe
    np.testing.assert_array_equal(
        np.delete(stats_excess, 3, axis=1), np.delete(stats_plain, 3, axis=1)
    )


def test_rf_in_the_sweep_or_as_argument_is_the_same(world):
    prices, regimes = world
    rf = cash_returns(prices, "E")
    with_rf, _ = _sweep(prices, regimes, rf)
    plain, _ = _sweep(prices, regimes)
    assert plain.rf is None
    from_sweep, _ = run_kernel_sweep(with_rf, 1, 1e5, progress=False)
    from_argument, _ = run_kernel_sweep(plain, 1, 1e5, rf=rf, progress=False)
    np.testing.assert_array_equal(from_sweep, from_argument)
    zeros, _ = run_kernel_sweep(plain, 1, 1e5, rf=np.zeros(len(prices)), progress=False)
    default, _ = run_kernel_sweep(plain, 1, 1e5, progress=False)
    np.testing.assert_array_equal(zeros, default)
    with pytest.raises(ValueError, match="give it once"):
        run_kernel_sweep(with_rf, 1, 1e5, rf=rf, progress=False)
    with pytest.raises(ValueError, match=r"shape \(300,\)"):
        run_kernel_sweep(plain, 1, 1e5, rf=rf[:-1], progress=False)
    with pytest.raises(ValueError, match="finite"):
        run_kernel_sweep(plain, 1, 1e5, rf=np.r_[np.nan, rf[1:]], progress=False)


@pytest.mark.parametrize("chunk_size", [1, 7])
def test_chunking_does_not_change_a_byte(world, chunk_size):
    prices, regimes = world
    sweep, _ = _sweep(prices, regimes, cash_returns(prices, "E"))
    whole, whole_equity = run_kernel_sweep(
        sweep, 1, 1e5, chunk_size=sweep.n_combos, keep_equity=True, progress=False
    )
    pieces, pieces_equity = run_kernel_sweep(
        sweep, 1, 1e5, chunk_size=chunk_size, keep_equity=True, progress=False
    )
    assert whole.tobytes() == pieces.tobytes()
    assert whole_equity.tobytes() == pieces_equity.tobytes()


def test_thread_count_does_not_change_a_byte(world):
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("numba has a single thread on this machine")
    prices, regimes = world
    sweep, _ = _sweep(prices, regimes, cash_returns(prices, "E"))
    before = numba.get_num_threads()
    two, two_equity = run_kernel_sweep(
        sweep, 1, 1e5, chunk_size=5, keep_equity=True, progress=False, n_threads=2
    )
    one, one_equity = run_kernel_sweep(
        sweep, 1, 1e5, chunk_size=5, keep_equity=True, progress=False, n_threads=1
    )
    assert numba.get_num_threads() == before  # the call restores numba's setting
    assert one.tobytes() == two.tobytes()
    assert one_equity.tobytes() == two_equity.tobytes()


def test_keep_equity_false_gives_the_same_statistics(world):
    prices, regimes = world
    sweep, _ = _sweep(prices, regimes, cash_returns(prices, "E"))
    kept, equity = run_kernel_sweep(sweep, 2, 1e5, keep_equity=True, progress=False)
    bare, none = run_kernel_sweep(sweep, 2, 1e5, progress=False)
    assert none is None
    assert kept.tobytes() == bare.tobytes()
    np.testing.assert_array_equal(kept[:, 0], equity[:, -1])


def test_old_positional_kernel_sweep_still_works(world):
    prices, regimes = world
    sweep, _ = _sweep(prices, regimes)
    positional = KernelSweep(
        sweep.close,
        sweep.templates,
        sweep.masks,
        sweep.combo_template,
        sweep.combo_mask,
        sweep.fees,
        sweep.slippage,
        sweep.band,
    )
    stats, _ = run_kernel_sweep(positional, 1, 1e5, progress=False)
    frame = stats_frame(stats, len(prices), 1e5)
    assert list(frame.columns) == [
        "final_value",
        "cagr",
        "sharpe",
        "max_drawdown",
        "turnover",
        "n_fills",
    ]
    growth = frame["final_value"] / 1e5
    np.testing.assert_allclose(frame["cagr"], growth ** (PERIODS_PER_YEAR / len(prices)) - 1.0)


def cash_returns(prices, cash):
    """The cash fund's daily returns as the kernel's ``rf`` (zeros without a fund)."""
    if cash is None:
        return np.zeros(len(prices))
    return _cash_series(prices, cash).to_numpy()


def test_cash_returns_without_a_fund_are_zeros(world):
    prices, _ = world
    np.testing.assert_array_equal(cash_returns(prices, None), np.zeros(len(prices)))
    late = prices.assign(E=prices["E"].where(prices.index >= prices.index[10]))
    rates = cash_returns(late, "E")
    assert (rates[:11] == 0.0).all() and (rates[11:] > 0).all()


def test_order_targets_put_the_remainder_in_cash(world):
    prices, _ = world
    target = pd.DataFrame(0.25, index=prices.index, columns=prices.columns)
    target["E"] = 0.0
    target = target.where(prices.notna(), 0.0)
    held = order_targets(prices, target, "E")
    listed = prices[["A", "B", "C", "D"]].notna().sum(axis=1)
    np.testing.assert_allclose(held["E"], 1.0 - 0.25 * listed)


@pytest.mark.parametrize("rule", ["monthly", "never+regime_change", "weekly+regime_change"])
def test_parse_rule(rule):
    frequency, on_change = parse_rule(rule)
    assert frequency in rule and on_change == ("+" in rule)


def test_parse_rule_rejects_nonsense():
    with pytest.raises(ValueError, match="not allowed"):
        parse_rule("fortnightly")
