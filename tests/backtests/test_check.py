"""The CI gate (backtests.gate, exposed as backtests.check): flattening, tolerances, verdicts and
breaches, importance order, refusals, baselines, and the text and markdown reports
(backtests.gate_report), including inert markdown for hostile strategy names."""

import copy
import json
import math
import re

import pytest

from backtests import gate, metrics_schema
from backtests.gate import (
    CheckInputError,
    IncomparableRunsError,
    MetricChange,
    Tolerance,
    Tolerances,
    breach_rule,
    check,
    flatten_metrics,
    load_tolerances,
    metric_direction,
    write_baseline,
)
from backtests.gate_report import md_code, md_text, visible


def _summary(sharpe, cagr, volatility, max_drawdown, turnover=2.0):
    return {
        "total_return": cagr * 3,
        "cagr": cagr,
        "volatility": volatility,
        "sharpe": sharpe,
        "sortino": sharpe * 1.4,
        "max_drawdown": max_drawdown,
        "turnover": turnover,
        "exposure": 1.0,
        "hit_rate": 0.52,
        "share_of_time": 1.0,
    }


def _by_regime(sharpe):
    return {
        "abundant": {
            **_summary(sharpe + 0.2, 0.2, 0.2, -0.2),
            "spell_drawdown": {"worst": -0.2, "median": -0.1, "n_spells": 4},
        },
        "scarce": {
            **_summary(sharpe - 0.7, 0.01, 0.2, -0.3),
            "spell_drawdown": {"worst": -0.3, "median": -0.1, "n_spells": 3},
        },
    }


#: A small schema-2 metrics.json with every section the gate must treat sensibly.
METRICS = {
    "schema": 2,
    "run": {
        "name": "t",
        "data_source": "synthetic",
        "synthetic": True,
        "start": "2008-01-02",
        "end": "2010-12-31",
        "n_days": 756,
        "config_sha256": "aaa",
        "data_sha256": "ddd",
        "unavailable_inputs": {},
        "versions": {"numpy": "2"},
    },
    "strategies": {
        "regime_rotation": {
            "kind": "regime_rotation",
            "role": "strategy",
            "price_only": [],
            "overall": _summary(0.8, 0.10, 0.20, -0.30),
            "by_regime": _by_regime(0.8),
            "contribution": {"cash_flow": 0.3, "speculative": 0.2},
        },
        "benchmark": {
            "kind": "benchmark",
            "role": "benchmark",
            "price_only": [],
            "overall": _summary(0.5, 0.07, 0.15, -0.5, turnover=0.0),
            "by_regime": {},
        },
        "inverse_rotation": {
            "kind": "inverse_rotation",
            "role": "placebo",
            "price_only": [],
            "overall": _summary(0.3, 0.04, 0.25, -0.6),
            "by_regime": {},
        },
    },
    "regimes": {
        "classifier": "composite",
        "params": {"min_dwell": 10},
        "share_scarce": 0.4,
        "switches_per_year": 3.0,
        "current": {"date": "2010-12-31", "regime": "scarce", "p_scarce": 0.7},
        "features": {"vix": {"first_date": "1996-01-03", "sign": -1.0}},
        "evaluation": {"balanced_accuracy": 0.8, "median_delay_days": 20.0},
    },
    "bounds": {
        "reference": "oracle",
        "tradable": {"oracle": False},
        "delay_days": 21,
        "paths": {"oracle": {"sharpe": 1.1, "cagr": 0.2, "max_drawdown": -0.2}},
    },
    "edge": {
        "strategy": "regime_rotation",
        "rivals": ["benchmark"],
        "by_year": {"2008": {"days": 253, "return": -0.1, "difference": {"benchmark": 0.2}}},
        "best_year": {"benchmark": {"year": "2009", "sharpe_difference": 0.3}},
    },
    "verdict": [
        {"key": "null.basket_blend", "text": "does not beat 0.5 at 95%", "tone": "against"}
    ],
    "placebos": {
        "random_regimes": {
            "random_regimes": {
                "n_paths": 200,
                "seed": 7,
                "representative_path": 0,
                "causal": True,
                "sharpe": {"q05": 0.1, "q95": 0.6},
                "real_sharpe": 0.8,
            }
        },
        "compared_strategy": "regime_rotation",
    },
    "sweep": {"grid": {"fee_bps": [5.0, 20.0]}, "n_trials": 2},
    "walk_forward": {"folds": [{"out_of_sample_sharpe": 0.3}, {"out_of_sample_sharpe": None}]},
    "significance": {
        "confidence": 0.95,
        "mean_block_days": 21.0,
        "bootstrap_samples": 100,
        "seed": 0,
        "null": {
            "strategy": "regime_rotation",
            "benchmarks": {
                "best_basket": {
                    "name": "cash_flow_basket",
                    "sharpe_difference": {"estimate": 0.03, "p_value_le_0": 0.4},
                }
            },
        },
        "strategies": {
            "regime_rotation": {"psr": 0.9, "sharpe_ci": {"estimate": 0.8, "low": 0.1, "high": 1.5}}
        },
    },
    "event_study": {
        "pre": 20,
        "post": 60,
        "transitions": {"into_scarce": {"cash_flow": {"n_events": 3, "day_20": {"mean": 0.01}}}},
    },
}


def _run_dir(tmp_path, metrics, name="run"):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "metrics.json").write_text(json.dumps(metrics))
    return folder


MISSING = object()


def _with(path, value, metrics=METRICS):
    """A deep copy of ``metrics`` with ``path`` set to ``value`` (or deleted: MISSING)."""
    changed = copy.deepcopy(metrics)
    node = changed
    *parents, leaf = path.split(".")
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is MISSING:
        node.pop(leaf, None)
    else:
        node[leaf] = value
    return changed


@pytest.fixture
def baseline(tmp_path):
    path = tmp_path / "ci" / "baseline.json"
    write_baseline(_run_dir(tmp_path, METRICS, "base"), path)
    return path


# --- flattening -----------------------------------------------------------------------------


