"""Statistical honesty: is a Sharpe ratio distinguishable from luck?

Pure functions of NumPy arrays (daily simple returns), never modifying their
inputs:

* :func:`stationary_bootstrap_indices` - Politis & Romano (1994) stationary
  bootstrap: blocks start at uniform positions, have geometric lengths of
  mean ``mean_block`` and wrap around the end of the sample.
* :func:`bootstrap_sharpe` - CI of a Sharpe ratio, or of the difference of
  two Sharpe ratios resampled jointly (same indices for both series).
* :func:`probabilistic_sharpe_ratio` - Bailey & Lopez de Prado (2012), PSR:
  ``Phi((SR - SR*) sqrt(n - 1) / sqrt(1 - skew SR + (kurt - 1) / 4 SR^2))``
  with per-period (not annualised) SR and non-excess kurtosis.
* :func:`expected_max_sharpe` and :func:`deflated_sharpe_ratio` - Bailey &
  Lopez de Prado (2014): the PSR against the Sharpe ratio the best of
  ``n_trials`` unskilled trials is expected to reach,
  ``sqrt(V) ((1 - g) Phi^-1(1 - 1/N) + g Phi^-1(1 - 1/(N e)))``.
* :func:`probability_of_backtest_overfitting` - Bailey, Borwein, Lopez de
  Prado & Zhu (2016), combinatorially symmetric cross-validation (CSCV).

Sharpe ratios here are annualised with 252 periods unless a function says
"per period".
"""

from __future__ import annotations

import itertools
from typing import cast

import numpy as np
from scipy import stats

from data.base import PERIODS_PER_YEAR

__all__ = [
    "EULER_GAMMA",
    "bootstrap_sharpe",
    "deflated_sharpe_ratio",
    "expected_max_sharpe",
    "probabilistic_sharpe_ratio",
    "probability_of_backtest_overfitting",
    "sharpe_per_period",
    "stationary_bootstrap_indices",
]

EULER_GAMMA = 0.5772156649015329


