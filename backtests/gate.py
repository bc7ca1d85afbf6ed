"""The CI gate: compare a run's ``metrics.json`` with a committed baseline.

``regime-bt check RUN_DIR --baseline baseline.json`` flattens both sides into
dotted metric paths (``strategies.regime_rotation.overall.sharpe``,
``regimes.share_scarce``, ``significance.strategies.benchmark.psr``, ...),
compares them one by one under absolute/relative tolerances, and reports
what moved, by how much and whether that is better or worse.

Flattening is generic: every numeric leaf (and every ``null``, an undefined
ratio) of ``metrics.json`` is a metric, except the run metadata and echoes of
the config (:data:`DEFAULT_IGNORE`). List items get their index as a path part
(``walk_forward.folds.0.test_sharpe``).

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

Comparability
-------------
A comparison is meaningless when the data differ, so :func:`check` refuses
(:class:`IncomparableRunsError`) when ``run.data_source``, ``run.start``,
``run.end`` or ``run.data_sha256`` (the resolved ``[data]`` and ``[universe]``
tables, see :func:`backtests.config.data_sha256`) differ, unless
``force=True``. A different ``config_sha256`` is expected: that is the change
under review.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from data.atomic import atomic_write_text
from data.hints import did_you_mean

__all__ = [
    "BASELINE_SCHEMA",
    "DEFAULT_IGNORE",
    "CheckInputError",
    "CheckReport",
    "IncomparableRunsError",
    "MetricChange",
    "Tolerance",
    "Tolerances",
    "check",
    "flatten_metrics",
    "load_tolerances",
    "metric_direction",
    "baseline_document",
    "write_baseline",
]

#: Version of the baseline file layout.
BASELINE_SCHEMA = 1

#: Paths that are metadata or config echoes, not results.
DEFAULT_IGNORE: tuple[str, ...] = ("schema", "run.*", "regimes.params.*", "sweep.grid.*")

#: ``run`` keys that must agree for a comparison to mean anything.
COMPARABILITY_KEYS: tuple[str, ...] = ("data_source", "start", "end", "data_sha256")

#: Baseline ``run`` keys kept for the comparability check and for people.
BASELINE_RUN_KEYS: tuple[str, ...] = ("name", *COMPARABILITY_KEYS, "n_days", "config_sha256")

HIGHER_IS_BETTER = frozenset({
    "total_return", "cagr", "sharpe", "sortino", "hit_rate", "psr", "dsr",
    "in_sample_sharpe", "out_of_sample_sharpe", "mean_in_sample_sharpe", "test_sharpe",
    "train_sharpe", "real_sharpe", "real_cagr", "final_value",
})
LOWER_IS_BETTER = frozenset({"volatility", "turnover", "pbo", "p_value_le_0"})
#: Lower absolute value is better (drawdowns are stored as negative numbers).
SMALLER_MAGNITUDE_IS_BETTER = frozenset({"max_drawdown"})


class CheckInputError(ValueError):
    """A missing or malformed run directory, baseline or tolerance file (exit 2)."""


class IncomparableRunsError(CheckInputError):
    """The run and the baseline were made on different data (exit 2)."""


def metric_direction(path: str) -> str:
    """``"higher"``, ``"lower"``, ``"smaller_magnitude"`` or ``"neutral"`` for a dotted path.

    Examples
    --------
    >>> metric_direction("strategies.regime_rotation.overall.sharpe")
    'higher'
    >>> metric_direction("strategies.benchmark.by_regime.scarce.max_drawdown")
    'smaller_magnitude'
    >>> metric_direction("regimes.share_scarce")
    'neutral'
    """
    parts = path.split(".")
    leaf = parts[-1]
    if leaf in HIGHER_IS_BETTER:
        return "higher"
    if leaf in LOWER_IS_BETTER:
        return "lower"
    if leaf in SMALLER_MAGNITUDE_IS_BETTER:
        return "smaller_magnitude"
    # bootstrap CIs: sharpe_ci.estimate/low/high
    if leaf in ("estimate", "low", "high") and len(parts) > 1 and "sharpe" in parts[-2]:
        return "higher"
    return "neutral"


def flatten_metrics(metrics: Mapping, ignore: tuple[str, ...] = DEFAULT_IGNORE) -> dict:
    """Every numeric (or null) leaf of ``metrics`` by dotted path, sorted by path.

    Parameters
    ----------
    metrics : mapping
        The content of ``metrics.json``.
    ignore : tuple of str
        Glob patterns of paths to leave out (a pattern ``"run.*"`` also drops
        ``run`` itself).

    Returns
    -------
    dict of str to float or None

    Examples
    --------
    >>> flatten_metrics({"run": {"n_days": 5}, "a": {"b": [1, {"c": None}], "d": "x"}})
    {'a.b.0': 1.0, 'a.b.1.c': None}
    """
    flat: dict[str, float | None] = {}

    def walk(value: Any, path: str) -> None:
        if _ignored(path, ignore):
            return
        if isinstance(value, Mapping):
            for key, child in value.items():
                walk(child, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list | tuple):
            for index, child in enumerate(value):
                walk(child, f"{path}.{index}")
        elif value is None:
            flat[path] = None
        elif isinstance(value, int | float) and not isinstance(value, bool):
            flat[path] = float(value)

    walk(metrics, "")
    return dict(sorted(flat.items()))


def _ignored(path: str, patterns: tuple[str, ...]) -> bool:
    return bool(path) and any(
        fnmatch.fnmatchcase(path, p) or (p.endswith(".*") and path == p[:-2]) for p in patterns
    )


@dataclasses.dataclass(frozen=True)
class Tolerance:
    """Allowed move: ``|run - baseline| <= abs + rel * |baseline|``."""

    abs: float = 1e-9
    rel: float = 1e-6

    def allows(self, baseline: float, current: float) -> bool:
        return abs(current - baseline) <= self.abs + self.rel * abs(baseline)


@dataclasses.dataclass(frozen=True)
class Tolerances:
    """Parsed tolerance file; see the module docstring for the layout."""

    default: Tolerance = Tolerance()
    metrics: Mapping[str, Mapping[str, float]] = dataclasses.field(default_factory=dict)
    strategies: Mapping[str, Mapping[str, Mapping[str, float]]] = dataclasses.field(
        default_factory=dict)
    ignore: tuple[str, ...] = ()

    def for_metric(self, path: str) -> Tolerance:
        """The tolerance of one dotted metric path."""
        leaf = path.rsplit(".", 1)[-1]
        fields = {"abs": self.default.abs, "rel": self.default.rel}
        fields.update(self.metrics.get(leaf, {}))
        for pattern, entry in self.metrics.items():
            if pattern != leaf and (pattern == path or fnmatch.fnmatchcase(path, pattern)):
                fields.update(entry)
        parts = path.split(".")
        if len(parts) > 2 and parts[0] == "strategies" and parts[1] in self.strategies:
            table = self.strategies[parts[1]]
            inner = ".".join(parts[2:])
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
                f"{path}: unknown table [{key}].{hint} Allowed: {', '.join(sections)}.")
    default = Tolerance(**_tolerance_entry(table.get("default", {}), f"{path}: [default]"))
    metrics = {name: _tolerance_entry(value, f"{path}: metrics.{name}")
               for name, value in table.get("metrics", {}).items()}
    strategies = {}
    for name, entries in table.get("strategies", {}).items():
        if not isinstance(entries, Mapping):
            raise CheckInputError(f"{path}: [strategies.{name}] must be a table.")
        strategies[name] = {metric: _tolerance_entry(value, f"{path}: strategies.{name}.{metric}")
                            for metric, value in entries.items()}
    ignore = table.get("ignore", {})
    patterns = ignore.get("metrics", []) if isinstance(ignore, Mapping) else None
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise CheckInputError(f"{path}: [ignore] metrics must be a list of glob strings.")
    return Tolerances(default, metrics, strategies, tuple(patterns))


@dataclasses.dataclass(frozen=True)
class MetricChange:
    """One metric compared.

    ``verdict`` is ``"better"``, ``"worse"``, ``"changed"`` (neutral metric or
    a value that became undefined), ``"unchanged"`` (within tolerance, maybe
    not bit-identical), ``"missing in run"`` or ``"new in run"``.
    """

    metric: str
    baseline: float | None
    current: float | None
    verdict: str
    breach: bool
    tolerance: Tolerance
    present_in_baseline: bool = True
    present_in_run: bool = True

    @property
    def delta(self) -> float | None:
        if self.baseline is None or self.current is None:
            return None
        return self.current - self.baseline

    @property
    def relative(self) -> float | None:
        if self.delta is None or self.baseline == 0:
            return None
        return self.delta / abs(self.baseline)

    @property
    def moved(self) -> bool:
        """Beyond tolerance, undefined on one side, or missing on one side."""
        return self.verdict != "unchanged"

    def to_dict(self) -> dict:
        return {"metric": self.metric, "baseline": self.baseline, "run": self.current,
                "delta": self.delta, "relative": self.relative, "verdict": self.verdict,
                "breach": self.breach,
                "tolerance": {"abs": self.tolerance.abs, "rel": self.tolerance.rel}}


def _compare(path: str, old: float | None, new: float | None, tolerance: Tolerance,
             fail_on: str) -> MetricChange:
    if old is None and new is None:
        return MetricChange(path, old, new, "unchanged", False, tolerance)
    if old is None or new is None or math.isnan(old) != math.isnan(new):
        return MetricChange(path, old, new, "changed", True, tolerance)
    if tolerance.allows(old, new):
        return MetricChange(path, old, new, "unchanged", False, tolerance)
    direction = metric_direction(path)
    if direction == "higher":
        verdict = "better" if new > old else "worse"
    elif direction == "lower":
        verdict = "better" if new < old else "worse"
    elif direction == "smaller_magnitude":
        verdict = "better" if abs(new) < abs(old) else "worse"
    else:
        verdict = "changed"
    breach = fail_on == "any" or verdict != "better"
    return MetricChange(path, old, new, verdict, breach, tolerance)


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
    """

    changes: tuple[MetricChange, ...]
    run: dict
    baseline_run: dict
    notes: tuple[str, ...] = ()

    @property
    def breaches(self) -> tuple[MetricChange, ...]:
        return tuple(c for c in self.changes if c.breach)

    @property
    def passed(self) -> bool:
        return not self.breaches

    @property
    def moved(self) -> tuple[MetricChange, ...]:
        """Metrics that moved beyond tolerance: breaches first, then by path."""
        moved = [c for c in self.changes if c.moved]
        return tuple(sorted(moved, key=lambda c: (not c.breach, c.metric)))

    def summary_line(self) -> str:
        verdict = "PASSED" if self.passed else "FAILED"
        return (f"check {verdict}: {len(self.changes)} metrics compared, "
                f"{len(self.moved)} moved beyond tolerance, {len(self.breaches)} breaches.")

    def _rows(self) -> list[list[str]]:
        rows = []
        for change in self.moved:
            rows.append([
                change.metric, _fmt(change.baseline, change.present_in_baseline),
                _fmt(change.current, change.present_in_run),
                _fmt_signed(change.delta), _fmt_percent(change.relative),
                change.verdict, "BREACH" if change.breach else "ok",
            ])
        return rows

    HEADER: tuple[str, ...] = ("metric", "baseline", "run", "change", "relative", "verdict",
                               "status")

    def to_text(self) -> str:
        """A plain table of what moved, for a terminal or a CI log."""
        lines = [*self.notes]
        rows = self._rows()
        if rows:
            widths = [max(len(r[i]) for r in [list(self.HEADER), *rows])
                      for i in range(len(self.HEADER))]
            for row in [list(self.HEADER), ["-" * w for w in widths], *rows]:
                lines.append("  ".join(
                    cell.ljust(w) if i in (0, 5, 6) else cell.rjust(w)
                    for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip())
        else:
            lines.append("No metric moved.")
        lines.append(self.summary_line())
        return "\n".join(lines) + "\n"

    def to_markdown(self) -> str:
        """The same report as GitHub-flavoured markdown, for a PR comment."""
        icon = ":white_check_mark:" if self.passed else ":x:"
        lines = [f"### {icon} regime-bt {self.summary_line()}", ""]
        lines += [f"> {note}" for note in self.notes]
        if self.notes:
            lines.append("")
        rows = self._rows()
        if rows:
            lines.append("| " + " | ".join(self.HEADER) + " |")
            lines.append("|" + "|".join(["---", *["---:"] * 4, "---", "---"]) + "|")
            for row in rows:
                row[0] = f"`{row[0]}`"
                if row[6] == "BREACH":
                    row[6] = "**BREACH**"
                lines.append("| " + " | ".join(row) + " |")
        else:
            lines.append("No metric moved.")
        return "\n".join(lines) + "\n"

    def write_markdown(self, path: str | Path) -> None:
        """Write :meth:`to_markdown` to ``path`` atomically."""
        atomic_write_text(Path(path), self.to_markdown())

    def to_dict(self) -> dict:
        """Machine-readable summary (``--json``)."""
        return {"passed": self.passed, "n_compared": len(self.changes),
                "n_moved": len(self.moved), "n_breaches": len(self.breaches),
                "notes": list(self.notes), "run": self.run, "baseline_run": self.baseline_run,
                "moved": [c.to_dict() for c in self.moved]}


def _fmt(value: float | None, present: bool = True) -> str:
    if not present:
        return "(missing)"
    return "null" if value is None else f"{value:.6g}"


def _fmt_signed(value: float | None) -> str:
    return "" if value is None else f"{value:+.4g}"


def _fmt_percent(value: float | None) -> str:
    return "" if value is None else f"{value:+.2%}"


def _read_json(path: Path, what: str) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CheckInputError(f"{what} {path} does not exist.") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CheckInputError(f"{what} {path} is not valid JSON: {error}.") from None


def _run_metrics(run_dir: str | Path) -> dict:
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise CheckInputError(f"run directory {run_dir} does not exist (make it with "
                              "`regime-bt run --out DIR`).")
    metrics = _read_json(run_dir / "metrics.json", "metrics file")
    if not isinstance(metrics, dict) or "strategies" not in metrics:
        raise CheckInputError(f"{run_dir / 'metrics.json'} is not a regime-bt metrics.json.")
    return metrics


def _load_baseline(path: str | Path) -> tuple[dict, dict]:
    """``(run metadata, flat metrics)`` from a baseline file or a raw metrics.json."""
    path = Path(path)
    data = _read_json(path, "baseline")
    if isinstance(data, dict) and "baseline_schema" in data:
        if data["baseline_schema"] != BASELINE_SCHEMA:
            raise CheckInputError(f"baseline {path} has baseline_schema "
                                  f"{data['baseline_schema']}; this version reads "
                                  f"{BASELINE_SCHEMA}. Regenerate it with --update.")
        return dict(data.get("run", {})), {k: (None if v is None else float(v))
                                           for k, v in data.get("metrics", {}).items()}
    if isinstance(data, dict) and "strategies" in data:  # a metrics.json used as baseline
        return dict(data.get("run", {})), flatten_metrics(data)
    raise CheckInputError(f"baseline {path} is neither a baseline file (from --update) nor a "
                          "metrics.json.")


def _comparability(run: Mapping, baseline: Mapping) -> tuple[list[str], list[str]]:
    """(reasons the runs are incomparable, notes)."""
    problems, notes = [], []
    for key in COMPARABILITY_KEYS:
        if key not in run or key not in baseline:
            side = ("run and the baseline" if key not in run and key not in baseline
                    else "run" if key not in run else "baseline")
            notes.append(f"Cannot verify run.{key}: missing from the {side}.")
        elif run[key] != baseline[key]:
            problems.append(f"run.{key} differs: baseline {baseline[key]!r}, run {run[key]!r}")
    if run.get("config_sha256") != baseline.get("config_sha256"):
        notes.append("The config differs from the baseline's (config_sha256); the data are the "
                     "same, so the metrics below are the effect of that change.")
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
    if fail_on not in ("any", "worse"):
        raise CheckInputError(f"fail_on = {fail_on!r} is not allowed; use 'any' or 'worse'.")
    if not isinstance(tolerances, Tolerances):
        tolerances = load_tolerances(tolerances)
    metrics = _run_metrics(run_dir)
    run_meta = {k: metrics.get("run", {}).get(k) for k in BASELINE_RUN_KEYS
                if k in metrics.get("run", {})}
    baseline_meta, baseline_flat = _load_baseline(baseline)
    baseline_meta = {k: baseline_meta[k] for k in BASELINE_RUN_KEYS if k in baseline_meta}
    problems, notes = _comparability(run_meta, baseline_meta)
    if problems and not force:
        raise IncomparableRunsError(
            f"refusing to compare {run_dir} with baseline {baseline}: they were made on "
            f"different data, so metric differences would not measure the change under review. "
            + "; ".join(problems) + ". Re-run on the baseline's data, regenerate the baseline "
            "with --update, or pass --force to compare anyway."
        )
    if problems:
        notes.insert(0, "FORCED comparison across different data: " + "; ".join(problems) + ".")
    ignore = tuple(tolerances.ignore)
    current = {k: v for k, v in flatten_metrics(metrics).items() if not _ignored(k, ignore)}
    baseline_flat = {k: v for k, v in baseline_flat.items()
                     if not _ignored(k, DEFAULT_IGNORE + ignore)}
    changes = []
    for path in sorted(set(current) | set(baseline_flat)):
        tolerance = tolerances.for_metric(path)
        if path not in current:
            changes.append(MetricChange(path, baseline_flat[path], None, "missing in run",
                                        not allow_missing, tolerance, present_in_run=False))
        elif path not in baseline_flat:
            changes.append(MetricChange(path, None, current[path], "new in run",
                                        not allow_missing, tolerance, present_in_baseline=False))
        else:
            changes.append(_compare(path, baseline_flat[path], current[path], tolerance, fail_on))
    return CheckReport(tuple(changes), run_meta, baseline_meta, tuple(notes))


def baseline_document(metrics: Mapping) -> dict:
    """The baseline file content for a metrics.json: comparability keys and flat metrics."""
    run = metrics.get("run", {})
    return {
        "baseline_schema": BASELINE_SCHEMA,
        "run": {k: run[k] for k in BASELINE_RUN_KEYS if k in run},
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


