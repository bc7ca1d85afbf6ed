"""The CI gate: compare a run's ``metrics.json`` with a committed baseline.

``regime-bt check RUN_DIR --baseline baseline.json`` flattens both sides into
dotted metric paths (``strategies.regime_rotation.overall.sharpe``,
``regimes.share_scarce``, ``significance.strategies.benchmark.psr``, ...),
compares them one by one under absolute/relative tolerances, and reports
what moved, by how much and whether that is better or worse. Which way is
better comes from :func:`backtests.metrics_schema.metric_direction`, the one
home of metric directions.

Flattening (:mod:`backtests.gate_flatten`) is generic: every numeric leaf
(and every ``null``, an undefined ratio) of ``metrics.json`` is a metric,
except the run metadata, echoes of the config and the verdict sentences
(:data:`DEFAULT_IGNORE`). Strings (``kind``, ``role``, dates, ``verdict``
text) are never metrics. List items get their index as a path part
(``walk_forward.folds.0.out_of_sample_sharpe``).
Descriptive counts (``edge.by_year.<year>.days``, ``n_spells``) are compared
as neutral metrics: any move is "changed".

Tolerances
----------
A TOML file (``--tolerance FILE``)::

    [default]                 # every metric (built-in: abs = 1e-9, rel = 1e-6)
    abs = 1e-9
    rel = 1e-6

    [metrics]                 # by leaf name, full dotted path, or glob
    sharpe = { abs = 0.01 }
    "regimes.switches_per_year" = { abs = 0.5 }

    [strategies.regime_rotation]   # inside one strategy: leaf name or path
    cagr = { rel = 0.01 }          # relative to strategies.<name>, or glob

    [ignore]
    metrics = ["walk_forward.*", "event_study.*"]

A change breaches when ``|run - baseline| > abs + rel * |baseline|``. The most
specific entry wins, per field: strategy path > strategy leaf > metrics path
or glob > metrics leaf > default; a field an entry leaves out comes from the
next less specific level.

Verdicts and breaches
---------------------
Each metric gets one verdict (:class:`MetricChange`), and :func:`breach_rule`
decides whether it fails the check:

==================  ======================  ==================
verdict             ``fail_on="any"``       ``fail_on="worse"``
==================  ======================  ==================
unchanged           no                      no
better              yes                     no
worse               yes                     yes
changed             yes                     yes
missing in run      yes (no with            yes (no with
new in run          ``allow_missing``)      ``allow_missing``)
==================  ======================  ==================

"changed" is a move of a neutral metric, or a value that became undefined
(``null``) or defined on one side: neither can be called an improvement.

Comparability
-------------
A comparison is meaningless when the data differ, so :func:`check` refuses
(:class:`IncomparableRunsError`) when ``run.data_source``, ``run.start``,
``run.end`` or ``run.data_sha256`` (the resolved ``[data]`` and ``[universe]``
tables, see :func:`backtests.config.data_sha256`) differ, unless
``force=True``. A different ``config_sha256`` is expected: that is the change
under review. A different ``run.unavailable_inputs`` (an input that could not
be loaded on one side) is reported in the notes.

Reports
-------
:class:`CheckReport` lists the moved metrics by importance
(:data:`SECTIONS`: the headline overall metrics first, then the other overall
metrics, per regime, the rest of each strategy, the regimes, the research
sections; within a section by the size of the move relative to its
tolerance). Its text and markdown forms live in :mod:`backtests.gate_report`.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import json
import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from backtests.gate_flatten import (
    DEFAULT_IGNORE,
    _finite,
    _ignored,
    _strategy_of,
    flatten_metrics,
)
from backtests.metrics_schema import RESEARCH_KEYS, metric_direction
from data.atomic import atomic_write_text
from data.hints import did_you_mean

__all__ = [
    "BASELINE_SCHEMA",
    "DEFAULT_IGNORE",
    "HEADLINE_METRICS",
    "SECTIONS",
    "CheckInputError",
    "CheckReport",
    "IncomparableRunsError",
    "MetricChange",
    "Tolerance",
    "Tolerances",
    "baseline_document",
    "breach_rule",
    "check",
    "flatten_metrics",
    "load_tolerances",
    "metric_direction",
    "write_baseline",
]

#: Version of the baseline file layout.
BASELINE_SCHEMA = 1

#: ``run`` keys that must agree for a comparison to mean anything.
COMPARABILITY_KEYS: tuple[str, ...] = ("data_source", "start", "end", "data_sha256")

#: Baseline ``run`` keys kept for the comparability check and for people.
BASELINE_RUN_KEYS: tuple[str, ...] = (
    "name",
    *COMPARABILITY_KEYS,
    "n_days",
    "config_sha256",
    "unavailable_inputs",
)

#: The overall metrics of the per-strategy headline table, in column order.
HEADLINE_METRICS: tuple[str, ...] = ("sharpe", "cagr", "max_drawdown", "turnover")

#: Importance of a metric, most important first (see :attr:`MetricChange.section`).
SECTIONS: tuple[str, ...] = (
    "headline",
    "overall",
    "by regime",
    "strategy",
    "regimes",
    "research",
    "other",
)

#: Verdicts, in the order reports count them.
VERDICTS: tuple[str, ...] = (
    "worse",
    "better",
    "changed",
    "missing in run",
    "new in run",
    "unchanged",
)

FAIL_ON: tuple[str, ...] = ("any", "worse")


class CheckInputError(ValueError):
    """A missing or malformed run directory, baseline or tolerance file (exit 2)."""


class IncomparableRunsError(CheckInputError):
    """The run and the baseline were made on different data (exit 2)."""


@dataclasses.dataclass(frozen=True)
class Tolerance:
    """Allowed move: ``|run - baseline| <= abs + rel * |baseline|``."""

    abs: float = 1e-9
    rel: float = 1e-6

    def allowance(self, baseline: float) -> float:
        """The largest move of a metric whose baseline is ``baseline`` that passes."""
        return self.abs + self.rel * abs(baseline)

    def allows(self, baseline: float, current: float) -> bool:
        return abs(current - baseline) <= self.allowance(baseline)


@dataclasses.dataclass(frozen=True)
class Tolerances:
    """Parsed tolerance file; see the module docstring for the layout."""

    default: Tolerance = Tolerance()
    metrics: Mapping[str, Mapping[str, float]] = dataclasses.field(default_factory=dict)
    strategies: Mapping[str, Mapping[str, Mapping[str, float]]] = dataclasses.field(
        default_factory=dict
    )
    ignore: tuple[str, ...] = ()

    def for_metric(self, path: str) -> Tolerance:
        """The tolerance of one dotted metric path, field by field from the most specific entry.

        Examples
        --------
        >>> tolerances = Tolerances(metrics={"sharpe": {"abs": 0.01}},
        ...                         strategies={"rotation": {"sharpe": {"rel": 0.1}}})
        >>> tolerances.for_metric("strategies.rotation.overall.sharpe")
        Tolerance(abs=0.01, rel=0.1)
        """
        leaf = path.rsplit(".", 1)[-1]
        fields = {"abs": self.default.abs, "rel": self.default.rel}
        fields.update(self.metrics.get(leaf, {}))
        for pattern, entry in self.metrics.items():
            if pattern != leaf and (pattern == path or fnmatch.fnmatchcase(path, pattern)):
                fields.update(entry)
        name = _strategy_of(path, self.strategies)
        if name is not None and name in self.strategies:
            table = self.strategies[name]
            inner = path[len(f"strategies.{name}.") :]
            fields.update(table.get(leaf, {}))
            for pattern, entry in table.items():
                if pattern != leaf and (pattern == inner or fnmatch.fnmatchcase(inner, pattern)):
                    fields.update(entry)
        return Tolerance(**fields)


def _tolerance_entry(value: Any, where: str) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise CheckInputError(f"{where} must be a table like {{abs = 0.01}} or {{rel = 0.05}}.")
    entry = {}
    for key, number in value.items():
        if key not in ("abs", "rel"):
            hint = did_you_mean(key, ["abs", "rel"], cutoff=0.5)
            raise CheckInputError(f"{where}: unknown key {key!r}.{hint} Allowed: abs, rel.")
        ok = isinstance(number, int | float) and not isinstance(number, bool) and number >= 0
        if not ok or math.isnan(number):
            raise CheckInputError(f"{where}.{key} = {number!r} must be a number >= 0.")
        entry[key] = float(number)
    return entry


def load_tolerances(path: str | Path | None) -> Tolerances:
    """Read a tolerance TOML file; None gives the built-in defaults.

    Raises
    ------
    CheckInputError
        Naming the file, the key and what is allowed.
    """
    if path is None:
        return Tolerances()
    path = Path(path)
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CheckInputError(f"tolerance file {path} does not exist.") from None
    except tomllib.TOMLDecodeError as error:
        raise CheckInputError(f"{path}: not valid TOML: {error}.") from None
    sections = ("default", "metrics", "strategies", "ignore")
    for key in table:
        if key not in sections:
            hint = did_you_mean(key, sections)
            raise CheckInputError(
                f"{path}: unknown table [{key}].{hint} Allowed: {', '.join(sections)}."
            )
    default = Tolerance(**_tolerance_entry(table.get("default", {}), f"{path}: [default]"))
    metrics = {
        name: _tolerance_entry(value, f"{path}: metrics.{name}")
        for name, value in table.get("metrics", {}).items()
    }
    strategies = {}
    for name, entries in table.get("strategies", {}).items():
        if not isinstance(entries, Mapping):
            raise CheckInputError(f"{path}: [strategies.{name}] must be a table.")
        strategies[name] = {
            metric: _tolerance_entry(value, f"{path}: strategies.{name}.{metric}")
            for metric, value in entries.items()
        }
    ignore = table.get("ignore", {})
    patterns = ignore.get("metrics", []) if isinstance(ignore, Mapping) else None
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise CheckInputError(f"{path}: [ignore] metrics must be a list of glob strings.")
    return Tolerances(default, metrics, strategies, tuple(patterns))


@dataclasses.dataclass(frozen=True)
class MetricChange:
    """One metric compared.

    ``verdict`` is ``"better"``, ``"worse"``, ``"changed"`` (neutral metric, or
    a value that became undefined or defined), ``"unchanged"`` (within
    tolerance, maybe not bit-identical), ``"missing in run"`` or ``"new in
    run"``. ``strategy`` is the strategy a ``strategies.<name>.…`` path
    belongs to (``None`` elsewhere, or when not known).
    """

    metric: str
    baseline: float | None
    current: float | None
    verdict: str
    breach: bool
    tolerance: Tolerance
    present_in_baseline: bool = True
    present_in_run: bool = True
    strategy: str | None = None

    @property
    def delta(self) -> float | None:
        if self.baseline is None or self.current is None:
            return None
        return self.current - self.baseline

    @property
    def relative(self) -> float | None:
        if self.delta is None or self.baseline is None or self.baseline == 0:
            return None
        return self.delta / abs(self.baseline)

    @property
    def moved(self) -> bool:
        """Beyond tolerance, undefined on one side, or missing on one side."""
        return self.verdict != "unchanged"

    @property
    def tolerance_multiple(self) -> float:
        """``|change| / allowance``: above 1 is beyond tolerance; ``inf`` when not measurable.

        Infinite for a metric missing, new or undefined on one side, and for
        any move under a zero tolerance; 0 when both sides are undefined.
        """
        if self.baseline is None and self.current is None:
            return 0.0 if self.present_in_baseline and self.present_in_run else math.inf
        if self.delta is None or self.baseline is None:  # (delta is None when baseline is)
            return math.inf
        allowance = self.tolerance.allowance(self.baseline)
        if allowance > 0:
            return abs(self.delta) / allowance
        return 0.0 if self.delta == 0 else math.inf

    @property
    def section(self) -> str:
        """Where the metric sits in :data:`SECTIONS` (its importance).

        Examples
        --------
        >>> change = MetricChange("strategies.a.b.overall.sharpe", 1.0, 1.0, "unchanged", False,
        ...                       Tolerance(), strategy="a.b")
        >>> change.section
        'headline'
        """
        strategy = self.strategy or _strategy_of(self.metric, ())
        if strategy is not None:
            inner = self.metric[len(f"strategies.{strategy}.") :]
            part, _, rest = inner.partition(".")
            if part == "overall":
                return "headline" if rest in HEADLINE_METRICS else "overall"
            return "by regime" if part == "by_regime" else "strategy"
        top = self.metric.split(".", 1)[0]
        if top == "regimes":
            return "regimes"
        return "research" if top in RESEARCH_KEYS else "other"

    def importance(self) -> tuple[int, float, str]:
        """Sort key: section, then the larger move relative to tolerance, then the path."""
        return SECTIONS.index(self.section), -self.tolerance_multiple, self.metric

    def to_dict(self) -> dict:
        multiple = self.tolerance_multiple
        return {
            "metric": self.metric,
            "baseline": self.baseline,
            "run": self.current,
            "delta": self.delta,
            "relative": self.relative,
            "verdict": self.verdict,
            "breach": self.breach,
            "section": self.section,
            "strategy": self.strategy,
            "tolerance_multiple": multiple if math.isfinite(multiple) else None,
            "tolerance": {"abs": self.tolerance.abs, "rel": self.tolerance.rel},
        }


def breach_rule(verdict: str, fail_on: str = "any", allow_missing: bool = False) -> bool:
    """Whether a verdict fails the check (the table in the module docstring).

    Examples
    --------
    >>> breach_rule("better", "any"), breach_rule("better", "worse")
    (True, False)
    >>> breach_rule("changed", "worse"), breach_rule("new in run", allow_missing=True)
    (True, False)
    """
    if verdict == "unchanged":
        return False
    if verdict in ("missing in run", "new in run"):
        return not allow_missing
    if verdict == "better":
        return fail_on == "any"
    if verdict in ("worse", "changed"):
        return True
    raise ValueError(f"unknown verdict {verdict!r}; allowed: {', '.join(VERDICTS)}.")


def _compare(
    path: str,
    old: float | None,
    new: float | None,
    tolerance: Tolerance,
    fail_on: str,
    strategy: str | None = None,
) -> MetricChange:
    old = None if old is None else _finite(old)
    new = None if new is None else _finite(new)
    if old is None and new is None:
        verdict = "unchanged"
    elif old is None or new is None:
        verdict = "changed"
    elif tolerance.allows(old, new):
        verdict = "unchanged"
    else:
        direction = metric_direction(path)
        if direction == "higher":
            verdict = "better" if new > old else "worse"
        elif direction == "lower":
            verdict = "better" if new < old else "worse"
        elif direction == "smaller_magnitude":
            verdict = "better" if abs(new) < abs(old) else "worse"
        else:
            verdict = "changed"
    return MetricChange(
        path, old, new, verdict, breach_rule(verdict, fail_on), tolerance, strategy=strategy
    )


@dataclasses.dataclass(frozen=True)
class CheckReport:
    """The result of :func:`check`.

    Attributes
    ----------
    changes : tuple of MetricChange
        Every metric compared, sorted by path.
    run : dict
        The run's ``run`` metadata (comparability keys).
    baseline_run : dict
        The baseline's.
    notes : tuple of str
        Explanations (forced comparisons, config changes).
    strategies : mapping of str to str
        Every strategy of the run or the baseline and its role (``strategy``,
        ``benchmark``, ``placebo``; ``""`` when unknown), in report order.
    fail_on : {"any", "worse"}
        The mode the breaches were decided with.
    """

    changes: tuple[MetricChange, ...]
    run: dict
    baseline_run: dict
    notes: tuple[str, ...] = ()
    strategies: Mapping[str, str] = dataclasses.field(default_factory=dict)
    fail_on: str = "any"

    @property
    def breaches(self) -> tuple[MetricChange, ...]:
        """Breaching metrics, most important first."""
        return tuple(c for c in self.moved if c.breach)

    @property
    def passed(self) -> bool:
        return not any(c.breach for c in self.changes)

    @functools.cached_property
    def moved(self) -> tuple[MetricChange, ...]:
        """Metrics that moved beyond tolerance, most important first.

        Ordered by :meth:`MetricChange.importance`.
        """
        return tuple(sorted((c for c in self.changes if c.moved), key=MetricChange.importance))

    def summary_line(self) -> str:
        verdict = "PASSED" if self.passed else "FAILED"
        return (
            f"check {verdict}: {len(self.changes)} metrics compared, "
            f"{len(self.moved)} moved beyond tolerance, {len(self.breaches)} breaches."
        )

    def verdict_line(self, markdown: bool = False) -> str:
        """One line: passed or failed, how many metrics moved, the headline worse and better."""
        from backtests.gate_report import verdict_line

        return verdict_line(self, markdown=markdown)

    def to_text(self) -> str:
        """A plain report for a terminal or a CI log (:func:`backtests.gate_report.report_text`)."""
        from backtests.gate_report import report_text

        return report_text(self)

    def to_markdown(self) -> str:
        """GitHub-flavoured markdown for a job summary or a PR comment; user text is inert."""
        from backtests.gate_report import report_markdown

        return report_markdown(self)

    def write_markdown(self, path: str | Path) -> None:
        """Write :meth:`to_markdown` to ``path`` atomically."""
        atomic_write_text(Path(path), self.to_markdown())

    def to_dict(self) -> dict:
        """Machine-readable summary (``--json``): counts, the headline table, every move."""
        from backtests.gate_report import strategy_headlines

        counts = {v: 0 for v in VERDICTS if v != "unchanged"}
        for change in self.moved:
            counts[change.verdict] += 1
        return {
            "passed": self.passed,
            "fail_on": self.fail_on,
            "n_compared": len(self.changes),
            "n_moved": len(self.moved),
            "n_breaches": len(self.breaches),
            "verdicts": counts,
            "verdict_line": self.verdict_line(),
            "notes": list(self.notes),
            "run": self.run,
            "baseline_run": self.baseline_run,
            "headline": [row.to_dict() for row in strategy_headlines(self)],
            "moved": [c.to_dict() for c in self.moved],
        }


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CheckInputError(f"{what} {path} does not exist.") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CheckInputError(f"{what} {path} is not valid JSON: {error}.") from None


def _run_metrics(run_dir: str | Path) -> dict:
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise CheckInputError(
            f"run directory {run_dir} does not exist (make it with `regime-bt run --out DIR`)."
        )
    metrics = _read_json(run_dir / "metrics.json", "metrics file")
    if not isinstance(metrics, dict) or not isinstance(metrics.get("strategies"), Mapping):
        raise CheckInputError(f"{run_dir / 'metrics.json'} is not a regime-bt metrics.json.")
    return metrics


def _roles(metrics: Mapping) -> dict[str, str]:
    """``{strategy: role}`` of a metrics.json, in document order."""
    return {
        str(name): str(entry.get("role", "")) if isinstance(entry, Mapping) else ""
        for name, entry in metrics.get("strategies", {}).items()
    }


@dataclasses.dataclass(frozen=True)
class _Baseline:
    run: dict
    metrics: dict
    roles: dict


def _load_baseline(path: str | Path) -> _Baseline:
    """The run metadata, flat metrics and strategy roles of a baseline file or a metrics.json.

    A run directory stands for its ``metrics.json``.
    """
    path = Path(path)
    if path.is_dir():
        if not (path / "metrics.json").is_file():
            raise CheckInputError(
                f"baseline {path} is a directory without a metrics.json; give a "
                "baseline file (from --update) or a run directory."
            )
        path = path / "metrics.json"
    data = _read_json(path, "baseline")
    if isinstance(data, dict) and "baseline_schema" in data:
        if data["baseline_schema"] != BASELINE_SCHEMA:
            raise CheckInputError(
                f"baseline {path} has baseline_schema "
                f"{data['baseline_schema']}; this version reads "
                f"{BASELINE_SCHEMA}. Regenerate it with --update."
            )
        try:
            metrics = {
                str(k): None if v is None else _finite(v)
                for k, v in data.get("metrics", {}).items()
            }
        except (TypeError, ValueError, AttributeError):
            raise CheckInputError(
                f"baseline {path}: metrics must map paths to numbers or null."
            ) from None
        roles = data.get("roles", {})
        roles = {str(k): str(v) for k, v in roles.items()} if isinstance(roles, Mapping) else {}
        return _Baseline(dict(data.get("run", {})), metrics, roles)
    if isinstance(data, dict) and isinstance(data.get("strategies"), Mapping):
        return _Baseline(dict(data.get("run", {})), flatten_metrics(data), _roles(data))
    raise CheckInputError(
        f"baseline {path} is neither a baseline file (from --update) nor a metrics.json."
    )


def _comparability(run: Mapping, baseline: Mapping) -> tuple[list[str], list[str]]:
    """(reasons the runs are incomparable, notes)."""
    problems, notes = [], []
    for key in COMPARABILITY_KEYS:
        if key not in run or key not in baseline:
            side = (
                "run and the baseline"
                if key not in run and key not in baseline
                else "run"
                if key not in run
                else "baseline"
            )
            notes.append(f"Cannot verify run.{key}: missing from the {side}.")
        elif run[key] != baseline[key]:
            problems.append(f"run.{key} differs: baseline {baseline[key]!r}, run {run[key]!r}")
    if run.get("config_sha256") != baseline.get("config_sha256"):
        notes.append(
            "The config differs from the baseline's (config_sha256)"
            + (
                "."
                if problems
                else "; the data are the same, so the metrics below are the effect of that change."
            )
        )
    in_run, in_baseline = run.get("unavailable_inputs"), baseline.get("unavailable_inputs")
    if (
        isinstance(in_run, Mapping)
        and isinstance(in_baseline, Mapping)
        and set(in_run) != set(in_baseline)
    ):
        only_run = sorted(set(in_run) - set(in_baseline))
        only_baseline = sorted(set(in_baseline) - set(in_run))
        sides = [
            f"{label}: {', '.join(names)}"
            for label, names in (
                ("unavailable in the run only", only_run),
                ("unavailable in the baseline only", only_baseline),
            )
            if names
        ]
        notes.append(
            "Different inputs were available (run.unavailable_inputs; "
            + "; ".join(sides)
            + "): some metrics may have moved because of that."
        )
    return problems, notes


def check(
    run_dir: str | Path,
    baseline: str | Path,
    tolerances: Tolerances | str | Path | None = None,
    *,
    allow_missing: bool = False,
    force: bool = False,
    fail_on: str = "any",
) -> CheckReport:
    """Compare ``RUN_DIR/metrics.json`` with a baseline, metric by metric.

    Parameters
    ----------
    run_dir : str or Path
        A run directory (``regime-bt run --out``).
    baseline : str or Path
        A baseline file written by :func:`write_baseline`, or a metrics.json.
    tolerances : Tolerances or path, optional
        Default: ``abs = 1e-9, rel = 1e-6`` for every metric.
    allow_missing : bool, default False
        Metrics present on one side only are reported but are not breaches.
    force : bool, default False
        Compare even when the data differ (the report says so).
    fail_on : {"any", "worse"}, default "any"
        ``"any"``: every move beyond tolerance is a breach. ``"worse"``: moves
        in the better direction are reported but pass.

    Returns
    -------
    CheckReport

    Raises
    ------
    CheckInputError
        A missing or malformed input.
    IncomparableRunsError
        The data source, dates or data tables differ (and not ``force``).

    Examples
    --------
    >>> report = check("runs/pr", "ci/baseline.json")  # doctest: +SKIP
    >>> report.passed, print(report.to_text())  # doctest: +SKIP
    """
    if fail_on not in FAIL_ON:
        raise CheckInputError(f"fail_on = {fail_on!r} is not allowed; use 'any' or 'worse'.")
    if not isinstance(tolerances, Tolerances):
        tolerances = load_tolerances(tolerances)
    metrics = _run_metrics(run_dir)
    run_section = found if isinstance(found := metrics.get("run"), Mapping) else {}
    run_meta = {k: run_section[k] for k in BASELINE_RUN_KEYS if k in run_section}
    loaded = _load_baseline(baseline)
    baseline_meta = {k: loaded.run[k] for k in BASELINE_RUN_KEYS if k in loaded.run}
    problems, notes = _comparability(run_meta, baseline_meta)
    if problems and not force:
        raise IncomparableRunsError(
            f"refusing to compare {run_dir} with baseline {baseline}: they were made on "
            f"different data, so metric differences would not measure the change under review. "
            + "; ".join(problems)
            + ". Re-run on the baseline's data, regenerate the baseline "
            "with --update, or pass --force to compare anyway."
        )
    if problems:
        notes.insert(0, "FORCED comparison across different data: " + "; ".join(problems) + ".")
    roles = _roles(metrics)
    roles.update({k: v for k, v in loaded.roles.items() if k not in roles})
    ignore = tuple(tolerances.ignore)
    current = {k: v for k, v in flatten_metrics(metrics).items() if not _ignored(k, ignore)}
    baseline_flat = {
        k: v for k, v in loaded.metrics.items() if not _ignored(k, DEFAULT_IGNORE + ignore)
    }
    changes = []
    for path in sorted(set(current) | set(baseline_flat)):
        tolerance = tolerances.for_metric(path)
        strategy = _strategy_of(path, roles)
        if strategy is not None and strategy not in roles:
            roles[strategy] = ""
        if path not in current:
            verdict = "missing in run"
            changes.append(
                MetricChange(
                    path,
                    baseline_flat[path],
                    None,
                    verdict,
                    breach_rule(verdict, fail_on, allow_missing),
                    tolerance,
                    present_in_run=False,
                    strategy=strategy,
                )
            )
        elif path not in baseline_flat:
            verdict = "new in run"
            changes.append(
                MetricChange(
                    path,
                    None,
                    current[path],
                    verdict,
                    breach_rule(verdict, fail_on, allow_missing),
                    tolerance,
                    present_in_baseline=False,
                    strategy=strategy,
                )
            )
        else:
            changes.append(
                _compare(path, baseline_flat[path], current[path], tolerance, fail_on, strategy)
            )
    return CheckReport(tuple(changes), run_meta, baseline_meta, tuple(notes), roles, fail_on)


def baseline_document(metrics: Mapping) -> dict:
    """The baseline file content for a metrics.json: comparability keys, roles, flat metrics."""
    run = metrics.get("run", {})
    return {
        "baseline_schema": BASELINE_SCHEMA,
        "run": {k: run[k] for k in BASELINE_RUN_KEYS if k in run},
        "roles": _roles(metrics),
        "metrics": flatten_metrics(metrics),
    }


def write_baseline(run_dir: str | Path, baseline: str | Path) -> dict:
    """Write ``baseline`` from ``RUN_DIR/metrics.json`` atomically; return its content.

    One metric per line, sorted, so a baseline change reads well in a diff.
    """
    document = baseline_document(_run_metrics(run_dir))
    text = json.dumps(document, indent=2, allow_nan=False) + "\n"
    atomic_write_text(Path(baseline), text)
    return document
