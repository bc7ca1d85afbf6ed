"""The Shu, Yu & Mulvey (2024) replication: the config, its bad inputs, the report's figures.

The slow tests rerun the delay-1 runs of ``configs/replicate_shu_yu_mulvey_2024.toml`` on
the curated snapshot and recompute the figures of ``docs/replication.md`` from the run
directory's CSV files with an independent implementation (pandas and
:mod:`backtests.metrics`), so a stale report or a wrong formula in ``bench/replication.py``
fails here.
"""

import doctest
import importlib.util
import json
import math
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backtests import load_config
from backtests.cli import main
from backtests.metrics import cash_returns, max_drawdown, sharpe
from regimes import CLASSIFIERS

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "configs" / "replicate_shu_yu_mulvey_2024.toml"
DOC = ROOT / "docs" / "replication.md"


def _bench():
    spec = importlib.util.spec_from_file_location(
        "bench_replication", ROOT / "bench" / "replication.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = _bench()


def _real(real_data_dir):
    return [
        f"data.prices_dir={real_data_dir / 'prices'}",
        f"data.fred_dir={real_data_dir / 'fred'}",
    ]


def _cli(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "backtests", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


# -- the config --------------------------------------------------------------------------


def test_config_is_the_papers_setup():
    config = load_config(CONFIG)
    assert config.regimes.classifier == "jump_cv"
    params = config.regimes.params["jump_cv"]
    CLASSIFIERS["jump_cv"].check(params)
    assert params["delay"] == config.execution.lag_days == 1
    assert params["cost_bps"] == config.costs.fee_bps == 10.0
    assert config.costs.per_asset["BIL"]["fee_bps"] == 0.0 and config.costs.slippage_bps == 0.0
    # 3,301 rows of features before 2007-06-01: 5 years of validation, 3,000-row fits
    # (fewer in the first validation blocks).
    assert (params["validation_days"], params["train_days"], params["refit_days"]) == (
        1260,
        3000,
        126,
    )
    assert config.walk_forward.min_train == 3260 and config.walk_forward.refit_every == 21
    defined = config.features.define
    assert {
        k: (v["transform"], v["halflife"], v["sign"])
        for k, v in defined.items()
        if k in config.features.use
    } == {
        "dd_10": ("ew_downside_deviation", 10, -1),
        "sortino_20": ("ew_sortino", 20, 1),
        "sortino_60": ("ew_sortino", 60, 1),
    }
    assert all(v["cash"] == ["price:BIL", "DFF"] for v in defined.values())
    assert {t["kind"] for t in config.strategies.values()} == {"regime_timing", "benchmark"}
    assert config.universe.cash == "BIL" and config.data.start == "2007-06-01"


def test_every_bench_run_sets_the_engine_and_the_validation_delay_together():
    for name, overrides in bench.RUNS.items():
        config = load_config(CONFIG, list(overrides))
        delay = config.regimes.params["jump_cv"]["delay"]
        assert delay == config.execution.lag_days, name
        assert name.endswith(f"_d{delay}"), name


def _run_replication(tmp_path, capsys, *overrides) -> tuple[int, str]:
    """``regime-bt run`` of the replication config in-process: (exit code, stderr)."""
    out = str(tmp_path / "run")
    sets = [arg for override in overrides for arg in ("--set", override)]
    code = main(["run", str(CONFIG), "--no-tearsheets", "--quiet", "--out", out, *sets])
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    "value, fragment",
    [
        ("[0.0, 5.0]", "> 0"),
        ("[-5.0]", "> 0"),
        ("5.0", "must be an instance of 'list'"),
        ('"5, 15"', "must be an instance of 'list'"),
        ("[]", "at least one"),
    ],
)
def test_a_bad_penalty_grid_exits_2_naming_the_key(tmp_path, capsys, value, fragment):
    code, stderr = _run_replication(tmp_path, capsys, f"regimes.params.jump_cv.penalties={value}")
    assert code == 2, stderr
    assert "regimes.params.jump_cv.penalties" in stderr and fragment in stderr
    assert "Traceback" not in stderr and not (tmp_path / "run").exists()


@pytest.mark.real_data
def test_a_halflife_longer_than_the_history_exits_2_naming_the_key(real_data_dir, tmp_path, capsys):
    code, stderr = _run_replication(
        tmp_path, capsys, "features.define.dd_10.halflife=20000", *_real(real_data_dir)
    )
    assert code == 2, stderr
    assert "features.define.dd_10.halflife" in stderr and "20000 trading days" in stderr
    assert "Traceback" not in stderr and not (tmp_path / "run").exists()


# -- the figures, on a run directory built by hand --------------------------------------


def _fake_run(tmp_path, rng):
    """A run directory with a known SPY path, timing weights, labels and returns."""
    index = pd.bdate_range("2010-01-01", periods=504, name="date")
    spy = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.004, len(index))))
    spy[100:140] *= np.linspace(1.0, 0.7, 40)  # a 30 % fall ...
    spy[140:] *= 0.7  # ... never fully recovered in level terms
    spy[400:420] *= np.linspace(1.0, 0.88, 20)  # a 12 % dip: not an episode at 15 % ...
    spy[420:] *= 0.88 * np.linspace(1.0, 1.25, len(index) - 420)  # ... and a recovery
    bil = 50 * np.cumprod(1 + np.full(len(index), 0.0001))
    weight = np.ones(len(index))
    weight[0] = 0.0  # before the first fill
    weight[110:150] = 0.0  # out 10 days after the peak region
    weight[300:305] = 0.0
    weight[150:250] = 0.999999  # "1 up to rounding", as vectorbt reports it
    regime = np.where(weight[np.r_[1 : len(index), len(index) - 1]] == 0.0, "scarce", "abundant")
    returns = pd.DataFrame(
        {
            "spy_timing": rng.normal(0.0003, 0.01, len(index)),
            "buy_and_hold": pd.Series(spy).pct_change().fillna(0.0).to_numpy(),
        },
        index=index,
    )
    run_dir = tmp_path / "run"
    (run_dir / "weights").mkdir(parents=True)
    (run_dir / "inputs").mkdir()
    returns.to_csv(run_dir / "returns.csv")
    pd.DataFrame({"SPY": spy, "BIL": bil}, index=index).to_csv(run_dir / "inputs/prices.csv")
    pd.DataFrame({"SPY": weight, "BIL": 1 - weight}, index=index).to_csv(
        run_dir / "weights/spy_timing.csv"
    )
    pd.DataFrame({"SPY": np.r_[0.0, np.ones(len(index) - 1)], "BIL": 0.0}, index=index).to_csv(
        run_dir / "weights/buy_and_hold.csv"
    )
    pd.DataFrame({"regime": regime, "p_scarce": 0.5}, index=index).to_csv(run_dir / "regimes.csv")
    return run_dir