def test_flatten_is_generic_dotted_and_skips_metadata():
    flat = flatten_metrics(METRICS)
    assert flat["strategies.regime_rotation.overall.sharpe"] == 0.8
    assert flat["strategies.regime_rotation.by_regime.scarce.cagr"] == 0.01
    assert flat["regimes.share_scarce"] == 0.4 and flat["regimes.switches_per_year"] == 3.0
    assert flat["significance.strategies.regime_rotation.sharpe_ci.low"] == 0.1
    assert flat["walk_forward.folds.0.out_of_sample_sharpe"] == 0.3
    assert flat["walk_forward.folds.1.out_of_sample_sharpe"] is None  # undefined: kept
    assert not [k for k in flat if k.startswith(("run.", "regimes.params")) or k == "schema"]
    assert "strategies.regime_rotation.kind" not in flat  # strings are not metrics
    assert list(flat) == sorted(flat)


def test_flatten_treats_the_schema_2_sections_sensibly():
    flat = flatten_metrics(METRICS)
    # results are metrics
    assert flat["strategies.regime_rotation.by_regime.scarce.spell_drawdown.worst"] == -0.3
    assert flat["strategies.regime_rotation.by_regime.scarce.spell_drawdown.n_spells"] == 3
    assert flat["bounds.paths.oracle.sharpe"] == 1.1 and flat["bounds.delay_days"] == 21
    assert flat["edge.by_year.2008.difference.benchmark"] == 0.2
    assert flat["significance.null.benchmarks.best_basket.sharpe_difference.estimate"] == 0.03
    assert flat["placebos.random_regimes.random_regimes.real_sharpe"] == 0.8
    # descriptive counts are compared, but never ranked
    assert flat["edge.by_year.2008.days"] == 253
    assert metric_direction("edge.by_year.2008.days") == "neutral"
    # text, metadata and config echoes are not metrics
    echoes = [
        "verdict",
        "run.unavailable_inputs",
        "regimes.features",
        "sweep.grid",
        "significance.seed",
        "significance.confidence",
        "significance.bootstrap_samples",
        "significance.mean_block_days",
        "event_study.pre",
        "event_study.post",
        "placebos.random_regimes.random_regimes.n_paths",
        "placebos.random_regimes.random_regimes.seed",
        "placebos.random_regimes.random_regimes.representative_path",
    ]
    for echo in echoes:
        assert not [k for k in flat if k == echo or k.startswith(echo + ".")], echo
    assert "edge.best_year.benchmark.year" not in flat and "bounds.reference" not in flat


def test_verdict_with_a_number_is_still_not_a_metric():
    metrics = _with("verdict", [{"key": "x", "text": "t", "tone": "for", "value": 1.0}])
    assert not [k for k in flatten_metrics(metrics) if k.startswith("verdict")]


def test_flatten_makes_non_finite_numbers_undefined():
    flat = flatten_metrics({"a": float("nan"), "b": float("inf"), "c": 1})
    assert flat == {"a": None, "b": None, "c": 1.0}


def test_flatten_does_not_mutate_its_input():
    before = copy.deepcopy(METRICS)
    flatten_metrics(METRICS)
    assert before == METRICS


# --- directions: one home -------------------------------------------------------------------


def test_directions_come_from_the_metrics_schema():
    assert gate.metric_direction is metrics_schema.metric_direction
    for own_copy in ("HIGHER_IS_BETTER", "LOWER_IS_BETTER", "SMALLER_MAGNITUDE_IS_BETTER"):
        assert not hasattr(gate, own_copy)


@pytest.mark.parametrize(
    "path, direction",
    [
        ("strategies.x.overall.sharpe", "higher"),
        ("strategies.x.overall.cagr", "higher"),
        ("strategies.x.by_regime.scarce.sortino", "higher"),
        ("strategies.x.overall.hit_rate", "higher"),
        ("strategies.x.overall.total_return", "higher"),
        ("strategies.x.overall.volatility", "lower"),
        ("strategies.x.overall.turnover", "lower"),
        ("strategies.x.overall.max_drawdown", "smaller_magnitude"),
        ("strategies.x.by_regime.scarce.spell_drawdown.worst", "smaller_magnitude"),
        ("regimes.share_scarce", "neutral"),
        ("strategies.x.overall.exposure", "neutral"),
        ("significance.strategies.x.sharpe_ci.low", "higher"),
    ],
)
def test_directions(path, direction):
    assert metric_direction(path) == direction


# --- verdicts x fail_on: the breach rule ----------------------------------------------------

S = "strategies.regime_rotation."
#: (case, path, baseline value, run value, expected verdict); MISSING: absent on that side.
VERDICT_CASES = [
    ("unchanged within tolerance", S + "overall.sharpe", 0.8, 0.8 + 1e-12, "unchanged"),
    ("unchanged, undefined on both sides", S + "overall.sharpe", None, None, "unchanged"),
    ("better, higher is better", S + "overall.sharpe", 0.8, 0.9, "better"),
    ("worse, higher is better", S + "overall.sharpe", 0.8, 0.7, "worse"),
    ("better, lower is better", S + "overall.volatility", 0.2, 0.1, "better"),
    ("worse, lower is better", S + "overall.volatility", 0.2, 0.3, "worse"),
    ("better, smaller magnitude", S + "overall.max_drawdown", -0.3, -0.2, "better"),
    ("worse, smaller magnitude", S + "overall.max_drawdown", -0.3, -0.4, "worse"),
    ("better, smaller magnitude above 0", S + "overall.max_drawdown", 0.2, 0.1, "better"),
    ("worse, smaller magnitude above 0", S + "overall.max_drawdown", 0.1, 0.2, "worse"),
    ("changed, neutral", "regimes.share_scarce", 0.4, 0.5, "changed"),
    ("changed, neutral descriptive count", "edge.by_year.2008.days", 253, 252, "changed"),
    ("undefined: became null", S + "overall.sharpe", 0.8, None, "changed"),
    ("undefined: became defined", S + "overall.sharpe", None, 0.8, "changed"),
    ("missing in run", "regimes.switches_per_year", 3.0, MISSING, "missing in run"),
    ("new in run", "regimes.new_metric", MISSING, 1.0, "new in run"),
]
#: The breach rule, written out: (verdict, fail_on, allow_missing) -> breach.
BREACH = {
    ("unchanged", "any"): False,
    ("unchanged", "worse"): False,
    ("better", "any"): True,
    ("better", "worse"): False,
    ("worse", "any"): True,
    ("worse", "worse"): True,
    ("changed", "any"): True,
    ("changed", "worse"): True,
    ("missing in run", "any"): True,
    ("missing in run", "worse"): True,
    ("new in run", "any"): True,
    ("new in run", "worse"): True,
}
ALLOW_MISSING_BREACH = {
    **BREACH,
    ("missing in run", "any"): False,
    ("missing in run", "worse"): False,
    ("new in run", "any"): False,
    ("new in run", "worse"): False,
}


