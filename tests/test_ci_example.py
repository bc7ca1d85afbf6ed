"""The example GitHub Actions workflow (docs/github-actions.yml) parses, has the gate's steps,
matches the README's "Use in CI" section, and its `run:` commands work on a tiny snapshot."""

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / "docs" / "github-actions.yml"
#: Short and light; the snapshot covers exactly these dates.
SHORT = ["data.start=2005-01-03", "data.end=2009-12-31"]
STRATEGY_TOML = """\
extends = "{default}"
name = "ci"

[data]
source = "csv"
prices_dir = "snapshot/prices"
fred_dir = "snapshot/fred"
start = "2005-01-03"
end = "2009-12-31"

[sweep]
enabled = false

[analysis]
bootstrap_samples = 20

[strategies.random_regimes]
n_paths = 10
"""
TOLERANCE_TOML = """\
[default]
abs = 1e-9
rel = 1e-6

[metrics]
sharpe = { abs = 0.01 }
"""


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def _steps(workflow):
    (job,) = workflow["jobs"].values()
    return job["steps"]


def _run_steps(workflow):
    return [s for s in _steps(workflow) if "run" in s and "pip install" not in s["run"]]


def test_workflow_has_the_gate_jobs_and_steps(workflow):
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads `on` as True
    assert "pull_request" in triggers
    assert list(workflow["jobs"]) == ["backtest-gate"]
    job = workflow["jobs"]["backtest-gate"]
    assert job["runs-on"] == "ubuntu-latest"
    uses = [s.get("uses", "") for s in job["steps"]]
    assert uses[0].startswith("actions/checkout@")
    assert any(u.startswith("actions/setup-python@") for u in uses)
    upload = next(
        s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact@")
    )
    assert upload["if"] == "always()" and upload["with"]["path"] == "${{ env.RUN_DIR }}"
    commands = " ".join(s["run"] for s in _run_steps(workflow))
    assert "regime-bt run" in commands and "regime-bt check" in commands
    assert "--baseline" in commands and "--markdown" in commands
    assert all(step.get("name") for step in job["steps"])


def _readme_ci_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Use in CI\n(.*?)(?=^## )", text, re.DOTALL | re.MULTILINE)
    assert section, "README.md needs a '## Use in CI' section"
    blocks = re.findall(r"```(?:bash|sh)\n(.*?)```", section.group(1), re.DOTALL)
    return [
        line.strip()
        for block in blocks
        for line in block.splitlines()
        if line.strip().startswith("regime-bt ")
    ]


def test_readme_ci_section_matches_the_workflow(workflow):
    commands = _readme_ci_commands()
    in_workflow = [s["run"] for s in _run_steps(workflow)]
    gate = [
        c
        for c in commands
        if c.startswith(('regime-bt run "$CONFIG"', 'regime-bt check "$RUN_DIR"'))
    ]
    assert len(gate) == 2, commands
    for command in gate:
        assert command in in_workflow, f"README command not in the workflow: {command}"
    assert WORKFLOW.read_text(encoding="utf-8").count("regime-bt") >= 2


def _shell(command: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-eo", "pipefail", "-c", command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_workflow_commands_run_on_a_tiny_snapshot(workflow, tmp_path):
    # `regime-bt` on PATH: this checkout, through the same interpreter.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "regime-bt"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m backtests "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    repo = tmp_path / "repo"
    (repo / "ci").mkdir(parents=True)
    summary = tmp_path / "summary.md"
    job = workflow["jobs"]["backtest-gate"]
    env = {
        **os.environ,
        **job["env"],
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT),
        "GITHUB_STEP_SUMMARY": str(summary),
    }

    # The committed inputs of a user's repository, generated small.
    default = (ROOT / "backtests" / "default.toml").as_posix()
    snapshot = _shell(
        f'regime-bt snapshot "{default}" ' + " ".join(f"--set {s}" for s in SHORT) + " ci/snapshot",
        repo,
        env,
    )
    assert snapshot.returncode == 0, snapshot.stderr
    (repo / "ci" / "strategy.toml").write_text(STRATEGY_TOML.format(default=default))
    (repo / "ci" / "tolerance.toml").write_text(TOLERANCE_TOML)

    steps = _run_steps(workflow)
    run_step, check_step = steps[0], steps[1]
    assert "regime-bt run" in run_step["run"] and "regime-bt check" in check_step["run"]
    done = _shell(run_step["run"], repo, env)
    assert done.returncode == 0, done.stderr
    run_dir = repo / env["RUN_DIR"]
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["run"]["data_source"] == "csv"
    update = _shell('regime-bt check "$RUN_DIR" --baseline "$BASELINE" --update', repo, env)
    assert update.returncode == 0, update.stderr

    for step in steps[1:]:
        result = _shell(step["run"], repo, env)
        assert result.returncode == 0, (step["name"], result.stdout, result.stderr)
    assert "check PASSED" in (run_dir / "check.md").read_text()
    assert "check PASSED" in summary.read_text()

    # A moved metric fails the check step with exit 1 and names it.
    baseline = json.loads((repo / env["BASELINE"]).read_text())
    key = "strategies.regime_rotation.overall.cagr"
    baseline["metrics"][key] += 0.05
    (repo / env["BASELINE"]).write_text(json.dumps(baseline))
    failed = _shell(check_step["run"], repo, env)
    assert failed.returncode == 1 and key in failed.stdout
    # The job summary leads with the verdict and the headline table, then the folded details.
    for step in steps[2:]:
        assert _shell(step["run"], repo, env).returncode == 0, step["name"]
    failed_summary = summary.read_text().split("check PASSED", 1)[1]
    markdown = (run_dir / "check.md").read_text()
    assert failed_summary.rstrip().endswith(markdown.rstrip())
    first = markdown.splitlines()[0]
    assert first.startswith("### :x: regime-bt check FAILED: 1 of ")
    assert "Worse: `regime_rotation` CAGR" in first
    rotation = next(
        line
        for line in markdown.splitlines()
        if line.startswith("| `regime_rotation` | strategy |")
    )
    assert rotation.count("**") == 4 and "**BREACH**: CAGR" in rotation
    assert (
        markdown.index("| `regime_rotation` |")
        < markdown.index("<details>")
        < markdown.index(f"| `{key}` |")
    )
