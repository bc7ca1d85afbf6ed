"""Foreign listings: their exchange's sessions and their prices in USD, point in time.

A ticker's currency comes from ``universe.currencies`` or from its exchange
suffix (:data:`SUFFIXES`: ``005930.KS`` is a KRX listing quoted in KRW). Two
things then happen, both without back-fill and without look-ahead:

Sessions
    A foreign close becomes known at that exchange's session close. With
    ``exchange_calendars`` (the XKRX, XTKS, ... calendars, holidays
    included) each close is assigned to the first session of the run's
    calendar whose NYSE close is at or after it (:func:`known_dates`): the
    Seoul close of day ``d`` (06:30 UTC) precedes the New York close of ``d``,
    so it is first usable on ``d``, or on the next US session when New York
    is closed on ``d``. A KRX holiday carries the previous close (within
    ``data.max_gap_days``); a US holiday folds the Seoul move into the next
    US session's return. Nothing is filled backwards.
Currency
    The local close is converted at the FX series' point-in-time value on the
    same trading day (:func:`to_usd`): the latest fixing *published* by then
    (FRED's H.10 rates such as ``DEXKOUS``, won per dollar at noon in New
    York, are published weekly; their spec in :mod:`data.series` carries the
    lag, 8 days by default). A fixing published after the foreign close is
    never used. The as-of FX value is therefore up to a week old: USD returns
    of a Korean stock carry the won's moves with that delay, a noise cost paid
    for never using a rate before it was published (set ``[series.DEXKOUS]
    lag_days = 1`` to use the previous New York noon fixing instead).

Dividends: the project's Korean closes (curated snapshot) are price-only;
``universe.price_only`` lists such tickers so that reports mark their returns.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.base import DataError

__all__ = [
    "CURRENCIES",
    "SUFFIXES",
    "FxQuote",
    "fx_series",
    "known_dates",
    "ticker_currency",
    "ticker_exchange",
    "to_usd",
]


@dataclass(frozen=True)
class FxQuote:
    """How a FRED H.10 series quotes a currency against the dollar.

    Attributes
    ----------
    series : str
        FRED id, e.g. ``"DEXKOUS"``.
    per_usd : bool
        True when the series is units of the currency per one US dollar
        (KRW, JPY): USD price = local / rate. False for USD per unit (EUR, GBP).
    """

    series: str
    per_usd: bool


#: Currency -> its FRED quote (None for USD).
CURRENCIES: dict[str, FxQuote | None] = {
    "USD": None,
    "KRW": FxQuote("DEXKOUS", True),
    "JPY": FxQuote("DEXJPUS", True),
    "TWD": FxQuote("DEXTAUS", True),
    "HKD": FxQuote("DEXHKUS", True),
    "CNY": FxQuote("DEXCHUS", True),
    "CAD": FxQuote("DEXCAUS", True),
    "CHF": FxQuote("DEXSZUS", True),
    "EUR": FxQuote("DEXUSEU", False),
    "GBP": FxQuote("DEXUSUK", False),
}

#: Exchange suffix -> (currency, exchange_calendars code). London (``.L``) is
#: left out on purpose: it quotes in pence, which needs an explicit override.
SUFFIXES: dict[str, tuple[str, str]] = {
    ".KS": ("KRW", "XKRX"),
    ".KQ": ("KRW", "XKRX"),
    ".T": ("JPY", "XTKS"),
    ".TW": ("TWD", "XTAI"),
    ".HK": ("HKD", "XHKG"),
    ".SS": ("CNY", "XSHG"),
    ".SZ": ("CNY", "XSHG"),
    ".TO": ("CAD", "XTSE"),
    ".SW": ("CHF", "XSWX"),
    ".DE": ("EUR", "XETR"),
    ".PA": ("EUR", "XPAR"),
    ".AS": ("EUR", "XAMS"),
}


def _suffix(ticker: str) -> str | None:
    return next((s for s in SUFFIXES if ticker.upper().endswith(s.upper())), None)


def ticker_currency(ticker: str, overrides: Mapping[str, str] | None = None) -> str:
    """The currency a ticker is quoted in: the override, the suffix's, or USD.

    Examples
    --------
    >>> ticker_currency("005930.KS"), ticker_currency("SPY"), ticker_currency("X", {"X": "EUR"})
    ('KRW', 'USD', 'EUR')
    """
    if overrides and ticker in overrides:
        return overrides[ticker]
    suffix = _suffix(ticker)
    return SUFFIXES[suffix][0] if suffix else "USD"


def ticker_exchange(ticker: str) -> str | None:
    """The ``exchange_calendars`` code of a suffixed ticker (None: a US listing)."""
    suffix = _suffix(ticker)
    return SUFFIXES[suffix][1] if suffix else None


def fx_series(tickers: Sequence[str], overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The FX series each non-USD ticker needs: ``{ticker: series_id}``.

    Raises
    ------
    DataError
        A currency with no known FX series.
    """
    needed = {}
    for ticker in tickers:
        currency = ticker_currency(ticker, overrides)
        if currency not in CURRENCIES:
            raise DataError(
                f"ticker {ticker} is quoted in {currency}, which has no FX series; "
                f"supported: {', '.join(CURRENCIES)}. Fix universe.currencies."
            )
        quote = CURRENCIES[currency]
        if quote is not None:
            needed[ticker] = quote.series
    return needed


