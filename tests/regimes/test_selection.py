"""The cross-validated jump model: the validation strategy, the choice, causality, the contract."""

from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from backtests.metrics import sharpe as project_sharpe
from regimes import CLASSIFIERS, JumpModelRegime, WalkForwardSpec, walk_forward_regimes
from regimes.selection import (
    CrossValidatedJumpRegime,
    annualised_sharpe,
    excess_return_target,
    nested_online_codes,
    select_penalty,
    timing_excess_returns,
)

COLUMNS = ["dd_10", "sortino_20", "sortino_60"]
SIGNS = {"dd_10": -1.0, "sortino_20": 1.0, "sortino_60": 1.0}
SMALL = {
    "validation_days": 300,
    "train_days": 300,
    "refit_days": 100,
    "random_state": 0,
    "n_init": 3,
    "feature_signs": SIGNS,
}


def _market(seed, n=900):
    """Bear spells of 30-80 days; features see them with noise, returns fall in them."""
    rng = np.random.default_rng(seed)
    bear = np.zeros(n, dtype=bool)
    t = 20
    while t < n:
        t += int(rng.integers(80, 200))
        length = int(rng.integers(30, 80))
        bear[t : t + length] = True
        t += length
    shift = np.where(bear, 1.0, -0.5)
    X = pd.DataFrame(
        np.column_stack([shift, -shift, -shift]) + rng.normal(0, 0.9, (n, 3)),
        columns=COLUMNS,
        index=pd.bdate_range("2000-01-03", periods=n, name="date"),
    )
    y = pd.Series(
        np.where(bear, -0.003, 0.001) + rng.normal(0, 0.01, n), index=X.index, name="excess_return"
    )
    return X, y, bear


# -- the validation strategy -------------------------------------------------------------


def _oracle_returns(codes, excess, delay, cost):
    """The same strategy with pandas shifts: weight of day t = 1 - code of day t - delay - 1."""
    weight = pd.Series(np.where(np.asarray(codes) == 0, 1.0, 0.0)).shift(delay + 1)
    daily = weight * pd.Series(excess).fillna(0.0) - cost * weight.diff().abs().fillna(0.0)
    return daily.iloc[delay + 1 :].to_numpy()


@pytest.mark.parametrize("delay", [1, 5, 10])
def test_timing_returns_equal_a_pandas_oracle(delay):
    rng = np.random.default_rng(delay)
    codes = rng.choice([0, 0, 0, 1, -1], size=300)
    excess = rng.normal(0, 0.01, 300)
    excess[[3, 50]] = np.nan
    ours = timing_excess_returns(codes, excess, delay, 0.001)
    np.testing.assert_allclose(ours, _oracle_returns(codes, excess, delay, 0.001), atol=1e-15)


def test_timing_returns_by_hand_delay_and_cost():
    codes = np.array([1, 0, 0, 0, 1, 1])
    excess = np.array([0.0, 0.0, 0.01, 0.02, 0.03, 0.04])
    # delay 1: weights over days 2..5 are 1 - codes[0..3] = 0, 1, 1, 1.
    np.testing.assert_allclose(
        timing_excess_returns(codes, excess, 1, 0.001), [0.0, 0.02 - 0.001, 0.03, 0.04]
    )
    # delay 2: weights over days 3..5 are 0, 1, 1.
    np.testing.assert_allclose(timing_excess_returns(codes, excess, 2, 0.0), [0.0, 0.03, 0.04])
    assert timing_excess_returns(codes[:2], excess[:2], 1, 0.0).size == 0


def test_sharpe_is_the_projects_and_cash_scores_zero():
    rng = np.random.default_rng(3)
    returns = pd.Series(rng.normal(0.0004, 0.01, 500))
    assert annualised_sharpe(returns.to_numpy()) == pytest.approx(
        project_sharpe(returns), rel=1e-12
    )
    assert annualised_sharpe(np.zeros(100)) == 0.0
    assert annualised_sharpe(np.array([0.01])) == 0.0


