"""Label stability: start shifts and leave-one-out recompute the labels for real."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from backtests import load_config
from backtests.runner import load_inputs, load_market, make_estimator, walk_forward_history
from backtests.stability import FLAG_CHANGE, label_agreement, stability

SHORT = [
    "data.start=2008-01-02",
    "data.end=2012-12-31",
    "features.history_start=2001-01-02",
    "features.use=['net_liquidity_13w', 'hy_spread', 'vix']",
]


@pytest.fixture(scope="module")
def setup():
    config = load_config(overrides=SHORT)
    market = load_market(config)
    inputs = load_inputs(config, market)
    base = walk_forward_history(
        config, inputs, make_estimator(config, "composite", inputs.feature_signs)
    )["regime"]
    return config, market, inputs, base


def _composite_labels(config, market, history_start=None, drop=None):
    """The same recomputation written out: a later history, or one feature fewer."""
    if history_start is not None:
        config = load_config(overrides=[*SHORT, f"features.history_start={history_start}"])
    inputs = load_inputs(config, market)
    if drop is not None:
        inputs = dataclasses.replace(inputs, features=inputs.features.drop(columns=[drop]))
    estimator = make_estimator(config, "composite", inputs.feature_signs)
    return walk_forward_history(config, inputs, estimator)["regime"]


def test_start_shift_and_leave_one_out_are_recomputed_agreements(setup):
    config, market, inputs, base = setup
    out = stability(
        config,
        market,
        "composite",
        base,
        inputs.features.index[0],
        shifts=(-2, 2),
        leave_one_out=True,
        inputs=inputs,
    )
    earlier = out["start_shift"]["-2y"]
    assert earlier["available"] is False and "data start" in earlier["reason"]
    later = out["start_shift"]["+2y"]
    assert later["available"] and later["history_start"] == "2003-01-02"
    expected, n = label_agreement(
        _composite_labels(config, market, "2003-01-02"), base, config.data.start, config.data.end
    )
    assert later["agreement"] == pytest.approx(expected) and later["n_days"] == n
    assert n == len(base.loc[config.data.start : config.data.end].dropna())
    assert out["max_start_shift_change"] == pytest.approx(1 - expected)
    assert out["flagged"] is (1 - expected > FLAG_CHANGE)
    for feature in ("net_liquidity_13w", "hy_spread", "vix"):
        loo = out["leave_one_out"][feature]
        labels = _composite_labels(config, market, drop=feature)
        assert loo["agreement"] == pytest.approx(
            label_agreement(labels, base, config.data.start, config.data.end)[0]
        )
    # leaving a feature out really changes something: the agreements are not all 1
    assert min(v["agreement"] for v in out["leave_one_out"].values()) < 1.0


def test_flag_follows_the_two_year_moves_only():
    idx = pd.bdate_range("2010-01-01", periods=100)
    a = pd.Series(np.where(np.arange(100) < 50, "abundant", "scarce"), index=idx)
    b = a.copy()
    b.iloc[:30] = "scarce"  # 30% disagree
    agreement, n = label_agreement(a, b, "2010-01-01", "2011-01-01")
    assert (agreement, n) == (pytest.approx(0.7), 100)
    assert 1 - agreement > FLAG_CHANGE
