"""The data-source registry: one place that maps a config name to a loader.

Each loader takes keyword options (from the ``[data]`` config table) and
returns a :class:`data.MarketData`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from data.base import DataError, MarketData

__all__ = ["SOURCES", "load_market_data"]


def _load_synthetic(**options: Any) -> MarketData:
    # Imported on use so that real-data runs do not build the generator.
    from data.synthetic import SyntheticParams, generate_world

    return generate_world(SyntheticParams(**options))


#: Source name -> (loader, one-line description).
SOURCES: dict[str, tuple[Callable[..., MarketData], str]] = {
    "synthetic": (_load_synthetic, "built-in deterministic synthetic liquidity world (offline)"),
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
