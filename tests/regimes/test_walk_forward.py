"""Walk-forward fitting: a feature that arrives mid-sample must not flip labels wholesale.

The real-data failure this guards against: Bitcoin momentum starts in 2014;
when the old code switched to complete rows, the learned models refitted on
32 rows and called the 2020-21 QE boom scarce. Now a late feature joins the
fit with the missing-data likelihood (gmm, hmm), the observed-coordinate loss
(jump) or the NaN-aware weighted mean (composite). The stated bounds:

* before the feature's first value, labels and probabilities are identical
  to a run without it;
* after it, at most 25% of the labels change when the feature carries the
  regime; over six seeds the accuracy against the truth does not fall on
  average and falls by at most 0.08 on any seed (measured: the mean change
  is +0.01 (gmm, hmm) to +0.04 (composite); the worst seed is gmm's -0.07,
  where the run without the feature happened to be unusually accurate);
* a learned model (gmm, hmm, jump) given a feature of pure noise changes at
  most 15% of its labels after its arrival on any seed and 8% on average
  (measured: gmm 6%, hmm 4%, jump under 1% on average; gmm's worst seed 11%).
"""

import numpy as np
import pandas as pd
import pytest

from regimes import (
    CompositeScoreRegime,
    GaussianMixtureRegime,
    HiddenMarkovRegime,
    JumpModelRegime,
    WalkForwardSpec,
    walk_forward_regimes,
)

COLUMNS = ["net_liquidity_13w", "hy_spread", "vix", "dgs10_change_13w"]
SIGNS = {"net_liquidity_13w": 1, "hy_spread": -1, "vix": -1, "dgs10_change_13w": -1}
ARRIVAL = 700
SPEC = WalkForwardSpec(refit_every=63, min_train=252)


def _features(seed, informative, n=1400):
    """Three features from the start, a fourth from row ARRIVAL; AR(1) noise like real features."""
    rng = np.random.default_rng(seed)
    scarce = np.sin(np.arange(n) / 45) < -0.2
    loads = np.array([-1.0, 1.0, 1.0, 1.0 if informative else 0.0])
    noise = np.zeros((n, 4))
    for t in range(1, n):
        noise[t] = 0.9 * noise[t - 1] + rng.normal(0, 0.45, 4)
    X = pd.DataFrame(
        scarce[:, None] * loads * 1.2 - 0.4 + noise,
        columns=COLUMNS,
        index=pd.bdate_range("2010-01-01", periods=n, name="date"),
    )
    X.iloc[:ARRIVAL, 3] = np.nan
    return X, scarce


def _model(name, columns):
    if name == "composite":
        return CompositeScoreRegime(weights={c: SIGNS[c] for c in columns})
    return {
        "gmm": GaussianMixtureRegime(random_state=0),
        "hmm": HiddenMarkovRegime(random_state=0),
        "jump": JumpModelRegime(random_state=0),
    }[name]


def _both_runs(name, X):
    with_feature = walk_forward_regimes(_model(name, COLUMNS), X, SPEC)
    without = walk_forward_regimes(_model(name, COLUMNS[:3]), X[COLUMNS[:3]], SPEC)
    return with_feature, without


SEEDS = range(6)


@pytest.mark.parametrize("name", ["composite", "gmm", "hmm", "jump"])
def test_a_late_informative_feature_changes_nothing_before_it_and_a_bounded_share_after(name):
    gains = []
    for seed in SEEDS:
        X, scarce = _features(seed, informative=True)
        with_feature, without = _both_runs(name, X)
        pd.testing.assert_series_equal(
            with_feature["regime"].iloc[:ARRIVAL], without["regime"].iloc[:ARRIVAL]
        )
        np.testing.assert_allclose(
            with_feature["p_scarce"].iloc[:ARRIVAL],
            without["p_scarce"].iloc[:ARRIVAL],
            rtol=0,
            atol=1e-12,
        )
        after_with = with_feature["regime"].iloc[ARRIVAL:]
        after_without = without["regime"].iloc[ARRIVAL:]
        assert after_with.notna().all()
        changed = float((after_with != after_without).mean())
        assert changed <= 0.25, f"{name}, seed {seed}: {changed:.0%} of the labels changed"
        truth = scarce[ARRIVAL:]
        gains.append(
            float(((after_with == "scarce").to_numpy() == truth).mean())
            - float(((after_without == "scarce").to_numpy() == truth).mean())
        )
    assert min(gains) >= -0.08, f"{name}: accuracy changes {np.round(gains, 3)}"
    assert np.mean(gains) >= 0.0, f"{name}: accuracy changes {np.round(gains, 3)}"


@pytest.mark.parametrize("name", ["gmm", "hmm", "jump"])
def test_a_late_noise_feature_barely_moves_a_learned_model(name):
    """The composite is left out: it gives a feature the weight the config declares."""
    shares = []
    for seed in SEEDS:
        X, _ = _features(seed, informative=False)
        with_feature, without = _both_runs(name, X)
        pd.testing.assert_series_equal(
            with_feature["regime"].iloc[:ARRIVAL], without["regime"].iloc[:ARRIVAL]
        )
        shares.append(
            float(
                (with_feature["regime"].iloc[ARRIVAL:] != without["regime"].iloc[ARRIVAL:]).mean()
            )
        )
    assert max(shares) <= 0.15, f"{name}: shares of labels changed {np.round(shares, 3)}"
    assert np.mean(shares) <= 0.08, f"{name}: shares of labels changed {np.round(shares, 3)}"
