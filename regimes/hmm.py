"""Gaussian hidden Markov model with a causal forward filter.

Fitting is Baum-Welch EM in numba (:func:`regimes._nb_gaussian.gaussian_em_missing_nb`), not
hmmlearn: the walk-forward refits the model every month, and an EM that
starts from the previous month's parameters (``warm_start``) converges in a
few iterations, where hmmlearn re-initialises from k-means on every refit
(about 26 s for 225 monthly refits on 5,000 days; this takes about a
second). hmmlearn is kept as the test oracle.

Inference:

* :meth:`HiddenMarkovRegime.predict_proba_online` is the **forward filter**,
  ``p(state_t | x_1..x_t)``: row ``t`` uses no data after ``t``. This is what
  backtests use.
* :meth:`HiddenMarkovRegime.predict_proba_smoothed` is the forward-backward
  smoother, ``p(state_t | x_1..x_n)``: it looks ahead, and is what
  hmmlearn's ``predict_proba`` returns. Diagnostics only.

Persistence comes from a Dirichlet prior on the transition matrix:
``transition_prior`` pseudo-counts are added to the expected number of
stays in each state in the M-step, which pulls the diagonal towards 1.

Missing features are not imputed: the emission is the Gaussian density of a
row's observed coordinates and EM treats the missing ones as latent
(:mod:`regimes._nb_gaussian`), so a feature that starts late joins without
costing the others their history.

Calibration: the filter treats every day as new evidence, but consecutive
rows of slow features repeat most of it, so the filtered probability
saturates (1e-30 the day before a switch). ``p_scarce`` is therefore the
filtered probability *temperature-scaled* (Guo et al. 2017): its log-odds
divided by ``proba_temperature``. The map is monotone and keeps 0.5 where it
was, so the labels (the filter's ``p >= 0.5``) do not change; only the
probabilities become usable as probabilities. The default temperature was
chosen on the synthetic world for the lowest Brier score against the truth
(``bench/regimes.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Integral, Real
from typing import cast

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from regimes._nb import hmm_filter_log_nb, hmm_filter_nb, hmm_smooth_nb, hysteresis_1d_nb
from regimes.base import RegimeMixin, labels_from_codes
from regimes.gaussian import (
    COVARIANCE_MODES,
    N_STATES,
    fit_gaussian_states,
    log_emission,
)
from regimes.labels import (
    abundant_signs,
    active_features,
    first_observed,
    mask_inactive,
    scarce_order,
    training_rows,
)

__all__ = ["HiddenMarkovRegime"]


class HiddenMarkovRegime(RegimeMixin, BaseEstimator):
    """Two-state Gaussian HMM; online labels from the forward filter.

    Parameters
    ----------
    covariance_type : {"diag", "tied", "full"}, default "diag"
        "diag": each feature has its own variance per state, features
        independent given the state (fewer parameters; each feature votes on
        its own). "tied" (one covariance shared by both states) splits on
        feature correlations on some seeds of the synthetic world; "full"
        lets EM split on volatility clusters.
    transition_prior : float, default 200.0
        Dirichlet pseudo-counts added to each state's expected number of
        stays (the diagonal of the transition counts). Higher = more
        persistent regimes. 0 gives maximum likelihood.
    max_iter : int, default 200
        EM iterations per initialisation.
    tol : float, default 1e-2
        Stop when the log-likelihood of the training rows improves by less
        than this (hmmlearn's convention and default).
    reg_covar : float, default 1e-3
        Added to the covariance diagonals.
    n_init : int, default 2
        k-means initialisations (seeded from ``random_state``), tried beside
        one economic initialisation (:func:`regimes.labels.sign_split`); the
        best log-likelihood wins. A warm start tries the previous fit and the
        economic initialisation only.
    min_dwell : int, default 1
        Minimum trading days in a regime before the online label may switch
        (1 = the label is simply ``p_scarce >= 0.5``).
    scarce_direction : {-1, 1}, default -1
        State-naming fallback, see :mod:`regimes.labels`.
    random_state : int, RandomState or None, default None
    warm_start : bool, default False
        If True and the model is fitted, ``fit`` starts EM from the current
        parameters (the walk-forward driver sets this between refits).
    feature_signs : mapping of str to float or None, default None
        Signs of features declared in config, for naming the states.
    proba_temperature : float > 0, default 6.0
        ``p_scarce`` is the filtered probability with its log-odds divided by
        this (see the module docstring); 1 reports the raw filter. 6 had the
        lowest Brier score against the truth on the synthetic world (seeds
        42, 1-3, walk-forward).

    Attributes
    ----------
    means_ : ndarray of shape (2, n_features)
        Row 0 abundant, row 1 scarce.
    active_ : ndarray of bool, shape (n_features,)
        Features with enough training values to take part
        (:data:`regimes.labels.MIN_FEATURE_ROWS`); the others are treated as
        missing in predictions.
    covars_ : ndarray of shape (2, n_features, n_features)
    startprob_ : ndarray of shape (2,)
    transmat_ : ndarray of shape (2, 2)
    log_likelihood_ : float
    n_iter_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only for DataFrame input.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(1, 1, (200, 2)), rng.normal(-1, 1, (200, 2))]
    >>> model = HiddenMarkovRegime(random_state=0).fit(X)
    >>> model.predict_online(X)[[0, -1]].tolist()
    ['abundant', 'scarce']
    """

    def __init__(
        self,
        covariance_type: str = "diag",
        transition_prior: float = 200.0,
        max_iter: int = 200,
        tol: float = 1e-2,
        reg_covar: float = 1e-3,
        n_init: int = 2,
        min_dwell: int = 1,
        scarce_direction: int = -1,
        random_state=None,
        warm_start: bool = False,
        feature_signs: Mapping[str, float] | None = None,
        proba_temperature: float = 6.0,
    ):
        self.covariance_type = covariance_type
        self.transition_prior = transition_prior
        self.max_iter = max_iter
        self.tol = tol
        self.reg_covar = reg_covar
        self.n_init = n_init
        self.min_dwell = min_dwell
        self.scarce_direction = scarce_direction
        self.random_state = random_state
        self.warm_start = warm_start
        self.feature_signs = feature_signs
        self.proba_temperature = proba_temperature

    _parameter_constraints: dict = {
        "covariance_type": [StrOptions(set(COVARIANCE_MODES))],
        "transition_prior": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "reg_covar": [Interval(Real, 0, None, closed="left")],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "min_dwell": [Interval(Integral, 1, None, closed="left")],
        "scarce_direction": [Interval(Integral, -1, 1, closed="both")],
        "random_state": ["random_state"],
        "warm_start": ["boolean"],
        "feature_signs": [Mapping, None],
        "proba_temperature": [Interval(Real, 0, None, closed="neither")],
    }

    def check_params(self) -> None:
        """Validate the parameters; raise ValueError naming the bad one."""
        self._validate_params()
        if self.scarce_direction not in (-1, 1):
            raise ValueError(f"scarce_direction must be -1 or +1, got {self.scarce_direction!r}.")

    def fit(self, X, y=None):
        """Fit by EM (k-means initialisations, or the previous fit if warm).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Standardised features; NaN allowed (see :func:`regimes.labels.training_rows`).
        y : ignored

        Returns
        -------
        self
        """
        self.check_params()
        X = self._validate(X, reset=True)
        rows = training_rows(X, N_STATES)
        self.active_ = active_features(rows)
        if not self.active_.any():
            self.active_ = cast(np.ndarray, np.isfinite(rows).any(axis=0))
        rows = training_rows(mask_inactive(rows, self.active_), N_STATES)
        signs = abundant_signs(
            getattr(self, "feature_names_in_", None),
            X.shape[1],
            self.scarce_direction,
            self.feature_signs,
        )
        warm = None
        if self.warm_start and getattr(self, "means_", np.empty(0)).shape == (N_STATES, X.shape[1]):
            warm = (self.means_, self.covars_, self.startprob_, self.transmat_)
        means, covs, startprob, transmat, history = fit_gaussian_states(
            rows,
            signs,
            self.covariance_type,
            float(self.reg_covar),
            int(self.n_init),
            self.random_state,
            warm,
            float(self.transition_prior),
            int(self.max_iter),
            float(self.tol),
            mixture=False,
        )
        order = scarce_order(means, signs)
        self.means_ = means[order]
        self.covars_ = covs[order]
        self.startprob_ = startprob[order]
        self.transmat_ = transmat[np.ix_(order, order)]
        self.log_likelihood_ = float(history[-1])
        self.n_iter_ = int(history.shape[0])
        return self

    def _log_emission(self, X) -> tuple[np.ndarray, int]:
        check_is_fitted(self)
        X = mask_inactive(self._validate(X, reset=False), self.active_)
        return (log_emission(X, self.means_, self.covars_), first_observed(X))

    def predict_proba_online(self, X):
        """Forward-filtered probabilities ``p(state_t | x_1..x_t)``.

        Row ``t`` uses rows ``<= t`` only. Rows with no finite feature carry
        the filter forward by the transition matrix; rows before the first
        finite one are NaN.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        DataFrame or ndarray of shape (n_samples, 2)
            Columns ``abundant`` and ``scarce``.
        """
        return self._wrap_logistic(X, self.log_odds_online(X) / float(self.proba_temperature))

    def log_odds_online(self, X) -> np.ndarray:
        """Filtered log-odds ``log p(abundant_t | x_1..x_t) - log p(scarce_t | ...)``.

        Row ``t`` uses rows ``<= t`` only; NaN before the first row with a
        finite feature. Finite where the probabilities saturate.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        log_emission, first = self._log_emission(X)
        odds = np.full(log_emission.shape[0], np.nan)
        if first < log_emission.shape[0]:
            logs = hmm_filter_log_nb(
                np.ascontiguousarray(log_emission[first:]), self.startprob_, self.transmat_
            )
            odds[first:] = logs[:, 0] - logs[:, 1]
        return odds

    def predict_online(self, X):
        """Online labels: ``p_scarce >= 0.5`` of the filter, held ``min_dwell`` days.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        Series or ndarray of shape (n_samples,)
        """
        # The sign of the raw log-odds is the filter's p >= 0.5 (the temperature
        # only rescales it), so the labels do not depend on the calibration.
        codes = hysteresis_1d_nb(self.log_odds_online(X), 0.0, 0.0, int(self.min_dwell))
        return self._wrap_labels(X, labels_from_codes(codes))

    def predict_proba_smoothed(self, X):
        """Smoothed probabilities ``p(state_t | x_1..x_n)``: LOOKS AHEAD.

        Row ``t`` uses every row of ``X``, including later ones (this is
        hmmlearn's ``predict_proba``). For diagnostics, never for a backtest.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        DataFrame or ndarray of shape (n_samples, 2)
        """
        log_emission, first = self._log_emission(X)
        proba = np.full(log_emission.shape, np.nan)
        if first < log_emission.shape[0]:
            proba[first:] = hmm_smooth_nb(
                np.ascontiguousarray(log_emission[first:]), self.startprob_, self.transmat_
            )[0]
        return self._wrap_proba(X, proba)

    def predict(self, X):
        """Alias of :meth:`predict_online` (the causal labels)."""
        return self.predict_online(X)

    def score(self, X, y=None) -> float:
        """Log-likelihood of ``X`` (rows with no finite feature skipped).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        float
        """
        log_emission, first = self._log_emission(X)
        if first >= log_emission.shape[0]:
            return 0.0
        return float(
            hmm_filter_nb(
                np.ascontiguousarray(log_emission[first:]), self.startprob_, self.transmat_
            )[1]
        )
