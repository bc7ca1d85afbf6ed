"""Shared plumbing for regime estimators: input validation and named outputs.

Every estimator follows the scikit-learn contract and, in addition, the
regime contract:

* ``predict_proba_online(X)`` returns a DataFrame (or an ndarray for ndarray
  input) with columns ``abundant`` and ``scarce`` on ``X``'s index. Row ``t``
  depends on rows ``<= t`` of ``X`` only (filtering, never smoothing).
* ``predict_online(X)`` returns the labels ``"abundant"``/``"scarce"`` (a
  Series on ``X``'s index for DataFrame input), or NaN where the estimator
  cannot say yet (warm-up rows with no finite feature).

Validation happens once per call, in ``_validate``: scikit-learn's
``validate_data`` (float64, NaN allowed, feature names recorded by ``fit``
and checked by the other methods). It costs about a millisecond for a
DataFrame, which is most of the cost of a walk-forward that fits and scores
a cheap model thousands of times, so :func:`regimes.walk_forward_regimes`
validates the feature frame once (:meth:`CheckedFeatures.from_frame`) and
hands the estimators :class:`CheckedFeatures` row blocks: ``_validate``
accepts them without a second check, and records or checks their feature
names exactly as ``validate_data`` would for the frame. The outputs are then
bare arrays, as for ndarray input; the public methods keep their
DataFrame-in, named-DataFrame-out behaviour.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.base import clone as _sklearn_clone
from sklearn.utils.validation import validate_data

from data import REGIME_NAMES

__all__ = ["REGIME_NAMES", "CheckedFeatures", "RegimeMixin", "labels_from_codes"]

#: ``sklearn.base.clone``, typed: scikit-learn ships no annotations, and pyright
#: infers its result as a union of containers that hides the estimator's methods.
clone: Callable[[Any], Any] = _sklearn_clone


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


class _FeatureProbe(BaseEstimator):
    """A stand-in estimator that ``validate_data`` records feature names on."""


class CheckedFeatures:
    """Rows of a feature frame already validated as ``RegimeMixin._validate`` would.

    Build it once with :meth:`from_frame`, then take row blocks with
    :meth:`rows`, :meth:`head` and :meth:`tail`; estimators accept a block wherever they
    accept ``X`` (their outputs are then bare arrays, as for ndarray input).

    The blocks have the memory layout of the same rows of the DataFrame
    converted by ``validate_data`` (the transpose of a C-ordered
    ``(n_features, n_rows)`` array, as pandas stores them), so array
    reductions add the numbers in the same order and give the same bits.

    Attributes
    ----------
    values : ndarray of shape (n_rows, n_features)
        float64, NaN allowed, no infinities.
    feature_names : ndarray of object or None
        The frame's column names when they are all strings (as
        ``feature_names_in_``), else None.
    """

    __slots__ = ("feature_names", "values")

    def __init__(self, values: np.ndarray, feature_names: np.ndarray | None):
        self.values = values
        self.feature_names = feature_names

    @classmethod
    def from_frame(cls, X) -> CheckedFeatures:
        """Validate ``X`` once (scikit-learn's ``validate_data``, NaN allowed).

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_rows, n_features)

        Returns
        -------
        CheckedFeatures
        """
        probe = _FeatureProbe()
        values = cast(
            np.ndarray,
            validate_data(probe, X, reset=True, ensure_all_finite="allow-nan", dtype=np.float64),
        )
        names = getattr(probe, "feature_names_in_", None)
        return cls(np.ascontiguousarray(values.T).T, names)

    @property
    def shape(self) -> tuple[int, int]:
        return self.values.shape

    def __len__(self) -> int:
        return self.values.shape[0]

    def head(self, stop: int) -> CheckedFeatures:
        """Rows ``[0, stop)`` (a view, like ``X.iloc[:stop]``)."""
        return CheckedFeatures(self.values[:stop], self.feature_names)

    def tail(self, n: int) -> CheckedFeatures:
        """The last ``n`` rows (a view, like ``X.iloc[-n:]``)."""
        return CheckedFeatures(self.values[-n:], self.feature_names)

    def rows(self, positions: np.ndarray) -> CheckedFeatures:
        """Rows at ``positions`` (a copy, like ``X.iloc[positions]``)."""
        return CheckedFeatures(np.take(self.values.T, positions, axis=1).T, self.feature_names)

    def checked_for(self, estimator, reset: bool) -> np.ndarray:
        """What ``validate_data(estimator, frame_rows, reset=reset, ...)`` returns.

        ``reset=True`` records ``n_features_in_`` and ``feature_names_in_``
        (deleting a stale one); ``reset=False`` checks them.

        Raises
        ------
        ValueError
            No rows, or features that differ from those seen in ``fit``.
        """
        n_rows, n_features = self.values.shape
        if n_rows < 1:
            raise ValueError(
                f"Found array with 0 sample(s) (shape={self.values.shape}) while a "
                "minimum of 1 is required."
            )
        names = self.feature_names
        if reset:
            estimator.n_features_in_ = n_features
            if names is not None:
                estimator.feature_names_in_ = names
            elif hasattr(estimator, "feature_names_in_"):
                del estimator.feature_names_in_
            return self.values
        fitted = getattr(estimator, "feature_names_in_", None)
        if (fitted is None) != (names is None) or (
            names is not None
            and fitted is not None
            and (len(fitted) != len(names) or np.any(fitted != names))
        ):
            raise ValueError("The feature names should match those that were passed during fit.")
        if n_features != estimator.n_features_in_:
            raise ValueError(
                f"X has {n_features} features, but {type(estimator).__name__} is "
                f"expecting {estimator.n_features_in_} features as input."
            )
        return self.values


class RegimeMixin:
    """Wraps array results back onto the input's index, with regime names."""

    if TYPE_CHECKING:  # from BaseEstimator, which every regime estimator also subclasses

        def get_params(self, deep: bool = True) -> dict[str, Any]: ...

    def _validate(self, X, reset: bool) -> np.ndarray:
        if isinstance(X, CheckedFeatures):
            return X.checked_for(self, reset)
        return cast(
            np.ndarray,
            validate_data(self, X, reset=reset, ensure_all_finite="allow-nan", dtype=np.float64),
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
        # a mixin: BaseEstimator, next in the estimator's MRO, defines it
        tags = super().__sklearn_tags__()  # pyright: ignore[reportAttributeAccessIssue]  # mixin
        tags.input_tags.allow_nan = True
        tags.requires_fit = True
        return tags
