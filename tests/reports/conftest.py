"""A small, fake but realistic run directory, built from np.random.default_rng(seed).

It follows the run-directory interface (README, "The run directory") and does
not import the runner: reports must work from the files alone.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

STRATEGIES = {
    "regime_rotation": ("regime_rotation", "strategy"),
    "cash_flow_basket": ("buy_and_hold", "strategy"),
    "benchmark": ("buy_and_hold", "benchmark"),
    "random_rotation": ("random_rotation", "placebo"),
}
TICKERS = ["MKT", "TBIL", "MU", "AAPL", "ARKK", "BTC"]
METRICS = ["total_return", "cagr", "volatility", "sharpe", "sortino", "max_drawdown",
           "turnover", "exposure", "hit_rate", "share_of_time"]


def _metrics_of(returns: pd.Series, share: float) -> dict[str, float | None]:
    wealth = (1 + returns).cumprod()
    years = max(len(returns) / 252, 1e-9)
    volatility = float(returns.std() * np.sqrt(252))
    downside = float(returns[returns < 0].std() * np.sqrt(252))
    return {
        "total_return": float(wealth.iloc[-1] - 1),
        "cagr": float(wealth.iloc[-1] ** (1 / years) - 1),
        "volatility": volatility,
        "sharpe": float(returns.mean() * 252 / volatility) if volatility > 0 else None,
        "sortino": float(returns.mean() * 252 / downside) if downside > 0 else None,
        "max_drawdown": float((wealth / wealth.cummax() - 1).min()),
        "turnover": float(abs(returns).mean() * 10),
        "exposure": 1.0,
        "hit_rate": float((returns > 0).mean()),
        "share_of_time": share,
    }


def make_run_dir(root: Path, seed: int = 7, n_days: int = 600, *, synthetic: bool = True,
                 significance: bool = False) -> Path:
    """Write a complete run directory under ``root`` and return it."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2019-01-02", periods=n_days)
    iso = dates.strftime("%Y-%m-%d")

    # Regimes: a two-state Markov chain, and a noisy causal estimate of it.
    truth = np.empty(n_days, dtype=object)
    state = "abundant"
    for i in range(n_days):
        if rng.random() < 0.02:
            state = "scarce" if state == "abundant" else "abundant"
        truth[i] = state
    p_scarce = np.clip((truth == "scarce") * 0.6 + 0.2 + rng.normal(0, 0.12, n_days), 0, 1)
    label = np.where(p_scarce > 0.5, "scarce", "abundant")

    steps = rng.normal(0.0003, 0.012, size=(n_days, len(TICKERS)))
    steps[:, 1] = 0.02 / 252
    steps[truth == "scarce", 4] -= 0.002
    prices = pd.DataFrame(100 * np.exp(np.cumsum(steps, axis=0)), index=dates, columns=TICKERS)
    prices.iloc[:40, 5] = np.nan  # BTC lists later
    simple = prices.pct_change().fillna(0.0)

    returns = pd.DataFrame(index=dates)
    returns["regime_rotation"] = np.where(label == "scarce", simple["MU"], simple["ARKK"])
    returns["cash_flow_basket"] = simple[["MU", "AAPL"]].mean(axis=1)
    returns["benchmark"] = simple["MKT"]
    returns["random_rotation"] = np.where(rng.random(n_days) < 0.5, simple["MU"], simple["ARKK"])
    returns.iloc[0] = 0.0

    root.mkdir(parents=True, exist_ok=True)
    (root / "inputs").mkdir(exist_ok=True)
    (root / "weights").mkdir(exist_ok=True)
    out = returns.copy()
    out.index = pd.Index(iso, name="date")
    out.to_csv(root / "returns.csv")
    pd.DataFrame({"date": iso, "regime": label, "p_scarce": p_scarce.round(6)}).to_csv(
        root / "regimes.csv", index=False)
    priced = prices.copy()
    priced.index = pd.Index(iso, name="date")
    priced.to_csv(root / "inputs" / "prices.csv")
    net_liquidity = 5.5e6 + np.cumsum(rng.normal(0, 8e3, n_days))
    pd.DataFrame({"date": iso, "net_liquidity": net_liquidity,
                  "walcl": net_liquidity + 1e6}).to_csv(root / "inputs" / "macro.csv",
                                                         index=False)
    pd.DataFrame({"date": iso, "liquidity_z": rng.normal(size=n_days)}).to_csv(
        root / "inputs" / "features.csv", index=False)
    if synthetic:
        pd.DataFrame({"date": iso, "regime": truth}).to_csv(
            root / "inputs" / "true_regimes.csv", index=False)
    for name in STRATEGIES:
        pd.DataFrame({"date": iso, "MU": 0.5, "ARKK": 0.5}).to_csv(
            root / "weights" / f"{name}.csv", index=False)
    (root / "config.toml").write_text('name = "synthetic"\n', encoding="utf-8")

    scarce = label == "scarce"
    strategies = {}
    for name, (kind, role) in STRATEGIES.items():
        series = returns[name]
        strategies[name] = {
            "kind": kind, "role": role,
            "overall": _metrics_of(series, 1.0),
            "by_regime": {"abundant": _metrics_of(series[~scarce], float((~scarce).mean())),
                          "scarce": _metrics_of(series[scarce], float(scarce.mean()))},
        }
    strategies["benchmark"]["by_regime"]["scarce"]["sharpe"] = None  # a JSON null
    for entry in strategies.values():
        entry["contribution"] = {"cash_flow": 0.04, "speculative": 0.3, "other": 0.0,
                                 "cash": 0.0, "costs_and_residual": -0.02}
    # the runner's formats: regimes.evaluate_regimes (truth metrics, or episode shares)
    evaluation = ({"accuracy": 0.79, "balanced_accuracy": 0.79, "f1_abundant": 0.83,
                   "f1_scarce": 0.73, "false_switches_per_year": 2.6, "median_delay_days": 15.0,
                   "n_days": n_days, "n_true_switches": 12, "p90_delay_days": 39.1}
                  if synthetic else {"episodes": _episodes(iso, label)})
    metrics = {
        "schema": 1,
        "run": {"name": "synthetic" if synthetic else "real", "data_source":
                "synthetic" if synthetic else "csv", "synthetic": synthetic,
                "start": iso[0], "end": iso[-1], "config_sha256": "ab" * 32,
                "versions": {"regime-backtester": "0.1.0", "pandas": pd.__version__},
                "benchmark": "MKT", "cash": "TBIL", "n_days": n_days},
        "strategies": strategies,
        "regimes": {"classifier": "composite", "params": {"threshold": 0.5, "window": 63},
                    "share_scarce": float(scarce.mean()), "switches_per_year": 1.1,
                    "current": {"date": iso[-1], "regime": str(label[-1]),
                                "p_scarce": float(p_scarce[-1])},
                    "evaluation": evaluation},
    }
    if significance:
        metrics.update(_research(root, rng, dates, returns, label))
        metrics["regimes"]["in_sample_label_gap"] = 0.031
        pd.DataFrame({"date": iso, "regime": label, "p_scarce": p_scarce.round(6)}).to_csv(
            root / "in_sample_regimes.csv", index=False)
    (root / "metrics.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
    return root


def _episodes(iso, label) -> list[dict]:
    """``regimes.episode_shares`` format: one in the sample, one before it."""
    inside = label[20:120]
    share = float((inside == "scarce").mean())
    return [
        {"name": "before_sample", "start": "2008-09-01", "end": "2008-12-31",
         "expected": "scarce", "n_days": 0, "share_abundant": None, "share_scarce": None,
         "share_expected": None},
        {"name": "crunch", "start": iso[20], "end": iso[119], "expected": "scarce",
         "n_days": 100, "share_abundant": 1 - share, "share_scarce": share,
         "share_expected": share},
    ]


def _ci(rng, estimate: float) -> dict:
    half = 0.5 + 0.1 * rng.random()
    return {"estimate": estimate, "low": estimate - half, "high": estimate + half,
            "std_error": half / 2, "p_value_le_0": float(rng.random() / 2)}


def _research(root: Path, rng, dates, returns: pd.DataFrame, label) -> dict:
    """The research blocks of metrics.json and their CSVs, as backtests.research writes them."""
    iso = dates.strftime("%Y-%m-%d")
    sharpe = {n: float(returns[n].mean() / returns[n].std() * np.sqrt(252))
              for n in returns.columns}
    significance = {"benchmark": "benchmark", "mean_block_days": 21.0,
                    "bootstrap_samples": 1000, "seed": 0, "strategies": {}}
    for name in returns.columns:
        entry = {"sharpe_ci": _ci(rng, sharpe[name]), "psr": float(rng.uniform(0.5, 1))}
        if name != "benchmark":
            entry["sharpe_difference_vs_benchmark"] = _ci(rng, sharpe[name] - sharpe["benchmark"])
        significance["strategies"][name] = entry
    significance["strategies"]["regime_rotation"].update({
        "deflated": {"sharpe": sharpe["regime_rotation"], "psr": 0.97, "dsr": 0.62,
                     "n_trials": 24.0, "expected_max_sharpe": 0.4},
        "pbo": {"pbo": 0.52, "logit_median": -0.1, "n_combinations": 12870.0, "n_trials": 24.0},
    })

    # sweep.csv: 3 thresholds x 2 dwell x 2 rules x 2 cash levels, fee fixed
    rows = []
    for threshold in (0.25, 0.5, 0.75):
        for dwell in (5, 20):
            for rule in ("monthly", "monthly+regime_change"):
                for cash in (0.0, 0.5):
                    rows.append({"regimes": f"enter_threshold={threshold},min_dwell={dwell}",
                                 "rebalance": rule, "scarce_cash": cash, "fee_bps": 5.0,
                                 "final_value": float(1e6 * rng.uniform(1, 5)),
                                 "cagr": float(rng.normal(0.08, 0.03)),
                                 "sharpe": float(rng.normal(0.6, 0.15)),
                                 "max_drawdown": float(-rng.uniform(0.3, 0.8)),
                                 "turnover": float(rng.uniform(1, 5)),
                                 "n_fills": int(rng.integers(500, 1500))})
    sweep = pd.DataFrame(rows)
    sweep.index.name = "combo"
    sweep.to_csv(root / "sweep.csv")
    best = sweep.loc[sweep["sharpe"].idxmax()].to_dict()
    sweep_block = {
        "engine": "numba kernel (backtests._nb), vectorbt fill semantics",
        "strategy": "regime_rotation",
        "grid": {"classifier": {"enter_threshold": [0.25, 0.5, 0.75], "min_dwell": [5, 20]},
                 "rules": ["monthly", "monthly+regime_change"], "scarce_cash": [0.0, 0.5],
                 "fee_bps": [5.0]},
        "n_trials": len(sweep),
        "sharpe": {"best": float(sweep["sharpe"].max()), "median": float(sweep["sharpe"].median()),
                   "worst": float(sweep["sharpe"].min())},
        "best": {k: (v.item() if hasattr(v, "item") else v) for k, v in best.items()},
    }

    parts = np.array_split(np.arange(len(dates)), 4)
    folds = []
    for k in range(1, 4):
        folds.append({"train": [iso[0], iso[parts[k - 1][-1]]],
                      "test": [iso[parts[k][0]], iso[parts[k][-1]]],
                      "chosen": {"regimes": "enter_threshold=0.5,min_dwell=5",
                                 "rebalance": "monthly", "scarce_cash": 0.5, "fee_bps": 5.0},
                      "in_sample_sharpe": float(rng.normal(0.8, 0.2)),
                      "out_of_sample_sharpe": float(rng.normal(0.4, 0.5))})
    walk_forward = {"n_folds": 3, "folds": folds,
                    "mean_in_sample_sharpe": float(np.mean([f["in_sample_sharpe"] for f in folds])),
                    "out_of_sample_sharpe": 0.35}

    paths = pd.DataFrame({"strategy": "random_rotation", "path": np.arange(60),
                          "final_value": rng.uniform(1e6, 5e6, 60),
                          "cagr": rng.normal(0.05, 0.04, 60), "sharpe": rng.normal(0.3, 0.15, 60),
                          "max_drawdown": -rng.uniform(0.3, 0.9, 60),
                          "turnover": rng.uniform(2, 5, 60), "n_fills": rng.integers(900, 1300, 60)})
    paths.to_csv(root / "placebos.csv", index=False)
    real = sharpe["regime_rotation"]
    quantiles = {f"q{int(q * 100):02d}": float(paths["sharpe"].quantile(q))
                 for q in (0.05, 0.25, 0.5, 0.75, 0.95)}
    cagr_q = {f"q{int(q * 100):02d}": float(paths["cagr"].quantile(q))
              for q in (0.05, 0.25, 0.5, 0.75, 0.95)}
    placebos = {"random_regimes": {"random_rotation": {
        "n_paths": 60, "seed": 7, "representative_path": 0, "sharpe": quantiles,
        "real_sharpe": real, "real_sharpe_percentile": float((paths["sharpe"] < real).mean() * 100),
        "cagr": cagr_q, "real_cagr": 0.07, "real_cagr_percentile": 70.0}},
        "compared_strategy": "regime_rotation"}

    # event_study.csv: the long format of backtests.analysis.event_study
    days = np.arange(-20, 61)
    event_rows = []
    for transition, n in (("into_scarce", 6), ("into_abundant", 7)):
        for basket, drift in (("cash_flow", 0.0004), ("speculative", -0.0006)):
            mean = drift * days + rng.normal(0, 0.002, len(days)).cumsum()
            mean -= mean[20]
            for k, day in enumerate(days):
                event_rows.append({"transition": transition, "basket": basket, "day": int(day),
                                   "mean": mean[k], "median": mean[k] * 0.8,
                                   "low": mean[k] - 0.02, "high": mean[k] + 0.02, "n_events": n})
    events = pd.DataFrame(event_rows)
    events.to_csv(root / "event_study.csv")
    event_block = {"pre": 20, "post": 60, "band": "t-based 95% interval of the mean",
                   "transitions": {}}
    for (transition, basket), group in events.groupby(["transition", "basket"]):
        entry = {"n_events": int(group["n_events"].iloc[0])}
        for day in (20, 60):
            row = group[group["day"] == day].iloc[0]
            entry[f"day_{day}"] = {k: float(row[k]) for k in ("mean", "median", "low", "high")}
        event_block["transitions"].setdefault(transition, {})[basket] = entry
    return {"placebos": placebos, "sweep": sweep_block, "walk_forward": walk_forward,
            "significance": significance, "event_study": event_block}


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    """A synthetic run directory with truth and evaluation, no significance block."""
    return make_run_dir(tmp_path / "run")


@pytest.fixture
def run_dir_with_significance(tmp_path: Path) -> Path:
    """A run directory with every research block (significance, sweep, placebos, ...)."""
    return make_run_dir(tmp_path / "run_sig", seed=11, significance=True)


@pytest.fixture
def real_run_dir(tmp_path: Path) -> Path:
    """A market-data run: no truth, the episode evaluation, and the research blocks."""
    return make_run_dir(tmp_path / "run_real", seed=5, synthetic=False, significance=True)


@pytest.fixture
def make_run():
    """The run-directory factory, for tests that need a variant."""
    return make_run_dir
