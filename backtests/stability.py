"""How much do a classifier's labels depend on arbitrary choices? Start shift and leave-one-out.

Two measurements of the walk-forward labels over the backtest window:

``start_shift``
    The history the features and the classifier learn from is made to start
    2 and 4 years later (and earlier, where the data go back that far); every
    label of the window is recomputed (features re-standardised from the new
    start, the classifier refitted) and compared with the run's labels.
    ``agreement`` is the share of the window's days with the same label.
``leave_one_out``
    Each feature in turn is dropped and the labels recomputed (the other
    features are unchanged: each is standardised on its own).

A classifier is **flagged** when a two-year move of the history start changes
more than :data:`FLAG_CHANGE` of its labels: its labels then say more about
the sample than about the market.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import cast

import pandas as pd

from backtests.config import RunConfig
from data import DataError, MarketData

__all__ = ["FLAG_CHANGE", "SHIFT_YEARS", "label_agreement", "stability"]

#: Share of labels a two-year start shift may change before the classifier is flagged.
FLAG_CHANGE = 0.20
#: History-start moves, in years (negative: earlier, where the data allow).
SHIFT_YEARS: tuple[int, ...] = (-4, -2, 2, 4)


def label_agreement(a: pd.Series, b: pd.Series, start: str, end: str) -> tuple[float | None, int]:
    """Share of the days in ``[start, end]`` labelled by both where the labels agree.

    Examples
    --------
    >>> idx = pd.bdate_range("2020-01-01", periods=4)
    >>> a = pd.Series(["abundant", "scarce", "scarce", None], index=idx)
    >>> b = pd.Series(["abundant", "abundant", "scarce", "scarce"], index=idx)
    >>> label_agreement(a, b, "2020-01-01", "2020-01-31")
    (0.6666666666666666, 3)
    """
    a, b = a.loc[start:end], b.reindex(a.loc[start:end].index)
    both = a.notna() & b.notna()
    n = int(both.sum())
    return (float((a[both] == b[both]).mean()) if n else None), n


def _labels(
    config: RunConfig, market: MarketData, classifier: str, drop: str | None = None, inputs=None
) -> pd.Series:
    from backtests.runner import load_inputs, make_estimator, walk_forward_history

    if inputs is None:
        inputs = load_inputs(config, market)
    if drop is not None:
        inputs = dataclasses.replace(inputs, features=inputs.features.drop(columns=[drop]))
    estimator = make_estimator(config, classifier, inputs.feature_signs)
    return walk_forward_history(config, inputs, estimator)["regime"]


def stability(
    config: RunConfig,
    market: MarketData,
    classifier: str,
    base: pd.Series,
    history_start: pd.Timestamp,
    shifts: Sequence[int] = SHIFT_YEARS,
    leave_one_out: bool = True,
    inputs=None,
) -> dict:
    """The ``stability`` block of one classifier (see the module docstring).

    Parameters
    ----------
    config : RunConfig
    market : MarketData
        The run's raw data (reused: only the history start moves).
    classifier : str
    base : Series
        The run's walk-forward labels on the whole history.
    history_start : Timestamp
        The first date of the run's history.
    shifts : sequence of int
        Years to move the history start by.
    leave_one_out : bool
    inputs : Inputs, optional
        The run's inputs (reused by the leave-one-out refits).

    Returns
    -------
    dict
        ``start_shift`` (per shift: ``history_start``, ``agreement``,
        ``n_days``, or ``available: false`` with the reason),
        ``leave_one_out`` (per feature), ``max_start_shift_change`` (over the
        two-year moves) and ``flagged``.
    """
    start, end = config.data.start, config.data.end
    first_data = min(
        cast(pd.Timestamp, market.prices.first_valid_index()),
        *(
            cast(pd.Timestamp, s.first_valid_index())
            for s in market.macro.values()
            if s.first_valid_index() is not None
        ),
    )
    shifted: dict[str, dict] = {}
    for years in shifts:
        moved = history_start + pd.DateOffset(years=years)
        key = f"{years:+d}y"
        if moved < first_data:
            shifted[key] = {
                "available": False,
                "reason": f"the data start on {first_data:%Y-%m-%d}",
            }
            continue
        if moved >= pd.Timestamp(start):
            shifted[key] = {
                "available": False,
                "reason": "the history would start after the backtest window",
            }
            continue
        variant = dataclasses.replace(
            config,
            features=dataclasses.replace(config.features, history_start=moved.strftime("%Y-%m-%d")),
        )
        try:
            labels = _labels(variant, market, classifier)
        except (DataError, ValueError) as error:
            shifted[key] = {"available": False, "reason": str(error).split(". ")[0]}
            continue
        agreement, n = label_agreement(labels, base, start, end)
        shifted[key] = {
            "available": True,
            "history_start": moved.strftime("%Y-%m-%d"),
            "agreement": agreement,
            "n_days": n,
        }
    out: dict = {"start_shift": shifted}
    if leave_one_out:
        loo: dict[str, dict] = {}
        for feature in config.features.use:
            try:
                labels = _labels(config, market, classifier, drop=feature, inputs=inputs)
            except (DataError, ValueError) as error:
                loo[feature] = {"available": False, "reason": str(error).split(". ")[0]}
                continue
            agreement, n = label_agreement(labels, base, start, end)
            loo[feature] = {"available": True, "agreement": agreement, "n_days": n}
        out["leave_one_out"] = loo
    two_years = [
        v["agreement"]
        for k, v in shifted.items()
        if v.get("available") and abs(int(k[:-1])) == 2 and v["agreement"] is not None
    ]
    change = (1.0 - min(two_years)) if two_years else None
    out["max_start_shift_change"] = change
    out["flagged"] = bool(change is not None and change > FLAG_CHANGE)
    return out
