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
    "MIN_FEATURE_ROWS",
    "abundant_signs",
    "active_features",
    "mask_inactive",
    "nanmean_or_zero",
    "economic_signs",
    "first_observed",
    "impute_missing",
    "scarce_order",
    "sign_split",
    "training_rows",
]


def abundant_signs(
    feature_names, n_features: int, scarce_direction: float = -1.0, feature_signs=None
) -> np.ndarray:
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


def impute_missing(X: np.ndarray) -> np.ndarray:
    """NaN -> 0 in rows with at least one finite feature; empty rows stay NaN.

    The features are z-scores, so 0 is the feature's (trailing) mean. Used
    only to *initialise* the learned models (k-means, the economic split);
    fitting and inference use the observed coordinates only.

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


#: A feature takes part in a fit once it has this many values in the training
#: rows (a quarter of trading days); before, it is left out of the model and of
#: its predictions, exactly as if it were missing.
MIN_FEATURE_ROWS = 63


def active_features(rows: np.ndarray, min_rows: int = MIN_FEATURE_ROWS) -> np.ndarray:
    """Which features have enough values in the training rows to take part in a fit.

    Returns
    -------
    ndarray of bool, shape (n_features,)
    """
    return np.isfinite(rows).sum(axis=0) >= min_rows


def mask_inactive(X: np.ndarray, active: np.ndarray) -> np.ndarray:
    """``X`` with the inactive features set to NaN (a copy when any is inactive)."""
    if active.all():
        return X
    masked = X.copy()
    masked[:, ~active] = np.nan
    return masked


def nanmean_or_zero(X: np.ndarray) -> np.ndarray:
    """Column means over finite values; 0 (the z-score mean) for a column with none."""
    finite = np.isfinite(X)
    counts = finite.sum(axis=0)
    sums = np.where(finite, X, 0.0).sum(axis=0)
    return np.divide(sums, counts, out=np.zeros(X.shape[1]), where=counts > 0)


def training_rows(X: np.ndarray, min_rows: int) -> np.ndarray:
    """Rows a classifier is fitted on: every row with at least one finite feature.

    Missing coordinates stay NaN: the models use the likelihood (or loss) of
    the observed coordinates (:mod:`regimes._nb_gaussian`,
    :func:`regimes._nb.jump_fit_py`), so a feature that starts late, or has a
    gap, costs no row of the other features' history.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    min_rows : int
        The fit needs at least this many rows (the number of states).

    Returns
    -------
    ndarray of shape (n_rows, d)
        NaN where a coordinate is missing.

    Raises
    ------
    ValueError
        Fewer than ``min_rows`` such rows, or a feature with no finite value
        at all (the models could not place it).
    """
    rows = X[np.isfinite(X).any(axis=1)]
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
    X : ndarray of shape (n, d)
        Missing coordinates (NaN) count as 0 (their mean).
    signs : ndarray of shape (d,)

    Returns
    -------
    ndarray of int, shape (n,)
        0 or 1; if one side is empty, the lower half of the score is 1.
    """
    score = np.where(np.isfinite(X), X, 0.0) @ signs
    labels = (score < 0).astype(np.int64)
    if labels.min() == labels.max():
        labels = (score < np.median(score)).astype(np.int64)
    return labels
