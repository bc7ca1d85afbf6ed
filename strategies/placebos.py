"""Placebos: the rotation fed with the wrong regimes, to show what luck looks like.

* :func:`inverse_rotation` holds the scarce basket when the classifier says
  abundant and vice versa (labels swapped).
* :func:`random_regime_paths` simulates regime paths with the same
  spell-length distribution as the classifier's labels: spell lengths are
  resampled (with replacement) from the observed spells, states alternate,
  and the first state is drawn with the observed share of time. Feeding each
  path to :func:`strategies.rotation.regime_rotation` gives the
  ``random_regimes`` placebo distribution (the runner does this, many seeds).

Pure functions; randomness only through the generator or seed passed in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from strategies.rotation import regime_rotation

__all__ = ["inverse_rotation", "random_regime_paths", "random_regimes", "spell_lengths"]


def inverse_rotation(
    prices: pd.DataFrame,
    regimes: pd.DataFrame,
    baskets: Mapping[str, Sequence[str]],
    abundant_basket: str = "speculative",
    scarce_basket: str = "cash_flow",
    weighting: str = "equal",
    vol_window: int = 63,
    scarce_cash: float = 0.0,
) -> pd.DataFrame:
    """The rotation with the regime labels swapped (placebo).

    Holds ``scarce_basket`` while the label is ``"abundant"`` and
    ``abundant_basket`` (less ``scarce_cash``) while it is ``"scarce"``.

    Returns
    -------
    DataFrame of shape (n_dates, n_tickers)
    """
    swapped = regimes.copy()
    label = regimes["regime"]
    swapped["regime"] = label.where(label.isna(), label.map({"abundant": "scarce",
                                                             "scarce": "abundant"}))
    swapped["p_scarce"] = 1.0 - regimes["p_scarce"]
    return regime_rotation(prices, swapped, baskets, abundant_basket, scarce_basket,
                           weighting, vol_window, scarce_cash)


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


def random_regime_paths(
    regimes: pd.DataFrame, n_paths: int, seed: int
) -> list[pd.DataFrame]:
    """Random regime paths with the classifier's spell-length distribution.

    Spell lengths of each state are resampled from that state's observed
    spells, states alternate, the first state is ``"scarce"`` with the
    observed share of scarce days. Rows whose label is NaN stay NaN
    (unlabelled warm-up).

    Parameters
    ----------
    regimes : DataFrame of shape (n_dates, 2)
        Columns ``regime`` and ``p_scarce``.
    n_paths : int
    seed : int
        Seed of ``np.random.default_rng``.

    Returns
    -------
    list of DataFrame of shape (n_dates, 2)
        ``regime`` and ``p_scarce`` (1.0 scarce / 0.0 abundant) per path.
    """
    rng = np.random.default_rng(seed)
    label = regimes["regime"]
    known = label.notna().to_numpy()
    observed = label[known].astype(str).to_numpy()
    lengths, states = spell_lengths(observed)
    pools = {state: lengths[states == state] for state in ("abundant", "scarce")}
    for state, pool in pools.items():
        if len(pool) == 0:  # a state never seen: its spells borrow the other's
            pools[state] = lengths
    share_scarce = float((observed == "scarce").mean()) if len(observed) else 0.5
    n = len(observed)
    paths = []
    for _ in range(n_paths):
        state = "scarce" if rng.random() < share_scarce else "abundant"
        path = np.empty(n, dtype=object)
        filled = 0
        first = True
        while filled < n:
            pool = pools[state]
            length = int(pool[rng.integers(len(pool))])
            if first:  # start inside a spell, not at its beginning
                length = int(rng.integers(1, length + 1))
                first = False
            path[filled:filled + length] = state
            filled += length
            state = "abundant" if state == "scarce" else "scarce"
        frame = pd.DataFrame({"regime": pd.Series(np.nan, index=regimes.index, dtype=object),
                              "p_scarce": np.nan}, index=regimes.index)
        frame.loc[known, "regime"] = path
        frame.loc[known, "p_scarce"] = (path == "scarce").astype(float)
        paths.append(frame)
    return paths


def random_regimes(
    prices: pd.DataFrame,
    regimes: pd.DataFrame,
    baskets: Mapping[str, Sequence[str]],
    abundant_basket: str = "speculative",
    scarce_basket: str = "cash_flow",
    weighting: str = "equal",
    vol_window: int = 63,
    scarce_cash: float = 0.0,
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
    if not 0 <= path < n_paths:
        raise ValueError(f"path must be in [0, {n_paths}), got {path}.")
    simulated = random_regime_paths(regimes, n_paths, seed)[path]
    return regime_rotation(prices, simulated, baskets, abundant_basket, scarce_basket,
                           weighting, vol_window, scarce_cash)
