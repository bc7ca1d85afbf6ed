"""The sweep kernel: compiled == plain Python == vectorbt, chunking, grid building."""

import numpy as np
import pandas as pd
import pytest

from backtests._nb import sweep_nb, sweep_py, target_percent_nb, target_percent_py
from backtests.engine import order_targets, rebalance_signals, simulate
from backtests.sweep import KernelSweep, parse_rule, rotation_sweep, run_kernel_sweep
from strategies import regime_rotation
from tests.conftest import random_walk_prices


@pytest.fixture
def world(rng):
    index = pd.bdate_range("2019-01-01", periods=300)
    prices = random_walk_prices(rng, index, ["A", "B", "C", "D", "E"])
    prices.iloc[:60, 3] = np.nan
    regimes = pd.DataFrame({"regime": np.where((np.arange(300) // 37) % 2, "scarce", "abundant"),
                            "p_scarce": 0.5}, index=index)
    return prices, regimes


def _sweep(prices, regimes):
    baskets = {"spec": ["A", "B", "D"], "flow": ["C"]}
    paths = {"real": regimes, "flipped": regimes.assign(
        regime=regimes["regime"].map({"abundant": "scarce", "scarce": "abundant"}))}

    def weights(p, r, scarce_cash):
        return regime_rotation(p, r, baskets, "spec", "flow", scarce_cash=scarce_cash)

    return rotation_sweep(prices, paths, weights, ["monthly+regime_change", "weekly"],
                          {"scarce_cash": [0.0, 0.5]}, [0.0, 10.0], 5.0, {"D": 40.0}, "E")


def test_kernel_matches_vectorbt_on_every_combination(world):
    prices, regimes = world
    sweep, table = _sweep(prices, regimes)
    assert len(table) == 2 * 2 * 2 * 2
    stats, equity = run_kernel_sweep(sweep, 1, 1e5, chunk_size=3, keep_equity=True, progress=False)
    for c, row in table.iterrows():
        path = regimes if row["regimes"] == "real" else regimes.assign(
            regime=regimes["regime"].map({"abundant": "scarce", "scarce": "abundant"}))
        target = regime_rotation(prices, path, {"spec": ["A", "B", "D"], "flow": ["C"]}, "spec",
                                 "flow", scarce_cash=row["scarce_cash"])
        frequency, on_change = parse_rule(row["rebalance"])
        signals = rebalance_signals(prices.index, path["regime"], prices.notna(), frequency, on_change)
        fees = pd.Series(row["fee_bps"], index=prices.columns)
        fees["D"] = 40.0
        result = simulate(prices, {"s": target}, {"s": signals}, 1, fees, 5.0, 1e5, cash="E")
        assert stats[c, 0] == pytest.approx(result.value["s"].iloc[-1], rel=1e-9)
        np.testing.assert_allclose(equity[c], result.value["s"].to_numpy(), rtol=1e-9)
        assert stats[c, 1] == pytest.approx(
            (result.value["s"] / result.value["s"].cummax().clip(lower=1e5) - 1).min(), abs=1e-12)
        assert stats[c, 2] == pytest.approx(result.traded_fraction["s"].sum(), rel=1e-9)


def test_compiled_equals_plain_python(world):
    prices, regimes = world
    sweep, _ = _sweep(prices, regimes)
    sweep = KernelSweep(sweep.close, sweep.templates, sweep.masks, sweep.combo_template,
                        sweep.combo_mask, sweep.fees, sweep.slippage, np.full(sweep.n_combos, 0.03))
    args = (sweep.close, sweep.templates, sweep.masks, sweep.combo_template, sweep.combo_mask,
            sweep.fees, sweep.slippage, sweep.band, 2, 1e5)
    equity_nb, equity_py = np.empty((sweep.n_combos, len(prices))), np.empty((sweep.n_combos, len(prices)))
    compiled = sweep_nb(*args, equity_nb)
    plain = sweep_py(*args, equity_py)
    np.testing.assert_allclose(compiled, plain, rtol=1e-13, equal_nan=True)
    np.testing.assert_allclose(equity_nb, equity_py, rtol=1e-13)
    one = target_percent_py(sweep.close, sweep.templates[0], sweep.masks[0], 2, sweep.fees[0],
                            sweep.slippage[0], 0.03, 1e5, np.empty(0))
    np.testing.assert_allclose(one, target_percent_nb(sweep.close, sweep.templates[0],
                               sweep.masks[0], 2, sweep.fees[0], sweep.slippage[0], 0.03, 1e5,
                               np.empty(0)), rtol=1e-13)


def test_chunking_does_not_change_results(world):
    prices, regimes = world
    sweep, _ = _sweep(prices, regimes)
    whole, _ = run_kernel_sweep(sweep, 1, 1e5, chunk_size=1000, progress=False)
    pieces, _ = run_kernel_sweep(sweep, 1, 1e5, chunk_size=5, progress=False)
    np.testing.assert_array_equal(whole, pieces)


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
