"""Benchmark: the numba sweep kernel vs vectorbt ``from_orders``.

A 20-asset, 20-year (5,040-day) daily rotation between two 10-asset baskets,
rebalanced monthly or weekly (and on regime changes for half the rules), with
fees and slippage; some assets list late. The grid is 10 regime paths x 5
scarce-cash fractions x 4 rebalance rules x 50 fee levels = 10,000
combinations, run on :func:`backtests.sweep.run_kernel_sweep` with the daily
equity kept (``keep_equity=True``, 403 MB for 10,000 x 5,040 days) and the
Sharpe ratio in excess of a synthetic cash fund's returns. The kernel run is
repeated (``--repeats``) and the best wall time is reported with its CPU
time (user and system apart: the system time is mostly the first writes to
the new 403 MB equity array); numba uses all its threads (``--threads`` to
change). On a shared machine the wall-clock rate tracks the load; the rate
per CPU-second times the number of cores is what an idle machine gives.

Then a 200-combination subset of the same grid runs through vectorbt as
grouped columns with shared cash, in the same process, and the two are
compared: throughput, final values and daily equity (relative differences),
and the kernel's Sharpe ratio against the pandas expression on its own
equity curve.

Peak memory is the process's peak resident set size (``ru_maxrss``) measured
right after the kernel phase, before vectorbt runs; it includes the
interpreter and the imported packages (importing ``backtests`` imports
vectorbt). Throughput depends on what else runs on the machine, so the
1-minute load average is printed next to every figure.

Usage::

    python bench/sweep.py [--combos 10000] [--vbt-combos 200] [--repeats 3] [--threads N] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import numba
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backtests.sweep import KernelSweep, run_kernel_sweep
from data.base import PERIODS_PER_YEAR

N_DAYS, N_ASSETS, SEED = 5040, 20, 20240601
CASH_FRACTIONS = (0.0, 0.1, 0.25, 0.5, 0.75)
RULES = (("monthly", False), ("monthly", True), ("weekly", False), ("weekly", True))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _load() -> float:
    return os.getloadavg()[0]


def make_risk_free(rng: np.random.Generator) -> np.ndarray:
    """Daily returns of a synthetic cash fund (about 2% a year), ``rf[0] = 0``."""
    rates = np.abs(rng.normal(0.02, 0.01, size=N_DAYS)) / PERIODS_PER_YEAR
    rates[0] = 0.0
    return rates


def make_world(rng: np.random.Generator, n_paths: int = 10):
    """Prices, regime paths, templates and masks of the benchmark grid."""
    steps = rng.normal(0.0003, 0.018, size=(N_DAYS, N_ASSETS))
    close = 100.0 * np.exp(np.cumsum(steps, axis=0))
    close[: rng.integers(200, 1500), 3] = np.nan  # late listings
    close[: rng.integers(200, 1500), 14] = np.nan
    listed = ~np.isnan(close)
    month_start = np.zeros(N_DAYS, dtype=bool)
    month_start[::21] = True
    week_start = np.zeros(N_DAYS, dtype=bool)
    week_start[::5] = True
    templates, masks = [], []
    for _ in range(n_paths):
        spells = rng.geometric(1 / 120, size=N_DAYS)
        scarce = np.zeros(N_DAYS, dtype=bool)
        t, state = 0, bool(rng.integers(2))
        for length in spells:
            scarce[t : t + length] = state
            t += length
            state = not state
            if t >= N_DAYS:
                break
        change = np.r_[True, scarce[1:] != scarce[:-1]]
        listing_change = np.r_[True, (listed[1:] != listed[:-1]).any(axis=1)]
        for frequency, on_change in RULES:
            mask = (month_start if frequency == "monthly" else week_start) | listing_change
            masks.append(mask | change if on_change else mask.copy())
        for cash_fraction in CASH_FRACTIONS:
            weights = np.zeros((N_DAYS, N_ASSETS))
            for basket, active, scale in (
                (slice(0, 10), ~scarce, 1.0),
                (slice(10, 20), scarce, 1.0 - cash_fraction),
            ):
                members = listed[:, basket]
                count = members.sum(axis=1, keepdims=True)
                share = np.divide(members, count, out=np.zeros(members.shape), where=count > 0)
                weights[:, basket] = share * (active[:, None] * scale)
            templates.append(weights)
    return close, np.stack(templates), np.stack(masks)


def make_grid(close, templates, masks, n_combos: int, n_paths: int = 10) -> KernelSweep:
    """Combination ``c`` -> (path, cash fraction, rule, fee level), fees 0 to 49 bp."""
    n_cash, n_rules = len(CASH_FRACTIONS), len(RULES)
    per_path = n_cash * n_rules * 50
    c = np.arange(n_combos)
    path, rest = np.divmod(c % (n_paths * per_path), per_path)
    cash_i, rest = np.divmod(rest, n_rules * 50)
    rule_i, fee_i = np.divmod(rest, 50)
    fees = np.repeat((fee_i * 1.0 / 1e4)[:, None], N_ASSETS, axis=1)
    return KernelSweep(
        close=close,
        templates=templates,
        masks=masks,
        combo_template=(path * n_cash + cash_i).astype(np.int64),
        combo_mask=(path * n_rules + rule_i).astype(np.int64),
        fees=fees,
        slippage=np.full((n_combos, N_ASSETS), 5e-4),
        band=np.zeros(n_combos),
    )


def _subset(grid: KernelSweep, index: np.ndarray) -> KernelSweep:
    return KernelSweep(
        grid.close,
        grid.templates,
        grid.masks,
        grid.combo_template[index],
        grid.combo_mask[index],
        grid.fees[index],
        grid.slippage[index],
        grid.band[index],
        grid.rf,
    )


def pandas_excess_sharpe(equity: np.ndarray, rf: np.ndarray) -> np.ndarray:
    """The kernel's Sharpe definition as a pandas expression, one per equity row."""
    frame = pd.DataFrame(equity.T)
    excess = frame.pct_change().fillna(0.0).sub(rf, axis=0)
    return (excess.mean() / excess.std(ddof=1) * np.sqrt(PERIODS_PER_YEAR)).to_numpy()


