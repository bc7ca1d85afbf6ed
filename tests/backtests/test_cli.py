"""regime-bt: help on every command, exit codes, `list`, `config show`, the CI gate end to end."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from backtests import cli
from backtests.cli import main

#: A short, light run: about 6 s in-process.
FAST = [
    "--set",
    "data.start=2005-01-03",
    "--set",
    "data.end=2009-12-31",
    "--set",
    "sweep.enabled=false",
    "--set",
    "analysis.bootstrap_samples=20",
    "--set",
    "strategies.random_regimes.n_paths=10",
]
CHANGE = ["--set", "strategies.regime_rotation.scarce_basket=speculative"]

COMMANDS = [
    ["run"],
    ["regimes"],
    ["sweep"],
    ["fetch"],
    ["snapshot"],
    ["check"],
    ["list"],
    ["config"],
    ["config", "show"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example(command, capsys):
    assert main([*command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "usage: regime-bt" in out and "Example" in out


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["nope"],
        ["run", "--bogus"],
        ["check", "runs/x"],
        ["list", "widgets"],
        ["check", "r", "--baseline", "b", "--fail-on", "sometimes"],
    ],
)
def test_usage_errors_exit_2(argv, capsys):
    assert main(argv) == 2
    assert "regime-bt: error:" in capsys.readouterr().err


def test_list_shows_every_registry_with_descriptions(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for fragment in (
        "sources:",
        "synthetic",
        "classifiers:",
        "composite",
        "strategies:",
        "regime_rotation",
        "[placebo]",
        "features:",
        "net_liquidity_13w",
    ):
        assert fragment in out
    assert main(["list", "classifiers", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert list(listing) == ["classifiers"]
    assert all(entry["description"] for entry in listing["classifiers"].values())


@pytest.mark.parametrize("argv", [["config", "show"], ["run", "--quiet"], ["regimes"]])
def test_config_typo_is_exit_2_with_did_you_mean(argv, capsys):
    assert main([*argv, "--set", "costs.fee_bsp=5"]) == 2
    err = capsys.readouterr().err
    assert "unknown key 'costs.fee_bsp'. Did you mean 'fee_bps'?" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "override, fragment",
    [
        (
            "strategies.regime_rotation.scarce_baskt=x",
            "unknown key 'strategies.regime_rotation.scarce_baskt'. Did you mean 'scarce_basket'?",
        ),
        (
            "strategies.regime_rotation.scarce_basket=cashflow",
            "strategies.regime_rotation.scarce_basket = 'cashflow' is not allowed. Did you mean",
        ),
        (
            "regimes.params.composite.min_dwel=3",
            "unknown key 'regimes.params.composite.min_dwel'. Did you mean 'min_dwell'?",
        ),
        (
            "regimes.params.jmp.jump_penalty=3",
            "regimes.params = 'jmp' is not allowed. Did you mean",
        ),
        (
            "sweep.classifier_grid.min_dwel=[5]",
            "unknown key 'sweep.classifier_grid.min_dwel'. Did you mean 'min_dwell'?",
        ),
        (
            "sweep.strategy=regime_rotaton",
            "sweep.strategy = 'regime_rotaton' is not allowed. Did you",
        ),
        ("analysis.benchmark=benchmrk", "analysis.benchmark = 'benchmrk' is not allowed. Did you"),
        (
            'strategies.basket_blend.blend=["cash_flow", "speculatve"]',
            "strategies.basket_blend.blend = 'speculatve' is not allowed. "
            "Did you mean 'speculative'?",
        ),
        ("costs.per_asset.XBT-USD.fee_bp=3", "Did you mean 'fee_bps'?"),
    ],
)
def test_nested_typos_name_the_path_and_suggest(override, fragment, capsys):
    assert main(["config", "show", "--set", override]) == 2
    assert fragment in capsys.readouterr().err


def test_shipped_configs_are_valid():
    from backtests import load_config

    for path in sorted(Path(cli.__file__).resolve().parents[1].glob("configs/*.toml")):
        assert load_config(path).name


def test_internal_error_is_exit_3_with_a_traceback_log(monkeypatch, capsys):
    def broken(args):
        raise RuntimeError("boom")

    monkeypatch.setitem(cli._COMMANDS, "list", broken)
    assert main(["list"]) == 3
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: boom" in err
    log = Path(err.split("The full traceback is in ")[1].split(". Please")[0])
    assert "Traceback" in log.read_text()


def test_check_on_a_missing_run_is_exit_2(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nope"), "--baseline", str(tmp_path / "b.json")]) == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.fixture(scope="module")
def gate(tmp_path_factory):
    """A baseline run and its committed baseline file."""
    root = tmp_path_factory.mktemp("gate")
    assert main(["run", *FAST, "--no-tearsheets", "--quiet", "--out", str(root / "base")]) == 0
    baseline = root / "ci" / "baseline.json"
    assert (
        main(["check", str(root / "base"), "--baseline", str(baseline), "--update", "--quiet"]) == 0
    )
    return root, baseline


@pytest.mark.slow
def test_config_show_is_byte_identical_to_the_run_config(gate, capsys):
    root, _ = gate
    capsys.readouterr()
    assert main(["config", "show", *FAST]) == 0
    assert capsys.readouterr().out == (root / "base" / "config.toml").read_text(encoding="utf-8")


@pytest.mark.slow
def test_gate_fails_on_a_strategy_change_and_passes_when_reverted(gate, capsys):
    root, baseline = gate
    changed, reverted = root / "changed", root / "reverted"
    assert main(["run", *FAST, *CHANGE, "--no-tearsheets", "--quiet", "--out", str(changed)]) == 0
    capsys.readouterr()
    markdown = root / "check.md"
    code = main(["check", str(changed), "--baseline", str(baseline), "--markdown", str(markdown)])
    out = capsys.readouterr().out
    assert code == 1
    assert "strategies.regime_rotation.overall.sharpe" in out and "BREACH" in out
    assert "check FAILED" in out and "config differs" in out
    assert "`strategies.regime_rotation.overall.sharpe`" in markdown.read_text()
    assert main(["check", str(changed), "--baseline", str(baseline), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert not report["passed"] and report["n_breaches"] > 0
    # what depends on the rotation moves (its metrics, significance and no-timing null,
    # placebos, the edge and bounds sections built on its parameters); the benchmarks and
    # the regimes do not
    moved = [m["metric"] for m in report["moved"]]
    assert any(m.startswith("strategies.regime_rotation.") for m in moved)
    assert not [
        m
        for m in moved
        if m.startswith(("strategies.", "regimes.", "benchmarks."))
        and not m.startswith("strategies.regime_rotation.")
    ]
    assert all(
        m.startswith(
            (
                "strategies.regime_rotation.",
                "significance.strategies.regime_rotation",
                "significance.null.",
                "placebos",
                "edge.",
                "bounds.",
            )
        )
        for m in moved
    )

    assert main(["run", *FAST, "--no-tearsheets", "--quiet", "--out", str(reverted)]) == 0
    capsys.readouterr()
    assert main(["check", str(reverted), "--baseline", str(baseline)]) == 0
    assert "check PASSED" in capsys.readouterr().out


@pytest.mark.slow
def test_gate_refuses_runs_on_other_data(gate, tmp_path, capsys):
    root, baseline = gate
    other = tmp_path / "other"
    shutil.copytree(root / "base", other)
    metrics = json.loads((other / "metrics.json").read_text())
    metrics["run"]["data_sha256"] = "0" * 64
    metrics["run"]["end"] = "2011-12-30"
    (other / "metrics.json").write_text(json.dumps(metrics))
    assert main(["check", str(other), "--baseline", str(baseline)]) == 2
    err = capsys.readouterr().err
    assert "refusing to compare" in err and "run.end differs" in err and "--force" in err
    assert main(["check", str(other), "--baseline", str(baseline), "--force"]) == 0
    assert "FORCED" in capsys.readouterr().out


@pytest.mark.slow
def test_data_sha256_ignores_strategies_but_not_data(gate):
    from backtests import load_config
    from backtests.config import data_sha256

    root, _ = gate
    recorded = json.loads((root / "base" / "metrics.json").read_text())["run"]["data_sha256"]
    overrides = [v for v in FAST if v != "--set"]
    assert data_sha256(load_config(overrides=overrides)) == recorded
    assert (
        data_sha256(
            load_config(
                overrides=[
                    *overrides,
                    "costs.fee_bps=20",
                    "strategies.regime_rotation.scarce_basket=speculative",
                ]
            )
        )
        == recorded
    )
    assert data_sha256(load_config(overrides=[*overrides, "data.seed=7"])) != recorded


def test_progress_helper_is_transparent_and_quiet_off_a_terminal(capsys):
    from data.progress import progress, progress_enabled

    assert progress_enabled(quiet=True) is False
    assert progress_enabled() is False  # pytest captures stdout: not a terminal
    assert list(progress(iter(range(4)), "refits", enabled=False)) == [0, 1, 2, 3]
    assert capsys.readouterr().err == ""
    assert list(progress(range(4), "refits", enabled=True)) == [0, 1, 2, 3]
    assert "refits" in capsys.readouterr().err


def test_sweep_writes_the_grid_and_matches_the_run(tmp_path, capsys):
    light = FAST[:4]  # the short date range, with the sweep left on
    out = tmp_path / "sweep"
    assert (
        main(["sweep", *light, "--set", "sweep.fee_bps=[0.0, 50.0]", "--out", str(out), "--json"])
        == 0
    )
    summary = json.loads(capsys.readouterr().out)
    table = (out / "sweep.csv").read_text().splitlines()
    assert summary["n_trials"] == len(table) - 1 > 1
    assert json.loads((out / "sweep.json").read_text()) == summary
    header = table[0].split(",")
    assert {"fee_bps", "sharpe", "final_value"} <= set(header)
    # Higher fees can only cost money on identical trades.
    frame = pd.read_csv(out / "sweep.csv")
    keys = [c for c in ("regimes", "rebalance", "scarce_cash") if c in frame.columns]
    paired = frame.pivot_table(index=keys, columns="fee_bps", values="final_value")
    assert (paired[50.0] < paired[0.0]).all()
