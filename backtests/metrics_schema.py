"""The ``metrics.json`` schema: its sections, its per-strategy metrics, and what "better" means.

This is the one home of the metrics contract. The runner assembles
``metrics.json`` with these keys, the CI gate reads metric directions from
:func:`metric_direction`, the reports rank table columns with
:data:`DIRECTIONS`, and :func:`validate_metrics` checks a document against the
contract (a contract test runs it on a real short run and on the reports'
fake run directory).

Layout (``schema`` = :data:`METRICS_SCHEMA`)
--------------------------------------------
``schema``
    Integer version of this layout.
``run``
    :data:`RUN_KEYS`: name, data source, dates, sizes, identities, versions;
    ``unavailable_inputs`` (optional series that could not be loaded, with
    the reason), ``dropped_features`` (features left out because they need
    one, with the reason) and ``currencies`` (each non-USD ticker: its
    currency, the FX series and publication lag used to convert it, and
    whether its returns are price-only).
``strategies.<name>``
    ``kind``, ``role`` (``strategy``, ``benchmark`` or ``placebo``),
    ``price_only`` (tickers held whose returns are not dividend-adjusted),
    ``contribution`` (per basket), ``overall`` and ``by_regime.<regime>``, each
    with :data:`PERFORMANCE_METRICS`; per regime also ``spell_drawdown``
    (the distribution of per-spell maximum drawdowns: ``worst``, ``median``,
    ``n_spells``).
``regimes``
    The classifier, its parameters, shares, switches, the current label, the
    in-sample label gap, feature availability and ``evaluation``.
``bounds``, ``edge``, ``verdict``, ``placebos``, ``sweep``, ``walk_forward``, ``significance``,
``event_study``
    Research sections, documented in :mod:`backtests.research`.

Conventions: Sharpe and Sortino ratios are in excess of the run's cash fund
(``run.cash``; :mod:`backtests.metrics`); undefined values are ``null``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = [
    "DIRECTIONS",
    "METRICS_SCHEMA",
    "PERFORMANCE_METRICS",
    "RESEARCH_KEYS",
    "RUN_KEYS",
    "TOP_LEVEL_KEYS",
    "json_float",
    "json_ready",
    "metric_direction",
    "metrics_json",
    "validate_metrics",
]

#: Version of the layout; bump on incompatible changes. 2: excess-of-cash
#: ratios, exposure without the cash fund, spell drawdowns, bounds, edge,
#: verdict, feature availability.
METRICS_SCHEMA = 2

#: Research sections, in document order.
RESEARCH_KEYS: tuple[str, ...] = (
    "bounds",
    "edge",
    "verdict",
    "placebos",
    "sweep",
    "walk_forward",
    "significance",
    "event_study",
)
#: Every top-level key, in document order.
TOP_LEVEL_KEYS: tuple[str, ...] = ("schema", "run", "strategies", "regimes", *RESEARCH_KEYS)
#: Keys of ``run``.
RUN_KEYS: tuple[str, ...] = (
    "name",
    "data_source",
    "synthetic",
    "start",
    "end",
    "requested_start",
    "history_start",
    "n_days",
    "benchmark",
    "cash",
    "risk_free",
    "config_sha256",
    "data_sha256",
    "unavailable_inputs",
    "dropped_features",
    "currencies",
    "versions",
)
#: Metrics of ``overall`` and of each ``by_regime`` entry, in order.
PERFORMANCE_METRICS: tuple[str, ...] = (
    "total_return",
    "cagr",
    "volatility",
    "sharpe",
    "sortino",
    "max_drawdown",
    "turnover",
    "exposure",
    "hit_rate",
    "share_of_time",
)

#: Which way is better, per metric leaf name: ``"higher"``, ``"lower"``,
#: ``"smaller_magnitude"`` (closer to zero: drawdowns stored as negative
#: numbers) or ``"neutral"`` (descriptive; never ranked, any move is "changed").
DIRECTIONS: dict[str, str] = {
    "total_return": "higher",
    "cagr": "higher",
    "sharpe": "higher",
    "sortino": "higher",
    "hit_rate": "higher",
    "psr": "higher",
    "dsr": "higher",
    "in_sample_sharpe": "higher",
    "out_of_sample_sharpe": "higher",
    "mean_in_sample_sharpe": "higher",
    "real_sharpe": "higher",
    "real_cagr": "higher",
    "final_value": "higher",
    "balanced_accuracy": "higher",
    "accuracy": "higher",
    "f1_abundant": "higher",
    "f1_scarce": "higher",
    "sharpe_difference": "higher",
    "sharpe_without_best_year": "higher",
    "volatility": "lower",
    "turnover": "lower",
    "pbo": "lower",
    "p_value_le_0": "lower",
    "median_delay_days": "lower",
    "p90_delay_days": "lower",
    "false_switches_per_year": "lower",
    "brier": "lower",
    "max_drawdown": "smaller_magnitude",
    "worst": "smaller_magnitude",
    "exposure": "neutral",
    "share_of_time": "neutral",
    "real_sharpe_percentile": "higher",
    "real_cagr_percentile": "higher",
    "active_sharpe": "higher",
    "active_psr": "higher",
}

#: Leaves whose direction depends on their parent: ``sweep.sharpe.worst`` is a
#: Sharpe ratio (higher is better), ``spell_drawdown.worst`` a drawdown.
PARENT_DIRECTIONS: dict[tuple[str, str], str] = {
    ("sharpe", "best"): "higher",
    ("sharpe", "median"): "higher",
    ("sharpe", "worst"): "higher",
    ("spell_drawdown", "median"): "smaller_magnitude",
    ("spell_drawdown", "worst"): "smaller_magnitude",
}


def metric_direction(path: str) -> str:
    """``"higher"``, ``"lower"``, ``"smaller_magnitude"`` or ``"neutral"`` for a dotted path.

    Examples
    --------
    >>> metric_direction("strategies.regime_rotation.overall.sharpe")
    'higher'
    >>> metric_direction("strategies.benchmark.by_regime.scarce.max_drawdown")
    'smaller_magnitude'
    >>> metric_direction("sweep.sharpe.worst")
    'higher'
    >>> metric_direction("regimes.share_scarce")
    'neutral'
    """
    parts = path.split(".")
    leaf = parts[-1]
    if len(parts) > 1 and (parts[-2], leaf) in PARENT_DIRECTIONS:
        return PARENT_DIRECTIONS[(parts[-2], leaf)]
    if leaf in DIRECTIONS:
        return DIRECTIONS[leaf]
    # bootstrap intervals: sharpe_ci.estimate/low/high, *_difference*.estimate/...
    if leaf in ("estimate", "low", "high") and len(parts) > 1 and "sharpe" in parts[-2]:
        return "higher"
    return "neutral"


def json_float(value: float | np.floating | None) -> float | None:
    """A metric as JSON wants it: ``None`` (``null``) for NaN, inf or None."""
    return None if value is None or not np.isfinite(value) else float(value)


def json_ready(value: Any) -> Any:
    """Plain JSON data: mappings with string keys, lists, finite floats (NaN -> None).

    Examples
    --------
    >>> json_ready({"a": np.float64(float("nan")), "b": (np.int64(1), 2.5)})
    {'a': None, 'b': [1, 2.5]}
    """
    if isinstance(value, Mapping):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def metrics_json(metrics: Mapping[str, Any]) -> str:
    """Serialise a ``metrics.json`` (or any section) deterministically."""
    return json.dumps(json_ready(metrics), indent=2, sort_keys=False, allow_nan=False) + "\n"


def validate_metrics(metrics: Mapping[str, Any]) -> list[str]:
    """Problems of a ``metrics.json`` against the contract (empty when it conforms).

    Checked: the top-level keys and their order, ``schema``, the ``run``
    keys, and every strategy's ``kind``, ``role``, ``overall`` and
    ``by_regime`` metrics (all of :data:`PERFORMANCE_METRICS`, numbers or
    null).

    Examples
    --------
    >>> validate_metrics({"schema": METRICS_SCHEMA})[0]
    'top-level keys: missing run, strategies, regimes, bounds, edge, verdict, placebos, \
sweep, walk_forward, significance, event_study'
    """
    problems = []
    missing = [k for k in TOP_LEVEL_KEYS if k not in metrics]
    extra = [k for k in metrics if k not in TOP_LEVEL_KEYS]
    if missing:
        problems.append(f"top-level keys: missing {', '.join(missing)}")
    if extra:
        problems.append(f"top-level keys: unexpected {', '.join(extra)}")
    if not missing and list(metrics) != list(TOP_LEVEL_KEYS):
        problems.append("top-level keys are out of order")
    if metrics.get("schema") != METRICS_SCHEMA:
        problems.append(f"schema is {metrics.get('schema')!r}, expected {METRICS_SCHEMA}")
    run = metrics.get("run") or {}
    absent = [k for k in RUN_KEYS if k not in run]
    if absent:
        problems.append(f"run: missing {', '.join(absent)}")
    from strategies import STRATEGIES

    for name, entry in (metrics.get("strategies") or {}).items():
        if entry.get("kind") not in STRATEGIES:
            problems.append(f"strategies.{name}.kind {entry.get('kind')!r} is not a strategy kind")
        if entry.get("role") not in ("strategy", "benchmark", "placebo"):
            problems.append(f"strategies.{name}.role {entry.get('role')!r} is not a role")
        blocks = {
            "overall": entry.get("overall"),
            **{f"by_regime.{r}": v for r, v in (entry.get("by_regime") or {}).items()},
        }
        for where, block in blocks.items():
            if not isinstance(block, Mapping):
                problems.append(f"strategies.{name}.{where} is missing")
                continue
            for metric in PERFORMANCE_METRICS:
                value = block.get(metric, "absent")
                if value == "absent":
                    problems.append(f"strategies.{name}.{where}.{metric} is missing")
                elif value is not None and not isinstance(value, int | float):
                    problems.append(f"strategies.{name}.{where}.{metric} is not a number")
    return problems
