"""Backtests: config, walk-forward run, the vectorbt engine and the run directory."""

from backtests.config import ConfigError, RunConfig, config_sha256, dump_config, load_config
from backtests.runner import RunResult, run

__all__ = ["ConfigError", "RunConfig", "RunResult", "config_sha256", "dump_config",
           "load_config", "run"]
