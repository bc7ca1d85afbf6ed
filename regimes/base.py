"""Shared plumbing for regime estimators: input validation and named outputs.

Every estimator follows the scikit-learn contract and, in addition, the
regime contract:

* ``predict_proba_online(X)`` returns a DataFrame (or an ndarray for ndarray
  input) with columns ``abundant`` and ``scarce`` on ``X``'s index. Row ``t``
  depends on rows ``<= t`` of ``X`` only (filtering, never smoothing).
* ``predict_online(X)`` returns the labels ``"abundant"``/``"scarce"`` (a
  Series on ``X``'s index for DataFrame input), or NaN where the estimator
  cannot say yet (warm-up rows with no finite feature).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils.validation import validate_data

from data import REGIME_NAMES

__all__ = ["REGIME_NAMES", "RegimeMixin", "labels_from_codes"]


def labels_from_codes(codes: np.ndarray) -> np.ndarray:
    """Map state codes (0 abundant, 1 scarce, -1 unknown) to object labels.

    Parameters
    ----------
    codes : ndarray of int, shape (n,)

    Returns
    -------
    ndarray of object, shape (n,)
        ``"abundant"``, ``"scarce"`` or NaN.
    """
    labels = np.full(codes.shape[0], np.nan, dtype=object)
    labels[codes == 0] = REGIME_NAMES[0]
    labels[codes == 1] = REGIME_NAMES[1]
    return labels


class RegimeMixin:
    """Wraps array results back onto the input's index, with regime names."""

    def _validate(self, X, reset: bool):
        return validate_data(
            self, X, reset=reset, ensure_all_finite="allow-nan", dtype=np.float64
        )

    @staticmethod
    def _wrap_proba(X, proba: np.ndarray):
        if isinstance(X, pd.DataFrame):
            return pd.DataFrame(proba, index=X.index, columns=list(REGIME_NAMES))
        return proba

    @classmethod
    def _wrap_logistic(cls, X, abundant_margin: np.ndarray):
        """Probabilities from a margin for "abundant": ``p_scarce = 1 / (1 + exp(margin))``.

        The margin is clipped to +-50 so that ``exp`` cannot overflow; NaN
        margins give NaN rows.
        """
        p_scarce = 1.0 / (1.0 + np.exp(np.clip(abundant_margin, -50, 50)))
        return cls._wrap_proba(X, np.column_stack([1.0 - p_scarce, p_scarce]))

    @staticmethod
    def _wrap_labels(X, labels: np.ndarray):
        if isinstance(X, pd.DataFrame):
            return pd.Series(labels, index=X.index, name="regime", dtype=object)
        return labels

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.requires_fit = True
        return tags
