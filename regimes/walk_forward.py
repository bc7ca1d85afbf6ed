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
The feature frame is validated once per walk-forward, and the refits of an
unsupervised regime estimator fit and score its rows as arrays
(:class:`regimes.base.CheckedFeatures`): scikit-learn's per-call validation
of a DataFrame cost more than fitting the composite. The labels are the same
bits as with DataFrame blocks. :func:`walk_forward_grid` runs a grid of
settings that only post-process a fitted score (the composite's thresholds
and dwell) on one walk-forward score.

:func:`in_sample_regimes` is the naive alternative (one fit on the whole
sample). It looks ahead and exists only as a report diagnostic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from data.progress import progress
from regimes.base import CheckedFeatures, RegimeMixin, clone, labels_from_codes

__all__ = [
    "WalkForwardSpec",
    "in_sample_regimes",
    "refit_starts",
    "walk_forward_grid",
    "walk_forward_regimes",
]


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
        {
            "regime": pd.Series(labels, index=X.index, dtype=object),
            "p_scarce": np.asarray(proba)[:, 1],
        },
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


def walk_forward_regimes(
    estimator, X: pd.DataFrame, spec: WalkForwardSpec, y: pd.Series | pd.DataFrame | None = None
) -> pd.DataFrame:
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
    # Unsupervised regime estimators get the frame validated once, as row blocks
    # (see regimes.base.CheckedFeatures); y needs the frame's index, so a supervised
    # estimator keeps DataFrame blocks.
    checked = (
        CheckedFeatures.from_frame(X)
        if (refits and y is None and isinstance(estimator, RegimeMixin))
        else None
    )
    usable = X.notna().any(axis=1).to_numpy()
    for k, start in enumerate(progress(refits, "walk-forward refits", unit="fit")):
        stop = refits[k + 1] if k + 1 < len(refits) else len(X)
        model = model if warm else clone(estimator)
        assert model is not None  # warm: cloned before the loop
        if checked is not None:
            train = checked.rows(np.flatnonzero(usable[:start]))
            if spec.window is not None:
                train = train.tail(spec.window)
            model.fit(train)
            history = checked.head(stop)
        else:
            train = X.iloc[:start]
            train = train[train.notna().any(axis=1)]
            if spec.window is not None:
                train = train.iloc[-spec.window :]
            if y is None:
                model.fit(train)
            else:
                model.fit(train, y.loc[train.index])
            history = X.iloc[:stop]
        regime[start:stop] = np.asarray(model.predict_online(history), dtype=object)[start:stop]
        p_scarce[start:stop] = np.asarray(model.predict_proba_online(history))[start:stop, 1]
    return _labels_frame(X, regime, p_scarce)


def _labels_frame(X: pd.DataFrame, regime: np.ndarray, p_scarce: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame(
        {"regime": pd.Series(regime, index=X.index, dtype=object), "p_scarce": p_scarce},
        index=X.index,
    )
    frame.index.name = "date"
    return frame


def _score_only_grid(estimator, settings: Sequence[Mapping[str, Any]]) -> bool:
    """Whether every setting only changes what the estimator does with its fitted score."""
    score_only = getattr(type(estimator), "SCORE_ONLY_PARAMS", None)
    return (
        isinstance(estimator, RegimeMixin)
        and score_only is not None
        and all(
            hasattr(estimator, name)
            for name in (
                "check_params",
                "score_online",
                "codes_from_score",
                "scarce_probability_from_score",
            )
        )
        and "warm_start" not in estimator.get_params()
        and all(set(setting) <= score_only for setting in settings)
    )


def walk_forward_grid(
    estimator,
    X: pd.DataFrame,
    spec: WalkForwardSpec,
    settings: Sequence[Mapping[str, Any]],
    y: pd.Series | pd.DataFrame | None = None,
) -> list[pd.DataFrame]:
    """Walk-forward labels for each parameter setting of one estimator.

    Equal, value for value, to ``[walk_forward_regimes(clone(estimator).set_params(**s),
    X, spec, y=y) for s in settings]``. When every setting only changes how the
    estimator turns its fitted score into labels and probabilities (its
    ``SCORE_ONLY_PARAMS``, e.g. the composite's thresholds, dwell and
    sharpness), each refit is fitted and scored once and every setting is
    applied to that score (``codes_from_score``,
    ``scarce_probability_from_score``); otherwise each setting gets its own
    walk-forward.

    Parameters
    ----------
    estimator : regime estimator
        Unfitted; the settings are applied to clones of it.
    X : DataFrame of shape (n_dates, n_features)
    spec : WalkForwardSpec
    settings : sequence of mapping of str to value
        Parameters to set, one mapping per walk-forward.
    y : Series or DataFrame, optional
        Passed to every walk-forward (see :func:`walk_forward_regimes`).

    Returns
    -------
    list of DataFrame of shape (n_dates, 2)
        One :func:`walk_forward_regimes` frame per setting, in order.
    """
    models = [clone(estimator).set_params(**setting) for setting in settings]
    if not models:
        return []
    if y is not None or not _score_only_grid(estimator, settings):
        return [walk_forward_regimes(model, X, spec, y=y) for model in models]
    for model in models:
        model.check_params()  # a bad setting fails as its own walk-forward would
    refits = refit_starts(X, spec)
    regimes = [np.full(len(X), np.nan, dtype=object) for _ in models]
    p_scarce = [np.full(len(X), np.nan) for _ in models]
    checked = CheckedFeatures.from_frame(X) if refits else None
    usable = X.notna().any(axis=1).to_numpy()
    for k, start in enumerate(progress(refits, "walk-forward refits", unit="fit")):
        stop = refits[k + 1] if k + 1 < len(refits) else len(X)
        assert checked is not None  # refits is not empty
        train = checked.rows(np.flatnonzero(usable[:start]))
        if spec.window is not None:
            train = train.tail(spec.window)
        fitted = clone(models[0]).fit(train)  # the settings do not change the fit
        score = fitted.score_online(checked.head(stop))
        for model, regime, probability in zip(models, regimes, p_scarce, strict=True):
            # the hysteresis state at `start` depends on every earlier row: run it on all
            regime[start:stop] = labels_from_codes(model.codes_from_score(score)[start:stop])
            probability[start:stop] = model.scarce_probability_from_score(score[start:stop])
    return [
        _labels_frame(X, regime, probability)
        for regime, probability in zip(regimes, p_scarce, strict=True)
    ]


def in_sample_regimes(
    estimator, X: pd.DataFrame, y: pd.Series | pd.DataFrame | None = None
) -> pd.DataFrame:
    """One fit on the whole sample, then online inference (a look-ahead diagnostic).

    Parameters
    ----------
    estimator : regime estimator
    X : DataFrame of shape (n_dates, n_features)
    y : Series or DataFrame on ``X``'s index, optional
        The target of an estimator fitted on outcomes (as in
        :func:`walk_forward_regimes`), on the same rows.

    Returns
    -------
    DataFrame of shape (n_dates, 2)
        Columns ``regime`` and ``p_scarce``. The parameters were estimated
        with data from the whole sample, so these labels are **not** causal.
    """
    train = X[X.notna().any(axis=1)]
    model = (
        clone(estimator).fit(train)
        if y is None
        else clone(estimator).fit(train, y.loc[train.index])
    )
    return _frame(X, model.predict_online(X), model.predict_proba_online(X))
