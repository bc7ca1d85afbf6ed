"""The transparent baseline: a signed, weighted composite liquidity score.

The score on day ``t`` is the NaN-aware weighted mean of the standardised
features on day ``t`` (weights carry the sign, "positive = abundant"),
divided by the standard deviation of the score over the training rows. A
hysteresis rule turns it into labels: the regime becomes *scarce* when the
normalised score falls to ``-enter_threshold`` or below, and returns to
*abundant* when it rises to ``exit_threshold`` or above, and never before
``min_dwell`` trading days in the current regime. ``p_scarce`` is a
logistic transform of the normalised score.

Both outputs on day ``t`` use features up to ``t`` only.

``fit`` learns only the weights and the score scale; ``enter_threshold``,
``exit_threshold``, ``min_dwell`` and ``sharpness`` turn the fitted score
into labels and probabilities afterwards (:data:`CompositeScoreRegime.SCORE_ONLY_PARAMS`).
:func:`regimes.walk_forward.walk_forward_grid` uses this to run a grid of
them on one walk-forward score, with the same result as one walk-forward per
setting.
"""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from regimes._nb import hysteresis_1d_nb, weighted_score_nb
from regimes.base import RegimeMixin, labels_from_codes
from regimes.labels import economic_signs

__all__ = ["CompositeScoreRegime"]