@pytest.mark.parametrize("allow_missing", [False, True], ids=["strict", "allow_missing"])
@pytest.mark.parametrize("fail_on", ["any", "worse"])
@pytest.mark.parametrize(
    "case, path, old, new, verdict", VERDICT_CASES, ids=[c[0] for c in VERDICT_CASES]
)
def test_every_verdict_and_its_breach_in_every_mode(
    tmp_path, case, path, old, new, verdict, fail_on, allow_missing
):
    base = _with(path, old)
    run = _with(path, new)
    report = check(
        _run_dir(tmp_path, run),
        _run_dir(tmp_path, base, "base") / "metrics.json",
        fail_on=fail_on,
        allow_missing=allow_missing,
    )
    (change,) = [c for c in report.changes if c.metric == path]
    expected = (ALLOW_MISSING_BREACH if allow_missing else BREACH)[verdict, fail_on]
    assert (change.verdict, change.breach) == (verdict, expected)
    assert change.moved is (verdict != "unchanged")
    # nothing else moved, so the whole check passes exactly when this metric does not breach
    assert [c.metric for c in report.moved] == ([path] if change.moved else [])
    assert report.passed is not expected
    assert report.to_dict()["n_breaches"] == int(expected)


@pytest.mark.parametrize("allow_missing", [False, True])
@pytest.mark.parametrize("fail_on", ["any", "worse"])
@pytest.mark.parametrize("verdict", [v for v, _ in BREACH if _ == "any"])
def test_breach_rule_table(verdict, fail_on, allow_missing):
    expected = (ALLOW_MISSING_BREACH if allow_missing else BREACH)[verdict, fail_on]
    assert breach_rule(verdict, fail_on, allow_missing) is expected


def test_breach_rule_refuses_unknown_verdicts():
    with pytest.raises(ValueError, match="unknown verdict 'odd'"):
        breach_rule("odd")


@pytest.mark.parametrize(
    "old, new, tolerance, moved",
    [
        (1.0, 1.5, Tolerance(abs=0.5, rel=0.0), False),  # exactly at abs: allowed
        (1.0, 1.5000001, Tolerance(abs=0.5, rel=0.0), True),
        (2.0, 2.5, Tolerance(abs=0.0, rel=0.25), False),  # exactly at rel * |baseline|
        (2.0, 2.5000001, Tolerance(abs=0.0, rel=0.25), True),
        (-2.0, -2.5, Tolerance(abs=0.0, rel=0.25), False),  # rel uses |baseline|
        (-2.0, -1.5, Tolerance(abs=0.0, rel=0.25), False),
        (1.0, 1.5, Tolerance(abs=0.25, rel=0.25), False),  # abs + rel * |baseline| add up
        (1.0, 1.51, Tolerance(abs=0.25, rel=0.25), True),
        (0.0, 0.0, Tolerance(abs=0.0, rel=0.0), False),  # zero tolerance, no move
        (0.0, 1e-300, Tolerance(abs=0.0, rel=0.0), True),
    ],
)
def test_tolerance_bounds(old, new, tolerance, moved):
    assert tolerance.allows(old, new) is not moved
    change = gate._compare("regimes.x", old, new, tolerance, "any")
    assert change.moved is moved and change.breach is moved
    assert (change.tolerance_multiple > 1) is moved


# --- tolerances: precedence field by field --------------------------------------------------

PATH = "strategies.rotation.overall.sharpe"


def _tolerance_file(tmp_path, default="", metrics=(), strategy=()):
    text = f"[default]\n{default}\n" if default else ""
    text += "[metrics]\n" + "".join(line + "\n" for line in metrics)
    text += "[strategies.rotation]\n" + "".join(line + "\n" for line in strategy)
    file = tmp_path / "tolerance.toml"
    file.write_text(text)
    return load_tolerances(file)


LEAF = "sharpe = {abs = 2.0, rel = 0.2}"
MPATH = '"strategies.rotation.overall.sharpe" = {abs = 3.0, rel = 0.3}'
SLEAF = "sharpe = {abs = 4.0, rel = 0.4}"
SPATH = '"overall.sharpe" = {abs = 5.0, rel = 0.5}'


