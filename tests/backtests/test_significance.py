"""Significance: each statistic against an independent computation."""

import numpy as np
import pytest
from scipy import stats

from backtests.significance import (
    bootstrap_sharpe,
    deflated_sharpe_ratio,
    expected_max_sharpe,
    probabilistic_sharpe_ratio,
    probability_of_backtest_overfitting,
    stationary_bootstrap_indices,
)


def test_psr_matches_the_direct_formula(rng):
    returns = rng.standard_t(5, 2000) * 0.01 + 0.0005
    sr = returns.mean() / returns.std(ddof=1)
    skew, kurt = stats.skew(returns), stats.kurtosis(returns, fisher=False)
    direct = stats.norm.cdf(
        (sr - 0.01) * np.sqrt(1999) / np.sqrt(1 - skew * sr + (kurt - 1) / 4 * sr**2)
    )
    assert probabilistic_sharpe_ratio(sr, 0.01, 2000, skew, kurt) == pytest.approx(
        direct, rel=1e-12
    )


def test_expected_max_sharpe_matches_monte_carlo(rng):
    n_trials, sd = 100, 0.3
    draws = rng.normal(0.0, sd, size=(20000, n_trials)).max(axis=1)
    assert expected_max_sharpe(n_trials, sd**2) == pytest.approx(draws.mean(), rel=0.02)
    assert expected_max_sharpe(1, 1.0) == 0.0


def test_dsr_falls_as_trials_grow(rng):
    returns = rng.normal(0.0004, 0.01, 2500)
    few = deflated_sharpe_ratio(returns, rng.normal(0, 0.01, 5))
    many = deflated_sharpe_ratio(returns, rng.normal(0, 0.01, 5000))
    assert many["dsr"] < few["dsr"] <= few["psr"]


@pytest.mark.parametrize("mean_block", [1.0, 5.0, 20.0])
def test_stationary_bootstrap_mean_block_length(rng, mean_block):
    index = stationary_bootstrap_indices(5000, mean_block, 20, rng)
    continues = (np.diff(index, axis=1) % 5000) == 1
    observed = 1.0 / (1.0 - continues.mean())
    # a random restart lands on the next index with probability 1/n: negligible
    assert observed == pytest.approx(mean_block, rel=0.08)
    assert index.min() >= 0 and index.max() < 5000


def test_bootstrap_ci_covers_the_estimate_and_is_seeded(rng):
    returns = rng.normal(0.0005, 0.01, 1500)
    first = bootstrap_sharpe(returns, n_samples=300, seed=3)
    assert first["low"] < first["estimate"] < first["high"]
    assert first == bootstrap_sharpe(returns, n_samples=300, seed=3)
    diff = bootstrap_sharpe(returns, returns, n_samples=100, seed=3)
    assert diff["estimate"] == 0.0 and diff["low"] == 0.0 and diff["high"] == 0.0


def test_pbo_is_zero_for_a_dominant_strategy_and_half_for_noise(rng):
    noise = rng.normal(0.0, 0.01, size=(1600, 30))
    dominant = noise.copy()
    dominant[:, 0] += 0.01
    assert probability_of_backtest_overfitting(dominant, 8)["pbo"] == 0.0
    pbo = np.mean(
        [
            probability_of_backtest_overfitting(rng.normal(0, 0.01, (800, 40)), 8)["pbo"]
            for _ in range(20)
        ]
    )
    assert pbo == pytest.approx(0.5, abs=0.15)


def test_inputs_are_not_mutated(rng):
    returns = rng.normal(0, 0.01, (400, 5))
    copy = returns.copy()
    probability_of_backtest_overfitting(returns, 4)
    bootstrap_sharpe(returns[:, 0], returns[:, 1], n_samples=20)
    np.testing.assert_array_equal(returns, copy)