@functools.lru_cache(maxsize=16)
def _calendar(code: str, start: str, end: str):
    import exchange_calendars  # imported on use: only runs with foreign listings pay for it

    # exchange_calendars 4.13 reads ``Series.values`` of tz-aware series, which
    # pandas 3.1 deprecates (a Pandas4Warning from inside the library, harmless
    # for the sessions and closes read here); it is silenced for this call only.
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="Series.values returning an ndarray", category=FutureWarning
        )
        warnings.filterwarnings("ignore", message="Series.values returning an ndarray")
        return exchange_calendars.get_calendar(code, start=start, end=end)


def known_dates(
    dates: pd.DatetimeIndex, exchange: str, calendar: pd.DatetimeIndex
) -> pd.DatetimeIndex:
    """The date of the first ``calendar`` session whose NYSE close follows each foreign close.

    Parameters
    ----------
    dates : DatetimeIndex
        Session dates of the foreign exchange (the price file's dates).
    exchange : str
        ``exchange_calendars`` code of the foreign exchange (``"XKRX"``).
    calendar : DatetimeIndex
        The run's trading dates (US sessions).

    Returns
    -------
    DatetimeIndex of the same length as ``dates``
        NaT for a close after the last calendar session.
    """
    if len(dates) == 0 or len(calendar) == 0:
        return pd.DatetimeIndex([pd.NaT] * len(dates))
    lo = min(dates[0], calendar[0]).strftime("%Y-%m-%d")
    hi = max(dates[-1], calendar[-1]).strftime("%Y-%m-%d")
    foreign = _calendar(exchange, lo, hi)
    nyse = _calendar("XNYS", lo, hi)
    # The exchange's scheduled close for a session date; a date the calendar
    # does not list (a data quirk) closes at its regular time that day.
    foreign_close = _closes(foreign, dates)
    us_close = _closes(nyse, calendar)
    position = np.searchsorted(us_close.asi8, foreign_close.asi8, side="left")
    out = np.full(len(dates), np.datetime64("NaT"), dtype="datetime64[ns]")
    inside = position < len(calendar)
    out[inside] = calendar.to_numpy()[position[inside]]
    return pd.DatetimeIndex(out)


def _closes(calendar, dates: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Scheduled session closes (UTC) of ``dates`` on an exchange calendar."""
    schedule = calendar.closes.reindex(pd.DatetimeIndex(dates).tz_localize(None))
    regular = calendar.close_times[-1][1]
    fallback = pd.DatetimeIndex(dates).tz_localize(None) + pd.Timedelta(
        hours=regular.hour, minutes=regular.minute
    )
    fallback = fallback.tz_localize(calendar.tz).tz_convert("UTC")
    closes = pd.DatetimeIndex(schedule.array)
    if closes.tz is None:
        closes = closes.tz_localize("UTC")
    return closes.where(closes.notna(), fallback)


def to_usd(local: pd.Series, rate: pd.Series, quote: FxQuote) -> pd.Series:
    """A local-currency close series converted to USD at a point-in-time rate.

    Parameters
    ----------
    local : Series of shape (n_dates,)
        Closes on the run's calendar (already aligned: :func:`known_dates`).
    rate : Series of shape (n_dates,)
        The FX series' point-in-time value on the same dates (the as-of macro
        panel: the latest fixing published by each date).
    quote : FxQuote

    Returns
    -------
    Series of shape (n_dates,)
        NaN where either side is missing.

    Examples
    --------
    >>> idx = pd.to_datetime(["2024-01-02"])
    >>> to_usd(pd.Series([70000.0], idx), pd.Series([1400.0], idx), CURRENCIES["KRW"]).tolist()
    [50.0]
    """
    rate = rate.reindex(local.index).where(lambda r: r > 0)
    converted = local / rate if quote.per_usd else local * rate
    converted.name = local.name  # a new Series: same as .rename(local.name)
    return converted