def _falls(close: np.ndarray, depth: float) -> list[tuple[int, int]]:
    """Falls of ``depth`` from the high since the last recovery, to the low before a rise of
    ``depth`` (the report's episodes, found with running extremes instead of a state machine)."""
    episodes, start = [], 0
    while start < len(close):
        tail = close[start:]
        crossed = np.flatnonzero(tail <= np.maximum.accumulate(tail) * (1 - depth))
        if not crossed.size:
            break
        cross = start + int(crossed[0])
        peak = start + int(np.argmax(close[start : cross + 1]))
        after = close[cross:]
        recovered = np.flatnonzero(after >= np.minimum.accumulate(after) * (1 + depth))
        end = cross + int(recovered[0]) if recovered.size else len(close)
        episodes.append((peak, cross + int(np.argmin(close[cross:end]))))
        start = end
    return episodes


def _oracle(run_dir: Path, strategy: str) -> dict:
    """Every figure again, with pandas and backtests.metrics, from the CSV files."""

    def read(name):
        return pd.read_csv(run_dir / name, index_col=0, parse_dates=True)

    returns = read("returns.csv")[strategy]
    prices = read("inputs/prices.csv")
    weight = read(f"weights/{strategy}.csv")["SPY"]
    labels = read("regimes.csv")["regime"]
    rf = cash_returns(prices, "BIL")
    n = len(returns)
    excess_mean = (returns - rf).mean() * 252
    mdd = max_drawdown(returns)
    held = weight[weight.ne(0).cummax()]
    exits, reentries = [], []
    episodes = _falls(prices["SPY"].ffill().to_numpy(), 0.15)
    for peak, trough in episodes:
        lag = next((k for k in range(trough - peak + 1) if weight.iloc[peak + k] == 0), None)
        if lag is not None:
            exits.append(lag)
            back = next((k for k in range(n - trough) if weight.iloc[trough + k] > 0.5), None)
            if back is not None:
                reentries.append(back)
    return {
        "cagr": (1 + returns).prod() ** (252 / n) - 1,
        "volatility": returns.std() * math.sqrt(252),
        "sharpe": sharpe(returns, rf),
        "max_drawdown": mdd,
        "calmar": excess_mean / -mdd,
        "expected_shortfall": returns.nsmallest(math.ceil(n / 20)).mean(),
        "turnover": held.diff().abs().sum() / 2 * 252 / n,
        "leverage": weight.mean(),
        "bear_share": labels.eq("scarce").mean(),
        "shifts": labels.ne(labels.shift()).sum() - 1,
        "exit_lag": float(np.median(exits)) if exits else math.nan,
        "exited": len(exits),
        "n_episodes": len(episodes),
        "reentry_lag": float(np.median(reentries)) if reentries else math.nan,
    }


