"""Plain-English honesty readings: each threshold tested on both sides, absent data is n/a."""

from __future__ import annotations

import copy

import pytest

from reports import readings as r


def _ci(estimate, low, high):
    return {"estimate": estimate, "low": low, "high": high, "std_error": 0.1, "p_value_le_0": 0.1}


@pytest.mark.parametrize(("ci", "verdict", "phrase"), [
    (_ci(0.6, 0.1, 1.1), "pass", "is above zero at 95%"),
    (_ci(0.4, -0.1, 0.9), "caution", "not distinguishable from zero at 95%"),
    (_ci(-0.2, -0.7, 0.3), "fail", "no risk-adjusted return"),
    (None, "n/a", "No bootstrap interval"),
])
def test_sharpe_ci_reading(ci, verdict, phrase):
    reading = r.sharpe_ci_reading(ci, "rot")
    assert reading.verdict == verdict and phrase in reading.text


@pytest.mark.parametrize(("ci", "verdict", "phrase"), [
    (_ci(0.5, 0.05, 0.9), "pass", "beats bench's Sharpe by 0.50"),
    (_ci(0.1, -0.3, 0.5), "caution", "not distinguishable from bench at 95%"),
    (_ci(-0.5, -0.9, -0.1), "fail", "worse than bench at 95%"),
    ({"estimate": None}, "n/a", "No comparison"),
])
def test_benchmark_difference_reading(ci, verdict, phrase):
    reading = r.benchmark_difference_reading(ci, "rot", "bench")
    assert reading.verdict == verdict and phrase in reading.text


def _placebo(percentile):
    return {"n_paths": 200, "real_sharpe": 0.59, "real_sharpe_percentile": percentile,
            "sharpe": {"q50": 0.41}}


@pytest.mark.parametrize(("percentile", "verdict", "phrase"), [
    (96.0, "pass", "is distinguishable from the random-regime placebo at 95%: rot beats 96%"),
    (r.PLACEBO_PASS_PERCENTILE, "pass", "is distinguishable"),
    (92.0, "caution", "is not distinguishable from the random-regime placebo at 95%: 8% of 200"),
    (r.PLACEBO_CAUTION_PERCENTILE - 1, "fail", "is not distinguishable"),
    (None, "n/a", "No random-regime placebo"),
])
def test_placebo_reading(percentile, verdict, phrase):
    reading = r.placebo_reading(_placebo(percentile), "rot")
    assert reading.verdict == verdict and phrase in reading.text
    if percentile is not None:
        assert "vs a placebo median of 0.41" in reading.text


def test_placebo_value_uses_ordinals():
    assert r.placebo_reading(_placebo(92.0)).value == "92nd percentile"
    assert r.placebo_reading(_placebo(11.0)).value == "11th percentile"
    assert r.placebo_reading(_placebo(1.0)).value == "1st percentile"


@pytest.mark.parametrize(("dsr", "trials", "verdict", "phrase"), [
    (0.97, 144, "pass", "survives deflation for 144 trials"),
    (r.DSR_PASS, 10, "pass", "survives"),
    (0.7, 144, "caution", "after accounting for 144 trials the Sharpe is not significant"),
    (0.2, 144, "fail", "not significant at 95%"),
    (0.99, 1, "n/a", "Only one configuration was tried"),
    (None, None, "n/a", "no sweep"),
])
def test_deflated_sharpe_reading(dsr, trials, verdict, phrase):
    block = {"dsr": dsr, "n_trials": trials, "sharpe": 0.6, "expected_max_sharpe": 0.2}
    reading = r.deflated_sharpe_reading(block)
    assert reading.verdict == verdict and phrase in reading.text


@pytest.mark.parametrize(("pbo", "trials", "verdict", "phrase"), [
    (0.52, 144, "fail", "PBO 0.52: the sweep's best configuration is no better than a coin flip"),
    (r.PBO_FAIL, 144, "fail", "coin flip"),
    (0.3, 144, "caution", "moderate overfitting risk"),
    (0.1, 144, "pass", "low overfitting risk"),
    (None, 1, "n/a", "single configuration"),
    (None, None, "n/a", "no sweep"),
])
def test_pbo_reading(pbo, trials, verdict, phrase):
    reading = r.pbo_reading({"pbo": pbo, "n_trials": trials})
    assert reading.verdict == verdict and phrase in reading.text


@pytest.mark.parametrize(("in_sample", "out_sample", "verdict", "phrase"), [
    (0.8, 0.86, "pass", "holds up out of sample"),
    (1.0, 0.5, "caution", "decays out of sample to 50%"),
    (1.0, 0.1, "fail", "decays out of sample to 10%"),
    (1.0, -0.2, "fail", "does not survive out of sample"),
    (-0.1, 0.3, "caution", "read it as noise"),
    (None, 0.3, "n/a", "No walk-forward"),
])
def test_walk_forward_reading(in_sample, out_sample, verdict, phrase):
    block = {"mean_in_sample_sharpe": in_sample, "out_of_sample_sharpe": out_sample, "n_folds": 5}
    reading = r.walk_forward_reading(block)
    assert reading.verdict == verdict and phrase in reading.text


@pytest.mark.parametrize(("gap", "verdict", "phrase"), [
    (0.008, "pass", "match a full-sample fit on 99.2% of days"),
    (r.LABEL_GAP_PASS, "pass", "hindsight barely changes"),
    (0.1, "caution", "differ from a full-sample fit on 10.0% of days"),
    (0.3, "fail", "flattered by hindsight"),
    (None, "n/a", "No in-sample labels"),
    (float("nan"), "n/a", "No in-sample labels"),
])
def test_label_gap_reading(gap, verdict, phrase):
    reading = r.label_gap_reading(gap)
    assert reading.verdict == verdict and phrase in reading.text


def test_honesty_readings_from_metrics_and_inputs_unchanged():
    metrics = {
        "significance": {"benchmark": "bench", "strategies": {"rot": {
            "sharpe_ci": _ci(0.6, 0.1, 1.1), "sharpe_difference_vs_benchmark": _ci(0.1, -0.3, 0.5),
            "deflated": {"dsr": 0.9, "n_trials": 12}, "pbo": {"pbo": 0.6, "n_trials": 12}}}},
        "placebos": {"random_regimes": {"rr": _placebo(97.0)}},
        "walk_forward": {"mean_in_sample_sharpe": 1.0, "out_of_sample_sharpe": 0.9},
        "regimes": {"in_sample_label_gap": 0.2},
    }
    before = copy.deepcopy(metrics)
    readings = r.honesty_readings(metrics, "rot")
    assert metrics == before
    assert [x.verdict for x in readings] == ["pass", "caution", "pass", "caution", "fail",
                                             "pass", "fail"]
    assert all(x.verdict in r.VERDICTS and x.text for x in readings)
    empty = r.honesty_readings({}, "rot")
    assert {x.verdict for x in empty} == {"n/a"}
