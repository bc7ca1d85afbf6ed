"""Real-data configs: config files, start-date checks, fixed weights, and the full run on
the curated snapshot (skipped when it is absent)."""

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backtests import load_config, run
from backtests.config import dump_config
from backtests.runner import load_inputs, run_series
from data import DataError, MarketData
from strategies import STRATEGIES
from tests.helpers import (
    CHEAP,
    RunDirectory,
    assert_bound_path,
    assert_bound_rivals,
    assert_by_regime_attribution,
    assert_decomposition,
    assert_exposure,
    assert_spell_drawdowns,
    assert_verdict_numbers,
    write_run,
)

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "configs"


def real_overrides(real_data_dir):
    return [
        f"data.prices_dir={real_data_dir / 'prices'}",
        f"data.fred_dir={real_data_dir / 'fred'}",
    ]


def test_synthetic_config_is_the_default():
    assert dump_config(load_config(CONFIGS / "synthetic.toml")) == dump_config(load_config())


def test_csv_config_paths_resolve_against_the_file_and_set_against_cwd(tmp_path, monkeypatch):
    config = load_config(CONFIGS / "csv.toml")
    assert config.data.source == "csv"
    assert (
        Path(config.data.prices_dir) == (ROOT.parent / "shared/data/real/curated/prices").resolve()
    )
    monkeypatch.chdir(tmp_path)
    moved = load_config(CONFIGS / "csv.toml", ["data.prices_dir=mine/prices"])
    assert Path(moved.data.prices_dir) == tmp_path / "mine" / "prices"


def test_real_configs_share_the_run_and_need_the_right_data():
    csv, yahoo = load_config(CONFIGS / "csv.toml"), load_config(CONFIGS / "yahoo_fred.toml")
    assert yahoo.data.source == "yahoo"
    assert csv.strategies == yahoo.strategies and csv.features == yahoo.features
    tickers = csv.all_tickers()
    assert {"SPY", "QQQ", "IEF", "BIL", "SNDK", "COIN", "BTC-USD"} <= set(tickers)
    assert {"WALCL", "WTREGEN", "RRPONTSYD", "M2SL", "NFCI", "VIXCLS"} <= set(run_series(csv))
    # With no data.series, the series are exactly what the features need.
    needed = run_series(load_config(CONFIGS / "csv.toml", ["data.series=[]"]))
    assert set(needed) == set(run_series(csv))


def test_fixed_weights_renormalise_among_listed():
    function, role = STRATEGIES["fixed_weights"].function, STRATEGIES["fixed_weights"].role
    assert role == "benchmark"
    index = pd.bdate_range("2024-01-01", periods=3)
    prices = pd.DataFrame(
        {"SPY": [1.0, 1.0, np.nan], "IEF": [np.nan, 1.0, 1.0], "X": 1.0}, index=index
    )
    weights = function(prices, None, {}, weights={"SPY": 0.6, "IEF": 0.4})
    assert weights.to_numpy().tolist() == [[1.0, 0.0, 0.0], [0.6, 0.4, 0.0], [0.0, 1.0, 0.0]]


def tiny_market(first_dates, macro_first="2004-01-07"):
    index = pd.bdate_range("2004-01-01", "2010-12-31", name="date")
    prices = pd.DataFrame(
        {t: np.where(index >= pd.Timestamp(d), 100.0, np.nan) for t, d in first_dates.items()},
        index=index,
    )
    daily = pd.bdate_range(macro_first, "2010-12-29")
    vix = 20.0 + 5.0 * np.sin(np.arange(len(daily)) / 40.0)
    macro = {"VIXCLS": pd.Series(vix, index=daily)}
    return MarketData(prices=prices, macro=macro, source="csv")