class CompositeScoreRegime(RegimeMixin, BaseEstimator):
    """Weighted sum of signed, standardised liquidity features with hysteresis.

    Parameters
    ----------
    weights : mapping of str to float, sequence of float, or None, default None
        Signed weight per feature: by column name for DataFrame input, or in
        column order. Positive means a high value signals abundant capital.
        None gives each column its economic sign
        (:func:`regimes.labels.economic_signs`: ``feature_signs``, then the
        built-in features' documented signs) and +1 to a column that is not a
        known feature (ndarray input: +1 everywhere).
    enter_threshold : float, default 0.5
        Enter *scarce* when the normalised score is ``<= -enter_threshold``.
    exit_threshold : float, default 0.0
        Return to *abundant* when the normalised score is ``>= exit_threshold``.
    min_dwell : int, default 10
        Minimum trading days in a regime before switching.
    sharpness : float, default 2.0
        Slope of ``p_scarce = 1 / (1 + exp(sharpness * z))`` in the normalised
        score ``z``.
    feature_signs : mapping of str to float or None, default None
        Signs of features declared in config (not in ``regimes.FEATURES``).

    Attributes
    ----------
    weights_ : ndarray of shape (n_features_in_,)
    score_scale_ : float
        Standard deviation of the training score (1.0 if it is zero).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only for DataFrame input.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"liquidity": [1.0, 0.5, -1.0, -1.2, 0.8, 1.1]})
    >>> model = CompositeScoreRegime(min_dwell=1).fit(X)
    >>> model.predict_online(X).tolist()
    ['abundant', 'abundant', 'scarce', 'scarce', 'abundant', 'abundant']
    """

    #: Parameters that only post-process the fitted score (``fit`` does not read them).
    SCORE_ONLY_PARAMS: frozenset[str] = frozenset(
        {"enter_threshold", "exit_threshold", "min_dwell", "sharpness"}
    )
    #: Set by ``fit`` (scikit-learn's ``validate_data``); declared for type checkers.
    n_features_in_: int

    _parameter_constraints: dict = {
        "weights": [Mapping, list, None],
        "enter_threshold": [Interval(Real, None, None, closed="neither")],
        "exit_threshold": [Interval(Real, None, None, closed="neither")],
        "min_dwell": [Interval(Integral, 1, None, closed="left")],
        "sharpness": [Interval(Real, 0, None, closed="neither")],
        "feature_signs": [Mapping, None],
    }

    def __init__(
        self,
        weights: Mapping[str, float] | list[float] | None = None,
        enter_threshold: float = 0.5,
        exit_threshold: float = 0.0,
        min_dwell: int = 10,
        sharpness: float = 2.0,
        feature_signs: Mapping[str, float] | None = None,
    ):
        self.weights = weights
        self.enter_threshold = enter_threshold
        self.exit_threshold = exit_threshold
        self.min_dwell = min_dwell
        self.sharpness = sharpness
        self.feature_signs = feature_signs

    def check_params(self) -> None:
        """Validate the parameters (types, ranges, thresholds that overlap).

        Raises
        ------
        ValueError
            ``sklearn``'s ``InvalidParameterError`` (a ValueError) naming the
            parameter.
        """
        self._validate_params()
        if self.enter_threshold < -self.exit_threshold:
            raise ValueError(
                "enter_threshold must be >= -exit_threshold, or the two thresholds "
                f"overlap (got enter={self.enter_threshold}, exit={self.exit_threshold})."
            )

    def _resolve_weights(self, X) -> np.ndarray:
        n_features = self.n_features_in_
        if self.weights is None:
            names = getattr(self, "feature_names_in_", None)
            signs = economic_signs(names, n_features, self.feature_signs)
            return np.where(signs == 0, 1.0, signs)
        if isinstance(self.weights, Mapping):
            names = getattr(self, "feature_names_in_", None)
            if names is None:
                raise ValueError("weights given by name need a DataFrame with those columns.")
            unknown = sorted(set(self.weights) - set(names))
            if unknown:
                raise ValueError(
                    f"weights name features {unknown} that are not in X; columns are {list(names)}."
                )
            return np.array([float(self.weights.get(name, 0.0)) for name in names])
        weights = np.asarray(self.weights, dtype=float)
        if weights.shape != (n_features,):
            raise ValueError(f"weights has shape {weights.shape}; expected ({n_features},).")
        return weights

    def fit(self, X, y=None):
        """Learn the score scale from the training rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Standardised features; NaN allowed (warm-up rows).
        y : ignored

        Returns
        -------
        self
        """
        self.check_params()
        X = self._validate(X, reset=True)
        self.weights_ = self._resolve_weights(X)
        if not np.any(self.weights_ != 0):
            raise ValueError("all composite weights are zero; give at least one feature a weight.")
        score = weighted_score_nb(X, self.weights_)
        finite = score[np.isfinite(score)]
        if finite.size < 2:
            raise ValueError(
                "the training data needs at least 2 rows with a finite feature, got "
                f"n_samples={finite.size}."
            )
        scale = float(np.std(finite))
        self.score_scale_ = scale if scale > 0 else 1.0
        return self

    def score_online(self, X) -> np.ndarray:
        """Normalised composite score per row (positive = abundant).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        return weighted_score_nb(X, self.weights_) / self.score_scale_

    def scarce_probability_from_score(self, score: np.ndarray) -> np.ndarray:
        """``p_scarce`` of a normalised score: ``1 / (1 + exp(sharpness * score))``.

        Parameters
        ----------
        score : ndarray of shape (n_samples,)
            From :meth:`score_online`.

        Returns
        -------
        ndarray of shape (n_samples,)
            NaN where the score is NaN. Elementwise, so a slice of the score
            gives the same slice of the result.
        """
        return np.asarray(self._wrap_logistic(score, self.sharpness * score))[:, 1]

    def codes_from_score(self, score: np.ndarray) -> np.ndarray:
        """Hysteresis state codes of a normalised score (row ``t`` uses rows ``<= t``).

        Parameters
        ----------
        score : ndarray of shape (n_samples,)
            From :meth:`score_online`.

        Returns
        -------
        ndarray of int, shape (n_samples,)
            0 abundant, 1 scarce, -1 before the first finite score
            (:func:`regimes.base.labels_from_codes` names them).
        """
        return hysteresis_1d_nb(
            score, float(self.enter_threshold), float(self.exit_threshold), int(self.min_dwell)
        )

    def predict_proba_online(self, X):
        """Filtered regime probabilities: row ``t`` uses rows ``<= t`` only.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        DataFrame or ndarray of shape (n_samples, 2)
            Columns ``abundant`` and ``scarce``; NaN where no feature is finite.
        """
        return self._wrap_logistic(X, self.sharpness * self.score_online(X))

    def predict_online(self, X):
        """Hysteresis labels: row ``t`` uses rows ``<= t`` only.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        Series or ndarray of shape (n_samples,)
            ``"abundant"``, ``"scarce"``, or NaN before the first finite score.
        """
        codes = self.codes_from_score(self.score_online(X))
        return self._wrap_labels(X, labels_from_codes(codes))

    def predict(self, X):
        """Alias of :meth:`predict_online`: this model never smooths."""
        return self.predict_online(X)
