"""Plain-English honesty readings: each threshold tested on both sides, absent data is n/a."""

from __future__ import annotations

import copy

import pytest

from reports import readings as r


def _ci(estimate, low, high):
    return {"estimate": estimate, "low": low, "high": high, "std_error": 0.1, "p_value_le_0": 0.1}


@pytest.mark.parametrize(
    ("ci", "verdict", "phrase"),
    [
        (_ci(0.6, 0.1, 1.1), "pass", "is above zero at 95%"),
        (_ci(0.4, -0.1, 0.9), "caution", "not distinguishable from zero at 95%"),
        (_ci(-0.2, -0.7, 0.3), "fail", "no return above cash at all"),
        (None, "n/a", "No bootstrap interval"),
    ],
)
def test_sharpe_ci_reading(ci, verdict, phrase):
    reading = r.sharpe_ci_reading(ci, "rot")
    assert reading.verdict == verdict and phrase in reading.text


@pytest.mark.parametrize(
    ("ci", "verdict", "phrase"),
    [
        (_ci(0.5, 0.05, 0.9), "pass", "beats bench's Sharpe by 0.50"),
        (_ci(0.1, -0.3, 0.5), "caution", "not distinguishable from bench at 95%"),
        (_ci(-0.5, -0.9, -0.1), "fail", "worse than bench at 95%"),
        ({"estimate": None}, "n/a", "No comparison"),
    ],
)
def test_benchmark_difference_reading(ci, verdict, phrase):
    reading = r.benchmark_difference_reading(ci, "rot", "bench")
    assert reading.verdict == verdict and phrase in reading.text


def _placebo(percentile):
    return {
        "n_paths": 200,
        "real_sharpe": 0.59,
        "real_sharpe_percentile": percentile,
        "sharpe": {"q50": 0.41},
    }


@pytest.mark.parametrize(
    ("percentile", "verdict", "phrase"),
    [
        (96.0, "pass", "is distinguishable from the random-regime placebo at 95%: rot beats 96%"),
        (r.PLACEBO_PASS_PERCENTILE, "pass", "is distinguishable"),
        (
            92.0,
            "caution",
            "is not distinguishable from the random-regime placebo at 95%: 8% of 200",
        ),
        (r.PLACEBO_CAUTION_PERCENTILE - 1, "fail", "is not distinguishable"),
        (None, "n/a", "No random-regime placebo"),
    ],
)
def test_placebo_reading(percentile, verdict, phrase):
    reading = r.placebo_reading(_placebo(percentile), "rot")
    assert reading.verdict == verdict and phrase in reading.text
    if percentile is not None:
        assert "vs a placebo median of 0.41" in reading.text


def test_placebo_reading_says_whether_the_paths_are_causal():
    causal = r.placebo_reading({**_placebo(60.0), "causal": True}).text
    not_causal = r.placebo_reading({**_placebo(60.0), "causal": False}).text
    assert "causal random-regime paths" in causal
    assert "NOT causal" in not_causal and "NOT causal" not in causal


def test_placebo_value_uses_ordinals():
    assert r.placebo_reading(_placebo(92.0)).value == "92nd percentile"
    assert r.placebo_reading(_placebo(11.0)).value == "11th percentile"
    assert r.placebo_reading(_placebo(1.0)).value == "1st percentile"


@pytest.mark.parametrize(
    ("dsr", "trials", "verdict", "phrase"),
    [
        (0.97, 144, "pass", "survives deflation for 144 trials"),
        (r.DSR_PASS, 10, "pass", "survives"),
        (
            0.7,
            144,
            "caution",
            "after accounting for 144 trials, rot's Sharpe (0.60) is not significant",
        ),
        (0.2, 144, "fail", "not significant at 95%"),
        (0.99, 1, "n/a", "Only one configuration was tried"),
        (None, None, "n/a", "no sweep"),
    ],
)
def test_deflated_sharpe_reading(dsr, trials, verdict, phrase):
    block = {"dsr": dsr, "n_trials": trials, "sharpe": 0.6, "expected_max_sharpe": 0.2}
    reading = r.deflated_sharpe_reading(block, strategy="rot")
    assert reading.verdict == verdict and phrase in reading.text


def test_trial_dispersion_inverts_the_expected_maximum():
    from backtests.significance import expected_max_sharpe

    for n, std in ((24, 0.03), (144, 0.2), (2, 1.0)):
        assert r.trial_dispersion(expected_max_sharpe(n, std**2), n) == pytest.approx(std)


