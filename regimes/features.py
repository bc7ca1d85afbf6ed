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

Gaps and staleness
------------------
The as-of join carries the last *released* value forward, which is what a
user knew on the day, until it expires after the series' staleness limit
(:mod:`data.series`, the one home of lags and staleness). Consequences:

* a level feature (``vix``, ``hy_spread``, ...) is NaN on expired days;
* a change feature (``net_liquidity_13w``, ``dgs10_change_13w``, ...) is NaN
  when either end of its difference is NaN (no interpolation across a hole;
  on the curated snapshot, 44 trading days around the WTREGEN hole of
  2025-11-26..2025-12-31);
* the classifiers treat NaN as "not observed" (see :mod:`regimes.labels`):
  a gap in one series removes one input instead of stopping the run.

Features declared in config (``[features.define.<name>]``) are evaluated by
:mod:`regimes.derived` beside the built-in ones and follow the same rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from data import PERIODS_PER_YEAR, DataError
from regimes.derived import FeatureDefinition

__all__ = [
    "DEFAULT_FEATURES",
    "FEATURES",
    "FeatureSpec",
    "build_features",
    "check_features",
    "compute_raw_features",
    "feature_signs",
    "net_liquidity",
    "resolve_features",
    "standardise",
]

#: Trading days in 13 weeks, the horizon of the change features.
QUARTER_DAYS = 63

#: Trading days in 4 weeks, the horizon of the fast change features.
MONTH_DAYS = 21

#: Trading days in 6 months, the trailing mean of the relative VIX feature.
HALF_YEAR_DAYS = 126


