"""Guarantee 1: no look-ahead. Changing anything after day t leaves every output up to t unchanged.

One helper, :func:`assert_causal`, runs a computation on random data and on
the same data with everything after a random cut ``t`` replaced, and
compares the rows up to ``t``. It is applied to every feature, every
classifier's online output, the walk-forward labels, every strategy kind and
the engine's fills; a deliberately leaky feature (a centred window) proves
the helper catches look-ahead.

No exemption: the ``random_regimes`` placebo draws its spell lengths from the
labels known at each date (:mod:`strategies.placebos`), so it is tested like
every other strategy kind.

Data and cut points come from hypothesis (``derandomize=True``, at most 25
examples); arrays are built with ``np.random.default_rng(seed)``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backtests.engine import rebalance_signals, simulate
from regimes import CLASSIFIERS, FEATURES, WalkForwardSpec, build_features, walk_forward_regimes
from regimes.features import compute_raw_features
from strategies import STRATEGIES, RotationOptions

BOUNDED = settings(max_examples=25, deadline=None, derandomize=True)
FEW = settings(max_examples=6, deadline=None, derandomize=True)

N_DAYS = 360
#: Not causal by design (see the module docstring).
#: Strategy kinds exempt from the causality test, with the reason (none since the
#: random-regime placebo became causal).
EXEMPT_STRATEGIES: dict[str, str] = {}


# -- the one helper ----------------------------------------------------------------


def perturb_after(
    frame: pd.DataFrame, cut: int, rng: np.random.Generator, holes: bool = True
) -> pd.DataFrame:
    """Rows after position ``cut`` scaled by random factors, some cells made missing."""
    changed = frame.copy()
    later = changed.iloc[cut + 1 :]
    factors = rng.uniform(0.3, 3.0, size=later.shape)
    values = later.to_numpy(dtype=float) * factors
    if holes:
        values[rng.random(values.shape) < 0.05] = np.nan
    changed.iloc[cut + 1 :] = values
    return changed


def _same(a, b) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b)
    elif isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            _same(a[key], b[key])
    else:
        np.testing.assert_array_equal(a, b)


def _head(value, cut: int):
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.iloc[: cut + 1]
    if isinstance(value, dict):
        return {k: _head(v, cut) for k, v in value.items()}
    return np.asarray(value)[: cut + 1]


def assert_causal(compute: Callable, inputs: tuple, perturbed: tuple, cut: int) -> None:
    """``compute(*inputs)`` and ``compute(*perturbed)`` agree on rows ``<= cut``.

    ``perturbed`` equals ``inputs`` up to row ``cut`` and differs after it.
    Outputs may be frames, series, arrays or dicts of them. Raises
    AssertionError on a difference (look-ahead).
    """
    _same(_head(compute(*inputs), cut), _head(compute(*perturbed), cut))


# -- random panels -------------------------------------------------------------------

MACRO_SERIES = sorted(
    {s for spec in FEATURES.values() for s in spec.series if not s.startswith("price:")}
)
TICKERS = ["A", "B", "C", "D", "BTC-USD", "CASH"]
BASKETS = {"spec": ["A", "B", "BTC-USD"], "flow": ["C", "D"]}


def macro_panel(seed: int, n: int = N_DAYS) -> pd.DataFrame:
    """Random-walk macro series on a business-day calendar, positive, with gaps."""
    rng = np.random.default_rng(seed)
    index = pd.bdate_range("2015-01-01", periods=n, name="date")
    walks = 50.0 * np.exp(np.cumsum(rng.normal(0, 0.02, (n, len(MACRO_SERIES))), axis=0))
    walks[rng.random(walks.shape) < 0.03] = np.nan
    return pd.DataFrame(walks, index=index, columns=MACRO_SERIES)


def price_panel(seed: int, n: int = N_DAYS) -> pd.DataFrame:
    """Random-walk prices; one ticker lists late and one history ends early."""
    rng = np.random.default_rng(seed + 1)
    index = pd.bdate_range("2015-01-01", periods=n, name="date")
    prices = 100.0 * np.exp(np.cumsum(rng.normal(0.0003, 0.02, (n, len(TICKERS))), axis=0))
    frame = pd.DataFrame(prices, index=index, columns=TICKERS)
    frame.iloc[: n // 5, 1] = np.nan
    frame.iloc[-n // 6 :, 3] = np.nan
    return frame


def random_regimes(seed: int, index: pd.DatetimeIndex) -> pd.DataFrame:
    rng = np.random.default_rng(seed + 2)
    spells = np.repeat(rng.integers(0, 2, size=len(index) // 20 + 1), 20)[: len(index)]
    label = np.where(spells == 1, "scarce", "abundant").astype(object)
    label[:15] = np.nan
    p = np.clip(spells * 0.6 + rng.uniform(0, 0.4, len(index)), 0, 1)
    p[:15] = np.nan
    return pd.DataFrame(
        {"regime": pd.Series(label, index=index, dtype=object), "p_scarce": p}, index=index
    )


def perturb_regimes(regimes: pd.DataFrame, cut: int, rng) -> pd.DataFrame:
    changed = regimes.copy()
    later = slice(cut + 1, None)
    flip = rng.random(len(regimes) - cut - 1) < 0.5
    labels = changed["regime"].to_numpy(dtype=object).copy()
    labels[later] = np.where(flip, "scarce", "abundant")
    changed["regime"] = pd.Series(labels, index=regimes.index, dtype=object)
    probabilities = changed["p_scarce"].to_numpy().copy()
    probabilities[later] = rng.uniform(0, 1, len(regimes) - cut - 1)
    changed["p_scarce"] = probabilities
    return changed


cuts = st.integers(min_value=1, max_value=N_DAYS - 2)
seeds = st.integers(min_value=0, max_value=2**16)


# -- features --------------------------------------------------------------------------


@BOUNDED
@given(seed=seeds, cut=cuts)
def test_every_feature_raw_and_standardised_ignores_the_future(seed, cut):
    macro, prices = macro_panel(seed), price_panel(seed)
    rng = np.random.default_rng(seed + 3)
    changed = (perturb_after(macro, cut, rng), perturb_after(prices, cut, rng))
    names = list(FEATURES)
    assert_causal(lambda m, p: compute_raw_features(m, p, names), (macro, prices), changed, cut)
    for window in (None, 60):
        assert_causal(
            lambda m, p, w=window: build_features(m, p, names, window=w, min_periods=30),
            (macro, prices),
            changed,
            cut,
        )


def _centred_vix(macro: pd.DataFrame, prices: pd.DataFrame) -> pd.Series:
    """A leaky feature: a centred rolling mean reads 10 days ahead."""
    return macro["VIXCLS"].rolling(21, center=True, min_periods=1).mean()


def test_the_helper_catches_a_centred_window():
    macro, prices = macro_panel(1), price_panel(1)
    changed = (
        perturb_after(macro, 200, np.random.default_rng(0), holes=False),
        perturb_after(prices, 200, np.random.default_rng(0), holes=False),
    )
    assert_causal(
        lambda m, p: m["VIXCLS"].rolling(21, min_periods=1).mean(), (macro, prices), changed, 200
    )  # trailing: passes
    with pytest.raises(AssertionError):
        assert_causal(_centred_vix, (macro, prices), changed, 200)


@FEW
@given(seed=seeds, cut=st.integers(min_value=20, max_value=N_DAYS - 20))
def test_the_helper_catches_a_centred_window_at_any_cut(seed, cut):
    macro, prices = macro_panel(seed), price_panel(seed)
    rng = np.random.default_rng(seed)
    changed = (perturb_after(macro, cut, rng, holes=False), prices)
    with pytest.raises(AssertionError):
        assert_causal(_centred_vix, (macro, prices), changed, cut)


# -- classifiers -----------------------------------------------------------------------

FEATURE_COLUMNS = ["net_liquidity_13w", "hy_spread", "vix"]


def feature_panel(seed: int, n: int = N_DAYS) -> pd.DataFrame:
    """Two noisy regimes in three standardised-looking features, NaN warm-up."""
    rng = np.random.default_rng(seed)
    scarce = (np.sin(np.arange(n) / 30 + rng.uniform(0, 6)) < -0.2).astype(float)
    shift = np.column_stack([-scarce, scarce, scarce]) * 1.5 - 0.5
    X = pd.DataFrame(
        shift + rng.normal(0, 0.8, (n, 3)),
        columns=FEATURE_COLUMNS,
        index=pd.bdate_range("2015-01-01", periods=n, name="date"),
    )
    X.iloc[:10] = np.nan
    X.iloc[rng.integers(10, n, 5), 1] = np.nan
    return X


def make_estimator(name: str):
    if name == "composite":
        return CLASSIFIERS[name](weights={"net_liquidity_13w": 1.0, "hy_spread": -1.0, "vix": -1.0})
    if name == "jump_cv":  # windows that fit the short panel
        return CLASSIFIERS[name](
            penalties=[1.0, 10.0],
            validation_days=30,
            train_days=40,
            refit_days=15,
            n_init=2,
            random_state=0,
        )
    estimator = CLASSIFIERS[name]()
    if "random_state" in estimator.get_params():
        estimator.set_params(random_state=0)
    return estimator


def returns_target(X: pd.DataFrame) -> pd.Series:
    """A daily excess return known at each close: it falls when the scarce features rise."""
    return (-0.002 * X["hy_spread"].fillna(0.0)).rename("excess_return")


def target(name: str, X: pd.DataFrame) -> tuple:
    """``fit``'s extra arguments: jump_cv needs the asset's excess returns as y."""
    return (returns_target(X),) if name == "jump_cv" else ()


@pytest.mark.parametrize("name", sorted(CLASSIFIERS))
@settings(max_examples=10, deadline=None, derandomize=True)
@given(seed=seeds, cut=st.integers(min_value=80, max_value=N_DAYS - 2))
def test_every_classifier_online_output_ignores_the_future(name, seed, cut):
    X = feature_panel(seed)
    train = X.iloc[:cut].dropna(how="all")
    model = make_estimator(name).fit(train, *target(name, train))  # fitted before t
    changed = perturb_after(X, cut, np.random.default_rng(seed))
    assert_causal(model.predict_proba_online, (X,), (changed,), cut)
    assert_causal(model.predict_online, (X,), (changed,), cut)


@pytest.mark.parametrize("name", sorted(CLASSIFIERS))
@settings(max_examples=4, deadline=None, derandomize=True)
@given(seed=seeds, cut=st.integers(min_value=100, max_value=N_DAYS - 2))
def test_walk_forward_labels_of_every_classifier_ignore_the_future(name, seed, cut):
    X = feature_panel(seed)
    spec = WalkForwardSpec(refit_every=60, min_train=90)
    changed = perturb_after(X, cut, np.random.default_rng(seed))
    # jump_cv's y (the timed asset's excess return) is perturbed after the cut as well
    y, changed_y = (
        (returns_target(X), returns_target(changed)) if name == "jump_cv" else (None, None)
    )
    assert_causal(
        lambda x, r: walk_forward_regimes(make_estimator(name), x, spec, y=r),
        (X, y),
        (changed, changed_y),
        cut,
    )


# -- strategies ------------------------------------------------------------------------

#: Parameters that make each kind run on the random panel.
STRATEGY_PARAMS = {
    "basket": {"basket": "spec"},
    "benchmark": {"ticker": "A"},
    "fixed_weights": {"weights": {"A": 0.6, "C": 0.4}},
    "regime_rotation": {
        "abundant_basket": "spec",
        "scarce_basket": "flow",
        "weighting": "inverse_vol",
        "vol_window": 20,
        "scarce_cash": 0.2,
    },
    "probability_tilt": {"abundant_basket": "spec", "scarce_basket": "flow"},
    "regime_rotation_trend": {
        "abundant_basket": "spec",
        "scarce_basket": "flow",
        "trend_window": 30,
    },
    "basket_blend": {"blend": ["spec", "flow"], "weighting": "inverse_vol", "vol_window": 20},
    "inverse_rotation": {"abundant_basket": "spec", "scarce_basket": "flow"},
    # Causal since issue 13: spell lengths come from the labels known at each date.
    "random_regimes": {
        "abundant_basket": "spec",
        "scarce_basket": "flow",
        "n_paths": 6,
        "seed": 2,
        "path": 5,
    },
    "regime_timing": {"asset": "A"},
}


def test_every_strategy_kind_is_covered_or_exempt():
    assert set(STRATEGY_PARAMS) | set(EXEMPT_STRATEGIES) == set(STRATEGIES)


@pytest.mark.parametrize("kind", sorted(STRATEGY_PARAMS))
@BOUNDED
@given(seed=seeds, cut=cuts)
def test_every_strategy_weights_ignore_the_future(kind, seed, cut):
    prices = price_panel(seed)
    regimes = random_regimes(seed, prices.index)
    rng = np.random.default_rng(seed)
    changed = (perturb_after(prices, cut, rng), perturb_regimes(regimes, cut, rng))
    spec = STRATEGIES[kind]
    arguments = spec.bind(STRATEGY_PARAMS[kind])
    assert_causal(
        lambda p, r: spec.function(p, r, BASKETS, **arguments), (prices, regimes), changed, cut
    )


def test_the_helper_catches_a_strategy_that_reads_tomorrow():
    prices = price_panel(3)
    regimes = random_regimes(3, prices.index)
    rotation = STRATEGIES["regime_rotation"].function
    options = RotationOptions("spec", "flow")
    swapped = regimes.copy()
    swapped.iloc[201:, 0] = (
        regimes["regime"].iloc[201:].map({"abundant": "scarce", "scarce": "abundant"})
    )
    changed = (prices, swapped)
    assert_causal(
        lambda p, r: rotation(p, r, BASKETS, options), (prices, regimes), changed, 200
    )  # the real one passes
    with pytest.raises(AssertionError):
        assert_causal(
            lambda p, r: rotation(p, r.shift(-1), BASKETS, options), (prices, regimes), changed, 200
        )


# -- the engine's fills ----------------------------------------------------------------


@settings(max_examples=12, deadline=None, derandomize=True)
@given(
    seed=seeds,
    cut=st.integers(min_value=5, max_value=N_DAYS - 2),
    lag=st.integers(min_value=1, max_value=3),
    band=st.sampled_from([0.0, 0.05]),
)
def test_engine_orders_and_held_weights_ignore_the_future(seed, cut, lag, band):
    """Orders, held weights, values and returns up to t use prices and targets up to t."""
    prices = price_panel(seed, n=160)
    cut = min(cut, len(prices) - 2)
    regimes = random_regimes(seed, prices.index)
    rng = np.random.default_rng(seed)
    rotation = STRATEGIES["regime_rotation"].function
    options = RotationOptions("spec", "flow")

    def fills(p, r):
        targets = {
            "rot": rotation(p, r, BASKETS, options),
            "tilt": STRATEGIES["probability_tilt"].function(p, r, BASKETS, options),
        }
        signals = {
            name: rebalance_signals(p.index, r["regime"], p.notna(), "weekly", True)
            for name in targets
        }
        result = simulate(
            p,
            targets,
            signals,
            lag,
            5.0,
            5.0,
            1e6,
            no_trade_band={"rot": band, "tilt": band},
            cash="CASH",
        )
        return {
            "orders": result.orders,
            "weights": result.weights,
            "value": result.value,
            "returns": result.returns,
            "traded": result.traded_fraction,
        }

    changed_prices = perturb_after(prices, cut, rng, holes=False)
    changed = (changed_prices, perturb_regimes(regimes, cut, rng))
    assert_causal(fills, (prices, regimes), changed, cut)
