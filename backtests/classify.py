"""``regime-bt regimes``: every classifier on the same features, scored and stress-tested.

For each classifier of :data:`regimes.CLASSIFIERS` (with its
``[regimes.params.<name>]``), the walk-forward labels on the whole history,
then, over the backtest window ``[data.start, data.end]``:

* the evaluation (:func:`regimes.evaluate.evaluate_regimes`): against the
  truth (balanced accuracy, delays, Brier score, reliability table) or the
  documented episodes;
* the stability (:mod:`backtests.stability`): agreement when the history
  start moves and when each feature is left out, and the >20% flag.

A classifier fitted on outcomes (``jump_cv``, which cross-validates its
penalty at every refit and needs the timed asset's returns) is compared only
when it is the configured classifier or has a ``[regimes.params.<name>]``
table: with default windows it costs many times the others. The command
says which it skipped and why (:attr:`ClassifierComparison.skipped`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from backtests.config import RunConfig
from backtests.metrics_schema import json_ready, metrics_json
from backtests.runner import load_inputs, make_estimator, needs_target, walk_forward_history
from backtests.stability import stability
from data import DataError, MarketData
from data.atomic import atomic_write_text
from data.progress import stage
from regimes import CLASSIFIERS
from regimes.evaluate import evaluate_regimes

__all__ = ["ClassifierComparison", "compare_classifiers", "save_comparison"]


@dataclass(frozen=True)
class ClassifierComparison:
    """Labels, probabilities, evaluation and timing of every classifier.

    Attributes
    ----------
    labels, p_scarce : DataFrame of shape (n_days, n_classifiers)
        Walk-forward output over the backtest window.
    evaluation : dict of str to dict
        Per classifier: evaluation, ``stability`` and ``seconds``
        (``evaluation.json``).
    truth : Series or None
        The true regime over the window, when the data have one.
    skipped : dict of str to str
        Classifiers not compared, with the reason.
    """

    labels: pd.DataFrame
    p_scarce: pd.DataFrame
    evaluation: dict
    truth: pd.Series | None
    skipped: dict = field(default_factory=dict)


def compare_classifiers(
    config: RunConfig, market: MarketData, leave_one_out: bool = True
) -> ClassifierComparison:
    """Run, score and stress-test every classifier (see the module docstring).

    Raises
    ------
    DataError
        When no classifier labels a day of the backtest window.
    """
    inputs = load_inputs(config, market)
    start, end = pd.Timestamp(config.data.start), pd.Timestamp(config.data.end)
    history_start = inputs.features.index[0]
    truth = market.truth
    labels, p_scarce, evaluation, skipped = {}, {}, {}, {}
    for name in CLASSIFIERS:
        estimator = make_estimator(config, name, inputs.feature_signs)
        if (
            needs_target(estimator)
            and name != config.regimes.classifier
            and name not in config.regimes.params
        ):
            skipped[name] = (
                "fitted on the timed asset's returns and cross-validated at every "
                f'refit; compared when configured (regimes.classifier = "{name}" '
                f"or a [regimes.params.{name}] table)"
            )
            continue
        with stage(f"{name}: walk-forward"):
            started = time.perf_counter()
            history = walk_forward_history(config, inputs, estimator)
            seconds = time.perf_counter() - started
        window = history.loc[start:end]
        labels[name], p_scarce[name] = window["regime"], window["p_scarce"]
        window_truth = None if truth is None else truth.reindex(window.index)
        scored = evaluate_regimes(
            window["regime"].dropna(), window_truth, window["p_scarce"].dropna()
        )
        with stage(f"{name}: stability"):
            scored["stability"] = stability(
                config,
                market,
                name,
                history["regime"],
                history_start,
                leave_one_out=leave_one_out,
                inputs=inputs,
            )
        scored["seconds"] = round(seconds, 3)
        evaluation[name] = scored
    frame = pd.DataFrame(labels)
    labelled = frame.notna().any(axis=1).to_numpy()
    if not labelled.any():
        raise DataError(
            "no regime labels in the backtest window: the history before data.start is "
            "shorter than features.min_periods plus walk_forward.min_train. Start the "
            "history earlier (features.history_start) or lower them."
        )
    first = int(np.argmax(labelled))
    truth_window = None if truth is None else truth.reindex(frame.index[first:]).rename("regime")
    return ClassifierComparison(
        frame.iloc[first:],
        pd.DataFrame(p_scarce).iloc[first:],
        json_ready(evaluation),
        truth_window,
        skipped,
    )


def save_comparison(comparison: ClassifierComparison, config: RunConfig, directory: Path) -> None:
    """Write the comparison's files.

    ``regimes.csv``, ``regimes_all.csv``, ``p_scarce_all.csv``,
    ``evaluation.json``, the truth and ``regimes.html``.
    """
    from backtests.artifacts import write_csv

    directory = Path(directory)
    chosen = config.regimes.classifier
    write_csv(
        pd.DataFrame(
            {"regime": comparison.labels[chosen], "p_scarce": comparison.p_scarce[chosen]}
        ),
        directory / "regimes.csv",
    )
    write_csv(comparison.labels, directory / "regimes_all.csv")
    write_csv(comparison.p_scarce, directory / "p_scarce_all.csv")
    atomic_write_text(directory / "evaluation.json", metrics_json(comparison.evaluation))
    if comparison.truth is not None:
        write_csv(comparison.truth.to_frame(), directory / "inputs" / "true_regimes.csv")
