"""Pure table builders for the reports.

Every function takes plain data (a mapping parsed from ``metrics.json`` or a
DataFrame) and returns a new DataFrame; inputs are never modified.

Examples
--------
>>> strategies = {
...     "rotation": {"kind": "regime_rotation", "role": "strategy",
...                  "overall": {"cagr": 0.08, "volatility": 0.15},
...                  "by_regime": {"scarce": {"cagr": 0.01}}},
...     "market": {"kind": "buy_and_hold", "role": "benchmark",
...                "overall": {"cagr": 0.06, "volatility": 0.18}},
... }
>>> table = comparison_table(metrics_long_frame(strategies),
...                          columns=[("overall", "cagr"), ("overall", "volatility")])
>>> best_worst(table)[("overall", "volatility")].tolist()
['best', 'worst']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_COLUMNS",
    "METRIC_DIRECTIONS",
    "ROLE_ORDER",
    "SCOPES",
    "best_worst",
    "comparison_table",
    "confusion_table",
    "evaluation_frame",
    "metrics_long_frame",
    "nested_records",
    "regime_metric_frame",
    "regime_spells",
]

#: Where each metric comes from: the whole sample, or days of one regime.
SCOPES: tuple[str, ...] = ("overall", "abundant", "scarce")

#: Which way is better. ``"higher"``, ``"lower"``, ``"lower_abs"`` (closer to
#: zero is better, e.g. a drawdown stored as a negative number) or ``None``
#: (descriptive only: never ranked).
METRIC_DIRECTIONS: dict[str, str | None] = {
    "total_return": "higher",
    "cagr": "higher",
    "sharpe": "higher",
    "sortino": "higher",
    "hit_rate": "higher",
    "volatility": "lower",
    "max_drawdown": "lower_abs",
    "turnover": "lower",
    "exposure": None,
    "share_of_time": None,
}

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


def _strategy_order(long_frame: pd.DataFrame) -> list[str]:
    roles = long_frame.drop_duplicates("strategy").set_index("strategy")["role"]
    rank = {role: i for i, role in enumerate(ROLE_ORDER)}
    position = {name: i for i, name in enumerate(roles.index)}
    return sorted(roles.index, key=lambda s: (rank.get(roles[s], len(rank)), position[s]))


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
    wide = long_frame.pivot_table(index="strategy", columns=["scope", "metric"],
                                  values="value", aggfunc="first", dropna=False)
    if columns is None:
        scope_rank = {s: i for i, s in enumerate(SCOPES)}
        columns = sorted(wide.columns, key=lambda c: (scope_rank.get(c[0], len(SCOPES)), c[1]))
    keys = pd.MultiIndex.from_tuples(list(columns), names=["scope", "metric"])
    values = wide.reindex(index=order, columns=keys).astype(float)
    info = long_frame.drop_duplicates("strategy").set_index("strategy")[["role", "kind"]]
    info = info.reindex(order)
    info.columns = pd.MultiIndex.from_tuples([("", "role"), ("", "kind")],
                                             names=["scope", "metric"])
    table = pd.concat([info, values], axis=1)
    table.index.name = "strategy"
    return table


def best_worst(
    table: pd.DataFrame,
    directions: Mapping[str, str | None] | None = None,
) -> pd.DataFrame:
    """Mark the best and worst value of each rankable column.

    Parameters
    ----------
    table : DataFrame
        Typically :func:`comparison_table`'s output. Column labels are either
        metric names or tuples whose last element is the metric name.
    directions : mapping, optional
        Metric name to ``"higher"``, ``"lower"``, ``"lower_abs"`` or ``None``;
        defaults to :data:`METRIC_DIRECTIONS`. Columns whose metric has no
        direction (including ``role`` and ``kind``) are not ranked.

    Returns
    -------
    DataFrame of the same shape as ``table``
        Strings ``"best"``, ``"worst"`` or ``""``. NaN values are never marked.
        Ties share the mark; a column with fewer than two distinct finite
        values gets no marks.
    """
    directions = METRIC_DIRECTIONS if directions is None else directions
    marks = pd.DataFrame("", index=table.index, columns=table.columns, dtype=object)
    for position, label in enumerate(table.columns):
        metric = label[-1] if isinstance(label, tuple) else label
        direction = directions.get(str(metric))
        if direction is None:
            continue
        column = pd.to_numeric(table.iloc[:, position], errors="coerce").astype(float)
        if direction == "lower_abs":
            score = -column.abs()
        elif direction == "lower":
            score = -column
        elif direction == "higher":
            score = column
        else:
            raise ValueError(f"direction for {metric!r} must be 'higher', 'lower', "
                             f"'lower_abs' or None, got {direction!r}")
        finite = score[np.isfinite(score)]
        if finite.nunique() < 2:
            continue
        best_mask = (score == finite.max()).to_numpy()
        worst_mask = (score == finite.min()).to_numpy()
        marks.iloc[best_mask, position] = "best"
        marks.iloc[worst_mask, position] = "worst"
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
    wide = subset.pivot_table(index="strategy", columns="scope", values="value",
                              aggfunc="first", dropna=False)
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
    spells = pd.DataFrame({
        "regime": grouped.first().to_numpy(),
        "start": [index[positions[0]] for positions in grouped.indices.values()],
        "end": [index[positions[-1]] for positions in grouped.indices.values()],
        "n_days": grouped.size().to_numpy(),
    })
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


def evaluation_frame(evaluation: Any) -> pd.DataFrame:
    """Turn a JSON-like evaluation block into a displayable frame.

    Parameters
    ----------
    evaluation : mapping, list of mappings, scalar or None
        For example ``regimes.evaluation`` from ``metrics.json``.

    Returns
    -------
    DataFrame
        A list of records becomes one row per record. A mapping becomes
        ``key, value`` rows for its scalar entries; nested lists of records
        are left to separate calls (see :func:`nested_records`). ``None``
        gives an empty frame.
    """
    if evaluation is None:
        return pd.DataFrame()
    if isinstance(evaluation, list):
        if all(isinstance(item, Mapping) for item in evaluation):
            return pd.DataFrame([dict(item) for item in evaluation])
        return pd.DataFrame({"value": list(evaluation)})
    if isinstance(evaluation, Mapping):
        rows = [(str(k), v) for k, v in evaluation.items()
                if not isinstance(v, (list, Mapping))]
        nested = {str(k): v for k, v in evaluation.items() if isinstance(v, Mapping)}
        for key, inner in nested.items():
            rows += [(f"{key}.{k}", v) for k, v in inner.items()
                     if not isinstance(v, (list, Mapping))]
        return pd.DataFrame(rows, columns=["key", "value"])
    return pd.DataFrame({"value": [evaluation]})


def nested_records(block: Any) -> dict[str, pd.DataFrame]:
    """Lists of records found directly inside a mapping, one frame each.

    Parameters
    ----------
    block : mapping or any
        E.g. ``regimes.evaluation`` with an ``episodes`` list of dicts.

    Returns
    -------
    dict of str to DataFrame
        Key of each list of mappings to its frame; empty if none.
    """
    if not isinstance(block, Mapping):
        return {}
    return {str(k): pd.DataFrame([dict(item) for item in v]) for k, v in block.items()
            if isinstance(v, list) and v and all(isinstance(i, Mapping) for i in v)}