@pytest.mark.parametrize(
    "default, metrics, strategy, expected",
    [
        # whole entries: the most specific level wins (listed least specific last on purpose)
        ("abs = 1.0\nrel = 0.1", [MPATH, LEAF], [SPATH, SLEAF], (5.0, 0.5)),
        ("abs = 1.0\nrel = 0.1", [MPATH, LEAF], [SLEAF], (4.0, 0.4)),
        ("abs = 1.0\nrel = 0.1", [MPATH, LEAF], [], (3.0, 0.3)),
        ("abs = 1.0\nrel = 0.1", [LEAF], [], (2.0, 0.2)),
        ("abs = 1.0\nrel = 0.1", [], [], (1.0, 0.1)),
        ("", [], [], (1e-9, 1e-6)),  # built-in default
        ("abs = 1.0", [], [], (1.0, 1e-6)),  # a default field left out stays built in
        # field by field: a field an entry leaves out comes from the next level down
        (
            "abs = 1.0\nrel = 0.1",
            [MPATH],
            ['"overall.sharpe" = {rel = 0.5}', "sharpe = {abs = 4.0}"],
            (4.0, 0.5),
        ),
        ("abs = 1.0\nrel = 0.1", [MPATH], ['"overall.sharpe" = {abs = 5.0}'], (5.0, 0.3)),
        (
            "abs = 1.0\nrel = 0.1",
            ['"strategies.rotation.overall.sharpe" = {rel = 0.3}', LEAF],
            ["sharpe = {abs = 4.0}"],
            (4.0, 0.3),
        ),
        ("abs = 1.0\nrel = 0.1", ["sharpe = {rel = 0.2}"], ["sharpe = {abs = 4.0}"], (4.0, 0.2)),
        (
            "abs = 1.0\nrel = 0.1",
            ['"strategies.rotation.overall.sharpe" = {abs = 3.0}', "sharpe = {rel = 0.2}"],
            [],
            (3.0, 0.2),
        ),
        ("abs = 1.0\nrel = 0.1", ["sharpe = {abs = 2.0}"], [], (2.0, 0.1)),
        # a glob is as specific as a path, and beats the leaf wherever it is listed
        (
            "abs = 1.0\nrel = 0.1",
            ['"strategies.*.overall.sharpe" = {abs = 3.0}', LEAF],
            [],
            (3.0, 0.2),
        ),
        # inside a strategy: a glob on the inner path is as specific as the path
        ("abs = 1.0\nrel = 0.1", [], ['"overall.*" = {abs = 5.0}', SLEAF], (5.0, 0.4)),
    ],
)
def test_tolerance_precedence_field_by_field(tmp_path, default, metrics, strategy, expected):
    tolerances = _tolerance_file(tmp_path, default, metrics, strategy)
    assert tolerances.for_metric(PATH) == Tolerance(*expected)


def test_strategy_tolerances_stay_inside_their_strategy(tmp_path):
    tolerances = _tolerance_file(tmp_path, "abs = 1.0\nrel = 0.1", [LEAF], [SPATH, SLEAF])
    assert tolerances.for_metric("strategies.other.overall.sharpe") == Tolerance(2.0, 0.2)
    assert tolerances.for_metric("significance.strategies.rotation.sharpe") == Tolerance(2.0, 0.2)
    assert tolerances.for_metric("strategies.rotation.by_regime.scarce.sharpe") == Tolerance(
        4.0, 0.4
    )  # the strategy leaf, not the strategy path
    assert tolerances.for_metric("regimes.share_scarce") == Tolerance(1.0, 0.1)


def test_dotted_strategy_names_get_their_own_tolerances():
    tolerances = Tolerances(
        strategies={"a": {"sharpe": {"abs": 1.0}}, "a.b": {"sharpe": {"abs": 2.0}}}
    )
    assert tolerances.for_metric("strategies.a.b.overall.sharpe").abs == 2.0
    assert tolerances.for_metric("strategies.a.overall.sharpe").abs == 1.0


def test_tolerances_by_metric_strategy_and_default(tmp_path, baseline):
    metrics = copy.deepcopy(METRICS)
    metrics["strategies"]["regime_rotation"]["overall"]["sharpe"] = 0.805  # abs 0.005
    metrics["strategies"]["regime_rotation"]["overall"]["cagr"] = 0.1009  # rel 0.9%
    metrics["strategies"]["benchmark"]["overall"]["cagr"] = 0.0701  # rel 0.14%
    metrics["regimes"]["switches_per_year"] = 3.4
    run = _run_dir(tmp_path, metrics)
    file = tmp_path / "tolerance.toml"
    file.write_text(
        "[default]\nabs = 1e-9\nrel = 1e-6\n"
        '[metrics]\nsharpe = {abs = 0.01}\n"regimes.switches_per_year" = {abs = 0.5}\n'
        "[strategies.regime_rotation]\ncagr = {rel = 0.01}\n"
    )
    report = check(run, baseline, file)
    assert [c.metric for c in report.breaches] == ["strategies.benchmark.overall.cagr"]


# --- checks end to end ------------------------------------------------------------------------


def test_identical_run_passes(tmp_path, baseline):
    report = check(_run_dir(tmp_path, METRICS), baseline)
    assert report.passed and not report.moved
    assert "check PASSED" in report.to_text()
    assert report.to_markdown().startswith("### :white_check_mark: regime-bt check PASSED: ")
    assert "none moved beyond tolerance" in report.verdict_line()


def test_a_run_directory_is_a_baseline(tmp_path):
    base = _run_dir(tmp_path, METRICS, "base")
    assert check(_run_dir(tmp_path, METRICS), base).passed
    changed = _run_dir(tmp_path, _with("strategies.regime_rotation.overall.sharpe", 0.1), "changed")
    assert not check(changed, base).passed
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CheckInputError, match="is a directory without a metrics.json"):
        check(_run_dir(tmp_path, METRICS, "again"), empty)


def test_a_metric_beyond_tolerance_fails_with_direction(tmp_path, baseline):
    metrics = copy.deepcopy(METRICS)
    metrics["strategies"]["regime_rotation"]["overall"]["sharpe"] = 0.7
    metrics["strategies"]["regime_rotation"]["overall"]["max_drawdown"] = -0.25
    report = check(_run_dir(tmp_path, metrics), baseline)
    assert not report.passed
    moved = {c.metric: c for c in report.moved}
    sharpe = moved["strategies.regime_rotation.overall.sharpe"]
    assert sharpe.verdict == "worse" and sharpe.breach
    assert sharpe.delta == pytest.approx(-0.1) and sharpe.relative == pytest.approx(-0.125)
    assert moved["strategies.regime_rotation.overall.max_drawdown"].verdict == "better"
    text = report.to_text()
    assert "strategies.regime_rotation.overall.sharpe" in text and "worse" in text
    assert "BREACH" in text and "check FAILED" in text
    markdown = report.to_markdown()
    assert "| `strategies.regime_rotation.overall.sharpe` |" in markdown and ":x:" in markdown


def test_fail_on_worse_lets_improvements_pass(tmp_path, baseline):
    better = _with("strategies.benchmark.overall.sharpe", 0.6)
    assert not check(_run_dir(tmp_path, better), baseline).passed
    report = check(tmp_path / "run", baseline, fail_on="worse")
    assert report.passed and [c.verdict for c in report.moved] == ["better"]
    assert "Improvements pass" in report.verdict_line()