@pytest.fixture
def small_config():
    return load_config(
        CONFIGS / "csv.toml",
        [
            "data.start=2005-01-03",
            "data.end=2010-12-31",
            'universe.baskets={a = ["A1", "A2"], b = ["B1"]}',
            "universe.benchmark=SPY",
            "universe.cash=BIL",
            'features.use=["vix"]',
            'data.series=["VIXCLS"]',
            'strategies={rot = {kind = "regime_rotation", abundant_basket = "a", '
            'scarce_basket = "b"}}',
            "sweep.enabled=false",
        ],
    )


def test_late_members_inside_a_basket_are_fine(small_config):
    market = tiny_market(
        {
            "SPY": "2004-01-01",
            "BIL": "2004-01-01",
            "A1": "2004-01-01",
            "A2": "2008-06-02",
            "B1": "2004-01-01",
        }
    )
    inputs = load_inputs(small_config, market)
    assert inputs.prices["A2"].loc[:"2008-05-30"].isna().all()


@pytest.mark.parametrize(
    "firsts, fragment",
    [
        ({"BIL": "2006-03-01"}, "BIL (cash) first has data on 2006-03-01"),
        ({"SPY": "2006-03-01"}, "SPY (calendar) first has data on 2006-03-01"),
        ({"B1": "2007-01-02"}, "basket b (B1) first has data on 2007-01-02"),
    ],
)
def test_late_required_data_is_an_error_unless_allowed(small_config, firsts, fragment):
    dates = {
        "SPY": "2004-01-01",
        "BIL": "2004-01-01",
        "A1": "2004-01-01",
        "A2": "2004-01-01",
        "B1": "2004-01-01",
        **firsts,
    }
    market = tiny_market(dates)
    with pytest.raises(DataError, match=r"data.start = 2005-01-03 is earlier") as error:
        load_inputs(small_config, market)
    assert fragment in str(error.value) and "allow_late_start = true" in str(error.value)
    allowed = load_config(CONFIGS / "csv.toml", [])  # the flag is a plain config key
    assert allowed.data.allow_late_start is False
    import dataclasses

    relaxed = dataclasses.replace(
        small_config, data=dataclasses.replace(small_config.data, allow_late_start=True)
    )
    load_inputs(relaxed, market)


def test_a_late_feature_joins_late_and_its_first_date_is_reported(small_config):
    # Features may start after data.start (Bitcoin in 2014): the classifier
    # learns from the features that exist, and the run says when each arrived.
    market = tiny_market(
        {t: "2004-01-01" for t in ("SPY", "BIL", "A1", "A2", "B1")}, macro_first="2006-01-04"
    )
    inputs = load_inputs(small_config, market)
    first = inputs.availability["vix"]
    assert first is not None and first > "2006-01-04"
    assert inputs.features["vix"].loc[:"2006-01-04"].isna().all()


@pytest.mark.real_data
@pytest.mark.slow
def test_full_run_on_the_curated_snapshot(real_data_dir, tmp_path):
    from backtests.artifacts import save_run
    from data.atomic import atomic_directory

    config = load_config(CONFIGS / "csv.toml", real_overrides(real_data_dir))
    result = run(config)
    with atomic_directory(tmp_path / "run") as staging:
        save_run(result, staging)
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    meta = metrics["run"]
    assert meta["data_source"] == "csv" and meta["synthetic"] is False
    assert "2007-06-01" <= meta["start"] < meta["end"] <= "2026-07-31"
    assert set(metrics["strategies"]) == set(config.strategies)
    roles = {entry["role"] for entry in metrics["strategies"].values()}
    assert roles == {"strategy", "benchmark", "placebo"}  # placebos always beside the rotation
    for name, entry in metrics["strategies"].items():
        assert math.isfinite(entry["overall"]["total_return"]), name
    # Both sides resolved: the shared data may sit behind a symlink.
    described = Path(result.inputs.market.description["prices_dir"]).resolve()
    assert described == (real_data_dir / "prices").resolve()
    # Point in time: SNDK and COIN join late, never back-filled.
    assert result.prices["SNDK"].loc[:"2025-02-12"].isna().all()
    assert result.prices["COIN"].loc[:"2021-04-13"].isna().all()
    # The WTREGEN hole expires net liquidity instead of freezing it.
    assert result.inputs.macro["net_liquidity"].loc["2025-12-10":"2026-01-07"].isna().all()


