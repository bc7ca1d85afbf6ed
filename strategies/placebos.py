"""Placebos: the rotation fed with the wrong regimes, to show what luck looks like.

* :func:`inverse_rotation` holds the scarce basket when the classifier says
  abundant and vice versa (labels swapped).
* :func:`random_regime_paths` simulates regime paths that time the baskets
  with no skill but with the classifier's own rhythm: states alternate, and
  each new spell's length is drawn from the lengths of the spells the
  classifier had *completed by the day the spell starts* (of the same state;
  of either state while that state has none; the classifier's current spell
  length while none has completed). The placebo is therefore **causal**:
  path ``k`` up to day ``t`` depends only on the labels up to ``t`` and on the
  seed, so truncating or changing the future leaves its past unchanged, like
  every tradable strategy. The first state is a fair coin and the first
  spell starts at a uniformly drawn point of its length. Feeding each path to
  :func:`strategies.rotation.regime_rotation` gives the ``random_regimes``
  placebo distribution (:func:`placebo_paths`, run by the backtest runner on
  the sweep kernel).

Pure functions; randomness only through the seed passed in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from strategies.options import RotationOptions, check_param
from strategies.rotation import regime_rotation

__all__ = [
    "PlaceboPaths",
    "inverse_rotation",
    "placebo_paths",
    "random_regime_paths",
    "random_regimes",
    "spell_lengths",
]

_STATES = ("abundant", "scarce")


def inverse_rotation(
    prices: pd.DataFrame,
    regimes: pd.DataFrame,
    baskets: Mapping[str, Sequence[str]],
    options: RotationOptions = RotationOptions(),
) -> pd.DataFrame:
    """The rotation with the regime labels swapped (placebo).

    Holds ``options.scarce_basket`` while the label is ``"abundant"`` and
    ``options.abundant_basket`` (less ``scarce_cash``) while it is ``"scarce"``.

    Returns
    -------
    DataFrame of shape (n_dates, n_tickers)
    """
    swapped = regimes.copy()
    label = regimes["regime"]
    swapped["regime"] = label.where(
        label.isna(), label.map({"abundant": "scarce", "scarce": "abundant"})
    )
    swapped["p_scarce"] = 1.0 - regimes["p_scarce"]
    return regime_rotation(prices, swapped, baskets, options)


def spell_lengths(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Run-length encoding of a label sequence.

    Parameters
    ----------
    labels : ndarray of shape (n,)

    Returns
    -------
    lengths : ndarray of int, shape (n_spells,)
    states : ndarray, shape (n_spells,)
        The label of each spell.

    Examples
    --------
    >>> spell_lengths(np.array(["a", "a", "b", "a"]))[0].tolist()
    [2, 1, 1]
    """
    labels = np.asarray(labels)
    if len(labels) == 0:
        return np.zeros(0, dtype=np.int64), labels[:0]
    starts = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]])
    lengths = np.diff(np.r_[starts, len(labels)])
    return lengths.astype(np.int64), labels[starts]


def _completed_spells(observed: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lengths, states and end positions (exclusive) of every spell, in order."""
    lengths, states = spell_lengths(observed)
    ends = np.cumsum(lengths)
    return lengths, states, ends


def _pool(
    day: int, state: str, lengths: np.ndarray, states: np.ndarray, ends: np.ndarray
) -> np.ndarray:
    """Spell lengths known at ``day`` (spells that ended by then), by the fallback rule."""
    known = ends <= day
    same = lengths[known & (states == state)]
    if len(same):
        return same
    any_state = lengths[known]
    if len(any_state):
        return any_state
    return np.array([max(day, 1)], dtype=np.int64)


def random_regime_paths(regimes: pd.DataFrame, n_paths: int, seed: int) -> list[pd.DataFrame]:
    """Random regime paths with the classifier's spell lengths known at each date (causal).

    Parameters
    ----------
    regimes : DataFrame of shape (n_dates, 2)
        Columns ``regime`` and ``p_scarce``; rows whose label is NaN
        (unlabelled warm-up) stay NaN in every path.
    n_paths : int
    seed : int
        Seed of ``np.random.default_rng``; path ``k`` uses its own stream
        (``SeedSequence(seed).spawn``), so path ``k`` does not depend on
        ``n_paths``.

    Returns
    -------
    list of DataFrame of shape (n_dates, 2)
        ``regime`` and ``p_scarce`` (1.0 scarce / 0.0 abundant) per path.
    """
    check_param("n_paths", n_paths)
    check_param("seed", seed)
    label = regimes["regime"]
    known = label.notna().to_numpy()
    observed = label[known].astype(str).to_numpy()
    lengths, states, ends = _completed_spells(observed)
    n = len(observed)
    paths = []
    for stream in np.random.SeedSequence(seed).spawn(n_paths):
        rng = np.random.default_rng(stream)
        path = np.empty(n, dtype=object)
        state = _STATES[int(rng.integers(2))]
        filled = 0
        first = True
        while filled < n:
            pool = _pool(filled, state, lengths, states, ends)
            length = int(pool[rng.integers(len(pool))])
            if first:  # start inside a spell, not at its beginning
                length = int(rng.integers(1, length + 1))
                first = False
            path[filled : filled + length] = state
            filled += length
            state = "abundant" if state == "scarce" else "scarce"
        frame = pd.DataFrame(
            {"regime": pd.Series(np.nan, index=regimes.index, dtype=object), "p_scarce": np.nan},
            index=regimes.index,
        )
        frame.loc[known, "regime"] = path
        frame.loc[known, "p_scarce"] = (path == "scarce").astype(float)
        paths.append(frame)
    return paths


@dataclass(frozen=True)
class PlaceboPaths:
    """The ``random_regimes`` placebo of one run: its parameters and every path.

    Attributes
    ----------
    options : RotationOptions
    n_paths, seed, path : int
        ``path`` is the representative path the engine runs (default 0, a plain
        random draw: choosing it by outcome would use future returns).
    paths : list of DataFrame
        :func:`random_regime_paths`.
    """

    options: RotationOptions
    n_paths: int
    seed: int
    path: int
    paths: list[pd.DataFrame]

    @property
    def representative(self) -> pd.DataFrame:
        """The labels of the representative path."""
        return self.paths[self.path]


def placebo_paths(
    regimes: pd.DataFrame,
    options: RotationOptions = RotationOptions(),
    n_paths: int = 200,
    seed: int = 0,
    path: int = 0,
) -> PlaceboPaths:
    """Every random path of a ``random_regimes`` strategy, and which one the engine runs.

    Raises
    ------
    ValueError
        ``path`` outside ``[0, n_paths)``.
    """
    check_param("path", path)
    if not path < n_paths:
        raise ValueError(f"path must be in [0, {n_paths}), got {path}.")
    return PlaceboPaths(options, n_paths, seed, path, random_regime_paths(regimes, n_paths, seed))


def random_regimes(
    prices: pd.DataFrame,
    regimes: pd.DataFrame,
    baskets: Mapping[str, Sequence[str]],
    options: RotationOptions = RotationOptions(),
    n_paths: int = 200,
    seed: int = 0,
    path: int = 0,
) -> pd.DataFrame:
    """The rotation on random path number ``path`` of :func:`random_regime_paths` (placebo).

    The runner evaluates all ``n_paths`` paths and reports the distribution;
    this function gives the weights of one of them.

    Returns
    -------
    DataFrame of shape (n_dates, n_tickers)
    """
    paths = placebo_paths(regimes, options, n_paths, seed, path)
    return regime_rotation(prices, paths.representative, baskets, options)