def test_fail_on_is_validated(tmp_path, baseline):
    with pytest.raises(CheckInputError, match="fail_on = 'better'"):
        check(_run_dir(tmp_path, METRICS), baseline, fail_on="better")


def test_ignore_patterns(tmp_path, baseline):
    metrics = _with("walk_forward", {"folds": [{"out_of_sample_sharpe": 9.0}]})
    file = tmp_path / "tolerance.toml"
    file.write_text('[ignore]\nmetrics = ["walk_forward.*"]\n')
    assert not check(_run_dir(tmp_path, metrics), baseline).passed
    assert check(tmp_path / "run", baseline, file).passed


def test_config_echoes_in_an_old_baseline_are_ignored(tmp_path, baseline):
    document = json.loads(baseline.read_text())
    document["metrics"]["significance.seed"] = 99.0
    document["metrics"]["regimes.features.vix.sign"] = 1.0
    baseline.write_text(json.dumps(document))
    assert check(_run_dir(tmp_path, METRICS), baseline).passed


def test_missing_metrics_are_breaches_unless_allowed(tmp_path, baseline):
    metrics = copy.deepcopy(METRICS)
    del metrics["regimes"]["share_scarce"]
    metrics["regimes"]["new_metric"] = 1.0
    report = check(_run_dir(tmp_path, metrics), baseline)
    verdicts = {c.metric: c.verdict for c in report.breaches}
    assert verdicts == {
        "regimes.share_scarce": "missing in run",
        "regimes.new_metric": "new in run",
    }
    assert "(missing)" in report.to_text()
    relaxed = check(tmp_path / "run", baseline, allow_missing=True)
    assert relaxed.passed and len(relaxed.moved) == 2


@pytest.mark.parametrize(
    "key, value",
    [
        ("data_source", "csv"),
        ("start", "2009-01-02"),
        ("end", "2011-01-03"),
        ("data_sha256", "other"),
    ],
)
def test_runs_on_different_data_are_refused_unless_forced(tmp_path, baseline, key, value):
    metrics = _with(f"run.{key}", value)
    run = _run_dir(tmp_path, metrics)
    with pytest.raises(IncomparableRunsError, match=rf"run\.{key} differs.*--force"):
        check(run, baseline)
    forced = check(run, baseline, force=True)
    assert forced.passed and "FORCED" in forced.notes[0]
    both = check(
        _run_dir(tmp_path, _with("run.config_sha256", "bbb", metrics), "both"), baseline, force=True
    )
    assert both.notes[1] == "The config differs from the baseline's (config_sha256)."


def test_a_different_config_is_expected(tmp_path, baseline):
    report = check(_run_dir(tmp_path, _with("run.config_sha256", "bbb")), baseline)
    assert report.passed and any("config differs" in note for note in report.notes)


def test_different_unavailable_inputs_are_noted(tmp_path, baseline):
    metrics = _with("run.unavailable_inputs", {"BTC": "no data", "feature:btc": "needs BTC"})
    report = check(_run_dir(tmp_path, metrics), baseline)
    (note,) = [n for n in report.notes if "unavailable" in n]
    assert "unavailable in the run only: BTC, feature:btc" in note
    assert "> Different inputs were available" in report.to_markdown()
    assert report.passed  # a note, not a refusal: the metrics decide


def test_update_writes_a_sorted_flat_baseline_atomically(tmp_path, baseline):
    document = json.loads(baseline.read_text())
    assert document["baseline_schema"] == 1
    assert document["run"]["data_sha256"] == "ddd" and "versions" not in document["run"]
    assert document["roles"] == {
        "regime_rotation": "strategy",
        "benchmark": "benchmark",
        "inverse_rotation": "placebo",
    }
    assert list(document["metrics"]) == sorted(document["metrics"])
    assert [p.name for p in baseline.parent.iterdir()] == ["baseline.json"]  # no temp files


def test_a_metrics_json_works_as_baseline(tmp_path):
    first = _run_dir(tmp_path, METRICS, "first")
    assert check(_run_dir(tmp_path, METRICS), first / "metrics.json").passed


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("[defaults]\nabs = 1\n", "unknown table [defaults]. Did you mean 'default'?"),
        (
            "[metrics]\nsharpe = {ab = 0.1}\n",
            "metrics.sharpe: unknown key 'ab'. Did you mean 'abs'?",
        ),
        ("[metrics]\nsharpe = {abs = -1}\n", "metrics.sharpe.abs = -1 must be a number >= 0"),
        ("[metrics]\nsharpe = 0.1\n", "must be a table like {abs = 0.01}"),
        ("[ignore]\nmetrics = 'x'\n", "must be a list of glob strings"),
        ("[default\n", "not valid TOML"),
    ],
)
def test_bad_tolerance_files_are_input_errors(tmp_path, text, fragment):
    file = tmp_path / "tolerance.toml"
    file.write_text(text)
    with pytest.raises(CheckInputError) as error:
        load_tolerances(file)
    assert fragment in str(error.value) and str(file) in str(error.value)


def test_missing_inputs_are_input_errors(tmp_path, baseline):
    with pytest.raises(CheckInputError, match="run directory .* does not exist"):
        check(tmp_path / "nope", baseline)
    with pytest.raises(CheckInputError, match="baseline .* does not exist"):
        check(_run_dir(tmp_path, METRICS), tmp_path / "missing.json")
    (tmp_path / "garbage.json").write_text("{not json")
    with pytest.raises(CheckInputError, match="not valid JSON"):
        check(tmp_path / "run", tmp_path / "garbage.json")


# --- importance order -------------------------------------------------------------------------

