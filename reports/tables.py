"""Pure table builders for the reports.

Every function takes plain data (a mapping parsed from ``metrics.json`` or a
DataFrame) and returns a new DataFrame; inputs are never modified. Which way
is better for a metric comes from the metrics schema
(:data:`backtests.metrics_schema.DIRECTIONS`), the one home of directions.

Examples
--------
>>> strategies = {
...     "rotation": {"kind": "regime_rotation", "role": "strategy",
...                  "overall": {"cagr": 0.08, "volatility": 0.15},
...                  "by_regime": {"scarce": {"cagr": 0.01}}},
...     "market": {"kind": "benchmark", "role": "benchmark",
...                "overall": {"cagr": 0.06, "volatility": 0.18}},
... }
>>> table = comparison_table(metrics_long_frame(strategies),
...                          columns=[("overall", "cagr"), ("overall", "volatility")])
>>> best_worst(table)[("overall", "volatility")].tolist()
['best', 'worst']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

import numpy as np
import pandas as pd

from backtests.metrics_schema import DIRECTIONS

__all__ = [
    "DEFAULT_COLUMNS",
    "ROLE_ORDER",
    "SCOPES",
    "best_worst",
    "comparison_table",
    "confusion_table",
    "metrics_long_frame",
    "order_by_role",
    "regime_metric_frame",
    "regime_spells",
    "spell_drawdown_frame",
]

#: Where each metric comes from: the whole sample, or days of one regime.
SCOPES: tuple[str, ...] = ("overall", "abundant", "scarce")

#: Row order of roles in the comparison table.
ROLE_ORDER: tuple[str, ...] = ("strategy", "benchmark", "placebo")

#: The compact default column set of the comparison table.
DEFAULT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("overall", "cagr"),
    ("overall", "volatility"),
    ("overall", "sharpe"),
    ("overall", "sortino"),
    ("overall", "max_drawdown"),
    ("overall", "turnover"),
    ("overall", "exposure"),
    ("abundant", "cagr"),
    ("abundant", "sharpe"),
    ("abundant", "max_drawdown"),
    ("scarce", "cagr"),
    ("scarce", "sharpe"),
    ("scarce", "max_drawdown"),
)

_LONG_COLUMNS = ["strategy", "role", "kind", "scope", "metric", "value"]


def _as_float(value: Any) -> float:
    if value is None:
        return np.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return np.nan


def metrics_long_frame(strategies: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """Flatten the ``strategies`` block of ``metrics.json`` into a tidy frame.

    Parameters
    ----------
    strategies : mapping
        ``{name: {"kind", "role", "overall": {...}, "by_regime": {regime: {...}}}}``.
        JSON ``null`` values become NaN.

    Returns
    -------
    DataFrame of shape (n_rows, 6)
        Columns ``strategy, role, kind, scope, metric, value``; ``scope`` is
        ``"overall"`` or a regime name. A missing role is read as ``"strategy"``.
    """
    rows: list[tuple[str, str, str, str, str, float]] = []
    for name, entry in strategies.items():
        role = str(entry.get("role") or "strategy")
        kind = str(entry.get("kind") or "")
        blocks: list[tuple[str, Mapping[str, Any]]] = [("overall", entry.get("overall") or {})]
        blocks += list((entry.get("by_regime") or {}).items())
        for scope, values in blocks:
            for metric, value in (values or {}).items():
                rows.append((str(name), role, kind, str(scope), str(metric), _as_float(value)))
    frame = pd.DataFrame(rows, columns=_LONG_COLUMNS)
    frame["value"] = frame["value"].astype(float)
    return frame


def order_by_role(roles: Mapping[str, str]) -> list[str]:
    """Names ordered strategies, then benchmarks, then placebos (stable within a role).

    Examples
    --------
    >>> order_by_role({"p": "placebo", "b": "benchmark", "s": "strategy", "t": "strategy"})
    ['s', 't', 'b', 'p']
    """
    rank = {role: i for i, role in enumerate(ROLE_ORDER)}
    position = {name: i for i, name in enumerate(roles)}
    return sorted(roles, key=lambda s: (rank.get(roles[s], len(rank)), position[s]))


def _strategy_order(long_frame: pd.DataFrame) -> list[str]:
    roles = long_frame.drop_duplicates("strategy").set_index("strategy")["role"]
    return order_by_role(cast("dict[str, str]", roles.to_dict()))


def comparison_table(
    long_frame: pd.DataFrame,
    columns: Sequence[tuple[str, str]] | None = DEFAULT_COLUMNS,
) -> pd.DataFrame:
    """Strategies side by side: overall and per-regime metrics, with their role.

    Parameters
    ----------
    long_frame : DataFrame
        Output of :func:`metrics_long_frame`.
    columns : sequence of (scope, metric), optional
        Columns to keep, in order. Pairs absent from the data become NaN
        columns. ``None`` keeps every (scope, metric) pair present.

    Returns
    -------
    DataFrame of shape (n_strategies, 2 + n_columns)
        Index ``strategy``; columns a two-level MultiIndex ``(scope, metric)``.
        The first two columns are ``("", "role")`` and ``("", "kind")``.
        Rows are ordered strategies, then benchmarks, then placebos.
    """
    order = _strategy_order(long_frame)
    wide = long_frame.pivot_table(
        index="strategy", columns=["scope", "metric"], values="value", aggfunc="first", dropna=False
    )
    if columns is None:
        scope_rank = {s: i for i, s in enumerate(SCOPES)}
        columns = sorted(
            cast("Iterable[tuple[str, str]]", wide.columns),  # a MultiIndex
            key=lambda c: (scope_rank.get(c[0], len(SCOPES)), c[1]),
        )
    keys = pd.MultiIndex.from_tuples(list(columns), names=["scope", "metric"])
    values = wide.reindex(index=order, columns=keys).astype(float)
    info = long_frame.drop_duplicates("strategy").set_index("strategy")[["role", "kind"]]
    info = info.reindex(order)
    info.columns = pd.MultiIndex.from_tuples(
        [("", "role"), ("", "kind")], names=["scope", "metric"]
    )
    table = pd.concat([info, values], axis=1)
    table.index.name = "strategy"
    return table


def best_worst(
    table: pd.DataFrame,
    directions: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Mark the best and worst value of each rankable column.

    Parameters
    ----------
    table : DataFrame
        Typically :func:`comparison_table`'s output. Column labels are either
        metric names or tuples whose last element is the metric name.
    directions : mapping, optional
        Metric name to ``"higher"``, ``"lower"``, ``"smaller_magnitude"`` or
        ``"neutral"``; defaults to the schema's
        :data:`backtests.metrics_schema.DIRECTIONS`. Columns whose metric is
        ``"neutral"`` or absent (including ``role`` and ``kind``) are not ranked.

    Returns
    -------
    DataFrame of the same shape as ``table``
        Strings ``"best"``, ``"worst"`` or ``""``. NaN values are never marked.
        Ties share the mark; a column with fewer than two distinct finite
        values gets no marks.
    """
    directions = DIRECTIONS if directions is None else directions
    marks = pd.DataFrame("", index=table.index, columns=table.columns, dtype=object)
    for position, label in enumerate(table.columns):
        metric = label[-1] if isinstance(label, tuple) else label
        direction = directions.get(str(metric), "neutral")
        if direction == "neutral":
            continue
        column = pd.to_numeric(table.iloc[:, position], errors="coerce").astype(float)
        if direction == "smaller_magnitude":
            score = -column.abs()
        elif direction == "lower":
            score = -column
        elif direction == "higher":
            score = column
        else:
            raise ValueError(
                f"direction for {metric!r} must be 'higher', 'lower', "
                f"'smaller_magnitude' or 'neutral', got {direction!r}"
            )
        finite = score[np.isfinite(score)]
        if finite.nunique() < 2:
            continue
        best_mask = (score == finite.max()).to_numpy()
        worst_mask = (score == finite.min()).to_numpy()
        # positions, not the masks: pandas-stubs' iloc setter takes no boolean mask
        marks.iloc[np.flatnonzero(best_mask), position] = "best"
        marks.iloc[np.flatnonzero(worst_mask), position] = "worst"
    return marks


