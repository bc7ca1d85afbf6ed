"""Strategy weight builders and placebos: bounds, causality, options."""

import numpy as np
import pandas as pd
import pytest

from strategies import (
    STRATEGIES,
    RotationOptions,
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
OPTIONS = RotationOptions("spec", "flow")


@pytest.fixture
def world(rng):
    index = pd.bdate_range("2018-01-01", periods=500)
    prices = random_walk_prices(rng, index, ["A", "B", "C", "D"])
    prices.iloc[:80, 1] = np.nan
    label = np.where((np.arange(500) // 60) % 2, "scarce", "abundant").astype(object)
    label[:10] = np.nan
    p = np.where(label == "scarce", 0.8, 0.2).astype(float)
    p[:10] = np.nan
    regimes = pd.DataFrame(
        {"regime": pd.Series(label, index=index, dtype=object), "p_scarce": p}, index=index
    )
    return prices, regimes


ALL = [
    lambda p, r: regime_rotation(
        p, r, BASKETS, OPTIONS.replace(weighting="inverse_vol", scarce_cash=0.3)
    ),
    lambda p, r: probability_tilt(p, r, BASKETS, OPTIONS),
    lambda p, r: regime_rotation_trend(p, r, BASKETS, OPTIONS, trend_window=50),
    lambda p, r: basket_blend(p, r, BASKETS, ["spec", "flow"]),
    lambda p, r: inverse_rotation(p, r, BASKETS, OPTIONS),
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
    weights = regime_rotation(prices, regimes, BASKETS, OPTIONS.replace(scarce_cash=0.25))
    scarce = (regimes["regime"] == "scarce").to_numpy()
    np.testing.assert_allclose(weights.sum(axis=1)[scarce], 0.75)
    calm = prices.copy()
    calm["D"] = 100 * np.exp(np.cumsum(np.full(500, 0.0001) + 0.001 * np.sin(np.arange(500))))
    inverse = inverse_volatility(calm, ["C", "D"], 63)
    assert (inverse["D"].iloc[100:] > inverse["C"].iloc[100:]).all()


def test_inverse_rotation_swaps_the_baskets(world):
    prices, regimes = world
    real = regime_rotation(prices, regimes, BASKETS, OPTIONS)
    swapped = regime_rotation(prices, regimes, BASKETS, OPTIONS.swapped())
    pd.testing.assert_frame_equal(inverse_rotation(prices, regimes, BASKETS, OPTIONS), swapped)
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
        # every spell after the first completed one is a length the classifier
        # had completed, or (before any) its running spell length
        assert set(inner.tolist()) - observed <= set(range(1, 61))
    assert not paths[0]["regime"].equals(paths[1]["regime"])


def test_random_placebo_is_causal_under_truncation(rng):
    # Path k up to day t depends only on labels up to t: truncating the labels
    # (or flipping them) after t leaves every path's past unchanged.
    index = pd.bdate_range("2010-01-01", periods=700)
    lengths = rng.integers(1, 30, size=80)
    states = np.resize(["abundant", "scarce"], len(lengths))
    labels = np.repeat(states, lengths)[: len(index)].astype(object)
    labels[:10] = None
    regimes = pd.DataFrame(
        {"regime": pd.Series(labels, index=index, dtype=object), "p_scarce": 0.5}, index=index
    )
    full = random_regime_paths(regimes, 30, seed=3)
    for cut in range(60, 700, 45):
        changed = regimes.copy()
        tail = changed["regime"].iloc[cut:].to_numpy()
        changed.iloc[cut:, 0] = np.where(tail == "abundant", "scarce", "abundant")
        for truncated in (
            random_regime_paths(regimes.iloc[:cut], 30, seed=3),
            random_regime_paths(changed, 30, seed=3),
        ):
            for a, b in zip(full, truncated, strict=True):
                pd.testing.assert_frame_equal(a.iloc[:cut], b.iloc[:cut])


def test_random_placebo_draws_each_state_from_its_own_spells(rng):
    # Abundant spells of 40 days, scarce spells of 7: a path that pooled both
    # states' lengths would mix them. Once both states have completed a
    # spell, each new spell of a state has one of that state's own lengths.
    index = pd.bdate_range("2010-01-01", periods=940)
    pattern = (["abundant"] * 40 + ["scarce"] * 7) * 20
    regimes = pd.DataFrame(
        {"regime": pd.Series(pattern, index=index, dtype=object), "p_scarce": 0.5}, index=index
    )
    for path in random_regime_paths(regimes, 10, seed=5):
        lengths, states = spell_lengths(path["regime"].to_numpy())
        starts = np.cumsum(np.r_[0, lengths[:-1]])
        # spells that start once both states have completed one (day 47), and end in the sample
        later = (starts >= 47) & (starts + lengths < len(index))
        assert set(lengths[later & (states == "abundant")].tolist()) == {40}
        assert set(lengths[later & (states == "scarce")].tolist()) == {7}


def test_random_placebo_draws_each_spell_from_its_state_s_spells_known_at_its_start(rng):
    """Varied spells in disjoint ranges: abundant 25-60 days, scarce 2-9 days.

    Every whole spell of a path (not the first, which starts inside a spell,
    nor the last, cut by the sample end) has a length that the classifier
    had already completed *in the same state* by the day the spell starts.
    Pooling both states' lengths, or drawing from spells completed later,
    fails: a pooled abundant spell of 2-9 days, or a length first seen
    after the spell's start, is not in the set.
    """
    n_spells = 40
    lengths = np.where(
        np.arange(n_spells) % 2 == 0, rng.integers(25, 61, n_spells), rng.integers(2, 10, n_spells)
    )
    states = np.resize(["abundant", "scarce"], n_spells)
    labels = np.repeat(states, lengths).astype(object)
    index = pd.bdate_range("2010-01-01", periods=len(labels))
    regimes = pd.DataFrame(
        {"regime": pd.Series(labels, index=index, dtype=object), "p_scarce": 0.5}, index=index
    )
    known_lengths, known_states = spell_lengths(labels)
    known_ends = np.cumsum(known_lengths)
    checked = {"abundant": 0, "scarce": 0}
    for path in random_regime_paths(regimes, 20, seed=11):
        path_lengths, path_states = spell_lengths(path["regime"].to_numpy())
        starts = np.cumsum(np.r_[0, path_lengths[:-1]])
        for start, length, state in zip(
            starts[1:-1], path_lengths[1:-1], path_states[1:-1], strict=True
        ):
            own = known_lengths[(known_ends <= start) & (known_states == state)]
            if len(own) == 0:  # the documented fallback (the other state's spells)
                continue
            assert length in set(own.tolist()), (state, start, length, sorted(set(own)))
            checked[state] += 1
    assert min(checked.values()) > 100, checked


def test_registry_roles():
    roles = {kind: entry.role for kind, entry in STRATEGIES.items()}
    assert roles["inverse_rotation"] == roles["random_regimes"] == "placebo"
    assert roles["regime_rotation"] == "strategy" and roles["basket_blend"] == "benchmark"
    assert "fixed_weights" in roles
