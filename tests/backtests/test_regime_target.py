"""The target ``y`` of a classifier fitted on outcomes (``jump_cv``): config, run and ``regimes``.

``jump_cv`` chooses its jump penalty at every refit by cross-validating a 0/1
timing of one asset, so the walk-forward must hand it that asset's daily
excess return. Which asset and which cash come from config
(``regimes.target_asset``, ``regimes.target_cash``); a wrong one is exit 2
naming the key, before the walk-forward.
"""

import numpy as np
import pandas as pd
import pytest

from backtests import load_config
from backtests.cli import main
from backtests.runner import load_inputs, load_market, needs_target, regime_target
from regimes import CLASSIFIERS
from tests.helpers import SHORT, set_args

#: jump_cv sized for the short synthetic history: seconds, not minutes.
SMALL_CV = [
    "regimes.classifier=jump_cv",
    "regimes.params.jump_cv.penalties=[1.0, 10.0]",
    "regimes.params.jump_cv.validation_days=150",
    "regimes.params.jump_cv.train_days=300",
    "regimes.params.jump_cv.refit_days=100",
    "regimes.params.jump_cv.n_init=2",
    "regimes.params.jump_cv.random_state=0",
    "walk_forward.min_train=500",
    "walk_forward.refit_every=126",
    "sweep.enabled=false",
    "sweep.classifier_grid={}",
    "analysis.stability=false",
]


def test_only_jump_cv_needs_a_target():
    assert {name for name, spec in CLASSIFIERS.items() if needs_target(spec())} == {"jump_cv"}


def test_the_target_defaults_to_the_timed_asset_or_the_benchmark_and_the_cash_fund():
    config = load_config()
    assert config.regime_target() == (config.universe.benchmark, [f"price:{config.universe.cash}"])
    timed = load_config(
        None, ["strategies.timing.kind=regime_timing", 'strategies.timing.asset="QQQ"']
    )
    assert timed.regime_target() == ("QQQ", [f"price:{timed.universe.cash}"])
    explicit = load_config(None, ['regimes.target_asset="QQQ"', 'regimes.target_cash=["DFF"]'])
    assert explicit.regime_target() == ("QQQ", ["DFF"])
    assert "QQQ" in explicit.all_tickers()


def test_the_target_is_the_excess_return_of_the_configured_asset_on_the_feature_history():
    config = load_config(None, [*SHORT, *SMALL_CV])
    inputs = load_inputs(config, load_market(config))
    y = regime_target(config, inputs)
    assert y.index.equals(inputs.features.index)
    asset, cash = config.regime_target()
    by_hand = inputs.prices[asset].pct_change(fill_method=None) - inputs.prices[
        cash[0].removeprefix("price:")
    ].pct_change(fill_method=None)
    pd.testing.assert_series_equal(y, by_hand.rename("excess_return"), check_names=True)
    assert np.isfinite(y.iloc[1:]).mean() > 0.99


@pytest.mark.parametrize(
    "override, key",
    [
        ('regimes.target_cash=["NOPE"]', "regimes.target_cash: 'NOPE' is not in the loaded data"),
        ('regimes.target_asset="ZZZ"', "ZZZ"),  # a ticker the data lack: the loader says so
    ],
)
def test_a_target_source_not_in_the_data_is_exit_2_naming_the_key(override, key, capsys):
    assert (
        main(["run", *set_args([*SHORT, *SMALL_CV, override]), "--no-tearsheets", "--quiet"]) == 2
    )
    err = capsys.readouterr().err
    assert err.startswith("regime-bt: error: ") and key in err and "Traceback" not in err


def test_the_regimes_command_skips_jump_cv_unless_it_is_configured(tmp_path, capsys):
    out = tmp_path / "regimes"
    assert (
        main(
            [
                "regimes",
                *set_args([*SHORT, "analysis.stability=false"]),
                "--no-leave-one-out",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    said = capsys.readouterr().out
    assert "jump_cv: skipped: fitted on the timed asset's returns" in said
    assert "jump_cv" not in pd.read_csv(out / "regimes_all.csv", nrows=1).columns


def test_a_jump_cv_run_gets_its_target_and_is_causal_to_the_target(tmp_path):
    """The walk-forward with y: labels before a cut ignore a change of y after it."""
    from backtests.runner import make_estimator, walk_forward_spec
    from regimes import walk_forward_regimes

    config = load_config(None, [*SHORT, *SMALL_CV])
    inputs = load_inputs(config, load_market(config))
    y = regime_target(config, inputs)
    estimator = make_estimator(config, signs=inputs.feature_signs)
    spec = walk_forward_spec(config)
    labels = walk_forward_regimes(estimator, inputs.features, spec, y=y)
    assert labels["regime"].notna().sum() > 500
    cut = len(y) - 300
    changed = y.copy()
    changed.iloc[cut + 1 :] = -changed.iloc[cut + 1 :]
    again = walk_forward_regimes(estimator, inputs.features, spec, y=changed)
    pd.testing.assert_frame_equal(labels.iloc[: cut + 1], again.iloc[: cut + 1])
    assert not labels.iloc[cut + 1 :].equals(again.iloc[cut + 1 :])


@pytest.mark.slow
def test_a_jump_cv_run_with_a_classifier_sweep_runs_end_to_end(tmp_path):
    """Every fit of a run gets y: the walk-forward, the in-sample bound and the sweep's grid."""
    from tests.helpers import CHEAP, RunDirectory, write_run

    overrides = [
        *SHORT,
        *CHEAP,
        *SMALL_CV,
        "sweep.enabled=true",
        'sweep.rules=["monthly"]',
        "sweep.scarce_cash=[0.0]",
        "sweep.fee_bps=[10.0]",
        "sweep.classifier_grid={cost_bps=[0.0, 50.0]}",
    ]
    run = RunDirectory(write_run(tmp_path / "run", None, overrides))
    assert run.metrics["run"]["n_days"] > 1000
    sweep = pd.read_csv(run.root / "sweep.csv")
    assert set(sweep["regimes"]) == {"cost_bps=0.0", "cost_bps=50.0"}


def test_a_target_missing_where_the_classifier_sees_features_is_exit_2(capsys):
    """A cash source that starts late would make the estimator count those days as 0."""
    late = 'regimes.target_cash=["price:MEMC"]'  # listed in 2011, ten years into the history
    assert main(["run", *set_args([*SHORT, *SMALL_CV, late]), "--no-tearsheets", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "regimes.target_cash: the excess return of" in err and "is missing on" in err
    assert "Add a cash source that covers them" in err and "Traceback" not in err
