"""Composite classifier: kernel parity, hysteresis, causality and the sklearn contract."""

import numpy as np
import pandas as pd
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from regimes import CompositeScoreRegime
from regimes._nb import hysteresis_1d_nb, hysteresis_1d_py, weighted_score_nb, weighted_score_py


def _hysteresis_oracle(score, enter, exit_, min_dwell):
    """An independent, deliberately plain re-statement of the rule."""
    states, state, since = [], None, 0
    for value in score:
        if state is not None:
            since += 1
        if np.isnan(value):
            states.append(-1 if state is None else state)
            continue
        if state is None:
            state, since = (1 if value <= -enter else 0), 0
        elif since >= min_dwell and (
            (state == 0 and value <= -enter) or (state == 1 and value >= exit_)
        ):
            state, since = 1 - state, 0
        states.append(state)
    return np.array(states, dtype=np.int8)


@pytest.mark.parametrize("min_dwell", [1, 3, 10])
def test_hysteresis_kernel_parity(min_dwell):
    rng = np.random.default_rng(min_dwell)
    score = np.cumsum(rng.normal(size=500)) * 0.2
    score[[0, 1, 50, 51, 300]] = np.nan
    expected = _hysteresis_oracle(score, 0.5, 0.1, min_dwell)
    np.testing.assert_array_equal(hysteresis_1d_py(score, 0.5, 0.1, min_dwell), expected)
    np.testing.assert_array_equal(hysteresis_1d_nb(score, 0.5, 0.1, min_dwell), expected)


def test_min_dwell_is_honoured():
    rng = np.random.default_rng(0)
    codes = hysteresis_1d_nb(rng.normal(size=2000) * 3, 0.2, 0.2, 15)
    runs = np.diff(np.flatnonzero(np.diff(codes) != 0))
    assert runs.min() >= 15


def test_weighted_score_matches_pandas():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 4))
    X[rng.random(X.shape) < 0.2] = np.nan
    X[5] = np.nan
    weights = np.array([1.0, -2.0, 0.5, -1.0])
    frame = pd.DataFrame(X)
    norm = (frame.notna() * np.abs(weights)).sum(axis=1)
    oracle = ((frame * weights).sum(axis=1, skipna=True) / norm.where(norm > 0)).to_numpy()
    np.testing.assert_allclose(weighted_score_py(X, weights), oracle, rtol=1e-13)
    np.testing.assert_allclose(weighted_score_nb(X, weights), oracle, rtol=1e-13)


def _features(rng, n=800):
    index = pd.bdate_range("2015-01-01", periods=n, name="date")
    regime = (np.sin(np.arange(n) / 60) < 0).astype(float) - 0.5
    X = pd.DataFrame(
        {"liquidity": -regime + rng.normal(0, 0.6, n), "spread": regime + rng.normal(0, 0.6, n)},
        index=index,
    )
    X.iloc[:20] = np.nan
    return X


def test_outputs_are_named_and_on_the_input_index(rng):
    X = _features(rng)
    model = CompositeScoreRegime(weights={"liquidity": 1.0, "spread": -1.0}).fit(X)
    proba = model.predict_proba_online(X)
    labels = model.predict_online(X)
    assert list(proba.columns) == ["abundant", "scarce"]
    assert proba.index.equals(X.index) and labels.index.equals(X.index)
    valid = proba.dropna()
    np.testing.assert_allclose(valid.sum(axis=1), 1.0)
    assert set(labels.dropna()) == {"abundant", "scarce"}
    assert labels.iloc[:20].isna().all()


def test_weight_signs_decide_which_state_is_scarce(rng):
    X = _features(rng)
    truth = np.sin(np.arange(len(X)) / 60) < 0

    def accuracy(weights):
        model = CompositeScoreRegime(
            weights=weights, enter_threshold=0.1, exit_threshold=0.1, min_dwell=1
        ).fit(X)
        labels = model.predict_online(X)
        valid = labels.notna().to_numpy()
        return ((labels == "scarce").to_numpy() == truth)[valid].mean()

    assert accuracy({"liquidity": 1.0, "spread": -1.0}) > 0.85
    assert accuracy({"liquidity": -1.0, "spread": 1.0}) < 0.15


@pytest.mark.parametrize("cut", [100, 333, 700])
def test_online_outputs_ignore_the_future(rng, cut):
    X = _features(rng)
    model = CompositeScoreRegime(weights={"liquidity": 1.0, "spread": -1.0}).fit(X)
    perturbed = X.copy()
    perturbed.iloc[cut:] = rng.normal(5, 3, size=perturbed.iloc[cut:].shape)
    pd.testing.assert_frame_equal(
        model.predict_proba_online(X).iloc[:cut], model.predict_proba_online(perturbed).iloc[:cut]
    )
    pd.testing.assert_series_equal(
        model.predict_online(X).iloc[:cut], model.predict_online(X.iloc[:cut])
    )


def test_score_only_parameters_post_process_the_fitted_score(rng):
    X = _features(rng)
    fitted = CompositeScoreRegime(weights={"liquidity": 1.0, "spread": -1.0}).fit(X)
    score = fitted.score_online(X)
    for setting in (
        {"enter_threshold": 0.2, "min_dwell": 1},
        {"exit_threshold": 0.4},
        {"sharpness": 0.7, "min_dwell": 30},
    ):
        assert set(setting) <= CompositeScoreRegime.SCORE_ONLY_PARAMS
        refitted = CompositeScoreRegime(weights={"liquidity": 1.0, "spread": -1.0}, **setting).fit(
            X
        )
        # fit ignores them ...
        np.testing.assert_array_equal(refitted.weights_, fitted.weights_)
        assert refitted.score_scale_ == fitted.score_scale_
        # ... and the named outputs are the score put through them, bit for bit
        labels = refitted.predict_online(X)
        codes = refitted.codes_from_score(score)
        expected = labels.map({"abundant": 0, "scarce": 1}).fillna(-1).to_numpy()
        np.testing.assert_array_equal(codes, expected)
        p_scarce = refitted.scarce_probability_from_score(score)
        np.testing.assert_array_equal(p_scarce, refitted.predict_proba_online(X)["scarce"])
        # elementwise: a slice of the score gives the same slice of p_scarce
        np.testing.assert_array_equal(
            refitted.scarce_probability_from_score(score[300:]), p_scarce[300:]
        )


def test_invalid_parameters_are_reported_in_fit():
    X = np.random.default_rng(0).normal(size=(50, 2))
    with pytest.raises(ValueError, match="min_dwell"):
        CompositeScoreRegime(min_dwell=0).fit(X)
    with pytest.raises(ValueError, match="not in X"):
        CompositeScoreRegime(weights={"nope": 1.0}).fit(pd.DataFrame(X, columns=["a", "b"]))


_STRING_LABELS = (
    "predict returns regime names ('abundant'/'scarce'), as the house style asks; this "
    "check compares predictions with assert_allclose, which only takes numbers"
)
EXPECTED_FAILED_CHECKS = {
    "check_estimators_pickle": _STRING_LABELS,
    "check_estimators_pickle(readonly_memmap=True)": _STRING_LABELS,
    "check_methods_sample_order_invariance": _STRING_LABELS,
    "check_methods_subset_invariance": _STRING_LABELS,
    "check_fit_idempotent": _STRING_LABELS,
}


@parametrize_with_checks(
    [CompositeScoreRegime()], expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS
)
def test_sklearn_contract(estimator, check):
    check(estimator)