def _assert_same(figures: dict, oracle: dict):
    assert set(figures) == set(oracle)
    for key, value in oracle.items():
        assert figures[key] == pytest.approx(value, rel=1e-9, abs=1e-12, nan_ok=True), key


def test_figures_equal_an_independent_recomputation(tmp_path, rng):
    run_dir = _fake_run(tmp_path, rng)
    run = bench.read_run(run_dir)
    for strategy in ("spy_timing", "buy_and_hold"):
        _assert_same(bench.strategy_figures(run, strategy), _oracle(run_dir, strategy))
    untimed = bench.strategy_figures(run, "buy_and_hold", timed=False)
    assert math.isnan(untimed["bear_share"]) and math.isnan(untimed["shifts"])
    timing = bench.strategy_figures(run, "spy_timing")
    # Four switches in two years (the first fill is not turnover): half of 2 a year.
    assert timing["turnover"] == pytest.approx(1.0, abs=1e-5)
    assert timing["leverage"] == pytest.approx(1 - 46 / 504, abs=1e-5)
    assert timing["n_episodes"] == 1 and timing["exited"] == 1
    assert len(bench.drawdown_episodes(run["prices"]["SPY"], 0.10)) >= 2
    assert bench.strategy_figures(run, "buy_and_hold")["turnover"] == 0.0


def test_figures_leave_the_run_directory_unchanged(tmp_path, rng):
    run_dir = _fake_run(tmp_path, rng)
    run = bench.read_run(run_dir)
    before = {k: v.copy() for k, v in run.items()}
    bench.strategy_figures(run, "spy_timing")
    for key, frame in before.items():
        pd.testing.assert_frame_equal(run[key], frame)


def test_episodes_by_hand_and_against_the_oracle(rng):
    close = pd.Series([100, 90, 84, 95, 99, 80, 120, 101, 125, 105.0])
    # 100 -> 84 (-16%) closed by +17.9%; 99 -> 80 closed by +50%; 120 -> 101 (-15.8%) closed
    # by +23.8%; 125 -> 105 (-16%) still open at the end. 84 -> 95 -> 99 is one rise.
    assert bench.drawdown_episodes(close, 0.15) == [(0, 2), (4, 5), (6, 7), (8, 9)]
    # At 17 %, 84 is no episode and 99 never tops 100: one fall, from 100 to 80.
    assert bench.drawdown_episodes(close, 0.17) == [(0, 5)]
    for seed in range(20):
        walk = np.exp(np.cumsum(np.random.default_rng(seed).normal(0, 0.03, 400)))
        assert bench.drawdown_episodes(pd.Series(walk), 0.15) == _falls(walk, 0.15), seed


def test_bench_doctests():
    assert doctest.testmod(bench, raise_on_error=False).failed == 0


# -- the report against fresh runs ------------------------------------------------------


def _parse(value: str, kind: str) -> float:
    if value == "n/a":
        return math.nan
    if kind == "pct":
        return float(value.rstrip("%")) / 100
    if kind == "frac":
        return float(value.split("/")[0])
    return float(value)


