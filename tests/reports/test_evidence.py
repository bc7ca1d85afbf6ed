"""Frames for bounds, edge, features and stability: faithful to the blocks, inputs unchanged."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reports.evidence import (
    best_year_frame,
    bounds_frame,
    decomposition_frame,
    edge_year_frame,
    feature_frame,
    leave_one_out_frame,
    reliability_frames,
    stability_frame,
    sub_period_frame,
)


@pytest.fixture
def metrics(run_dir_with_significance: Path) -> dict:
    return json.loads((run_dir_with_significance / "metrics.json").read_text(encoding="utf-8"))


def test_bounds_frame_marks_what_is_not_tradable(metrics):
    bounds = metrics["bounds"]
    before = copy.deepcopy(bounds)
    frame = bounds_frame(bounds)
    assert bounds == before
    assert list(frame.index) == [
        "walk_forward",
        "oracle",
        "oracle_delayed",
        "hindsight",
        "basket_blend",
        "cash_flow_basket",
        "speculative_basket",
    ]
    assert frame["tradable"].to_dict() == {
        "walk_forward": True,
        "oracle": False,
        "oracle_delayed": False,
        "hindsight": False,
        "basket_blend": True,
        "cash_flow_basket": True,
        "speculative_basket": True,
    }
    assert frame.loc["oracle", "sharpe"] == bounds["paths"]["oracle"]["sharpe"]
    assert "12 trading days late" in frame.loc["oracle_delayed", "description"]
    # an unknown path without a tradable entry is never shown as tradable
    odd = bounds_frame(
        {
            "paths": {"walk_forward": {}, "mystery": {"sharpe": 1.0}},
            "tradable": {"walk_forward": True},
        }
    )
    assert odd.loc["mystery", "tradable"] is np.False_ or not odd.loc["mystery", "tradable"]
    assert bounds_frame(None).empty


def test_decomposition_adds_up(metrics):
    frame = decomposition_frame(metrics["bounds"])
    assert list(frame.index) == ["sharpe", "cagr"]
    np.testing.assert_allclose(frame["delay"] + frame["misclassification"], frame["gap"])


def test_edge_frames(metrics):
    edge = metrics["edge"]
    before = copy.deepcopy(edge)
    years = edge_year_frame(edge)
    best = best_year_frame(edge)
    periods, spans = sub_period_frame(edge)
    assert edge == before
    assert list(years.index) == list(edge["by_year"])
    assert list(years.columns) == ["days", "return", *edge["rivals"]]
    year = years.index[0]
    rival = edge["rivals"][0]
    assert years.loc[year, rival] == edge["by_year"][year]["difference"][rival]
    assert list(best.index) == edge["rivals"]
    assert best.loc[rival, "year"] == edge["best_year"][rival]["year"]
    assert periods.index[0] == edge["strategy"]
    assert set(periods.columns.get_level_values(0)) == set(edge["sub_periods"])
    assert spans["first_half"].startswith(edge["sub_periods"]["first_half"][rival]["start"])
    assert edge_year_frame({"strategy": None}).empty and best_year_frame(None).empty


def test_feature_frame_notes_late_features():
    regimes = {
        "features": {
            "late": {"first_date": "2016-01-04", "sign": 1.0},
            "early": {"first_date": "1994-01-03", "sign": -1.0},
            "mid": {"first_date": "1994-06-01", "sign": None},
        }
    }
    before = copy.deepcopy(regimes)
    frame = feature_frame(regimes, {"start": "2007-06-01", "history_start": "1993-01-29"})
    assert regimes == before
    assert list(frame.index) == ["early", "mid", "late"]
    assert frame["sign"].tolist() == ["-", "", "+"]
    assert frame["note"].tolist() == ["", "", "starts after the backtest start"]
    assert feature_frame(None, None).empty


def test_stability_and_leave_one_out(evaluation_factory):
    evaluation = evaluation_factory()
    stabilities = {n: e["stability"] for n, e in evaluation.items()}
    before = copy.deepcopy(stabilities)
    frame = stability_frame(stabilities)
    assert stabilities == before
    assert list(frame.index) == list(evaluation)
    assert frame[("", "flagged")].tolist() == [False, True, False, False]
    assert frame.loc["gmm", ("", "max_change")] == pytest.approx(0.34)
    assert frame.loc["gmm", ("-2y", "agreement")] == pytest.approx(0.66)
    assert np.isnan(frame.loc["gmm", ("-4y", "agreement")])
    assert frame.loc["gmm", ("-4y", "reason")] == "the data start on 1993-01-29"
    loo = leave_one_out_frame(stabilities)
    assert list(loo.columns) == list(evaluation) and "vix" in loo.index


def test_reliability_frames_drop_empty_bins(evaluation_factory):
    evaluation = evaluation_factory()
    frames = reliability_frames(evaluation)
    assert set(frames) == set(evaluation)
    for frame in frames.values():
        assert (frame["n"] > 0).all() and len(frame) <= 4  # the third bin is empty
    assert reliability_frames(evaluation_factory(truth=False)) == {}
    assert isinstance(next(iter(frames.values())), pd.DataFrame)
