"""A small, fake but faithful run directory, built from np.random.default_rng(seed).

It follows the run-directory interface (README, "The run directory") and the
``metrics.json`` schema 2 (:mod:`backtests.metrics_schema`; a contract test
runs :func:`backtests.metrics_schema.validate_metrics` on it): real strategy
kinds and roles, excess-of-cash ratios, per-spell drawdowns, price-only
tickers, unavailable inputs, feature availability, and every research
section. ``edge`` and ``verdict`` are computed by the runner's own pure
section builders (:mod:`backtests.edge`) so their layout cannot drift; the
other sections are written here in the runner's layout with controlled
numbers. It does not run the backtest: reports must work from the files alone.

``hostile=True`` puts markup, quotes, ``|`` and backticks into every
user-supplied string (run, strategy, basket, ticker, series, feature,
classifier, parameter, episode and file names), for the inertness tests.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backtests.edge import edge_section, verdict_section
from backtests.metrics_schema import METRICS_SCHEMA, PERFORMANCE_METRICS, metrics_json

#: Strategy name -> (kind, role), as in backtests/default.toml.
STRATEGIES = {
    "regime_rotation": ("regime_rotation", "strategy"),
    "cash_flow_basket": ("basket", "benchmark"),
    "speculative_basket": ("basket", "benchmark"),
    "basket_blend": ("basket_blend", "benchmark"),
    "benchmark": ("benchmark", "benchmark"),
    "inverse_rotation": ("inverse_rotation", "placebo"),
    "random_rotation": ("random_regimes", "placebo"),  # the name test_tearsheets uses
}
TICKERS = ["MKT", "TBIL", "MEMA", "FRUT", "INNO", "XBT-USD"]
BASKETS = {"cash_flow": ["MEMA", "FRUT"], "speculative": ["INNO", "XBT-USD"]}
FEATURES = {"net_liquidity_13w": 1.0, "hy_spread": -1.0, "vix": -1.0, "btc_momentum_3m": 1.0}
METRICS = list(PERFORMANCE_METRICS)  # the schema's own list: the fixture cannot drift

EVIL = '<script>alert("x")</script>'
#: Replacement names of hostile runs: every one carries markup, a quote, "|" or a backtick.
HOSTILE = {
    "run": f"run {EVIL} | `tick` 'q'",
    "regime_rotation": "rot<script>alert(1)</script>",
    "cash_flow_basket": 'cf"><img src=x onerror=alert(2)>',
    "basket_blend": "blend`|`<b>bold</b>",
    "cash_flow": "cash'<svg onload=alert(3)>",
    "speculative": "spec|`<iframe src=javascript:alert(4)>`",
    "MKT": 'MKT"><svg/onload=alert(5)>',
    "TBIL": "TBIL<script>alert(6)</script>",
    "FRUT": "FRUT</td><script>alert(7)</script>",
    "classifier": "<style>body{display:none}</style>",
    "vix": 'vix<a href="javascript:alert(8)">x</a>',
    "series": "DTWEX<script>alert(9)</script>",
    "episode": '<iframe src="javascript:alert(10)"></iframe>',
    "param": "<i onmouseover=alert(11)>0.5</i>",
    "file": "<img src=x onerror=alert(12)>`|'.csv",
}


def _sharpe(excess: np.ndarray) -> float | None:
    std = excess.std(ddof=1) if len(excess) > 1 else 0.0
    return float(excess.mean() / std * np.sqrt(252)) if std > 0 else None


def _drawdown(returns: np.ndarray) -> float:
    wealth = np.cumprod(1.0 + returns)
    peak = np.maximum.accumulate(np.maximum(wealth, 1.0))
    return float((wealth / peak - 1.0).min()) if len(returns) else 0.0


def _performance(returns: pd.Series, rf: pd.Series, invested: float, total_days: int) -> dict:
    values = returns.to_numpy(dtype=float)
    excess = values - rf.to_numpy(dtype=float)
    growth = float(np.prod(1.0 + values))
    years = max(len(values) / 252, 1e-9)
    downside = excess[excess < 0]
    down = float(np.sqrt(np.mean(downside**2)) * np.sqrt(252)) if len(downside) else 0.0
    return {
        "total_return": growth - 1.0,
        "cagr": growth ** (1 / years) - 1.0,
        "volatility": float(values.std(ddof=1) * np.sqrt(252)) if len(values) > 1 else None,
        "sharpe": _sharpe(excess),
        "sortino": float(excess.mean() * 252 / down) if down > 0 else None,
        "max_drawdown": _drawdown(values),
        "turnover": float(np.abs(values).mean() * 10),
        "exposure": invested,
        "hit_rate": float((values > 0).mean()) if len(values) else None,
        "share_of_time": len(values) / total_days,
    }


def _spells(returns: pd.Series, label: pd.Series, regime: str) -> dict:
    inside = (label == regime).to_numpy()
    edges = np.flatnonzero(np.diff(np.r_[0, inside.astype(int), 0]))
    drawdowns = [
        _drawdown(returns.to_numpy()[a:b]) for a, b in zip(edges[::2], edges[1::2], strict=True)
    ]
    if not drawdowns:
        return {"worst": None, "median": None, "n_spells": 0}
    return {
        "worst": float(min(drawdowns)),
        "median": float(np.median(drawdowns)),
        "n_spells": len(drawdowns),
    }


def make_run_dir(
    root: Path,
    seed: int = 7,
    n_days: int = 600,
    *,
    synthetic: bool = True,
    significance: bool = False,
    hostile: bool = False,
    stability: dict | None = None,
) -> Path:
    """Write a complete run directory under ``root`` and return it.

    Parameters
    ----------
    significance : bool
        Write every research section (else they are null, as with a run
        whose research is switched off).
    hostile : bool
        Hostile names everywhere (see :data:`HOSTILE`).
    stability : dict, optional
        ``regimes.stability`` to include.
    """
    rng = np.random.default_rng(seed)
    rename = (
        HOSTILE
        if hostile
        else {"classifier": "composite", "series": "DTWEXBGS", "episode": "crunch"}
    )

    def named(key: str) -> str:
        return rename.get(key, key)

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

    tickers = [named(t) for t in TICKERS]
    baskets = {named(b): [named(t) for t in members] for b, members in BASKETS.items()}
    steps = rng.normal(0.0003, 0.012, size=(n_days, len(TICKERS)))
    steps[:, 1] = 0.02 / 252 + rng.normal(0, 1e-5, n_days)
    steps[truth == "scarce", 4:] -= 0.002
    prices = pd.DataFrame(100 * np.exp(np.cumsum(steps, axis=0)), index=dates, columns=tickers)
    simple = prices.pct_change().fillna(0.0)
    rf = simple[named("TBIL")]
    cash_flow = simple[baskets[named("cash_flow")]].mean(axis=1)
    speculative = simple[baskets[named("speculative")]].mean(axis=1)
    held = pd.Series(label).shift(1).fillna("abundant").to_numpy()
    random_label = np.where(rng.random(n_days) < 0.3, "scarce", "abundant")

    columns = {
        "regime_rotation": np.where(held == "scarce", cash_flow, speculative),
        "cash_flow_basket": cash_flow.to_numpy(),
        "speculative_basket": speculative.to_numpy(),
        "basket_blend": (0.5 * cash_flow + 0.5 * speculative).to_numpy(),
        "benchmark": simple[named("MKT")].to_numpy(),
        "inverse_rotation": np.where(held == "scarce", speculative, cash_flow),
        "random_rotation": np.where(random_label == "scarce", cash_flow, speculative),
    }
    returns = pd.DataFrame({named(k): v for k, v in columns.items()}, index=dates)
    returns.iloc[0] = 0.0
    names = {k: named(k) for k in STRATEGIES}

    root.mkdir(parents=True, exist_ok=True)
    (root / "inputs").mkdir(exist_ok=True)
    (root / "weights").mkdir(exist_ok=True)

    def dated(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.copy()
        out.index = pd.Index(iso, name="date")
        return out

    dated(returns).to_csv(root / "returns.csv")
    pd.DataFrame({"date": iso, "regime": label, "p_scarce": p_scarce.round(6)}).to_csv(
        root / "regimes.csv", index=False
    )
    dated(prices).to_csv(root / "inputs" / "prices.csv")
    net_liquidity = 5.5e6 + np.cumsum(rng.normal(0, 8e3, n_days))
    pd.DataFrame(
        {"date": iso, "net_liquidity": net_liquidity, "walcl": net_liquidity + 1e6}
    ).to_csv(root / "inputs" / "macro.csv", index=False)
    features = [named(f) for f in FEATURES]
    dated(
        pd.DataFrame(rng.normal(size=(n_days, len(features))), index=dates, columns=features)
    ).to_csv(root / "inputs" / "features.csv")
    if synthetic:
        pd.DataFrame({"date": iso, "regime": truth}).to_csv(
            root / "inputs" / "true_regimes.csv", index=False
        )
    for name in returns.columns:
        safe = name.replace("/", "_")
        pd.DataFrame({"date": iso, tickers[2]: 0.5, tickers[4]: 0.5}).to_csv(
            root / "weights" / f"{safe}.csv", index=False
        )
    if hostile:
        (root / "inputs" / HOSTILE["file"]).write_text("a,b\n1,2\n", encoding="utf-8")
    (root / "config.toml").write_text('name = "synthetic"\n', encoding="utf-8")

    known = pd.Series(label, index=dates).shift(1)
    price_only = [named("FRUT")]
    strategies = {}
    for key, (kind, role) in STRATEGIES.items():
        name = names[key]
        series = returns[name]
        invested = 1.0 if key != "inverse_rotation" else 0.8
        entry = {
            "kind": kind,
            "role": role,
            "price_only": price_only
            if key in ("regime_rotation", "cash_flow_basket", "basket_blend", "inverse_rotation")
            else [],
            "overall": _performance(series, rf, invested, n_days),
            "by_regime": {},
        }
        for regime in ("abundant", "scarce"):
            mask = (known == regime).to_numpy()
            block = _performance(series[mask], rf[mask], invested, n_days)
            spells = _spells(series, known, regime)
            block["max_drawdown"] = spells["worst"]
            entry["by_regime"][regime] = {**block, "spell_drawdown": spells}
        entry["contribution"] = {
            named("cash_flow"): 0.04,
            named("speculative"): 0.3,
            "other": 0.0,
            "cash": 0.0,
            "costs_and_residual": -0.02,
        }
        strategies[name] = entry
    strategies[names["benchmark"]]["by_regime"]["scarce"]["sharpe"] = None  # a JSON null

    # the runner's formats: regimes.evaluate_regimes (truth metrics, or episode shares)
    evaluation = (
        {
            "balanced_accuracy": 0.79,
            "accuracy": 0.8,
            "f1_abundant": 0.83,
            "f1_scarce": 0.73,
            "median_delay_days": 15.0,
            "p90_delay_days": 39.1,
            "false_switches_per_year": 2.6,
            "n_true_switches": 12,
            "n_days": n_days,
        }
        if synthetic
        else {"episodes": episodes(iso, label, named("episode"))}
    )
    regimes = {
        "classifier": named("classifier"),
        "params": {
            "enter_threshold": named("param") if hostile else 0.5,
            "min_dwell": 10,
            "weights": {named(f): s for f, s in FEATURES.items()},
        },
        "share_scarce": float((label == "scarce").mean()),
        "switches_per_year": float((label[1:] != label[:-1]).sum() / (n_days / 252)),
        "current": {"date": iso[-1], "regime": str(label[-1]), "p_scarce": float(p_scarce[-1])},
        "in_sample_label_gap": 0.031,
        "features": {
            named(f): {"first_date": d, "sign": s}
            for (f, s), d in zip(
                FEATURES.items(), ["2004-05-10", "1997-12-30", "1994-01-26", iso[300]], strict=True
            )
        },
        "evaluation": evaluation,
    }
    if stability is not None:
        regimes["stability"] = stability
    run = {
        "name": named("run") if hostile else ("synthetic" if synthetic else "real"),
        "data_source": "synthetic" if synthetic else "csv",
        "synthetic": synthetic,
        "start": iso[0],
        "end": iso[-1],
        "requested_start": "2018-12-31",
        "history_start": "1993-01-29",
        "n_days": n_days,
        "benchmark": named("MKT"),
        "cash": named("TBIL"),
        "risk_free": f"daily return of the cash fund {named('TBIL')}",
        "config_sha256": "ab" * 32,
        "data_sha256": "cd" * 32,
        "unavailable_inputs": (
            {}
            if synthetic and not hostile
            else {named("series"): 'HTTP 404 `curl` | "quoted" <b>reason</b>'}
        ),
        "dropped_features": (
            {}
            if synthetic and not hostile
            else {named("dollar_change_13w"): f"needs {named('series')}: HTTP 404"}
        ),
        "currencies": (
            {}
            if synthetic
            else {
                named("005930.KS"): {
                    "currency": "KRW",
                    "fx_series": "DEXKOUS",
                    "fx_lag_days": 8,
                    "price_only": True,
                }
            }
        ),
        "versions": {"regime-backtester": "0.1.0", "pandas": pd.__version__},
    }
    metrics = {"schema": METRICS_SCHEMA, "run": run, "strategies": strategies, "regimes": regimes}
    if significance:
        research = _research(root, rng, dates, returns, rf, label, names, baskets)
    else:
        research = {
            "bounds": None,
            "edge": {"strategy": None},
            "verdict": [],
            "placebos": {"random_regimes": {}, "compared_strategy": names["regime_rotation"]},
            "sweep": None,
            "walk_forward": None,
            "significance": None,
            "event_study": None,
        }
    metrics.update(research)
    (root / "metrics.json").write_text(metrics_json(metrics), encoding="utf-8")
    return root


def episodes(iso, label, name: str = "crunch") -> list[dict]:
    """``regimes.evaluate.episode_shares`` format: one outside the run, one partly, one inside."""
    inside = label[20:120]
    share = float((inside == "scarce").mean())
    late = label[:30]
    late_share = float((late == "scarce").mean())
    return [
        {
            "name": "before_sample",
            "start": "2008-09-01",
            "end": "2008-12-31",
            "expected": "scarce",
            "status": "outside this run",
            "n_days": None,
            "share_abundant": None,
            "share_scarce": None,
            "share_expected": None,
        },
        {
            "name": "straddles_start",
            "start": "2018-10-01",
            "end": iso[29],
            "expected": "abundant",
            "status": "partly outside this run",
            "n_days": 30,
            "share_abundant": 1 - late_share,
            "share_scarce": late_share,
            "share_expected": 1 - late_share,
        },
        {
            "name": name,
            "start": iso[20],
            "end": iso[119],
            "expected": "scarce",
            "status": "inside",
            "n_days": 100,
            "share_abundant": 1 - share,
            "share_scarce": share,
            "share_expected": share,
        },
    ]


def stability_block(
    change: float, n_days: int = 600, seed: int = 0, leave_one_out: bool = True
) -> dict:
    """``backtests.stability.stability``'s layout: the -4y move unavailable, +-2y and +4y made."""
    rng = np.random.default_rng(seed)
    block = {
        "start_shift": {
            "-4y": {"available": False, "reason": "the data start on 1993-01-29"},
            "-2y": {
                "available": True,
                "history_start": "1991-01-29",
                "agreement": 1 - change,
                "n_days": n_days,
            },
            "+2y": {
                "available": True,
                "history_start": "1995-01-29",
                "agreement": 1 - change / 2,
                "n_days": n_days,
            },
            "+4y": {
                "available": True,
                "history_start": "1997-01-29",
                "agreement": 1 - 1.5 * change,
                "n_days": n_days,
            },
        }
    }
    if leave_one_out:
        block["leave_one_out"] = {
            f: {"available": True, "agreement": float(rng.uniform(0.6, 1.0)), "n_days": n_days}
            for f in FEATURES
        }
        block["leave_one_out"]["vix"] = {"available": False, "reason": "no feature left"}
    block["max_start_shift_change"] = change  # the worst two-year move
    block["flagged"] = bool(change > 0.2)
    return block


