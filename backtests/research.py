"""The research layer of a run: every ``metrics.json`` research section and its CSV table.

Each section gets only what it needs (the run's prices and labels, the
analysis, sweep and trading slices of the config), through
:class:`ResearchInputs`:

``bounds``
    Oracle, hindsight and delayed-label rotations, and the split of the gap
    into delay and misclassification (:mod:`backtests.bounds`; ``bounds.csv``).
``edge``, ``verdict``
    Where the edge comes from, and the plain-sentence verdict
    (:mod:`backtests.edge`).
``placebos.random_regimes``
    For each ``random_regimes`` strategy: ``n_paths``, ``seed``, quantiles
    (5/25/50/75/95%) of the excess Sharpe and the CAGR over the random paths
    (kernel, same costs and rebalance rule as the strategy), the real
    rotation's and its percentile in that distribution, and the
    ``representative_path`` (the strategy's ``path`` option: the one run by
    the engine). The paths are causal (:mod:`strategies.placebos`). Every
    path's numbers are in ``placebos.csv``.
``sweep``
    Grid description, ``n_trials`` and the best/median/worst excess Sharpe;
    rows in ``sweep.csv``.
``walk_forward``
    Per fold: the sweep configuration chosen on the (expanding) training
    window, its in-sample excess Sharpe and the out-of-sample one on the
    next window; plus the Sharpe of the stitched out-of-sample returns.
``significance``
    The no-timing-skill null first, then zero-Sharpe tests
    (:mod:`backtests.skill`).
``event_study``
    Per transition and basket: number of events and the mean (with 95% band)
    and median cumulative return at days +20 and +60 (or the window's end);
    every day in ``event_study.csv``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from backtests.analysis import basket_returns, event_study
from backtests.bounds import bounds_section
from backtests.config_schema import AnalysisConfig, SweepConfig
from backtests.edge import edge_section, verdict_section
from backtests.metrics_schema import json_float, json_ready
from backtests.paths import Trading, path_returns, sharpe_columns
from backtests.skill import no_timing_benchmarks, significance_section
from backtests.sweep import rotation_sweep, run_kernel_sweep, stats_frame
from data import PERIODS_PER_YEAR
from regimes import WalkForwardSpec
from regimes.walk_forward import walk_forward_grid
from strategies import PlaceboPaths, RotationOptions, regime_rotation

__all__ = [
    "ResearchInputs",
    "classifier_paths",
    "research_sections",
    "sweep_section",
    "walk_forward_section",
]

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


@dataclass(frozen=True)
class ResearchInputs:
    """What the research sections read.

    Attributes
    ----------
    prices : DataFrame of shape (n_days, n_tickers)
        Aligned prices over the backtest window.
    regimes, hindsight : DataFrame of shape (n_days, 2)
        Walk-forward and full-sample labels over the window.
    truth : Series or None
    features : DataFrame of shape (n_history, n_features)
        The whole feature history (the sweep refits the classifier on it).
    returns : DataFrame of shape (n_days, n_strategies)
    rf : Series of shape (n_days,)
        The cash fund's daily return (0 on the first day).
    roles : mapping of str to str
    strategies : mapping of str to mapping
        The ``[strategies]`` tables.
    baskets : mapping of str to list of str
    rotation : str or None
        The compared strategy (the first ``regime_rotation``).
    trading : Trading
    placebos : mapping of str to PlaceboPaths
    estimator : regime estimator (unfitted)
    spec : WalkForwardSpec
    delay_days : int or None
        The classifier's median detection delay against the truth.
    target : Series or None
        ``y`` of a classifier fitted on outcomes (on ``features``' index).
    """

    prices: pd.DataFrame
    regimes: pd.DataFrame
    hindsight: pd.DataFrame
    truth: pd.Series | None
    features: pd.DataFrame
    returns: pd.DataFrame
    rf: pd.Series
    roles: Mapping[str, str]
    strategies: Mapping[str, Mapping]
    baskets: Mapping[str, list]
    rotation: str | None
    trading: Trading
    placebos: Mapping[str, PlaceboPaths]
    estimator: object
    spec: WalkForwardSpec
    delay_days: int | None = None
    target: pd.Series | None = None

    @property
    def options(self) -> RotationOptions:
        """The compared rotation's options."""
        table = self.strategies.get(self.rotation or "", {})
        return RotationOptions.from_params(table)

    def rotation_weights(self, options: RotationOptions | None = None):
        """``weights(regimes)`` of the rotation with ``options`` (default: its own)."""
        options = options or self.options
        return lambda regimes: regime_rotation(self.prices, regimes, self.baskets, options)


def _quantiles(values: np.ndarray) -> dict:
    values = values[np.isfinite(values)]
    return {
        f"q{int(q * 100):02d}": json_float(np.quantile(values, q)) if len(values) else None
        for q in QUANTILES
    }


def placebo_section(
    inputs: ResearchInputs, name: str, paths: PlaceboPaths, real: Mapping[str, float]
) -> tuple[dict, pd.DataFrame]:
    """One ``placebos.random_regimes`` entry and its per-path table."""
    weights = inputs.rotation_weights(paths.options)
    frames = {i: p for i, p in enumerate(paths.paths)}
    daily = path_returns(inputs.prices, frames, weights, inputs.trading)
    values = daily.to_numpy()
    rf = inputs.rf.to_numpy()
    growth = np.prod(1.0 + values, axis=0)
    table = pd.DataFrame(
        {
            "final_value": inputs.trading.init_cash * growth,
            "cagr": np.where(growth > 0, growth ** (PERIODS_PER_YEAR / len(values)) - 1.0, -1.0),
            "sharpe": sharpe_columns(values, rf),
        },
        index=pd.RangeIndex(len(frames), name="path"),
    )
    wealth = np.cumprod(1.0 + values, axis=0)
    peak = np.maximum.accumulate(np.maximum(wealth, 1.0), axis=0)
    table["max_drawdown"] = (wealth / peak - 1.0).min(axis=0)
    section = {
        "n_paths": paths.n_paths,
        "seed": paths.seed,
        "representative_path": paths.path,
        "causal": True,
    }
    for metric in ("sharpe", "cagr"):
        values_metric = table[metric].to_numpy(dtype=float)
        section[metric] = _quantiles(values_metric)
        finite = values_metric[np.isfinite(values_metric)]
        if real.get(metric) is not None and len(finite):
            section[f"real_{metric}"] = json_float(real[metric])
            section[f"real_{metric}_percentile"] = float(np.mean(finite < real[metric]) * 100.0)
    return section, table.assign(strategy=name).reset_index().set_index(["strategy", "path"])


def classifier_paths(inputs: ResearchInputs, grid: Mapping[str, list]) -> dict[str, pd.DataFrame]:
    """The sweep's regime paths: one walk-forward per classifier-grid setting.

    Labelled ``"key=value,..."`` (keys sorted); an empty grid gives the run's
    own labels as ``"configured"``. Settings that only post-process the
    classifier's fitted score (the composite's thresholds and dwell) share one
    walk-forward score (:func:`regimes.walk_forward.walk_forward_grid`, equal
    to one walk-forward per setting).

    Returns
    -------
    dict of str to DataFrame of shape (n_days, 2)
        ``regime`` and ``p_scarce`` on the backtest window.
    """
    names = sorted(grid)
    if not names:
        return {"configured": inputs.regimes}
    settings = [
        dict(zip(names, values, strict=True))
        for values in itertools.product(*(grid[k] for k in names))
    ]
    frames = walk_forward_grid(
        inputs.estimator, inputs.features, inputs.spec, settings, y=inputs.target
    )
    window = inputs.regimes.index
    return {
        ",".join(f"{k}={v}" for k, v in setting.items()): frame.reindex(window)
        for setting, frame in zip(settings, frames, strict=True)
    }


def sweep_section(
    inputs: ResearchInputs, settings: SweepConfig, fee_overrides: Mapping[str, float]
) -> tuple[dict, pd.DataFrame, np.ndarray]:
    """Run the configured sweep on the kernel.

    Returns
    -------
    section : dict
        metrics.json ``sweep``.
    table : DataFrame
        ``sweep.csv``: parameters and kernel metrics per combination.
    daily_returns : ndarray of shape (n_days, n_combos)
    """
    base = dict(inputs.strategies.get(settings.strategy, {}))
    options = RotationOptions.from_params(base)
    grid = settings.classifier_grid
    names = sorted(grid)
    paths = classifier_paths(inputs, grid)

    def weights(frame_prices, frame_regimes, scarce_cash):
        return regime_rotation(
            frame_prices, frame_regimes, inputs.baskets, options.replace(scarce_cash=scarce_cash)
        )

    trading = inputs.trading
    sweep, table = rotation_sweep(
        inputs.prices,
        paths,
        weights,
        settings.rules,
        {"scarce_cash": settings.scarce_cash},
        settings.fee_bps,
        trading.slippage,
        fee_overrides,
        trading.cash,
        float(base.get("no_trade_band", 0.0)),
    )
    stats, equity = run_kernel_sweep(
        sweep, trading.lag_days, trading.init_cash, chunk_size=settings.chunk_size, keep_equity=True
    )
    table = pd.concat([table, stats_frame(stats, len(inputs.prices), trading.init_cash)], axis=1)
    assert equity is not None  # keep_equity=True
    previous = np.concatenate(
        [np.full((len(equity), 1), trading.init_cash), equity[:, :-1]], axis=1
    )
    daily = (equity / previous - 1.0).T
    daily[0] = 0.0
    table["sharpe"] = sharpe_columns(daily, inputs.rf.to_numpy())
    table.index.name = "combo"
    sharpe = table["sharpe"]
    best = None
    if sharpe.notna().any():
        best = {
            k: (v.item() if isinstance(v, np.generic) else v)
            for k, v in table.loc[cast(int, sharpe.idxmax())].items()
        }  # combo number
        best = {k: (json_float(v) if isinstance(v, float) else v) for k, v in best.items()}
    section = {
        "engine": "numba kernel (backtests._nb), vectorbt fill semantics",
        "strategy": settings.strategy,
        "grid": {
            "classifier": {k: list(grid[k]) for k in names},
            "rules": list(settings.rules),
            "scarce_cash": list(settings.scarce_cash),
            "fee_bps": list(settings.fee_bps),
        },
        "n_trials": int(len(table)),
        "sharpe": {
            "best": json_float(sharpe.max()),
            "median": json_float(sharpe.median()),
            "worst": json_float(sharpe.min()),
        },
        "best": best,
    }
    return section, table, daily


def walk_forward_section(
    daily: np.ndarray, table: pd.DataFrame, index: pd.DatetimeIndex, n_folds: int, rf: np.ndarray
) -> dict:
    """Choose the best in-sample combination on an expanding window; test it on the next one.

    The sample is cut into ``n_folds + 1`` chronological parts; fold ``k``
    trains on parts ``0..k-1`` and tests on part ``k``. Sharpe ratios are in
    excess of the cash fund.
    """
    excess = daily - rf[:, None]
    parts = np.array_split(np.arange(excess.shape[0]), n_folds + 1)
    folds, stitched = [], []
    param_columns = [
        c
        for c in table.columns
        if c not in ("final_value", "cagr", "sharpe", "max_drawdown", "turnover", "n_fills")
    ]
    for k in range(1, len(parts)):
        train = np.concatenate(parts[:k])
        test = parts[k]
        in_sample = sharpe_columns(excess[train])
        if not np.isfinite(in_sample).any():
            continue
        best = int(np.nanargmax(in_sample))
        out = float(sharpe_columns(excess[test, best][:, None])[0])
        stitched.append(excess[test, best])
        folds.append(
            {
                "train": [
                    index[train[0]].strftime("%Y-%m-%d"),
                    index[train[-1]].strftime("%Y-%m-%d"),
                ],
                "test": [index[test[0]].strftime("%Y-%m-%d"), index[test[-1]].strftime("%Y-%m-%d")],
                "chosen": {c: table.iloc[best][c] for c in param_columns},
                "in_sample_sharpe": json_float(in_sample[best]),
                "out_of_sample_sharpe": json_float(out),
            }
        )
    oos = np.concatenate(stitched) if stitched else np.zeros(0)
    in_sample_mean = np.mean([f["in_sample_sharpe"] for f in folds]) if folds else np.nan
    return json_ready(
        {
            "n_folds": len(folds),
            "folds": folds,
            "mean_in_sample_sharpe": json_float(in_sample_mean),
            "out_of_sample_sharpe": json_float(float(sharpe_columns(oos[:, None])[0]))
            if len(oos) > 1
            else None,
        }
    )


def event_study_section(
    prices: pd.DataFrame, labels: pd.Series, baskets, settings: AnalysisConfig
) -> tuple[dict, pd.DataFrame]:
    """metrics.json ``event_study`` and the full ``event_study.csv`` table."""
    table = event_study(
        basket_returns(prices, baskets), labels, settings.event_pre, settings.event_post
    )
    section: dict = {
        "pre": settings.event_pre,
        "post": settings.event_post,
        "band": "t-based 95% interval of the mean",
        "transitions": {},
    }
    for (transition, basket), rows in table.groupby(["transition", "basket"], sort=True):
        entry: dict[str, Any] = {"n_events": int(rows["n_events"].iloc[0])}
        for day in sorted({min(20, settings.event_post), settings.event_post}):
            row = rows[rows["day"] == day].iloc[0]
            entry[f"day_{day}"] = {k: json_float(row[k]) for k in ("mean", "median", "low", "high")}
        section["transitions"].setdefault(transition, {})[basket] = entry
    return section, table


def research_sections(
    inputs: ResearchInputs,
    analysis: AnalysisConfig,
    sweep: SweepConfig,
    fee_overrides: Mapping[str, float],
    partial: Mapping | None = None,
) -> tuple[dict, dict]:
    """Every research section of metrics.json and the matching CSV tables.

    Parameters
    ----------
    inputs : ResearchInputs
    analysis : AnalysisConfig
    sweep : SweepConfig
    fee_overrides : mapping of str to float
        Per-ticker fee overrides (the sweep's fee levels keep them).
    partial : mapping, optional
        ``run`` and ``strategies`` of metrics.json, for the verdict.

    Returns
    -------
    sections : dict
        Keyed as :data:`backtests.metrics_schema.RESEARCH_KEYS`.
    tables : dict of str to DataFrame
        ``bounds``, ``sweep``, ``placebos``, ``event_study`` (written as ``<key>.csv``).
    """
    sections: dict = {}
    tables: dict = {}
    rotation = inputs.rotation
    rf = inputs.rf
    excess = inputs.returns.sub(rf, axis=0)
    if rotation is not None and analysis.bounds:
        rivals = [n for n in no_timing_benchmarks(inputs.strategies, rotation, excess).values()]
        rivals += [
            n
            for n, t in inputs.strategies.items()
            if t.get("kind") == "basket" and n not in rivals and n in inputs.returns
        ]
        sections["bounds"], tables["bounds"] = bounds_section(
            inputs.prices,
            inputs.regimes,
            inputs.hindsight,
            inputs.truth,
            inputs.rotation_weights(),
            inputs.trading,
            rf,
            {n: inputs.returns[n] for n in dict.fromkeys(rivals)},
            inputs.delay_days,
        )
    else:
        sections["bounds"] = None
    rivals = [n for n, r in inputs.roles.items() if r == "benchmark"]
    sections["edge"] = edge_section(inputs.returns, rf, rotation, rivals)
    sections["verdict"] = []
    real = {}
    if rotation is not None:
        series = inputs.returns[rotation]
        real = {
            "sharpe": float(sharpe_columns(series.to_numpy()[:, None], rf.to_numpy())[0]),
            "cagr": float(
                np.prod(1.0 + series.to_numpy()) ** (PERIODS_PER_YEAR / len(series)) - 1.0
            ),
        }
    sections["placebos"] = {"random_regimes": {}, "compared_strategy": rotation}
    placebo_tables = []
    for name, paths in inputs.placebos.items():
        block, table = placebo_section(inputs, name, paths, real)
        sections["placebos"]["random_regimes"][name] = block
        placebo_tables.append(table)
    if placebo_tables:
        tables["placebos"] = pd.concat(placebo_tables)
    sweep_daily, sweep_strategy = None, None
    if sweep.enabled and sweep.strategy in inputs.strategies:
        section, table, sweep_daily = sweep_section(inputs, sweep, fee_overrides)
        sweep_strategy = sweep.strategy
        sections["sweep"] = section
        tables["sweep"] = table
        sections["walk_forward"] = walk_forward_section(
            sweep_daily,
            table,
            cast(pd.DatetimeIndex, inputs.prices.index),
            analysis.oos_folds,
            rf.to_numpy(),
        )
    else:
        sections["sweep"] = None
        sections["walk_forward"] = None
    sections["significance"] = significance_section(
        excess,
        inputs.roles,
        inputs.strategies,
        rotation,
        analysis,
        sweep_daily,
        sweep_strategy,
        rf.to_numpy(),
    )
    sections["event_study"], tables["event_study"] = event_study_section(
        inputs.prices, inputs.regimes["regime"], inputs.baskets, analysis
    )
    sections["verdict"] = verdict_section({**(partial or {}), **sections})
    return sections, tables
