"""Numba kernels for the regime classifiers.

Each kernel is written as plain Python (``*_py``) and compiled with
``njit(cache=True)``; the tests check compiled == plain == an independent
oracle. Kernels take NumPy arrays and scalars only.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["hysteresis_1d_nb", "hysteresis_1d_py", "weighted_score_nb", "weighted_score_py"]


def hysteresis_1d_py(
    score: np.ndarray, enter: float, exit_: float, min_dwell: int
) -> np.ndarray:
    """Two-state hysteresis on a score where positive means "abundant".

    State 1 (scarce) is entered when ``score <= -enter`` and left for state 0
    (abundant) when ``score >= exit_``. A state is held for at least
    ``min_dwell`` steps (rows, NaN rows included) before it may switch. Before the first finite score
    the state is -1 (unknown); the first finite score starts in scarce if
    ``score <= -enter`` and in abundant otherwise. A NaN score keeps the
    previous state. The output at ``t`` depends on ``score[:t + 1]`` only.

    Parameters
    ----------
    score : ndarray of shape (n,)
    enter, exit_ : float
        Thresholds; ``-enter <= exit_`` gives a dead band.
    min_dwell : int
        Minimum number of steps in a state before a switch (>= 1).

    Returns
    -------
    ndarray of int8, shape (n,)
        -1 unknown, 0 abundant, 1 scarce.
    """
    n = score.shape[0]
    out = np.empty(n, dtype=np.int8)
    state = -1
    dwell = 0
    for i in range(n):
        value = score[i]
        if np.isnan(value):
            if state >= 0:
                dwell += 1
            out[i] = state
            continue
        if state == -1:
            state = 1 if value <= -enter else 0
            dwell = 1
        elif dwell >= min_dwell and state == 0 and value <= -enter:
            state = 1
            dwell = 1
        elif dwell >= min_dwell and state == 1 and value >= exit_:
            state = 0
            dwell = 1
        else:
            dwell += 1
        out[i] = state
    return out


def weighted_score_py(X: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """NaN-aware weighted mean of the columns of ``X``.

    Equals ``(X * w).sum(axis=1, skipna) / (|w| * notna(X)).sum(axis=1)``
    in pandas, with NaN where no column is finite.

    Parameters
    ----------
    X : ndarray of shape (n, k)
    weights : ndarray of shape (k,)
        Signed weights.

    Returns
    -------
    ndarray of shape (n,)
    """
    n, k = X.shape
    out = np.empty(n, dtype=np.float64)
    for i in range(n):
        total = 0.0
        norm = 0.0
        for j in range(k):
            value = X[i, j]
            if not np.isnan(value):
                total += weights[j] * value
                norm += abs(weights[j])
        out[i] = total / norm if norm > 0.0 else np.nan
    return out


hysteresis_1d_nb = njit(cache=True)(hysteresis_1d_py)
weighted_score_nb = njit(cache=True)(weighted_score_py)
