"""HMM and jump-model kernels: compiled == plain == an independent oracle."""

import itertools
import warnings

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from regimes._nb import (
    hmm_filter_nb,
    hmm_filter_py,
    hmm_smooth_nb,
    hmm_smooth_py,
    jump_dp_nb,
    jump_dp_py,
    jump_fit_nb,
    jump_fit_py,
    jump_forward_cost_nb,
    jump_forward_cost_py,
)
from regimes._nb_gaussian import (
    gaussian_em_missing_nb,
    gaussian_em_missing_py,
    gaussian_loglik_missing_nb,
    gaussian_loglik_missing_py,
    row_patterns,
)

hmmlearn = pytest.importorskip("hmmlearn.hmm")


def _hmm_problem(rng, n=300, d=3):
    states = (np.sin(np.arange(n) / 25) > 0).astype(int)
    X = rng.normal(size=(n, d)) + np.where(states[:, None] == 1, -1.0, 1.0)
    means = np.array([[0.8] * d, [-0.7] * d])
    a = rng.normal(size=(d, d))
    covs = np.stack([np.eye(d) + 0.1 * a @ a.T, 1.5 * np.eye(d)])
    startprob = np.array([0.6, 0.4])
    transmat = np.array([[0.95, 0.05], [0.1, 0.9]])
    return X, means, covs, startprob, transmat


def _hmmlearn_model(means, covs, startprob, transmat, **kwargs):
    model = hmmlearn.GaussianHMM(2, covariance_type="full", init_params="", **kwargs)
    model.startprob_, model.transmat_, model.means_, model.covars_ = (
        startprob,
        transmat,
        means,
        covs,
    )
    return model


def gaussian_loglik_nb(X, means, covs):
    return gaussian_loglik_missing_nb(X, means, covs, *row_patterns(X))


def _with_gaps(rng, X):
    """X with a late-starting column, a gap, scattered holes and one empty row."""
    X = X.copy()
    X[:80, 0] = np.nan
    X[150:170, 1] = np.nan
    X[rng.random(X.shape) < 0.05] = np.nan
    X[200] = np.nan
    return X


def test_gaussian_loglik_of_the_observed_coordinates_matches_scipy(rng):
    X, means, covs, _, _ = _hmm_problem(rng)
    X = _with_gaps(rng, X)
    expected = np.zeros((X.shape[0], 2))
    for t, row in enumerate(X):
        seen = np.isfinite(row)
        if seen.any():
            expected[t] = [
                multivariate_normal(means[k][seen], covs[k][np.ix_(seen, seen)]).logpdf(row[seen])
                for k in range(2)
            ]
    patterns = row_patterns(X)
    np.testing.assert_allclose(
        gaussian_loglik_missing_py(X, means, covs, *patterns), expected, rtol=1e-10, atol=1e-12
    )
    np.testing.assert_allclose(
        gaussian_loglik_missing_nb(X, means, covs, *patterns), expected, rtol=1e-10, atol=1e-12
    )
    assert np.all(expected[200] == 0.0)  # no evidence on an empty row


def test_filter_is_the_last_row_of_hmmlearn_on_each_prefix(rng):
    X, means, covs, startprob, transmat = _hmm_problem(rng, n=120)
    log_emission = gaussian_loglik_nb(X, means, covs)
    filtered_py, loglik_py = hmm_filter_py(log_emission, startprob, transmat)
    filtered_nb, loglik_nb = hmm_filter_nb(log_emission, startprob, transmat)
    np.testing.assert_allclose(filtered_nb, filtered_py, rtol=1e-12)
    model = _hmmlearn_model(means, covs, startprob, transmat)
    for t in (0, 1, 17, 60, 119):
        np.testing.assert_allclose(filtered_nb[t], model.predict_proba(X[: t + 1])[-1], atol=1e-10)
    np.testing.assert_allclose(loglik_nb, model.score(X), rtol=1e-10)
    np.testing.assert_allclose(loglik_py, loglik_nb, rtol=1e-12)


def test_smoother_matches_hmmlearn_predict_proba(rng):
    X, means, covs, startprob, transmat = _hmm_problem(rng)
    log_emission = gaussian_loglik_nb(X, means, covs)
    posterior_py, transitions_py, _ = hmm_smooth_py(log_emission, startprob, transmat)
    posterior_nb, transitions_nb, _ = hmm_smooth_nb(log_emission, startprob, transmat)
    expected = _hmmlearn_model(means, covs, startprob, transmat).predict_proba(X)
    np.testing.assert_allclose(posterior_nb, expected, atol=1e-10)
    np.testing.assert_allclose(posterior_py, posterior_nb, atol=1e-12)
    np.testing.assert_allclose(transitions_py, transitions_nb, rtol=1e-10)
    np.testing.assert_allclose(transitions_nb.sum(), X.shape[0] - 1, rtol=1e-10)


def _em(X, means, covs, startprob, transmat, prior, n_iter, mode, mixture=False, fn=None):
    fn = fn or gaussian_em_missing_nb
    return fn(
        X,
        *row_patterns(X),
        means.copy(),
        covs.copy(),
        startprob.copy(),
        transmat.copy(),
        np.eye(2) * prior,
        n_iter,
        -np.inf,
        0.0,
        mode,
        mixture,
    )


