"""Walk-forward inference: the causal labels a backtest may use.

The sample is cut at refit dates ``r_0 < r_1 < ...``, spaced ``refit_every``
rows apart, the first one ``min_train`` usable rows after the first row with
a finite feature. For every block ``[r_k, r_{k+1})`` a fresh clone of the
estimator is fitted on rows strictly before ``r_k`` (all of them, or the last
``window`` rows), then applied *online* to rows up to ``r_{k+1}``; only the
block's rows are kept. Row ``t``'s label therefore comes from a model fitted
on data before ``t`` and filtered over data up to ``t``: nothing after ``t``
can change it. Rows before ``r_0`` have no label.

Warm starts: when ``spec.warm_start`` is True and the estimator has a
``warm_start`` parameter, one clone is refitted at every refit date, starting
from the previous refit's parameters (which were themselves estimated on
data before the previous refit date, so causality is unaffected). EM and
the jump model's coordinate descent then converge in a few iterations
instead of restarting from k-means.

Cost: each refit applies the new model online to all rows up to the block
end, because the filter state at the block start depends on the new
parameters (O(n) per refit in numba; no step is O(n^2) in compiled code).

:func:`in_sample_regimes` is the naive alternative (one fit on the whole
sample). It looks ahead and exists only as a report diagnostic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone

from data.progress import progress

__all__ = ["WalkForwardSpec", "in_sample_regimes", "refit_starts", "walk_forward_regimes"]


@dataclass(frozen=True)
class WalkForwardSpec:
    """Walk-forward settings.

    Attributes
    ----------
    refit_every : int
        Rows (trading days) between refits, >= 1.
    min_train : int
        Usable rows (with a finite feature) before the first label, >= 2.
    window : int or None
        Rolling training window in rows; None means expanding.
    warm_start : bool
        Start each refit from the previous refit's parameters, for
        estimators that have a ``warm_start`` parameter.
    """

    refit_every: int = 21
    min_train: int = 504
    window: int | None = None
    warm_start: bool = True


def _frame(X: pd.DataFrame, labels, proba) -> pd.DataFrame:
    frame = pd.DataFrame(
        {"regime": pd.Series(labels, index=X.index, dtype=object),
         "p_scarce": np.asarray(proba)[:, 1]},
        index=X.index,
    )
    frame.index.name = "date"
    return frame


def refit_starts(X: pd.DataFrame, spec: WalkForwardSpec) -> list[int]:
    """Row positions of the refit dates (block ``k`` is ``[r_k, r_{k+1})``).

    Parameters
    ----------
    X : DataFrame of shape (n_dates, n_features)
    spec : WalkForwardSpec

    Returns
    -------
    list of int
        Empty when ``X`` has at most ``spec.min_train`` usable rows.
    """
    if spec.refit_every < 1 or spec.min_train < 2:
        raise ValueError("walk_forward.refit_every must be >= 1 and min_train >= 2.")
    usable = np.flatnonzero(X.notna().any(axis=1).to_numpy())
    if usable.size <= spec.min_train:
        return []
    return list(range(int(usable[spec.min_train]), len(X), spec.refit_every))


def walk_forward_regimes(estimator, X: pd.DataFrame, spec: WalkForwardSpec,
                         y: pd.Series | pd.DataFrame | None = None) -> pd.DataFrame:
    """Causal walk-forward labels and scarce probabilities.

    Parameters
    ----------
    estimator : regime estimator
        Unfitted; cloned for every refit. Must provide ``predict_online`` and
        ``predict_proba_online``.
    X : DataFrame of shape (n_dates, n_features)
        Point-in-time standardised features.
    spec : WalkForwardSpec
    y : Series or DataFrame on ``X``'s index, optional
        Passed to ``fit`` with the same training rows (for estimators that
        choose their own hyperparameters on past outcomes, e.g. a penalty
        chosen by time-series cross-validation); row ``t`` must be known at
        the close of ``t``. Unused by the unsupervised classifiers.

    Returns
    -------
    DataFrame of shape (n_dates, 2)
        Columns ``regime`` (``"abundant"``/``"scarce"``, NaN before the first
        refit) and ``p_scarce``.
    """
    refits = refit_starts(X, spec)
    regime = np.full(len(X), np.nan, dtype=object)
    p_scarce = np.full(len(X), np.nan)
    warm = spec.warm_start and "warm_start" in estimator.get_params()
    model = clone(estimator).set_params(warm_start=True) if warm else None
    for k, start in enumerate(progress(refits, "walk-forward refits", unit="fit")):
        stop = refits[k + 1] if k + 1 < len(refits) else len(X)
        train = X.iloc[:start]
        train = train[train.notna().any(axis=1)]
        if spec.window is not None:
            train = train.iloc[-spec.window:]
        model = model if warm else clone(estimator)
        if y is None:
            model.fit(train)
        else:
            model.fit(train, y.loc[train.index])
        history = X.iloc[:stop]
        regime[start:stop] = np.asarray(model.predict_online(history), dtype=object)[start:stop]
        p_scarce[start:stop] = np.asarray(model.predict_proba_online(history))[start:stop, 1]
    frame = pd.DataFrame(
        {"regime": pd.Series(regime, index=X.index, dtype=object), "p_scarce": p_scarce},
        index=X.index,
    )
    frame.index.name = "date"
    return frame


def in_sample_regimes(estimator, X: pd.DataFrame) -> pd.DataFrame:
    """One fit on the whole sample, then online inference (a look-ahead diagnostic).

    Parameters
    ----------
    estimator : regime estimator
    X : DataFrame of shape (n_dates, n_features)

    Returns
    -------
    DataFrame of shape (n_dates, 2)
        Columns ``regime`` and ``p_scarce``. The parameters were estimated
        with data from the whole sample, so these labels are **not** causal.
    """
    train = X[X.notna().any(axis=1)]
    model = clone(estimator).fit(train)
    return _frame(X, model.predict_online(X), model.predict_proba_online(X))
