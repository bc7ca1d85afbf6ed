"""Point-in-time alignment: publication lags, as-of joins and the trading calendar.

Rules (the same for every source)
---------------------------------
Publication lag
    A macro value observed on date ``d`` with a lag of ``L`` calendar days is
    first usable at the close of the first calendar day ``>= d + L``. The lag
    is applied to each series *before* it is aligned to anything, so the
    aligned panel on day ``t`` holds only values released by ``t``.
As-of join
    A lagged series is aligned to the trading calendar by carrying the latest
    released value forward in time only (``merge_asof`` semantics,
    ``direction="backward"``). Nothing is ever filled backwards, so dates
    before a series' first release are NaN.
Staleness
    Optionally, a carried value expires: once the latest release is more than
    ``max_staleness[id]`` calendar days old, the series is NaN (or a given
    ``stale_values[id]``) until the next release. The policy per series lives
    with the features that consume it (``regimes.features``); this module only
    applies it.
Trading calendar
    The trading calendar is the set of dates on which the calendar ticker
    (the benchmark by default, an exchange-listed fund) has a price. Assets
    that trade on other days (crypto trades every calendar day) are sampled
    at their own close on each trading date; weekend and holiday crypto moves
    therefore show up in the next trading day's return, and nothing is ever
    traded on a day the calendar market is closed.
Listing
    An asset is NaN on every trading date before its first price and after its
    last price: late listings and ended histories are never back-filled.
    Inside its listed life, a missing price on a trading date (a data gap) is
    carried forward from the previous close for at most ``max_gap`` trading
    days and is NaN after that.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from data.base import DataError

__all__ = [
    "DEFAULT_PUBLICATION_LAGS",
    "align_macro",
    "align_prices",
    "apply_publication_lag",
    "asof_align",
    "trading_calendar",
]

#: Default publication lag in calendar days per known series id: the delay
#: between a value's observation date and the first close at which a user
#: could have known it. Overridable per series in config (``features.lags``).
DEFAULT_PUBLICATION_LAGS: dict[str, int] = {
    # H.4.1, released Thursday 4:30 pm ET for the Wednesday level: usable at
    # Friday's close.
    "WALCL": 2,
    # Treasury General Account, week average ending Wednesday, released with H.4.1.
    "WTREGEN": 2,
    # NY Fed publishes overnight RRP results the same afternoon; FRED posts
    # them the next business day.
    "RRPONTSYD": 1,
    # H.15 / Treasury yields: FRED posts the next business day.
    "DGS10": 1,
    "DGS2": 1,
    "DGS30": 1,
    "T10Y2Y": 1,
    "T10Y3M": 1,
    "DFII10": 1,
    "T10YIE": 1,
    # ICE BofA spreads: next business day.
    "BAMLH0A0HYM2": 1,
    "BAA10Y": 1,
    # H.10 broad dollar index: published weekly on Monday for the prior week.
    "DTWEXBGS": 7,
    "VIXCLS": 1,
    # Chicago Fed NFCI: week ending Friday, released the following Wednesday.
    "NFCI": 5,
    "STLFSI4": 6,
    # H.6 money stock: the month dated on the 1st is released about four
    # weeks after the month ends.
    "M2SL": 56,
    "FEDFUNDS": 32,
    "DFF": 1,
    "SOFR": 1,
    # NBER recession dates are announced months to years later; this is
    # only suitable for evaluation, never as a feature.
    "USREC": 365,
}


def apply_publication_lag(series: pd.Series, lag_days: int) -> pd.Series:
    """Re-index a series from observation dates to release dates.

    Parameters
    ----------
    series : Series
        Values indexed by observation date (any frequency). NaN values are
        dropped: a missing observation is never published.
    lag_days : int
        Calendar days between observation and first use, ``>= 0``.

    Returns
    -------
    Series
        The same values indexed by release date (``observation + lag_days``).

    Examples
    --------
    >>> s = pd.Series([1.0, 2.0], index=pd.to_datetime(["2024-01-03", "2024-01-10"]))
    >>> apply_publication_lag(s, 2).index.strftime("%Y-%m-%d").tolist()
    ['2024-01-05', '2024-01-12']
    """
    if lag_days < 0:
        raise DataError(f"publication lag for {series.name!r} must be >= 0 days, got {lag_days}.")
    released = series.dropna()
    released.index = released.index + pd.Timedelta(days=int(lag_days))
    return released


def asof_align(
    series: pd.Series,
    calendar: pd.DatetimeIndex,
    max_staleness: int | None = None,
    stale_value: float = np.nan,
) -> pd.Series:
    """Carry the latest released value forward onto ``calendar`` (never backwards).

    Parameters
    ----------
    series : Series
        Values indexed by release date, sorted.
    calendar : DatetimeIndex
        Target dates.
    max_staleness : int, optional
        Calendar days a released value stays usable. On a date whose latest
        release is older than that, the result is ``stale_value``. None
        carries values forever.
    stale_value : float, default NaN
        What an expired value becomes.

    Returns
    -------
    Series
        Indexed by ``calendar``; NaN before the first release.

    Examples
    --------
    >>> s = pd.Series([1.0], index=pd.to_datetime(["2024-01-01"]))
    >>> cal = pd.to_datetime(["2024-01-02", "2024-01-20"])
    >>> asof_align(s, cal, max_staleness=14).tolist()
    [1.0, nan]
    """
    if series.empty:
        return pd.Series(np.nan, index=calendar, name=series.name, dtype=float)
    positions = series.index.searchsorted(calendar, side="right") - 1
    released = positions >= 0
    values = series.to_numpy(dtype=float)
    aligned = np.where(released, values[np.clip(positions, 0, None)], np.nan)
    if max_staleness is not None:
        if max_staleness < 0:
            raise DataError(f"max staleness for {series.name!r} must be >= 0 days.")
        release_dates = series.index.to_numpy()[np.clip(positions, 0, None)]
        age = (calendar.to_numpy() - release_dates) / np.timedelta64(1, "D")
        aligned = np.where(released & (age > max_staleness), stale_value, aligned)
    return pd.Series(aligned, index=calendar, name=series.name)


def align_macro(
    macro: Mapping[str, pd.Series],
    calendar: pd.DatetimeIndex,
    lags: Mapping[str, int] | None = None,
    max_staleness: Mapping[str, int] | None = None,
    stale_values: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Point-in-time macro panel on the trading calendar.

    Parameters
    ----------
    macro : mapping of str to Series
        Series indexed by observation date, keyed by series id.
    calendar : DatetimeIndex
        Trading dates.
    lags : mapping of str to int, optional
        Publication lags in calendar days that override
        :data:`DEFAULT_PUBLICATION_LAGS`. A series with no known lag is an
        error: guessing zero would leak the future.
    max_staleness : mapping of str to int, optional
        Per series, calendar days a released value stays usable (see
        :func:`asof_align`); series not listed are carried forever.
    stale_values : mapping of str to float, optional
        Per series, what an expired value becomes (default NaN).

    Returns
    -------
    DataFrame of shape (n_dates, n_series)
        Column ``k`` on day ``t`` is the latest value of series ``k`` released
        by ``t``.
    """
    resolved = {**DEFAULT_PUBLICATION_LAGS, **dict(lags or {})}
    columns = {}
    for series_id, series in macro.items():
        if series_id not in resolved:
            raise DataError(
                f"no publication lag is known for series {series_id!r}. Add it to the "
                f"config, e.g. `[features.lags]` `{series_id} = 1` (calendar days from "
                "observation to release)."
            )
        released = apply_publication_lag(series.astype(float), resolved[series_id])
        columns[series_id] = asof_align(
            released, calendar, (max_staleness or {}).get(series_id),
            float((stale_values or {}).get(series_id, np.nan)),
        )
    panel = pd.DataFrame(columns, index=calendar)
    panel.index.name = "date"
    return panel


