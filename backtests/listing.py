"""``regime-bt list``: what a config can name, with one-line descriptions.

Reads the registries where they live (``data.SOURCES``, ``data.SERIES``,
``regimes.CLASSIFIERS``, ``strategies.STRATEGIES``, ``regimes.FEATURES``),
every entry of which follows :class:`data.registry.RegistryEntry`. With a
config, the series and features it declares (``[series.<ID>]``,
``[features.define.<name>]``) are listed too, with their inputs.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CATEGORIES", "available", "format_listing"]

#: Listing categories, in display order.
CATEGORIES: tuple[str, ...] = ("sources", "series", "classifiers", "strategies", "features")


def _registries(config: Any = None) -> dict[str, dict]:
    from data import SOURCES, resolve_series
    from regimes.derived import parse_definitions
    from regimes.features import FEATURES, resolve_features
    from regimes.registry import CLASSIFIERS
    from strategies import STRATEGIES

    series, features = dict(resolve_series()), dict(FEATURES)
    if config is not None:
        series = resolve_series(config.series)
        inputs = [*series, *(f"price:{t}" for t in config.all_tickers())]
        features = resolve_features(
            parse_definitions(config.features.define, inputs, list(FEATURES))
        )
    return {
        "sources": SOURCES,
        "series": series,
        "classifiers": CLASSIFIERS,
        "strategies": STRATEGIES,
        "features": features,
    }


def available(config: Any = None) -> dict[str, dict[str, dict]]:
    """Every registry entry: ``{category: {name: {"description": ..., ...}}}``.

    Parameters
    ----------
    config : RunConfig, optional
        Adds the series and features the config declares.

    Examples
    --------
    >>> "synthetic" in available()["sources"]
    True
    """
    registries = _registries(config)
    return {
        category: {name: entry.listing() for name, entry in registries[category].items()}
        for category in CATEGORIES
    }


def _detail(category: str, info: dict) -> str:
    if category == "strategies":
        return f"[{info['role']}] "
    if category == "features":
        mark = "declared; " if info.get("declared") else ""
        return f"[{mark}sign {info['sign']:+d}; inputs {', '.join(info['inputs'])}] "
    if category == "series":
        revised = ", revised" if info.get("revised") else ""
        return f"[{info['source']}, {info['frequency']}, lag {info['lag_days']} d{revised}] "
    return ""


def format_listing(listing: dict[str, dict[str, dict]]) -> str:
    """Plain text: one block per category, one aligned line per name."""
    blocks = []
    for category, entries in listing.items():
        width = max((len(name) for name in entries), default=0)
        lines = [f"{category}:"]
        for name, info in entries.items():
            lines.append(f"  {name.ljust(width)}  {_detail(category, info)}{info['description']}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"
