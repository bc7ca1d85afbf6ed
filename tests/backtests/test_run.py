"""End to end on the synthetic world: contract, causality, calendar, determinism."""

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backtests import load_config, run
from backtests.artifacts import save_run
from backtests.runner import load_market
from data.atomic import atomic_directory

ROOT = Path(__file__).resolve().parents[2]
#: A shorter world keeps the in-process tests fast; the CLI tests run the default.
SHORT = ["data.start=2005-01-03", "data.end=2012-12-31", "features.history_start=2001-01-02"]


@pytest.fixture(scope="module")
def short_config():
    return load_config(overrides=SHORT)


@pytest.fixture(scope="module")
def short_result(short_config):
    return run(short_config)


@pytest.fixture(scope="module")
def run_dir(short_result, tmp_path_factory):
    destination = tmp_path_factory.mktemp("runs") / "short"
    with atomic_directory(destination) as staging:
        save_run(short_result, staging)
    return destination


def test_run_directory_contract(run_dir, short_result):
    expected = [
        "metrics.json",
        "regimes.csv",
        "returns.csv",
        "config.toml",
        "inputs/prices.csv",
        "inputs/features.csv",
        "inputs/true_regimes.csv",
    ]
    for name in expected + [f"weights/{s}.csv" for s in short_result.returns.columns]:
        assert (run_dir / name).is_file(), name
    regimes = pd.read_csv(run_dir / "regimes.csv")
    assert list(regimes.columns) == ["date", "regime", "p_scarce"]
    assert set(regimes["regime"]) == {"abundant", "scarce"}
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert isinstance(metrics["schema"], int)
    run_meta = metrics["run"]
    assert {"name", "data_source", "synthetic", "start", "end", "config_sha256", "versions"} <= set(
        run_meta
    )
    assert run_meta["synthetic"] is True and run_meta["data_source"] == "synthetic"
    keys = {
        "total_return",
        "cagr",
        "volatility",
        "sharpe",
        "sortino",
        "max_drawdown",
        "turnover",
        "exposure",
    }
    for name, entry in metrics["strategies"].items():
        assert keys <= set(entry["overall"]), name
        for regime in ("abundant", "scarce"):
            assert keys <= set(entry["by_regime"][regime])
    assert {"classifier", "share_scarce", "switches_per_year", "evaluation"} <= set(
        metrics["regimes"]
    )
    assert 0.0 < metrics["regimes"]["evaluation"]["balanced_accuracy"] <= 1.0
    assert not list(run_dir.parent.glob(".short.tmp-*")), "staging directory left behind"


def test_exported_returns_are_the_engine_returns(run_dir, short_result):
    returns = pd.read_csv(run_dir / "returns.csv", index_col="date", parse_dates=True)
    np.testing.assert_allclose(returns.to_numpy(), short_result.returns.to_numpy(), rtol=1e-15)


def test_weights_are_bounded(short_result):
    for name, weights in short_result.weights.items():
        values = weights.to_numpy()
        assert (values >= -1e-12).all() and (values <= 1 + 1e-12).all(), name
        assert (weights.sum(axis=1) <= 1 + 1e-9).all(), name
    for name, targets in short_result.targets.items():
        assert (targets.sum(axis=1) <= 1 + 1e-12).all(), name


def test_equities_are_never_traded_when_their_market_is_closed(short_result):
    market = short_result.inputs.market
    raw = market.prices
    crypto_only_days = raw.index[raw["XBT-USD"].notna() & raw["MKT"].isna()]
    assert len(crypto_only_days) > 0, "the world should have weekend crypto prices"
    for name, weights in short_result.weights.items():
        assert not weights.index.isin(crypto_only_days).any(), name
        assert (weights.index.day_of_week < 5).all(), name
    orders = short_result.engine.orders["regime_rotation"]
    traded_days = orders.index[orders.notna().any(axis=1)]
    assert raw.loc[traded_days, "MKT"].notna().all()


def test_rotation_follows_the_lagged_regime(short_result):
    weights = short_result.weights["regime_rotation"]
    speculative = short_result.config.universe.baskets["speculative"]
    regime = short_result.regimes["regime"]
    switches = np.flatnonzero((regime != regime.shift(1)).to_numpy()[1:]) + 1
    assert len(switches) > 0
    for day in switches:
        if day + 1 >= len(weights):
            continue
        held_before = weights[speculative].iloc[day].sum()
        held_after = weights[speculative].iloc[day + 1].sum()
        if regime.iloc[day] == "scarce":
            assert held_after < 1e-9 and held_before > 0.5
        else:
            assert held_after > 0.5 and held_before < 1e-9


def _perturb_after(market, cut, seed):
    rng = np.random.default_rng(seed)
    prices = market.prices.copy()
    late = prices.index > cut
    prices.loc[late] = prices.loc[late] * rng.uniform(0.5, 1.5, size=prices.loc[late].shape)
    macro = {}
    for series_id, series in market.macro.items():
        series = series.copy()
        after = series.index > cut
        series[after] = series[after] * rng.uniform(0.5, 1.5, size=after.sum())
        macro[series_id] = series
    return dataclasses.replace(market, prices=prices, macro=macro)


@pytest.mark.parametrize("cut", ["2008-03-14", "2010-09-30"])
def test_perturbing_the_future_leaves_the_past_unchanged(short_config, short_result, cut):
    market = load_market(short_config)
    perturbed = run(short_config, market=_perturb_after(market, pd.Timestamp(cut), seed=7))
    base = short_result
    until = slice(None, cut)
    pd.testing.assert_frame_equal(
        base.inputs.features.loc[until], perturbed.inputs.features.loc[until]
    )
    pd.testing.assert_frame_equal(base.regimes.loc[until], perturbed.regimes.loc[until])
    # Every strategy, the random-regime placebo included (its spells come from
    # the labels known at each date), is causal.
    for name in base.targets:
        pd.testing.assert_frame_equal(
            base.targets[name].loc[until], perturbed.targets[name].loc[until]
        )
        pd.testing.assert_frame_equal(
            base.weights[name].loc[until], perturbed.weights[name].loc[until]
        )
    pd.testing.assert_frame_equal(base.returns.loc[until], perturbed.returns.loc[until])
    # ... and the perturbation did reach the future, so the check has teeth.
    assert not base.returns.loc[cut:].iloc[2:].equals(perturbed.returns.loc[cut:].iloc[2:])


def _cli(*args, env=None, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "backtests", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd or ROOT,
    )


@pytest.mark.slow
def test_metrics_json_is_byte_identical_across_processes(tmp_path):
    outputs = []
    for hash_seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = tmp_path / f"run{hash_seed}"
        done = _cli(
            "run",
            "--no-tearsheets",
            "--quiet",
            "--out",
            str(out),
            *sum((["--set", s] for s in SHORT), []),
            env=env,
        )
        assert done.returncode == 0, done.stderr
        outputs.append(out)
    for name in ("metrics.json", "returns.csv", "regimes.csv"):
        assert (outputs[0] / name).read_bytes() == (outputs[1] / name).read_bytes(), name


def test_config_error_is_exit_2_without_traceback(tmp_path):
    done = _cli("run", "--set", "costs.fee_bsp=5", "--out", str(tmp_path / "x"))
    assert done.returncode == 2
    assert "Did you mean 'fee_bps'" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "x").exists()