def net_liquidity(macro: pd.DataFrame) -> pd.Series:
    """Fed balance sheet minus TGA minus overnight reverse repo, in millions USD.

    ``WALCL - WTREGEN - RRPONTSYD * 1000`` (RRPONTSYD is in billions).
    Computed on the point-in-time panel, so each component is the latest
    value released by day ``t``. A component that has not been released yet
    makes the sum NaN; a component with a publication gap contributes its
    last released value (the as-of rule) until it expires (its staleness in
    :mod:`data.series`), after which the sum is NaN (RRPONTSYD expires to 0).

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
    return cast(pd.Series, np.log(positive)) - np.log(positive.shift(periods))


@dataclass(frozen=True)
class FeatureSpec:
    """One named feature (the registry entry of :data:`FEATURES`).

    Attributes
    ----------
    compute : callable
        ``compute(panel, prices) -> Series`` on the trading calendar, causal.
        ``panel`` is the point-in-time macro panel (plus, for declared
        features, ``price:<TICKER>`` columns and the features computed before).
    series : tuple of str
        Inputs: macro series ids, ``"price:<TICKER>"``, or (declared
        features) other feature names.
    abundant_sign : int
        +1 if high values mean abundant capital, -1 if they mean scarce.
    description : str
        One line for ``regime-bt list`` and the docs.
    declared : bool
        True for a feature declared in config (:mod:`regimes.derived`).
    """

    compute: Callable[[pd.DataFrame, pd.DataFrame], pd.Series]
    series: tuple[str, ...]
    abundant_sign: int
    description: str
    declared: bool = False

    def listing(self) -> dict:
        """The ``regime-bt list features`` entry."""
        return {
            "description": self.description,
            "inputs": list(self.series),
            "sign": self.abundant_sign,
            "declared": self.declared,
        }


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
    log_vix = cast(pd.Series, np.log(macro["VIXCLS"].where(macro["VIXCLS"] > 0)))
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
    return _log_change(macro["M2SL"], PERIODS_PER_YEAR)


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
        _net_liquidity_13w,
        ("WALCL", "WTREGEN", "RRPONTSYD"),
        +1,
        "13-week relative change of net liquidity (WALCL - WTREGEN - RRP)",
    ),
    "dgs10_change_13w": FeatureSpec(
        _series_change("DGS10"),
        ("DGS10",),
        -1,
        "13-week change of the 10-year yield (pp)",
    ),
    "hy_spread": FeatureSpec(
        _series_level("BAMLH0A0HYM2"),
        ("BAMLH0A0HYM2",),
        -1,
        "high-yield credit spread level (pp)",
    ),
    "hy_spread_change_13w": FeatureSpec(
        _series_change("BAMLH0A0HYM2"),
        ("BAMLH0A0HYM2",),
        -1,
        "13-week change of the high-yield credit spread (pp)",
    ),
    "dollar_change_13w": FeatureSpec(
        _dollar_change,
        ("DTWEXBGS",),
        -1,
        "13-week log change of the broad dollar index",
    ),
    "vix": FeatureSpec(_series_level("VIXCLS"), ("VIXCLS",), -1, "VIX level"),
    "curve_10y2y": FeatureSpec(
        _series_level("T10Y2Y"),
        ("T10Y2Y",),
        +1,
        "10y minus 2y Treasury spread (pp)",
    ),
    "real_yield_10y": FeatureSpec(
        _series_level("DFII10"),
        ("DFII10",),
        -1,
        "10-year TIPS real yield (pp)",
    ),
    "nfci": FeatureSpec(
        _series_level("NFCI"),
        ("NFCI",),
        -1,
        "Chicago Fed financial conditions (positive = tight)",
    ),
    "m2_growth_1y": FeatureSpec(
        _m2_growth,
        ("M2SL",),
        +1,
        "1-year log growth of M2 money stock",
    ),
    "btc_momentum_3m": FeatureSpec(
        _btc_momentum,
        ("price:BTC-USD",),
        +1,
        "3-month log return of Bitcoin (liquidity gauge)",
    ),
    "dgs2_change_13w": FeatureSpec(
        _series_change("DGS2"),
        ("DGS2",),
        -1,
        "13-week change of the 2-year yield (pp)",
    ),
    # Fast-reacting variants (4 weeks, or relative to a trailing mean): stress
    # gauges reprice within days of a liquidity shock, so a 13-week change
    # lags a regime switch by construction (half its move comes ~6 weeks in).
    "dgs10_change_4w": FeatureSpec(
        _series_change_4w("DGS10"),
        ("DGS10",),
        -1,
        "4-week change of the 10-year yield (pp)",
    ),
    "hy_spread_change_4w": FeatureSpec(
        _series_change_4w("BAMLH0A0HYM2"),
        ("BAMLH0A0HYM2",),
        -1,
        "4-week change of the high-yield credit spread (pp)",
    ),
    "dollar_change_4w": FeatureSpec(
        _dollar_change_4w,
        ("DTWEXBGS",),
        -1,
        "4-week log change of the broad dollar index",
    ),
    "vix_change_4w": FeatureSpec(
        _vix_change_4w,
        ("VIXCLS",),
        -1,
        "4-week log change of the VIX",
    ),
    "vix_relative_6m": FeatureSpec(
        _vix_relative_6m,
        ("VIXCLS",),
        -1,
        "log VIX minus its trailing 6-month (126-day) mean of log VIX",
    ),
}


#: The default ``features.use``: fast stress gauges beside slow liquidity
#: confirmers (the synthetic default run's set; see ``backtests/default.toml``).
DEFAULT_FEATURES: tuple[str, ...] = (
    "net_liquidity_13w",
    "dgs10_change_13w",
    "hy_spread",
    "dollar_change_13w",
    "vix",
    "vix_relative_6m",
    "curve_10y2y",
)


def resolve_features(
    definitions: Mapping[str, FeatureDefinition] | None = None,
) -> dict[str, FeatureSpec]:
    """The built-in features plus the ones declared in config, by name.

    Parameters
    ----------
    definitions : mapping of str to FeatureDefinition, optional
        From :func:`regimes.derived.parse_definitions` (in dependency order).

    Returns
    -------
    dict of str to FeatureSpec
    """
    specs = dict(FEATURES)
    for name, definition in (definitions or {}).items():
        specs[name] = FeatureSpec(
            (lambda panel, prices, d=definition: d.compute(panel)),
            definition.inputs,
            definition.sign,
            definition.description,
            declared=True,
        )
    return specs


def feature_signs(
    names: Sequence[str], specs: Mapping[str, FeatureSpec] | None = None
) -> dict[str, float]:
    """Each named feature's ``abundant_sign`` (+1 / -1), from the registry or ``specs``."""
    specs = FEATURES if specs is None else specs
    return {name: float(specs[name].abundant_sign) for name in names}


