"""Shared fitting of the two Gaussian state models (the mixture and the HMM).

Pure functions over arrays; :class:`regimes.gmm.GaussianMixtureRegime` and
:class:`regimes.hmm.HiddenMarkovRegime` only orchestrate them. Both fit by EM
on the observed coordinates (:mod:`regimes._nb_gaussian`), from several
initialisations (the previous fit when warm, one economic split of the known
features' signed mean, and k-means seeds), keeping the best log-likelihood.

Calibration is not done here: the models' probabilities are temperature
scaled by their owners (``proba_temperature``), which leaves the labels
unchanged.
"""

from __future__ import annotations

from typing import cast

import numpy as np
from sklearn.cluster import KMeans
from sklearn.utils import check_random_state

from regimes._nb_gaussian import gaussian_em_missing_nb, gaussian_loglik_missing_nb, row_patterns
from regimes.labels import impute_missing, sign_split

__all__ = ["COVARIANCE_MODES", "N_STATES", "fit_gaussian_states", "log_emission"]

N_STATES = 2
#: covariance_type -> the EM kernel's covariance_mode.
COVARIANCE_MODES = {"full": 0, "diag": 1, "tied": 2, "tied_diag": 3}


def _moments(X: np.ndarray, labels: np.ndarray, reg_covar: float, mode: int):
    d = X.shape[1]
    means = np.zeros((N_STATES, d))
    covs = np.zeros((N_STATES, d, d))
    for k in range(N_STATES):
        rows = X[labels == k]
        if rows.shape[0] < 2:
            rows = X
        means[k] = rows.mean(axis=0)
        cov = np.atleast_2d(np.cov(rows, rowvar=False, bias=True))
        if mode in (1, 3):
            cov = np.diag(np.diag(cov))
        covs[k] = cov + reg_covar * np.eye(d)
    if mode in (2, 3):
        residual = X - means[labels]
        pooled = residual.T @ residual / X.shape[0]
        if mode == 3:
            pooled = np.diag(np.diag(pooled))
        covs[:] = pooled + reg_covar * np.eye(d)
    return means, covs


def _initial_guesses(
    X: np.ndarray,
    mode: int,
    signs: np.ndarray,
    reg_covar: float,
    n_init: int,
    random_state,
    warm: tuple | None,
):
    filled = impute_missing(X)  # initialisation only: 0 is the feature's (trailing) mean
    stay = 0.99
    transmat = np.full((N_STATES, N_STATES), (1 - stay) / (N_STATES - 1))
    np.fill_diagonal(transmat, stay)
    uniform = np.full(N_STATES, 1.0 / N_STATES)
    if warm is not None:
        yield warm
    means, covs = _moments(filled, sign_split(filled, signs), reg_covar, mode)
    yield means, covs, uniform, transmat.copy()
    if warm is not None:
        return
    rng = check_random_state(random_state)
    for _ in range(int(n_init)):
        seed = int(rng.randint(np.iinfo(np.int32).max))
        # pyright infers n_init: str from sklearn's unannotated default "auto"
        labels = KMeans(
            N_STATES,
            n_init=1,  # pyright: ignore[reportArgumentType]  # "auto"
            random_state=seed,
        ).fit_predict(filled)
        means, covs = _moments(filled, labels, reg_covar, mode)
        yield means, covs, uniform, transmat.copy()


def fit_gaussian_states(
    X: np.ndarray,
    signs: np.ndarray,
    covariance_type: str,
    reg_covar: float,
    n_init: int,
    random_state,
    warm: tuple | None,
    transition_prior: float,
    max_iter: int,
    tol: float,
    mixture: bool,
) -> tuple:
    """EM from every initialisation; the best log-likelihood wins.

    Returns
    -------
    (means, covs, startprob, transmat, history)
        Unordered states (name them with :func:`regimes.labels.scarce_order`).
    """
    mode = COVARIANCE_MODES[covariance_type]
    row_pattern, masks = row_patterns(X)
    prior = np.eye(N_STATES) * float(transition_prior)
    best = None
    for means, covs, startprob, transmat in _initial_guesses(
        X, mode, signs, reg_covar, n_init, random_state, warm
    ):
        fitted = gaussian_em_missing_nb(
            X,
            row_pattern,
            masks,
            np.ascontiguousarray(means),
            np.ascontiguousarray(covs),
            np.ascontiguousarray(startprob),
            np.ascontiguousarray(transmat),
            prior,
            int(max_iter),
            float(tol),
            float(reg_covar),
            mode,
            bool(mixture),
        )
        if best is None or fitted[4][-1] > best[4][-1]:
            best = fitted
    return cast(tuple, best)  # None only for n_init = 0, which the estimators refuse


def log_emission(X: np.ndarray, means: np.ndarray, covs: np.ndarray) -> np.ndarray:
    """Observed-data log-likelihood of every row (0 for a row with no feature)."""
    row_pattern, masks = row_patterns(X)
    return gaussian_loglik_missing_nb(np.ascontiguousarray(X), means, covs, row_pattern, masks)
