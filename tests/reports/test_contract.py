"""The reports' fake run directory honours the metrics.json contract (backtests.metrics_schema)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backtests.metrics_schema import METRICS_SCHEMA, RESEARCH_KEYS, validate_metrics
from strategies import STRATEGIES as KINDS


@pytest.mark.parametrize(
    "variant",
    [
        {},
        {"significance": True},
        {"synthetic": False, "significance": True},
        {"significance": True, "hostile": True},
    ],
)
def test_fake_run_directory_validates_against_the_schema(tmp_path: Path, make_run, variant):
    run = make_run(tmp_path / "run", **variant)
    metrics = json.loads((run / "metrics.json").read_text(encoding="utf-8"))
    assert validate_metrics(metrics) == []
    assert metrics["schema"] == METRICS_SCHEMA
    for entry in metrics["strategies"].values():
        assert entry["kind"] in KINDS
        for block in entry["by_regime"].values():
            assert set(block["spell_drawdown"]) == {"worst", "median", "n_spells"}
            assert block["max_drawdown"] == block["spell_drawdown"]["worst"]
    if variant.get("significance"):
        assert all(metrics[key] is not None for key in RESEARCH_KEYS)
        assert [b for b in metrics["significance"]["null"]["benchmarks"]] == [
            "basket_blend",
            "best_basket",
        ]
        assert metrics["verdict"] and {i["tone"] for i in metrics["verdict"]} <= {
            "for",
            "against",
            "neutral",
        }


def test_the_contract_check_has_teeth(run_dir: Path):
    """A fixture in the old layout (buy_and_hold kind, schema 1) would be caught."""
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    metrics["schema"] = 1
    metrics["strategies"]["cash_flow_basket"]["kind"] = "buy_and_hold"
    del metrics["run"]["risk_free"]
    problems = validate_metrics(metrics)
    assert any("schema is 1" in p for p in problems)
    assert any("buy_and_hold" in p for p in problems)
    assert any("risk_free" in p for p in problems)


def test_fixture_uses_real_kinds_and_roles(fixture_strategies):
    assert {kind for kind, _ in fixture_strategies.values()} <= set(KINDS)
    assert {role for _, role in fixture_strategies.values()} == {"strategy", "benchmark", "placebo"}


def test_fake_evaluation_follows_the_regimes_layout(evaluation_factory):
    for truth in (True, False):
        evaluation = evaluation_factory(truth=truth)
        for entry in evaluation.values():
            assert {"brier", "stability", "seconds"} <= set(entry)
            assert set(entry["stability"]) == {
                "start_shift",
                "leave_one_out",
                "max_start_shift_change",
                "flagged",
            }
            assert ("reliability" in entry) is truth and ("episodes" in entry) is not truth
