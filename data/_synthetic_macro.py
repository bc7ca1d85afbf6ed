"""Macro processes of the synthetic liquidity world (private; see :mod:`data.synthetic`).

Pure array functions: regime indicators and Gaussian / Student-t innovations
in, float arrays out. Nothing here touches pandas indexes except
:func:`simulate_macro`, which only slices the simulated paths onto each
series' native calendar. Every random draw comes from the one generator the
caller passes, in a fixed order, so a seed fixes the whole world.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.signal import lfilter

if TYPE_CHECKING:
    from data.synthetic import SyntheticParams

#: Business days per year on the Mon-Fri grid the daily processes run on.
BDAYS_PER_YEAR = 261.0


def student_t(rng: np.random.Generator, df: float, size) -> np.ndarray:
    """Student-t draws scaled to unit variance (``df > 2``)."""
    return rng.standard_t(df, size=size) / np.sqrt(df / (df - 2.0))


def ar1(innovations: np.ndarray, phi: float, start: float = 0.0) -> np.ndarray:
    """``x[t] = phi * x[t-1] + innovations[t]`` with ``x[-1] = start``."""
    out, _ = lfilter([1.0], [1.0, -phi], innovations, zi=[phi * start])
    return out


def pull_toward(
    target: np.ndarray, speed: float, innovations: np.ndarray, start: float
) -> np.ndarray:
    """Discrete OU: ``x[t] = x[t-1] + speed * (target[t] - x[t-1]) + innovations[t]``."""
    return ar1(speed * np.asarray(target, dtype=float) + innovations, 1.0 - speed, start)


def half_life_speed(days: float) -> float:
    """Mean-reversion speed per step whose half-life is ``days`` steps."""
    return 1.0 - 0.5 ** (1.0 / days)


def softplus(x: np.ndarray, scale: float) -> np.ndarray:
    """Smooth floor at zero: ``scale * log(1 + exp(x / scale))``."""
    return scale * np.logaddexp(0.0, np.asarray(x, dtype=float) / scale)


def per_regime(pair: tuple[float, float], scarce: np.ndarray) -> np.ndarray:
    """``pair[0]`` where abundant, ``pair[1]`` where scarce."""
    return np.where(scarce, pair[1], pair[0])


@dataclass(frozen=True)
class MacroPaths:
    """Latent daily paths the asset model reuses (Mon-Fri grid, percent)."""

    dgs10: np.ndarray
    short_rate: np.ndarray
    series: dict[str, pd.Series]


def _stress_gauge(
    params: SyntheticParams,
    rng: np.random.Generator,
    levels: tuple[float, float],
    smooth: np.ndarray,
    market_shock: np.ndarray,
    cycle: tuple[float, float],
    daily_vol: float,
    half_life: float,
) -> np.ndarray:
    """Log of a stress gauge (HY spread, VIX).

    A log-OU (``half_life`` business days) toward ``log(levels)`` interpolated
    by the smoothed regime ``smooth``, with Student-t shocks of ``daily_vol``
    minus ``daily_vol`` times the market shock, plus an independent AR(1)
    cycle of stationary log-sd ``cycle[0]`` and half-life ``cycle[1]``.
    """
    n = smooth.size
    noise = params.noise_scale
    target = np.log(levels[0]) + np.log(levels[1] / levels[0]) * smooth
    cycle_std, cycle_half_life = cycle
    persistence = 1.0 - half_life_speed(cycle_half_life)
    slow = ar1(
        rng.standard_normal(n) * cycle_std * noise * np.sqrt(1.0 - persistence**2), persistence
    )
    shocks = daily_vol * (student_t(rng, params.tail_df, n) - market_shock) * noise
    # The regime moves the level within days (``smooth`` already carries the
    # response half-life); shocks decay at the gauge's own, slower half-life.
    return target + pull_toward(np.zeros(n), half_life_speed(half_life), shocks, 0.0) + slow


def _daily_market_series(
    params: SyntheticParams,
    rng: np.random.Generator,
    scarce: np.ndarray,
    market_shock: np.ndarray,
) -> dict[str, np.ndarray]:
    """Yields, credit spread, VIX and dollar on the Mon-Fri grid (unrounded)."""
    n = scarce.size
    noise = params.noise_scale
    # A smoothed regime indicator: daily targets respond to a regime change
    # over days to weeks, not on the day.
    smooth = pull_toward(
        scarce.astype(float), half_life_speed(params.response_half_life_days), np.zeros(n), 0.0
    )

    # 10-year yield: random walk with regime drift and weak mean reversion.
    drift = per_regime(params.yield_drift_bp_per_year, scarce) / 100.0 / BDAYS_PER_YEAR
    shocks = params.yield_daily_bp / 100.0 * student_t(rng, params.tail_df, n) * noise
    theta = half_life_speed(params.yield_half_life_years * BDAYS_PER_YEAR)
    dgs10 = pull_toward(
        np.full(n, params.yield_long_run), theta, drift + shocks, params.yield_start
    )

    # Term spread (10y - 2y): flattens in scarce (policy tightening).
    spread_target = params.term_spread[0] + (params.term_spread[1] - params.term_spread[0]) * smooth
    term = pull_toward(
        spread_target,
        half_life_speed(120.0),
        0.03 * rng.standard_normal(n) * noise,
        params.term_spread[0],
    )
    dgs2 = softplus(dgs10 - term, 0.15)
    breakeven = pull_toward(
        np.full(n, 2.2) - 0.2 * smooth,
        half_life_speed(90.0),
        0.025 * rng.standard_normal(n) * noise,
        2.3,
    )

    # Credit spread and VIX: log OU toward a regime target, plus a slow cycle
    # unrelated to liquidity, plus the market factor (down days widen spreads
    # and lift the VIX: positive skew).
    log_hy = _stress_gauge(
        params,
        rng,
        params.hy_spread,
        smooth,
        market_shock,
        cycle=(params.hy_cycle_std, 60.0),
        daily_vol=0.012,
        half_life=15.0,
    )
    log_vix = _stress_gauge(
        params,
        rng,
        params.vix_level,
        smooth,
        market_shock,
        cycle=(params.vix_cycle_std, 40.0),
        daily_vol=0.045,
        half_life=12.0,
    )

    # Broad dollar: log random walk with regime drift, anchored near 100.
    dollar_drift = per_regime(params.dollar_drift_per_year, scarce) / BDAYS_PER_YEAR
    dollar_shock = params.dollar_daily_vol * student_t(rng, params.tail_df, n) * noise
    log_dollar = pull_toward(
        np.full(n, np.log(105.0)),
        half_life_speed(4 * BDAYS_PER_YEAR),
        dollar_drift + dollar_shock,
        np.log(params.dollar_start),
    )
    return {
        "dgs10": softplus(dgs10, 0.3),
        "dgs2": dgs2,
        "breakeven": breakeven,
        "log_hy": log_hy,
        "log_vix": log_vix,
        "log_dollar": log_dollar,
    }


def _reverse_repo(
    params: SyntheticParams, rng: np.random.Generator, fed_assets_daily: np.ndarray
) -> np.ndarray:
    """Overnight RRP in billions: near zero, with a few hump-shaped episodes.

    Episodes start as a Poisson process (independent of the regime: they are
    liquidity noise the classifier must see through) and scale with the Fed
    balance sheet, so that net liquidity stays positive.
    """
    n = fed_assets_daily.size
    level = np.zeros(n)
    t = int(rng.exponential(params.rrp_episode_every_years * BDAYS_PER_YEAR))
    while t < n:
        length = int(rng.uniform(0.7, 2.5) * BDAYS_PER_YEAR)
        peak = rng.uniform(0.04, params.rrp_peak_share)
        phase = np.arange(min(length, n - t)) / length
        level[t : t + phase.size] += peak * np.sin(np.pi * phase) ** 2
        t += length + int(rng.exponential(params.rrp_episode_every_years * BDAYS_PER_YEAR))
    daily_noise = np.exp(0.08 * rng.standard_normal(n) * params.noise_scale)
    base = rng.exponential(1.0, n) * (rng.random(n) < 0.3)  # occasional small uptake
    return level * fed_assets_daily / 1000.0 * daily_noise + base


def simulate_macro(
    params: SyntheticParams,
    rng: np.random.Generator,
    truth_scarce: pd.Series,
    weekdays: pd.DatetimeIndex,
    holidays: pd.DatetimeIndex,
    market_shock: np.ndarray,
) -> MacroPaths:
    """Every macro series on its native calendar.

    Parameters
    ----------
    params : SyntheticParams
    rng : Generator
    truth_scarce : Series of bool, shape (n_calendar_days,)
        True on scarce calendar days.
    weekdays : DatetimeIndex
        Every Monday-Friday in the sample (holidays included).
    holidays : DatetimeIndex
        Weekday market holidays; daily series are NaN there.
    market_shock : ndarray of shape (len(weekdays),)
        Unit-variance market-factor shocks, shared with the asset model.

    Returns
    -------
    MacroPaths
    """
    scarce_daily = truth_scarce.reindex(weekdays).to_numpy(dtype=bool)
    paths = _daily_market_series(params, rng, scarce_daily, market_shock)
    noise = params.noise_scale

    # Weekly H.4.1 items on Wednesdays.
    wednesdays = weekdays[weekdays.day_of_week == 2]
    scarce_weekly = truth_scarce.reindex(wednesdays).to_numpy(dtype=bool)
    n_weeks = wednesdays.size
    growth = per_regime(params.fed_growth_per_year, scarce_weekly) / 52.0
    bursts = ar1(params.fed_burst_std / 52.0 * rng.standard_normal(n_weeks) * noise, 0.9)
    log_fed = np.log(params.fed_assets_start) + np.cumsum(
        growth + bursts + 0.003 * rng.standard_normal(n_weeks) * noise
    )
    fed_assets = np.exp(log_fed)
    log_share = pull_toward(
        np.log(per_regime(params.tga_share, scarce_weekly)),
        half_life_speed(6.0),
        params.tga_noise * rng.standard_normal(n_weeks) * noise,
        np.log(params.tga_share[0]),
    )
    tga = fed_assets * np.exp(log_share)

    # RRP on the daily grid, scaled by the (interpolated) balance sheet.
    fed_daily = np.exp(np.interp(weekdays.asi8, wednesdays.asi8, log_fed))
    rrp = _reverse_repo(params, rng, fed_daily)

    # NFCI on Fridays: a read of spreads and volatility plus its own noise.
    fridays = weekdays[weekdays.day_of_week == 4]
    at_friday = weekdays.get_indexer(fridays)
    nfci_noise = pull_toward(
        np.zeros(fridays.size),
        half_life_speed(8.0),
        0.10 * rng.standard_normal(fridays.size) * noise,
        0.0,
    )
    nfci = (
        -0.45
        + 0.9 * (paths["log_hy"][at_friday] - np.log(4.5))
        + 0.5 * (paths["log_vix"][at_friday] - np.log(18.0))
        + nfci_noise
    )

    # M2 on the first of each month (monthly average, dated the 1st).
    months = pd.date_range(weekdays[0].to_period("M").to_timestamp(), weekdays[-1], freq="MS")
    months = months[months >= truth_scarce.index[0]]
    scarce_monthly = truth_scarce.reindex(months).to_numpy(dtype=bool)
    m2_growth = per_regime(params.m2_growth_per_year, scarce_monthly) / 12.0 + ar1(
        params.m2_noise * rng.standard_normal(months.size) * noise, 0.7
    )
    m2 = params.m2_start * np.exp(np.cumsum(m2_growth))

    def daily(name: str, values: np.ndarray, decimals: int) -> pd.Series:
        series = pd.Series(np.round(values, decimals), index=weekdays, name=name, dtype=float)
        series[series.index.isin(holidays)] = np.nan
        series.index.name = "date"
        return series

    def sparse(name: str, index: pd.DatetimeIndex, values: np.ndarray, decimals: int) -> pd.Series:
        series = pd.Series(np.round(values, decimals), index=index, name=name, dtype=float)
        series.index.name = "date"
        return series

    dgs10 = np.round(paths["dgs10"], 2)
    dgs2 = np.round(paths["dgs2"], 2)
    series = {
        "WALCL": sparse("WALCL", wednesdays, fed_assets, 0),
        "WTREGEN": sparse("WTREGEN", wednesdays, tga, 0),
        "RRPONTSYD": daily("RRPONTSYD", rrp, 3),
        "DGS10": daily("DGS10", dgs10, 2),
        "DGS2": daily("DGS2", dgs2, 2),
        "T10Y2Y": daily("T10Y2Y", dgs10 - dgs2, 2),
        "DFII10": daily("DFII10", dgs10 - paths["breakeven"], 2),
        "BAMLH0A0HYM2": daily("BAMLH0A0HYM2", np.exp(paths["log_hy"]), 2),
        "DTWEXBGS": daily("DTWEXBGS", np.exp(paths["log_dollar"]), 4),
        "VIXCLS": daily("VIXCLS", 9.0 + softplus(np.exp(paths["log_vix"]) - 9.0, 1.5), 2),
        "NFCI": sparse("NFCI", fridays, nfci, 5),
        "M2SL": sparse("M2SL", months, m2, 1),
    }
    return MacroPaths(
        dgs10=paths["dgs10"], short_rate=softplus(paths["dgs2"] - 0.25, 0.05), series=series
    )
