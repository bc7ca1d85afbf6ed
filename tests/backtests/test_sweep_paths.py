"""The sweep's regime paths: the fast walk-forwards give the same bits as the plain ones.

Two shortcuts feed the sweep (``backtests.research.classifier_paths``):

* every walk-forward validates the feature frame once and fits and scores
  array blocks (``regimes.base.CheckedFeatures``), for every classifier;
* a classifier grid of settings that only post-process the composite's score
  runs on one walk-forward score (``regimes.walk_forward.walk_forward_grid``).

The oracle is the plain loop, written out here: a fresh (or warm-started)
estimator fitted on DataFrame blocks through the public API.
"""

import itertools

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from backtests.research import ResearchInputs, classifier_paths
from regimes import CLASSIFIERS, CompositeScoreRegime, WalkForwardSpec, walk_forward_regimes
from regimes.base import CheckedFeatures
from regimes.walk_forward import refit_starts, walk_forward_grid

COLUMNS = ["net_liquidity_13w", "hy_spread", "vix"]
SPECS = [
    WalkForwardSpec(refit_every=60, min_train=150),
    WalkForwardSpec(refit_every=45, min_train=150, window=120),
]


def _features(seed: int = 3, n: int = 480) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    index = pd.bdate_range("2012-01-02", periods=n, name="date")
    regime = np.repeat(rng.integers(0, 2, size=n // 60 + 1), 60)[:n]
    values = rng.normal(size=(n, len(COLUMNS))) + np.where(regime[:, None] == 1, -1.2, 0.8)
    X = pd.DataFrame(values * [1.0, -1.0, -1.0], index=index, columns=COLUMNS)
    X.iloc[:40] = np.nan  # warm-up rows
    X.iloc[40:90, 2] = np.nan  # a late feature
    X.iloc[200:205, 0] = np.nan
    return X


def _dataframe_walk_forward(estimator, X: pd.DataFrame, spec: WalkForwardSpec) -> pd.DataFrame:
    """The plain walk-forward: DataFrame blocks through the public estimator API."""
    refits = refit_starts(X, spec)
    regime = np.full(len(X), np.nan, dtype=object)
    p_scarce = np.full(len(X), np.nan)
    warm = spec.warm_start and "warm_start" in estimator.get_params()
    model = clone(estimator).set_params(warm_start=True) if warm else None
    for k, start in enumerate(refits):
        stop = refits[k + 1] if k + 1 < len(refits) else len(X)
        train = X.iloc[:start]
        train = train[train.notna().any(axis=1)]
        if spec.window is not None:
            train = train.iloc[-spec.window :]
        model = model if warm else clone(estimator)
        model.fit(train)
        labels = model.predict_online(X.iloc[:stop])
        proba = model.predict_proba_online(X.iloc[:stop])
        assert isinstance(labels, pd.Series) and isinstance(proba, pd.DataFrame)
        regime[start:stop] = labels.to_numpy(dtype=object)[start:stop]
        p_scarce[start:stop] = proba["scarce"].to_numpy()[start:stop]
    frame = pd.DataFrame(
        {"regime": pd.Series(regime, index=X.index, dtype=object), "p_scarce": p_scarce},
        index=X.index,
    )
    frame.index.name = "date"
    return frame


def _assert_same_bits(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    np.testing.assert_array_equal(
        fast["p_scarce"].to_numpy().view(np.int64), slow["p_scarce"].to_numpy().view(np.int64)
    )


def _estimator(name: str):
    params = {
        "composite": {"min_dwell": 3},
        "gmm": {"random_state": 0},
        "hmm": {"random_state": 0, "max_iter": 30},
        "jump": {"random_state": 0},
    }[name]
    return CLASSIFIERS[name](**params)


@pytest.mark.parametrize("spec", SPECS, ids=["expanding", "window"])
@pytest.mark.parametrize("name", ["composite", "gmm", "hmm", "jump"])
def test_array_walk_forward_equals_the_dataframe_walk_forward(name, spec):
    X = _features()
    before = X.copy()
    fast = walk_forward_regimes(_estimator(name), X, spec)
    _assert_same_bits(fast, _dataframe_walk_forward(_estimator(name), X, spec))
    assert fast["regime"].notna().sum() > 100
    pd.testing.assert_frame_equal(X, before)


COMPOSITE_GRID = {
    "enter_threshold": [0.25, 0.75],
    "exit_threshold": [0.0, 0.3],
    "min_dwell": [1, 7],
    "sharpness": [2.0, 0.5],
}


@pytest.mark.parametrize("spec", SPECS, ids=["expanding", "window"])
def test_composite_grid_on_one_score_equals_one_walk_forward_per_setting(spec):
    X = _features(seed=11)
    base = CompositeScoreRegime(weights={"net_liquidity_13w": 1.0, "hy_spread": -1.0, "vix": -0.5})
    names = sorted(COMPOSITE_GRID)
    settings = [
        dict(zip(names, values, strict=True))
        for values in itertools.product(*(COMPOSITE_GRID[k] for k in names))
    ]
    frames = walk_forward_grid(base, X, spec, settings)
    assert len(frames) == len(settings) == 16
    for setting, frame in zip(settings, frames, strict=True):
        model = clone(base).set_params(**setting)
        _assert_same_bits(frame, walk_forward_regimes(model, X, spec))
        _assert_same_bits(frame, _dataframe_walk_forward(model, X, spec))
    # the settings matter: the fast path does not hand every setting the same labels
    assert len({tuple(f["regime"].fillna("-")) for f in frames}) > 4


def test_a_grid_that_changes_the_fit_gets_one_walk_forward_per_setting():
    X = _features(seed=5)
    spec = SPECS[0]
    settings = [{"weights": [1.0, -1.0, -1.0]}, {"weights": [1.0, 0.0, -2.0], "min_dwell": 4}]
    frames = walk_forward_grid(CompositeScoreRegime(), X, spec, settings)
    for setting, frame in zip(settings, frames, strict=True):
        _assert_same_bits(
            frame, _dataframe_walk_forward(CompositeScoreRegime().set_params(**setting), X, spec)
        )
    jump = walk_forward_grid(_estimator("jump"), X, spec, [{"jump_penalty": 2.0}])
    _assert_same_bits(
        jump[0], _dataframe_walk_forward(_estimator("jump").set_params(jump_penalty=2.0), X, spec)
    )
    assert walk_forward_grid(CompositeScoreRegime(), X, spec, []) == []


def test_a_bad_grid_setting_fails_as_its_own_walk_forward_would():
    X = _features()
    bad = {"enter_threshold": 0.1, "exit_threshold": -0.5}  # the thresholds overlap
    with pytest.raises(ValueError, match="overlap") as slow:
        walk_forward_regimes(CompositeScoreRegime(**bad), X, SPECS[0])
    with pytest.raises(ValueError, match="overlap") as fast:
        walk_forward_grid(CompositeScoreRegime(), X, SPECS[0], [{"min_dwell": 2}, bad])
    assert str(fast.value) == str(slow.value)


def _research_inputs(X: pd.DataFrame, estimator, spec: WalkForwardSpec) -> ResearchInputs:
    window = X.index[250:]
    regimes = walk_forward_regimes(estimator, X, spec).reindex(window)
    return ResearchInputs(
        prices=pd.DataFrame(index=window),
        regimes=regimes,
        hindsight=regimes,
        truth=None,
        features=X,
        returns=pd.DataFrame(),
        rf=pd.Series(0.0, index=window),
        roles={},
        strategies={},
        baskets={},
        rotation=None,
        trading=None,
        placebos={},
        estimator=estimator,
        spec=spec,
    )


def test_sweep_paths_fast_path_equals_the_slow_path():
    X = _features(seed=2)
    spec = SPECS[0]
    estimator = CompositeScoreRegime(min_dwell=5)
    inputs = _research_inputs(X, estimator, spec)
    grid = {"min_dwell": [5, 20], "enter_threshold": [0.25, 0.5, 0.75]}
    paths = classifier_paths(inputs, grid)
    # the slow path, as the sweep computed it before: one walk-forward per setting
    names = sorted(grid)
    expected = {}
    for values in itertools.product(*(grid[k] for k in names)):
        label = ",".join(f"{k}={v}" for k, v in zip(names, values, strict=True))
        model = clone(estimator).set_params(**dict(zip(names, values, strict=True)))
        expected[label] = _dataframe_walk_forward(model, X, spec).reindex(inputs.regimes.index)
    assert list(paths) == list(expected)
    for label in expected:
        _assert_same_bits(paths[label], expected[label])
    assert classifier_paths(inputs, {}) == {"configured": inputs.regimes}


def test_checked_features_record_and_check_names_like_validate_data():
    X = _features()
    checked = CheckedFeatures.from_frame(X)
    model = CompositeScoreRegime().fit(checked.rows(np.arange(100, 300)))
    reference = CompositeScoreRegime().fit(X.iloc[100:300])
    assert list(model.feature_names_in_) == list(reference.feature_names_in_) == COLUMNS
    assert model.n_features_in_ == 3
    np.testing.assert_array_equal(model.weights_, reference.weights_)
    assert model.score_scale_ == reference.score_scale_
    # ndarray blocks have no names: a refit forgets the old ones, as validate_data does
    unnamed = CheckedFeatures.from_frame(X.to_numpy())
    assert unnamed.feature_names is None
    model.set_params(weights=[1.0, -1.0, -1.0]).fit(unnamed.rows(np.arange(100, 300)))
    assert not hasattr(model, "feature_names_in_")
    with pytest.raises(ValueError, match="feature names"):
        model.predict_online(checked.head(300))
    renamed = CheckedFeatures.from_frame(X.rename(columns={"vix": "vix_level"}))
    named = CompositeScoreRegime().fit(checked.rows(np.arange(100, 300)))
    with pytest.raises(ValueError, match="feature names"):
        named.predict_proba_online(renamed.head(300))
    with pytest.raises(ValueError, match="0 sample"):
        CompositeScoreRegime().fit(checked.rows(np.arange(0)))
    with pytest.raises(ValueError, match="inf"):
        CheckedFeatures.from_frame(X.replace(X.iloc[300, 0], np.inf))
