"""Numba kernels for the regime classifiers.

Each kernel is written as plain Python (``*_py``) and compiled with
``njit(cache=True)``; the tests check compiled == plain == an independent
oracle. Kernels take NumPy arrays and scalars only.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "hmm_filter_log_nb",
    "hmm_filter_log_py",
    "hmm_filter_nb",
    "hmm_filter_py",
    "hmm_smooth_nb",
    "hmm_smooth_py",
    "hysteresis_1d_nb",
    "hysteresis_1d_py",
    "jump_dp_nb",
    "jump_dp_py",
    "jump_fit_nb",
    "jump_fit_py",
    "jump_forward_cost_nb",
    "jump_forward_cost_py",
    "sq_distance_nb",
    "sq_distance_py",
    "weighted_score_nb",
    "weighted_score_py",
]


def hysteresis_1d_py(score: np.ndarray, enter: float, exit_: float, min_dwell: int) -> np.ndarray:
    """Two-state hysteresis on a score where positive means "abundant".

    State 1 (scarce) is entered when ``score <= -enter`` and left for state 0
    (abundant) when ``score >= exit_``. A state is held for at least
    ``min_dwell`` steps (rows, NaN rows included) before it may switch.
    Before the first finite score the state is -1 (unknown); the first
    finite score starts in scarce if
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

# ---------------------------------------------------------------------------
# Gaussian hidden Markov model
# ---------------------------------------------------------------------------


def hmm_filter_py(
    log_emission: np.ndarray, startprob: np.ndarray, transmat: np.ndarray
) -> tuple[np.ndarray, float]:
    """Forward filter: ``p(state_t | x_1..x_t)`` for every ``t``.

    Row ``t`` of the output depends on ``log_emission[:t + 1]`` only. It
    equals the last row of hmmlearn's smoothed ``predict_proba(X[:t + 1])``.

    Parameters
    ----------
    log_emission : ndarray of shape (n, K)
    startprob : ndarray of shape (K,)
    transmat : ndarray of shape (K, K)
        Row-stochastic.

    Returns
    -------
    filtered : ndarray of shape (n, K)
        Rows sum to 1.
    log_likelihood : float
        ``log p(x_1..x_n)``.
    """
    n, n_states = log_emission.shape
    filtered = np.empty((n, n_states))
    predicted = startprob.copy()
    log_likelihood = 0.0
    for t in range(n):
        peak = log_emission[t, 0]
        for k in range(1, n_states):
            peak = max(peak, log_emission[t, k])
        total = 0.0
        for k in range(n_states):
            filtered[t, k] = predicted[k] * np.exp(log_emission[t, k] - peak)
            total += filtered[t, k]
        for k in range(n_states):
            filtered[t, k] /= total
        log_likelihood += np.log(total) + peak
        for k in range(n_states):
            acc = 0.0
            for j in range(n_states):
                acc += filtered[t, j] * transmat[j, k]
            predicted[k] = acc
    return filtered, log_likelihood


hmm_filter_nb = njit(cache=True)(hmm_filter_py)


def hmm_filter_log_py(
    log_emission: np.ndarray, startprob: np.ndarray, transmat: np.ndarray
) -> np.ndarray:
    """The forward filter in log space: ``log p(state_t | x_1..x_t)`` for every ``t``.

    Equals ``np.log(hmm_filter_py(...)[0])`` where that is finite, and stays
    finite where the filter saturates (a probability of 1 - 1e-20 is 1.0 in
    floating point; its log-odds are about 46). Row ``t`` depends on
    ``log_emission[:t + 1]`` only.

    Parameters
    ----------
    log_emission : ndarray of shape (n, K)
    startprob : ndarray of shape (K,)
    transmat : ndarray of shape (K, K)

    Returns
    -------
    ndarray of shape (n, K)
    """
    n, n_states = log_emission.shape
    out = np.empty((n, n_states))
    log_trans = np.log(transmat)
    predicted = np.log(startprob)
    joint = np.empty(n_states)
    for t in range(n):
        peak = -np.inf
        for k in range(n_states):
            joint[k] = predicted[k] + log_emission[t, k]
            peak = max(peak, joint[k])
        total = 0.0
        for k in range(n_states):
            total += np.exp(joint[k] - peak)
        norm = peak + np.log(total)
        for k in range(n_states):
            out[t, k] = joint[k] - norm
        for k in range(n_states):
            best = -np.inf
            for j in range(n_states):
                best = max(best, out[t, j] + log_trans[j, k])
            acc = 0.0
            for j in range(n_states):
                acc += np.exp(out[t, j] + log_trans[j, k] - best)
            predicted[k] = best + np.log(acc)
    return out


hmm_filter_log_nb = njit(cache=True)(hmm_filter_log_py)


