"""vectorbt == the independent NumPy reference engine == the numba kernel, for every strategy."""

import numpy as np
import pandas as pd
import pytest

from backtests import load_config
from backtests._nb import target_percent_nb
from backtests.engine import costs_per_ticker, order_targets, rebalance_signals, simulate
from backtests.reference import reference_simulate
from backtests.runner import load_inputs, run
from tests.conftest import random_walk_prices

SHORT = [
    "data.start=2005-01-03",
    "data.end=2011-12-31",
    "sweep.enabled=false",
    "strategies.random_regimes.n_paths=20",
]


def _check_all_strategies(result):
    config = result.config
    prices = result.prices
    tickers = list(prices.columns)
    fees = costs_per_ticker(tickers, config.costs.fee_bps, config.costs.overrides("fee_bps")) / 1e4
    slip = (
        costs_per_ticker(tickers, config.costs.slippage_bps, config.costs.overrides("slippage_bps"))
        / 1e4
    )
    cash = config.universe.cash if config.execution.cash_in_fund else None
    listed = prices.notna()
    for name, target in result.targets.items():
        labels = result.regimes["regime"]
        if config.strategies[name]["kind"] == "random_regimes":
            continue  # its signals follow its own random path; checked below via the kernel
        signals = rebalance_signals(
            prices.index,
            labels,
            listed,
            config.rebalance.frequency,
            config.rebalance.on_regime_change,
        )
        band = float(config.strategies[name].get("no_trade_band", 0.0))
        reference = reference_simulate(
            prices,
            target,
            signals,
            config.execution.lag_days,
            fees,
            slip,
            config.execution.init_cash,
            band,
            cash,
        )
        final = result.engine.value[name].iloc[-1]
        assert reference.value.iloc[-1] == pytest.approx(final, rel=1e-9), name
        np.testing.assert_allclose(reference.value.to_numpy(), result.engine.value[name], rtol=1e-9)
        stats = target_percent_nb(
            prices.ffill().to_numpy(),
            order_targets(prices, target, cash).to_numpy(),
            signals,
            config.execution.lag_days,
            fees.to_numpy(),
            slip.to_numpy(),
            band,
            config.execution.init_cash,
            np.empty(0),
        )
        assert stats[0] == pytest.approx(final, rel=1e-9), name


@pytest.fixture(scope="module")
def synthetic_result():
    return run(load_config(overrides=SHORT + ["strategies.regime_rotation.no_trade_band=0.02"]))


def test_every_strategy_agrees_with_the_reference_on_the_synthetic_world(synthetic_result):
    assert {"placebo", "strategy", "benchmark"} <= set(synthetic_result.roles.values())
    _check_all_strategies(synthetic_result)


@pytest.mark.real_data
def test_every_strategy_agrees_with_the_reference_on_the_real_snapshot(real_data_dir):
    from data import SOURCES

    if "csv" not in SOURCES:
        pytest.skip("the csv data source is not available yet")
    config = load_config(
        overrides=[
            "data.source=csv",
            f"data.prices_dir={real_data_dir / 'prices'}",
            f"data.fred_dir={real_data_dir / 'fred'}",
            "sweep.enabled=false",
            "strategies.random_regimes.n_paths=20",
            "data.allow_late_start=true",
            "data.start=2015-01-02",
            "universe.benchmark=SPY",
            "universe.cash=BIL",
            'universe.baskets.cash_flow=["AAPL", "MSFT", "GOOGL", "ORCL"]',
            'universe.baskets.speculative=["BTC-USD", "ARKK", "SHOP", "TSLA"]',
            "strategies.benchmark.ticker=SPY",
            "strategies.sixty_forty.weights={SPY = 0.6, IEF = 0.4}",
        ]
    )
    try:
        load_inputs(config)
    except Exception as error:  # noqa: BLE001 - the snapshot may not carry the synthetic universe
        pytest.skip(f"real snapshot does not fit the default universe: {error}")
    _check_all_strategies(run(config))


@pytest.mark.parametrize("band", [0.0, 0.05])
@pytest.mark.parametrize("cash", [None, "D"])
def test_reference_matches_vectorbt_with_per_asset_costs(rng, band, cash):
    index = pd.bdate_range("2020-01-01", periods=400)
    prices = random_walk_prices(rng, index, list("ABCD"))
    prices.iloc[:50, 1] = np.nan
    prices.iloc[300:, 2] = np.nan
    raw = pd.DataFrame(rng.random(prices.shape), index=index, columns=prices.columns)
    raw = raw.where(prices.notna(), 0.0)
    target = raw.div(raw.sum(axis=1), axis=0).fillna(0.0) * rng.choice([0.6, 1.0])
    signals = rebalance_signals(index, pd.Series("a", index=index), prices.notna(), "weekly", False)
    fees = pd.Series([5.0, 30.0, 5.0, 0.0], index=prices.columns)
    result = simulate(
        prices,
        {"s": target},
        {"s": signals},
        2,
        fees,
        7.0,
        1e5,
        no_trade_band={"s": band},
        cash=cash,
    )
    reference = reference_simulate(prices, target, signals, 2, fees / 1e4, 7e-4, 1e5, band, cash)
    np.testing.assert_allclose(reference.value.to_numpy(), result.value["s"].to_numpy(), rtol=1e-9)
    if band:
        assert (~reference.executed & prices.notna()).to_numpy()[2:][signals[:-2]].any()


def test_a_full_target_with_fees_buys_slightly_less(rng):
    index = pd.bdate_range("2020-01-01", periods=5)
    prices = pd.DataFrame({"A": [10.0] * 5}, index=index)
    target = pd.DataFrame({"A": [1.0] * 5}, index=index)
    signals = np.array([True, False, False, False, False])
    reference = reference_simulate(prices, target, signals, 1, 0.01, 0.0, 100.0)
    assert reference.shares["A"].iloc[1] == pytest.approx(100.0 / 1.01 / 10.0)
    result = simulate(prices, {"s": target}, {"s": signals}, 1, 100.0, 0.0, 100.0)
    assert result.value["s"].iloc[-1] == pytest.approx(reference.value.iloc[-1], rel=1e-12)


def test_reference_does_not_mutate_inputs(rng):
    index = pd.bdate_range("2020-01-01", periods=30)
    prices = random_walk_prices(rng, index, ["A", "B"])
    target = pd.DataFrame(0.5, index=index, columns=prices.columns)
    before = prices.copy(), target.copy()
    reference_simulate(prices, target, np.ones(30, bool), 1, 0.001, 0.001, 1.0)
    pd.testing.assert_frame_equal(prices, before[0])
    pd.testing.assert_frame_equal(target, before[1])