def vectorbt_values(grid: KernelSweep, lag: int, init_cash: float) -> np.ndarray:
    """The same combinations through vectorbt ``from_orders`` as grouped columns.

    Returns the daily values, shape (n_combos, n_days).
    """
    import vectorbt as vbt

    n = grid.n_combos
    close = np.where(np.isnan(grid.close), np.nan, grid.close)
    for t in range(1, len(close)):
        gap = np.isnan(close[t])
        close[t, gap] = close[t - 1, gap]
    blocks = []
    for c in range(n):
        target = grid.templates[grid.combo_template[c]]
        mask = grid.masks[grid.combo_mask[c]]
        orders = np.full(target.shape, np.nan)
        orders[lag:] = np.where(mask[:-lag, None], target[:-lag], np.nan)
        orders[np.isnan(close)] = np.nan
        blocks.append(orders)
    size = np.concatenate(blocks, axis=1)
    wide_close = np.tile(close, (1, n))
    group = np.repeat(np.arange(n), close.shape[1])
    portfolio = vbt.Portfolio.from_orders(
        close=wide_close,
        size=size,
        size_type="targetpercent",
        price=wide_close,
        fees=grid.fees.reshape(1, -1),
        slippage=grid.slippage.reshape(1, -1),
        init_cash=init_cash,
        group_by=group,
        cash_sharing=True,
        call_seq="auto",
        freq="1D",
    )
    return np.asarray(portfolio.value()).T