def test_dsr_hurdle_is_read_as_selection_luck_not_a_level_trials_reach():
    """The expected maximum is the trials' dispersion times E[max of N normals]: never 'the
    best N unskilled trials would reach X', least of all when X is below every trial."""
    block = {"dsr": 0.99, "n_trials": 144, "sharpe": 0.64, "expected_max_sharpe": 0.11}
    reading = r.deflated_sharpe_reading(block, strategy="rot", trial_sharpes=(0.59, 0.78))
    text = reading.text
    assert "would reach" not in text and "unskilled trials" not in text
    assert "not a level any trial reached" in text
    assert "expected maximum of 144 zero-mean draws with the spread of the trials' Sharpes" in text
    spread = r.trial_dispersion(0.11, 144)
    assert f"(std {spread:.2f})" in text
    assert "range from 0.59 to 0.78" in text and "cannot tell timing skill" in text
    # a hurdle inside the trials' range gets no such remark
    inside = r.deflated_sharpe_reading(block, strategy="rot", trial_sharpes=(0.05, 0.78)).text
    assert "range from" not in inside


def test_active_dsr_reading_names_the_no_timing_benchmark():
    block = {"dsr": 0.43, "n_trials": 24, "sharpe": 0.21, "expected_max_sharpe": 0.19}
    reading = r.deflated_sharpe_reading(block, strategy="rot", against="blend")
    assert reading.check == "Deflated Sharpe of the active return vs blend"
    assert reading.verdict == "fail" and reading.value == "0.430"
    assert "the active Sharpe of rot over blend (0.21)" in reading.text
    assert "spread of the trials' active Sharpes around blend" in reading.text
    assert (
        "range from"
        not in r.deflated_sharpe_reading(block, against="blend", trial_sharpes=(0.5, 0.9)).text
    )


def _null(estimate, low, high):
    return {"name": "blend", "sharpe_difference": _ci(estimate, low, high), "active_sharpe": 0.2}


@pytest.mark.parametrize(
    ("entry", "verdict", "phrase"),
    [
        (_null(0.3, 0.05, 0.6), "pass", "Switching adds something"),
        (_null(0.1, -0.2, 0.4), "caution", "No timing skill shown"),
        (_null(0.0, -0.3, 0.3), "fail", "Switching adds nothing"),
        (_null(-0.1, -0.4, 0.2), "fail", "Switching adds nothing"),
        ({"name": "blend"}, "n/a", "No paired test"),
    ],
)
def test_null_reading(entry, verdict, phrase):
    reading = r.null_reading(entry, "basket_blend", "rot")
    assert reading.verdict == verdict and phrase in reading.text
    assert reading.check == "No timing skill: vs its basket blend (blend)"
    if verdict != "n/a":
        assert "information ratio) is 0.20" in reading.text


@pytest.mark.parametrize(
    ("stability", "verdict", "phrase"),
    [
        (
            {
                "start_shift": {"-2y": {"history_start": "1991-01-29", "agreement": 0.95}},
                "max_start_shift_change": 0.05,
                "flagged": False,
            },
            "pass",
            "at most 5.0%",
        ),
        (
            {
                "start_shift": {"+2y": {"history_start": "1995-01-30", "agreement": 0.66}},
                "max_start_shift_change": 0.34,
                "flagged": True,
            },
            "fail",
            "FLAGGED",
        ),
        # no summary in the data: the two-year moves decide, against the limit
        (
            {
                "start_shift": {
                    "-4y": {"agreement": 0.5},
                    "-2y": {"agreement": 0.75},
                    "+2y": {"agreement": 0.9},
                }
            },
            "fail",
            "on 25.0% of the days",
        ),
        ({"start_shift": {"-2y": {"agreement": 0.85}}}, "pass", "at most 15.0%"),
        # no two-year move could be made: said so, with the reasons
        (
            {
                "start_shift": {
                    "-2y": {"available": False, "reason": "the data start on 1993-01-29"}
                },
                "max_start_shift_change": None,
                "flagged": False,
            },
            "n/a",
            "-2y: the data start on 1993-01-29",
        ),
        (None, "n/a", "could be measured"),
    ],
)
def test_stability_reading(stability, verdict, phrase):
    reading = r.stability_reading(stability, "jump")
    assert reading.verdict == verdict and phrase in reading.text


def test_stability_limit_is_twenty_percent():
    from backtests.stability import FLAG_CHANGE

    assert r.STABILITY_LIMIT == FLAG_CHANGE == 0.20
    assert r.stability_flagged({"start_shift": {"x": {"agreement": 0.8}}}) is False
    assert r.stability_flagged({"start_shift": {"x": {"agreement": 0.79}}}) is True
    assert r.stability_flagged({}) is None


@pytest.mark.parametrize(
    ("pbo", "trials", "verdict", "phrase"),
    [
        (
            0.52,
            144,
            "fail",
            "PBO 0.520: the sweep's best configuration is no better than a coin flip",
        ),
        (r.PBO_FAIL, 144, "fail", "coin flip"),
        (0.3, 144, "caution", "moderate overfitting risk"),
        (0.1, 144, "pass", "low overfitting risk"),
        (None, 1, "n/a", "single configuration"),
        (None, None, "n/a", "no sweep"),
    ],
)
def test_pbo_reading(pbo, trials, verdict, phrase):
    reading = r.pbo_reading({"pbo": pbo, "n_trials": trials})
    assert reading.verdict == verdict and phrase in reading.text


