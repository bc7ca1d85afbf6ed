"""Plain-English readings of the honesty numbers, computed from the data.

Each function takes the relevant block of ``metrics.json`` (already parsed)
and returns a :class:`Reading` (defined, with the helpers the readings share,
in :mod:`reports.reading_base`): the headline number, a verdict and one
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
* No timing skill (:func:`null_reading`), first: the paired bootstrap CI of
  the Sharpe difference between the rotation and each of its no-timing
  benchmarks (its basket blend, its better basket). ``pass`` when the
  interval is above 0, ``fail`` when the estimate is <= 0 (switching adds
  nothing), else ``caution``.
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
* Deflated Sharpe ratio (:func:`deflated_sharpe_reading`), of the rotation's
  *active* return over a no-timing benchmark when the run has it
  (``significance.null.benchmarks.<b>.active_deflated``), else of its excess
  return against zero. The hurdle it is tested against,
  ``expected_max_sharpe``, is the expected maximum of ``n_trials`` zero-mean
  draws with the dispersion of the trials' Sharpe ratios: it measures the
  luck of picking the best trial, not a level any trial reached, and is read
  as such. ``pass`` at or above :data:`DSR_PASS` (0.95), ``caution`` from
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
* Label stability (:func:`stability_reading`): the largest share of days
  whose label changes when the history starts earlier or later. ``fail``
  (flagged) above :data:`STABILITY_LIMIT` (20%), else ``pass``.

Examples
--------
>>> pbo_reading({"pbo": 0.52, "n_trials": 144}).text
"PBO 0.520: the sweep's best configuration is no better than a coin flip out of sample \
(it ranks at or below the out-of-sample median in 52% of the 144-trial CSCV splits)."
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from backtests.significance import expected_max_sharpe
from backtests.stability import FLAG_CHANGE

from .reading_base import VERDICTS, Reading, _get, _interval, _number, ordinal

__all__ = [
    "DSR_CAUTION",
    "DSR_PASS",
    "LABEL_GAP_CAUTION",
    "LABEL_GAP_PASS",
    "NULL_ROLES",
    "PBO_FAIL",
    "PBO_PASS",
    "PLACEBO_CAUTION_PERCENTILE",
    "PLACEBO_PASS_PERCENTILE",
    "STABILITY_LIMIT",
    "VERDICTS",
    "WALK_FORWARD_CAUTION_RATIO",
    "WALK_FORWARD_PASS_RATIO",
    "Reading",
    "benchmark_difference_reading",
    "deflated_sharpe_reading",
    "honesty_readings",
    "label_gap_reading",
    "null_reading",
    "ordinal",
    "pbo_reading",
    "placebo_reading",
    "sharpe_ci_reading",
    "stability_change",
    "stability_flagged",
    "stability_reading",
    "trial_dispersion",
    "walk_forward_reading",
]

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
#: Largest share of labels a two-year move of the history start may change before a
#: classifier is flagged (:data:`backtests.stability.FLAG_CHANGE`, its one home).
STABILITY_LIMIT = FLAG_CHANGE
#: The no-timing benchmarks of ``significance.null``, in reading order, and how to name them.
NULL_ROLES: dict[str, str] = {
    "basket_blend": "its basket blend",
    "best_basket": "its better basket",
}


def sharpe_ci_reading(
    sharpe_ci: Mapping[str, Any] | None, strategy: str = "the rotation", level: float = 0.95
) -> Reading:
    """Is the Sharpe ratio (in excess of cash) distinguishable from zero (bootstrap CI)?

    Parameters
    ----------
    sharpe_ci : mapping or None
        ``significance.strategies.<name>.sharpe_ci``: ``estimate``, ``low``, ``high``.
    strategy : str
        Name used in the sentence.
    level : float, default 0.95
        Level of the interval (``significance.confidence``).

    Returns
    -------
    Reading
    """
    check = "Sharpe ratio vs zero, bootstrap CI"
    estimate, low, high = (_number(_get(sharpe_ci, k)) for k in ("estimate", "low", "high"))
    if estimate is None or low is None or high is None:
        return Reading(check, "n/a", "n/a", f"No bootstrap interval for {strategy}.")
    value = f"{estimate:.2f} [{low:.2f}, {high:.2f}]"
    pct = f"{level:.0%}"
    if low > 0:
        return Reading(
            check,
            value,
            "pass",
            f"{strategy}'s Sharpe {estimate:.2f} is above zero at {pct}: "
            f"its bootstrap interval is {_interval(low, high)}. This says it earns "
            "more than cash, not that its timing does.",
        )
    if estimate <= 0:
        return Reading(
            check,
            value,
            "fail",
            f"{strategy}'s Sharpe is {estimate:.2f}: no return above cash at all.",
        )
    return Reading(
        check,
        value,
        "caution",
        f"{strategy}'s Sharpe {estimate:.2f} is not distinguishable from zero at "
        f"{pct}: its bootstrap interval {_interval(low, high)} includes 0.",
    )


def benchmark_difference_reading(
    difference: Mapping[str, Any] | None,
    strategy: str = "the rotation",
    benchmark: str = "the benchmark",
    level: float = 0.95,
) -> Reading:
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
        return Reading(
            check,
            value,
            "pass",
            f"{strategy} beats {benchmark}'s Sharpe by {estimate:.2f} and the "
            f"{pct} interval ({_interval(low, high, True)}) excludes 0.",
        )
    if high < 0:
        return Reading(
            check,
            value,
            "fail",
            f"{strategy} is worse than {benchmark} at {pct}: the Sharpe difference "
            f"is {estimate:+.2f} ({_interval(low, high, True)}).",
        )
    return Reading(
        check,
        value,
        "caution",
        f"{strategy} is not distinguishable from {benchmark} at {pct}: the Sharpe "
        f"difference {estimate:+.2f} has an interval {_interval(low, high, True)}.",
    )


def null_reading(
    entry: Mapping[str, Any] | None, role: str, strategy: str = "the rotation", level: float = 0.95
) -> Reading:
    """No timing skill? The rotation against one of its no-timing benchmarks.

    Parameters
    ----------
    entry : mapping or None
        ``significance.null.benchmarks.<role>``: ``name``, ``sharpe_difference``
        (paired bootstrap: ``estimate``, ``low``, ``high``), ``active_sharpe``.
    role : str
        ``"basket_blend"`` or ``"best_basket"`` (:data:`NULL_ROLES`).
    strategy : str
    level : float, default 0.95

    Returns
    -------
    Reading
        ``pass`` when the interval of the difference is above 0, ``fail`` when
        the estimate is <= 0 (the rotation does no better than holding the
        baskets without timing them), else ``caution``.
    """
    what = NULL_ROLES.get(role, role)
    name = str(_get(entry, "name") or role)
    check = f"No timing skill: vs {what} ({name})"
    block = _get(entry, "sharpe_difference")
    estimate, low, high = (_number(_get(block, k)) for k in ("estimate", "low", "high"))
    if estimate is None or low is None or high is None:
        return Reading(check, "n/a", "n/a", f"No paired test of {strategy} against {name}.")
    value = f"{estimate:+.2f} [{low:+.2f}, {high:+.2f}]"
    pct = f"{level:.0%}"
    active = _number(_get(entry, "active_sharpe"))
    ir = (
        f" The active return's Sharpe (an information ratio) is {active:.2f}."
        if active is not None
        else ""
    )
    if low > 0:
        return Reading(
            check,
            value,
            "pass",
            f"Switching adds something: {strategy}'s Sharpe exceeds {what}'s by "
            f"{estimate:+.2f}, and the {pct} paired interval ({_interval(low, high, True)}"
            f") excludes 0.{ir}",
        )
    if estimate <= 0:
        return Reading(
            check,
            value,
            "fail",
            f"Switching adds nothing: {strategy}'s Sharpe minus that of holding "
            f"{what} without timing is {estimate:+.2f} ({pct} paired interval "
            f"{_interval(low, high, True)}).{ir}",
        )
    return Reading(
        check,
        value,
        "caution",
        f"No timing skill shown: {strategy}'s Sharpe exceeds {what}'s by "
        f"{estimate:+.2f}, but the {pct} paired interval ({_interval(low, high, True)})"
        f" includes 0.{ir}",
    )


def placebo_reading(placebo: Mapping[str, Any] | None, strategy: str = "the rotation") -> Reading:
    """Does the rotation beat rotating on random regimes?

    Parameters
    ----------
    placebo : mapping or None
        One ``placebos.random_regimes.<name>`` entry: ``n_paths``,
        ``real_sharpe``, ``real_sharpe_percentile``, ``sharpe`` quantiles and
        ``causal`` (the random labels are drawn day by day, never from the future).
    strategy : str

    Returns
    -------
    Reading
    """
    check = "Random-regime placebo"
    percentile = _number(_get(placebo, "real_sharpe_percentile"))
    if percentile is None:
        return Reading(
            check,
            "n/a",
            "n/a",
            "No random-regime placebo in this run: luck is not measured against it.",
        )
    n_paths = _number(_get(placebo, "n_paths"))
    paths = f"{int(n_paths)} " if n_paths is not None else ""
    median = _number(_get(placebo, "sharpe", "q50"))
    real = _number(_get(placebo, "real_sharpe"))
    versus = (
        f" (Sharpe {real:.2f} vs a placebo median of {median:.2f})"
        if real is not None and median is not None
        else ""
    )
    causal = _get(placebo, "causal")
    kind = (
        "causal random-regime paths"
        if causal is True
        else "random-regime paths (NOT causal: they may use future labels)"
        if causal is False
        else "random-regime paths"
    )
    value = f"{ordinal(percentile)} percentile"
    if percentile >= PLACEBO_PASS_PERCENTILE:
        return Reading(
            check,
            value,
            "pass",
            f"The edge is distinguishable from the random-regime placebo at 95%: "
            f"{strategy} beats {percentile:.0f}% of {paths}{kind}{versus}.",
        )
    verdict = "caution" if percentile >= PLACEBO_CAUTION_PERCENTILE else "fail"
    return Reading(
        check,
        value,
        verdict,
        f"The edge is not distinguishable from the random-regime placebo at 95%: "
        f"{100 - percentile:.0f}% of {paths}{kind} did at least as well{versus}.",
    )


def trial_dispersion(hurdle: float, n_trials: int) -> float | None:
    """The standard deviation of the trials' Sharpe ratios behind a DSR hurdle.

    The hurdle is ``std * E[max of n_trials standard normals]``
    (:func:`backtests.significance.expected_max_sharpe`), so the spread it
    was computed from is recovered by dividing by that expectation.

    Examples
    --------
    >>> round(trial_dispersion(expected_max_sharpe(144, 0.05 ** 2), 144), 6)
    0.05
    """
    unit = expected_max_sharpe(int(n_trials), 1.0)
    return hurdle / unit if unit > 0 else None


def deflated_sharpe_reading(
    deflated: Mapping[str, Any] | None,
    *,
    strategy: str = "the rotation",
    against: str | None = None,
    trial_sharpes: tuple[float, float] | None = None,
) -> Reading:
    """Does the Sharpe survive the number of configurations tried (DSR)?

    Parameters
    ----------
    deflated : mapping or None
        ``dsr``, ``n_trials``, ``expected_max_sharpe`` and ``sharpe``, all
        annualised: ``significance.null.benchmarks.<b>.active_deflated``
        (the active return over a no-timing benchmark; give ``against``), or
        ``significance.strategies.<name>.deflated`` (excess return vs zero).
    strategy : str
    against : str, optional
        The no-timing benchmark of an active DSR.
    trial_sharpes : (float, float), optional
        Worst and best trial Sharpe (``sweep.sharpe``), for the zero test: when
        the hurdle is below every trial, the reading says what that means.

    Returns
    -------
    Reading
        The hurdle is read as what it is: the expected maximum of
        ``n_trials`` zero-mean draws with the trials' dispersion (selection
        luck), never as a Sharpe that unskilled trials "reach".
    """
    check = (
        f"Deflated Sharpe of the active return vs {against}"
        if against
        else "Deflated Sharpe ratio vs zero"
    )
    dsr = _number(_get(deflated, "dsr"))
    trials = _number(_get(deflated, "n_trials"))
    if dsr is None:
        return Reading(check, "n/a", "n/a", "No deflated Sharpe ratio: the run has no sweep.")
    value = f"{dsr:.3f}"
    if trials is None or trials <= 1:
        return Reading(
            check,
            value,
            "n/a",
            "Only one configuration was tried, so there is nothing to deflate "
            "(the DSR equals the PSR).",
        )
    n = int(trials)
    hurdle = _number(_get(deflated, "expected_max_sharpe"))
    sharpe = _number(_get(deflated, "sharpe"))
    subject = (
        f"the active Sharpe of {strategy} over {against}" if against else f"{strategy}'s Sharpe"
    )
    shown = f"{subject} ({sharpe:.2f})" if sharpe is not None else subject
    if dsr >= DSR_PASS:
        head = f"DSR {dsr:.3f}: {shown} survives deflation for {n} trials at 95%."
        verdict = "pass"
    else:
        verdict = "caution" if dsr >= DSR_CAUTION else "fail"
        head = f"DSR {dsr:.3f}: after accounting for {n} trials, {shown} is not significant at 95%."
    tail = ""
    if hurdle is not None:
        spread = trial_dispersion(hurdle, n)
        around = (
            f"of the trials' active Sharpes around {against}"
            if against
            else "of the trials' Sharpes"
        )
        std = f" (std {spread:.2f})" if spread is not None else ""
        tail = (
            f" The hurdle, {hurdle:.2f}, measures the luck of picking the best of {n} "
            f"trials, not a level any trial reached: it is the expected maximum of {n} "
            f"zero-mean draws with the spread {around}{std}."
        )
        if trial_sharpes is not None and against is None:
            worst, best = trial_sharpes
            if hurdle < worst:
                tail += (
                    f" The trials themselves range from {worst:.2f} to {best:.2f}: they "
                    "share the baskets' return, so this test cannot tell timing skill "
                    "from that common return (the no-timing null does)."
                )
    return Reading(check, value, verdict, head + tail)


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
        reason = (
            "the sweep has a single configuration"
            if trials is not None and trials < 2
            else "the run has no sweep"
        )
        return Reading(check, "n/a", "n/a", f"No PBO: {reason}.")
    of = f" of the {int(trials)}-trial CSCV splits" if trials is not None else " of CSCV splits"
    share = f"{value:.0%}{of}"
    if value >= PBO_FAIL:
        return Reading(
            check,
            f"{value:.3f}",
            "fail",
            f"PBO {value:.3f}: the sweep's best configuration is no better than a "
            f"coin flip out of sample (it ranks at or below the out-of-sample median "
            f"in {share}).",
        )
    verdict = "pass" if value < PBO_PASS else "caution"
    strength = "low" if verdict == "pass" else "moderate"
    return Reading(
        check,
        f"{value:.3f}",
        verdict,
        f"PBO {value:.3f}: {strength} overfitting risk; the in-sample best "
        f"configuration falls to or below the out-of-sample median in {share}.",
    )


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
    check = "Sweep choice, in vs out of sample"
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
        return Reading(
            check,
            value,
            "caution",
            f"The in-sample choice was not profitable, yet out of sample it was: "
            f"{pair}; read it as noise.",
        )
    ratio = out_sample / in_sample
    if ratio >= WALK_FORWARD_PASS_RATIO:
        return Reading(
            check,
            value,
            "pass",
            f"The edge holds up out of sample ({ratio:.0%} of in-sample): {pair}.",
        )
    verdict = "caution" if ratio >= WALK_FORWARD_CAUTION_RATIO else "fail"
    return Reading(
        check, value, verdict, f"The edge decays out of sample to {ratio:.0%} of in-sample: {pair}."
    )


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
    shown = f"{value:.2%}"
    if value <= LABEL_GAP_PASS:
        return Reading(
            check,
            shown,
            "pass",
            f"Walk-forward labels match a full-sample fit on {1 - value:.2%} of days: "
            "hindsight barely changes the regimes.",
        )
    verdict = "caution" if value <= LABEL_GAP_CAUTION else "fail"
    return Reading(
        check,
        shown,
        verdict,
        f"Walk-forward labels differ from a full-sample fit on {shown} of days: a "
        "backtest on in-sample labels would be flattered by hindsight.",
    )


def _shift_years(key: str) -> int | None:
    try:
        return int(str(key).rstrip("y"))
    except ValueError:
        return None


def stability_change(stability: Mapping[str, Any] | None) -> float | None:
    """The share of labels a two-year move of the history start changes (the worst move).

    ``max_start_shift_change`` when the block has the key (None when no
    two-year move could be measured); else computed the same way from the
    ``start_shift`` agreements (the two-year moves, or every move if none is
    a two-year one).
    """
    if isinstance(stability, Mapping) and "max_start_shift_change" in stability:
        return _number(stability["max_start_shift_change"])
    shifts = {
        k: _number(_get(v, "agreement")) for k, v in (_get(stability, "start_shift") or {}).items()
    }
    shifts = {k: a for k, a in shifts.items() if a is not None}
    two_years = {k: a for k, a in shifts.items() if abs(_shift_years(k) or 0) == 2}
    chosen = two_years or shifts
    return max(1.0 - a for a in chosen.values()) if chosen else None


def stability_flagged(stability: Mapping[str, Any] | None) -> bool | None:
    """Whether a classifier's labels depend on where the history starts.

    ``flagged`` from the data when it says so; else whether the change
    (:func:`stability_change`) exceeds :data:`STABILITY_LIMIT`; None without data.
    """
    flagged = _get(stability, "flagged")
    if isinstance(flagged, bool):
        return flagged
    change = stability_change(stability)
    return None if change is None else change > STABILITY_LIMIT


def stability_reading(
    stability: Mapping[str, Any] | None, classifier: str = "the classifier"
) -> Reading:
    """Do the labels change when the history starts earlier or later?

    Parameters
    ----------
    stability : mapping or None
        ``regimes.stability`` (metrics.json) or one classifier's ``stability``
        (evaluation.json): ``start_shift.<shift>`` (``history_start``,
        ``agreement``, ``n_days``, or ``available: false`` and a ``reason``),
        ``max_start_shift_change``, ``flagged``.
    classifier : str

    Returns
    -------
    Reading
        ``fail`` when flagged (a two-year move changes more than
        :data:`STABILITY_LIMIT` of the labels), ``pass`` otherwise, ``n/a``
        when no move could be measured.
    """
    check = "Label stability when the history start moves"
    change = stability_change(stability)
    flagged = stability_flagged(stability)
    shifts = _get(stability, "start_shift") or {}
    tried = ", ".join(
        f"{k} (from {_get(v, 'history_start')})"
        for k, v in shifts.items()
        if _number(_get(v, "agreement")) is not None
    )
    if change is None or flagged is None:
        reasons = "; ".join(
            f"{k}: {_get(v, 'reason')}" for k, v in shifts.items() if _get(v, "reason")
        )
        return Reading(
            check,
            "n/a",
            "n/a",
            "No two-year move of the history start could be "
            "measured" + (f" ({reasons})." if reasons else "."),
        )
    moved = f" Moves measured: {tried}." if tried else ""
    value = f"{change:.1%} changed"
    if flagged:
        return Reading(
            check,
            value,
            "fail",
            f"FLAGGED: moving the start of the history by two years changes "
            f"{classifier}'s labels on {change:.1%} of the days, more than "
            f"{STABILITY_LIMIT:.0%}: its regimes depend on where the data begin." + moved,
        )
    return Reading(
        check,
        value,
        "pass",
        f"Moving the start of the history by two years changes {classifier}'s "
        f"labels on at most {change:.1%} of the days (flagged above "
        f"{STABILITY_LIMIT:.0%})." + moved,
    )


def _trial_range(metrics: Mapping[str, Any], strategy: str) -> tuple[float, float] | None:
    sweep = metrics.get("sweep") or {}
    if sweep.get("strategy") != strategy:
        return None
    worst, best = (_number(_get(sweep, "sharpe", k)) for k in ("worst", "best"))
    return None if worst is None or best is None else (worst, best)


def honesty_readings(metrics: Mapping[str, Any], strategy: str) -> list[Reading]:
    """Every significance reading for ``strategy``, in page order, from a parsed metrics.json.

    Parameters
    ----------
    metrics : mapping
        The whole parsed ``metrics.json``.
    strategy : str
        The strategy under test (usually the regime rotation).

    Returns
    -------
    list of Reading
        The no-timing null first (one reading per no-timing benchmark, then
        the deflated Sharpe of the active return), then the placebo, the
        zero-Sharpe CI, the difference with the benchmark, the PBO and the
        walk-forward. Without a null, the DSR is the zero test's. Absent data
        gives ``"n/a"`` readings, never an error. (The in-sample vs
        walk-forward *label* reading belongs to the classifier section.)
    """
    significance = metrics.get("significance") or {}
    level = _number(significance.get("confidence")) or 0.95
    entry = _get(significance, "strategies", strategy) or {}
    benchmark = str(significance.get("benchmark") or "the benchmark")
    placebos = _get(metrics, "placebos", "random_regimes") or {}
    placebo = next(iter(placebos.values()), None) if isinstance(placebos, Mapping) else None
    null = _get(significance, "null") or {}
    nulls = (null.get("benchmarks") or {}) if null.get("strategy") == strategy else {}
    roles = [r for r in NULL_ROLES if r in nulls] + [r for r in nulls if r not in NULL_ROLES]
    readings = [null_reading(nulls[role], role, strategy, level) for role in roles]
    active = next(
        (
            (role, nulls[role])
            for role in roles
            if _number(_get(nulls[role], "active_deflated", "dsr")) is not None
        ),
        None,
    )
    if active is not None:
        role, block = active
        readings.append(
            deflated_sharpe_reading(
                block["active_deflated"], strategy=strategy, against=str(block.get("name") or role)
            )
        )
    else:
        readings.append(
            deflated_sharpe_reading(
                entry.get("deflated"),
                strategy=strategy,
                trial_sharpes=_trial_range(metrics, strategy),
            )
        )
    readings += [
        placebo_reading(placebo, strategy),
        sharpe_ci_reading(entry.get("sharpe_ci"), strategy, level),
        benchmark_difference_reading(
            entry.get("sharpe_difference_vs_benchmark"), strategy, benchmark, level
        ),
        pbo_reading(entry.get("pbo")),
        walk_forward_reading(metrics.get("walk_forward")),
    ]
    return readings
