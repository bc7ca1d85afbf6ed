"""Inputs: data sources behind one interface, and point-in-time alignment."""

from data.align import (
    DEFAULT_PUBLICATION_LAGS,
    align_macro,
    align_prices,
    apply_publication_lag,
    asof_align,
    trading_calendar,
)
from data.base import REGIME_NAMES, DataError, MarketData
from data.sources import SOURCES, load_market_data

__all__ = [
    "DEFAULT_PUBLICATION_LAGS",
    "REGIME_NAMES",
    "SOURCES",
    "DataError",
    "MarketData",
    "align_macro",
    "align_prices",
    "apply_publication_lag",
    "asof_align",
    "load_market_data",
    "trading_calendar",
]