@pytest.mark.parametrize("covariance_type, mode", [("full", 0), ("diag", 1), ("tied", 2)])
@pytest.mark.parametrize("prior", [0.0, 50.0])
def test_em_on_complete_data_is_hmmlearn_baum_welch(rng, covariance_type, mode, prior):
    X, means, covs, startprob, transmat = _hmm_problem(rng)
    if mode == 1:
        covs = np.stack([np.diag(np.diag(c)) for c in covs])
    if mode == 2:
        covs = np.stack([covs[0], covs[0]])
    n_iter = 6
    fitted = _em(X, means, covs, startprob, transmat, prior, n_iter, mode)
    model = hmmlearn.GaussianHMM(
        2,
        covariance_type=covariance_type,
        init_params="",
        n_iter=n_iter,
        tol=-np.inf,
        covars_prior=0.0,
        transmat_prior=np.eye(2) * prior + 1.0,
    )
    model.startprob_, model.transmat_, model.means_ = startprob, transmat, means
    model.covars_ = {"full": covs, "diag": np.stack([np.diag(c) for c in covs]), "tied": covs[0]}[
        covariance_type
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # hmmlearn's convergence chatter
        model.fit(X)
    np.testing.assert_allclose(fitted[0], model.means_, rtol=1e-7)
    np.testing.assert_allclose(fitted[1], model.covars_, rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(fitted[3], model.transmat_, rtol=1e-7)
    np.testing.assert_allclose(fitted[2], model.startprob_, rtol=1e-7, atol=1e-12)
    if prior == 0.0:
        assert np.all(np.diff(fitted[4]) >= -1e-8)


@pytest.mark.parametrize("mode", [0, 1, 2, 3])
def test_em_with_missing_values_compiled_equals_plain_and_likelihood_never_decreases(rng, mode):
    X, means, covs, startprob, transmat = _hmm_problem(rng)
    X = _with_gaps(rng, X)
    plain = _em(X, means, covs, startprob, transmat, 0.0, 8, mode, fn=gaussian_em_missing_py)
    compiled = _em(X, means, covs, startprob, transmat, 0.0, 8, mode)
    for a, b in zip(plain, compiled, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert np.all(np.diff(compiled[4]) >= -1e-8)
    # The reported history is the observed-data likelihood of the parameters it was
    # computed from: refit one step from the result and compare with the filter.
    log_emission = gaussian_loglik_nb(X, compiled[0], compiled[1])
    _, loglik = hmm_filter_nb(log_emission, compiled[2], compiled[3])
    again = _em(X, compiled[0], compiled[1], compiled[2], compiled[3], 0.0, 1, mode)
    np.testing.assert_allclose(again[4][0], loglik, rtol=1e-10)


def test_tied_diagonal_em_shares_one_diagonal_covariance(rng):
    """Mode 3 (hmmlearn has no such mode): the M-step is the tied one, diagonal kept."""
    X, means, covs, startprob, transmat = _hmm_problem(rng)
    start = np.stack([np.diag(np.diag(covs[0]))] * 2)
    fitted = _em(X, means, start, startprob, transmat, 0.0, 1, 3)
    tied = _em(X, means, start, startprob, transmat, 0.0, 1, 2)
    np.testing.assert_allclose(fitted[1][0], fitted[1][1])
    np.testing.assert_allclose(fitted[1][0], np.diag(np.diag(tied[1][0])))
    np.testing.assert_allclose(fitted[0], tied[0])


def test_missing_data_em_recovers_what_complete_data_em_learns(rng):
    """Hiding a share of one feature at random barely moves the fitted means."""
    X, means, covs, startprob, transmat = _hmm_problem(rng, n=2000)
    full = _em(X, means, covs, startprob, transmat, 0.0, 50, 0)
    holed = X.copy()
    holed[rng.random(len(X)) < 0.3, 2] = np.nan
    fitted = _em(holed, means, covs, startprob, transmat, 0.0, 50, 0)
    np.testing.assert_allclose(fitted[0], full[0], atol=0.08)
    # Dropping the holed rows instead (complete-case) is also unbiased here but uses less data;
    # imputing the column mean would shrink its variance, which the exact EM does not:
    np.testing.assert_allclose(
        np.diagonal(fitted[1], axis1=1, axis2=2)[:, 2],
        np.diagonal(full[1], axis1=1, axis2=2)[:, 2],
        rtol=0.15,
    )


def test_mixture_mode_is_sklearn_gaussian_mixture_em(rng):
    from sklearn.mixture import GaussianMixture

    X, means, covs, _, _ = _hmm_problem(rng)
    weights = np.array([0.55, 0.45])
    n_iter = 5
    fitted = _em(X, means, covs, weights, np.tile(weights, (2, 1)), 0.0, n_iter, 0, mixture=True)
    model = GaussianMixture(
        2,
        covariance_type="full",
        max_iter=n_iter,
        tol=0.0,
        reg_covar=0.0,
        weights_init=weights,
        means_init=means,
        precisions_init=np.linalg.inv(covs),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: tol=0 never converges
        model.fit(X)
    np.testing.assert_allclose(fitted[0], model.means_, rtol=1e-7)
    np.testing.assert_allclose(fitted[1], model.covariances_, rtol=1e-7)
    np.testing.assert_allclose(fitted[2], model.weights_, rtol=1e-7)


def _path_cost(loss, path, penalty):
    return loss[np.arange(len(path)), path].sum() + penalty * np.count_nonzero(np.diff(path))


@pytest.mark.parametrize("penalty", [0.0, 0.7, 3.0])
def test_jump_dp_is_the_brute_force_optimum(rng, penalty):
    loss = rng.exponential(size=(9, 2))
    paths = [np.array(p) for p in itertools.product(range(2), repeat=loss.shape[0])]
    best = min(_path_cost(loss, p, penalty) for p in paths)
    for kernel in (jump_dp_py, jump_dp_nb):
        states, cost = kernel(loss, penalty)
        np.testing.assert_allclose(cost, best, rtol=1e-12)
        np.testing.assert_allclose(_path_cost(loss, states, penalty), best, rtol=1e-12)


@pytest.mark.parametrize("penalty", [0.0, 0.5, 2.0])
def test_forward_cost_is_the_brute_force_prefix_optimum(rng, penalty):
    loss = rng.exponential(size=(7, 2))
    out_py = jump_forward_cost_py(loss, penalty)
    out_nb = jump_forward_cost_nb(loss, penalty)
    np.testing.assert_allclose(out_nb, out_py, rtol=1e-12)
    for t in range(loss.shape[0]):
        ending = np.full(2, np.inf)
        for p in itertools.product(range(2), repeat=t + 1):
            p = np.array(p)
            ending[p[-1]] = min(ending[p[-1]], _path_cost(loss[: t + 1], p, penalty))
        np.testing.assert_allclose(out_nb[t], ending - ending.min(), atol=1e-12)


def test_jump_fit_parity_and_objective(rng):
    X = np.r_[rng.normal(1, 1, (150, 3)), rng.normal(-1, 1, (150, 3))]
    init = np.array([[0.1, 0.0, 0.0], [0.0, 0.1, 0.0]])
    centroids_py, states_py, objective_py, _ = jump_fit_py(X, init, 2.0, 50, np.zeros(3))
    centroids_nb, states_nb, objective_nb, _ = jump_fit_nb(X, init, 2.0, 50, np.zeros(3))
    np.testing.assert_allclose(centroids_nb, centroids_py, rtol=1e-12)
    np.testing.assert_array_equal(states_nb, states_py)
    np.testing.assert_allclose(objective_nb, objective_py)
    # At convergence the centroids are the state means and the path is optimal for them.
    for k in range(2):
        np.testing.assert_allclose(centroids_nb[k], X[states_nb == k].mean(axis=0))
    assert objective_nb <= jump_dp_nb(0.5 * ((X[:, None, :] - init) ** 2).sum(-1), 2.0)[1]


def test_sign_constrained_jump_fit_is_the_constrained_optimum(rng):
    """Feature 0 separates the states against its sign: the constraint pools it."""
    X = np.r_[rng.normal([1, -1, 1], 1, (200, 3)), rng.normal([-1, 1, -1], 1, (200, 3))]
    # State 1 is "scarce": lower on feature 0 (sign +1) is allowed, and feature 1
    # (sign +1) is higher in state 1, which the constraint forbids.
    signs = np.array([1.0, 1.0, 0.0])
    init = np.array([[0.5, -0.5, 0.5], [-0.5, 0.5, -0.5]])
    c_py, s_py, o_py, _ = jump_fit_py(X, init, 2.0, 50, signs)
    c_nb, s_nb, o_nb, _ = jump_fit_nb(X, init, 2.0, 50, signs)
    np.testing.assert_allclose(c_nb, c_py, rtol=1e-12)
    np.testing.assert_array_equal(s_nb, s_py)
    np.testing.assert_allclose(o_nb, o_py)
    assert np.all(signs * (c_nb[1] - c_nb[0]) <= 0)
    # Feature 1 is pooled, features 0 and 2 are the state means.
    np.testing.assert_allclose(c_nb[:, 1], X[:, 1].mean())
    for k in range(2):
        np.testing.assert_allclose(c_nb[k, [0, 2]], X[s_nb == k][:, [0, 2]].mean(axis=0))
    # The path is still separated by features 0 and 2.
    assert abs(np.corrcoef(s_nb, X[:, 0])[0, 1]) > 0.5


def test_sign_constrained_jump_fit_never_increases_the_objective(rng):
    X = rng.normal(size=(300, 4)).cumsum(axis=0) / 10 + rng.normal(size=(300, 4))
    signs = np.array([1.0, -1.0, 1.0, 0.0])
    init = X[[0, 150]].copy()
    previous = np.inf
    for rounds in range(1, 8):
        objective = jump_fit_nb(X, init, 1.0, rounds, signs)[2]
        assert objective <= previous + 1e-9
        previous = objective
