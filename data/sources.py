"""The data-source registry: one place that maps a config name to a loader.

Each loader takes keyword options (from the ``[data]`` config table, plus
``tickers``/``series``/``specs``/``start``/``end`` the run needs) and returns a
:class:`data.MarketData`. Loaders ignore options meant for other sources.
Providers are imported on use, so choosing one source never imports another
(yfinance is only imported for ``"yahoo"``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from data.base import DataError, MarketData
from data.series import SeriesSpec

__all__ = ["SOURCES", "SourceSpec", "load_market_data"]


@dataclass(frozen=True)
class SourceSpec:
    """One data source: its loader and a one-line description."""

    loader: Callable[..., MarketData]
    description: str
    offline: bool

    def listing(self) -> dict[str, Any]:
        """The ``regime-bt list sources`` entry."""
        return {"description": self.description, "offline": self.offline}


def _load_synthetic(seed: int = 42, start: str = "", end: str = "", **ignored: Any) -> MarketData:
    # Imported on use so that real-data runs do not build the generator.
    from data.synthetic import SyntheticParams, generate_world

    # No history start: as far back as the world goes (its origin).
    params = SyntheticParams(seed=seed, end=end)
    return generate_world(SyntheticParams(seed=seed, start=start or params.origin, end=end))


def _load_csv(
    prices_dir: str = "",
    fred_dir: str = "",
    tickers: Sequence[str] = (),
    series: Sequence[str] = (),
    specs: Mapping[str, SeriesSpec] | None = None,
    start: str = "",
    end: str = "",
    bad_jump: str = "error",
    vintage: str = "latest",
    **ignored: Any,
) -> MarketData:
    from data.csv_source import CsvFolderProvider
    from data.providers import load_from_providers

    for key, value in (("prices_dir", prices_dir), ("fred_dir", fred_dir)):
        if not value:
            raise DataError(
                f"the csv source needs `data.{key}`: a folder of "
                + (
                    "<TICKER>.csv (Date, Adj Close)"
                    if key == "prices_dir"
                    else "<SERIES>.csv (FRED format)"
                )
                + f" files. Set it in the config or pass --set data.{key}=PATH."
            )
    provider = CsvFolderProvider(prices_dir, fred_dir)

    def snapshot(spec: SeriesSpec, first: str, last: str):
        # A series that needs the network (SEC) is read from a snapshot file
        # in the fred folder when there is one (`regime-bt snapshot` writes it).
        if spec.source == "sec" and not (provider.fred_dir / f"{spec.id}.csv").is_file():
            raise DataError(
                f'series {spec.id} comes from SEC EDGAR (source = "sec", '
                f"{spec.options.get('ticker', '?')} {spec.options.get('metric', '?')}), which the "
                f"offline csv source cannot reach, and {provider.fred_dir / spec.id}.csv (a "
                "snapshot with a `published` column) does not exist. Run with --set "
                "data.source=yahoo and a SEC User-Agent (SEC_USER_AGENT or "
                "data.sec_user_agent), or freeze it with `regime-bt snapshot`."
            )
        values = provider.fetch_series(spec.id, first, last)
        if spec.source == "fred" and not isinstance(values, pd.DataFrame):
            from data.fred import FRED_API_KEY_ENV

            # data.vintage = "first_release" on a folder of plain FRED downloads:
            # using them would silently reintroduce the revisions' look-ahead.
            raise DataError(
                f'data.vintage = "first_release", but {provider.fred_dir / spec.id}.csv holds '
                f"FRED's latest vintage of the revised series {spec.id} (no `published` "
                "column). First releases come from ALFRED, which needs the network source and "
                f"a FRED API key: set {FRED_API_KEY_ENV} (`export {FRED_API_KEY_ENV}=<your "
                "32-character key>`, free at https://fredaccount.stlouisfed.org/apikeys) and run "
                "with --set data.source=yahoo, or freeze them with `regime-bt snapshot`; or use "
                'data.vintage = "latest" and accept the revisions.'
            )
        return values

    return load_from_providers(
        provider,
        provider,
        tickers,
        series,
        start or "1900-01-01",
        end,
        description=provider.describe(),
        bad_jump=bad_jump,
        specs=specs,
        vintage_provider=snapshot,
        first_release=vintage == "first_release",
    )


def _load_yahoo_fred(
    tickers: Sequence[str] = (),
    series: Sequence[str] = (),
    specs: Mapping[str, SeriesSpec] | None = None,
    start: str = "",
    end: str = "",
    cache_dir: str = "",
    cache_mode: str = "use",
    bad_jump: str = "error",
    vintage: str = "latest",
    sec_user_agent: str = "",
    **ignored: Any,
) -> MarketData:
    from data.cache import ParquetCache
    from data.fred import FredProvider
    from data.network_series import network_vintages
    from data.providers import load_from_providers
    from data.yahoo import YahooProvider

    cache = ParquetCache(cache_dir or None, mode=cache_mode)
    if vintage == "first_release" and cache_mode != "offline":
        _require_fred_key(cache, series, specs)
    return load_from_providers(
        YahooProvider(),
        FredProvider(),
        tickers,
        series,
        start or "1970-01-01",
        end,
        cache=cache,
        bad_jump=bad_jump,
        specs=specs,
        vintage_provider=network_vintages(cache, vintage, sec_user_agent),
        first_release=vintage == "first_release",
    )


def _require_fred_key(
    cache: Any, series: Sequence[str], specs: Mapping[str, SeriesSpec] | None
) -> None:
    """Fail before any download when first releases must be fetched without a FRED API key."""
    from data.fred import fred_api_key
    from data.series import SERIES

    specs = SERIES if specs is None else specs
    revised = [s for s in series if s in specs and specs[s].source == "fred" and specs[s].revised]
    uncached = [s for s in revised if cache.read_vintages("alfred", s) is None]
    if uncached:
        fred_api_key(None, uncached[0])


#: Source name -> :class:`SourceSpec`.
SOURCES: dict[str, SourceSpec] = {
    "synthetic": SourceSpec(
        _load_synthetic, "built-in deterministic synthetic liquidity world (offline)", True
    ),
    "csv": SourceSpec(
        _load_csv, "folders of yfinance-format price CSVs and FRED-format series CSVs", True
    ),
    "yahoo": SourceSpec(
        _load_yahoo_fred,
        "adjusted closes from Yahoo Finance (yfinance), FRED/ALFRED series and SEC EDGAR "
        "company facts, through the parquet cache",
        False,
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
        raise DataError(f"unknown data source {source!r}; available: {', '.join(SOURCES)}.")
    return SOURCES[source].loader(**options)
