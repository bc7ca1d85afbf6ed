"""Backtests: config, walk-forward run, the vectorbt engine, the CI gate and the run directory.

Names are imported lazily (PEP 562): ``import backtests`` and the light
modules (config, gate, listing) never import vectorbt; ``backtests.run`` does,
on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "CheckReport",
    "ConfigError",
    "RunConfig",
    "RunResult",
    "available",
    "check",
    "config_sha256",
    "data_sha256",
    "dump_config",
    "load_config",
    "run",
    "write_baseline",
]

_HOMES = {
    "CheckReport": "backtests.gate",
    "check": "backtests.gate",
    "write_baseline": "backtests.gate",
    "ConfigError": "backtests.config",
    "RunConfig": "backtests.config",
    "config_sha256": "backtests.config",
    "data_sha256": "backtests.config",
    "dump_config": "backtests.config",
    "load_config": "backtests.config",
    "RunResult": "backtests.result",
    "run": "backtests.runner",
    "available": "backtests.listing",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        value = getattr(importlib.import_module(_HOMES[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'backtests' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
