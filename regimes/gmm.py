"""Gaussian mixture regimes: scikit-learn's ``GaussianMixture``, named and persistent.

The mixture is fitted on the standardised features; its two components are
named by the rule in :mod:`regimes.labels`. The online probability of row
``t`` is the component posterior given row ``t`` alone, so it is causal by
construction (and memoryless). Persistence is optional: labels follow a
hysteresis on ``p_scarce`` (enter *scarce* at ``p_scarce >=
enter_probability``, return at ``p_scarce <= exit_probability``) with a
minimum dwell, all of which only look back.
"""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.mixture import GaussianMixture
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from regimes._nb import hysteresis_1d_nb
from regimes.base import RegimeMixin, labels_from_codes
from regimes.labels import abundant_signs, impute_missing, scarce_order, training_rows

__all__ = ["GaussianMixtureRegime"]

N_STATES = 2


class GaussianMixtureRegime(RegimeMixin, BaseEstimator):
    """Two-component Gaussian mixture with hysteresis labels.

    Parameters
    ----------
    covariance_type : {"tied", "full", "diag", "spherical"}, default "tied"
        "tied" makes the components differ in their means only (see
        :class:`regimes.hmm.HiddenMarkovRegime`).
    n_init : int, default 1
    max_iter : int, default 100
    tol : float, default 1e-3
    reg_covar : float, default 1e-6
    enter_probability : float, default 0.5
        Enter *scarce* when ``p_scarce >= enter_probability``.
    exit_probability : float, default 0.5
        Return to *abundant* when ``p_scarce <= exit_probability``.
    min_dwell : int, default 1
        Minimum trading days in a regime before switching.
    scarce_direction : {-1, 1}, default -1
        State-naming fallback, see :mod:`regimes.labels`.
    random_state : int, RandomState or None, default None
    warm_start : bool, default False
        If True and fitted, ``fit`` starts EM from the current mixture.
    feature_signs : mapping of str to float or None, default None
        Signs of features declared in config, for naming the states.

    Attributes
    ----------
    mixture_ : GaussianMixture
        The fitted scikit-learn mixture (its own component order).
    order_ : ndarray of shape (2,)
        ``mixture_`` components as (abundant, scarce).
    means_ : ndarray of shape (2, n_features)
        Row 0 abundant, row 1 scarce.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only for DataFrame input.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(1, 1, (200, 2)), rng.normal(-1, 1, (200, 2))]
    >>> model = GaussianMixtureRegime(random_state=0).fit(X)
    >>> model.predict_online(X)[[0, -1]].tolist()
    ['abundant', 'scarce']
    """

    def __init__(
        self,
        covariance_type: str = "tied",
        n_init: int = 1,
        max_iter: int = 100,
        tol: float = 1e-3,
        reg_covar: float = 1e-6,
        enter_probability: float = 0.5,
        exit_probability: float = 0.5,
        min_dwell: int = 1,
        scarce_direction: int = -1,
        random_state=None,
        warm_start: bool = False,
        feature_signs: Mapping[str, float] | None = None,
    ):
        self.covariance_type = covariance_type
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.reg_covar = reg_covar
        self.enter_probability = enter_probability
        self.exit_probability = exit_probability
        self.min_dwell = min_dwell
        self.scarce_direction = scarce_direction
        self.random_state = random_state
        self.warm_start = warm_start
        self.feature_signs = feature_signs

    _parameter_constraints: dict = {
        "covariance_type": [StrOptions({"tied", "full", "diag", "spherical"})],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "reg_covar": [Interval(Real, 0, None, closed="left")],
        "enter_probability": [Interval(Real, 0, 1, closed="both")],
        "exit_probability": [Interval(Real, 0, 1, closed="both")],
        "min_dwell": [Interval(Integral, 1, None, closed="left")],
        "scarce_direction": [Interval(Integral, -1, 1, closed="both")],
        "random_state": ["random_state"],
        "warm_start": ["boolean"],
        "feature_signs": [Mapping, None],
    }

    def check_params(self) -> None:
        """Validate the parameters; raise ValueError naming the bad one."""
        self._validate_params()
        if self.scarce_direction not in (-1, 1):
            raise ValueError(f"scarce_direction must be -1 or +1, got {self.scarce_direction!r}.")
        if not self.exit_probability <= self.enter_probability:
            raise ValueError(
                "need 0 <= exit_probability <= enter_probability <= 1, got "
                f"exit={self.exit_probability}, enter={self.enter_probability}."
            )

    def fit(self, X, y=None):
        """Fit the mixture on the rows with finite features, then name the components.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self
        """
        self.check_params()
        X = self._validate(X, reset=True)
        rows = training_rows(X, N_STATES)
        init = {}
        previous = getattr(self, "mixture_", None)
        if (
            self.warm_start and previous is not None
            and previous.means_.shape[1] == rows.shape[1]
        ):
            init = {
                # The previous fit sets every parameter; "random_from_data"
                # only skips the k-means run whose result would be discarded.
                "init_params": "random_from_data",
                "weights_init": previous.weights_,
                "means_init": previous.means_,
                "precisions_init": previous.precisions_,
            }
        mixture = GaussianMixture(
            n_components=N_STATES, covariance_type=self.covariance_type,
            n_init=1 if init else self.n_init, max_iter=self.max_iter, tol=self.tol,
            reg_covar=self.reg_covar, random_state=self.random_state, **init,
        ).fit(rows)
        signs = abundant_signs(
            getattr(self, "feature_names_in_", None), X.shape[1], self.scarce_direction,
            self.feature_signs,
        )
        self.mixture_ = mixture
        self.order_ = scarce_order(mixture.means_, signs)
        self.means_ = mixture.means_[self.order_]
        return self

    def predict_proba_online(self, X):
        """Per-row component posterior: row ``t`` uses row ``t`` only.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        DataFrame or ndarray of shape (n_samples, 2)
            Columns ``abundant`` and ``scarce``; NaN where no feature is finite.
        """
        check_is_fitted(self)
        values = impute_missing(self._validate(X, reset=False))
        observed = ~np.isnan(values[:, 0])
        proba = np.full((values.shape[0], N_STATES), np.nan)
        if observed.any():
            proba[observed] = self.mixture_.predict_proba(values[observed])[:, self.order_]
        return self._wrap_proba(X, proba)

    def predict_online(self, X):
        """Hysteresis labels on ``p_scarce``: row ``t`` uses rows ``<= t``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        Series or ndarray of shape (n_samples,)
        """
        p_scarce = np.asarray(self.predict_proba_online(X))[:, 1]
        codes = hysteresis_1d_nb(
            0.5 - p_scarce, float(self.enter_probability) - 0.5,
            0.5 - float(self.exit_probability), int(self.min_dwell),
        )
        return self._wrap_labels(X, labels_from_codes(codes))

    def predict(self, X):
        """Alias of :meth:`predict_online`."""
        return self.predict_online(X)