def _doc_table(heading: str) -> dict[str, dict[str, str]]:
    """The first markdown table after ``heading``: column -> row label -> cell."""
    section = DOC.read_text(encoding="utf-8").split(f"\n{heading}\n", 1)[1]
    block = []
    for line in section.splitlines():
        if line.startswith("|"):
            block.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif block:
            break
    header, rows = block[0], block[2:]
    return {column: {row[0]: row[i] for row in rows} for i, column in enumerate(header) if i}


def _assert_doc_matches(columns: dict[str, tuple[str, str]], runs: dict[str, Path]):
    table = _doc_table("## Our figures at every delay")
    tolerance = {"pct": 0.0005, "ratio": 0.005, "int": 0.5, "frac": 0.0}
    for column, (name, strategy) in columns.items():
        oracle = _oracle(runs[name], strategy)
        if strategy == "buy_and_hold":  # the labels do not drive it: no regime statistics
            oracle.update(bear_share=math.nan, shifts=math.nan)
        cells = table[column]
        for key, (label, kind) in bench.METRICS.items():
            shown = _parse(cells[label], kind)
            if math.isnan(oracle[key]):
                assert math.isnan(shown), (column, key)
                continue
            assert abs(shown - oracle[key]) <= tolerance[kind] + 1e-9, (
                column,
                key,
                shown,
                oracle[key],
            )
        if cells[bench.METRICS["exited"][0]] != "n/a":
            assert cells[bench.METRICS["exited"][0]] == (
                f"{oracle['exited']:.0f}/{oracle['n_episodes']:.0f}"
            )


def _fresh_run(name, tmp_path, real_data_dir) -> Path:
    out = tmp_path / name
    sets = [*bench.RUNS[name], *_real(real_data_dir)]
    result = _cli(
        "run",
        CONFIG,
        "--no-tearsheets",
        "--quiet",
        "--out",
        out,
        *[arg for o in sets for arg in ("--set", o)],
    )
    assert result.returncode == 0, result.stderr
    return out


def _check_run(out: Path, classifier: str):
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["run"]["start"] == "2007-06-01" and metrics["run"]["end"] == "2023-12-29"
    run = bench.read_run(out)
    for strategy in ("spy_timing", "buy_and_hold"):
        figures = bench.strategy_figures(run, strategy)
        _assert_same(figures, _oracle(out, strategy))
        overall = metrics["strategies"][strategy]["overall"]
        for key in ("cagr", "volatility", "sharpe", "max_drawdown"):
            assert figures[key] == pytest.approx(overall[key], rel=1e-9), (strategy, key)
        if strategy == "spy_timing":
            # metrics.json counts the SPY and the BIL leg of every switch (and the first
            # purchase): about twice the paper's turnover.
            assert overall["turnover"] == pytest.approx(2 * figures["turnover"], abs=0.05)
    weights = run["weights/spy_timing"]["SPY"]
    assert set(np.round(weights, 6).unique()) <= {0.0, 1.0}
    # The engine's delay: SPY is held at the close of t exactly when the label of the
    # close of t - lag_days was bull (so the label of t earns from day t + lag_days + 1).
    labels = run["regimes"]["regime"]
    lag = tomllib.loads((out / "config.toml").read_text())["execution"]["lag_days"]
    held = (weights > 0.5).iloc[lag:].to_numpy()
    assert (held == (labels == "abundant").shift(lag).iloc[lag:].to_numpy()).all()
    assert (weights.iloc[:lag] == 0.0).all()
    assert metrics["regimes"]["classifier"] == classifier


@pytest.mark.slow
@pytest.mark.real_data
def test_hmm_delay_1_runs_end_to_end_and_the_report_shows_its_figures(real_data_dir, tmp_path):
    out = _fresh_run("hmm_d1", tmp_path, real_data_dir)
    _check_run(out, "hmm")
    _assert_doc_matches({"HMM d=1": ("hmm_d1", "spy_timing")}, {"hmm_d1": out})


@pytest.mark.slow
@pytest.mark.real_data
def test_replication_config_runs_end_to_end_and_the_report_shows_its_figures(
    real_data_dir, tmp_path
):
    out = _fresh_run("jm_d1", tmp_path, real_data_dir)
    _check_run(out, "jump_cv")
    _assert_doc_matches(
        {"JM d=1": ("jm_d1", "spy_timing"), "B&H": ("jm_d1", "buy_and_hold")}, {"jm_d1": out}
    )
