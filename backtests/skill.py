"""Is there timing skill? The ``significance`` section of ``metrics.json``.

It leads with the **no-timing-skill null**: a rotation between two baskets
earns whatever the baskets earn; its claim is that *switching by regime*
adds something. So the rotation is compared first with its own no-timing
benchmarks, strategies that hold the same baskets without timing them:

* the basket blend (a ``basket_blend`` strategy, when the run has one);
* the better single basket (of the ``basket`` strategies holding the
  rotation's two baskets, the one with the higher excess Sharpe over the
  run: a conservative choice made with hindsight on purpose).

For each, on the daily *active* return ``d_t = r_rotation_t - r_benchmark_t``
(the cash fund cancels): the paired stationary-bootstrap CI of the Sharpe
difference (both series resampled on the same days), the Sharpe ratio of
``d`` (an information ratio), its PSR (probability that the true Sharpe of
``d`` exceeds 0) and its DSR over the sweep's trials, each trial's active
return taken against the same benchmark, so the expected maximum comes from
the trials' own dispersion around the no-timing benchmark.

Second, the zero-Sharpe tests of every strategy: the bootstrap CI of its
excess Sharpe, the Sharpe difference with the configured benchmark, its PSR
against 0 and, for the swept strategy, the DSR and the PBO of the sweep.

Every Sharpe ratio here is in excess of the run's cash fund and annualised
(``sqrt(252)``), unless a key says ``per_period``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import numpy as np
import pandas as pd
from scipy import stats

from backtests.config_schema import AnalysisConfig
from backtests.metrics_schema import json_float, json_ready
from backtests.paths import sharpe_columns
from backtests.significance import (
    bootstrap_sharpe,
    deflated_sharpe_ratio,
    probabilistic_sharpe_ratio,
    probability_of_backtest_overfitting,
    sharpe_per_period,
)
from data import PERIODS_PER_YEAR

__all__ = ["no_timing_benchmarks", "significance_section"]


def no_timing_benchmarks(
    strategies: Mapping[str, Mapping], rotation: str, excess: pd.DataFrame
) -> dict[str, str]:
    """The rotation's no-timing benchmarks: ``{"basket_blend": name, "best_basket": name}``.

    Parameters
    ----------
    strategies : mapping
        ``[strategies]`` tables (``kind`` and parameters).
    rotation : str
        The rotation's name.
    excess : DataFrame
        Daily excess returns per strategy (to pick the better basket).
    """
    table = strategies[rotation]
    pair = {table.get("abundant_basket", "speculative"), table.get("scarce_basket", "cash_flow")}
    found: dict[str, str] = {}
    blends = [
        n
        for n, t in strategies.items()
        if t.get("kind") == "basket_blend"
        and set(t.get("blend", ["cash_flow", "speculative"])) == pair
    ]
    if blends:
        found["basket_blend"] = blends[0]
    baskets = [
        n
        for n, t in strategies.items()
        if t.get("kind") == "basket" and t.get("basket") in pair and n in excess.columns
    ]
    if baskets:
        scores = sharpe_columns(excess[baskets].to_numpy(), None)
        order = np.argsort(-np.nan_to_num(scores, nan=-np.inf), kind="stable")
        found["best_basket"] = baskets[int(order[0])]
    return found


def _moments(values: np.ndarray) -> tuple[float, float]:
    if len(values) < 3 or np.std(values) == 0:
        return 0.0, 3.0
    return float(stats.skew(values)), float(stats.kurtosis(values, fisher=False))


def _psr(values: np.ndarray, against: float = 0.0) -> float | None:
    sharpe = cast(float, sharpe_per_period(values))  # 1-D values: a scalar
    if not np.isfinite(sharpe):
        return None
    skewness, kurtosis = _moments(values)
    return json_float(probabilistic_sharpe_ratio(sharpe, against, len(values), skewness, kurtosis))


def _null_test(
    active: np.ndarray,
    strategy: np.ndarray,
    benchmark: np.ndarray,
    settings: AnalysisConfig,
    trials_active: np.ndarray | None,
) -> dict:
    """The paired tests of the rotation against one no-timing benchmark."""
    entry = {
        "sharpe_difference": {
            k: json_float(v)
            for k, v in bootstrap_sharpe(
                strategy,
                benchmark,
                settings.mean_block_days,
                settings.bootstrap_samples,
                settings.seed,
                settings.confidence,
            ).items()
        },
        "active_sharpe": json_float(sharpe_per_period(active) * np.sqrt(PERIODS_PER_YEAR)),
        "active_psr": _psr(active),
    }
    if trials_active is not None and trials_active.shape[1] > 1:
        trials = np.asarray(sharpe_per_period(trials_active, axis=0))
        entry["active_deflated"] = {
            k: json_float(v) for k, v in deflated_sharpe_ratio(active, trials).items()
        }
    return entry


def significance_section(
    excess: pd.DataFrame,
    roles: Mapping[str, str],
    strategies: Mapping[str, Mapping],
    rotation: str | None,
    settings: AnalysisConfig,
    sweep_daily: np.ndarray | None,
    sweep_strategy: str | None,
    rf: np.ndarray,
) -> dict:
    """The ``significance`` section (see the module docstring).

    Parameters
    ----------
    excess : DataFrame of shape (n_days, n_strategies)
        Daily returns in excess of the cash fund (first row: the start, dropped).
    roles : mapping of str to str
    strategies : mapping
        ``[strategies]`` tables.
    rotation : str or None
        The strategy the null is about.
    settings : AnalysisConfig
    sweep_daily : ndarray of shape (n_days, n_trials) or None
        Daily (raw) returns of every sweep trial.
    sweep_strategy : str or None
    rf : ndarray of shape (n_days,)
        The cash fund's daily return.

    Returns
    -------
    dict
    """
    benchmark = settings.benchmark or (
        "benchmark"
        if "benchmark" in excess.columns
        else next((n for n, r in roles.items() if r == "benchmark"), None)
    )
    data = excess.iloc[1:]
    trials_excess = None if sweep_daily is None else (sweep_daily - rf[:, None])[1:]
    section: dict = {
        "convention": "Sharpe ratios in excess of the cash fund, annualised with sqrt(252)",
        "confidence": settings.confidence,
        "mean_block_days": settings.mean_block_days,
        "bootstrap_samples": settings.bootstrap_samples,
        "seed": settings.seed,
        "null": {"strategy": rotation, "benchmarks": {}},
        "benchmark": benchmark,
        "strategies": {},
    }
    if rotation is not None:
        nulls = no_timing_benchmarks(strategies, rotation, excess)
        for role, name in nulls.items():
            strategy, other = data[rotation].to_numpy(), data[name].to_numpy()
            trials_active = None
            if trials_excess is not None and sweep_strategy == rotation:
                trials_active = trials_excess - other[:, None]
            section["null"]["benchmarks"][role] = {
                "name": name,
                **_null_test(strategy - other, strategy, other, settings, trials_active),
            }
    for name in excess.columns:
        series = data[name].to_numpy(dtype=float)
        entry: dict[str, Any] = {
            "sharpe_ci": {
                k: json_float(v)
                for k, v in bootstrap_sharpe(
                    series,
                    None,
                    settings.mean_block_days,
                    settings.bootstrap_samples,
                    settings.seed,
                    settings.confidence,
                ).items()
            }
        }
        if benchmark is not None and name != benchmark:
            entry["sharpe_difference_vs_benchmark"] = {
                k: json_float(v)
                for k, v in bootstrap_sharpe(
                    series,
                    data[benchmark].to_numpy(dtype=float),
                    settings.mean_block_days,
                    settings.bootstrap_samples,
                    settings.seed,
                    settings.confidence,
                ).items()
            }
        entry["psr"] = _psr(series)
        if name == sweep_strategy and trials_excess is not None:
            trials = np.asarray(sharpe_per_period(trials_excess, axis=0))
            entry["deflated"] = {
                k: json_float(v) for k, v in deflated_sharpe_ratio(series, trials).items()
            }
            entry["pbo"] = {
                k: json_float(v)
                for k, v in probability_of_backtest_overfitting(
                    trials_excess, settings.pbo_splits
                ).items()
            }
        section["strategies"][name] = entry
    return json_ready(section)
