"""Guarantee 5: numerical hygiene. No RuntimeWarning on the default and real runs, and
division by zero in metrics is defined (documented in backtests/metrics.py).

pytest already turns warnings into errors (pyproject ``filterwarnings``);
the runs here also do it explicitly with ``warnings.simplefilter("error")``,
so they hold outside pytest's configuration too.
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backtests import load_config, run
from backtests import metrics as m
from backtests.metrics_schema import metrics_json
from tests.reliability.conftest import FAST, SHORT

UNDEFINED_WHEN_FLAT = ("sharpe", "sortino")


def _run_strict(config):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np_state = np.seterr(all="raise")
        try:
            return run(config)
        finally:
            np.seterr(**np_state)


def _assert_json_ready(result):
    text = metrics_json(result.metrics)  # allow_nan=False: NaN must have become null
    assert "NaN" not in text and "Infinity" not in text
    json.loads(text)


def test_short_synthetic_run_raises_no_warning():
    _assert_json_ready(_run_strict(load_config(overrides=[*SHORT, *FAST])))


@pytest.mark.slow
def test_default_synthetic_run_raises_no_warning():
    _assert_json_ready(_run_strict(load_config()))


@pytest.mark.slow
@pytest.mark.real_data
def test_real_csv_snapshot_run_raises_no_warning(real_data_dir):
    from tests.reliability.conftest import ROOT

    config = load_config(
        ROOT / "configs" / "csv.toml",
        [
            f"data.prices_dir={real_data_dir / 'prices'}",
            f"data.fred_dir={real_data_dir / 'fred'}",
        ],
    )
    _assert_json_ready(_run_strict(config))


# -- division by zero in metrics -------------------------------------------------------


def _series(values):
    return pd.Series(
        np.asarray(values, dtype=float), index=pd.bdate_range("2020-01-01", periods=len(values))
    )


def _summary(returns, invested=None):
    invested = _series(np.zeros(len(returns))) if invested is None else invested
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return m.performance_summary(returns, _series(np.zeros(len(returns))), invested)


def test_all_cash_period_is_defined():
    flat = _series(np.zeros(60))
    summary = _summary(flat)
    assert summary["total_return"] == 0.0 and summary["cagr"] == 0.0
    assert summary["volatility"] == 0.0 and summary["max_drawdown"] == 0.0
    assert summary["exposure"] == 0.0 and summary["turnover"] == 0.0
    assert summary["hit_rate"] == 0.0
    for key in UNDEFINED_WHEN_FLAT:
        assert math.isnan(summary[key]), key


@settings(max_examples=25, deadline=None, derandomize=True)
@given(level=st.floats(-0.01, 0.01, allow_nan=False), n=st.integers(2, 300))
def test_zero_volatility_gives_undefined_ratios_never_a_warning(level, n):
    constant = _series(np.full(n, level))
    summary = _summary(constant)
    assert math.isnan(summary["sharpe"])
    assert summary["volatility"] == pytest.approx(0.0, abs=1e-12)
    if level >= 0:  # no downside at all: Sortino is undefined too
        assert math.isnan(summary["sortino"])


def test_empty_and_single_day_periods_are_defined():
    empty = _summary(_series([]))
    assert empty["share_of_time"] == 0.0
    assert all(math.isnan(v) for k, v in empty.items() if k != "share_of_time")
    one = _summary(_series([0.01]))
    assert one["total_return"] == pytest.approx(0.01)
    assert math.isnan(one["volatility"]) and math.isnan(one["sharpe"])


def test_total_loss_is_defined():
    wiped = _summary(_series([0.1, -1.0, 0.0]))
    assert wiped["cagr"] == -1.0 and wiped["max_drawdown"] == -1.0


def test_metrics_do_not_mutate_inputs():
    returns = _series([0.01, -0.02, 0.0, 0.03])
    traded = _series([1.0, 0.0, 0.0, 0.5])
    before = (returns.copy(), traded.copy())
    m.performance_summary(returns, traded, traded)
    pd.testing.assert_series_equal(returns, before[0])
    pd.testing.assert_series_equal(traded, before[1])


def test_idle_cash_has_zero_volatility_and_a_negative_excess_sharpe(csv_case):
    """Zero-return cash in a whole run: no volatility, and in excess of the T-bill fund it
    loses the bill rate every day, so its Sharpe is -mean(c) / std(c) (defined)."""
    result = csv_case.run(
        'strategies.idle={kind = "fixed_weights", weights = {TBIL = 0.0}}',
        "execution.cash_in_fund=false",
    )
    assert result.code == 0, result.stderr
    idle = json.loads((csv_case.out / "metrics.json").read_text())["strategies"]["idle"]
    assert idle["overall"]["volatility"] == 0.0 and idle["overall"]["total_return"] == 0.0
    assert idle["overall"]["exposure"] == 0.0
    prices = pd.read_csv(csv_case.out / "inputs" / "prices.csv", index_col="date")
    cash = (prices["TBIL"] / prices["TBIL"].shift(1) - 1.0).fillna(0.0)
    expected = -cash.mean() / cash.std(ddof=1) * math.sqrt(252)
    assert idle["overall"]["sharpe"] == pytest.approx(expected, rel=1e-9)


def test_a_flat_excess_series_has_null_ratios():
    """Returns equal to the cash fund's: zero excess volatility, so Sharpe/Sortino are null."""
    cash = pd.Series(np.random.default_rng(4).uniform(0, 2e-4, 300))
    summary = m.performance_summary(cash, cash * 0, cash * 0, rf=cash)
    assert math.isnan(summary["sharpe"]) and math.isnan(summary["sortino"])
    document = json.loads(metrics_json({k: summary[k] for k in UNDEFINED_WHEN_FLAT}))
    assert document == {"sharpe": None, "sortino": None}