def _ci(rng, estimate: float) -> dict:
    half = 0.5 + 0.1 * rng.random()
    return {
        "estimate": estimate,
        "low": estimate - half,
        "high": estimate + half,
        "std_error": half / 2,
        "p_value_le_0": float(rng.random() / 2),
    }


def _research(
    root: Path, rng, dates, returns: pd.DataFrame, rf: pd.Series, label, names: dict, baskets: dict
) -> dict:
    """Every research section of metrics.json and its CSV, in backtests.research's layout."""
    iso = dates.strftime("%Y-%m-%d")
    rotation = names["regime_rotation"]
    excess = returns.sub(rf, axis=0).iloc[1:]
    sharpe = {n: _sharpe(excess[n].to_numpy()) for n in returns.columns}

    # bounds: the rotation on oracle, delayed and hindsight labels; bounds.csv
    rot = returns[rotation]
    bound_paths = pd.DataFrame(
        {
            "walk_forward": rot,
            "hindsight": rot * 1.01,
            "oracle": rot + 0.0004,
            "oracle_delayed": rot + 0.0002,
        },
        index=dates,
    )
    dated = bound_paths.copy()
    dated.index = pd.Index(iso, name="date")
    dated.to_csv(root / "bounds.csv")

    def row(series: pd.Series) -> dict:
        perf = _performance(series, rf, 1.0, len(series))
        return {k: perf[k] for k in ("sharpe", "cagr", "max_drawdown")}

    paths = {k: row(v) for k, v in bound_paths.items()}
    decomposition = {
        m: {
            "gap": paths["oracle"][m] - paths["walk_forward"][m],
            "delay": paths["oracle"][m] - paths["oracle_delayed"][m],
            "misclassification": paths["oracle_delayed"][m] - paths["walk_forward"][m],
        }
        for m in ("sharpe", "cagr")
    }
    rivals = [names[k] for k in ("basket_blend", "cash_flow_basket", "speculative_basket")]
    bounds = {
        "reference": "oracle",
        "tradable": {
            "walk_forward": True,
            "hindsight": False,
            "oracle": False,
            "oracle_delayed": False,
        },
        "oracle_unavailable": None,
        "delay_days": 12,
        "paths": paths,
        "rivals": {r: row(returns[r]) for r in rivals},
        "decomposition": decomposition,
    }

    significance = {
        "convention": "Sharpe ratios in excess of the cash fund, annualised with sqrt(252)",
        "confidence": 0.95,
        "mean_block_days": 21.0,
        "bootstrap_samples": 1000,
        "seed": 0,
        "null": {
            "strategy": rotation,
            "benchmarks": {
                "basket_blend": {
                    "name": names["basket_blend"],
                    "sharpe_difference": {
                        "estimate": 0.05,
                        "low": -0.25,
                        "high": 0.36,
                        "std_error": 0.15,
                        "p_value_le_0": 0.4,
                    },
                    "active_sharpe": 0.21,
                    "active_psr": 0.78,
                    "active_deflated": {
                        "sharpe": 0.21,
                        "psr": 0.78,
                        "dsr": 0.43,
                        "n_trials": 24.0,
                        "expected_max_sharpe": 0.19,
                    },
                },
                "best_basket": {
                    "name": names["cash_flow_basket"],
                    "sharpe_difference": {
                        "estimate": -0.12,
                        "low": -0.6,
                        "high": 0.3,
                        "std_error": 0.22,
                        "p_value_le_0": 0.7,
                    },
                    "active_sharpe": -0.1,
                    "active_psr": 0.33,
                    "active_deflated": {
                        "sharpe": -0.1,
                        "psr": 0.33,
                        "dsr": 0.05,
                        "n_trials": 24.0,
                        "expected_max_sharpe": 0.15,
                    },
                },
            },
        },
        "benchmark": names["benchmark"],
        "strategies": {},
    }
    for name in returns.columns:
        entry = {"sharpe_ci": _ci(rng, sharpe[name]), "psr": float(rng.uniform(0.5, 1))}
        if name != names["benchmark"]:
            entry["sharpe_difference_vs_benchmark"] = _ci(
                rng, sharpe[name] - sharpe[names["benchmark"]]
            )
        significance["strategies"][name] = entry
    significance["strategies"][rotation].update(
        {
            "deflated": {
                "sharpe": sharpe[rotation],
                "psr": 0.97,
                "dsr": 0.62,
                "n_trials": 24.0,
                "expected_max_sharpe": 0.04,
            },
            "pbo": {"pbo": 0.52, "logit_median": -0.1, "n_combinations": 12870.0, "n_trials": 24.0},
        }
    )

    # sweep.csv: 3 thresholds x 2 dwell x 2 rules x 2 cash levels, fee fixed
    rows = []
    for threshold in (0.25, 0.5, 0.75):
        for dwell in (5, 20):
            for rule in ("monthly", "monthly+regime_change"):
                for cash in (0.0, 0.5):
                    rows.append(
                        {
                            "regimes": f"enter_threshold={threshold},min_dwell={dwell}",
                            "rebalance": rule,
                            "scarce_cash": cash,
                            "fee_bps": 5.0,
                            "final_value": float(1e6 * rng.uniform(1, 5)),
                            "cagr": float(rng.normal(0.08, 0.03)),
                            "sharpe": float(rng.normal(0.6, 0.15)),
                            "max_drawdown": float(-rng.uniform(0.3, 0.8)),
                            "turnover": float(rng.uniform(1, 5)),
                            "n_fills": int(rng.integers(500, 1500)),
                        }
                    )
    sweep = pd.DataFrame(rows)
    sweep.index.name = "combo"
    sweep.to_csv(root / "sweep.csv")
    best = sweep.loc[sweep["sharpe"].idxmax()].to_dict()
    sweep_block = {
        "engine": "numba kernel (backtests._nb), vectorbt fill semantics",
        "strategy": rotation,
        "grid": {
            "classifier": {"enter_threshold": [0.25, 0.5, 0.75], "min_dwell": [5, 20]},
            "rules": ["monthly", "monthly+regime_change"],
            "scarce_cash": [0.0, 0.5],
            "fee_bps": [5.0],
        },
        "n_trials": len(sweep),
        "sharpe": {
            "best": float(sweep["sharpe"].max()),
            "median": float(sweep["sharpe"].median()),
            "worst": float(sweep["sharpe"].min()),
        },
        "best": {k: (v.item() if hasattr(v, "item") else v) for k, v in best.items()},
    }

    parts = np.array_split(np.arange(len(dates)), 4)
    folds = []
    for k in range(1, 4):
        folds.append(
            {
                "train": [iso[0], iso[parts[k - 1][-1]]],
                "test": [iso[parts[k][0]], iso[parts[k][-1]]],
                "chosen": {
                    "regimes": "enter_threshold=0.5,min_dwell=5",
                    "rebalance": "monthly",
                    "scarce_cash": 0.5,
                    "fee_bps": 5.0,
                },
                "in_sample_sharpe": float(rng.normal(0.8, 0.2)),
                "out_of_sample_sharpe": float(rng.normal(0.4, 0.5)),
            }
        )
    walk_forward = {
        "n_folds": 3,
        "folds": folds,
        "mean_in_sample_sharpe": float(np.mean([f["in_sample_sharpe"] for f in folds])),
        "out_of_sample_sharpe": 0.35,
    }

    placebo_name = names["random_rotation"]
    placebo_paths = pd.DataFrame(
        {
            "strategy": placebo_name,
            "path": np.arange(60),
            "final_value": rng.uniform(1e6, 5e6, 60),
            "cagr": rng.normal(0.05, 0.04, 60),
            "sharpe": rng.normal(0.3, 0.15, 60),
            "max_drawdown": -rng.uniform(0.3, 0.9, 60),
        }
    )
    placebo_paths.to_csv(root / "placebos.csv", index=False)
    real = sharpe[rotation]
    quantiles = {
        f"q{int(q * 100):02d}": float(placebo_paths["sharpe"].quantile(q))
        for q in (0.05, 0.25, 0.5, 0.75, 0.95)
    }
    cagr_q = {
        f"q{int(q * 100):02d}": float(placebo_paths["cagr"].quantile(q))
        for q in (0.05, 0.25, 0.5, 0.75, 0.95)
    }
    placebos = {
        "random_regimes": {
            placebo_name: {
                "n_paths": 60,
                "seed": 7,
                "representative_path": 0,
                "causal": True,
                "sharpe": quantiles,
                "real_sharpe": real,
                "real_sharpe_percentile": float((placebo_paths["sharpe"] < real).mean() * 100),
                "cagr": cagr_q,
                "real_cagr": 0.07,
                "real_cagr_percentile": 70.0,
            }
        },
        "compared_strategy": rotation,
    }

    # event_study.csv: the long format of backtests.analysis.event_study
    days = np.arange(-20, 61)
    event_rows = []
    for transition, n in (("into_scarce", 6), ("into_abundant", 7)):
        for basket, drift in zip(baskets, (0.0004, -0.0006), strict=True):
            mean = drift * days + rng.normal(0, 0.002, len(days)).cumsum()
            mean -= mean[20]
            for k, day in enumerate(days):
                event_rows.append(
                    {
                        "transition": transition,
                        "basket": basket,
                        "day": int(day),
                        "mean": mean[k],
                        "median": mean[k] * 0.8,
                        "low": mean[k] - 0.02,
                        "high": mean[k] + 0.02,
                        "n_events": n,
                    }
                )
    events = pd.DataFrame(event_rows)
    events.to_csv(root / "event_study.csv")
    event_block = {
        "pre": 20,
        "post": 60,
        "band": "t-based 95% interval of the mean",
        "transitions": {},
    }
    for (transition, basket), group in events.groupby(["transition", "basket"]):
        entry = {"n_events": int(group["n_events"].iloc[0])}
        for day in (20, 60):
            found = group[group["day"] == day].iloc[0]
            entry[f"day_{day}"] = {k: float(found[k]) for k in ("mean", "median", "low", "high")}
        event_block["transitions"].setdefault(transition, {})[basket] = entry

    benchmark_rivals = [n for k, n in names.items() if STRATEGIES[k][1] == "benchmark"]
    sections = {
        "bounds": bounds,
        "edge": edge_section(returns, rf, rotation, benchmark_rivals),
        "verdict": [],
        "placebos": placebos,
        "sweep": sweep_block,
        "walk_forward": walk_forward,
        "significance": significance,
        "event_study": event_block,
    }
    sections["verdict"] = verdict_section(sections)
    return sections


