"""The data-source registry: one place that maps a config name to a loader.

Each loader takes keyword options (from the ``[data]`` config table, plus
``tickers``/``series``/``start``/``end`` the run needs) and returns a
:class:`data.MarketData`. Loaders ignore options meant for other sources.
Providers are imported on use, so choosing one source never imports another
(yfinance is only imported for ``"yahoo"``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from data.base import DataError, MarketData

__all__ = ["SOURCES", "load_market_data"]


def _load_synthetic(**options: Any) -> MarketData:
    # Imported on use so that real-data runs do not build the generator.
    from data.synthetic import SyntheticParams, generate_world

    return generate_world(SyntheticParams(**options))


def _load_csv(
    prices_dir: str = "",
    fred_dir: str = "",
    tickers: Sequence[str] = (),
    series: Sequence[str] = (),
    start: str = "",
    end: str = "",
    bad_jump: str = "error",
    **ignored: Any,
) -> MarketData:
    from data.csv_source import CsvFolderProvider
    from data.providers import load_from_providers

    for key, value in (("prices_dir", prices_dir), ("fred_dir", fred_dir)):
        if not value:
            raise DataError(
                f"the csv source needs `data.{key}`: a folder of "
                f"{'<TICKER>.csv (Date, Adj Close)' if key == 'prices_dir' else '<SERIES>.csv (FRED format)'}"
                f" files. Set it in the config or pass --set data.{key}=PATH."
            )
    provider = CsvFolderProvider(prices_dir, fred_dir)
    return load_from_providers(provider, provider, tickers, series, start, end,
                               description=provider.describe(), bad_jump=bad_jump)


def _load_yahoo_fred(
    tickers: Sequence[str] = (),
    series: Sequence[str] = (),
    start: str = "",
    end: str = "",
    cache_dir: str = "",
    cache_mode: str = "use",
    bad_jump: str = "error",
    **ignored: Any,
) -> MarketData:
    from data.cache import ParquetCache
    from data.fred import FredProvider
    from data.providers import load_from_providers
    from data.yahoo import YahooProvider

    cache = ParquetCache(cache_dir or None, mode=cache_mode)
    return load_from_providers(YahooProvider(), FredProvider(), tickers, series, start, end,
                               cache=cache, bad_jump=bad_jump)


#: Source name -> (loader, one-line description).
SOURCES: dict[str, tuple[Callable[..., MarketData], str]] = {
    "synthetic": (_load_synthetic, "built-in deterministic synthetic liquidity world (offline)"),
    "csv": (_load_csv, "folders of yfinance-format price CSVs and FRED-format series CSVs"),
    "yahoo": (
        _load_yahoo_fred,
        "adjusted closes from Yahoo Finance (yfinance) + FRED series, through the parquet cache",
    ),
}


def load_market_data(source: str, **options: Any) -> MarketData:
    """Load raw market data from a named source.

    Parameters
    ----------
    source : str
        A key of :data:`SOURCES`.
    **options
        Source-specific options.

    Returns
    -------
    MarketData
    """
    if source not in SOURCES:
        raise DataError(
            f"unknown data source {source!r}; available: {', '.join(SOURCES)}."
        )
    loader, _ = SOURCES[source]
    return loader(**options)
