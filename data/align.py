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
    A carried value expires: once the latest release is more than
    ``max_staleness_days`` calendar days old, the series is NaN (or its
    ``stale_value``) until the next release. Lags, staleness and stale values
    come from each series' :class:`data.series.SeriesSpec`, their one home;
    this module only applies them.
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
    Inside its listed life, each date takes the latest close known by then (as
    of), which stays usable for at most ``max_gap`` trading days; a longer gap
    is NaN. Foreign listings are known at their own session close
    (:mod:`data.fx`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from data.base import DataError
from data.series import SERIES, SeriesSpec, vintage_releases

__all__ = [
    "align_macro",
    "align_prices",
    "apply_publication_lag",
    "asof_align",
    "trading_calendar",
]


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
        release_dates: npt.NDArray[np.datetime64] = series.index.to_numpy()[
            np.clip(positions, 0, None)
        ]
        age = (calendar.to_numpy() - release_dates) / np.timedelta64(1, "D")
        aligned = np.where(released & (age > max_staleness), stale_value, aligned)
    return pd.Series(aligned, index=calendar, name=series.name)


def align_macro(
    macro: Mapping[str, pd.Series],
    calendar: pd.DatetimeIndex,
    specs: Mapping[str, SeriesSpec] | None = None,
    vintages: Mapping[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Point-in-time macro panel on the trading calendar.

    Parameters
    ----------
    macro : mapping of str to Series
        Series indexed by observation date, keyed by series id; each is
        usable ``lag_days`` after its observation date.
    calendar : DatetimeIndex
        Trading dates.
    specs : mapping of str to SeriesSpec, optional
        Lag, staleness and stale value per series (default
        :data:`data.series.SERIES`). A series with no spec is an error:
        guessing a zero lag would leak the future.
    vintages : mapping of str to DataFrame, optional
        Series whose rows carry their own publication dates (vintage frames,
        see :mod:`data.series`), usable from ``published + lag_days`` (for a
        FRED series loaded as first releases: ``published + 1`` day).

    Returns
    -------
    DataFrame of shape (n_dates, n_series)
        Column ``k`` on day ``t`` is the latest value of series ``k`` released
        by ``t`` (or its stale value once expired).
    """
    specs = SERIES if specs is None else specs
    columns = {}
    items = [(k, v, False) for k, v in macro.items()]
    items += [(k, v, True) for k, v in (vintages or {}).items()]
    for series_id, values, dated in items:
        spec = specs.get(series_id)
        if spec is None:
            raise DataError(
                f"no publication lag is known for series {series_id!r}. Declare it in the "
                f'config: [series.{series_id}] frequency = "daily" (or weekly, monthly, '
                "quarterly) and lag_days = N (calendar days from observation to release)."
            )
        if dated:
            # Publication dates are days, not times: a FRED vintage (ALFRED
            # realtime_start) is used from the next day; other dated series
            # carry their own lag (SEC filings: 1 day by default).
            released = vintage_releases(
                cast(pd.DataFrame, values), 1 if spec.source == "fred" else spec.lag_days
            )
        else:
            released = apply_publication_lag(
                cast(pd.Series, values).astype(float).rename(series_id), spec.lag_days
            )
        columns[series_id] = asof_align(
            released.rename(series_id), calendar, spec.max_staleness_days, float(spec.stale_value)
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
    prices: pd.DataFrame,
    calendar: pd.DatetimeIndex,
    max_gap: int = 5,
    exchanges: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Sample every ticker on the trading calendar, as of each date, without back-filling.

    Each calendar date takes the ticker's latest close known by then: a close
    dated on or before that date (crypto on a weekend, a foreign market open
    on a US holiday); for a foreign listing, a close is known from the first
    calendar session that closes after it (:func:`data.fx.known_dates`).

    Parameters
    ----------
    prices : DataFrame of shape (n_raw_dates, n_tickers)
        Raw prices on the union of calendars.
    calendar : DatetimeIndex
        Trading dates.
    max_gap : int, default 5
        A close stays usable for at most this many calendar rows after the
        first calendar row that could see it; after that (a data gap inside
        the listed life) the ticker is NaN until its next close.
    exchanges : mapping of str to str, optional
        ``exchange_calendars`` code of each foreign ticker (``"XKRX"``).

    Returns
    -------
    DataFrame of shape (n_dates, n_tickers)
        NaN before each ticker's first known close and after its last one.

    Examples
    --------
    >>> raw = pd.DataFrame({"X": [1.0, 2.0]}, index=pd.to_datetime(["2024-01-06", "2024-01-08"]))
    >>> cal = pd.to_datetime(["2024-01-05", "2024-01-08"])
    >>> align_prices(raw, pd.DatetimeIndex(cal))["X"].tolist()
    [nan, 2.0]
    """
    exchanges = dict(exchanges or {})
    columns = {}
    positions_of_calendar = np.arange(len(calendar))
    for ticker in prices.columns:
        observed = prices[ticker].dropna()
        if observed.empty:
            columns[ticker] = np.full(len(calendar), np.nan)
            continue
        known = observed.index
        if ticker in exchanges:
            from data.fx import known_dates

            known = known_dates(cast(pd.DatetimeIndex, observed.index), exchanges[ticker], calendar)
            keep = known.notna()
            observed, known = observed[keep], known[keep]
            # several closes known on the same session: the latest one counts
            last = ~pd.Index(known).duplicated(keep="last")
            observed, known = observed[last], known[last]
        values = observed.to_numpy(dtype=float)
        position = known.searchsorted(calendar, side="right") - 1
        seen = position >= 0
        first_row = calendar.searchsorted(known[np.clip(position, 0, None)], side="left")
        age = positions_of_calendar - first_row
        fresh = seen & (age <= max_gap)
        after_last = calendar > known[-1]
        aligned = np.where(fresh & ~after_last, values[np.clip(position, 0, None)], np.nan)
        columns[ticker] = aligned
    frame = pd.DataFrame(columns, index=calendar, columns=prices.columns)
    frame.index.name = "date"
    return frame