@pytest.mark.parametrize(
    ("in_sample", "out_sample", "verdict", "phrase"),
    [
        (0.8, 0.86, "pass", "holds up out of sample"),
        (1.0, 0.5, "caution", "decays out of sample to 50%"),
        (1.0, 0.1, "fail", "decays out of sample to 10%"),
        (1.0, -0.2, "fail", "does not survive out of sample"),
        (-0.1, 0.3, "caution", "read it as noise"),
        (None, 0.3, "n/a", "No walk-forward"),
    ],
)
def test_walk_forward_reading(in_sample, out_sample, verdict, phrase):
    block = {"mean_in_sample_sharpe": in_sample, "out_of_sample_sharpe": out_sample, "n_folds": 5}
    reading = r.walk_forward_reading(block)
    assert reading.verdict == verdict and phrase in reading.text


@pytest.mark.parametrize(
    ("gap", "verdict", "phrase"),
    [
        (0.008, "pass", "match a full-sample fit on 99.20% of days"),
        (0.0002, "pass", "match a full-sample fit on 99.98% of days"),
        (r.LABEL_GAP_PASS, "pass", "hindsight barely changes"),
        (0.1, "caution", "differ from a full-sample fit on 10.00% of days"),
        (0.3, "fail", "flattered by hindsight"),
        (None, "n/a", "No in-sample labels"),
        (float("nan"), "n/a", "No in-sample labels"),
    ],
)
def test_label_gap_reading(gap, verdict, phrase):
    reading = r.label_gap_reading(gap)
    assert reading.verdict == verdict and phrase in reading.text


def test_honesty_readings_from_metrics_and_inputs_unchanged():
    metrics = {
        "significance": {
            "benchmark": "bench",
            "strategies": {
                "rot": {
                    "sharpe_ci": _ci(0.6, 0.1, 1.1),
                    "sharpe_difference_vs_benchmark": _ci(0.1, -0.3, 0.5),
                    "deflated": {"dsr": 0.9, "n_trials": 12},
                    "pbo": {"pbo": 0.6, "n_trials": 12},
                }
            },
        },
        "placebos": {"random_regimes": {"rr": _placebo(97.0)}},
        "walk_forward": {"mean_in_sample_sharpe": 1.0, "out_of_sample_sharpe": 0.9},
        "regimes": {"in_sample_label_gap": 0.2},
    }
    before = copy.deepcopy(metrics)
    readings = r.honesty_readings(metrics, "rot")
    assert metrics == before
    assert [x.check for x in readings] == [
        "Deflated Sharpe ratio vs zero",
        "Random-regime placebo",
        "Sharpe ratio vs zero, bootstrap CI",
        "Sharpe minus bench's",
        "Probability of backtest overfitting",
        "Sweep choice, in vs out of sample",
    ]
    assert [x.verdict for x in readings] == ["caution", "pass", "pass", "caution", "fail", "pass"]
    assert all(x.verdict in r.VERDICTS and x.text for x in readings)
    # the label gap is the classifier section's reading, never repeated here
    assert not any("in-sample vs walk-forward" in x.check for x in readings)
    empty = r.honesty_readings({}, "rot")
    assert {x.verdict for x in empty} == {"n/a"}


def test_honesty_readings_lead_with_the_null_and_its_active_dsr():
    null = {
        "strategy": "rot",
        "benchmarks": {
            "best_basket": {
                **_null(-0.1, -0.4, 0.2),
                "name": "cf",
                "active_deflated": {
                    "dsr": 0.05,
                    "n_trials": 24,
                    "sharpe": -0.1,
                    "expected_max_sharpe": 0.15,
                },
            },
            "basket_blend": {
                **_null(0.1, -0.2, 0.4),
                "active_deflated": {
                    "dsr": 0.43,
                    "n_trials": 24,
                    "sharpe": 0.21,
                    "expected_max_sharpe": 0.19,
                },
            },
        },
    }
    metrics = {
        "significance": {
            "null": null,
            "confidence": 0.9,
            "strategies": {
                "rot": {"sharpe_ci": _ci(0.6, 0.1, 1.1), "deflated": {"dsr": 0.99, "n_trials": 24}}
            },
        }
    }
    readings = r.honesty_readings(metrics, "rot")
    assert [x.check for x in readings[:3]] == [
        "No timing skill: vs its basket blend (blend)",
        "No timing skill: vs its better basket (cf)",
        "Deflated Sharpe of the active return vs blend",
    ]
    assert readings[2].value == "0.430"  # the null's active DSR, not the zero test's 0.99
    assert not any(x.value == "0.990" for x in readings)
    assert "the 90% paired interval" in readings[0].text
    # the null is about another strategy: not read for this one
    other = r.honesty_readings(
        {"significance": {**metrics["significance"], "null": {**null, "strategy": "x"}}}, "rot"
    )
    assert other[0].check == "Deflated Sharpe ratio vs zero" and other[0].value == "0.990"
