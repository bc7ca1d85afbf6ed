"""Benchmark: the numba sweep kernel vs vectorbt ``from_orders``.

A 20-asset, 20-year (5,040-day) daily rotation between two 10-asset baskets,
rebalanced monthly (and on regime changes for half the rules), with fees and
slippage; some assets list late. The grid is 10 regime paths x 5 scarce-cash
fractions x 4 rebalance rules x 50 fee levels = 10,000 combinations, run on
:func:`backtests.sweep.run_kernel_sweep`. Then a 200-combination subset of
the same grid runs through vectorbt as grouped columns with shared cash, in
the same process, and the two are compared (throughput and final values).

Peak memory is the process's peak resident set size (``ru_maxrss``) measured
right after the kernel phase, before vectorbt is imported; it includes the
interpreter, NumPy and numba.

Usage::

    python bench/sweep.py [--combos 10000] [--vbt-combos 200] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backtests.sweep import KernelSweep, run_kernel_sweep  # noqa: E402

N_DAYS, N_ASSETS, SEED = 5040, 20, 20240601
CASH_FRACTIONS = (0.0, 0.1, 0.25, 0.5, 0.75)
RULES = (("monthly", False), ("monthly", True), ("weekly", False), ("weekly", True))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


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
            scarce[t:t + length] = state
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
            for basket, active, scale in ((slice(0, 10), ~scarce, 1.0),
                                          (slice(10, 20), scarce, 1.0 - cash_fraction)):
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
        close=close, templates=templates, masks=masks,
        combo_template=(path * n_cash + cash_i).astype(np.int64),
        combo_mask=(path * n_rules + rule_i).astype(np.int64),
        fees=fees, slippage=np.full((n_combos, N_ASSETS), 5e-4), band=np.zeros(n_combos),
    )


def _subset(grid: KernelSweep, index: np.ndarray) -> KernelSweep:
    return KernelSweep(grid.close, grid.templates, grid.masks, grid.combo_template[index],
                       grid.combo_mask[index], grid.fees[index], grid.slippage[index],
                       grid.band[index])


def vectorbt_final_values(grid: KernelSweep, lag: int, init_cash: float) -> np.ndarray:
    """The same combinations through vectorbt ``from_orders`` as grouped columns."""
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
        close=wide_close, size=size, size_type="targetpercent", price=wide_close,
        fees=grid.fees.reshape(1, -1), slippage=grid.slippage.reshape(1, -1),
        init_cash=init_cash, group_by=group, cash_sharing=True, call_seq="auto", freq="1D",
    )
    return np.asarray(portfolio.value())[-1]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--combos", type=int, default=10_000)
    parser.add_argument("--vbt-combos", type=int, default=200)
    parser.add_argument("--chunk", type=int, default=2000)
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(SEED)
    close, templates, masks = make_world(rng)
    grid = make_grid(close, templates, masks, args.combos)
    lag, init_cash = 1, 1_000_000.0
    warm = _subset(grid, np.arange(2))
    run_kernel_sweep(warm, lag, init_cash, progress=False)  # compile / load the cache
    started, cpu_started = time.perf_counter(), time.process_time()
    stats, _ = run_kernel_sweep(grid, lag, init_cash, chunk_size=args.chunk)
    kernel_seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    peak = _peak_mb()
    rate = args.combos / kernel_seconds
    cpu_rate = args.combos / cpu_seconds
    print(f"kernel: {args.combos} backtests ({N_ASSETS} assets x {N_DAYS} days) in "
          f"{kernel_seconds:.2f} s wall = {rate:,.0f} backtests/s ({cpu_rate:,.0f} per CPU-second, "
          f"{cpu_seconds:.2f} CPU-s); peak RSS {peak:,.0f} MB; 1-min load average "
          f"{os.getloadavg()[0]:.1f}")
    subset = np.linspace(0, args.combos - 1, args.vbt_combos).astype(np.int64)
    import vectorbt  # noqa: F401 - import outside the timing

    vectorbt_final_values(_subset(grid, subset[:2]), lag, init_cash)  # warm vectorbt's numba
    started = time.perf_counter()
    final = vectorbt_final_values(_subset(grid, subset), lag, init_cash)
    vbt_seconds = time.perf_counter() - started
    vbt_rate = args.vbt_combos / vbt_seconds
    mismatch = float(np.max(np.abs(stats[subset, 0] / final - 1.0)))
    print(f"vectorbt from_orders: {args.vbt_combos} backtests in {vbt_seconds:.2f} s = "
          f"{vbt_rate:,.1f} backtests/s; speed-up {rate / vbt_rate:,.0f}x; "
          f"max relative final-value difference {mismatch:.2e}")
    if args.json:
        print(json.dumps({"backtests_per_s": round(rate, 1), "peak_mb": round(peak, 1),
                          "speedup_vs_vectorbt": round(rate / vbt_rate, 1),
                          "backtests_per_cpu_s": round(cpu_rate, 1),
                          "load_average_1min": round(os.getloadavg()[0], 2),
                          "vectorbt_backtests_per_s": round(vbt_rate, 2),
                          "max_rel_diff_vs_vectorbt": mismatch, "n_combos": args.combos}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
