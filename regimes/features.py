"""Liquidity features: point-in-time panels in, causal feature frames out.

Every feature is a function of the point-in-time macro panel (see
:func:`data.align_macro`) and the aligned price panel, evaluated on the
trading calendar. Each uses only rows up to ``t`` for day ``t``: trailing
differences and trailing windows, never centred ones. Standardisation is an
expanding (or trailing rolling) z-score, so a feature's scale on day ``t``
is also estimated from the past only.

Sign convention: each feature has an ``abundant_sign``: +1 when a high value
means capital is abundant, -1 when it means capital is scarce. The composite
classifier multiplies by it, so that a positive score means "abundant".

Gaps and staleness (the decision, for real data)
------------------------------------------------
The as-of join (:func:`data.align_macro`) carries the last *released* value
forward, which is what a user knew on the day. Carried forever, though, a
series that stops being published (the WTREGEN hole 2025-11-26..2025-12-31 in
the curated snapshot, a discontinued id) would feed a frozen number into the
features for months. So each known series has a maximum staleness,
:data:`MAX_STALENESS_DAYS`, in calendar days since its latest release: about
two normal release intervals (10 days for daily series, to ride over long
holiday weekends; 14 for weekly ones, i.e. one missed week; 45 for monthly
ones). Past it the value is NaN until the next release. Consequences:

* a level feature (``vix``, ``hy_spread``, ...) is NaN on those days;
* a change feature (``net_liquidity_13w``, ``dgs10_change_13w``, ...) is NaN
  when either end of its 63-day difference is NaN: on the gap's days and on
  the days 63 trading days after them (no interpolation across a hole; on
  the curated snapshot, 44 trading days around the WTREGEN hole);
* the classifier falls back: the composite score is the NaN-aware weighted
  mean of the features that *are* finite that day, so a gap in one series
  removes one input instead of stopping the run. A day with no finite
  feature has no score and the regime is carried by the hysteresis.

One exception, :data:`STALE_VALUES`: an overnight reverse repo
(``RRPONTSYD``) value that is more than 5 days old becomes 0, not NaN. FRED
leaves the field empty on days with no operation, and no operation means
nothing outstanding overnight: before the standing facility (2013-09-23)
operations were occasional tests, so 97 % of weekdays are empty and net
liquidity would otherwise be undefined for 2003-2013. Within 5 days (a
holiday weekend, or a bond-market holiday like Columbus Day when stocks
trade) the last operation is carried, so holidays do not fake a 2-trillion
swing. Series not listed are carried forever (the plain as-of rule).
Both tables are overridable in config: ``[data.max_staleness_days]``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data import DataError

__all__ = [
    "FEATURES",
    "MAX_STALENESS_DAYS",
    "STALE_VALUES",
    "FeatureSpec",
    "build_features",
    "compute_raw_features",
    "net_liquidity",
    "standardise",
]

#: Trading days in 13 weeks, the horizon of the change features.
QUARTER_DAYS = 63

#: Trading days in 4 weeks, the horizon of the fast change features.
MONTH_DAYS = 21

#: Trading days in 6 months, the trailing mean of the relative VIX feature.
HALF_YEAR_DAYS = 126

#: Maximum age in calendar days of the latest release before a macro value
#: expires (see "Gaps and staleness" above). Overridable per series in config.
MAX_STALENESS_DAYS: dict[str, int] = {
    # weekly (H.4.1, Chicago/St. Louis Fed indices): one missed week
    "WALCL": 14, "WTREGEN": 14, "NFCI": 14, "STLFSI4": 14,
    # daily: long holiday weekends plus a late posting
    "RRPONTSYD": 5, "DGS10": 10, "DGS2": 10, "DGS30": 10, "T10Y2Y": 10, "T10Y3M": 10,
    "DFII10": 10, "T10YIE": 10, "BAMLH0A0HYM2": 10, "BAA10Y": 10, "VIXCLS": 10,
    "DFF": 10, "SOFR": 10,
    # daily values released weekly (H.10)
    "DTWEXBGS": 14,
    # monthly
    "M2SL": 45, "FEDFUNDS": 45,
}

#: What an expired value becomes when not NaN (see "Gaps and staleness").
STALE_VALUES: dict[str, float] = {"RRPONTSYD": 0.0}


def net_liquidity(macro: pd.DataFrame) -> pd.Series:
    """Fed balance sheet minus TGA minus overnight reverse repo, in millions USD.

    ``WALCL - WTREGEN - RRPONTSYD * 1000`` (RRPONTSYD is in billions).
    Computed on the point-in-time panel, so each component is the latest
    value released by day ``t``. A component that has not been released yet
    makes the sum NaN; a component with a publication gap contributes its
    last released value (the as-of rule) until it expires under
    :data:`MAX_STALENESS_DAYS`, after which the sum is NaN (RRPONTSYD expires
    to 0, see the module docstring).

    Parameters
    ----------
    macro : DataFrame of shape (n_dates, n_series)
        Point-in-time macro panel with columns ``WALCL``, ``WTREGEN`` and
        ``RRPONTSYD``.

    Returns
    -------
    Series of shape (n_dates,)
        Named ``"net_liquidity"``.
    """
    _require(macro, ("WALCL", "WTREGEN", "RRPONTSYD"), "net_liquidity")
    value = macro["WALCL"] - macro["WTREGEN"] - macro["RRPONTSYD"] * 1000.0
    return value.rename("net_liquidity")


def _require(frame: pd.DataFrame, columns: Sequence[str], feature: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            f"feature {feature!r} needs series {', '.join(missing)}, which the data source "
            f"did not provide. Add them to `data.series` or drop {feature!r} from "
            "`features.use`."
        )


def _change(series: pd.Series, periods: int = QUARTER_DAYS) -> pd.Series:
    return series - series.shift(periods)


def _log_change(series: pd.Series, periods: int = QUARTER_DAYS) -> pd.Series:
    positive = series.where(series > 0)
    return np.log(positive) - np.log(positive.shift(periods))


@dataclass(frozen=True)
class FeatureSpec:
    """One named feature.

    Attributes
    ----------
    compute : callable
        ``compute(macro, prices) -> Series`` on the trading calendar, causal.
    series : tuple of str
        Macro series ids (or ``"price:<TICKER>"``) it needs.
    abundant_sign : int
        +1 if high values mean abundant capital, -1 if they mean scarce.
    description : str
        One line for ``regime-bt list`` and the docs.
    """

    compute: Callable[[pd.DataFrame, pd.DataFrame], pd.Series]
    series: tuple[str, ...]
    abundant_sign: int
    description: str


def _net_liquidity_13w(macro: pd.DataFrame, prices: pd.DataFrame) -> pd.Series:
    level = net_liquidity(macro)
    # Relative change, so the feature is comparable across decades of growth.
    return (level - level.shift(QUARTER_DAYS)) / level.shift(QUARTER_DAYS).abs()


def _series_change(series_id: str) -> Callable[[pd.DataFrame, pd.DataFrame], pd.Series]:
    def compute(macro: pd.DataFrame, prices: pd.DataFrame) -> pd.Series:
        _require(macro, (series_id,), f"{series_id} change")
        return _change(macro[series_id])

    return compute


def _series_change_4w(series_id: str) -> Callable[[pd.DataFrame, pd.DataFrame], pd.Series]:
    def compute(macro: pd.DataFrame, prices: pd.DataFrame) -> pd.Series:
        _require(macro, (series_id,), f"{series_id} 4-week change")
        return _change(macro[series_id], MONTH_DAYS)

    return compute


def _dollar_change_4w(macro: pd.DataFrame, prices: pd.DataFrame) -> pd.Series:
    _require(macro, ("DTWEXBGS",), "dollar_change_4w")
    return _log_change(macro["DTWEXBGS"], MONTH_DAYS)


def _vix_change_4w(macro: pd.DataFrame, prices: pd.DataFrame) -> pd.Series:
    _require(macro, ("VIXCLS",), "vix_change_4w")
    return _log_change(macro["VIXCLS"], MONTH_DAYS)


def _vix_relative_6m(macro: pd.DataFrame, prices: pd.DataFrame) -> pd.Series:
    _require(macro, ("VIXCLS",), "vix_relative_6m")
    log_vix = np.log(macro["VIXCLS"].where(macro["VIXCLS"] > 0))
    # Trailing mean over rows <= t (NaN until a full window is observed).
    return log_vix - log_vix.rolling(HALF_YEAR_DAYS, min_periods=HALF_YEAR_DAYS).mean()


def _series_level(series_id: str) -> Callable[[pd.DataFrame, pd.DataFrame], pd.Series]:
    def compute(macro: pd.DataFrame, prices: pd.DataFrame) -> pd.Series:
        _require(macro, (series_id,), f"{series_id} level")
        return macro[series_id].copy()

    return compute


def _dollar_change(macro: pd.DataFrame, prices: pd.DataFrame) -> pd.Series:
    _require(macro, ("DTWEXBGS",), "dollar_change_13w")
    return _log_change(macro["DTWEXBGS"])


def _m2_growth(macro: pd.DataFrame, prices: pd.DataFrame) -> pd.Series:
    _require(macro, ("M2SL",), "m2_growth_1y")
    return _log_change(macro["M2SL"], 252)


def _btc_momentum(macro: pd.DataFrame, prices: pd.DataFrame) -> pd.Series:
    candidates = [c for c in ("BTC-USD", "XBT-USD") if c in prices.columns]
    if not candidates:
        raise DataError(
            "feature 'btc_momentum_3m' needs a Bitcoin price column (BTC-USD or XBT-USD). "
            "Add it to the universe or drop the feature from `features.use`."
        )
    return _log_change(prices[candidates[0]])


#: Registry of the built-in features, by name.
FEATURES: dict[str, FeatureSpec] = {
    "net_liquidity_13w": FeatureSpec(
        _net_liquidity_13w, ("WALCL", "WTREGEN", "RRPONTSYD"), +1,
        "13-week relative change of net liquidity (WALCL - WTREGEN - RRP)",
    ),
    "dgs10_change_13w": FeatureSpec(
        _series_change("DGS10"), ("DGS10",), -1, "13-week change of the 10-year yield (pp)",
    ),
    "hy_spread": FeatureSpec(
        _series_level("BAMLH0A0HYM2"), ("BAMLH0A0HYM2",), -1, "high-yield credit spread level (pp)",
    ),
    "hy_spread_change_13w": FeatureSpec(
        _series_change("BAMLH0A0HYM2"), ("BAMLH0A0HYM2",), -1,
        "13-week change of the high-yield credit spread (pp)",
    ),
    "dollar_change_13w": FeatureSpec(
        _dollar_change, ("DTWEXBGS",), -1, "13-week log change of the broad dollar index",
    ),
    "vix": FeatureSpec(_series_level("VIXCLS"), ("VIXCLS",), -1, "VIX level"),
    "curve_10y2y": FeatureSpec(
        _series_level("T10Y2Y"), ("T10Y2Y",), +1, "10y minus 2y Treasury spread (pp)",
    ),
    "real_yield_10y": FeatureSpec(
        _series_level("DFII10"), ("DFII10",), -1, "10-year TIPS real yield (pp)",
    ),
    "nfci": FeatureSpec(
        _series_level("NFCI"), ("NFCI",), -1, "Chicago Fed financial conditions (positive = tight)",
    ),
    "m2_growth_1y": FeatureSpec(
        _m2_growth, ("M2SL",), +1, "1-year log growth of M2 money stock",
    ),
    "btc_momentum_3m": FeatureSpec(
        _btc_momentum, ("price:BTC-USD",), +1, "3-month log return of Bitcoin (liquidity gauge)",
    ),
    "dgs2_change_13w": FeatureSpec(
        _series_change("DGS2"), ("DGS2",), -1, "13-week change of the 2-year yield (pp)",
    ),
    # Fast-reacting variants (4 weeks, or relative to a trailing mean): stress
    # gauges reprice within days of a liquidity shock, so a 13-week change
    # lags a regime switch by construction (half its move comes ~6 weeks in).
    "dgs10_change_4w": FeatureSpec(
        _series_change_4w("DGS10"), ("DGS10",), -1, "4-week change of the 10-year yield (pp)",
    ),
    "hy_spread_change_4w": FeatureSpec(
        _series_change_4w("BAMLH0A0HYM2"), ("BAMLH0A0HYM2",), -1,
        "4-week change of the high-yield credit spread (pp)",
    ),
    "dollar_change_4w": FeatureSpec(
        _dollar_change_4w, ("DTWEXBGS",), -1, "4-week log change of the broad dollar index",
    ),
    "vix_change_4w": FeatureSpec(
        _vix_change_4w, ("VIXCLS",), -1, "4-week log change of the VIX",
    ),
    "vix_relative_6m": FeatureSpec(
        _vix_relative_6m, ("VIXCLS",), -1,
        "log VIX minus its trailing 6-month (126-day) mean of log VIX",
    ),
}


def compute_raw_features(
    macro: pd.DataFrame, prices: pd.DataFrame, names: Sequence[str]
) -> pd.DataFrame:
    """Evaluate the named features on the trading calendar, unstandardised.

    Parameters
    ----------
    macro : DataFrame of shape (n_dates, n_series)
        Point-in-time macro panel on the trading calendar.
    prices : DataFrame of shape (n_dates, n_tickers)
        Aligned prices on the same calendar.
    names : sequence of str
        Keys of :data:`FEATURES`.

    Returns
    -------
    DataFrame of shape (n_dates, len(names))
    """
    unknown = [n for n in names if n not in FEATURES]
    if unknown:
        raise DataError(
            f"unknown feature(s) {unknown}; available: {', '.join(FEATURES)}."
        )
    columns = {name: FEATURES[name].compute(macro, prices).astype(float) for name in names}
    frame = pd.DataFrame(columns, index=macro.index)
    return frame.replace([np.inf, -np.inf], np.nan)


def standardise(
    raw: pd.DataFrame, window: int | None = None, min_periods: int = 252, clip: float = 5.0
) -> pd.DataFrame:
    """Causal z-score: (x_t - mean) / std over an expanding or trailing window.

    The statistics for day ``t`` use rows ``<= t`` only. A feature whose
    trailing standard deviation is zero (a constant stretch) is NaN there,
    never infinite.

    Parameters
    ----------
    raw : DataFrame of shape (n_dates, n_features)
    window : int or None, default None
        Trailing window in trading days; None means expanding.
    min_periods : int, default 252
        Rows needed before a value is produced.
    clip : float, default 5.0
        Absolute cap on the z-score, so one extreme print cannot dominate.

    Returns
    -------
    DataFrame of shape (n_dates, n_features)
    """
    if window is None:
        stats = raw.expanding(min_periods=min_periods)
    else:
        stats = raw.rolling(window=window, min_periods=min_periods)
    mean = stats.mean()
    std = stats.std(ddof=0)
    std = std.where(std > 1e-12 * (1.0 + mean.abs()))
    return ((raw - mean) / std).clip(-clip, clip)


def build_features(
    macro: pd.DataFrame,
    prices: pd.DataFrame,
    names: Sequence[str],
    window: int | None = None,
    min_periods: int = 252,
) -> pd.DataFrame:
    """Standardised, causal feature panel the classifiers see.

    Parameters
    ----------
    macro : DataFrame of shape (n_dates, n_series)
        Point-in-time macro panel on the trading calendar.
    prices : DataFrame of shape (n_dates, n_tickers)
        Aligned prices.
    names : sequence of str
        Feature names (keys of :data:`FEATURES`).
    window, min_periods : see :func:`standardise`.

    Returns
    -------
    DataFrame of shape (n_dates, len(names))
        Rows before every feature has ``min_periods`` of history are NaN.

    Examples
    --------
    >>> idx = pd.bdate_range("2020-01-01", periods=400, name="date")
    >>> macro = pd.DataFrame({"VIXCLS": np.linspace(10, 30, 400)}, index=idx)
    >>> build_features(macro, pd.DataFrame(index=idx), ["vix"]).dropna().shape
    (149, 1)
    """
    raw = compute_raw_features(macro, prices, names)
    return standardise(raw, window=window, min_periods=min_periods)
