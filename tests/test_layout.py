"""Project-wide rules: import direction, no side effects at import, README == CI."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PIPELINE = ["data", "regimes", "strategies", "backtests", "reports"]
#: The composition root may reach downstream, lazily (see backtests/cli.py).
COMPOSITION_ROOT = {ROOT / "backtests" / "cli.py", ROOT / "backtests" / "study_cli.py"}


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & set(PIPELINE)


@pytest.mark.parametrize("package", PIPELINE)
def test_imports_only_point_up_the_pipeline(package):
    allowed = set(PIPELINE[: PIPELINE.index(package) + 1])
    offenders = {}
    for path in (ROOT / package).rglob("*.py"):
        if path in COMPOSITION_ROOT:
            continue
        bad = _imported_packages(path) - allowed
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert not offenders, f"imports against the data flow: {offenders}"


#: Most lines a module of the five packages may have (HOUSE_STYLE, "Keep modules under
#: about 800 lines"): past it, split the module by responsibility.
MAX_MODULE_LINES = 800


def test_no_module_exceeds_the_line_limit():
    counts = {
        str(path.relative_to(ROOT)): path.read_bytes().count(b"\n")  # as `wc -l` counts
        for package in PIPELINE
        for path in sorted((ROOT / package).rglob("*.py"))
    }
    offenders = {path: n for path, n in counts.items() if n > MAX_MODULE_LINES}
    assert not offenders, (
        f"modules over {MAX_MODULE_LINES} lines (split them by responsibility): "
        + ", ".join(f"{path} ({n})" for path, n in sorted(offenders.items()))
    )


def test_importing_packages_has_no_global_side_effects():
    # Third-party libraries install their own filters at import; load them
    # first so the test sees only what this project's packages change.
    code = (
        "import warnings, pandas as pd, matplotlib\n"
        "import numpy, scipy.special, sklearn, numba, requests, urllib3, yfinance, plotly\n"
        "before = (pd.get_option('display.max_rows'), dict(matplotlib.rcParams), "
        "list(warnings.filters))\n"
        "import data, regimes, strategies, backtests, reports\n"
        "after = (pd.get_option('display.max_rows'), dict(matplotlib.rcParams), "
        "list(warnings.filters))\n"
        "assert before[0] == after[0], 'pandas options changed'\n"
        "assert before[1] == after[1], 'matplotlib rcParams changed'\n"
        "assert before[2] == after[2], 'warnings filters changed'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


@pytest.mark.parametrize(
    "statement",
    [
        "import backtests.config, backtests.gate",
        "from backtests import load_config, check",
        "from backtests.cli import main; main(['list', 'classifiers'])",
    ],
)
def test_config_gate_and_list_do_not_import_vectorbt(statement):
    """``list``, ``check`` and ``config show`` answer without loading vectorbt (PEP 562)."""
    code = (
        f"import sys\n{statement}\n"
        "loaded = sorted(m for m in ('vectorbt', 'quantstats', 'numba') if m in sys.modules)\n"
        "assert 'vectorbt' not in sys.modules and 'quantstats' not in sys.modules, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, capture_output=True)


def test_every_package_declares_all():
    for package in PIPELINE:
        module = __import__(package)
        assert module.__all__, package
        for name in module.__all__:
            assert hasattr(module, name), f"{package}.{name} in __all__ but missing"


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    quickstart = text.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```(?:bash|sh)\n(.*?)\n```", quickstart, flags=re.S)


def test_readme_quickstart_has_exactly_two_commands():
    commands = _readme_commands()
    assert len(commands) == 2, commands
    assert all("\n" not in c for c in commands), "each command must be one line"
    assert "regime-bt run" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert _readme_commands()[1] in ci
