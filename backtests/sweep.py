"""Parameter sweeps on the numba kernel of :mod:`backtests._nb`.

A sweep is a set of *templates* (target-weight arrays, one per regime path
and strategy option), *masks* (rebalance signal rows) and *combinations*
(template, mask, fees, slippage, no-trade band). :func:`run_kernel_sweep`
runs them in chunks, so memory stays bounded by the chunk, with a tqdm
progress bar that is silent when stderr is not a terminal.

The kernel has vectorbt ``from_orders`` fill semantics (tested against it to
1e-9 relative on final value and daily equity), so a sweep row and the same
strategy run through :func:`backtests.engine.simulate` give the same value;
vectorbt remains the engine for the strategies a user looks at.

Sharpe convention: the ``sharpe`` statistic is in excess of a per-day
risk-free return ``rf`` of shape (n_days,), the run's cash fund's daily
simple return with ``rf[0] = 0`` (:func:`backtests.metrics.cash_returns` builds it)::

    r = value.pct_change().fillna(0.0)
    (r - rf).mean() / (r - rf).std(ddof=1) * sqrt(PERIODS_PER_YEAR)

over all days. ``rf=None`` (the default everywhere) means zeros, the plain
Sharpe ratio. Annualisation uses :data:`data.base.PERIODS_PER_YEAR`.

Combinations run in parallel on numba's threads (``prange``); a
combination's statistics and equity are byte-identical whatever the chunk
size or the number of threads.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import numba
import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from backtests._nb import STAT_NAMES, sweep_nb
from backtests.orders import order_targets, parse_rule, rebalance_signals, valuation_prices
from data.base import PERIODS_PER_YEAR
from data.progress import progress_enabled

__all__ = ["KernelSweep", "rotation_sweep", "run_kernel_sweep", "stats_frame"]


@dataclass(frozen=True)
class KernelSweep:
    """Arrays of a sweep, ready for :func:`run_kernel_sweep`.

    Attributes
    ----------
    close : ndarray of shape (n_days, n_assets)
        Carried-forward closes (NaN before listing).
    templates : ndarray of shape (n_templates, n_days, n_assets)
    masks : ndarray of bool, shape (n_masks, n_days)
    combo_template, combo_mask : ndarray of int64, shape (n_combos,)
    fees, slippage : ndarray of shape (n_combos, n_assets)
        Fractions of traded value.
    band : ndarray of shape (n_combos,)
    rf : ndarray of shape (n_days,), optional
        Daily risk-free simple returns (the cash fund's, ``rf[0] = 0``) of
        the excess Sharpe ratio; None means zeros.
    """

    close: np.ndarray
    templates: np.ndarray
    masks: np.ndarray
    combo_template: np.ndarray
    combo_mask: np.ndarray
    fees: np.ndarray
    slippage: np.ndarray
    band: np.ndarray
    rf: np.ndarray | None = None

    @property
    def n_combos(self) -> int:
        return len(self.combo_template)


def _risk_free(rf, n_days: int) -> np.ndarray:
    if rf is None:
        return np.zeros(n_days)
    rates = np.ascontiguousarray(rf, dtype=np.float64)
    if rates.shape != (n_days,):
        raise ValueError(f"rf must have shape ({n_days},) (one return per day), got {rates.shape}.")
    if not np.isfinite(rates).all():
        raise ValueError("rf must be finite: use 0 on days without a cash-fund return.")
    return rates


def run_kernel_sweep(
    sweep: KernelSweep,
    lag: int,
    init_cash: float,
    chunk_size: int = 2000,
    keep_equity: bool = False,
    progress: bool | None = None,
    rf: np.ndarray | None = None,
    n_threads: int | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Run every combination on the parallel kernel, chunk by chunk.

    Parameters
    ----------
    sweep : KernelSweep
    lag : int
        Rows from signal to fill (>= 1).
    init_cash : float
    chunk_size : int, default 2000
        Combinations per kernel call; memory is O(chunk_size * n_days) when
        ``keep_equity``, else O(chunk_size).
    keep_equity : bool, default False
        Also return the daily values, shape (n_combos, n_days).
    progress : bool, optional
        Show a tqdm bar; default: :func:`data.progress.progress_enabled`.
    rf : ndarray of shape (n_days,), optional
        Daily risk-free returns of the excess Sharpe ratio; default
        ``sweep.rf``; None in both means zeros (plain Sharpe).
    n_threads : int, optional
        numba threads for this call (default: numba's current setting).
        Results do not depend on it.

    Returns
    -------
    stats : ndarray of shape (n_combos, len(STAT_NAMES))
        ``sharpe`` is in excess of ``rf``.
    equity : ndarray of shape (n_combos, n_days) or None
    """
    if lag < 1:
        raise ValueError("lag must be >= 1.")
    if chunk_size < 1:
        raise ValueError("chunk_size must be >= 1.")
    if rf is not None and sweep.rf is not None:
        raise ValueError("rf is given both in the sweep and as an argument; give it once.")
    n_days = sweep.close.shape[0]
    rates = _risk_free(sweep.rf if rf is None else rf, n_days)
    n = sweep.n_combos
    stats = np.empty((n, len(STAT_NAMES)))
    equity = np.empty((n, n_days)) if keep_equity else None
    show = progress_enabled() if progress is None else progress
    close = np.ascontiguousarray(sweep.close, dtype=np.float64)
    templates = np.ascontiguousarray(sweep.templates, dtype=np.float64)
    masks = np.ascontiguousarray(sweep.masks, dtype=np.bool_)
    combo_template = np.ascontiguousarray(sweep.combo_template, dtype=np.int64)
    combo_mask = np.ascontiguousarray(sweep.combo_mask, dtype=np.int64)
    fees = np.ascontiguousarray(sweep.fees, dtype=np.float64)
    slippage = np.ascontiguousarray(sweep.slippage, dtype=np.float64)
    band = np.ascontiguousarray(sweep.band, dtype=np.float64)
    no_equity = np.empty((0, 0))
    threads_before = numba.get_num_threads()
    if n_threads is not None:
        numba.set_num_threads(int(n_threads))
    try:
        with tqdm(
            total=n, disable=not show, unit="bt", desc="sweep", file=sys.stderr, leave=False
        ) as bar:
            for start in range(0, n, chunk_size):
                part = slice(start, min(start + chunk_size, n))
                stats[part] = sweep_nb(
                    close,
                    templates,
                    masks,
                    combo_template[part],
                    combo_mask[part],
                    fees[part],
                    slippage[part],
                    band[part],
                    int(lag),
                    float(init_cash),
                    rates,
                    equity[part] if equity is not None else no_equity,  # keep_equity
                )
                bar.update(part.stop - part.start)
    finally:
        numba.set_num_threads(threads_before)
    return stats, equity


def stats_frame(stats: np.ndarray, n_days: int, init_cash: float) -> pd.DataFrame:
    """Kernel statistics as metrics.

    ``final_value``, ``cagr``, ``sharpe``, ``max_drawdown``, ``turnover``.

    ``sharpe`` is the kernel's (in excess of the sweep's ``rf``);
    ``turnover`` is annualised one-way (as :func:`backtests.metrics.turnover`).
    """
    frame = pd.DataFrame(stats, columns=list(STAT_NAMES))
    growth = frame["final_value"] / init_cash
    frame["cagr"] = np.where(growth > 0, growth ** (PERIODS_PER_YEAR / n_days) - 1.0, -1.0)
    frame["turnover"] = frame.pop("turnover_sum") / 2.0 * PERIODS_PER_YEAR / n_days
    frame["n_fills"] = frame["n_fills"].astype(np.int64)
    return frame[["final_value", "cagr", "sharpe", "max_drawdown", "turnover", "n_fills"]]


def rotation_sweep(
    prices: pd.DataFrame,
    regime_paths: Mapping[str, pd.DataFrame],
    weight_function,
    rules: Sequence[str],
    option_grid: Mapping[str, Sequence],
    fee_bps: Sequence[float],
    slippage_bps: float | pd.Series,
    fee_overrides: Mapping[str, float],
    cash: str | None,
    band: float = 0.0,
    rf: np.ndarray | None = None,
) -> tuple[KernelSweep, pd.DataFrame]:
    """Build the sweep of a weight function over regime paths x rules x options x fees.

    Parameters
    ----------
    prices : DataFrame of shape (n_dates, n_tickers)
    regime_paths : mapping of str to DataFrame of shape (n_dates, 2)
        A label per regime path (e.g. one per classifier parameter set).
    weight_function : callable
        ``weight_function(prices, regimes, **options) -> DataFrame`` of targets.
    rules : sequence of str
        Rebalance rules (see :func:`parse_rule`).
    option_grid : mapping of str to sequence
        Strategy options to cross (e.g. ``{"scarce_cash": [0, 0.5]}``).
    fee_bps : sequence of float
        Default fee levels; tickers in ``fee_overrides`` keep their own fee.
    slippage_bps : float or Series of shape (n_tickers,)
    fee_overrides : mapping of ticker to basis points
    cash : str, optional
        Cash-fund ticker (see :func:`backtests.engine.order_targets`).
    band : float, default 0
    rf : ndarray of shape (n_dates,), optional
        Daily risk-free returns of the excess Sharpe ratio, stored in the
        sweep (e.g. ``backtests.metrics.cash_returns(prices, cash).to_numpy()``); None: plain
        Sharpe.

    Returns
    -------
    KernelSweep, DataFrame of shape (n_combos, n_params)
        The arrays, and one row of parameters per combination.
    """
    tickers = list(prices.columns)
    listed = prices.notna()
    option_names = list(option_grid)
    option_sets = list(itertools.product(*(option_grid[k] for k in option_names)))
    templates, template_key = [], {}
    masks, mask_key = [], {}
    for path_name, regimes in regime_paths.items():
        for options in option_sets:
            weights = weight_function(
                prices, regimes, **dict(zip(option_names, options, strict=True))
            )
            template_key[(path_name, options)] = len(templates)
            templates.append(order_targets(prices, weights, cash).to_numpy(dtype=float))
        for rule in rules:
            frequency, on_change = parse_rule(rule)
            mask_key[(path_name, rule)] = len(masks)
            masks.append(
                rebalance_signals(
                    cast(pd.DatetimeIndex, prices.index),
                    regimes["regime"],
                    listed,
                    frequency,
                    on_change,
                )
            )
    rows, combo_template, combo_mask, fee_rows = [], [], [], []
    for path_name, rule, options, fee in itertools.product(
        regime_paths, rules, option_sets, fee_bps
    ):
        rows.append(
            {
                "regimes": path_name,
                "rebalance": rule,
                **dict(zip(option_names, options, strict=True)),
                "fee_bps": float(fee),
            }
        )
        combo_template.append(template_key[(path_name, options)])
        combo_mask.append(mask_key[(path_name, rule)])
        fee_rows.append([float(fee_overrides.get(t, fee)) / 1e4 for t in tickers])
    n = len(rows)
    if isinstance(slippage_bps, pd.Series):
        slip_row = slippage_bps.reindex(tickers).to_numpy(dtype=float) / 1e4
    else:
        slip_row = np.full(len(tickers), float(slippage_bps) / 1e4)
    sweep = KernelSweep(
        close=valuation_prices(prices).to_numpy(dtype=float),
        templates=np.stack(templates),
        masks=np.stack(masks),
        combo_template=np.array(combo_template, dtype=np.int64),
        combo_mask=np.array(combo_mask, dtype=np.int64),
        fees=np.array(fee_rows, dtype=float).reshape(n, len(tickers)),
        slippage=np.tile(slip_row, (n, 1)),
        band=np.full(n, float(band)),
        rf=None if rf is None else _risk_free(rf, len(prices)),
    )
    return sweep, pd.DataFrame(rows)
