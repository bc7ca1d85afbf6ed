"""Read a run directory and write files into it atomically.

The run directory is the whole interface between the backtest runner and the
reports: nothing here imports ``backtests`` (or anything else upstream), so a
report can be rebuilt from a copied or unzipped run directory alone.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["RunFiles", "load_run", "read_dated_csv"]


def read_dated_csv(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a run-directory CSV whose first column is an ISO ``date``.

    Parameters
    ----------
    path : path-like
        CSV file with a ``date`` column (``YYYY-MM-DD``).

    Returns
    -------
    DataFrame of shape (n_dates, n_columns)
        Indexed by a :class:`~pandas.DatetimeIndex` named ``date``, sorted.
    """
    frame = pd.read_csv(path)
    if "date" not in frame.columns:
        raise ValueError(f"{path}: expected a 'date' column, found {list(frame.columns)}")
    frame["date"] = pd.to_datetime(frame["date"], format="%Y-%m-%d")
    return frame.set_index("date").sort_index()


def _optional_csv(path: Path) -> pd.DataFrame | None:
    return read_dated_csv(path) if path.is_file() else None


def _optional_table(path: Path) -> pd.DataFrame | None:
    """A plain (undated) CSV; a leading unnamed index column is dropped."""
    if not path.is_file():
        return None
    frame = pd.read_csv(path)
    unnamed = [c for c in frame.columns if str(c).startswith("Unnamed: ")]
    return frame.drop(columns=unnamed)


@dataclass(frozen=True)
class RunFiles:
    """Everything a report needs, read from one run directory.

    Attributes
    ----------
    root : Path
        The run directory.
    metrics : dict
        Parsed ``metrics.json``.
    returns : DataFrame of shape (n_dates, n_strategies)
        Daily returns after costs, one column per strategy.
    regimes : DataFrame of shape (n_dates, 2)
        Columns ``regime`` ("abundant"/"scarce") and ``p_scarce``.
    prices : DataFrame of shape (n_dates, n_tickers) or None
        Aligned adjusted closes (``inputs/prices.csv``).
    macro : DataFrame of shape (n_dates, n_series) or None
        Point-in-time macro panel (``inputs/macro.csv``).
    true_regimes : DataFrame of shape (n_dates, 1) or None
        Known truth (``inputs/true_regimes.csv``), synthetic data only.
    in_sample_regimes : DataFrame of shape (n_dates, 2) or None
        Labels of one full-sample fit (``in_sample_regimes.csv``).
    sweep : DataFrame or None
        ``sweep.csv``: parameters and metrics per sweep combination.
    placebos : DataFrame or None
        ``placebos.csv``: metrics per random-regime path (``strategy``, ``path``, ...).
    event_study : DataFrame or None
        ``event_study.csv``: long format, one row per transition, basket and day.
    bounds : DataFrame of shape (n_dates, n_paths) or None
        ``bounds.csv``: daily returns of the rotation on each bound label path.
    """

    root: Path
    metrics: dict[str, Any]
    returns: pd.DataFrame
    regimes: pd.DataFrame
    prices: pd.DataFrame | None = None
    macro: pd.DataFrame | None = None
    true_regimes: pd.DataFrame | None = None
    in_sample_regimes: pd.DataFrame | None = None
    sweep: pd.DataFrame | None = None
    placebos: pd.DataFrame | None = None
    event_study: pd.DataFrame | None = None
    bounds: pd.DataFrame | None = None

    @property
    def run_info(self) -> dict[str, Any]:
        """The ``run`` block of ``metrics.json`` (empty dict if missing)."""
        return dict(self.metrics.get("run") or {})

    @property
    def strategies(self) -> dict[str, Any]:
        """The ``strategies`` block of ``metrics.json`` (empty dict if missing)."""
        return dict(self.metrics.get("strategies") or {})


def load_run(run_dir: str | os.PathLike[str]) -> RunFiles:
    """Load the files of a run directory.

    Parameters
    ----------
    run_dir : path-like
        Directory written by the backtest runner (``metrics.json``,
        ``returns.csv``, ``regimes.csv`` and ``inputs/``; optionally
        ``in_sample_regimes.csv``, ``sweep.csv``, ``placebos.csv``,
        ``event_study.csv`` and ``bounds.csv``).

    Returns
    -------
    RunFiles
        The parsed files; optional inputs that are absent are ``None``.

    Raises
    ------
    FileNotFoundError
        If ``metrics.json``, ``returns.csv`` or ``regimes.csv`` is missing.
    """
    root = Path(run_dir)
    for required in ("metrics.json", "returns.csv", "regimes.csv"):
        if not (root / required).is_file():
            raise FileNotFoundError(f"run directory {root} has no {required}")
    metrics = json.loads((root / "metrics.json").read_text(encoding="utf-8"))
    return RunFiles(
        root=root,
        metrics=metrics,
        returns=read_dated_csv(root / "returns.csv"),
        regimes=read_dated_csv(root / "regimes.csv"),
        prices=_optional_csv(root / "inputs" / "prices.csv"),
        macro=_optional_csv(root / "inputs" / "macro.csv"),
        true_regimes=_optional_csv(root / "inputs" / "true_regimes.csv"),
        in_sample_regimes=_optional_csv(root / "in_sample_regimes.csv"),
        sweep=_optional_table(root / "sweep.csv"),
        placebos=_optional_table(root / "placebos.csv"),
        event_study=_optional_table(root / "event_study.csv"),
        bounds=_optional_csv(root / "bounds.csv"),
    )