def compute_raw_features(
    macro: pd.DataFrame,
    prices: pd.DataFrame,
    names: Sequence[str],
    specs: Mapping[str, FeatureSpec] | None = None,
) -> pd.DataFrame:
    """Evaluate the named features on the trading calendar, unstandardised.

    Parameters
    ----------
    macro : DataFrame of shape (n_dates, n_series)
        Point-in-time macro panel on the trading calendar.
    prices : DataFrame of shape (n_dates, n_tickers)
        Aligned prices on the same calendar.
    names : sequence of str
        Features to return.
    specs : mapping of str to FeatureSpec, optional
        The registry (default :data:`FEATURES`; :func:`resolve_features` adds
        declared features). Declared features that others read are computed
        too, in dependency order.

    Returns
    -------
    DataFrame of shape (n_dates, len(names))
    """
    specs = FEATURES if specs is None else specs
    unknown = [n for n in names if n not in specs]
    if unknown:
        raise DataError(f"unknown feature(s) {unknown}; available: {', '.join(specs)}.")
    panel = {
        **{c: macro[c] for c in macro.columns},
        **{f"price:{c}": prices[c] for c in prices.columns},
    }
    needed = _with_dependencies(names, specs)
    for name in needed:
        if name not in panel:
            frame = pd.DataFrame(panel, index=macro.index) if specs[name].declared else macro
            panel[name] = specs[name].compute(frame, prices).astype(float)
    frame = pd.DataFrame({name: panel[name] for name in names}, index=macro.index)
    return frame.replace([np.inf, -np.inf], np.nan)


def _with_dependencies(names: Sequence[str], specs: Mapping[str, FeatureSpec]) -> list[str]:
    """``names`` and the declared features they read, dependencies first."""
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        if specs[name].declared:
            for item in specs[name].series:
                if item in specs:
                    visit(item)
        order.append(name)

    for name in names:
        visit(name)
    return order


def standardise(
    raw: pd.DataFrame,
    window: int | None = None,
    min_periods: int = PERIODS_PER_YEAR,
    clip: float = 5.0,
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
    min_periods: int = PERIODS_PER_YEAR,
    specs: Mapping[str, FeatureSpec] | None = None,
) -> pd.DataFrame:
    """Standardised, causal feature panel the classifiers see.

    Parameters
    ----------
    macro : DataFrame of shape (n_dates, n_series)
        Point-in-time macro panel on the trading calendar.
    prices : DataFrame of shape (n_dates, n_tickers)
        Aligned prices.
    names : sequence of str
        Feature names (keys of ``specs``).
    window, min_periods : see :func:`standardise`.
    specs : mapping of str to FeatureSpec, optional
        See :func:`compute_raw_features`.

    Returns
    -------
    DataFrame of shape (n_dates, len(names))
        Rows before a feature has ``min_periods`` of history are NaN in it.

    Examples
    --------
    >>> idx = pd.bdate_range("2020-01-01", periods=400, name="date")
    >>> macro = pd.DataFrame({"VIXCLS": np.linspace(10, 30, 400)}, index=idx)
    >>> build_features(macro, pd.DataFrame(index=idx), ["vix"]).dropna().shape
    (149, 1)
    """
    raw = compute_raw_features(macro, prices, names, specs)
    return standardise(raw, window=window, min_periods=min_periods)


def check_features(
    raw: pd.DataFrame,
    features: pd.DataFrame,
    specs: Mapping[str, FeatureSpec] | None = None,
    period: str = "",
) -> None:
    """Refuse features that carry no information in the run (before classifying).

    A feature with no value at all (a series whose file holds only missing
    values), or with zero variance (a series that never changes), would
    standardise to NaN everywhere and the classifier would silently run
    without it.

    Parameters
    ----------
    raw : DataFrame of shape (n_dates, n_features)
        :func:`compute_raw_features`'s output.
    features : DataFrame of shape (n_dates, n_features)
        The standardised features.
    specs : mapping, optional
        The registry, to name each feature's inputs.
    period : str
        The dates checked, for the message.

    Raises
    ------
    DataError
        Naming each empty or constant feature and the series it reads.
    """
    specs = FEATURES if specs is None else specs
    problems = []
    for name in features.columns:
        if features[name].notna().any():
            continue
        inputs = ", ".join(specs[name].series) if name in specs else "?"
        values = raw[name].dropna()
        if values.empty:
            problems.append(
                f"{name} has no usable value (reads {inputs}: missing or all "
                "empty, or expired before the run)"
            )
        elif values.nunique() == 1:
            problems.append(f"{name} is always {values.iloc[0]:g} (reads {inputs})")
        else:
            problems.append(
                f"{name} has only {len(values)} value(s), fewer than the "
                f"standardisation needs (reads {inputs})"
            )
    if problems:
        where = f" over {period}" if period else ""
        raise DataError(
            f"feature(s) that carry no information{where}: {'; '.join(problems)}. Check the "
            "input series, or drop the feature from `features.use`."
        )
