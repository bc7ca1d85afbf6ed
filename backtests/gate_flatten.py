"""Flattening ``metrics.json`` into dotted metric paths, for the CI gate.

:func:`flatten_metrics` turns every numeric (or ``null``) leaf of a
``metrics.json`` into one ``{dotted path: value}`` entry; strings are never
metrics, and the run metadata, config echoes and verdict sentences are left
out (:data:`DEFAULT_IGNORE`). The private helpers here (finite numbers, glob
ignores, the strategy a path belongs to) are shared with
:mod:`backtests.gate`, which compares the flattened paths and re-exports the
public names.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["DEFAULT_IGNORE", "flatten_metrics"]

#: Paths that are metadata, config echoes or text, not results.
DEFAULT_IGNORE: tuple[str, ...] = (
    "schema",
    "run.*",
    "verdict.*",
    # config echoes
    "regimes.params.*",
    "regimes.features.*",
    "sweep.grid.*",
    "significance.seed",
    "significance.confidence",
    "significance.bootstrap_samples",
    "significance.mean_block_days",
    "event_study.pre",
    "event_study.post",
    "placebos.*.n_paths",
    "placebos.*.seed",
    "placebos.*.representative_path",
)


def flatten_metrics(metrics: Mapping, ignore: tuple[str, ...] = DEFAULT_IGNORE) -> dict:
    """Every numeric (or null) leaf of ``metrics`` by dotted path, sorted by path.

    Parameters
    ----------
    metrics : mapping
        The content of ``metrics.json``.
    ignore : tuple of str
        Glob patterns of paths to leave out (a pattern ``"run.*"`` also drops
        ``run`` itself).

    Returns
    -------
    dict of str to float or None
        NaN and infinities (which JSON cannot hold) are ``None``, like ``null``.

    Examples
    --------
    >>> flatten_metrics({"run": {"n_days": 5}, "a": {"b": [1, {"c": None}], "d": "x"}})
    {'a.b.0': 1.0, 'a.b.1.c': None}
    """
    flat: dict[str, float | None] = {}

    def walk(value: Any, path: str) -> None:
        if _ignored(path, ignore):
            return
        if isinstance(value, Mapping):
            for key, child in value.items():
                walk(child, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list | tuple):
            for index, child in enumerate(value):
                walk(child, f"{path}.{index}")
        elif value is None:
            flat[path] = None
        elif isinstance(value, int | float) and not isinstance(value, bool):
            flat[path] = _finite(value)

    walk(metrics, "")
    return dict(sorted(flat.items()))


def _finite(value: Any) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None


def _ignored(path: str, patterns: Iterable[str]) -> bool:
    return bool(path) and any(
        fnmatch.fnmatchcase(path, p) or (p.endswith(".*") and path == p[:-2]) for p in patterns
    )


def _strategy_of(path: str, names: Iterable[str]) -> str | None:
    """The strategy a ``strategies.<name>.…`` path belongs to (longest known name first)."""
    if not path.startswith("strategies."):
        return None
    for name in sorted(names, key=len, reverse=True):
        if path.startswith(f"strategies.{name}."):
            return name
    parts = path.split(".")
    return parts[1] if len(parts) > 2 else None