def sharpe_per_period(returns: np.ndarray, axis: int = 0) -> np.ndarray | float:
    """Mean over standard deviation (ddof=1) along ``axis``; NaN where the deviation is 0."""
    returns = np.asarray(returns, dtype=float)
    mean = returns.mean(axis=axis)
    std = returns.std(axis=axis, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(std > 1e-15, mean / np.where(std > 1e-15, std, 1.0), np.nan)
    return float(ratio) if np.ndim(ratio) == 0 else ratio


def stationary_bootstrap_indices(
    n: int, mean_block: float, n_samples: int, rng: np.random.Generator
) -> np.ndarray:
    """Index paths of the stationary bootstrap.

    Parameters
    ----------
    n : int
        Sample length.
    mean_block : float
        Mean block length (>= 1); a new block starts with probability
        ``1 / mean_block`` at each step.
    n_samples : int
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of int, shape (n_samples, n)

    Examples
    --------
    >>> idx = stationary_bootstrap_indices(5, 1.0, 2, np.random.default_rng(0))
    >>> idx.shape
    (2, 5)
    """
    if mean_block < 1:
        raise ValueError(f"mean_block must be >= 1, got {mean_block}.")
    starts = rng.integers(0, n, size=(n_samples, n))
    new_block = rng.random((n_samples, n)) < 1.0 / mean_block
    new_block[:, 0] = True
    # position within the current block: steps since the last block start
    step = np.arange(n)
    last_start = np.maximum.accumulate(np.where(new_block, step, 0), axis=1)
    origin = np.take_along_axis(starts, last_start, axis=1)
    return (origin + step - last_start) % n


def bootstrap_sharpe(
    returns: np.ndarray,
    other: np.ndarray | None = None,
    mean_block: float = 21.0,
    n_samples: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, float]:
    """Stationary-bootstrap confidence interval of an annualised Sharpe ratio.

    Parameters
    ----------
    returns : ndarray of shape (n,)
    other : ndarray of shape (n,), optional
        When given, the statistic is ``Sharpe(returns) - Sharpe(other)``,
        both computed on the same resampled days.
    mean_block : float, default 21
    n_samples : int, default 1000
    seed : int, default 0
    level : float, default 0.95

    Returns
    -------
    dict
        ``estimate``, ``low``, ``high`` (percentile interval), ``std_error``,
        ``p_value_le_0`` (share of resamples with a statistic <= 0).
    """
    returns = np.asarray(returns, dtype=float)
    rng = np.random.default_rng(seed)
    scale = np.sqrt(PERIODS_PER_YEAR)

    def statistic(index):
        value = sharpe_per_period(returns[index], axis=-1) * scale
        if other is not None:
            value = (
                value - sharpe_per_period(np.asarray(other, dtype=float)[index], axis=-1) * scale
            )
        return value

    estimate = float(statistic(np.arange(len(returns))))
    draws = []
    for start in range(0, n_samples, 250):  # bounded memory
        index = stationary_bootstrap_indices(
            len(returns), mean_block, min(250, n_samples - start), rng
        )
        draws.append(statistic(index))
    draws = np.concatenate(draws)
    draws = draws[np.isfinite(draws)]
    tail = (1.0 - level) / 2.0
    if len(draws) == 0:
        return {
            "estimate": estimate,
            "low": np.nan,
            "high": np.nan,
            "std_error": np.nan,
            "p_value_le_0": np.nan,
        }
    return {
        "estimate": estimate,
        "low": float(np.quantile(draws, tail)),
        "high": float(np.quantile(draws, 1.0 - tail)),
        "std_error": float(draws.std(ddof=1)),
        "p_value_le_0": float(np.mean(draws <= 0.0)),
    }


def probabilistic_sharpe_ratio(
    sharpe: float, benchmark_sharpe: float, n: int, skewness: float, kurtosis: float
) -> float:
    """Probability that the true per-period Sharpe exceeds ``benchmark_sharpe``.

    Parameters
    ----------
    sharpe, benchmark_sharpe : float
        Per-period (not annualised) Sharpe ratios.
    n : int
        Number of returns.
    skewness : float
    kurtosis : float
        Non-excess (a normal distribution has 3).

    Returns
    -------
    float
    """
    denominator = 1.0 - skewness * sharpe + (kurtosis - 1.0) / 4.0 * sharpe**2
    if n < 2 or not denominator > 0:
        return float("nan")
    z = (sharpe - benchmark_sharpe) * np.sqrt(n - 1.0) / np.sqrt(denominator)
    return float(stats.norm.cdf(z))


def expected_max_sharpe(n_trials: int, variance: float) -> float:
    """Expected maximum of ``n_trials`` Sharpe ratios of zero mean and given variance.

    The False Strategy Theorem approximation (Bailey & Lopez de Prado 2014);
    0 for a single trial.
    """
    if n_trials <= 1:
        return 0.0
    z1 = stats.norm.ppf(1.0 - 1.0 / n_trials)
    z2 = stats.norm.ppf(1.0 - 1.0 / (n_trials * np.e))
    return float(np.sqrt(variance) * ((1.0 - EULER_GAMMA) * z1 + EULER_GAMMA * z2))


def deflated_sharpe_ratio(returns: np.ndarray, trial_sharpes: np.ndarray) -> dict[str, float]:
    """Deflated Sharpe ratio of ``returns`` given the Sharpe ratios of every trial.

    Parameters
    ----------
    returns : ndarray of shape (n,)
        Daily returns of the selected strategy.
    trial_sharpes : ndarray of shape (n_trials,)
        Per-period Sharpe ratios of all trials actually run (the sweep).

    Returns
    -------
    dict
        ``psr`` (against 0), ``dsr``, ``n_trials``, ``expected_max_sharpe``
        (annualised), ``sharpe`` (annualised).
    """
    returns = np.asarray(returns, dtype=float)
    trials = np.asarray(trial_sharpes, dtype=float)
    trials = trials[np.isfinite(trials)]
    sharpe = cast(float, sharpe_per_period(returns))  # 1-D returns: a scalar
    skewness = float(stats.skew(returns))
    kurtosis = float(stats.kurtosis(returns, fisher=False))
    variance = float(trials.var(ddof=1)) if len(trials) > 1 else 0.0
    threshold = expected_max_sharpe(len(trials), variance)
    return {
        "sharpe": float(sharpe * np.sqrt(PERIODS_PER_YEAR)),
        "psr": probabilistic_sharpe_ratio(sharpe, 0.0, len(returns), skewness, kurtosis),
        "dsr": probabilistic_sharpe_ratio(sharpe, threshold, len(returns), skewness, kurtosis),
        "n_trials": int(len(trials)),
        "expected_max_sharpe": float(threshold * np.sqrt(PERIODS_PER_YEAR)),
    }


def probability_of_backtest_overfitting(
    returns: np.ndarray, n_splits: int = 16, max_combinations: int = 20000
) -> dict[str, float]:
    """PBO by combinatorially symmetric cross-validation (CSCV).

    The rows are cut into ``n_splits`` contiguous blocks. For every choice of
    half the blocks as in-sample (the rest out-of-sample), the trial with the
    best in-sample Sharpe is found; ``w`` is its out-of-sample rank among all
    trials divided by ``n_trials + 1`` and ``logit = log(w / (1 - w))``. PBO
    is the share of choices with ``logit <= 0`` (the in-sample winner is at
    or below the out-of-sample median).

    Parameters
    ----------
    returns : ndarray of shape (n_days, n_trials)
    n_splits : int, default 16
        Even; C(16, 8) = 12,870 choices.
    max_combinations : int, default 20000
        Refuse larger problems instead of running for hours.

    Returns
    -------
    dict
        ``pbo``, ``logit_median``, ``n_combinations``, ``n_trials``.
    """
    returns = np.asarray(returns, dtype=float)
    n_days, n_trials = returns.shape
    if n_splits % 2 or n_splits < 2:
        raise ValueError(f"n_splits must be even and >= 2, got {n_splits}.")
    if n_trials < 2 or n_days < n_splits * 2:
        return {
            "pbo": float("nan"),
            "logit_median": float("nan"),
            "n_combinations": 0,
            "n_trials": int(n_trials),
        }
    blocks = np.array_split(np.arange(n_days), n_splits)
    count = np.array([len(b) for b in blocks], dtype=float)
    total = np.stack([returns[b].sum(axis=0) for b in blocks])
    square = np.stack([(returns[b] ** 2).sum(axis=0) for b in blocks])
    choices = np.array(list(itertools.combinations(range(n_splits), n_splits // 2)))
    if len(choices) > max_combinations:
        raise ValueError(f"{len(choices)} CSCV combinations exceed max_combinations.")
    member = np.zeros((len(choices), n_splits))
    np.put_along_axis(member, choices, 1.0, axis=1)
    logits = []
    for start in range(0, len(member), 2000):
        part = member[start : start + 2000]
        in_sharpe = _sharpe_from_sums(part @ total, part @ square, part @ count)
        out_sharpe = _sharpe_from_sums((1 - part) @ total, (1 - part) @ square, (1 - part) @ count)
        best = np.argmax(np.where(np.isfinite(in_sharpe), in_sharpe, -np.inf), axis=1)
        chosen = out_sharpe[np.arange(len(part)), best]
        rank = (out_sharpe < chosen[:, None]).sum(axis=1) + 1.0
        omega = rank / (n_trials + 1.0)
        logits.append(np.log(omega / (1.0 - omega)))
    logits = np.concatenate(logits)
    return {
        "pbo": float(np.mean(logits <= 0.0)),
        "logit_median": float(np.median(logits)),
        "n_combinations": int(len(logits)),
        "n_trials": int(n_trials),
    }


def _sharpe_from_sums(total: np.ndarray, square: np.ndarray, count: np.ndarray) -> np.ndarray:
    count = count[:, None]
    mean = total / count
    variance = (square - count * mean**2) / (count - 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(variance > 1e-30, mean / np.sqrt(np.maximum(variance, 1e-300)), np.nan)