def make_evaluation(
    seed: int = 3,
    *,
    truth: bool = True,
    n_days: int = 600,
    names: tuple[str, ...] = ("composite", "gmm", "hmm", "jump"),
    episode_name: str = "crunch",
) -> dict:
    """An ``evaluation.json`` of ``regime-bt regimes`` in the lead's layout, per classifier."""
    rng = np.random.default_rng(seed)
    iso = pd.bdate_range("2019-01-02", periods=n_days).strftime("%Y-%m-%d")
    out = {}
    for i, name in enumerate(names):
        change = float(rng.uniform(0.01, 0.12)) if i != 1 else 0.34  # the second is unstable
        stability = stability_block(change, n_days, seed + i)
        if truth:
            edges = np.linspace(0, 1, 6)
            predicted = (edges[:-1] + edges[1:]) / 2
            entry = {
                "balanced_accuracy": float(rng.uniform(0.6, 0.9)),
                "accuracy": float(rng.uniform(0.6, 0.9)),
                "f1_abundant": float(rng.uniform(0.6, 0.9)),
                "f1_scarce": float(rng.uniform(0.4, 0.8)),
                "median_delay_days": float(rng.integers(5, 40)),
                "p90_delay_days": float(rng.uniform(40, 90)),
                "false_switches_per_year": float(rng.uniform(0.5, 4)),
                "n_true_switches": 12,
                "n_days": n_days,
                "brier": float(rng.uniform(0.08, 0.25)),
                "reliability": [
                    {
                        "low": float(lo),
                        "high": float(hi),
                        "n": int(rng.integers(0, 200)) if k != 2 else 0,
                        "mean_p_scarce": float(p),
                        "share_scarce": float(np.clip(p + rng.normal(0, 0.1), 0, 1)),
                    }
                    for k, (lo, hi, p) in enumerate(
                        zip(edges[:-1], edges[1:], predicted, strict=True)
                    )
                ],
            }
        else:
            label = np.where(rng.random(n_days) < 0.4, "scarce", "abundant")
            entry = {"episodes": episodes(iso, label, episode_name), "brier": None}
        out[name] = {**entry, "stability": stability, "seconds": float(rng.uniform(0.1, 30))}
    return out


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    """A synthetic run directory with truth and evaluation; research sections null."""
    return make_run_dir(tmp_path / "run")