def trading_calendar(
    prices: pd.DataFrame,
    calendar_ticker: str,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
) -> pd.DatetimeIndex:
    """Dates on which ``calendar_ticker`` has a price, within ``[start, end]``.

    Parameters
    ----------
    prices : DataFrame
        Raw prices on the union of calendars (see :class:`data.MarketData`).
    calendar_ticker : str
        An exchange-traded ticker whose trading days define the calendar.
    start, end : Timestamp, optional
        Inclusive bounds.

    Returns
    -------
    DatetimeIndex
        Named ``"date"``.
    """
    if calendar_ticker not in prices.columns:
        raise DataError(
            f"calendar ticker {calendar_ticker!r} is not in the price data; available: "
            f"{', '.join(map(str, prices.columns))}. Set `universe.calendar` to one of them."
        )
    dates = prices.index[prices[calendar_ticker].notna().to_numpy()]
    if start is not None:
        dates = dates[dates >= start]
    if end is not None:
        dates = dates[dates <= end]
    return pd.DatetimeIndex(dates, name="date")


def align_prices(
    prices: pd.DataFrame, calendar: pd.DatetimeIndex, max_gap: int = 5
) -> pd.DataFrame:
    """Sample every ticker on the trading calendar without back-filling.

    Parameters
    ----------
    prices : DataFrame of shape (n_raw_dates, n_tickers)
        Raw prices on the union of calendars.
    calendar : DatetimeIndex
        Trading dates.
    max_gap : int, default 5
        Longest run of missing trading dates inside a ticker's listed life
        that is carried forward from the previous close.

    Returns
    -------
    DataFrame of shape (n_dates, n_tickers)
        NaN before each ticker's first price and after its last one.
    """
    on_calendar = prices.reindex(calendar)
    filled = on_calendar.ffill(limit=max_gap)
    first = prices.apply(pd.Series.first_valid_index)
    last = prices.apply(pd.Series.last_valid_index)
    dates = calendar.to_numpy()
    for ticker in prices.columns:
        if pd.isna(first[ticker]):
            filled[ticker] = np.nan
            continue
        outside = (dates < np.datetime64(first[ticker])) | (dates > np.datetime64(last[ticker]))
        filled.loc[outside, ticker] = np.nan
    filled.index.name = "date"
    return filled
