"""The vectorbt engine: execution lag, costs, listings, and an independent recomputation."""

import numpy as np
import pandas as pd
import pytest

from backtests.engine import rebalance_signals, simulate
from tests.conftest import random_walk_prices


def _world(rng, n=260):
    index = pd.bdate_range("2021-01-01", periods=n, name="date")
    prices = random_walk_prices(rng, index, ["A", "B", "C"])
    prices.iloc[:40, 2] = np.nan  # C lists late
    return prices


def recompute_equity(prices, weights, fee, slip, init_cash):
    """Independent pure-NumPy portfolio accounting from held weights.

    Holdings at each close are ``w_t * V_t / p_t``. The fill costs on the
    traded value are ``(1 + slip)(1 + fee) - 1`` for buys and
    ``1 - (1 - slip)(1 - fee)`` for sells, so ``V_t`` solves the fixed point
    ``V_t = V_pre - cost(w_t * V_t - held_pre)``, found by iteration.
    """
    p = prices.ffill().to_numpy()
    w = weights.to_numpy()
    buy_cost = (1 + slip) * (1 + fee) - 1
    sell_cost = 1 - (1 - slip) * (1 - fee)
    shares = np.zeros(p.shape[1])
    cash = init_cash
    values = []
    for t in range(len(p)):
        price = np.nan_to_num(p[t])
        held = shares * price
        pre = cash + held.sum()
        value = pre
        for _ in range(100):
            delta = w[t] * value - held
            cost = (np.clip(delta, 0, None) * buy_cost - np.clip(delta, None, 0) * sell_cost).sum()
            new_value = pre - cost
            if abs(new_value - value) < 1e-13 * pre:
                break
            value = new_value
        delta = w[t] * value - held
        cost = (np.clip(delta, 0, None) * buy_cost - np.clip(delta, None, 0) * sell_cost).sum()
        target = w[t] * value
        shares = np.divide(target, price, out=np.zeros_like(target), where=price > 0)
        cash = value - target.sum()
        values.append(value)
        assert cost >= 0
    return np.array(values)


def _targets(prices, rng):
    raw = pd.DataFrame(rng.random(prices.shape), index=prices.index, columns=prices.columns)
    raw = raw.where(prices.notna(), 0.0)
    return raw.div(raw.sum(axis=1), axis=0).fillna(0.0) * 0.9


@pytest.mark.parametrize("fee_bps,slip_bps", [(0.0, 0.0), (5.0, 0.0), (10.0, 7.0)])
def test_equity_matches_independent_recomputation(rng, fee_bps, slip_bps):
    prices = _world(rng)
    listed = prices.notna()
    signals = rebalance_signals(
        prices.index, pd.Series("abundant", index=prices.index), listed, "weekly", True
    )
    result = simulate(
        prices, {"s": _targets(prices, rng)}, {"s": signals}, 1, fee_bps, slip_bps, 1000.0
    )
    expected = recompute_equity(prices, result.weights["s"], fee_bps / 1e4, slip_bps / 1e4, 1000.0)
    np.testing.assert_allclose(result.value["s"].to_numpy(), expected, rtol=1e-10)
    if fee_bps:
        assert result.fees_paid["s"].sum() > 0


def test_orders_fill_the_day_after_the_signal(rng):
    prices = _world(rng)
    targets = pd.DataFrame(0.0, index=prices.index, columns=prices.columns)
    targets.loc[prices.index[10] :, "A"] = 1.0
    signals = np.zeros(len(prices), dtype=bool)
    signals[10] = True
    result = simulate(prices, {"s": targets}, {"s": signals}, 1, 0.0, 0.0, 100.0)
    held = result.weights["s"]["A"]
    assert (held.iloc[:11] == 0).all()
    assert held.iloc[11] == pytest.approx(1.0)
    for lag in (2, 5):
        lagged = simulate(prices, {"s": targets}, {"s": signals}, lag, 0.0, 0.0, 100.0)
        assert (lagged.weights["s"]["A"].iloc[: 10 + lag] == 0).all()
        assert lagged.weights["s"]["A"].iloc[10 + lag] == pytest.approx(1.0)


def test_zero_lag_is_refused(rng):
    prices = _world(rng)
    with pytest.raises(ValueError, match="lag_days must be >= 1"):
        simulate(prices, {"s": prices * 0}, {"s": np.ones(len(prices), bool)}, 0, 0, 0, 1.0)


def test_weights_stay_in_bounds_and_unlisted_assets_are_never_held(rng):
    prices = _world(rng)
    signals = np.ones(len(prices), dtype=bool)
    result = simulate(prices, {"s": _targets(prices, rng)}, {"s": signals}, 1, 5.0, 5.0, 1.0)
    held = result.weights["s"]
    assert (held.to_numpy() >= -1e-12).all()
    assert (held.sum(axis=1) <= 1 + 1e-9).all()
    assert (held["C"].iloc[:41] == 0).all()


def test_a_history_that_ends_is_sold_at_its_last_close(rng):
    prices = _world(rng)
    prices.iloc[200:, 1] = np.nan  # B's history ends
    targets = pd.DataFrame(0.0, index=prices.index, columns=prices.columns)
    targets["B"] = 1.0
    signals = rebalance_signals(
        prices.index, pd.Series("x", index=prices.index), prices.notna(), "never", False
    )
    assert signals[200]  # the listing set changed
    result = simulate(prices, {"s": targets}, {"s": signals}, 1, 0.0, 0.0, 1.0)
    held = result.weights["s"]["B"]
    assert held.iloc[199] == pytest.approx(1.0)
    assert (held.iloc[201:] == 0).all()
    assert np.isfinite(result.value["s"]).all()


def test_rebalance_schedule():
    index = pd.bdate_range("2024-01-01", "2024-03-29")
    regimes = pd.Series("abundant", index=index)
    regimes.loc["2024-02-14":] = "scarce"
    listed = pd.DataFrame(True, index=index, columns=["A"])
    monthly = rebalance_signals(index, regimes, listed, "monthly", False)
    assert list(index[monthly].strftime("%m-%d")) == ["01-01", "02-01", "03-01"]
    both = rebalance_signals(index, regimes, listed, "monthly", True)
    assert "02-14" in list(index[both].strftime("%m-%d"))
    weekly = rebalance_signals(index, regimes, listed, "weekly", False)
    assert (index[weekly][1:].day_of_week == 0).all()