#: One move per section, each 10x (or 1000x) its tolerance of abs = 0.01, rel = 0.
ORDER_MOVES = {
    "event_study.transitions.into_scarce.cash_flow.day_20.mean": 0.01 + 0.1,  # research 10x
    "bounds.paths.oracle.sharpe": 1.1 + 10.0,  # research 1000x
    "regimes.share_scarce": 0.4 + 0.1,  # regimes
    S + "contribution.cash_flow": 0.3 + 0.1,  # strategy
    S + "by_regime.scarce.sharpe": 0.1 - 0.1,  # by regime 10x
    S + "by_regime.abundant.spell_drawdown.worst": -0.2 - 10.0,  # 1000x
    S + "overall.sortino": 0.8 * 1.4 - 0.1,  # overall
    "strategies.inverse_rotation.overall.cagr": 0.04 + 0.1,  # headline 10x
    S + "overall.turnover": 2.0 + 10.0,  # headline 1000x
}
EXPECTED_ORDER = [
    S + "overall.turnover",
    "strategies.inverse_rotation.overall.cagr",
    S + "overall.sortino",
    S + "by_regime.abundant.spell_drawdown.worst",
    S + "by_regime.scarce.sharpe",
    S + "contribution.cash_flow",
    "regimes.share_scarce",
    "bounds.paths.oracle.sharpe",
    "event_study.transitions.into_scarce.cash_flow.day_20.mean",
]


@pytest.fixture
def ordered_report(tmp_path, baseline):
    metrics = METRICS
    for path, value in ORDER_MOVES.items():
        metrics = _with(path, value, metrics)
    return check(
        _run_dir(tmp_path, metrics), baseline, Tolerances(default=Tolerance(abs=0.01, rel=0.0))
    )


def test_moved_metrics_are_ordered_by_section_then_size_of_move(ordered_report):
    assert [c.metric for c in ordered_report.moved] == EXPECTED_ORDER
    assert [c.section for c in ordered_report.moved] == [
        "headline",
        "headline",
        "overall",
        "by regime",
        "by regime",
        "strategy",
        "regimes",
        "research",
        "research",
    ]
    multiples = [c.tolerance_multiple for c in ordered_report.moved]
    assert multiples[0] == pytest.approx(1000) and multiples[1] == pytest.approx(10)
    assert [c.metric for c in ordered_report.breaches] == EXPECTED_ORDER
    # changes stay in path order for machines
    assert [c.metric for c in ordered_report.changes] == sorted(
        c.metric for c in ordered_report.changes
    )


def test_text_and_markdown_list_moves_in_the_same_order(ordered_report):
    text = ordered_report.to_text().splitlines()
    start = next(i for i, line in enumerate(text) if line.startswith("Moved metrics"))
    assert [line.split()[0] for line in text[start + 3 : -1]] == EXPECTED_ORDER
    markdown = ordered_report.to_markdown()
    details = markdown.split("<details>", 1)[1]
    assert re.findall(r"^\| `([^`]+)` \|", details, re.MULTILINE) == EXPECTED_ORDER
    assert [m["metric"] for m in ordered_report.to_dict()["moved"]] == EXPECTED_ORDER


def test_tolerance_multiple_is_infinite_when_not_measurable():
    tolerance = Tolerance(abs=0.01, rel=0.0)
    assert MetricChange("x", 1.0, None, "changed", True, tolerance).tolerance_multiple == math.inf
    missing = MetricChange("x", 1.0, None, "missing in run", True, tolerance, present_in_run=False)
    assert missing.tolerance_multiple == math.inf
    assert MetricChange("x", None, None, "unchanged", False, tolerance).tolerance_multiple == 0
    gone = MetricChange("x", None, None, "missing in run", True, tolerance, present_in_run=False)
    assert gone.tolerance_multiple == math.inf
    assert MetricChange("x", 1.0, 1.02, "changed", True, tolerance).tolerance_multiple == (
        pytest.approx(2.0)
    )


# --- the report: verdict line, headline table, JSON ------------------------------------------


@pytest.fixture
def fee_report(tmp_path, baseline):
    """Every strategy a little worse after a cost change, one improvement, one research move."""
    metrics = copy.deepcopy(METRICS)
    metrics["run"]["config_sha256"] = "bbb"
    rotation = metrics["strategies"]["regime_rotation"]["overall"]
    rotation.update(sharpe=0.7, cagr=0.09, turnover=2.5)
    metrics["strategies"]["inverse_rotation"]["overall"].update(sharpe=0.1, cagr=0.01)
    metrics["strategies"]["benchmark"]["overall"]["max_drawdown"] = -0.45
    metrics["bounds"]["paths"]["oracle"]["sharpe"] = 1.0
    file = tmp_path / "tolerance.toml"
    file.write_text("[metrics]\nsharpe = {abs = 0.01}\n")
    return check(_run_dir(tmp_path, metrics), baseline, file)


def test_markdown_leads_with_a_one_line_verdict(fee_report):
    first, second = fee_report.to_markdown().splitlines()[:2]
    assert first == (
        "### :x: regime-bt check FAILED: 7 of "
        f"{len(fee_report.changes)} metrics moved beyond "
        "tolerance (6 worse, 1 better), 7 breaches. "
        "Worse: `regime_rotation` Sharpe 0.800 → 0.700 (-0.1, worse). "
        "Better: `benchmark` max drawdown -50.00% → -45.00% (+5 pp, better)."
    )
    assert second == ""
    assert fee_report.verdict_line().startswith("check FAILED: 7 of ")
    assert "Sharpe 0.800 -> 0.700" in fee_report.to_text().splitlines()[0]


def test_headline_table_has_every_strategy_and_placebo(fee_report):
    markdown = fee_report.to_markdown()
    lines = markdown.splitlines()
    header = lines.index("| strategy | role | Sharpe | CAGR | max drawdown | turnover | status |")
    assert header < lines.index("<details>")  # the headline table comes before the full table
    rows = lines[header + 2 : header + 5]
    assert rows == [
        (
            "| `regime_rotation` | strategy | **0.800 → 0.700 (-0.1, worse)** "
            "| **10.00% → 9.00% (-1 pp, worse)** | -30.00% | **2.000 → 2.500 (+0.5, worse)** "
            "| **BREACH**: Sharpe, CAGR, turnover |"
        ),
        (
            "| `benchmark` | benchmark | 0.500 | 7.00% | **-50.00% → -45.00% (+5 pp, better)** "
            "| 0.000 | **BREACH**: max drawdown |"
        ),
        (
            "| `inverse_rotation` | placebo | **0.300 → 0.100 (-0.2, worse)** "
            "| **4.00% → 1.00% (-3 pp, worse)** | -60.00% | 2.000 | **BREACH**: Sharpe, CAGR |"
        ),
    ]
    assert "> The config differs from the baseline's" in markdown
    assert markdown.rstrip().endswith(
        "check FAILED: "
        f"{len(fee_report.changes)} metrics "
        "compared, 7 moved beyond tolerance, 7 breaches."
    )


