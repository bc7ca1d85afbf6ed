"""``regime-bt list``: what a config can name, with one-line descriptions.

Reads the four registries where they live (``data.SOURCES``,
``regimes.CLASSIFIERS``, ``strategies.STRATEGIES``, ``regimes.FEATURES``) and
tolerates their shapes: a ``(loader, description)`` tuple, a
``(function, role, description)`` tuple, an object with a ``description``
attribute, or a class whose docstring's first line describes it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CATEGORIES", "available", "format_listing"]

#: Listing categories, in display order.
CATEGORIES: tuple[str, ...] = ("sources", "classifiers", "strategies", "features")


def _describe(entry: Any) -> str:
    if isinstance(entry, tuple):
        text = next((item for item in reversed(entry) if isinstance(item, str)), "")
        if text:
            return text
        entry = entry[0]
    description = getattr(entry, "description", None)
    if isinstance(description, str) and description:
        return description
    doc = (getattr(entry, "__doc__", None) or "").strip()
    return doc.splitlines()[0].rstrip(".") if doc else ""


def _extra(category: str, entry: Any) -> dict:
    if category == "strategies" and isinstance(entry, tuple) and len(entry) >= 2:
        return {"role": entry[1]}
    if category == "features" and hasattr(entry, "series"):
        return {"series": list(entry.series)}
    return {}


def available() -> dict[str, dict[str, dict]]:
    """Every registry entry: ``{category: {name: {"description": ..., ...}}}``.

    Strategies also carry their ``role``; features the macro ``series`` they
    need.

    Examples
    --------
    >>> "synthetic" in available()["sources"]
    True
    """
    from data import SOURCES
    from regimes import CLASSIFIERS, FEATURES
    from strategies import STRATEGIES

    registries = {"sources": SOURCES, "classifiers": CLASSIFIERS, "strategies": STRATEGIES,
                  "features": FEATURES}
    return {
        category: {name: {"description": _describe(entry), **_extra(category, entry)}
                   for name, entry in registries[category].items()}
        for category in CATEGORIES
    }


def format_listing(listing: dict[str, dict[str, dict]]) -> str:
    """Plain text: one block per category, one aligned line per name."""
    blocks = []
    for category, entries in listing.items():
        width = max((len(name) for name in entries), default=0)
        lines = [f"{category}:"]
        for name, info in entries.items():
            role = f"[{info['role']}] " if "role" in info else ""
            lines.append(f"  {name.ljust(width)}  {role}{info['description']}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"
