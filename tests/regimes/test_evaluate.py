"""Evaluation metrics and the shipped episode list."""

import numpy as np
import pandas as pd
import pytest

from regimes.evaluate import (
    detection_delays,
    episode_shares,
    evaluate_against_truth,
    false_switches,
    load_episodes,
)

A, S = "abundant", "scarce"


def test_detection_delay_definition():
    truth = np.array([A] * 5 + [S] * 5 + [A] * 3)
    pred = np.array([A] * 7 + [S] * 6)  # scarce found 2 days late; abundant never
    np.testing.assert_array_equal(detection_delays(pred, truth), [2, 3])


def test_detection_needs_a_week_of_agreement_so_flicker_does_not_count():
    truth = np.array([A] * 20 + [S] * 20)
    pred = np.array([A] * 20 + [S, A, S, A] + [A] * 4 + [S] * 12)
    assert detection_delays(pred, truth, confirm_days=1).tolist() == [0]
    assert detection_delays(pred, truth).tolist() == [8]
    # at the end of a spell, agreeing until the spell ends is enough
    short = np.array([A] * 20 + [S] * 3)
    assert detection_delays(np.array([A] * 21 + [S] * 2), short).tolist() == [1]


def test_random_labels_do_not_get_a_short_detection_delay():
    """The reason for confirmation: first agreement rates a coin flip at about a day."""
    rng = np.random.default_rng(3)
    spells = rng.integers(60, 250, 30)
    truth = np.repeat(np.arange(30) % 2, spells).astype(object)
    truth = np.where(truth == 1, S, A)
    coin = np.where(rng.random(truth.size) < 0.5, S, A)
    assert np.median(detection_delays(coin, truth, confirm_days=1)) <= 1
    assert np.median(detection_delays(coin, truth)) >= 20


def test_false_switches_match_direction_and_count_whipsaws():
    truth = np.array([A] * 50 + [S] * 50)
    pred = np.array([A] * 52 + [S] * 2 + [A] * 2 + [S] * 44)
    assert false_switches(pred, truth, tolerance_days=10) == 2
    assert false_switches(truth, truth) == 0


def test_evaluate_against_truth_skips_unlabelled_days_and_keeps_inputs():
    idx = pd.bdate_range("2020-01-01", periods=8)
    truth = pd.Series([A] * 4 + [S] * 4, index=idx)
    pred = pd.Series([np.nan, A, A, A, A, S, S, S], index=idx, dtype=object)
    before = pred.copy()
    result = evaluate_against_truth(pred, truth)
    pd.testing.assert_series_equal(pred, before)
    assert result["n_days"] == 7 and result["median_delay_days"] == 1.0
    assert result["balanced_accuracy"] == pytest.approx((1.0 + 0.75) / 2)


def test_episodes_ship_with_the_package_and_are_well_formed():
    episodes = load_episodes()
    assert list(episodes.columns) == ["name", "start", "end", "expected", "rationale"]
    assert set(episodes["expected"]) == {A, S}
    assert (episodes["start"] < episodes["end"]).all()
    assert episodes["name"].is_unique and episodes["rationale"].str.len().min() > 20


def test_episode_shares():
    idx = pd.bdate_range("2008-01-01", "2009-12-31")
    pred = pd.Series(np.where(idx < "2008-10-01", A, S), index=idx, dtype=object)
    gfc = next(e for e in episode_shares(pred) if e["name"] == "gfc_2008")
    assert gfc["share_scarce"] == pytest.approx(pred.loc["2008-09-01":"2008-12-31"].eq(S).mean())
    assert gfc["expected"] == S