def time_kernel(grid: KernelSweep, lag: int, init_cash: float, chunk: int, repeats: int):
    """Best-of-``repeats`` kernel run with the equity kept.

    Returns (stats, equity, wall_s, cpu_s, user_s, system_s) of the run with
    the best wall time. CPU-seconds are user + system time of the process
    (all numba threads); the system time is mostly the kernel zeroing the
    pages of the new equity array as the threads first write them.
    """
    best = (np.inf, np.inf, np.inf, np.inf)
    stats = equity = None
    for _ in range(repeats):
        stats = equity = None  # free the last run's 403 MB before the next one
        started, times_started = time.perf_counter(), os.times()
        stats, equity = run_kernel_sweep(
            grid, lag, init_cash, chunk_size=chunk, keep_equity=True, progress=False
        )
        wall, times = time.perf_counter() - started, os.times()
        user, system = times.user - times_started.user, times.system - times_started.system
        print(
            f"  run: {wall:.2f} s wall, {user + system:.2f} CPU-s ({user:.2f} user, "
            f"{system:.2f} system), load {_load():.2f}",
            file=sys.stderr,
        )
        if wall < best[0]:
            best = (wall, user + system, user, system)
    return stats, equity, *best


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--combos", type=int, default=10_000)
    parser.add_argument("--vbt-combos", type=int, default=200)
    parser.add_argument("--chunk", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="numba threads (default: all)")
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    args = parser.parse_args(argv)
    if args.threads is not None:
        numba.set_num_threads(args.threads)
    threads = numba.get_num_threads()
    rng = np.random.default_rng(SEED)
    close, templates, masks = make_world(rng)
    grid = make_grid(close, templates, masks, args.combos)
    grid = KernelSweep(**{**grid.__dict__, "rf": make_risk_free(rng)})
    lag, init_cash = 1, 1_000_000.0
    run_kernel_sweep(_subset(grid, np.arange(2)), lag, init_cash, progress=False)  # compile / load
    load_before = _load()
    stats, equity, kernel_seconds, cpu_seconds, user_seconds, system_seconds = time_kernel(
        grid, lag, init_cash, args.chunk, args.repeats
    )
    load_after = _load()
    peak = _peak_mb()
    rate = args.combos / kernel_seconds
    cpu_rate = args.combos / cpu_seconds
    print(
        f"kernel: {args.combos} backtests ({N_ASSETS} assets x {N_DAYS} days, daily equity "
        f"kept) in {kernel_seconds:.2f} s wall = {rate:,.0f} backtests/s on {threads} numba "
        f"threads; {cpu_seconds:.2f} CPU-s ({system_seconds:.2f} of them system: first "
        f"writes to the equity array) = {cpu_rate:,.0f} backtests per CPU-second; best of "
        f"{args.repeats}; peak RSS {peak:,.0f} MB; 1-min load average {load_before:.2f} before, "
        f"{load_after:.2f} after"
    )
    subset = np.linspace(0, args.combos - 1, args.vbt_combos).astype(np.int64)
    vectorbt_values(_subset(grid, subset[:2]), lag, init_cash)  # warm vectorbt's numba
    started = time.perf_counter()
    values = vectorbt_values(_subset(grid, subset), lag, init_cash)
    vbt_seconds = time.perf_counter() - started
    vbt_rate = args.vbt_combos / vbt_seconds
    final_diff = float(np.max(np.abs(stats[subset, 0] / values[:, -1] - 1.0)))
    equity_diff = float(np.max(np.abs(equity[subset] / values - 1.0)))
    sharpe_diff = float(
        np.max(np.abs(stats[subset, 3] - pandas_excess_sharpe(equity[subset], grid.rf)))
    )
    print(
        f"vectorbt from_orders: {args.vbt_combos} backtests in {vbt_seconds:.2f} s = "
        f"{vbt_rate:,.1f} backtests/s (load {_load():.2f}); speed-up {rate / vbt_rate:,.0f}x; "
        f"max relative difference: final value {final_diff:.2e}, daily equity "
        f"{equity_diff:.2e}; max |sharpe - pandas| {sharpe_diff:.2e}"
    )
    if args.json:
        print(
            json.dumps(
                {
                    "backtests_per_s": round(rate, 1),
                    "peak_mb": round(peak, 1),
                    "speedup_vs_vectorbt": round(rate / vbt_rate, 1),
                    "backtests_per_cpu_s": round(cpu_rate, 1),
                    "wall_s": round(kernel_seconds, 3),
                    "cpu_s": round(cpu_seconds, 3),
                    "cpu_user_s": round(user_seconds, 3),
                    "cpu_system_s": round(system_seconds, 3),
                    "repeats": args.repeats,
                    "numba_threads": threads,
                    "threading_layer": numba.threading_layer(),
                    "keep_equity": True,
                    "load_average_1min": round(load_before, 2),
                    "load_average_1min_after": round(load_after, 2),
                    "vectorbt_backtests_per_s": round(vbt_rate, 2),
                    "max_rel_diff_vs_vectorbt": max(final_diff, equity_diff),
                    "max_rel_diff_final_value": final_diff,
                    "max_rel_diff_equity": equity_diff,
                    "max_abs_diff_sharpe_vs_pandas": sharpe_diff,
                    "n_combos": args.combos,
                    "n_days": N_DAYS,
                    "n_assets": N_ASSETS,
                }
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
