"""Pure table builders: ranking direction, roles, missing values, no mutation."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

import reports.tables
from backtests.metrics_schema import DIRECTIONS
from reports.tables import (
    best_worst,
    comparison_table,
    confusion_table,
    metrics_long_frame,
    order_by_role,
    regime_metric_frame,
    regime_spells,
    spell_drawdown_frame,
)


@pytest.fixture
def strategies() -> dict:
    def block(cagr, vol, sharpe, mdd, turnover):
        return {
            "cagr": cagr,
            "volatility": vol,
            "sharpe": sharpe,
            "max_drawdown": mdd,
            "turnover": turnover,
            "exposure": 1.0,
        }

    return {
        "placebo": {
            "kind": "random_regimes",
            "role": "placebo",
            "overall": block(0.01, 0.30, 0.1, -0.60, 9.0),
            "by_regime": {"scarce": block(-0.2, 0.3, None, -0.5, 9.0)},
        },
        "rotation": {
            "kind": "regime_rotation",
            "role": "strategy",
            "overall": block(0.09, 0.15, 0.8, -0.20, 4.0),
            "by_regime": {"scarce": block(0.05, 0.1, 0.5, -0.1, 4.0)},
        },
        "market": {
            "kind": "benchmark",
            "role": "benchmark",
            "overall": block(0.07, 0.18, 0.5, -0.35, 0.1),
            "by_regime": {"scarce": block(-0.1, 0.2, -0.3, -0.3, 0.1)},
        },
        "quality": {"kind": "basket", "overall": block(0.05, 0.12, 0.4, -0.15, 0.5)},
    }


def test_long_frame_reads_nulls_as_nan_and_defaults_role(strategies):
    frame = metrics_long_frame(strategies)
    assert list(frame.columns) == ["strategy", "role", "kind", "scope", "metric", "value"]
    null = frame.query("strategy == 'placebo' and scope == 'scarce' and metric == 'sharpe'")
    assert np.isnan(null["value"].item())
    assert set(frame.loc[frame["strategy"] == "quality", "role"]) == {"strategy"}


def test_comparison_table_orders_rows_by_role_and_keeps_roles(strategies):
    table = comparison_table(metrics_long_frame(strategies))
    assert list(table.index) == ["rotation", "quality", "market", "placebo"]
    assert list(table[("", "role")]) == ["strategy", "strategy", "benchmark", "placebo"]
    assert table.columns.names == ["scope", "metric"]
    # A (scope, metric) absent for a strategy is NaN, not an error.
    assert np.isnan(table.loc["quality", ("scarce", "cagr")])


def test_best_worst_respects_direction(strategies):
    table = comparison_table(metrics_long_frame(strategies))
    marks = best_worst(table)
    assert marks.shape == table.shape
    col = marks[("overall", "cagr")]
    assert col["rotation"] == "best" and col["placebo"] == "worst"
    vol = marks[("overall", "volatility")]  # lower is better
    assert vol["quality"] == "best" and vol["placebo"] == "worst"
    mdd = marks[("overall", "max_drawdown")]  # closest to zero is best
    assert mdd["quality"] == "best" and mdd["placebo"] == "worst"
    turnover = marks[("overall", "turnover")]
    assert turnover["market"] == "best" and turnover["placebo"] == "worst"
    # Descriptive and text columns are never ranked.
    assert set(marks[("overall", "exposure")]) == {""}
    assert set(marks[("", "role")]) == {""}


def test_best_worst_never_marks_nan_and_skips_constant_columns():
    table = pd.DataFrame(
        {"sharpe": [1.0, np.nan, 0.5], "cagr": [0.1, 0.1, 0.1]}, index=["a", "b", "c"]
    )
    marks = best_worst(table)
    assert list(marks["sharpe"]) == ["best", "", "worst"]
    assert list(marks["cagr"]) == ["", "", ""]


def test_best_worst_ties_share_the_mark():
    table = pd.DataFrame({"sharpe": [1.0, 1.0, 0.5]}, index=["a", "b", "c"])
    assert list(best_worst(table)["sharpe"]) == ["best", "best", "worst"]


def test_best_worst_rejects_unknown_direction():
    with pytest.raises(ValueError, match="direction"):
        best_worst(pd.DataFrame({"x": [1.0, 2.0]}), directions={"x": "sideways"})


def test_directions_come_from_the_metrics_schema(monkeypatch):
    """No second copy: the ranking follows backtests.metrics_schema.DIRECTIONS."""
    assert not hasattr(reports.tables, "METRIC_DIRECTIONS")
    table = pd.DataFrame({"turnover": [1.0, 2.0], "exposure": [0.5, 0.9]}, index=["a", "b"])
    assert list(best_worst(table)["turnover"]) == ["best", "worst"]
    assert list(best_worst(table)["exposure"]) == ["", ""]
    monkeypatch.setitem(DIRECTIONS, "turnover", "higher")
    monkeypatch.setitem(DIRECTIONS, "exposure", "higher")
    assert list(best_worst(table)["turnover"]) == ["worst", "best"]
    assert list(best_worst(table)["exposure"]) == ["worst", "best"]


def test_spell_drawdown_frame_reads_the_spell_blocks_in_role_order():
    strategies = {
        "bench": {
            "role": "benchmark",
            "by_regime": {
                "scarce": {"spell_drawdown": {"worst": -0.4, "median": -0.1, "n_spells": 3}}
            },
        },
        "rot": {
            "role": "strategy",
            "by_regime": {
                "abundant": {"spell_drawdown": {"worst": -0.2, "median": -0.05, "n_spells": 4}},
                "scarce": {"spell_drawdown": {"worst": None, "median": None, "n_spells": 0}},
            },
        },
    }
    before = copy.deepcopy(strategies)
    frame = spell_drawdown_frame(strategies)
    assert strategies == before
    assert list(frame.index) == ["rot", "bench"]
    assert list(frame.columns) == [
        (r, k) for r in ("abundant", "scarce") for k in ("worst", "median", "n_spells")
    ]
    assert frame.loc["rot", ("abundant", "median")] == -0.05
    assert frame.loc["rot", ("scarce", "n_spells")] == 0
    assert np.isnan(frame.loc["rot", ("scarce", "worst")])
    assert np.isnan(frame.loc["bench", ("abundant", "worst")])
    assert frame.loc["bench", ("scarce", "worst")] == -0.4


def test_order_by_role():
    assert order_by_role({"p": "placebo", "x": "other", "b": "benchmark", "s": "strategy"}) == [
        "s",
        "b",
        "p",
        "x",
    ]


def test_builders_do_not_mutate_inputs(strategies):
    original = copy.deepcopy(strategies)
    long_frame = metrics_long_frame(strategies)
    long_copy = long_frame.copy(deep=True)
    table = comparison_table(long_frame)
    table_copy = table.copy(deep=True)
    best_worst(table)
    regime_metric_frame(long_frame)
    assert strategies == original
    pd.testing.assert_frame_equal(long_frame, long_copy)
    pd.testing.assert_frame_equal(table, table_copy)


def test_regime_metric_frame(strategies):
    frame = regime_metric_frame(metrics_long_frame(strategies), "sharpe")
    assert list(frame.columns) == ["overall", "scarce"]
    assert frame.loc["rotation", "scarce"] == 0.5
    assert np.isnan(frame.loc["placebo", "scarce"])


def test_regime_spells_and_confusion():
    index = pd.bdate_range("2020-01-01", periods=7)
    predicted = pd.Series(
        ["abundant", "scarce", "scarce", "abundant", "scarce", "scarce", "scarce"], index=index
    )
    truth = pd.Series(
        ["abundant", "abundant", "scarce", "abundant", "scarce", "scarce", "scarce"], index=index
    )
    before = predicted.copy()
    spells = regime_spells(predicted, "scarce")
    assert list(spells["n_days"]) == [2, 3]
    assert spells["start"].iloc[1] == index[4] and spells["end"].iloc[1] == index[6]
    confusion = confusion_table(predicted, truth)
    assert confusion.loc["abundant", "predicted: scarce"] == 1
    assert confusion.loc["scarce", "recall"] == 1.0
    assert confusion.loc["abundant", "recall"] == pytest.approx(2 / 3)
    pd.testing.assert_series_equal(predicted, before)
