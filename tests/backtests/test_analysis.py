"""Attribution and event study against direct computations."""

import numpy as np
import pandas as pd
import pytest

from backtests.analysis import basket_contributions, basket_returns, event_study, switch_dates
from backtests.engine import rebalance_signals, simulate
from tests.conftest import random_walk_prices


def test_contributions_sum_to_the_strategy_return(rng):
    index = pd.bdate_range("2020-01-01", periods=200)
    prices = random_walk_prices(rng, index, ["A", "B", "C"])
    target = pd.DataFrame({"A": 0.5, "B": 0.3, "C": 0.0}, index=index)
    signals = rebalance_signals(
        index, pd.Series("a", index=index), prices.notna(), "monthly", False
    )
    result = simulate(prices, {"s": target}, {"s": signals}, 1, 5.0, 5.0, 1e4, cash="C")
    parts = basket_contributions(
        prices, result.weights["s"], result.returns["s"], {"x": ["A"], "y": ["B"]}, "C"
    )
    assert set(parts) == {"x", "y", "cash", "costs_and_residual"}
    assert sum(parts.values()) == pytest.approx(result.returns["s"].sum(), rel=1e-12)
    assert abs(parts["costs_and_residual"]) < 0.01
    direct = (result.weights["s"]["A"].shift(1) * prices["A"].pct_change()).sum()
    assert parts["x"] == pytest.approx(direct, rel=1e-12)


def test_event_study_recovers_a_planted_jump():
    index = pd.bdate_range("2020-01-01", periods=400)
    labels = pd.Series("abundant", index=index)
    daily = pd.DataFrame({"b": np.zeros(400)}, index=index)
    for start in (100, 250):
        labels.iloc[start : start + 50] = "scarce"
        daily.iloc[start + 5, 0] = 0.10  # +10% five days after each switch into scarce
    table = event_study(daily, labels, pre=10, post=20)
    into = table[(table.transition == "into_scarce") & (table.basket == "b")].set_index("day")
    assert into.loc[4, "mean"] == 0.0 and into.loc[5, "mean"] == pytest.approx(0.10)
    assert into.loc[20, "n_events"] == 2
    assert switch_dates(labels)["into_abundant"].tolist() == [150, 300]


def test_basket_returns_average_listed_members(rng):
    index = pd.bdate_range("2020-01-01", periods=5)
    prices = pd.DataFrame(
        {"A": [1, 1.1, 1.21, 1.21, 1.21], "B": [np.nan, np.nan, 1, 2, 2]}, index=index
    )
    result = basket_returns(prices, {"k": ["A", "B"]})["k"]
    assert result.tolist() == pytest.approx([0.0, 0.1, 0.1, 0.5, 0.0])
