"""Plain-English readings of the honesty numbers, computed from the data.

Each function takes the relevant block of ``metrics.json`` (already parsed)
and returns a :class:`Reading`: the headline number, a verdict and one
sentence a reviewer can act on. Nothing here formats HTML.

Verdicts
--------
``"pass"``
    The number clears the documented threshold: evidence *for* a real edge.
``"caution"``
    In between: suggestive, not conclusive.
``"fail"``
    The number says the edge is not distinguishable from luck (or worse).
``"n/a"``
    The data needed is absent (e.g. a sweep with one configuration has no PBO).

Thresholds (module constants, so tests and the page's legend quote the same
numbers)
--------------------------------------------------------------------------
* Bootstrap CI of the Sharpe ratio (:func:`sharpe_ci_reading`) and of its
  difference with the benchmark (:func:`benchmark_difference_reading`): the
  runner's 95% stationary-bootstrap percentile interval. ``pass`` when the
  whole interval is above 0, ``fail`` when it is entirely below 0 (the
  benchmark is *better*) or, for the Sharpe itself, when the estimate is
  <= 0; otherwise ``caution`` (the interval straddles 0).
* Random-regime placebo (:func:`placebo_reading`): percentile of the real
  rotation's Sharpe in the distribution of random-regime paths. ``pass`` at
  or above :data:`PLACEBO_PASS_PERCENTILE` (95: a one-sided 5% test),
  ``caution`` from :data:`PLACEBO_CAUTION_PERCENTILE` (75), else ``fail``.
* Deflated Sharpe ratio (:func:`deflated_sharpe_reading`): probability that
  the true Sharpe exceeds the best Sharpe expected from ``n_trials`` unskilled
  trials. ``pass`` at or above :data:`DSR_PASS` (0.95), ``caution`` from
  :data:`DSR_CAUTION` (0.5), else ``fail``. With one trial there is nothing
  to deflate: the verdict is ``n/a``.
* Probability of backtest overfitting (:func:`pbo_reading`): ``pass`` below
  :data:`PBO_PASS` (0.2), ``caution`` below :data:`PBO_FAIL` (0.5), ``fail``
  at 0.5 or more (the in-sample winner lands at or below the out-of-sample
  median at least half the time: a coin flip).
* Walk-forward decay (:func:`walk_forward_reading`): stitched out-of-sample
  Sharpe over mean in-sample Sharpe. ``pass`` when the ratio is at least
  :data:`WALK_FORWARD_PASS_RATIO` (0.75), ``caution`` from
  :data:`WALK_FORWARD_CAUTION_RATIO` (0.25), ``fail`` below that or when the
  out-of-sample Sharpe is <= 0.
* In-sample vs walk-forward regime-label gap (:func:`label_gap_reading`):
  share of days whose walk-forward label differs from a full-sample fit.
  ``pass`` at or below :data:`LABEL_GAP_PASS` (5%), ``caution`` up to
  :data:`LABEL_GAP_CAUTION` (15%), else ``fail``.

Examples
--------
>>> pbo_reading({"pbo": 0.52, "n_trials": 144}).text
"PBO 0.52: the sweep's best configuration is no better than a coin flip out of sample \
(it ranks at or below the out-of-sample median in 52% of the 144-trial CSCV splits)."
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DSR_CAUTION",
    "DSR_PASS",
    "LABEL_GAP_CAUTION",
    "LABEL_GAP_PASS",
    "PBO_FAIL",
    "PBO_PASS",
    "PLACEBO_CAUTION_PERCENTILE",
    "PLACEBO_PASS_PERCENTILE",
    "VERDICTS",
    "WALK_FORWARD_CAUTION_RATIO",
    "WALK_FORWARD_PASS_RATIO",
    "Reading",
    "benchmark_difference_reading",
    "deflated_sharpe_reading",
    "honesty_readings",
    "label_gap_reading",
    "pbo_reading",
    "placebo_reading",
    "sharpe_ci_reading",
    "walk_forward_reading",
]

VERDICTS: tuple[str, ...] = ("pass", "caution", "fail", "n/a")
PLACEBO_PASS_PERCENTILE = 95.0
PLACEBO_CAUTION_PERCENTILE = 75.0
DSR_PASS = 0.95
DSR_CAUTION = 0.5
PBO_PASS = 0.2
PBO_FAIL = 0.5
WALK_FORWARD_PASS_RATIO = 0.75
WALK_FORWARD_CAUTION_RATIO = 0.25
LABEL_GAP_PASS = 0.05
LABEL_GAP_CAUTION = 0.15


@dataclass(frozen=True)
class Reading:
    """One honesty check, read out.

    Attributes
    ----------
    check : str
        What is checked, e.g. ``"Deflated Sharpe ratio"``.
    value : str
        The headline number as displayed, e.g. ``"0.95"``; ``"n/a"`` if absent.
    verdict : str
        One of :data:`VERDICTS`.
    text : str
        One plain-English sentence generated from the numbers.
    """

    check: str
    value: str
    verdict: str
    text: str


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _get(block: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(block, Mapping):
            return None
        block = block.get(key)
    return block


def _ordinal(number: float) -> str:
    whole = round(number)
    suffix = "th" if 10 <= whole % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(whole % 10, "th")
    return f"{whole}{suffix}"


def sharpe_ci_reading(sharpe_ci: Mapping[str, Any] | None, strategy: str = "the rotation",
                      level: float = 0.95) -> Reading:
    """Is the Sharpe ratio distinguishable from zero (bootstrap CI)?

    Parameters
    ----------
    sharpe_ci : mapping or None
        ``significance.strategies.<name>.sharpe_ci``: ``estimate``, ``low``, ``high``.
    strategy : str
        Name used in the sentence.
    level : float, default 0.95
        Level of the interval (the runner's default; not recorded in metrics.json).

    Returns
    -------
    Reading
    """
    check = "Sharpe ratio, bootstrap CI"
    estimate, low, high = (_number(_get(sharpe_ci, k)) for k in ("estimate", "low", "high"))
    if estimate is None or low is None or high is None:
        return Reading(check, "n/a", "n/a", f"No bootstrap interval for {strategy}.")
    value = f"{estimate:.2f} [{low:.2f}, {high:.2f}]"
    pct = f"{level:.0%}"
    if low > 0:
        return Reading(check, value, "pass",
                       f"{strategy}'s Sharpe {estimate:.2f} is above zero at {pct}: "
                       f"its bootstrap interval is {low:.2f} to {high:.2f}.")
    if estimate <= 0:
        return Reading(check, value, "fail",
                       f"{strategy}'s Sharpe is {estimate:.2f}: no risk-adjusted return at all.")
    return Reading(check, value, "caution",
                   f"{strategy}'s Sharpe {estimate:.2f} is not distinguishable from zero at "
                   f"{pct}: its bootstrap interval {low:.2f} to {high:.2f} includes 0.")


def benchmark_difference_reading(difference: Mapping[str, Any] | None,
                                 strategy: str = "the rotation",
                                 benchmark: str = "the benchmark",
                                 level: float = 0.95) -> Reading:
    """Does the strategy beat the benchmark's Sharpe (bootstrap CI of the difference)?

    Parameters
    ----------
    difference : mapping or None
        ``significance.strategies.<name>.sharpe_difference_vs_benchmark``.
    strategy, benchmark : str
        Names used in the sentence.
    level : float, default 0.95

    Returns
    -------
    Reading
    """
    check = f"Sharpe minus {benchmark}'s"
    estimate, low, high = (_number(_get(difference, k)) for k in ("estimate", "low", "high"))
    if estimate is None or low is None or high is None:
        return Reading(check, "n/a", "n/a", f"No comparison of {strategy} with {benchmark}.")
    value = f"{estimate:+.2f} [{low:+.2f}, {high:+.2f}]"
    pct = f"{level:.0%}"
    if low > 0:
        return Reading(check, value, "pass",
                       f"{strategy} beats {benchmark}'s Sharpe by {estimate:.2f} and the "
                       f"{pct} interval ({low:+.2f} to {high:+.2f}) excludes 0.")
    if high < 0:
        return Reading(check, value, "fail",
                       f"{strategy} is worse than {benchmark} at {pct}: the Sharpe difference "
                       f"is {estimate:+.2f} ({low:+.2f} to {high:+.2f}).")
    return Reading(check, value, "caution",
                   f"{strategy} is not distinguishable from {benchmark} at {pct}: the Sharpe "
                   f"difference {estimate:+.2f} has an interval {low:+.2f} to {high:+.2f}.")


def placebo_reading(placebo: Mapping[str, Any] | None, strategy: str = "the rotation") -> Reading:
    """Does the rotation beat rotating on random regimes?

    Parameters
    ----------
    placebo : mapping or None
        One ``placebos.random_regimes.<name>`` entry: ``n_paths``,
        ``real_sharpe``, ``real_sharpe_percentile`` and ``sharpe`` quantiles.
    strategy : str

    Returns
    -------
    Reading
    """
    check = "Random-regime placebo"
    percentile = _number(_get(placebo, "real_sharpe_percentile"))
    if percentile is None:
        return Reading(check, "n/a", "n/a",
                       "No random-regime placebo in this run: luck is not measured against it.")
    n_paths = _number(_get(placebo, "n_paths"))
    paths = f"{int(n_paths)} " if n_paths is not None else ""
    median = _number(_get(placebo, "sharpe", "q50"))
    real = _number(_get(placebo, "real_sharpe"))
    versus = (f" (Sharpe {real:.2f} vs a placebo median of {median:.2f})"
              if real is not None and median is not None else "")
    value = f"{_ordinal(percentile)} percentile"
    if percentile >= PLACEBO_PASS_PERCENTILE:
        return Reading(check, value, "pass",
                       f"The edge is distinguishable from the random-regime placebo at 95%: "
                       f"{strategy} beats {percentile:.0f}% of {paths}random-regime paths{versus}.")
    verdict = "caution" if percentile >= PLACEBO_CAUTION_PERCENTILE else "fail"
    return Reading(check, value, verdict,
                   f"The edge is not distinguishable from the random-regime placebo at 95%: "
                   f"{100 - percentile:.0f}% of {paths}random-regime paths did at least as "
                   f"well{versus}.")


def deflated_sharpe_reading(deflated: Mapping[str, Any] | None) -> Reading:
    """Does the Sharpe survive the number of configurations tried (DSR)?

    Parameters
    ----------
    deflated : mapping or None
        ``significance.strategies.<name>.deflated``: ``dsr``, ``n_trials``,
        ``expected_max_sharpe``, ``sharpe``.

    Returns
    -------
    Reading
    """
    check = "Deflated Sharpe ratio"
    dsr = _number(_get(deflated, "dsr"))
    trials = _number(_get(deflated, "n_trials"))
    if dsr is None:
        return Reading(check, "n/a", "n/a", "No deflated Sharpe ratio: the run has no sweep.")
    value = f"{dsr:.2f}"
    if trials is None or trials <= 1:
        return Reading(check, value, "n/a",
                       "Only one configuration was tried, so there is nothing to deflate "
                       "(the DSR equals the PSR).")
    n = int(trials)
    hurdle = _number(_get(deflated, "expected_max_sharpe"))
    sharpe = _number(_get(deflated, "sharpe"))
    versus = (f" Sharpe {sharpe:.2f} against {hurdle:.2f}, the best that {n} unskilled trials "
              "would reach by chance." if sharpe is not None and hurdle is not None else "")
    if dsr >= DSR_PASS:
        return Reading(check, value, "pass",
                       f"DSR {dsr:.2f}: the Sharpe survives deflation for {n} trials at 95%."
                       + versus)
    verdict = "caution" if dsr >= DSR_CAUTION else "fail"
    return Reading(check, value, verdict,
                   f"DSR {dsr:.2f}: after accounting for {n} trials the Sharpe is not "
                   "significant at 95%." + versus)


def pbo_reading(pbo: Mapping[str, Any] | None) -> Reading:
    """Is the sweep's winner overfitted (probability of backtest overfitting)?

    Parameters
    ----------
    pbo : mapping or None
        ``significance.strategies.<name>.pbo``: ``pbo``, ``n_trials``.

    Returns
    -------
    Reading
    """
    check = "Probability of backtest overfitting"
    value = _number(_get(pbo, "pbo"))
    trials = _number(_get(pbo, "n_trials"))
    if value is None:
        reason = ("the sweep has a single configuration" if trials is not None and trials < 2
                  else "the run has no sweep")
        return Reading(check, "n/a", "n/a", f"No PBO: {reason}.")
    of = f" of the {int(trials)}-trial CSCV splits" if trials is not None else " of CSCV splits"
    share = f"{value:.0%}{of}"
    if value >= PBO_FAIL:
        return Reading(check, f"{value:.2f}", "fail",
                       f"PBO {value:.2f}: the sweep's best configuration is no better than a coin "
                       f"flip out of sample (it ranks at or below the out-of-sample median in "
                       f"{share}).")
    verdict = "pass" if value < PBO_PASS else "caution"
    strength = "low" if verdict == "pass" else "moderate"
    return Reading(check, f"{value:.2f}", verdict,
                   f"PBO {value:.2f}: {strength} overfitting risk; the in-sample best "
                   f"configuration falls to or below the out-of-sample median in {share}.")


def walk_forward_reading(walk_forward: Mapping[str, Any] | None) -> Reading:
    """Does the sweep's in-sample choice hold up out of sample?

    Parameters
    ----------
    walk_forward : mapping or None
        metrics.json ``walk_forward``: ``mean_in_sample_sharpe``,
        ``out_of_sample_sharpe``, ``n_folds``.

    Returns
    -------
    Reading
    """
    check = "Walk-forward, in vs out of sample"
    in_sample = _number(_get(walk_forward, "mean_in_sample_sharpe"))
    out_sample = _number(_get(walk_forward, "out_of_sample_sharpe"))
    if in_sample is None or out_sample is None:
        return Reading(check, "n/a", "n/a", "No walk-forward evaluation in this run.")
    folds = _number(_get(walk_forward, "n_folds"))
    over = f" over {int(folds)} folds" if folds is not None else ""
    value = f"{in_sample:.2f} → {out_sample:.2f}"
    pair = f"out-of-sample Sharpe {out_sample:.2f} vs {in_sample:.2f} in sample{over}"
    if out_sample <= 0:
        return Reading(check, value, "fail", f"The edge does not survive out of sample: {pair}.")
    if in_sample <= 0:
        return Reading(check, value, "caution",
                       f"The in-sample choice was not profitable, yet out of sample it was: "
                       f"{pair}; read it as noise.")
    ratio = out_sample / in_sample
    if ratio >= WALK_FORWARD_PASS_RATIO:
        return Reading(check, value, "pass",
                       f"The edge holds up out of sample ({ratio:.0%} of in-sample): {pair}.")
    verdict = "caution" if ratio >= WALK_FORWARD_CAUTION_RATIO else "fail"
    return Reading(check, value, verdict,
                   f"The edge decays out of sample to {ratio:.0%} of in-sample: {pair}.")


def label_gap_reading(gap: Any) -> Reading:
    """How much do walk-forward regime labels differ from a full-sample (hindsight) fit?

    Parameters
    ----------
    gap : float or None
        ``regimes.in_sample_label_gap``: share of days whose labels differ.

    Returns
    -------
    Reading
    """
    check = "Regime labels, in-sample vs walk-forward"
    value = _number(gap)
    if value is None:
        return Reading(check, "n/a", "n/a", "No in-sample labels to compare with.")
    shown = f"{value:.1%}"
    if value <= LABEL_GAP_PASS:
        return Reading(check, shown, "pass",
                       f"Walk-forward labels match a full-sample fit on {1 - value:.1%} of days: "
                       "hindsight barely changes the regimes.")
    verdict = "caution" if value <= LABEL_GAP_CAUTION else "fail"
    return Reading(check, shown, verdict,
                   f"Walk-forward labels differ from a full-sample fit on {shown} of days: a "
                   "backtest on in-sample labels would be flattered by hindsight.")


def honesty_readings(metrics: Mapping[str, Any], strategy: str) -> list[Reading]:
    """Every reading for ``strategy``, in page order, from a parsed metrics.json.

    Parameters
    ----------
    metrics : mapping
        The whole parsed ``metrics.json``.
    strategy : str
        The strategy under test (usually the regime rotation).

    Returns
    -------
    list of Reading
        Sharpe CI, difference vs benchmark, placebo, DSR, PBO, walk-forward,
        label gap. Absent data gives ``"n/a"`` readings, never an error.
    """
    significance = metrics.get("significance") or {}
    entry = _get(significance, "strategies", strategy) or {}
    benchmark = str(significance.get("benchmark") or "the benchmark")
    placebos = _get(metrics, "placebos", "random_regimes") or {}
    placebo = next(iter(placebos.values()), None) if isinstance(placebos, Mapping) else None
    readings = [
        sharpe_ci_reading(entry.get("sharpe_ci"), strategy),
        benchmark_difference_reading(entry.get("sharpe_difference_vs_benchmark"), strategy,
                                     benchmark),
        placebo_reading(placebo, strategy),
        deflated_sharpe_reading(entry.get("deflated")),
        pbo_reading(entry.get("pbo")),
        walk_forward_reading(metrics.get("walk_forward")),
        label_gap_reading(_get(metrics, "regimes", "in_sample_label_gap")),
    ]
    return readings
