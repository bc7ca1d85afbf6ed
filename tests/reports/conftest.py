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
    evaluation = ({"balanced_accuracy": 0.83, "f1_scarce": 0.7,
                   "episodes": [{"start": iso[10], "end": iso[90], "detected": True,
                                 "lag_days": 4}]} if synthetic else None)
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
        metrics["significance"] = {
            "regime_rotation": {"sharpe_p_value": 0.04, "deflated_sharpe": 0.61},
            "random_rotation": {"sharpe_p_value": 0.48, "deflated_sharpe": 0.12},
        }
    (root / "metrics.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
    return root


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    """A synthetic run directory with truth and evaluation, no significance block."""
    return make_run_dir(tmp_path / "run")


@pytest.fixture
def run_dir_with_significance(tmp_path: Path) -> Path:
    """A run directory whose metrics.json has a ``significance`` block."""
    return make_run_dir(tmp_path / "run_sig", seed=11, significance=True)


@pytest.fixture
def make_run():
    """The run-directory factory, for tests that need a variant."""
    return make_run_dir
