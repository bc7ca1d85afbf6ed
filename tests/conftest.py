"""Shared fixtures. Data come from np.random.default_rng(seed); the global RNG is never seeded."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
#: The curated real snapshot, beside the project (never copied into it).
REAL_DATA = Path(os.environ.get("REGIME_BT_REAL_DATA", ROOT.parent / "shared/data/real/curated"))


@pytest.fixture
def real_data_dir() -> Path:
    """The curated real-data folder; skips the test cleanly when it is absent."""
    if not (REAL_DATA / "prices").is_dir():
        pytest.skip(f"real data snapshot not found at {REAL_DATA}")
    return REAL_DATA


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20241231)


def random_walk_prices(rng: np.random.Generator, index: pd.DatetimeIndex, tickers) -> pd.DataFrame:
    """Positive geometric random walks, one column per ticker."""
    steps = rng.normal(0.0003, 0.015, size=(len(index), len(tickers)))
    return pd.DataFrame(100.0 * np.exp(np.cumsum(steps, axis=0)), index=index, columns=tickers)