@pytest.mark.real_data
@pytest.mark.slow
def test_research_numbers_on_the_curated_snapshot(real_data_dir, tmp_path):
    """Issue 13's numbers on real data, recomputed from the run directory's CSV files.

    The oracle is :mod:`tests.helpers` (plain pandas, as in
    ``tests/backtests/test_research_numbers.py`` on the synthetic world); the
    run is cheap (no sweep, fewer placebo paths and bootstrap samples).
    """
    run = RunDirectory(
        write_run(tmp_path / "run", CONFIGS / "csv.toml", [*real_overrides(real_data_dir), *CHEAP])
    )
    assert run.metrics["run"]["synthetic"] is False
    # Per-regime attribution under the previous close's label, exposure, spell drawdowns.
    assert_by_regime_attribution(run)
    assert_exposure(run)
    assert_spell_drawdowns(run)
    # Bounds: market data has no truth, so no oracle; hindsight is the reference.
    assert run.truth is None and not (run.root / "inputs" / "true_regimes.csv").exists()
    assert "balanced_accuracy" not in run.metrics["regimes"]["evaluation"]  # nothing to score
    bounds = run.metrics["bounds"]
    assert bounds["reference"] == "hindsight" and bounds["tradable"]["hindsight"] is False
    assert not any(path.startswith("oracle") for path in bounds["paths"])
    assert "no known regime truth" in bounds["oracle_unavailable"]
    assert bounds["tradable"] == {
        "walk_forward": True,
        "hindsight": False,
        "hindsight_delayed": False,
    }
    assert list(run.bounds.columns) == ["walk_forward", "hindsight", "hindsight_delayed"]
    for path in run.bounds.columns:
        assert_bound_path(run, path)
    assert_decomposition(run)
    assert_bound_rivals(run)
    # The verdict's numbers, "hindsight labels (not tradable)" in the bounds sentence.
    assert_verdict_numbers(run)
    assert "bounds.edge_exists" not in {item["key"] for item in run.metrics["verdict"]}


@pytest.mark.real_data
@pytest.mark.slow
def test_snapshot_then_run_offline_from_it(real_data_dir, tmp_path):
    base = [sys.executable, "-m", "backtests"]
    snapshot = subprocess.run(
        [
            *base,
            "snapshot",
            str(CONFIGS / "csv.toml"),
            str(tmp_path / "frozen"),
            *sum((["--set", o] for o in real_overrides(real_data_dir)), []),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert snapshot.returncode == 0, snapshot.stderr
    assert (tmp_path / "frozen" / "prices" / "SNDK.csv").read_text().startswith("Date,Adj Close\n")
    frozen = load_config(
        CONFIGS / "csv.toml",
        [
            f"data.prices_dir={tmp_path / 'frozen' / 'prices'}",
            f"data.fred_dir={tmp_path / 'frozen' / 'fred'}",
            "data.start=2015-01-02",
        ],
    )
    original = load_config(
        CONFIGS / "csv.toml", [*real_overrides(real_data_dir), "data.start=2015-01-02"]
    )
    pd.testing.assert_frame_equal(load_inputs(frozen).features, load_inputs(original).features)


def test_cli_maps_data_errors_to_exit_2(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "backtests",
            "run",
            str(CONFIGS / "csv.toml"),
            "--no-tearsheets",
            "--set",
            f"data.prices_dir={tmp_path}",
            "--set",
            f"data.fred_dir={tmp_path}",
            "--out",
            str(tmp_path / "run"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "no price file for 'MU'" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "run").exists()


def test_cli_offline_fetch_with_an_empty_cache_fails_clearly(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "backtests",
            "fetch",
            str(CONFIGS / "yahoo_fred.toml"),
            "--offline",
            "--set",
            f"data.cache_dir={tmp_path}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "offline mode" in result.stderr and "SPY (not cached)" in result.stderr