def test_headline_status_counts_other_breaches_and_quiet_moves(tmp_path, baseline):
    metrics = _with(S + "by_regime.scarce.cagr", -0.5)
    metrics = _with("strategies.benchmark.overall.sharpe", 0.6, metrics)
    metrics = _with("strategies.benchmark.overall.sortino", 0.9, metrics)
    report = check(_run_dir(tmp_path, metrics), baseline, fail_on="worse")
    status = {row.name: row.status() for row in gate_report_rows(report)}
    assert status == {
        "regime_rotation": "BREACH: 1 other metric",
        "benchmark": "ok; 2 moved",
        "inverse_rotation": "ok",
    }


def gate_report_rows(report):
    from backtests.gate_report import strategy_headlines

    return strategy_headlines(report)


def test_json_is_machine_readable_with_the_headline(fee_report):
    document = json.loads(json.dumps(fee_report.to_dict(), allow_nan=False))
    assert document["passed"] is False and document["n_breaches"] == 7
    assert document["verdicts"] == {
        "worse": 6,
        "better": 1,
        "changed": 0,
        "missing in run": 0,
        "new in run": 0,
    }
    rotation = document["headline"][0]
    assert rotation["strategy"] == "regime_rotation" and rotation["role"] == "strategy"
    assert rotation["breached"] == ["sharpe", "cagr", "turnover"]
    assert rotation["metrics"]["sharpe"] == {
        "baseline": 0.8,
        "run": 0.7,
        "delta": pytest.approx(-0.1),
        "verdict": "worse",
        "breach": True,
    }
    assert [row["role"] for row in document["headline"]] == ["strategy", "benchmark", "placebo"]
    first = document["moved"][0]
    assert first["section"] == "headline" and first["strategy"] is not None


def test_json_survives_infinite_tolerance_multiples(tmp_path, baseline):
    report = check(_run_dir(tmp_path, _with("regimes.share_scarce", None)), baseline)
    (moved,) = report.to_dict()["moved"]
    assert moved["tolerance_multiple"] is None
    json.dumps(report.to_dict(), allow_nan=False)


def test_headline_names_a_strategy_metric_before_a_placebo(tmp_path, baseline):
    metrics = _with("strategies.inverse_rotation.overall.sharpe", -5.0)  # a huge placebo move
    metrics = _with(S + "overall.turnover", 2.01, metrics)  # a small strategy move
    metrics = _with(S + "overall.cagr", 0.09, metrics)
    line = check(_run_dir(tmp_path, metrics), baseline).verdict_line()
    assert "Worse: regime_rotation CAGR 10.00% -> 9.00%" in line


def test_headline_rows_go_strategies_benchmarks_placebos(tmp_path):
    metrics = copy.deepcopy(METRICS)
    metrics["strategies"] = dict(reversed(list(metrics["strategies"].items())))
    report = check(
        _run_dir(tmp_path, metrics), _run_dir(tmp_path, metrics, "base") / "metrics.json"
    )
    assert list(report.strategies) == ["inverse_rotation", "benchmark", "regime_rotation"]
    assert [row.name for row in gate_report_rows(report)] == [
        "regime_rotation",
        "benchmark",
        "inverse_rotation",
    ]


def test_headline_prefers_what_got_worse(tmp_path, baseline):
    metrics = _with(S + "overall.sharpe", None)  # a strategy: changed
    metrics = _with("strategies.benchmark.overall.cagr", 0.06, metrics)  # a benchmark: worse
    line = check(_run_dir(tmp_path, metrics), baseline).verdict_line()
    assert "Worse: benchmark CAGR 7.00% -> 6.00% (-1 pp, worse)." in line
    only_changed = _with(S + "overall.sharpe", None)
    line = check(_run_dir(tmp_path, only_changed, "other"), baseline).verdict_line()
    assert "Changed: regime_rotation Sharpe 0.800 -> null (changed)." in line


def test_strategies_on_one_side_only(tmp_path, baseline):
    metrics = copy.deepcopy(METRICS)
    metrics["strategies"]["spy"] = metrics["strategies"].pop("benchmark")
    report = check(_run_dir(tmp_path, metrics), baseline)
    rows = {row.name: row for row in gate_report_rows(report)}
    assert [rows["spy"].role, rows["benchmark"].role] == ["benchmark", "benchmark"]  # roles kept
    markdown = report.to_markdown()
    assert (
        "| `spy` | benchmark | **(missing) → 0.500** | **(missing) → 7.00%** "
        "| **(missing) → -50.00%** | **(missing) → 0.000** | **BREACH**: Sharpe, CAGR, max "
        "drawdown, turnover; 6 other metrics |"
    ) in markdown
    assert "| `benchmark` | benchmark | **0.500 → (missing)** |" in markdown
    assert "New in run: spy Sharpe (missing) -> 0.500." in report.verdict_line()


def test_a_baseline_without_roles_still_lists_its_strategies(tmp_path, baseline):
    document = json.loads(baseline.read_text())
    del document["roles"]  # a baseline written before roles were kept
    baseline.write_text(json.dumps(document))
    metrics = copy.deepcopy(METRICS)
    del metrics["strategies"]["benchmark"]
    report = check(_run_dir(tmp_path, metrics), baseline)
    rows = {row.name: row for row in gate_report_rows(report)}
    assert list(rows) == ["regime_rotation", "inverse_rotation", "benchmark"]  # unknown role last
    assert rows["benchmark"].role == "" and rows["benchmark"].breached == (
        "sharpe",
        "cagr",
        "max_drawdown",
        "turnover",
    )