def regime_metric_frame(long_frame: pd.DataFrame, metric: str = "sharpe") -> pd.DataFrame:
    """One metric per strategy and scope, for bar charts.

    Parameters
    ----------
    long_frame : DataFrame
        Output of :func:`metrics_long_frame`.
    metric : str, default "sharpe"
        Metric to extract.

    Returns
    -------
    DataFrame of shape (n_strategies, n_scopes)
        Index ``strategy`` (table order), columns the scopes present, in
        :data:`SCOPES` order first. Missing values are NaN.
    """
    order = _strategy_order(long_frame)
    subset = long_frame[long_frame["metric"] == metric]
    wide = subset.pivot_table(
        index="strategy", columns="scope", values="value", aggfunc="first", dropna=False
    )
    present = [s for s in SCOPES if s in wide.columns]
    present += sorted(c for c in wide.columns if c not in SCOPES)
    frame = wide.reindex(index=order, columns=present).astype(float)
    frame.columns.name = "scope"
    return frame


def regime_spells(regime: pd.Series, label: str | None = None) -> pd.DataFrame:
    """Contiguous runs of the same regime label.

    Parameters
    ----------
    regime : Series of shape (n_dates,)
        Regime labels on a sorted DatetimeIndex.
    label : str, optional
        Keep only spells of this label (e.g. ``"scarce"``).

    Returns
    -------
    DataFrame of shape (n_spells, 4)
        Columns ``regime``, ``start``, ``end`` (first and last date of the
        spell, inclusive) and ``n_days``.
    """
    columns = ["regime", "start", "end", "n_days"]
    labels = regime.dropna()
    if labels.empty:
        return pd.DataFrame(columns=columns)
    spell_id = (labels != labels.shift()).cumsum()
    grouped = labels.groupby(spell_id.to_numpy())
    index = labels.index
    spells = pd.DataFrame(
        {
            "regime": grouped.first().to_numpy(),
            "start": [index[positions[0]] for positions in grouped.indices.values()],
            "end": [index[positions[-1]] for positions in grouped.indices.values()],
            "n_days": grouped.size().to_numpy(),
        }
    )
    if label is not None:
        spells = spells[spells["regime"] == label]
    return spells.reset_index(drop=True)[columns]