def test_select_penalty_takes_the_best_and_breaks_ties_upwards():
    assert select_penalty(np.array([5.0, 15.0, 35.0]), np.array([0.1, 0.9, 0.3])) == 1
    assert select_penalty(np.array([150.0, 5.0, 50.0]), np.array([0.5, 0.5, 0.2])) == 0
    assert select_penalty(np.array([5.0, 50.0]), np.array([-0.2, -0.1])) == 1


def test_excess_return_target_uses_the_first_available_cash_source():
    index = pd.bdate_range("2024-01-01", periods=4)
    prices = pd.DataFrame(
        {"SPY": [100.0, 101.0, 102.01, 100.99], "BIL": [np.nan, np.nan, 50.0, 50.01]}, index=index
    )
    macro = pd.DataFrame({"DFF": [2.52, 2.52, 2.52, 2.52]}, index=index)
    target = excess_return_target(prices, macro, "SPY", ["price:BIL", "DFF"])
    daily_rate = 2.52 / 100 / 252  # 1 bp a day, BIL earns 2 bp on the last day
    np.testing.assert_allclose(
        target.to_numpy()[1:],
        [0.01 - daily_rate, 0.01 - daily_rate, 100.99 / 102.01 - 1 - (50.01 / 50.0 - 1)],
        atol=1e-12,
    )
    with pytest.raises(KeyError, match="price:QQQ"):
        excess_return_target(prices, macro, "QQQ", ["DFF"])


# -- the nested validation labels -----------------------------------------------------------


def test_nested_codes_equal_a_manual_refit_loop():
    X, _, _ = _market(1)
    model = JumpModelRegime(jump_penalty=5.0, random_state=0, n_init=3, feature_signs=SIGNS)
    codes = nested_online_codes(model, X, 600, 300, 100)
    for block in (600, 700, 800):
        fitted = clone(model).fit(X.iloc[block - 300 : block])
        online = fitted.predict_online(X.iloc[block - 300 : block + 100]).iloc[300:]
        expected = (online == "scarce").astype(int).to_numpy()
        np.testing.assert_array_equal(codes[block - 600 : block - 500], expected)


@pytest.mark.parametrize("cut", [601, 650, 700, 777, 899])
def test_nested_codes_ignore_the_future(cut):
    X, _, _ = _market(2)
    model = JumpModelRegime(jump_penalty=5.0, random_state=0, n_init=3, feature_signs=SIGNS)
    full = nested_online_codes(model, X, 600, 300, 100)
    changed = X.copy()
    changed.iloc[cut:] = np.random.default_rng(cut).normal(2, 3, changed.iloc[cut:].shape)
    np.testing.assert_array_equal(
        full[: cut - 600], nested_online_codes(model, changed, 600, 300, 100)[: cut - 600]
    )
    np.testing.assert_array_equal(
        full[: cut - 600], nested_online_codes(model, X.iloc[:cut], 600, 300, 100)
    )


# -- the estimator -----------------------------------------------------------------------------


def _manual_validation(X, y, penalties, delay, cost_bps):
    """The whole selection spelled out with the jump model and pandas."""
    sharpes = []
    for penalty in penalties:
        codes = []
        for block in (600, 700, 800):
            model = JumpModelRegime(
                jump_penalty=penalty, random_state=0, n_init=3, feature_signs=SIGNS
            ).fit(X.iloc[block - 300 : block])
            labels = model.predict_online(X.iloc[block - 300 : block + 100]).iloc[300:]
            codes += list((labels == "scarce").astype(int))
        daily = _oracle_returns(codes, y.iloc[600:].to_numpy(), delay, cost_bps / 1e4)
        sharpes.append(daily.mean() / daily.std(ddof=1) * np.sqrt(252))
    return np.array(sharpes)