def test_headline_falls_back_to_the_most_important_move(tmp_path, baseline):
    metrics = _with("regimes.share_scarce", 0.5)
    metrics = _with("edge.by_year.2008.days", 200, metrics)  # changed too, but research
    metrics = _with("bounds.paths.oracle.sharpe", 2.0, metrics)
    line = check(_run_dir(tmp_path, metrics), baseline).verdict_line()
    assert "Changed: regimes.share_scarce 0.4 -> 0.5 (+0.1, changed)." in line
    assert "Better: bounds.paths.oracle.sharpe 1.1 -> 2 (+0.9, better)." in line


# --- inert markdown ---------------------------------------------------------------------------

HOSTILE = [
    "evil|name",
    "tick`s`",
    "<script>alert(1)</script>",
    "two\nlines",
    "![img](http://x/a.png)",
    "*bold* _it_ ~~s~~ $x$ #h",
    "back\\",
    "<img src=x onerror=alert(1)>",
    "cr\r\n| x | y |",
    "bidi\u202eevil",
    "&lt;b&gt;",
]


def _cells(row):
    """Split a GFM table row like cmark-gfm: a backslash escapes the next character."""
    cells, cell, escaped = [], "", False
    for ch in row.strip()[1:]:
        if escaped:
            cell, escaped = cell + ch, False
        elif ch == "\\":
            cell, escaped = cell + ch, True
        elif ch == "|":
            cells.append(cell)
            cell = ""
        else:
            cell += ch
    return cells


@pytest.fixture
def hostile_report(tmp_path):
    metrics = copy.deepcopy(METRICS)
    for index, name in enumerate(HOSTILE):
        metrics["strategies"][name] = {
            "kind": "benchmark",
            "role": "placebo" if index % 2 else "strategy",
            "overall": _summary(0.5, 0.05, 0.1, -0.2),
            "by_regime": {},
        }
    base = copy.deepcopy(metrics)
    for name in HOSTILE:
        metrics["strategies"][name]["overall"]["sharpe"] = 0.4  # moved: in both tables
        metrics["strategies"][name]["overall"][name] = 1.0  # new: a hostile metric path
    metrics["run"]["data_source"] = "csv | <script>x</script>\n> # heading"
    metrics["run"]["unavailable_inputs"] = {"\u2028<b>evil</b>\n> # heading": "x"}
    baseline = _run_dir(tmp_path, base, "base") / "metrics.json"
    return check(_run_dir(tmp_path, metrics), baseline, force=True)


def test_hostile_names_cannot_break_the_markdown(hostile_report):
    markdown = hostile_report.to_markdown()
    # only our own tags; no HTML from names
    assert set(re.findall(r"<(/?[A-Za-z]+)", markdown)) <= {
        "details",
        "/details",
        "summary",
        "/summary",
        "code",
        "/code",
    }
    assert "<script" not in markdown.lower() and "<img" not in markdown.lower()
    # every line is ours: the verdict, a note, a table row, a details tag, the legend, blank
    allowed = re.compile(
        r"(### .*|> .*|\|.*\||<details>|</details>|<summary>.*</summary>"
        r"|Overall metrics\..*|check FAILED: .*|)\Z"
    )
    assert [line for line in markdown.splitlines() if not allowed.match(line)] == []
    # every row of a table has exactly its header's cells
    tables, current = [], []
    for line in markdown.splitlines() + [""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    assert len(tables) == 2
    for table in tables:
        width = len(_cells(table[0]))
        assert {len(_cells(row)) for row in table} == {width}
    # no code span, link, image, emphasis or math can be opened by user text: outside our
    # code spans, every markdown character left is escaped or one of our own (** and ###)
    for line in markdown.splitlines():
        bare = re.sub(r"\\.|&#?\w+;", "", line)
        assert bare.count("`") % 2 == 0, line
        bare = re.sub(r"`[^`]*`", "", bare).replace("**", "").removeprefix("### ")
        assert not re.search(r"[\[\]!*_~$#`]", bare), line
    headline_table, full_table = tables
    assert len(headline_table) == 2 + len(METRICS["strategies"]) + len(HOSTILE)
    assert len(full_table) == 2 + 2 * len(HOSTILE)


def test_hostile_names_are_shown_not_lost(hostile_report):
    markdown = hostile_report.to_markdown()
    assert "<code>evil&#124;name</code>" in markdown
    assert "<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>" in markdown
    assert "<code>two\\\\u000alines</code>" in markdown  # a visible \u000a
    assert "<code>tick\\`s\\`</code>" in markdown
    assert "<code>&amp;lt;b&amp;gt;</code>" in markdown
    assert "> FORCED comparison" in markdown and "csv &#124; &lt;script&gt;" in markdown
    text = hostile_report.to_text()
    assert "two\\u000alines" in text and "bidi\\u202eevil" in text
    assert "\r" not in text and "\u202e" not in text
    (forced,) = [line for line in text.splitlines() if line.startswith("FORCED")]
    assert forced.endswith("</script>\\n> # heading'.")  # repr() in the note
    (inputs,) = [line for line in text.splitlines() if line.startswith("Different inputs")]
    assert "only: \\u2028<b>evil</b>\\u000a> # heading)" in inputs  # one line, visible
    assert "only: \\\\u2028&lt;b&gt;evil&lt;/b&gt;\\\\u000a&gt; \\# heading)" in (
        hostile_report.to_markdown()
    )
    assert all(line == visible(line) for line in text.splitlines())


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("plain", "plain"),
        ("a|b", "a&#124;b"),
        ("<b>&", "&lt;b&gt;&amp;"),
        ("`x`", "\\`x\\`"),
        ("[l](u)", "\\[l\\](u)"),
        ("a\nb", "a\\\\u000ab"),
        ("back\\", "back\\\\"),
        ("*_~$#!", "\\*\\_\\~\\$\\#\\!"),
    ],
)
def test_md_text_escapes(raw, expected):
    assert md_text(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("strategies.a_b.overall.sharpe", "`strategies.a_b.overall.sharpe`"),
        ("a b", "<code>a b</code>"),
        ("a`b", "<code>a\\`b</code>"),
        ("", "<code></code>"),
    ],
)
def test_md_code(raw, expected):
    assert md_code(raw) == expected
