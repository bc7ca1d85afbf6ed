"""The provider interface every real source implements, and the one loader over it.

A *price provider* returns adjusted closes per ticker; a *macro provider*
returns one series per id. :func:`load_from_providers` composes them (through
the download cache for network providers) into a :class:`data.MarketData`,
so every source produces the same frames. Series are routed by their spec
(:mod:`data.series`): ``source = "fred"`` series come from the macro
provider, ``"csv"`` series from their own file, and ``"sec"`` series from the
``vintage_provider`` (SEC EDGAR; none offline). Every loaded series is checked
against its declared frequency. An *optional* series that cannot be loaded is
recorded in :attr:`MarketData.unavailable` with the reason, instead of
stopping the run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol, cast

import pandas as pd

from data.base import DataError, MarketData
from data.cache import ParquetCache
from data.checks import check_prices
from data.series import SERIES, SeriesSpec, check_frequency

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

    def fetch_series(self, series_id: str, start: str, end: str) -> pd.Series | pd.DataFrame:
        """Values indexed by observation date (or a vintage frame); a DataError names an
        unknown id."""
        ...


#: ``vintage_provider(spec, start, end) -> vintage frame`` for ``source = "sec"``
#: (and ALFRED first releases); raises DataError when it cannot.
#: (A folder snapshot of another source may hold a plain series.)
VintageProvider = Callable[[SeriesSpec, str, str], pd.Series | pd.DataFrame]


def _price_frame(prices: Mapping[str, pd.Series], tickers: Sequence[str]) -> pd.DataFrame:
    columns = {t: prices[t].astype(float) for t in tickers}
    if not columns:
        raise DataError("no tickers to load: `universe` names none.")
    frame = pd.concat(columns, axis=1, sort=True)
    frame.index = pd.DatetimeIndex(frame.index, name="date")
    return frame[list(tickers)]


def _first_date(values: pd.Series | pd.DataFrame) -> str | None:
    if isinstance(values, pd.DataFrame):
        observed = values.loc[values["value"].notna(), "observed"]
        return None if observed.empty else pd.Timestamp(observed.min()).strftime("%Y-%m-%d")
    first = values.first_valid_index()
    return None if first is None else cast(pd.Timestamp, first).strftime("%Y-%m-%d")


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
    specs: Mapping[str, SeriesSpec] | None = None,
    vintage_provider: VintageProvider | None = None,
    first_release: bool = False,
) -> MarketData:
    """Load ``tickers`` and ``series`` into a :class:`MarketData`.

    Parameters
    ----------
    prices, macro : providers
    tickers : sequence of str
    series : sequence of str
        Series ids to load.
    start, end : str
        Inclusive ISO dates of the history to load. Macro series are
        requested from ``start - MACRO_LOOKBACK_DAYS``.
    cache : ParquetCache, optional
        When given, every FRED and price download goes through it (network
        providers).
    source : str, optional
        ``MarketData.source``; default ``"<prices>+<macro>"`` or the common name.
    description : mapping, optional
        Extra provenance.
    bad_jump : {"error", "warn"}
        What an absurd one-day price move is (see :func:`data.checks.check_prices`,
        which also refuses a ticker with no price in ``[start, end]``).
    specs : mapping of str to SeriesSpec, optional
        The series specs (default :data:`data.series.SERIES`); they route
        each series to its source and give its declared frequency.
    vintage_provider : callable, optional
        Loads ``source = "sec"`` series (and first releases); without it they
        are unavailable.
    first_release : bool
        Route revised FRED series (``SeriesSpec.revised``) to the vintage
        provider, which loads them as first published (``data.vintage``).

    Returns
    -------
    MarketData
        Prices on the union of the tickers' own dates; nothing filled.

    Raises
    ------
    DataError
        A required series that cannot be loaded, a ticker without data, a
        series whose spacing does not match its declared frequency.
    """
    specs = SERIES if specs is None else specs
    tickers = list(dict.fromkeys(tickers))
    series = list(dict.fromkeys(series))
    macro_start = (pd.Timestamp(start) - pd.Timedelta(days=MACRO_LOOKBACK_DAYS)).strftime(
        "%Y-%m-%d"
    )
    if cache is None:
        closes = prices.fetch_prices(tickers, start, end)
    else:
        closes = cache.get_many(
            prices.name,
            tickers,
            start,
            end,
            lambda missing: prices.fetch_prices(missing, start, end),
        )
    check_prices(closes, tickers, start, end, bad_jump)
    values: dict[str, pd.Series | pd.DataFrame] = {}
    unavailable: dict[str, str] = {}

    def by_vintage(spec: SeriesSpec) -> bool:
        return spec.source != "fred" or (first_release and spec.revised)

    fred_ids = [s for s in series if not by_vintage(_spec(specs, s))]
    try:
        if cache is None or not fred_ids:
            fetched = {s: macro.fetch_series(s, macro_start, end) for s in fred_ids}
        else:
            fetched = cache.get_many(
                macro.name,
                fred_ids,
                macro_start,
                end,
                # plain FRED ids (not by vintage): the provider returns Series here
                lambda missing: {
                    s: cast(pd.Series, macro.fetch_series(s, macro_start, end)) for s in missing
                },
            )
    except DataError:
        fetched = {}
        for series_id in fred_ids:  # one by one, so an optional failure does not stop the rest
            fetched.update(_one(macro, series_id, macro_start, end, specs, unavailable))
    values.update(fetched)
    for series_id in series:
        spec = _spec(specs, series_id)
        if not by_vintage(spec):
            continue
        try:
            if spec.source == "csv":
                from data.csv_source import read_series_file

                values[series_id] = read_series_file(spec.options["path"], series_id)
            elif vintage_provider is None:
                raise DataError(
                    f"series {series_id} comes from {spec.source!r}, which this "
                    "data source cannot reach (offline or no provider)."
                )
            else:
                values[series_id] = vintage_provider(spec, macro_start, end)
        except DataError as error:
            if not spec.optional:
                raise
            unavailable[series_id] = str(error)
    for series_id, value in values.items():
        check_frequency(value, _spec(specs, series_id), where=f"{macro.name} {series_id}")
    name = source or (prices.name if prices.name == macro.name else f"{prices.name}+{macro.name}")
    info = {
        "tickers": tickers,
        "series": series,
        "requested_start": start,
        "requested_end": end,
        **({"cache_dir": str(cache.root), "cache_mode": cache.mode} if cache else {}),
        **dict(description or {}),
    }
    info["first_dates"] = {
        **{t: d for t in tickers if (d := _first_date(closes[t])) is not None},
        **{s: d for s, v in values.items() if (d := _first_date(v)) is not None},
    }
    plain = {s: v.astype(float).rename(s) for s, v in values.items() if isinstance(v, pd.Series)}
    dated = {s: v for s, v in values.items() if isinstance(v, pd.DataFrame)}
    return MarketData(
        prices=_price_frame(closes, tickers),
        macro=plain,
        source=name,
        synthetic=False,
        description=info,
        vintages=dated,
        unavailable=unavailable,
    )


def _spec(specs: Mapping[str, SeriesSpec], series_id: str) -> SeriesSpec:
    if series_id not in specs:
        raise DataError(
            f"series {series_id!r} has no spec: declare it in the config as "
            f"[series.{series_id}] with its frequency and lag_days."
        )
    return specs[series_id]


def _one(
    macro: MacroProvider,
    series_id: str,
    start: str,
    end: str,
    specs: Mapping[str, SeriesSpec],
    unavailable: dict[str, str],
) -> dict:
    try:
        return {series_id: macro.fetch_series(series_id, start, end)}
    except DataError as error:
        if not _spec(specs, series_id).optional:
            raise
        unavailable[series_id] = str(error)
        return {}
