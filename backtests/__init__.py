"""Backtests: config, walk-forward run, the vectorbt engine and the run directory."""

from backtests.config import (
    ConfigError,
    RunConfig,
    config_sha256,
    data_sha256,
    dump_config,
    load_config,
)
from backtests.runner import RunResult, run

from backtests.gate import CheckReport, check, write_baseline
from backtests.listing import available

__all__ = ["CheckReport", "ConfigError", "RunConfig", "RunResult", "available", "check",
           "config_sha256", "data_sha256", "dump_config", "load_config", "run",
           "write_baseline"]
