"""The one shape of a registry entry: sources, classifiers, strategies, features, series.

Every registry of the project is a plain dict from a config name to an
entry that follows :class:`RegistryEntry`: a one-line ``description`` and a
``listing()`` with what ``regime-bt list`` shows. There is no plugin
machinery and no mutable global setting; a registry is resolved in one place
(the config loader) and listed in one place (``backtests.listing``).
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

__all__ = ["RegistryEntry"]


@runtime_checkable
class RegistryEntry(Protocol):
    """What every registry value provides."""

    description: str

    def listing(self) -> dict[str, Any]:
        """The ``regime-bt list`` entry: ``description`` plus category details."""
        ...