@pytest.mark.parametrize("delay, cost_bps", [(1, 10.0), (5, 10.0), (1, 200.0)])
def test_validation_sharpes_and_choice_equal_the_manual_procedure(delay, cost_bps):
    X, y, _ = _market(4)
    penalties = [0.5, 5.0, 50.0]
    model = CrossValidatedJumpRegime(
        penalties=penalties, delay=delay, cost_bps=cost_bps, **SMALL
    ).fit(X, y)
    expected = _manual_validation(X, y, penalties, delay, cost_bps)
    np.testing.assert_allclose(model.validation_sharpe_, expected, rtol=1e-10)
    assert model.penalty_ == penalties[int(np.argmax(expected))]
    assert model.n_validation_ == 300


def test_the_choice_depends_on_the_target_and_the_cost():
    X, y, _ = _market(5)
    penalties = [0.5, 5.0, 50.0]
    base = CrossValidatedJumpRegime(penalties=penalties, **SMALL).fit(X, y)
    # The rule times the returns it is shown: the validation Sharpe moves with y.
    flipped = CrossValidatedJumpRegime(penalties=penalties, **SMALL).fit(X, -y)
    assert np.all(np.sign(flipped.validation_sharpe_) != np.sign(base.validation_sharpe_))
    # The cost leaves the labels alone and hurts the candidate that switches most, most.
    free = CrossValidatedJumpRegime(penalties=penalties, cost_bps=0.0, **SMALL).fit(X, y)
    dear = CrossValidatedJumpRegime(penalties=penalties, cost_bps=500.0, **SMALL).fit(X, y)
    np.testing.assert_array_equal(free.validation_switches_, dear.validation_switches_)
    loss = free.validation_sharpe_ - dear.validation_sharpe_
    assert np.all(loss > 0)
    assert np.argmax(loss) == np.argmax(free.validation_switches_) == 0
    assert dear.penalty_ != 0.5


def test_final_model_is_the_jump_model_with_the_chosen_penalty():
    X, y, bear = _market(6)
    model = CrossValidatedJumpRegime(penalties=[0.5, 5.0, 50.0], **SMALL).fit(X, y)
    reference = JumpModelRegime(
        jump_penalty=model.penalty_, random_state=0, n_init=3, feature_signs=SIGNS
    ).fit(X.iloc[-300:])
    np.testing.assert_array_equal(model.centroids_, reference.centroids_)
    pd.testing.assert_series_equal(model.predict_online(X), reference.predict_online(X))
    pd.testing.assert_frame_equal(model.predict_proba_online(X), reference.predict_proba_online(X))
    pd.testing.assert_series_equal(model.predict(X), model.predict_online(X))
    assert ((model.predict_online(X) == "scarce").to_numpy() == bear).mean() > 0.85


def test_fit_leaves_its_inputs_unchanged_and_drops_empty_rows():
    X, y, _ = _market(7)
    X.iloc[:5] = np.nan
    before_X, before_y = X.copy(), y.copy()
    model = CrossValidatedJumpRegime(penalties=[5.0, 50.0], **SMALL).fit(X, y)
    pd.testing.assert_frame_equal(X, before_X)
    pd.testing.assert_series_equal(y, before_y)
    trimmed = CrossValidatedJumpRegime(penalties=[5.0, 50.0], **SMALL).fit(X.iloc[5:], y.iloc[5:])
    np.testing.assert_array_equal(model.validation_sharpe_, trimmed.validation_sharpe_)


def test_short_training_data_halves_the_validation_window():
    X, y, _ = _market(8, n=400)
    model = CrossValidatedJumpRegime(penalties=[5.0], **SMALL).fit(X, y)
    assert model.n_validation_ == 200


def test_fit_needs_y_of_the_same_length():
    X, y, _ = _market(9, n=300)
    model = CrossValidatedJumpRegime(penalties=[5.0], **SMALL)
    with pytest.raises(ValueError, match="requires y to be passed"):
        model.fit(X, None)
    with pytest.raises(ValueError, match="requires y to be passed"):
        model.fit(X)  # what an unsupervised caller (walk_forward_regimes without y) does
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        model.fit(X, y.iloc[:-1])
    assert model.__sklearn_tags__().target_tags.required


