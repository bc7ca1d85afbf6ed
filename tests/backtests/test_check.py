"""The CI gate (backtests.gate, exposed as backtests.check): flattening, tolerances, directions, refusals, baselines."""

import copy
import json

import pytest

from backtests.gate import (
    CheckInputError,
    IncomparableRunsError,
    Tolerance,
    check,
    flatten_metrics,
    load_tolerances,
    metric_direction,
    write_baseline,
)


def _summary(sharpe, cagr, volatility, max_drawdown):
    return {"total_return": cagr * 3, "cagr": cagr, "volatility": volatility, "sharpe": sharpe,
            "sortino": sharpe * 1.4, "max_drawdown": max_drawdown, "turnover": 2.0,
            "exposure": 1.0, "hit_rate": 0.52, "share_of_time": 1.0}


METRICS = {
    "schema": 1,
    "run": {"name": "t", "data_source": "synthetic", "synthetic": True, "start": "2008-01-02",
            "end": "2010-12-31", "n_days": 756, "config_sha256": "aaa", "data_sha256": "ddd",
            "versions": {"numpy": "2"}},
    "strategies": {
        "regime_rotation": {
            "kind": "regime_rotation", "role": "strategy",
            "overall": _summary(0.8, 0.10, 0.20, -0.30),
            "by_regime": {"abundant": _summary(1.0, 0.2, 0.2, -0.2),
                          "scarce": _summary(0.1, 0.01, 0.2, -0.3)},
        },
        "benchmark": {"kind": "benchmark", "role": "benchmark",
                      "overall": _summary(0.5, 0.07, 0.15, -0.5), "by_regime": {}},
    },
    "regimes": {"classifier": "composite", "params": {"min_dwell": 10},
                "share_scarce": 0.4, "switches_per_year": 3.0,
                "current": {"date": "2010-12-31", "regime": "scarce", "p_scarce": 0.7}},
    "significance": {"seed": 0, "strategies": {"regime_rotation": {
        "psr": 0.9, "sharpe_ci": {"estimate": 0.8, "low": 0.1, "high": 1.5}}}},
    "walk_forward": {"folds": [{"test_sharpe": 0.3}, {"test_sharpe": None}]},
}


def _run_dir(tmp_path, metrics, name="run"):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "metrics.json").write_text(json.dumps(metrics))
    return folder


def _with(path, value, metrics=METRICS):
    changed = copy.deepcopy(metrics)
    node = changed
    *parents, leaf = path.split(".")
    for part in parents:
        node = node[part]
    node[leaf] = value
    return changed


@pytest.fixture
def baseline(tmp_path):
    path = tmp_path / "ci" / "baseline.json"
    write_baseline(_run_dir(tmp_path, METRICS, "base"), path)
    return path


def test_flatten_is_generic_dotted_and_skips_metadata():
    flat = flatten_metrics(METRICS)
    assert flat["strategies.regime_rotation.overall.sharpe"] == 0.8
    assert flat["strategies.regime_rotation.by_regime.scarce.cagr"] == 0.01
    assert flat["regimes.share_scarce"] == 0.4 and flat["regimes.switches_per_year"] == 3.0
    assert flat["significance.strategies.regime_rotation.sharpe_ci.low"] == 0.1
    assert flat["walk_forward.folds.0.test_sharpe"] == 0.3
    assert flat["walk_forward.folds.1.test_sharpe"] is None  # undefined ratios are kept
    assert not [k for k in flat if k.startswith(("run.", "regimes.params")) or k == "schema"]
    assert "strategies.regime_rotation.kind" not in flat  # strings are not metrics
    assert list(flat) == sorted(flat)


def test_flatten_does_not_mutate_its_input():
    before = copy.deepcopy(METRICS)
    flatten_metrics(METRICS)
    assert METRICS == before


@pytest.mark.parametrize("path, direction", [
    ("strategies.x.overall.sharpe", "higher"), ("strategies.x.overall.cagr", "higher"),
    ("strategies.x.by_regime.scarce.sortino", "higher"),
    ("strategies.x.overall.hit_rate", "higher"),
    ("strategies.x.overall.total_return", "higher"), ("strategies.x.overall.volatility", "lower"),
    ("strategies.x.overall.turnover", "lower"),
    ("strategies.x.overall.max_drawdown", "smaller_magnitude"),
    ("regimes.share_scarce", "neutral"), ("strategies.x.overall.exposure", "neutral"),
    ("significance.strategies.x.sharpe_ci.low", "higher"),
])
def test_directions(path, direction):
    assert metric_direction(path) == direction


def test_identical_run_passes(tmp_path, baseline):
    report = check(_run_dir(tmp_path, METRICS), baseline)
    assert report.passed and not report.moved
    assert "check PASSED" in report.to_text()


def test_a_metric_beyond_tolerance_fails_with_direction(tmp_path, baseline):
    metrics = _with("strategies", copy.deepcopy(METRICS["strategies"]))
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
    better = _with("regimes", {**METRICS["regimes"]})
    better["strategies"] = copy.deepcopy(METRICS["strategies"])
    better["strategies"]["benchmark"]["overall"]["sharpe"] = 0.6
    assert not check(_run_dir(tmp_path, better), baseline).passed
    report = check(tmp_path / "run", baseline, fail_on="worse")
    assert report.passed and [c.verdict for c in report.moved] == ["better"]


