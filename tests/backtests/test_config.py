"""Config loading: validation messages, overrides, extends, round trip."""

import tomllib

import pytest

from backtests.config import ConfigError, config_sha256, dump_config, load_config


def test_default_config_is_valid_and_round_trips(tmp_path):
    config = load_config()
    assert config.data.source == "synthetic"
    text = dump_config(config)
    path = tmp_path / "resolved.toml"
    path.write_text(text)
    again = load_config(path)
    assert dump_config(again) == text
    assert config_sha256(again) == config_sha256(config)


def test_set_overrides_are_typed_and_recorded():
    config = load_config(
        overrides=["data.seed=7", "costs.fee_bps=12.5", "rebalance.frequency=weekly"]
    )
    assert config.data.seed == 7 and config.costs.fee_bps == 12.5
    assert config.rebalance.frequency == "weekly"
    assert tomllib.loads(dump_config(config))["data"]["seed"] == 7
    assert config_sha256(config) != config_sha256(load_config())


@pytest.mark.parametrize(
    "override, fragment",
    [
        ("costs.fee_bsp=5", "unknown key 'costs.fee_bsp'. Did you mean 'fee_bps'?"),
        ("regimes.classifer=composite", "Did you mean 'classifier'?"),
        ("strategies.regime_rotation.kind=regime_rotaion", "Did you mean 'regime_rotation'?"),
        ("data.seed=seven", "data.seed = 'seven' must be of type int"),
        ("costs.fee_bps=-1", "costs.fee_bps = -1.0 is out of range"),
        ("costs.fee_bps=5000", "allowed 0 to 1000 basis points"),
        ("data.start=2030-01-01", "must be before data.end"),
        ("data.end=2024-13-45", "is not an ISO date"),
        ("rebalance.frequency=hourly", "Allowed: daily, weekly, monthly, never"),
        ("execution.lag_days=0", "must be >= 1"),
        ("regimes.classifier=nope", "regimes.classifier = 'nope' is not allowed"),
        ("strategies.cash_flow_basket.basket=cashflow", "Did you mean 'cash_flow'?"),
        ("data.source=yahooo", "data.source = 'yahooo' is not allowed"),
    ],
)
def test_bad_values_name_the_key_and_the_fix(override, fragment):
    with pytest.raises(ConfigError) as error:
        load_config(overrides=[override])
    assert fragment in str(error.value)
    assert f"--set {override}" in str(error.value)  # the flag that set it, not the file


def test_errors_name_the_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('name = "x"\n[data]\nsed = 3\n')
    with pytest.raises(ConfigError, match=rf"{path}: unknown key 'data.sed'. Did you mean 'seed'"):
        load_config(path)


def test_invalid_toml_is_a_config_error(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[data\nseed = 1")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")


def test_extends_merges_tables_and_child_wins(tmp_path):
    base = tmp_path / "base.toml"
    base.write_text(dump_config(load_config()))
    child = tmp_path / "child.toml"
    child.write_text('extends = "base.toml"\nname = "variant"\n[costs]\nfee_bps = 20.0\n')
    config = load_config(child)
    assert config.name == "variant" and config.costs.fee_bps == 20.0
    assert config.costs.slippage_bps == load_config().costs.slippage_bps
    assert config.strategies == load_config().strategies


def test_extends_cycle_is_reported(tmp_path):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n')
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n')
    with pytest.raises(ConfigError, match="cycle"):
        load_config(tmp_path / "a.toml")


def test_malformed_set_is_reported():
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        load_config(overrides=["data.seed"])