@pytest.mark.parametrize(
    "penalties, fragment",
    [
        (5.0, "'penalties' parameter"),
        ("5, 15", "'penalties' parameter"),
        ({"a": 5.0}, "'penalties' parameter"),
        ([], "at least one"),
        ([5.0, 0.0], "> 0"),
        ([5.0, -1.0], "> 0"),
        ([5.0, float("nan")], "> 0"),
        ([True], "> 0"),
        (["5"], "> 0"),
    ],
)
def test_bad_penalty_grids_are_refused_naming_the_parameter(penalties, fragment):
    model = CrossValidatedJumpRegime(penalties=penalties)
    with pytest.raises(ValueError, match="penalties") as error:
        model.check_params()
    assert fragment in str(error.value)
    with pytest.raises(ValueError, match="penalties"):
        CLASSIFIERS["jump_cv"].check({"penalties": penalties})


@pytest.mark.parametrize(
    "key, value",
    [
        ("delay", 0),
        ("validation_days", 1),
        ("cost_bps", -1.0),
        ("train_days", 1),
        ("refit_days", 0),
    ],
)
def test_bad_settings_are_refused_naming_the_parameter(key, value):
    with pytest.raises(ValueError, match=key):
        CrossValidatedJumpRegime(**{key: value}).check_params()


# -- causality in the walk-forward ------------------------------------------------------------


class _Recording(CrossValidatedJumpRegime):
    """Records (last training date, chosen penalty) of every fit."""

    log: ClassVar[list] = []

    def fit(self, X, y):
        super().fit(X, y)
        type(self).log.append((X.index[-1], self.penalty_))
        return self


def _walk(X, y):
    _Recording.log = []
    spec = WalkForwardSpec(refit_every=50, min_train=600)
    frame = walk_forward_regimes(_Recording(penalties=[0.5, 5.0, 50.0], **SMALL), X, spec, y=y)
    return frame, list(_Recording.log)


@pytest.mark.parametrize("cut", [640, 731, 850])
def test_walk_forward_labels_and_penalties_ignore_the_future(cut):
    X, y, _ = _market(10)
    full, penalties = _walk(X, y)
    changed_X, changed_y = X.copy(), y.copy()
    rng = np.random.default_rng(cut)
    changed_X.iloc[cut:] = rng.normal(1, 2, changed_X.iloc[cut:].shape)
    changed_y.iloc[cut:] = rng.normal(-0.01, 0.05, len(changed_y) - cut)
    perturbed, perturbed_penalties = _walk(changed_X, changed_y)
    pd.testing.assert_frame_equal(full.iloc[:cut], perturbed.iloc[:cut])
    before = [entry for entry in penalties if entry[0] < X.index[cut]]
    assert before and before == [e for e in perturbed_penalties if e[0] < X.index[cut]]
    truncated, _ = _walk(X.iloc[:cut], y.iloc[:cut])
    pd.testing.assert_frame_equal(full.iloc[:cut], truncated)
    assert full["regime"].iloc[600:].notna().all()


def test_walk_forward_passes_only_past_targets():
    """Poisoning y after the cut would change a fit that read it."""
    X, y, _ = _market(11)
    full, _ = _walk(X, y)
    poisoned = y.copy()
    poisoned.iloc[700:] = np.nan
    partial, _ = _walk(X, poisoned)
    pd.testing.assert_frame_equal(full.iloc[:700], partial.iloc[:700])


# -- scikit-learn contract -------------------------------------------------------------------

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
    [
        CrossValidatedJumpRegime(
            penalties=[1.0, 10.0],
            validation_days=10,
            train_days=20,
            refit_days=5,
            n_init=2,
            random_state=0,
        )
    ],
    expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_contract(estimator, check):
    check(estimator)
