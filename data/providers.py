"""The provider interface every real source implements, and the one loader over it.

A *price provider* returns adjusted closes per ticker; a *macro provider*
returns one series per id. :func:`load_from_providers` composes them (through
the download cache for network providers) into a :class:`data.MarketData`,
so every source produces the same frames.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import pandas as pd

from data.base import DataError, MarketData
from data.cache import ParquetCache
from data.checks import check_prices

__all__ = ["MACRO_LOOKBACK_DAYS", "MacroProvider", "PriceProvider", "load_from_providers"]

#: Macro series are requested this many calendar days before ``start`` so the
#: as-of join has a released value on the first day even for monthly series
#: with long publication lags (M2SL: about 56 days).
MACRO_LOOKBACK_DAYS = 400


class PriceProvider(Protocol):
    """Adjusted daily closes per ticker."""

    name: str

    def fetch_prices(self, tickers: Sequence[str], start: str, end: str) -> dict[str, pd.Series]:
        """Closes indexed by each ticker's own dates; a DataError names unknown tickers."""
        ...


class MacroProvider(Protocol):
    """Macro series by id, indexed by observation date."""

    name: str

    def fetch_series(self, series_id: str, start: str, end: str) -> pd.Series:
        """Values indexed by observation date; a DataError names an unknown id."""
        ...


def _price_frame(prices: Mapping[str, pd.Series], tickers: Sequence[str]) -> pd.DataFrame:
    columns = {t: prices[t].astype(float) for t in tickers}
    if not columns:
        raise DataError("no tickers to load: `universe` names none.")
    frame = pd.concat(columns, axis=1, sort=True)
    frame.index = pd.DatetimeIndex(frame.index, name="date")
    return frame[list(tickers)]


def load_from_providers(
    prices: PriceProvider,
    macro: MacroProvider,
    tickers: Sequence[str],
    series: Sequence[str],
    start: str,
    end: str,
    cache: ParquetCache | None = None,
    source: str | None = None,
    description: Mapping | None = None,
    bad_jump: str = "error",
) -> MarketData:
    """Load ``tickers`` and ``series`` into a :class:`MarketData`.

    Parameters
    ----------
    prices, macro : providers
    tickers : sequence of str
    series : sequence of str
        Macro series ids.
    start, end : str
        Inclusive ISO dates of the run. Macro series are requested from
        ``start - MACRO_LOOKBACK_DAYS``.
    cache : ParquetCache, optional
        When given, every download goes through it (network providers).
    source : str, optional
        ``MarketData.source``; default ``"<prices>+<macro>"`` or the common name.
    description : mapping, optional
        Extra provenance.
    bad_jump : {"error", "warn"}
        What an absurd one-day price move is (see :func:`data.checks.check_prices`,
        which also refuses a ticker with no price in ``[start, end]``).

    Returns
    -------
    MarketData
        Prices on the union of the tickers' own dates; nothing filled.
    """
    tickers = list(dict.fromkeys(tickers))
    series = list(dict.fromkeys(series))
    macro_start = (pd.Timestamp(start) - pd.Timedelta(days=MACRO_LOOKBACK_DAYS)).strftime("%Y-%m-%d")
    if cache is None:
        closes = prices.fetch_prices(tickers, start, end)
        values = {s: macro.fetch_series(s, macro_start, end) for s in series}
    else:
        closes = cache.get_many(prices.name, tickers, start, end,
                                lambda missing: prices.fetch_prices(missing, start, end))
        values = cache.get_many(
            macro.name, series, macro_start, end,
            lambda missing: {s: macro.fetch_series(s, macro_start, end) for s in missing},
        )
    check_prices(closes, tickers, start, end, bad_jump)
    name = source or (prices.name if prices.name == macro.name else f"{prices.name}+{macro.name}")
    info = {
        "tickers": tickers, "series": series, "requested_start": start, "requested_end": end,
        **({"cache_dir": str(cache.root), "cache_mode": cache.mode} if cache else {}),
        **dict(description or {}),
    }
    info["first_dates"] = {
        **{t: closes[t].first_valid_index().strftime("%Y-%m-%d") for t in tickers
           if closes[t].first_valid_index() is not None},
        **{s: values[s].first_valid_index().strftime("%Y-%m-%d") for s in series
           if values[s].first_valid_index() is not None},
    }
    macro_values = {s: values[s].astype(float).rename(s) for s in series}
    return MarketData(prices=_price_frame(closes, tickers), macro=macro_values, source=name,
                      synthetic=False, description=info)
