"""Chart and table data prep for the research panels: pure, input-preserving."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reports.research import (
    classifier_params_frames,
    compared_strategy,
    episode_frame,
    expand_sweep_params,
    null_frame,
    placebo_median_long_frame,
    significance_frame,
    sweep_heatmap_data,
    thin_rows,
    walk_forward_frame,
)


def _sweep() -> pd.DataFrame:
    rows = []
    rng = np.random.default_rng(0)
    for threshold in (0.25, 0.5, 0.75):
        for dwell in (5, 20):
            for rule in ("monthly", "weekly", "never", "monthly+regime_change"):
                for fee in (5.0, 20.0):
                    rows.append(
                        {
                            "combo": len(rows),
                            "regimes": f"enter_threshold={threshold},min_dwell={dwell}",
                            "rebalance": rule,
                            "scarce_cash": 0.0,
                            "fee_bps": fee,
                            "cagr": 0.1,
                            "sharpe": float(rng.normal(0.5, 0.1)),
                            "n_fills": 10,
                        }
                    )
    return pd.DataFrame(rows)


def test_expand_sweep_params_splits_key_value_columns():
    params = expand_sweep_params(_sweep())
    assert list(params.columns) == [
        "enter_threshold",
        "min_dwell",
        "rebalance",
        "scarce_cash",
        "fee_bps",
    ]
    assert params["enter_threshold"].dtype.kind == "f" and params["min_dwell"].dtype.kind in "if"


def test_heatmap_picks_the_two_parameters_with_most_values_and_medians_the_rest():
    table = _sweep()
    before = table.copy(deep=True)
    heatmap = sweep_heatmap_data(table)
    assert table.equals(before)
    assert (heatmap.rows, heatmap.columns) == ("rebalance", "enter_threshold")
    assert heatmap.aggregated == ("min_dwell", "fee_bps")  # scarce_cash has one value
    assert heatmap.values.shape == (4, 3) and heatmap.n_trials == len(table)
    params = expand_sweep_params(table)
    cell = table["sharpe"][
        (params["rebalance"] == "weekly") & (params["enter_threshold"] == 0.5)
    ].median()
    assert heatmap.values.loc["weekly", 0.5] == pytest.approx(cell)


def test_heatmap_ties_go_to_grid_order_and_degenerate_grids():
    table = pd.DataFrame({"a": [1, 2, 1, 2], "b": ["x", "x", "y", "y"], "sharpe": [1, 2, 3, 4.0]})
    heatmap = sweep_heatmap_data(table)
    assert (heatmap.rows, heatmap.columns, heatmap.aggregated) == ("a", "b", ())
    one = sweep_heatmap_data(pd.DataFrame({"a": [1, 2], "b": [0, 0], "sharpe": [0.1, 0.2]}))
    assert one.rows == "a" and one.columns is None and one.values.shape == (2, 1)
    single = sweep_heatmap_data(
        pd.DataFrame({"regimes": ["configured"], "fee_bps": [5.0], "sharpe": [1.0]})
    )
    assert single.rows is None and single.values.empty and single.n_trials == 1


def test_thin_rows_bounds_points_keeps_ends_and_troughs():
    index = pd.bdate_range("2000-01-03", periods=5000)
    values = np.sin(np.arange(5000) / 50.0)
    values[2501] = -5.0  # a one-day trough
    frame = pd.DataFrame({"x": values}, index=index)
    before = frame.copy(deep=True)
    last = thin_rows(frame, 1500)
    low = thin_rows(frame, 1500, how="min")
    assert frame.equals(before)
    for thinned in (last, low):
        assert len(thinned) <= 1501
        assert thinned.index[0] == index[0] and thinned.index[-1] == index[-1]
        assert thinned.index.is_monotonic_increasing
    assert low["x"].min() == -5.0
    short = frame.iloc[:10]
    assert thin_rows(short, 1500).equals(short)
    with pytest.raises(ValueError, match="how"):
        thin_rows(frame, 100, how="mean")


def test_placebo_median_rows_come_from_the_distribution():
    placebos = {
        "random_regimes": {"rr": {"n_paths": 3, "sharpe": {"q50": 0.4}, "cagr": {"q50": 0.05}}}
    }
    paths = pd.DataFrame(
        {
            "strategy": ["rr"] * 3,
            "path": [0, 1, 2],
            "sharpe": [0.1, 0.5, 0.9],
            "cagr": [0.0, 0.1, 0.2],
            "max_drawdown": [-0.5, -0.3, -0.1],
            "turnover": [1.0, 2.0, 3.0],
        }
    )
    rows = placebo_median_long_frame(placebos, paths)
    values = rows.set_index("metric")["value"]
    assert set(rows["strategy"]) == {"rr (median of 3 paths)"} and set(rows["role"]) == {"placebo"}
    assert values["sharpe"] == 0.4 and values["cagr"] == 0.05  # the runner's quantiles win
    assert values["max_drawdown"] == -0.3 and values["turnover"] == 2.0
    assert placebo_median_long_frame({"random_regimes": {}}, None).empty


def test_walk_forward_frame_and_significance_frame():
    block = {
        "folds": [
            {
                "train": ["2008-01-03", "2010-11-01"],
                "test": ["2010-11-02", "2013-08-30"],
                "chosen": {"rebalance": "monthly", "scarce_cash": 0.5},
                "in_sample_sharpe": 0.2,
                "out_of_sample_sharpe": None,
            }
        ]
    }
    folds = walk_forward_frame(block)
    assert folds.index.tolist() == [1] and folds.loc[1, "test_end"] == "2013-08-30"
    assert np.isnan(folds.loc[1, "out_of_sample_sharpe"])
    assert folds.loc[1, "chosen"] == "rebalance=monthly; scarce_cash=0.5"
    assert walk_forward_frame(None).empty
    significance = {
        "strategies": {
            "b": {"sharpe_ci": {"estimate": 0.1, "low": -0.2, "high": 0.4}, "psr": 0.6},
            "a": {
                "sharpe_ci": {"estimate": 0.5, "low": 0.1, "high": 0.9},
                "sharpe_difference_vs_benchmark": {"estimate": 0.4, "low": 0.0, "high": 0.8},
            },
        }
    }
    significance["strategies"]["a"]["deflated"] = {"dsr": 0.7}
    significance["strategies"]["a"]["pbo"] = {"pbo": 0.3}
    table = significance_frame(significance, order=["a"])
    assert table.index.tolist() == ["a", "b"]
    assert table.loc["a", "diff_low"] == 0.0 and np.isnan(table.loc["b", "diff_vs_benchmark"])
    assert table.loc["a", "dsr"] == 0.7 and table.loc["a", "pbo"] == 0.3
    assert np.isnan(table.loc["b", "dsr"])


def test_null_frame_orders_the_no_timing_benchmarks():
    significance = {
        "null": {
            "strategy": "rot",
            "benchmarks": {
                "best_basket": {
                    "name": "cf",
                    "sharpe_difference": {
                        "estimate": -0.1,
                        "low": -0.5,
                        "high": 0.3,
                        "p_value_le_0": 0.6,
                    },
                    "active_sharpe": -0.2,
                    "active_psr": 0.3,
                },
                "basket_blend": {
                    "name": "blend",
                    "sharpe_difference": {"estimate": 0.1, "low": -0.2, "high": 0.4},
                    "active_sharpe": 0.2,
                    "active_psr": 0.7,
                    "active_deflated": {"dsr": 0.4, "n_trials": 24, "expected_max_sharpe": 0.15},
                },
            },
        }
    }
    frame = null_frame(significance)
    assert frame.index.tolist() == ["basket_blend", "best_basket"]
    assert frame.loc["basket_blend", "name"] == "blend"
    assert frame.loc["basket_blend", "dsr"] == 0.4 and frame.loc["basket_blend", "n_trials"] == 24
    assert np.isnan(frame.loc["best_basket", "dsr"])
    assert frame.loc["best_basket", "p_value_le_0"] == 0.6
    assert null_frame(None).empty and null_frame({"null": {"benchmarks": {}}}).empty


def test_classifier_params_and_episode_frame():
    scalars, mappings = classifier_params_frames(
        {"enter_threshold": 0.5, "columns": ["a", "b"], "weights": {"vix": -1.0, "hy": -1.0}}
    )
    assert scalars.loc["columns", "value"] == "a, b"
    assert mappings["weights"].index.tolist() == ["vix", "hy"]
    episodes = episode_frame(
        {
            "episodes": [
                {
                    "name": "gfc",
                    "start": "2008-09-01",
                    "end": "2008-12-31",
                    "expected": "scarce",
                    "n_days": None,
                    "share_scarce": None,
                    "share_expected": None,
                    "status": "outside this run",
                },
                {
                    "name": "qe",
                    "start": "2009-04-01",
                    "end": "2012-12-31",
                    "expected": "abundant",
                    "n_days": 652,
                    "share_scarce": 0.1,
                    "share_expected": 0.9,
                },
                {
                    "name": "taper",
                    "start": "2013-05-01",
                    "end": "2013-09-30",
                    "expected": "scarce",
                    "n_days": 106,
                    "share_scarce": 0.2,
                    "share_expected": 0.2,
                },
            ]
        }
    )
    assert episodes["agrees"].tolist() == [None, True, False]
    assert episodes["status"].tolist() == ["outside this run", "", ""]
    assert episode_frame({"accuracy": 0.8}).empty and episode_frame(None).empty
    # an old-layout episode with 0 days and no status is outside the run too; partly is kept
    old = episode_frame(
        {
            "episodes": [
                {"name": "a", "expected": "scarce", "n_days": 0, "share_expected": None},
                {
                    "name": "b",
                    "expected": "scarce",
                    "n_days": 5,
                    "share_expected": 0.8,
                    "status": "partly outside",
                },
            ]
        }
    )
    assert old["status"].tolist() == ["outside this run", "partly outside"]
    assert old["agrees"].tolist() == [None, True]


def test_compared_strategy_fallbacks():
    strategies = {
        "b": {"kind": "benchmark", "role": "benchmark"},
        "r": {"kind": "regime_rotation", "role": "strategy"},
    }
    assert (
        compared_strategy({"strategies": strategies, "placebos": {"compared_strategy": "b"}}) == "b"
    )
    assert compared_strategy({"strategies": strategies}) == "r"
    assert compared_strategy({"strategies": {}}) is None
