"""Strategy weight builders and placebos: bounds, causality, options."""

import numpy as np
import pandas as pd
import pytest

from strategies import (
    STRATEGIES,
    basket_blend,
    inverse_rotation,
    inverse_volatility,
    probability_tilt,
    random_regime_paths,
    regime_rotation,
    regime_rotation_trend,
)
from strategies.placebos import spell_lengths
from tests.conftest import random_walk_prices

BASKETS = {"spec": ["A", "B"], "flow": ["C", "D"]}


@pytest.fixture
def world(rng):
    index = pd.bdate_range("2018-01-01", periods=500)
    prices = random_walk_prices(rng, index, ["A", "B", "C", "D"])
    prices.iloc[:80, 1] = np.nan
    label = np.where((np.arange(500) // 60) % 2, "scarce", "abundant").astype(object)
    label[:10] = np.nan
    p = np.where(label == "scarce", 0.8, 0.2).astype(float)
    p[:10] = np.nan
    regimes = pd.DataFrame({"regime": pd.Series(label, index=index, dtype=object), "p_scarce": p},
                           index=index)
    return prices, regimes


ALL = [
    lambda p, r: regime_rotation(p, r, BASKETS, "spec", "flow", weighting="inverse_vol", scarce_cash=0.3),
    lambda p, r: probability_tilt(p, r, BASKETS, "spec", "flow"),
    lambda p, r: regime_rotation_trend(p, r, BASKETS, "spec", "flow", trend_window=50),
    lambda p, r: basket_blend(p, r, BASKETS, ["spec", "flow"]),
    lambda p, r: inverse_rotation(p, r, BASKETS, "spec", "flow"),
]


@pytest.mark.parametrize("build", ALL)
def test_weights_are_bounded_and_never_on_unlisted_assets(world, build):
    prices, regimes = world
    weights = build(prices, regimes)
    assert weights.shape == prices.shape
    assert (weights.to_numpy() >= -1e-12).all() and (weights.sum(axis=1) <= 1 + 1e-12).all()
    assert (weights["B"].iloc[:80] == 0).all()


@pytest.mark.parametrize("build", ALL)
def test_perturbing_the_future_leaves_past_weights_unchanged(world, build, rng):
    prices, regimes = world
    base = build(prices, regimes)
    changed = prices.copy()
    changed.iloc[300:] *= rng.uniform(0.5, 1.5, size=changed.iloc[300:].shape)
    pd.testing.assert_frame_equal(base.iloc[:300], build(changed, regimes).iloc[:300])


def test_scarce_cash_and_inverse_vol(world):
    prices, regimes = world
    weights = regime_rotation(prices, regimes, BASKETS, "spec", "flow", scarce_cash=0.25)
    scarce = (regimes["regime"] == "scarce").to_numpy()
    np.testing.assert_allclose(weights.sum(axis=1)[scarce], 0.75)
    calm = prices.copy()
    calm["D"] = 100 * np.exp(np.cumsum(np.full(500, 0.0001) + 0.001 * np.sin(np.arange(500))))
    inverse = inverse_volatility(calm, ["C", "D"], 63)
    assert (inverse["D"].iloc[100:] > inverse["C"].iloc[100:]).all()


def test_inverse_rotation_swaps_the_baskets(world):
    prices, regimes = world
    real = regime_rotation(prices, regimes, BASKETS, "spec", "flow")
    swapped = regime_rotation(prices, regimes, BASKETS, "flow", "spec")
    pd.testing.assert_frame_equal(inverse_rotation(prices, regimes, BASKETS, "spec", "flow"), swapped)
    assert not real.equals(swapped)


def test_random_paths_keep_the_spell_distribution_and_are_seeded(world):
    _, regimes = world
    paths = random_regime_paths(regimes, 5, seed=1)
    again = random_regime_paths(regimes, 5, seed=1)
    for a, b in zip(paths, again, strict=True):
        pd.testing.assert_frame_equal(a, b)
    observed = set(spell_lengths(regimes["regime"].dropna().to_numpy())[0].tolist())
    for path in paths:
        assert path["regime"].iloc[:10].isna().all()
        inner = spell_lengths(path["regime"].dropna().to_numpy())[0][1:-1]
        assert set(inner.tolist()) <= observed
    assert not paths[0]["regime"].equals(paths[1]["regime"])


def test_registry_roles():
    roles = {kind: entry[1] for kind, entry in STRATEGIES.items()}
    assert roles["inverse_rotation"] == roles["random_regimes"] == "placebo"
    assert roles["regime_rotation"] == "strategy" and roles["basket_blend"] == "benchmark"
    assert "fixed_weights" in roles
