"""The research layer of a run: sweep, placebo distribution, walk-forward
parameter choice, significance and event study, as metrics.json sections and
CSV tables.

metrics.json keys (all deterministic for a given config)
--------------------------------------------------------
``placebos.random_regimes``
    For each ``random_regimes`` strategy: ``n_paths``, ``seed``, quantiles
    (5/25/50/75/95%) of Sharpe and CAGR over the random paths (kernel,
    same costs and rebalance rule as the strategy), the real rotation's
    Sharpe and CAGR and their percentile in that distribution, and the
    ``representative_path``: the strategy's ``path`` option (default 0, a
    plain random draw; picking it by outcome would use future returns).
    Only that path appears in returns.csv (as the strategy's column); every
    path's numbers are in ``placebos.csv``.
``sweep``
    Grid description, ``n_trials`` and the best/median/worst Sharpe; rows in
    ``sweep.csv``.
``walk_forward``
    Per fold: the parameters chosen on the (expanding) training window, its
    in-sample Sharpe and the out-of-sample Sharpe on the next window; plus
    the Sharpe of the stitched out-of-sample returns.
``significance``
    Per strategy: stationary-bootstrap CI of the Sharpe ratio and of its
    difference vs the benchmark, PSR; for the rotation also the deflated
    Sharpe ratio over the sweep's trials and the CSCV PBO of the sweep.
``event_study``
    Per transition and basket: number of events and the mean (with 95% band)
    and median cumulative return at days +20 and +60 (or the window's end);
    every day in ``event_study.csv``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import clone

from backtests.analysis import basket_returns, event_study
from backtests.engine import costs_per_ticker, order_targets, rebalance_signals
from backtests.metrics import PERIODS_PER_YEAR, json_float
from backtests.significance import (
    bootstrap_sharpe,
    deflated_sharpe_ratio,
    probabilistic_sharpe_ratio,
    probability_of_backtest_overfitting,
    sharpe_per_period,
)
from backtests.sweep import KernelSweep, rotation_sweep, run_kernel_sweep, stats_frame
from regimes import walk_forward_regimes
from strategies import random_regime_paths, regime_rotation

__all__ = [
    "ROTATION_OPTIONS",
    "event_study_section",
    "placebo_distribution",
    "significance_section",
    "sweep_section",
    "walk_forward_section",
]

#: Options of the rotation a sweep or a placebo copies from the strategy table.
ROTATION_OPTIONS = ("abundant_basket", "scarce_basket", "weighting", "vol_window", "scarce_cash")
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def _costs(config, tickers):
    fees = costs_per_ticker(tickers, config.costs.fee_bps, config.costs.overrides("fee_bps"))
    slippage = costs_per_ticker(tickers, config.costs.slippage_bps,
                                config.costs.overrides("slippage_bps"))
    return fees, slippage


def placebo_distribution(config, prices: pd.DataFrame, regimes: pd.DataFrame, baskets,
                         params: Mapping, band: float = 0.0) -> pd.DataFrame:
    """Kernel results of the rotation on every random regime path.

    Parameters
    ----------
    config : RunConfig
    prices : DataFrame of shape (n_dates, n_tickers)
    regimes : DataFrame of shape (n_dates, 2)
        The classifier's walk-forward labels (their spells are resampled).
    baskets : mapping
    params : mapping
        The ``random_regimes`` strategy table without ``kind``.
    band : float

    Returns
    -------
    DataFrame of shape (n_paths, 6)
        ``final_value``, ``cagr``, ``sharpe``, ``max_drawdown``, ``turnover``,
        ``n_fills`` per path (index = path number).
    """
    n_paths, seed = int(params.get("n_paths", 200)), int(params.get("seed", 0))
    options = {k: params[k] for k in ROTATION_OPTIONS if k in params}
    paths = random_regime_paths(regimes, n_paths, seed)
    cash = config.universe.cash if config.execution.cash_in_fund else None
    fees, slippage = _costs(config, list(prices.columns))
    listed = prices.notna()
    frames = []
    for start in range(0, n_paths, 50):  # bounded memory: 50 templates at a time
        chunk = paths[start:start + 50]
        templates = np.stack([
            order_targets(prices, regime_rotation(prices, p, baskets, **options), cash).to_numpy()
            for p in chunk
        ])
        masks = np.stack([
            rebalance_signals(prices.index, p["regime"], listed, config.rebalance.frequency,
                              config.rebalance.on_regime_change) for p in chunk
        ])
        n = len(chunk)
        sweep = KernelSweep(
            close=prices.ffill().to_numpy(dtype=float), templates=templates, masks=masks,
            combo_template=np.arange(n, dtype=np.int64), combo_mask=np.arange(n, dtype=np.int64),
            fees=np.tile(fees.to_numpy() / 1e4, (n, 1)),
            slippage=np.tile(slippage.to_numpy() / 1e4, (n, 1)), band=np.full(n, band),
        )
        stats, _ = run_kernel_sweep(sweep, config.execution.lag_days, config.execution.init_cash)
        frames.append(stats_frame(stats, len(prices), config.execution.init_cash))
    frame = pd.concat(frames, ignore_index=True)
    frame.index.name = "path"
    return frame


def placebo_section(distribution: pd.DataFrame, params: Mapping, real: Mapping[str, float],
                    path: int) -> dict:
    """metrics.json ``placebos.random_regimes`` entry (see the module docstring)."""
    section = {"n_paths": int(len(distribution)), "seed": int(params.get("seed", 0)),
               "representative_path": int(path)}
    for metric in ("sharpe", "cagr"):
        values = distribution[metric].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        section[metric] = {f"q{int(q * 100):02d}": json_float(np.quantile(values, q)) for q in QUANTILES}
        if real.get(metric) is not None and len(values):
            section[f"real_{metric}"] = json_float(real[metric])
            section[f"real_{metric}_percentile"] = float(np.mean(values < real[metric]) * 100.0)
    return section


def sweep_section(config, prices: pd.DataFrame, features: pd.DataFrame, regimes: pd.DataFrame,
                  estimator, spec, baskets) -> tuple[dict, pd.DataFrame, np.ndarray]:
    """Run the configured sweep.

    Returns
    -------
    section : dict
        metrics.json ``sweep``.
    table : DataFrame
        ``sweep.csv``: parameters and kernel metrics per combination.
    daily_returns : ndarray of shape (n_days, n_combos)
    """
    settings = config.sweep
    base = dict(config.strategies.get(settings.strategy, {}))
    options = {k: base[k] for k in ROTATION_OPTIONS if k in base and k != "scarce_cash"}
    grid = settings.classifier_grid
    names = sorted(grid)
    paths: dict[str, pd.DataFrame] = {}
    for values in itertools.product(*(grid[k] for k in names)):
        label = ",".join(f"{k}={v}" for k, v in zip(names, values, strict=True)) or "configured"
        model = clone(estimator).set_params(**dict(zip(names, values, strict=True)))
        if not names:
            paths[label] = regimes
            continue
        labelled = walk_forward_regimes(model, features, spec).reindex(regimes.index)
        paths[label] = labelled

    def weights(frame_prices, frame_regimes, scarce_cash):
        return regime_rotation(frame_prices, frame_regimes, baskets, scarce_cash=scarce_cash, **options)

    fees, slippage = _costs(config, list(prices.columns))
    cash = config.universe.cash if config.execution.cash_in_fund else None
    sweep, table = rotation_sweep(
        prices, paths, weights, settings.rules, {"scarce_cash": settings.scarce_cash},
        settings.fee_bps, slippage, config.costs.overrides("fee_bps"), cash,
        float(base.get("no_trade_band", 0.0)),
    )
    stats, equity = run_kernel_sweep(sweep, config.execution.lag_days, config.execution.init_cash,
                                      chunk_size=settings.chunk_size, keep_equity=True)
    table = pd.concat([table, stats_frame(stats, len(prices), config.execution.init_cash)], axis=1)
    table.index.name = "combo"
    previous = np.concatenate([np.full((len(equity), 1), config.execution.init_cash),
                               equity[:, :-1]], axis=1)
    daily = (equity / previous - 1.0).T
    daily[0] = 0.0
    sharpe = table["sharpe"]
    section = {
        "engine": "numba kernel (backtests._nb), vectorbt fill semantics",
        "strategy": settings.strategy,
        "grid": {"classifier": {k: list(grid[k]) for k in names}, "rules": list(settings.rules),
                 "scarce_cash": list(settings.scarce_cash), "fee_bps": list(settings.fee_bps)},
        "n_trials": int(len(table)),
        "sharpe": {"best": json_float(sharpe.max()), "median": json_float(sharpe.median()),
                   "worst": json_float(sharpe.min())},
        "best": {k: (v.item() if isinstance(v, np.generic) else v)
                 for k, v in table.loc[sharpe.idxmax()].items()} if sharpe.notna().any() else None,
    }
    section["best"] = {k: (json_float(v) if isinstance(v, float) else v) for k, v in (section["best"] or {}).items()}
    return section, table, daily


def walk_forward_section(daily: np.ndarray, table: pd.DataFrame, index: pd.DatetimeIndex,
                         n_folds: int) -> dict:
    """Choose the best in-sample combination on an expanding window; test on the next one.

    The sample is cut into ``n_folds + 1`` chronological parts; fold ``k``
    trains on parts ``0..k-1`` and tests on part ``k``.
    """
    parts = np.array_split(np.arange(daily.shape[0]), n_folds + 1)
    folds, stitched = [], []
    param_columns = [c for c in table.columns
                     if c not in ("final_value", "cagr", "sharpe", "max_drawdown", "turnover", "n_fills")]
    for k in range(1, len(parts)):
        train = np.concatenate(parts[:k])
        test = parts[k]
        in_sample = np.asarray(sharpe_per_period(daily[train], axis=0)) * np.sqrt(PERIODS_PER_YEAR)
        if not np.isfinite(in_sample).any():
            continue
        best = int(np.nanargmax(in_sample))
        out = sharpe_per_period(daily[test, best]) * np.sqrt(PERIODS_PER_YEAR)
        stitched.append(daily[test, best])
        folds.append({
            "train": [index[train[0]].strftime("%Y-%m-%d"), index[train[-1]].strftime("%Y-%m-%d")],
            "test": [index[test[0]].strftime("%Y-%m-%d"), index[test[-1]].strftime("%Y-%m-%d")],
            "chosen": {c: (table.iloc[best][c].item() if isinstance(table.iloc[best][c], np.generic)
                           else table.iloc[best][c]) for c in param_columns},
            "in_sample_sharpe": json_float(in_sample[best]),
            "out_of_sample_sharpe": json_float(out),
        })
    oos = np.concatenate(stitched) if stitched else np.zeros(0)
    in_sample_mean = np.mean([f["in_sample_sharpe"] for f in folds]) if folds else np.nan
    return {
        "n_folds": len(folds),
        "folds": folds,
        "mean_in_sample_sharpe": json_float(in_sample_mean),
        "out_of_sample_sharpe": json_float(sharpe_per_period(oos) * np.sqrt(PERIODS_PER_YEAR))
        if len(oos) > 1 else None,
    }


def significance_section(config, returns: pd.DataFrame, roles: Mapping[str, str],
                         sweep_daily: np.ndarray | None, sweep_strategy: str | None) -> dict:
    """Bootstrap CIs, PSR, and (for the swept strategy) DSR and PBO."""
    settings = config.analysis
    benchmark = settings.benchmark or (
        "benchmark" if "benchmark" in returns.columns
        else next((n for n, r in roles.items() if r == "benchmark"), None)
    )
    # the first row is the start (0 return, nothing held yet)
    data = returns.iloc[1:]
    section: dict = {"benchmark": benchmark, "mean_block_days": settings.mean_block_days,
                     "bootstrap_samples": settings.bootstrap_samples, "seed": settings.seed,
                     "strategies": {}}
    for name in returns.columns:
        series = data[name].to_numpy(dtype=float)
        entry = {"sharpe_ci": {k: json_float(v) for k, v in bootstrap_sharpe(
            series, None, settings.mean_block_days, settings.bootstrap_samples, settings.seed).items()}}
        if benchmark is not None and name != benchmark:
            entry["sharpe_difference_vs_benchmark"] = {k: json_float(v) for k, v in bootstrap_sharpe(
                series, data[benchmark].to_numpy(dtype=float), settings.mean_block_days,
                settings.bootstrap_samples, settings.seed).items()}
        sr = sharpe_per_period(series)
        entry["psr"] = json_float(probabilistic_sharpe_ratio(
            sr, 0.0, len(series), float(stats.skew(series)),
            float(stats.kurtosis(series, fisher=False)))) if np.isfinite(sr) else None
        if name == sweep_strategy and sweep_daily is not None:
            trials = np.asarray(sharpe_per_period(sweep_daily[1:], axis=0))
            entry["deflated"] = {k: json_float(v) for k, v in deflated_sharpe_ratio(series, trials).items()}
            entry["pbo"] = {k: json_float(v) for k, v in probability_of_backtest_overfitting(
                sweep_daily[1:], settings.pbo_splits).items()}
        section["strategies"][name] = entry
    return section


def event_study_section(config, prices: pd.DataFrame, labels: pd.Series, baskets
                        ) -> tuple[dict, pd.DataFrame]:
    """metrics.json ``event_study`` and the full ``event_study.csv`` table."""
    settings = config.analysis
    table = event_study(basket_returns(prices, baskets), labels, settings.event_pre,
                        settings.event_post)
    section: dict = {"pre": settings.event_pre, "post": settings.event_post,
                     "band": "t-based 95% interval of the mean", "transitions": {}}
    for (transition, basket), rows in table.groupby(["transition", "basket"], sort=True):
        entry = {"n_events": int(rows["n_events"].iloc[0])}
        for day in sorted({min(20, settings.event_post), settings.event_post}):
            row = rows[rows["day"] == day].iloc[0]
            entry[f"day_{day}"] = {k: json_float(row[k]) for k in ("mean", "median", "low", "high")}
        section["transitions"].setdefault(transition, {})[basket] = entry
    return section, table


def research_sections(config, prices: pd.DataFrame, features: pd.DataFrame,
                      regimes: pd.DataFrame, returns: pd.DataFrame, roles: Mapping[str, str],
                      estimator, spec, placebos: Mapping[str, tuple]) -> tuple[dict, dict]:
    """Every research section of metrics.json and the matching CSV tables.

    Parameters
    ----------
    placebos : mapping of strategy name to (distribution, params)
        From :func:`placebo_distribution` for each ``random_regimes`` strategy.

    Returns
    -------
    sections : dict
        ``placebos``, ``sweep``, ``walk_forward``, ``significance``, ``event_study``.
    tables : dict of str to DataFrame
        ``sweep``, ``placebos``, ``event_study`` (written as ``<key>.csv``).
    """
    baskets = config.universe.baskets
    sections: dict = {}
    tables: dict = {}
    rotation = next((n for n, t in config.strategies.items() if t["kind"] == "regime_rotation"), None)
    real = {}
    if rotation is not None:
        series = returns[rotation].iloc[1:]
        growth = float(np.prod(1.0 + series.to_numpy()))
        real = {"sharpe": sharpe_per_period(series.to_numpy()) * np.sqrt(PERIODS_PER_YEAR),
                "cagr": growth ** (PERIODS_PER_YEAR / len(returns)) - 1.0 if growth > 0 else -1.0}
    sections["placebos"] = {"random_regimes": {}, "compared_strategy": rotation}
    placebo_tables = []
    for name, (distribution, params) in placebos.items():
        sections["placebos"]["random_regimes"][name] = placebo_section(
            distribution, params, real, int(params["path"]))
        placebo_tables.append(distribution.assign(strategy=name).reset_index())
    if placebo_tables:
        tables["placebos"] = pd.concat(placebo_tables, ignore_index=True).set_index(["strategy", "path"])
    sweep_daily, sweep_strategy = None, None
    if config.sweep.enabled and config.sweep.strategy in config.strategies:
        section, table, sweep_daily = sweep_section(config, prices, features, regimes, estimator,
                                                    spec, baskets)
        sweep_strategy = config.sweep.strategy
        sections["sweep"] = section
        tables["sweep"] = table
        sections["walk_forward"] = walk_forward_section(sweep_daily, table, prices.index,
                                                        config.analysis.oos_folds)
    else:
        sections["sweep"] = None
        sections["walk_forward"] = None
    sections["significance"] = significance_section(config, returns, roles, sweep_daily,
                                                    sweep_strategy)
    sections["event_study"], tables["event_study"] = event_study_section(
        config, prices, regimes["regime"], baskets)
    return sections, tables