@pytest.fixture
def run_dir_with_significance(tmp_path: Path) -> Path:
    """A synthetic run directory with every research section (significance, bounds, ...)."""
    return make_run_dir(tmp_path / "run_sig", seed=11, significance=True)


@pytest.fixture
def real_run_dir(tmp_path: Path) -> Path:
    """A market-data run: no truth, the episode evaluation, unavailable inputs, research."""
    return make_run_dir(tmp_path / "run_real", seed=5, synthetic=False, significance=True)


@pytest.fixture
def make_run():
    """The run-directory factory, for tests that need a variant."""
    return make_run_dir


@pytest.fixture
def evaluation_factory():
    """The ``evaluation.json`` factory (:func:`make_evaluation`)."""
    return make_evaluation


@pytest.fixture
def hostile_names() -> dict[str, str]:
    """The hostile names a ``hostile=True`` run uses (:data:`HOSTILE`)."""
    return dict(HOSTILE)


@pytest.fixture
def fixture_strategies() -> dict[str, tuple[str, str]]:
    """Strategy name -> (kind, role) of the fake run."""
    return dict(STRATEGIES)


@pytest.fixture(scope="session")
def rendered(tmp_path_factory):
    """``rendered(name, **make_run_dir kwargs) -> (run_dir, index.html text)``, built once.

    Shared by the tests of a session: never modify the returned directory.
    """
    from reports import write_dashboard

    cache: dict[str, tuple[Path, str]] = {}

    def get(name: str, **kwargs) -> tuple[Path, str]:
        if name not in cache:
            run = make_run_dir(tmp_path_factory.mktemp(name) / "run", **kwargs)
            cache[name] = (run, write_dashboard(run).read_text(encoding="utf-8"))
        return cache[name]

    return get