def hmm_smooth_py(
    log_emission: np.ndarray, startprob: np.ndarray, transmat: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """Forward-backward smoother (offline: row ``t`` uses the whole sample).

    Equals hmmlearn's ``predict_proba``.

    Parameters
    ----------
    log_emission : ndarray of shape (n, K)
    startprob : ndarray of shape (K,)
    transmat : ndarray of shape (K, K)

    Returns
    -------
    posterior : ndarray of shape (n, K)
        ``p(state_t | x_1..x_n)``.
    transitions : ndarray of shape (K, K)
        Expected transition counts ``sum_t p(s_t = i, s_t+1 = j | x_1..x_n)``.
    log_likelihood : float
    """
    n, n_states = log_emission.shape
    filtered = np.empty((n, n_states))
    scale = np.empty(n)
    peaks = np.empty(n)
    emission = np.empty((n, n_states))
    predicted = startprob.copy()
    log_likelihood = 0.0
    for t in range(n):
        peak = log_emission[t, 0]
        for k in range(1, n_states):
            peak = max(peak, log_emission[t, k])
        peaks[t] = peak
        total = 0.0
        for k in range(n_states):
            emission[t, k] = np.exp(log_emission[t, k] - peak)
            filtered[t, k] = predicted[k] * emission[t, k]
            total += filtered[t, k]
        scale[t] = total
        for k in range(n_states):
            filtered[t, k] /= total
        log_likelihood += np.log(total) + peak
        for k in range(n_states):
            acc = 0.0
            for j in range(n_states):
                acc += filtered[t, j] * transmat[j, k]
            predicted[k] = acc
    posterior = np.empty((n, n_states))
    transitions = np.zeros((n_states, n_states))
    beta = np.ones(n_states)
    new_beta = np.empty(n_states)
    for k in range(n_states):
        posterior[n - 1, k] = filtered[n - 1, k]
    for t in range(n - 2, -1, -1):
        for i in range(n_states):
            acc = 0.0
            for j in range(n_states):
                term = transmat[i, j] * emission[t + 1, j] * beta[j] / scale[t + 1]
                transitions[i, j] += filtered[t, i] * term
                acc += term
            new_beta[i] = acc
        for i in range(n_states):
            beta[i] = new_beta[i]
            posterior[t, i] = filtered[t, i] * beta[i]
    return posterior, transitions, log_likelihood


hmm_smooth_nb = njit(cache=True)(hmm_smooth_py)


# ---------------------------------------------------------------------------
# Statistical jump model
# ---------------------------------------------------------------------------


def sq_distance_py(X: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Half squared Euclidean distance of every row to every centroid, over observed coordinates.

    Equals ``0.5 * ((X[t, o] - centroids[k, o]) ** 2).sum()`` with ``o`` the
    finite coordinates of row ``t`` (``0.5 * cdist(..., "sqeuclidean")`` on
    complete rows). A missing coordinate adds nothing to either state's loss,
    so it cannot favour one; a row with no finite coordinate gets 0 (no
    evidence).

    Parameters
    ----------
    X : ndarray of shape (n, d)
    centroids : ndarray of shape (K, d)

    Returns
    -------
    ndarray of shape (n, K)
    """
    n, d = X.shape
    n_states = centroids.shape[0]
    out = np.zeros((n, n_states))
    for i in range(n):
        for k in range(n_states):
            acc = 0.0
            for a in range(d):
                value = X[i, a]
                if np.isnan(value):
                    continue
                diff = value - centroids[k, a]
                acc += diff * diff
            out[i, k] = 0.5 * acc
    return out


sq_distance_nb = njit(cache=True)(sq_distance_py)


def jump_forward_cost_py(loss: np.ndarray, penalty: float) -> np.ndarray:
    """Running cost of the jump model's dynamic programme (the online pass).

    ``V[t, k] = loss[t, k] + min_j (V[t-1, j] + penalty * (j != k))``,
    ``V[0] = loss[0]``: the cheapest cost of any state path over rows
    ``0..t`` that ends in state ``k``. Row ``t`` depends on ``loss[:t + 1]``
    only. Each row is returned minus its minimum (the path-independent part),
    so the values stay bounded.

    Parameters
    ----------
    loss : ndarray of shape (n, K)
    penalty : float
        Cost of one state change (>= 0).

    Returns
    -------
    ndarray of shape (n, K)
        Relative running cost; ``argmin`` over a row is the online state.
    """
    n, n_states = loss.shape
    out = np.empty((n, n_states))
    previous = np.zeros(n_states)
    for t in range(n):
        best_previous = previous[0]
        for j in range(1, n_states):
            best_previous = min(best_previous, previous[j])
        lowest = np.inf
        for k in range(n_states):
            value = loss[t, k] + (min(previous[k], best_previous + penalty) if t > 0 else 0.0)
            out[t, k] = value
            lowest = min(lowest, value)
        for k in range(n_states):
            out[t, k] -= lowest
            previous[k] = out[t, k]
    return out


jump_forward_cost_nb = njit(cache=True)(jump_forward_cost_py)


def jump_dp_py(loss: np.ndarray, penalty: float) -> tuple[np.ndarray, float]:
    """Optimal state path of the jump model (Viterbi with a jump penalty).

    Minimises ``sum_t loss[t, s_t] + penalty * #{t: s_t != s_t-1}`` over all
    state paths (offline: uses the whole sample). Ties go to the lower state.

    Parameters
    ----------
    loss : ndarray of shape (n, K)
    penalty : float

    Returns
    -------
    states : ndarray of int64, shape (n,)
    cost : float
        The minimal objective.
    """
    n, n_states = loss.shape
    cost = np.empty((n, n_states))
    back = np.zeros((n, n_states), dtype=np.int64)
    for k in range(n_states):
        cost[0, k] = loss[0, k]
    for t in range(1, n):
        best = 0
        for j in range(1, n_states):
            if cost[t - 1, j] < cost[t - 1, best]:
                best = j
        for k in range(n_states):
            stay = cost[t - 1, k]
            move = cost[t - 1, best] + penalty
            if move < stay:
                cost[t, k] = loss[t, k] + move
                back[t, k] = best
            else:
                cost[t, k] = loss[t, k] + stay
                back[t, k] = k
    states = np.empty(n, dtype=np.int64)
    last = 0
    for k in range(1, n_states):
        if cost[n - 1, k] < cost[n - 1, last]:
            last = k
    total = cost[n - 1, last]
    states[n - 1] = last
    for t in range(n - 1, 0, -1):
        states[t - 1] = back[t, states[t]]
    return states, total


jump_dp_nb = njit(cache=True)(jump_dp_py)


def jump_fit_py(
    X: np.ndarray, centroids: np.ndarray, penalty: float, max_iter: int, signs: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float, int]:
    """Fit a jump model by coordinate descent from the given centroids.

    Alternates the optimal state path for fixed centroids
    (:func:`jump_dp_nb` on :func:`sq_distance_nb`) with the best centroids
    for a fixed path, until the path stops changing or after ``max_iter``
    rounds. The objective never increases.

    Missing coordinates (NaN) are skipped: the loss is over observed
    coordinates, and each centroid coordinate is the mean of that coordinate
    over the state's rows where it is observed (the exact minimiser of the
    observed-data loss), so a feature that starts late takes part from its
    first value without discarding the earlier rows of the others.

    The centroid step has an optional sign constraint for two states (state 0
    abundant, state 1 scarce): a feature ``a`` with ``signs[a] != 0`` may not
    separate the states against its economic sign,
    ``signs[a] * (c[1, a] - c[0, a]) <= 0``. The constrained least-squares
    optimum is separable per feature: where the state means violate the
    sign, both centroids take the feature's pooled mean (the feature then
    adds the same loss to both states and cannot drive the path); elsewhere
    they are the state means. ``signs`` of zeros is the plain jump model.

    Parameters
    ----------
    X : ndarray of shape (n, d)
        NaN where a coordinate is missing.
    centroids : ndarray of shape (K, d)
        With a sign constraint, K = 2 and row 0 abundant, row 1 scarce.
    penalty : float
    max_iter : int
    signs : ndarray of shape (d,)
        ``abundant_sign`` per feature (+1, -1, or 0 = unconstrained).
        Ignored unless K = 2.

    Returns
    -------
    centroids : ndarray of shape (K, d)
    states : ndarray of int64, shape (n,)
    objective : float
    n_iter : int
    """
    n, d = X.shape
    n_states = centroids.shape[0]
    centroids = centroids.copy()
    states = np.full(n, -1, dtype=np.int64)
    objective = np.inf
    n_iter = 0
    for it in range(max_iter):
        n_iter = it + 1
        new_states, objective = jump_dp_nb(sq_distance_nb(X, centroids), penalty)
        changed = False
        for t in range(n):
            if new_states[t] != states[t]:
                changed = True
                break
        states = new_states
        if not changed:
            break
        counts = np.zeros((n_states, d))
        sums = np.zeros((n_states, d))
        for t in range(n):
            k = states[t]
            for a in range(d):
                value = X[t, a]
                if not np.isnan(value):
                    counts[k, a] += 1.0
                    sums[k, a] += value
        for k in range(n_states):
            for a in range(d):
                if counts[k, a] > 0:  # a state with no value of the coordinate keeps it
                    centroids[k, a] = sums[k, a] / counts[k, a]
        if n_states == 2:
            for a in range(d):
                if (
                    counts[0, a] > 0
                    and counts[1, a] > 0
                    and signs[a] * (centroids[1, a] - centroids[0, a]) > 0.0
                ):
                    pooled = (sums[0, a] + sums[1, a]) / (counts[0, a] + counts[1, a])
                    centroids[0, a] = pooled
                    centroids[1, a] = pooled
    return centroids, states, objective, n_iter


jump_fit_nb = njit(cache=True)(jump_fit_py)