def test_tolerances_by_metric_strategy_and_default(tmp_path, baseline):
    metrics = copy.deepcopy(METRICS)
    metrics["strategies"]["regime_rotation"]["overall"]["sharpe"] = 0.805     # abs 0.005
    metrics["strategies"]["regime_rotation"]["overall"]["cagr"] = 0.1009      # rel 0.9%
    metrics["strategies"]["benchmark"]["overall"]["cagr"] = 0.0701            # rel 0.14%
    metrics["regimes"]["switches_per_year"] = 3.4
    run = _run_dir(tmp_path, metrics)
    file = tmp_path / "tolerance.toml"
    file.write_text(
        "[default]\nabs = 1e-9\nrel = 1e-6\n"
        "[metrics]\nsharpe = {abs = 0.01}\n\"regimes.switches_per_year\" = {abs = 0.5}\n"
        "[strategies.regime_rotation]\ncagr = {rel = 0.01}\n"
    )
    report = check(run, baseline, file)
    assert [c.metric for c in report.breaches] == ["strategies.benchmark.overall.cagr"]
    tolerances = load_tolerances(file)
    assert tolerances.for_metric("strategies.regime_rotation.overall.cagr") == Tolerance(1e-9, 0.01)
    assert tolerances.for_metric("strategies.benchmark.overall.sharpe") == Tolerance(0.01, 1e-6)
    assert tolerances.for_metric("regimes.share_scarce") == Tolerance(1e-9, 1e-6)


def test_ignore_patterns(tmp_path, baseline):
    metrics = _with("walk_forward", {"folds": [{"test_sharpe": 9.0}]})
    file = tmp_path / "tolerance.toml"
    file.write_text('[ignore]\nmetrics = ["walk_forward.*"]\n')
    assert not check(_run_dir(tmp_path, metrics), baseline).passed
    assert check(tmp_path / "run", baseline, file).passed


def test_missing_metrics_are_breaches_unless_allowed(tmp_path, baseline):
    metrics = copy.deepcopy(METRICS)
    del metrics["regimes"]["share_scarce"]
    metrics["regimes"]["new_metric"] = 1.0
    report = check(_run_dir(tmp_path, metrics), baseline)
    verdicts = {c.metric: c.verdict for c in report.breaches}
    assert verdicts == {"regimes.share_scarce": "missing in run",
                        "regimes.new_metric": "new in run"}
    assert "(missing)" in report.to_text()
    relaxed = check(tmp_path / "run", baseline, allow_missing=True)
    assert relaxed.passed and len(relaxed.moved) == 2


def test_a_metric_becoming_undefined_is_a_breach(tmp_path, baseline):
    metrics = _with("regimes", {**METRICS["regimes"], "share_scarce": None})
    report = check(_run_dir(tmp_path, metrics), baseline)
    assert [(c.metric, c.verdict) for c in report.breaches] == [("regimes.share_scarce", "changed")]


@pytest.mark.parametrize("key, value", [("data_source", "csv"), ("start", "2009-01-02"),
                                        ("end", "2011-01-03"), ("data_sha256", "other")])
def test_runs_on_different_data_are_refused_unless_forced(tmp_path, baseline, key, value):
    metrics = _with(f"run.{key}", value)
    run = _run_dir(tmp_path, metrics)
    with pytest.raises(IncomparableRunsError, match=rf"run\.{key} differs.*--force"):
        check(run, baseline)
    forced = check(run, baseline, force=True)
    assert forced.passed and "FORCED" in forced.notes[0]


def test_a_different_config_is_expected(tmp_path, baseline):
    report = check(_run_dir(tmp_path, _with("run.config_sha256", "bbb")), baseline)
    assert report.passed and any("config differs" in note for note in report.notes)


def test_update_writes_a_sorted_flat_baseline_atomically(tmp_path, baseline):
    document = json.loads(baseline.read_text())
    assert document["baseline_schema"] == 1
    assert document["run"]["data_sha256"] == "ddd" and "versions" not in document["run"]
    assert list(document["metrics"]) == sorted(document["metrics"])
    assert [p.name for p in baseline.parent.iterdir()] == ["baseline.json"]  # no temp files


def test_a_metrics_json_works_as_baseline(tmp_path):
    first = _run_dir(tmp_path, METRICS, "first")
    assert check(_run_dir(tmp_path, METRICS), first / "metrics.json").passed


@pytest.mark.parametrize("text, fragment", [
    ("[defaults]\nabs = 1\n", "unknown table [defaults]. Did you mean 'default'?"),
    ("[metrics]\nsharpe = {ab = 0.1}\n", "metrics.sharpe: unknown key 'ab'. Did you mean 'abs'?"),
    ("[metrics]\nsharpe = {abs = -1}\n", "metrics.sharpe.abs = -1 must be a number >= 0"),
    ("[metrics]\nsharpe = 0.1\n", "must be a table like {abs = 0.01}"),
    ("[ignore]\nmetrics = 'x'\n", "must be a list of glob strings"),
    ("[default\n", "not valid TOML"),
])
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
