"""configs/ai_capex.toml: the AI-capex thesis on the curated snapshot (skipped when absent).

Offline there are no SEC filings, so the capex inputs are unavailable: the run
must go on without the features that need them and say so in metrics.json,
and Samsung and SK Hynix must sit in the cash-flow basket in USD.
"""

import json

import pandas as pd
import pytest

from tests.reliability.conftest import ROOT, run_cli, set_args

CONFIG = ROOT / "configs" / "ai_capex.toml"
KOREAN = ["005930.KS", "000660.KS"]
SEC_SERIES = [
    f"{ticker}_{metric}"
    for ticker in ("AMZN", "MSFT", "GOOGL", "META")
    for metric in ("CAPEX", "REVENUE", "OCF")
] + ["ORCL_CAPEX", "ORCL_OCF"]
CAPEX_FEATURES = [
    "hyperscaler_capex_yoy",
    "hyperscaler_capex_to_revenue",
    "hyperscaler_financing_gap",
    "oracle_financing_gap",
]
#: The cheapest run that still goes through every stage that writes what is checked.
CHEAP = [
    "data.start=2023-01-03",
    "features.history_start=2017-01-03",
    "walk_forward.min_train=252",
    "sweep.enabled=false",
    "analysis.stability=false",
    "analysis.bounds=false",
    "analysis.bootstrap_samples=20",
    "analysis.pbo_splits=2",
    "analysis.oos_folds=1",
    "strategies.random_regimes.n_paths=2",
]


def test_the_config_declares_the_thesis():
    from backtests import load_config
    from backtests.runner import run_series

    config = load_config(CONFIG)
    assert config.universe.baskets["cash_flow"] == ["MU", "WDC", "SNDK", "STX", "AAPL", *KOREAN]
    assert config.universe.price_only == KOREAN
    assert {config.series[s]["source"] for s in SEC_SERIES} == {"sec"}
    assert all(config.series[s]["optional"] for s in SEC_SERIES)
    signs = {name: table["sign"] for name, table in config.features.define.items()}
    assert {
        name: signs[name] for name in [*CAPEX_FEATURES, "ig_spread", "ig_spread_change_13w"]
    } == dict.fromkeys([*CAPEX_FEATURES, "ig_spread", "ig_spread_change_13w"], -1)
    # The liquidity features of the real config are all kept.
    base = load_config(ROOT / "configs" / "csv.toml")
    assert config.features.use[: len(base.features.use)] == base.features.use
    assert {"BAA10Y", "DEXKOUS", *SEC_SERIES} <= set(run_series(config))


def test_list_features_shows_the_thesis_features_with_their_inputs():
    result = run_cli(["list", "features", "--config", CONFIG])
    assert result.code == 0, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines()[1:] if line.strip()}
    assert "inputs AMZN_CAPEX, MSFT_CAPEX, GOOGL_CAPEX, META_CAPEX]" in lines["hyperscaler_capex"]
    assert "[declared; sign -1; inputs hyperscaler_capex]" in lines["hyperscaler_capex_yoy"]
    assert "[declared; sign -1; inputs BAA10Y]" in lines["ig_spread"]


@pytest.mark.slow
def test_offline_run_reports_the_missing_capex_data_and_holds_korea_in_usd(real_data_dir, tmp_path):
    out = tmp_path / "run"
    paths = [
        f"data.prices_dir={real_data_dir / 'prices'}",
        f"data.fred_dir={real_data_dir / 'fred'}",
    ]
    result = run_cli(
        ["run", CONFIG, "--no-tearsheets", "--quiet", "--out", out, *set_args([*paths, *CHEAP])]
    )
    assert result.code == 0, result.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    unavailable = metrics["run"]["unavailable_inputs"]
    # Every SEC series is reported, with the reason and how to get it.
    for series_id in SEC_SERIES:
        assert f"series {series_id} comes from SEC EDGAR" in unavailable[series_id]
        assert "data.source=yahoo" in unavailable[series_id]
    # Every capex feature is dropped and named, with the inputs it needed.
    dropped = metrics["run"]["dropped_features"]
    for feature in CAPEX_FEATURES:
        assert dropped[feature].startswith("needs ")
        assert feature not in metrics["regimes"]["features"]
    assert "needs ORCL_CAPEX, ORCL_OCF:" in dropped["oracle_financing_gap"]
    assert set(unavailable) == set(SEC_SERIES)
    assert set(dropped) == set(CAPEX_FEATURES)
    # The conversion is recorded: currency, FX series and its publication lag.
    for ticker in KOREAN:
        assert metrics["run"]["currencies"][ticker] == {
            "currency": "KRW",
            "fx_series": "DEXKOUS",
            "fx_lag_days": 8,
            "price_only": True,
        }
    # The credit gauge and the liquidity features are used.
    assert {"ig_spread", "ig_spread_change_13w", "net_liquidity_13w"} <= set(
        metrics["regimes"]["features"]
    )
    # Samsung and SK Hynix are held in the cash-flow basket, marked price-only ...
    weights = pd.read_csv(out / "weights" / "cash_flow_basket.csv", index_col=0, parse_dates=True)
    assert (weights[KOREAN].iloc[-1] > 0).all()
    assert metrics["strategies"]["cash_flow_basket"]["price_only"] == KOREAN
    # ... in USD: the KRW close over the DEXKOUS fixing published by that day (obs + 8).
    prices = pd.read_csv(out / "inputs" / "prices.csv", index_col=0, parse_dates=True)
    day = pd.Timestamp("2024-03-15")
    for ticker in KOREAN:
        krw = pd.read_csv(
            real_data_dir / "prices" / f"{ticker}.csv", index_col=0, parse_dates=True
        )["Adj Close"]
        fx = pd.read_csv(real_data_dir / "fred" / "DEXKOUS.csv", index_col=0, parse_dates=True)[
            "DEXKOUS"
        ].dropna()
        rate = fx.loc[: day - pd.Timedelta(days=8)].iloc[-1]
        assert prices.loc[day, ticker] == pytest.approx(krw[day] / rate, rel=1e-12)
    assert prices.loc[day, "005930.KS"] == pytest.approx(72_300.0 / 1324.3, rel=1e-12)
