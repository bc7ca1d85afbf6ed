"""Shared helpers of the reliability suite: a tiny CSV world, a short config and the CLI.

Every data case starts from the same tiny snapshot of the synthetic world
(2005-2009, written once per session in the ``csv`` source's format) and
damages one file in a private copy. Runs use :data:`FAST` so that a whole
backtest takes a couple of seconds in-process.
"""

from __future__ import annotations

import contextlib
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import set_args  # re-exported: the reliability tests import it here

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TOML = ROOT / "backtests" / "default.toml"

#: A five-year backtest on a seven-year world (two years of history before it).
SHORT = ["data.start=2005-01-03", "data.end=2009-12-31", "features.history_start=2003-01-02"]
#: Shorter warm-up and lighter research sections: seconds per run, same code paths.
FAST = [
    "walk_forward.min_train=252",
    "features.min_periods=126",
    "sweep.enabled=false",
    "analysis.bootstrap_samples=100",
    "strategies.random_regimes.n_paths=20",
]


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


def run_cli(argv) -> CliResult:
    """``backtests.cli.main(argv)`` in-process, capturing stdout and stderr.

    Logging's last-resort handler writes to the current ``sys.stderr``, so
    warnings logged during the run are captured too.
    """
    from backtests.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return CliResult(code, out.getvalue(), err.getvalue())


def leftovers(folder: Path) -> list[str]:
    """Staging (``.<name>.tmp-*``) and backup (``.<name>.old-*``) dirs under ``folder``."""
    return sorted(p.name for p in Path(folder).glob(".*") if ".tmp-" in p.name or ".old-" in p.name)


def tree_bytes(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path, with its bytes."""
    folder = Path(folder)
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="session")
def tiny_snapshot(tmp_path_factory) -> Path:
    """The synthetic world 2005-2009 as ``prices/`` and ``fred/`` CSV folders."""
    from backtests import load_config
    from backtests.runner import load_market
    from data.csv_source import format_fred_csv, format_price_csv

    root = tmp_path_factory.mktemp("tiny_snapshot")
    market = load_market(load_config(overrides=SHORT))
    (root / "prices").mkdir()
    (root / "fred").mkdir()
    for ticker in market.prices.columns:
        (root / "prices" / f"{ticker}.csv").write_text(format_price_csv(market.prices[ticker]))
    for series_id, series in market.macro.items():
        (root / "fred" / f"{series_id}.csv").write_text(format_fred_csv(series, series_id))
    return root


@dataclass
class CsvCase:
    """A private copy of the tiny snapshot and a config that runs on it."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "run.toml"

    @property
    def out(self) -> Path:
        return self.root / "runs" / "out"

    def price(self, ticker: str) -> Path:
        return self.root / "data" / "prices" / f"{ticker}.csv"

    def fred(self, series_id: str) -> Path:
        return self.root / "data" / "fred" / f"{series_id}.csv"

    def run(self, *overrides: str, extra=()) -> CliResult:
        """``regime-bt run CONFIG --no-tearsheets --quiet --out OUT`` with FAST settings."""
        return run_cli(
            [
                "run",
                self.config,
                "--no-tearsheets",
                "--quiet",
                "--out",
                self.out,
                *set_args([*FAST, *overrides]),
                *extra,
            ]
        )


@pytest.fixture
def csv_case(tmp_path, tiny_snapshot) -> CsvCase:
    shutil.copytree(tiny_snapshot, tmp_path / "data")
    (tmp_path / "run.toml").write_text(
        f'extends = "{DEFAULT_TOML.as_posix()}"\n'
        'name = "tiny_csv"\n\n[data]\nsource = "csv"\n'
        'prices_dir = "data/prices"\nfred_dir = "data/fred"\n'
        'start = "2005-01-03"\nend = "2009-12-31"\n'
    )
    return CsvCase(tmp_path)
