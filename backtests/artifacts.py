"""The run directory: writing the data files, atomically.

A run is written into a fresh temporary directory next to its destination
and renamed into place only when every file is complete
(:func:`data.atomic.atomic_directory`). A failed or interrupted run leaves no
partial directory, and a pre-existing run directory is replaced whole or not
at all.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from backtests.config import dump_config
from backtests.metrics_schema import metrics_json
from backtests.result import RunResult
from data.atomic import atomic_directory, atomic_write_text

__all__ = ["atomic_directory", "atomic_write_text", "save_run", "write_csv"]


def write_csv(frame: pd.DataFrame | pd.Series, path: Path) -> None:
    """Deterministic CSV: ISO dates, shortest round-trip floats, ``\\n`` endings."""
    frame = frame.copy()
    if isinstance(frame.index, pd.DatetimeIndex):
        frame.index = frame.index.strftime("%Y-%m-%d")
        frame.index.name = "date"
    atomic_write_text(path, frame.to_csv(lineterminator="\n"))


def save_run(result: RunResult, run_dir: Path) -> None:
    """Write every data file of the run-directory contract into ``run_dir``.

    Parameters
    ----------
    result : RunResult
    run_dir : Path
        Usually the staging directory of :func:`data.atomic.atomic_directory`.
    """
    run_dir = Path(run_dir)
    index = result.regimes.index
    atomic_write_text(run_dir / "metrics.json", metrics_json(result.metrics))
    # Same layout as `regime-bt regimes`: one entry per classifier (here the
    # configured one only).
    atomic_write_text(
        run_dir / "evaluation.json",
        metrics_json({result.config.regimes.classifier: result.metrics["regimes"]["evaluation"]}),
    )
    atomic_write_text(run_dir / "config.toml", dump_config(result.config))
    write_csv(result.regimes[["regime", "p_scarce"]], run_dir / "regimes.csv")
    write_csv(result.returns, run_dir / "returns.csv")
    for name, weights in result.weights.items():
        write_csv(weights, run_dir / "weights" / f"{name}.csv")
    write_csv(result.prices, run_dir / "inputs" / "prices.csv")
    write_csv(result.inputs.features.loc[index], run_dir / "inputs" / "features.csv")
    write_csv(result.inputs.macro.loc[index], run_dir / "inputs" / "macro.csv")
    write_csv(result.in_sample_regimes, run_dir / "in_sample_regimes.csv")
    for name, table in result.tables.items():  # bounds, sweep, placebos, event_study
        write_csv(table, run_dir / f"{name}.csv")
    if result.true_regimes is not None:
        write_csv(result.true_regimes.to_frame(), run_dir / "inputs" / "true_regimes.csv")
