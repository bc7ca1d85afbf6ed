"""Naming fitted states: which one is "scarce", by an economic rule.

Unsupervised models find states in an arbitrary order (and EM or k-means
may find them in a different order after every refit: hmmlearn issue #140).
Every classifier here therefore reorders its fitted states by one documented
rule, so that state 0 is always *abundant* and state 1 always *scarce*:

    score(state) = mean over known features k of  sign_k * mean_k(state)

where ``sign_k`` is the feature's ``abundant_sign`` in
:data:`regimes.features.FEATURES` (+1 when a high value means abundant
capital: net-liquidity growth; -1 when it means scarce capital: spreads,
VIX, rising yields) and ``mean_k(state)`` is the state's mean of the
standardised feature. The state with the **lower** score is *scarce*: lower
average net-liquidity growth, wider spreads. Columns whose names are not
FEATURES keys are ignored. When no column is known (ndarray input, or
unfamiliar names), the rule uses the first column only, with sign
``-scarce_direction``: ``scarce_direction=-1`` (default) means the scarce
state has the lower mean of the first column.

The rule depends only on the fitted state means, never on the order in which
an initialisation found them, so labels cannot flip between refits unless the
economics of the states themselves swap.
"""

from __future__ import annotations

import numpy as np

from regimes.features import FEATURES

__all__ = [
    "abundant_signs",
    "economic_signs",
    "first_observed",
    "impute_missing",
    "scarce_order",
    "sign_split",
    "training_rows",
]


def abundant_signs(feature_names, n_features: int, scarce_direction: float = -1.0,
                   feature_signs=None) -> np.ndarray:
    """Per-column sign used by the state-naming rule.

    Parameters
    ----------
    feature_names : array-like of str or None
        Column names (``feature_names_in_``), or None for ndarray input.
    n_features : int
    scarce_direction : {-1, +1}, default -1
        Fallback when no column is a known feature: the scarce state has the
        lower (-1) or higher (+1) mean of the first column.
    feature_signs : mapping of str to float, optional
        Signs of features that are not in :data:`FEATURES` (declared in config).

    Returns
    -------
    ndarray of shape (n_features,)
        +1, -1 or 0 (ignored column).
    """
    if scarce_direction not in (-1, 1, -1.0, 1.0):
        raise ValueError(f"scarce_direction must be -1 or +1, got {scarce_direction!r}.")
    signs = economic_signs(feature_names, n_features, feature_signs)
    if not np.any(signs):
        signs[0] = -float(scarce_direction)
    return signs


def economic_signs(feature_names, n_features: int, feature_signs=None) -> np.ndarray:
    """Each column's ``abundant_sign`` from :data:`FEATURES`, 0 for unknown columns.

    :func:`abundant_signs` without its naming fallback: the economics alone,
    which is what the jump model's sign constraint may enforce.

    Parameters
    ----------
    feature_names : array-like of str or None
        Column names, or None for ndarray input (all zeros).
    n_features : int
    feature_signs : mapping of str to float, optional
        Signs of columns that are not in :data:`FEATURES` (declared features);
        they take precedence.

    Returns
    -------
    ndarray of shape (n_features,)
        +1, -1 or 0.
    """
    signs = np.zeros(n_features)
    extra = dict(feature_signs or {})
    if feature_names is not None:
        for j, name in enumerate(feature_names):
            if str(name) in extra:
                signs[j] = float(np.sign(extra[str(name)]))
                continue
            spec = FEATURES.get(str(name))
            if spec is not None:
                signs[j] = float(spec.abundant_sign)
    return signs


def scarce_order(means: np.ndarray, signs: np.ndarray) -> np.ndarray:
    """Permutation putting the abundant state first and the scarce state last.

    Parameters
    ----------
    means : ndarray of shape (n_states, n_features)
        Fitted state means of the standardised features.
    signs : ndarray of shape (n_features,)
        From :func:`abundant_signs`.

    Returns
    -------
    ndarray of int, shape (n_states,)
        ``means[order]`` is sorted from most abundant to most scarce (ties
        keep the original order).
    """
    known = signs != 0
    score = (means[:, known] * signs[known]).mean(axis=1)
    return np.argsort(-score, kind="stable")


#: Fewer complete rows than this and ``fit`` imputes instead of dropping.
MIN_COMPLETE_ROWS = 20


def impute_missing(X: np.ndarray) -> np.ndarray:
    """NaN -> 0 in rows with at least one finite feature; empty rows stay NaN.

    The features are z-scores, so 0 is the feature's (trailing) mean: a
    missing feature votes for neither state. Rows with no finite feature
    stay all-NaN; the kernels read them as "no evidence" (the filter or the
    running cost only carries the previous state).

    Parameters
    ----------
    X : ndarray of shape (n, d)

    Returns
    -------
    ndarray of shape (n, d)
        A new array; ``X`` is left unchanged.
    """
    finite = np.isfinite(X)
    observed = finite.any(axis=1)
    out = np.where(finite, X, 0.0)
    out[~observed] = np.nan
    return out


def training_rows(X: np.ndarray, min_rows: int) -> np.ndarray:
    """Rows a classifier is fitted on.

    Rows with every feature finite; if fewer than ``MIN_COMPLETE_ROWS`` such
    rows exist (a feature that starts late), the rows with at least one
    finite feature, imputed by :func:`impute_missing`.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    min_rows : int
        The fit needs at least this many rows (the number of states).

    Returns
    -------
    ndarray of shape (n_rows, d), finite
    """
    complete = np.isfinite(X).all(axis=1)
    if complete.sum() >= MIN_COMPLETE_ROWS:
        rows = X[complete]
    else:
        imputed = impute_missing(X)
        rows = imputed[np.isfinite(imputed).all(axis=1)]
    if rows.shape[0] < min_rows:
        raise ValueError(
            f"the training data needs at least {min_rows} rows with a finite feature, got "
            f"n_samples={rows.shape[0]}."
        )
    return np.ascontiguousarray(rows)


def first_observed(X: np.ndarray) -> int:
    """Index of the first row with a finite feature (``len(X)`` if none)."""
    observed = np.isfinite(X).any(axis=1)
    return int(np.argmax(observed)) if observed.any() else X.shape[0]


def sign_split(X: np.ndarray, signs: np.ndarray) -> np.ndarray:
    """An economic initial partition: 1 (scarce) where the signed score is below 0.

    The score is ``X @ signs`` (the equal-weight composite of the known
    features). Used as one deterministic initialisation beside the random
    ones, so that a refit can always escape a poor previous optimum.

    Parameters
    ----------
    X : ndarray of shape (n, d), finite
    signs : ndarray of shape (d,)

    Returns
    -------
    ndarray of int, shape (n,)
        0 or 1; if one side is empty, the lower half of the score is 1.
    """
    score = X @ signs
    labels = (score < 0).astype(np.int64)
    if labels.min() == labels.max():
        labels = (score < np.median(score)).astype(np.int64)
    return labels
