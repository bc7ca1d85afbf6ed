"""Inputs: data sources behind one interface, and point-in-time alignment."""

from data.align import (
    align_macro,
    align_prices,
    apply_publication_lag,
    asof_align,
    trading_calendar,
)
from data.base import PERIODS_PER_YEAR, REGIME_NAMES, DataError, MarketData
from data.series import SERIES, SeriesSpec, resolve_series
from data.sources import SOURCES, load_market_data

__all__ = [
    "PERIODS_PER_YEAR",
    "REGIME_NAMES",
    "SERIES",
    "SOURCES",
    "SeriesSpec",
    "DataError",
    "MarketData",
    "align_macro",
    "align_prices",
    "apply_publication_lag",
    "asof_align",
    "load_market_data",
    "resolve_series",
    "trading_calendar",
]
