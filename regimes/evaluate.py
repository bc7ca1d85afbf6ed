"""Scoring regime labels: against a known truth, or against dated episodes.

Against the truth (the synthetic world), on the trading days where both the
prediction and the truth exist:

``balanced_accuracy``
    Mean of the recall of each regime (scikit-learn's definition).
``f1_abundant``, ``f1_scarce``
    F1 of each regime taken as the positive class.
``median_delay_days``, ``p90_delay_days``
    Detection delay, in trading days. For every true switch at day ``i``
    (``truth[i] != truth[i-1]``), the delay is ``j - i`` for the first
    ``j >= i`` in the new spell from which the predicted label equals the new
    true label for ``confirm_days`` days in a row (default 5, one week; fewer
    if the spell ends sooner), 0 = same day. If the prediction never settles
    on it within the spell, the delay is the spell's length (the cap). Median
    and 90th percentile over switches.

    Why confirmed: counting the first day of agreement rewards flicker. A
    coin flip agrees with any new regime within a day or two, so labels drawn
    at random score a median delay of 0 or 1 day, better than any persistent
    classifier; with a week's confirmation their median delay is about 30
    days (``tests/regimes/test_evaluate.py``).
``false_switches_per_year``
    Predicted switches that no true switch explains, per 252 trading days. A
    predicted switch into regime ``r`` on day ``j`` is explained by a true
    switch into ``r`` on day ``i`` with ``|i - j| <= tolerance_days``
    (default 63, one quarter); each true switch explains at most one
    predicted switch (greedy, nearest first). Whipsaws around a true switch
    therefore count as false switches.

On real data (no truth), :func:`episode_shares` reports each regime's share of
trading days inside each episode of ``regimes/episodes.csv`` (name, start,
end, expected regime, rationale).
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from typing import Any, cast

import numpy as np
import pandas as pd
from sklearn.metrics import balanced_accuracy_score, f1_score

from data import PERIODS_PER_YEAR, REGIME_NAMES

__all__ = [
    "brier_score",
    "compare_classifiers",
    "detection_delays",
    "episode_shares",
    "evaluate_against_truth",
    "evaluate_regimes",
    "false_switches",
    "load_episodes",
    "reliability",
]


def _switches(labels: np.ndarray) -> np.ndarray:
    return np.flatnonzero(labels[1:] != labels[:-1]) + 1


def detection_delays(predicted: np.ndarray, truth: np.ndarray, confirm_days: int = 5) -> np.ndarray:
    """Trading days from each true switch until the prediction settles on it (capped).

    Parameters
    ----------
    predicted, truth : ndarray of shape (n,)
        Labels on the same days, no missing values.
    confirm_days : int, default 5
        Days in a row the prediction must agree (fewer at the end of a
        spell); 1 counts the first day of agreement.

    Returns
    -------
    ndarray of int, shape (n_true_switches,)
        See the module docstring for the definition.
    """
    starts = _switches(truth)
    ends = np.r_[starts[1:], truth.shape[0]]
    delays = np.empty(starts.shape[0], dtype=np.int64)
    confirm = max(int(confirm_days), 1)
    for s, (start, end) in enumerate(zip(starts, ends, strict=True)):
        agree = predicted[start:end] == truth[start]
        delays[s] = end - start
        # misses[j] = disagreeing days in agree[j:]; agreement settles at the first j
        # whose next min(confirm, rest of spell) days all agree.
        misses = np.r_[np.cumsum(~agree[::-1])[::-1], 0]
        for j in np.flatnonzero(agree):
            stop = min(j + confirm, agree.size)
            if misses[j] - misses[stop] == 0:
                delays[s] = j
                break
    return delays


def false_switches(predicted: np.ndarray, truth: np.ndarray, tolerance_days: int = 63) -> int:
    """Predicted switches not matched to a true switch in the same direction.

    Parameters
    ----------
    predicted, truth : ndarray of shape (n,)
    tolerance_days : int, default 63

    Returns
    -------
    int
    """
    true_days = _switches(truth)
    available = np.ones(true_days.shape[0], dtype=bool)
    count = 0
    for day in _switches(predicted):
        gap = np.abs(true_days - day)
        ok = available & (gap <= tolerance_days) & (truth[true_days] == predicted[day])
        if ok.any():
            available[np.flatnonzero(ok)[np.argmin(gap[ok])]] = False
        else:
            count += 1
    return count


def evaluate_against_truth(
    predicted: pd.Series, truth: pd.Series, tolerance_days: int = 63
) -> dict:
    """Accuracy, F1, detection delay and false switches against the true regime.

    Parameters
    ----------
    predicted : Series of shape (n_days,)
        ``"abundant"``/``"scarce"``; NaN (no label yet) days are skipped.
    truth : Series
        True labels; reindexed to ``predicted``'s index.
    tolerance_days : int, default 63

    Returns
    -------
    dict
        ``balanced_accuracy``, ``accuracy``, ``f1_abundant``, ``f1_scarce``,
        ``median_delay_days``, ``p90_delay_days``, ``false_switches_per_year``,
        ``n_true_switches``, ``n_days``. Delays are None without a true switch.

    Examples
    --------
    >>> idx = pd.bdate_range("2020-01-01", periods=6)
    >>> truth = pd.Series(["abundant"] * 3 + ["scarce"] * 3, index=idx)
    >>> pred = pd.Series(["abundant"] * 4 + ["scarce"] * 2, index=idx)
    >>> evaluate_against_truth(pred, truth)["median_delay_days"]
    1.0
    """
    truth = truth.reindex(predicted.index)
    both = (predicted.notna() & truth.notna()).to_numpy()
    pred = predicted.to_numpy(dtype=object)[both].astype(str)
    true = truth.to_numpy(dtype=object)[both].astype(str)
    if pred.size == 0:
        raise ValueError("no day has both a predicted and a true regime.")
    delays = detection_delays(pred, true)
    labels = list(REGIME_NAMES)
    # pyright infers sklearn's unannotated parameters from their str defaults
    f1 = cast(np.ndarray, f1_score(true, pred, labels=labels, average=None, zero_division=0.0))  # pyright: ignore[reportArgumentType]  # str defaults
    return {
        "balanced_accuracy": float(balanced_accuracy_score(true, pred)),
        "accuracy": float((true == pred).mean()),
        "f1_abundant": float(f1[0]),
        "f1_scarce": float(f1[1]),
        "median_delay_days": float(np.median(delays)) if delays.size else None,
        "p90_delay_days": float(np.percentile(delays, 90)) if delays.size else None,
        "false_switches_per_year": false_switches(pred, true, tolerance_days)
        / (pred.size / PERIODS_PER_YEAR),
        "n_true_switches": int(delays.size),
        "n_days": int(pred.size),
    }


def brier_score(p_scarce: pd.Series, truth: pd.Series) -> float | None:
    """Mean squared error of ``p_scarce`` against the true regime (1 = scarce).

    0 is perfect; always saying 0.5 scores 0.25. Days with no probability or
    no truth are skipped; None when no day is left.

    Examples
    --------
    >>> idx = pd.bdate_range("2020-01-01", periods=2)
    >>> brier_score(pd.Series([0.9, 0.2], idx), pd.Series(["scarce", "abundant"], idx))
    0.025
    """
    truth = truth.reindex(p_scarce.index)
    both = p_scarce.notna() & truth.notna()
    if not both.any():
        return None
    outcome = (truth[both] == REGIME_NAMES[1]).astype(float)
    return float(np.round(((p_scarce[both].astype(float) - outcome) ** 2).mean(), 12))


def reliability(p_scarce: pd.Series, truth: pd.Series, bins: int = 10) -> list[dict]:
    """Reliability table: per probability bin, the mean forecast and the observed share.

    A calibrated forecaster's points lie on the diagonal: of the days given
    ``p_scarce`` near 0.7, about 70% are truly scarce.

    Parameters
    ----------
    p_scarce : Series
    truth : Series
    bins : int, default 10
        Equal-width bins on [0, 1].

    Returns
    -------
    list of dict
        One per bin: ``low``, ``high``, ``n``, ``mean_p_scarce`` and
        ``share_scarce`` (None in an empty bin).
    """
    truth = truth.reindex(p_scarce.index)
    both = p_scarce.notna() & truth.notna()
    p = p_scarce[both].astype(float).to_numpy()
    outcome = (truth[both] == REGIME_NAMES[1]).to_numpy(dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, bins - 1)
    table = []
    for b in range(bins):
        inside = which == b
        n = int(inside.sum())
        table.append(
            {
                "low": float(edges[b]),
                "high": float(edges[b + 1]),
                "n": n,
                "mean_p_scarce": float(p[inside].mean()) if n else None,
                "share_scarce": float(outcome[inside].mean()) if n else None,
            }
        )
    return table


def load_episodes() -> pd.DataFrame:
    """The documented liquidity episodes shipped as ``regimes/episodes.csv``.

    Returns
    -------
    DataFrame
        Columns ``name``, ``start``, ``end`` (Timestamps), ``expected``
        (``"abundant"``/``"scarce"``) and ``rationale``.
    """
    with resources.files("regimes").joinpath("episodes.csv").open("r", encoding="utf-8") as f:
        episodes = pd.read_csv(f, parse_dates=["start", "end"])
    return episodes


def episode_shares(predicted: pd.Series, episodes: pd.DataFrame | None = None) -> list[dict]:
    """Share of each regime inside each documented episode.

    Parameters
    ----------
    predicted : Series of shape (n_days,)
        Labels on a DatetimeIndex; NaN days are skipped.
    episodes : DataFrame, optional
        Default :func:`load_episodes`.

    Returns
    -------
    list of dict
        One per episode: ``name``, ``start``, ``end``, ``expected``,
        ``status`` (``"inside"``, ``"partly outside this run"`` or
        ``"outside this run"``), ``n_days`` (labelled days inside; None when
        outside), ``share_abundant``, ``share_scarce``, ``share_expected``
        (None when no labelled day).
    """
    if episodes is None:
        episodes = load_episodes()
    labelled = predicted.dropna()
    first = labelled.index[0] if len(labelled) else None
    last = labelled.index[-1] if len(labelled) else None
    out = []
    # itertuples rows are namedtuples built at run time: their fields are untyped
    for row in cast("Iterable[Any]", episodes.itertuples(index=False)):
        inside = labelled.loc[row.start : row.end]
        n = len(inside)
        if first is None or row.end < first or row.start > last:
            status = "outside this run"
        elif row.start < first or row.end > last:
            status = "partly outside this run"
        else:
            status = "inside"
        shares = {r: (float((inside == r).mean()) if n else None) for r in REGIME_NAMES}
        out.append(
            {
                "name": row.name,
                "start": row.start.strftime("%Y-%m-%d"),
                "end": row.end.strftime("%Y-%m-%d"),
                "expected": row.expected,
                "status": status,
                "n_days": n if status != "outside this run" else None,
                "share_abundant": shares[REGIME_NAMES[0]],
                "share_scarce": shares[REGIME_NAMES[1]],
                "share_expected": shares[row.expected],
            }
        )
    return out


def evaluate_regimes(
    predicted: pd.Series, truth: pd.Series | None = None, p_scarce: pd.Series | None = None
) -> dict:
    """Truth metrics when a truth exists, else the episode shares.

    Parameters
    ----------
    predicted : Series of shape (n_days,)
    truth : Series or None
    p_scarce : Series, optional
        With a truth, adds the ``brier`` score and the ``reliability`` table.

    Returns
    -------
    dict
        :func:`evaluate_against_truth`'s dict (plus ``brier`` and
        ``reliability``), or ``{"episodes": [...]}``.
    """
    if truth is not None:
        scores = evaluate_against_truth(predicted, truth)
        if p_scarce is not None:
            scores["brier"] = brier_score(p_scarce, truth)
            scores["reliability"] = reliability(p_scarce, truth)
        return scores
    return {"episodes": episode_shares(predicted)}


def compare_classifiers(estimators: dict, X: pd.DataFrame, spec, truth: pd.Series | None = None):
    """Walk-forward every estimator on the same features, and score each.

    Parameters
    ----------
    estimators : dict of str to estimator
        Unfitted regime estimators by name.
    X : DataFrame of shape (n_dates, n_features)
    spec : WalkForwardSpec
    truth : Series or None

    Returns
    -------
    labels : DataFrame of shape (n_dates, n_estimators)
        Walk-forward label of every estimator per date.
    p_scarce : DataFrame of shape (n_dates, n_estimators)
    evaluation : dict of str to dict
        :func:`evaluate_regimes` per estimator, on its labelled dates.
    seconds : dict of str to float
        Walk-forward wall time per estimator.
    """
    import time

    from regimes.walk_forward import walk_forward_regimes

    labels, p_scarce, evaluation, seconds = {}, {}, {}, {}
    for name, estimator in estimators.items():
        started = time.perf_counter()
        frame = walk_forward_regimes(estimator, X, spec)
        seconds[name] = time.perf_counter() - started
        labels[name] = frame["regime"]
        p_scarce[name] = frame["p_scarce"]
        evaluation[name] = evaluate_regimes(
            frame["regime"].dropna(), truth, frame["p_scarce"].dropna()
        )
    return (
        pd.DataFrame(labels, index=X.index),
        pd.DataFrame(p_scarce, index=X.index),
        evaluation,
        seconds,
    )