def confusion_table(predicted: pd.Series, truth: pd.Series) -> pd.DataFrame:
    """Share of days by (true regime, predicted regime).

    Parameters
    ----------
    predicted : Series of shape (n_dates,)
        Causal regime labels.
    truth : Series of shape (n_dates,)
        Known regimes (synthetic data). Aligned on dates; days missing from
        either side are dropped.

    Returns
    -------
    DataFrame of shape (n_true_labels, n_predicted_labels + 2)
        Day counts, index ``true`` and columns ``predicted: <label>``, plus
        ``n_days`` and ``recall`` (share of that true regime labelled right).
    """
    joined = pd.concat({"true": truth, "predicted": predicted}, axis=1, join="inner").dropna()
    counts = pd.crosstab(joined["true"], joined["predicted"])
    labels = sorted(set(counts.index) | set(counts.columns))
    counts = counts.reindex(index=labels, columns=labels, fill_value=0)
    n_days = counts.sum(axis=1)
    recall = pd.Series(np.diag(counts.to_numpy()), index=labels) / n_days.replace(0, np.nan)
    table = counts.rename(columns=lambda c: f"predicted: {c}")
    table.columns.name = None
    table["n_days"] = n_days
    table["recall"] = recall.astype(float)
    table.index.name = "true"
    return table


def spell_drawdown_frame(
    strategies: Mapping[str, Mapping[str, Any]], regimes: Sequence[str] = ("abundant", "scarce")
) -> pd.DataFrame:
    """Per-spell drawdowns of every strategy in each regime.

    Days of one regime are not contiguous, so the runner measures drawdowns
    within each spell of the regime (``by_regime.<r>.spell_drawdown``).

    Parameters
    ----------
    strategies : mapping
        The ``strategies`` block of ``metrics.json``.
    regimes : sequence of str

    Returns
    -------
    DataFrame of shape (n_strategies, 3 * n_regimes)
        Index ``strategy`` (comparison-table order); columns a MultiIndex
        ``(regime, "worst" | "median" | "n_spells")``. Missing values are NaN.

    Examples
    --------
    >>> frame = spell_drawdown_frame({"r": {"role": "strategy", "by_regime": {"scarce": {
    ...     "spell_drawdown": {"worst": -0.3, "median": -0.1, "n_spells": 4}}}}}, ("scarce",))
    >>> frame.loc["r", ("scarce", "n_spells")]
    np.float64(4.0)
    """
    order = order_by_role({k: str(v.get("role") or "strategy") for k, v in strategies.items()})
    rows = {}
    for name in order:
        entry = strategies[name]
        row = {}
        for regime in regimes:
            block = ((entry.get("by_regime") or {}).get(regime) or {}).get("spell_drawdown") or {}
            for key in ("worst", "median", "n_spells"):
                row[(regime, key)] = _as_float(block.get(key))
        rows[name] = row
    columns = pd.MultiIndex.from_tuples(
        [(r, k) for r in regimes for k in ("worst", "median", "n_spells")],
        names=["regime", "statistic"],
    )
    frame = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=columns).astype(float)
    frame.index.name = "strategy"
    return frame
