"""Guarantee 4: same config and data -> byte-identical metrics.json, returns.csv, regimes.csv.

Across processes with different ``PYTHONHASHSEED`` (and with tearsheets on in
one run and off in the other), and within one process. The default-length
cross-process check is tests/backtests/test_run.py::
test_metrics_json_is_byte_identical_across_processes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib

import pytest
import tomli_w

from tests.reliability.conftest import DEFAULT_TOML, FAST, ROOT, SHORT, run_cli, set_args

DETERMINISTIC = ("metrics.json", "returns.csv", "regimes.csv")


def _same_files(first, second):
    for name in DETERMINISTIC:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_two_runs_in_one_process_are_byte_identical(csv_case, tmp_path):
    outputs = []
    for name in ("a", "b"):
        out = tmp_path / name
        result = run_cli(
            ["run", csv_case.config, "--no-tearsheets", "--quiet", "--out", out, *set_args(FAST)]
        )
        assert result.code == 0, result.stderr
        outputs.append(out)
    _same_files(*outputs)


def _small_config(tmp_path):
    """The default config with three strategies, so that tearsheets stay quick."""
    table = tomllib.loads(DEFAULT_TOML.read_text())
    table["strategies"] = {
        k: table["strategies"][k] for k in ("regime_rotation", "benchmark", "cash_flow_basket")
    }
    table["name"] = "determinism"
    path = tmp_path / "small.toml"
    path.write_text(tomli_w.dumps(table))
    return path


@pytest.mark.slow
def test_byte_identical_across_processes_hash_seeds_and_tearsheets(tmp_path):
    config = _small_config(tmp_path)
    outputs = []
    for hash_seed, tearsheets in (("0", True), ("4242", False)):
        out = tmp_path / f"run-{hash_seed}"
        args = [
            sys.executable,
            "-m",
            "backtests",
            "run",
            str(config),
            "--quiet",
            "--out",
            str(out),
            *set_args([*SHORT, *(o for o in FAST if "random_regimes" not in o)]),
        ]
        if not tearsheets:
            args.append("--no-tearsheets")
        done = subprocess.run(
            args,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
        )
        assert done.returncode == 0, done.stderr
        assert (out / "tearsheets").is_dir() == tearsheets
        outputs.append(out)
    _same_files(*outputs)
