"""Guarantee 2: bad input gets a clear error (exit 2, no traceback), and nothing is lost.

Each data case damages one file of a private copy of the tiny CSV world and
runs the real CLI (``backtests.cli.main``) in-process. A case passes when the
exit code is 2, stderr holds the expected fragment and no traceback, and no
run directory (final, staging or backup) was created.

Formats that are *not* errors by design (the ``csv`` source documents them)
are checked at the parser: unsorted rows are sorted, timezone-aware stamps
keep their local date, and ``null``/``.``/empty cells are missing values.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from data import DataError
from data.atomic import atomic_directory
from data.checks import check_prices, price_jumps
from data.csv_source import parse_price_csv
from regimes import DEFAULT_FEATURES
from tests.reliability.conftest import leftovers, run_cli, tree_bytes


def _lines(path):
    return path.read_text().splitlines(keepends=True)


def _set_row(path, row, value):
    lines = _lines(path)
    lines[row] = f"{lines[row].split(',')[0]},{value}\n"
    path.write_text("".join(lines))


def _scale_row(path, row, factor):
    lines = _lines(path)
    day, price = lines[row].strip().split(",")
    lines[row] = f"{day},{float(price) * factor!r}\n"
    path.write_text("".join(lines))


def _keep_rows(path, keep):
    lines = _lines(path)
    path.write_text(lines[0] + "".join(line for line in lines[1:] if keep(line[:10])))


def _constant(path, value="20.0"):
    lines = _lines(path)
    path.write_text(lines[0] + "".join(f"{line.split(',')[0]},{value}\n" for line in lines[1:]))


def _monthly(path):
    """Keep the first row of each month: a monthly series under a daily series' name."""
    lines = _lines(path)
    months, kept = set(), [lines[0]]
    for line in lines[1:]:
        if line[:7] not in months:
            months.add(line[:7])
            kept.append(line[:8] + "01," + line.split(",", 1)[1])
    path.write_text("".join(kept))


def _define(name, transform, inputs, sign=-1, **params):
    """``--set`` overrides declaring ``[features.define.<name>]``."""
    table = {"transform": transform, "inputs": inputs, "sign": sign, **params}
    return [
        f"features.define.{name}.{key}={value!r}".replace("'", '"') for key, value in table.items()
    ]


SPECULATIVE = ["XBT-USD", "INNO", "SAASA", "SAASB"]

# (id, damage(case), extra --set overrides, expected stderr fragment)
DATA_CASES = [
    ("empty_file", lambda c: c.price("INNO").write_text(""), [], "INNO.csv for 'INNO' is empty"),
    (
        "header_only",
        lambda c: c.price("INNO").write_text("Date,Adj Close\n"),
        [],
        "INNO (it has no prices at all)",
    ),
    (
        "wrong_column",
        lambda c: c.price("INNO").write_text(
            c.price("INNO").read_text().replace("Adj Close", "Price", 1)
        ),
        [],
        "needs a `Date` column and an `Adj Close` or `Close` column",
    ),
    (
        "missing_date_column",
        lambda c: c.price("INNO").write_text(
            c.price("INNO").read_text().replace("Date", "When", 1)
        ),
        [],
        "got When, Adj Close",
    ),
    (
        "fred_wrong_header",
        lambda c: c.fred("VIXCLS").write_text(
            c.fred("VIXCLS").read_text().replace("observation_date", "day", 1)
        ),
        [],
        "expected a header `observation_date,VIXCLS`",
    ),
    (
        "duplicate_dates",
        lambda c: c.price("INNO").write_text(
            c.price("INNO").read_text() + _lines(c.price("INNO"))[-1]
        ),
        [],
        "duplicate date 2009-12-31 in the price file for 'INNO' (lines",
    ),
    (
        "unparsable_date",
        lambda c: c.price("INNO").write_text(
            c.price("INNO").read_text().replace("\n2006-03-01,", "\n01/03/2006,")
        ),
        [],
        "unparsable date '01/03/2006'",
    ),
    (
        "truncated_last_row",
        lambda c: c.price("MKT").write_text(
            c.price("MKT").read_text()[:-1].rsplit("\n", 1)[0] + "\n2009-12-3"
        ),
        [],
        "unparsable date '2009-12-3'",
    ),
    (
        "non_numeric_na",
        lambda c: _set_row(c.price("INNO"), 100, "#N/A"),
        [],
        "non-numeric price '#N/A' for 'INNO'",
    ),
    (
        "non_numeric_text",
        lambda c: _set_row(c.price("INNO"), 100, "n.a."),
        [],
        "non-numeric price 'n.a.'",
    ),
    (
        "fred_non_numeric",
        lambda c: _set_row(c.fred("DGS10"), 50, "#N/A"),
        [],
        "series 'DGS10' has a non-numeric value '#N/A'",
    ),
    (
        "negative_price",
        lambda c: _set_row(c.price("INNO"), 100, "-3.5"),
        [],
        "non-positive price -3.5 for 'INNO' on ",
    ),
    (
        "zero_price",
        lambda c: _set_row(c.price("MKT"), 100, "0"),
        [],
        "non-positive price 0 for 'MKT' on ",
    ),
    (
        "bad_split_down",
        lambda c: _scale_row(c.price("INNO"), 100, 0.05),
        [],
        "likely an unadjusted split",
    ),
    ("bad_split_up", lambda c: _scale_row(c.price("FRUT"), 200, 12.0), [], "FRUT +"),
    (
        "ticker_no_data_in_range",
        lambda c: c.price("INNO").write_text("Date,Adj Close\n1999-01-04,10\n1999-01-05,11\n"),
        [],
        "INNO (its data covers 1999-01-04..1999-01-05)",
    ),
    ("ticker_file_missing", lambda c: c.price("SAASB").unlink(), [], "no price file for 'SAASB'"),
    (
        "basket_unlisted_at_start",
        lambda c: [_keep_rows(c.price(t), lambda d: d >= "2007") for t in SPECULATIVE],
        [],
        "basket speculative (XBT-USD, INNO, SAASA, SAASB) first has data on 2007-01-01",
    ),
    (
        "basket_unlisted_later",
        lambda c: [_keep_rows(c.price(t), lambda d: d < "2008") for t in SPECULATIVE],
        [],
        "basket speculative (XBT-USD, INNO, SAASA, SAASB) has no listed member",
    ),
    (
        "fred_id_missing",
        lambda c: None,
        [
            (
                "data.series=['WALCL', 'WTREGEN', 'RRPONTSYD', 'DGS10', 'BAMLH0A0HYM2', "
                "'DTWEXBGS', 'VIXCLS', 'NOPE']"
            )
        ],
        "series 'NOPE' has no spec: declare it in the config as [series.NOPE]",
    ),
    (
        "fred_returns_html",
        lambda c: c.fred("WALCL").write_text("<!DOCTYPE html><html></html>"),
        [],
        "the series id is probably wrong",
    ),
    (
        "feature_zero_variance",
        lambda c: _constant(c.fred("VIXCLS")),
        [],
        "vix is always 20 (reads VIXCLS)",
    ),
    (
        "classifier_one_regime",
        lambda c: None,
        [
            "regimes.params.composite.enter_threshold=50.0",
            "regimes.params.composite.exit_threshold=49.0",
        ],
        "found only one regime ('abundant')",
    ),
    # A declared feature over a known series whose file is not in the folder.
    (
        "define_missing_series",
        lambda c: None,
        [*_define("baa", "level", ["BAA10Y"]), f"features.use={[*DEFAULT_FEATURES, 'baa']!r}"],
        "no FRED file for 'BAA10Y'",
    ),
    # A monthly series stored under a daily series' name (issue 12).
    (
        "frequency_mismatch",
        lambda c: _monthly(c.fred("DGS10")),
        [],
        (
            "series DGS10 (csv DGS10) is declared daily but its observations are 31 days apart "
            "(median), like a monthly series"
        ),
    ),
    # First releases cannot be made from FRED's latest-vintage download (issue 12).
    (
        "first_release_on_latest_files",
        lambda c: None,
        ["data.vintage=first_release"],
        (
            "holds FRED's latest vintage of the revised series DTWEXBGS (no `published` column). "
            "First releases come from ALFRED, which needs the network source and a FRED API key: "
            "set FRED_API_KEY (`export FRED_API_KEY="
        ),
    ),
]

CONFIG_CASES = [
    ("unknown_key", ["data.sauce=csv"], "unknown key 'data.sauce'. Did you mean 'source'?"),
    ("unknown_nested_key", ["costs.fee_bsp=5"], "Did you mean 'fee_bps'?"),
    ("wrong_type", ["data.seed='x'"], "data.seed = 'x' must be of type int"),
    ("wrong_type_table", ["costs=5"], "[costs] must be a table"),
    ("not_a_date", ["data.start=2005-13-01"], "is not an ISO date"),
    (
        "start_after_end",
        ["data.start=2010-01-01"],
        "data.start (2010-01-01) must be before data.end (2009-12-31)",
    ),
    ("start_equals_end", ["data.start=2009-12-31"], "must be before data.end"),
    ("fee_below_zero", ["costs.fee_bps=-1"], "costs.fee_bps = -1.0 is out of range"),
    ("fee_absurd", ["costs.fee_bps=5000"], "costs.fee_bps = 5000.0 is out of range"),
    ("slippage_absurd", ["costs.slippage_bps=1e9"], "costs.slippage_bps"),
    ("bad_jump_mode", ["data.bad_jump=ignore"], "data.bad_jump = 'ignore' is not allowed"),
    ("unknown_classifier", ["regimes.classifier=hmmm"], "Did you mean 'hmm'?"),
    # Declared features ([features.define.<name>], issue 14): the message names the key.
    (
        "define_unknown_transform",
        _define("x", "levle", ["VIXCLS"]),
        "features.define.x.transform: 'levle' is not a transform. Did you mean 'level'?",
    ),
    (
        "define_cycle",
        [*_define("a", "level", ["b"]), *_define("b", "level", ["a"])],
        "features.define.a: the definitions form a cycle: a -> b -> a.",
    ),
    (
        "define_unknown_series",
        _define("x", "level", ["BAA10"]),
        "features.define.x.inputs: unknown input 'BAA10'. Did you mean 'BAA10Y'?",
    ),
    # Checked for the features in use (a definition no feature uses is not computed).
    (
        "define_window_longer_than_history",
        [*_define("slow", "change", ["VIXCLS"], weeks=2000), 'features.use=["vix", "slow"]'],
        "features.define.slow.weeks: the window is 10000 trading days but its inputs have only",
    ),
]


def _assert_clean_failure(case, result, fragment):
    assert result.code == 2, result.stderr
    assert fragment in result.stderr
    assert result.stderr.startswith("regime-bt: error: ")
    assert "Traceback" not in result.stderr and 'File "' not in result.stderr
    assert not case.out.exists()
    if case.out.parent.exists():
        assert leftovers(case.out.parent) == []


@pytest.mark.parametrize(
    "damage, overrides, fragment", [c[1:] for c in DATA_CASES], ids=[c[0] for c in DATA_CASES]
)
def test_bad_data_is_exit_2_with_a_clear_message(csv_case, damage, overrides, fragment):
    damage(csv_case)
    _assert_clean_failure(csv_case, csv_case.run(*overrides), fragment)


@pytest.mark.parametrize(
    "overrides, fragment", [c[1:] for c in CONFIG_CASES], ids=[c[0] for c in CONFIG_CASES]
)
def test_bad_config_is_exit_2_with_a_clear_message(csv_case, overrides, fragment):
    _assert_clean_failure(csv_case, csv_case.run(*overrides), fragment)


def test_bad_config_file_keys_name_the_file(csv_case):
    csv_case.config.write_text(csv_case.config.read_text() + "\n[costs]\nfee_bps = -2.0\n")
    result = csv_case.run()
    _assert_clean_failure(csv_case, result, f"{csv_case.config}: costs.fee_bps = -2.0")


def test_bad_input_through_a_real_process_prints_no_traceback(csv_case):
    """Once through ``python -m backtests`` itself (the in-process cases cover the rest)."""
    import subprocess
    import sys

    from tests.reliability.conftest import ROOT

    _set_row(csv_case.price("INNO"), 100, "#N/A")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "backtests",
            "run",
            str(csv_case.config),
            "--no-tearsheets",
            "--out",
            str(csv_case.out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "non-numeric price '#N/A'" in done.stderr and "Traceback" not in done.stderr
    assert not csv_case.out.exists() and leftovers(csv_case.out.parent) == []


# -- a jump is an error or a warning, as configured -----------------------------


def test_bad_jump_warn_runs_and_says_so(csv_case, caplog):
    """A logged warning (in a real process, logging's last-resort handler prints it)."""
    _scale_row(csv_case.price("INNO"), 100, 0.05)
    with caplog.at_level(logging.WARNING, logger="data.checks"):
        result = csv_case.run("data.bad_jump=warn")
    assert result.code == 0, result.stderr
    assert "INNO -9" in caplog.text and 'data.bad_jump = "warn"' in caplog.text
    assert (csv_case.out / "metrics.json").is_file()


def test_check_prices_modes_and_message(caplog):
    index = pd.bdate_range("2020-01-01", periods=5)
    prices = {
        "A": pd.Series([10.0, 10.5, 1.0, 1.1, 1.2], index=index),
        "B": pd.Series([5.0, 5.1, 5.2, 5.3, 5.4], index=index),
    }
    before = {k: v.copy() for k, v in prices.items()}
    with pytest.raises(DataError, match=r"A -90\.5% on 2020-01-03"):
        check_prices(prices, ["A", "B"], "2020-01-01", "2020-01-31")
    with caplog.at_level(logging.WARNING, logger="data.checks"):
        check_prices(prices, ["A", "B"], "2020-01-01", "2020-01-31", bad_jump="warn")
    assert "A -90.5% on 2020-01-03" in caplog.text
    for key, series in prices.items():  # inputs are left unchanged
        pd.testing.assert_series_equal(series, before[key])
    with pytest.raises(DataError, match="bad_jump = 'sometimes'"):
        check_prices(prices, ["A"], "2020-01-01", "2020-01-31", bad_jump="sometimes")


@pytest.mark.parametrize(
    "moves, flagged",
    [
        ([1.0, 0.5, 0.25], 0),  # -50%, -50%: legitimate crashes are not flagged
        ([1.0, 1.92], 0),  # +92% (the synthetic crypto's biggest day)
        ([1.0, 0.1], 1),  # -90%: a 10:1 split, unadjusted
        ([1.0, 10.0], 1),  # x10: a 1:10 reverse split, unadjusted
        ([1.0, np.nan, 0.05], 1),  # across a missing day
    ],
)
def test_price_jumps_threshold(moves, flagged):
    series = pd.Series(moves, index=pd.bdate_range("2020-01-01", periods=len(moves)))
    assert len(price_jumps(series)) == flagged


# -- documented formats that are not errors: nothing is lost ---------------------

CLEAN = "Date,Adj Close\n2024-01-02,10.0\n2024-01-03,10.5\n2024-01-04,11.0\n"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Date,Adj Close\n2024-01-04,11.0\n2024-01-02,10.0\n2024-01-03,10.5\n", [10.0, 10.5, 11.0]),
        (
            (
                "Date,Adj Close\n2024-01-02 00:00:00-05:00,10.0\n2024-01-03 00:00:00-05:00,10.5\n"
                "2024-01-04 00:00:00-05:00,11.0\n"
            ),
            [10.0, 10.5, 11.0],
        ),
        ("Date,Adj Close\n2024-01-02,10.0\n2024-01-03,null\n2024-01-04,11.0\n", [10.0, 11.0]),
        ("Date,Adj Close\n2024-01-02,10.0\n2024-01-03,.\n2024-01-04,11.0\n", [10.0, 11.0]),
        ("Date,Adj Close\n2024-01-02,10.0\n2024-01-03,\n2024-01-04,11.0\n", [10.0, 11.0]),
    ],
    ids=["unsorted", "tz_aware", "null", "dot", "empty_cell"],
)
def test_documented_formats_parse_without_loss(text, expected):
    series = parse_price_csv(text, "X")
    clean = parse_price_csv(CLEAN, "X")
    assert series.tolist() == expected
    assert series.index.tz is None and series.index.is_monotonic_increasing
    # Every priced row of the input is kept, on its local trading date.
    pd.testing.assert_series_equal(series, clean.loc[series.index])


# -- no partial run directory; an existing one is never half-overwritten ----------


def _existing_run(case):
    case.out.mkdir(parents=True)
    (case.out / "metrics.json").write_text('{"old": true}\n')
    (case.out / "weights").mkdir()
    (case.out / "weights" / "x.csv").write_text("date,x\n")
    return tree_bytes(case.out)


def test_failing_run_leaves_an_existing_run_dir_byte_identical(csv_case):
    before = _existing_run(csv_case)
    _set_row(csv_case.price("INNO"), 100, "#N/A")
    result = csv_case.run()
    assert result.code == 2
    assert tree_bytes(csv_case.out) == before
    assert leftovers(csv_case.out.parent) == []


@pytest.mark.parametrize(
    "fault, code", [(RuntimeError("disk on fire"), 3), (KeyboardInterrupt(), 130)]
)
def test_failure_while_writing_keeps_the_old_run_dir(csv_case, monkeypatch, fault, code):
    """The run succeeds, then writing the reports fails half-way (or is interrupted)."""
    import reports

    before = _existing_run(csv_case)

    def broken_reports(staging, **kwargs):
        assert (staging / "metrics.json").is_file()  # data files were written into staging
        raise fault

    monkeypatch.setattr(reports, "write_reports", broken_reports)
    result = csv_case.run()
    assert result.code == code, result.stderr
    assert "Traceback" not in result.stderr
    assert tree_bytes(csv_case.out) == before
    assert leftovers(csv_case.out.parent) == []


def test_atomic_run_dir_restores_the_old_dir_when_the_final_rename_fails(tmp_path, monkeypatch):
    import os

    destination = tmp_path / "run"
    destination.mkdir()
    (destination / "metrics.json").write_text("old\n")
    real_replace = os.replace

    def failing_replace(source, target):
        if ".tmp-" in str(source):
            raise OSError(28, "No space left on device")
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError), atomic_directory(destination) as staging:
        (staging / "metrics.json").write_text("new\n")
    assert (destination / "metrics.json").read_text() == "old\n"
    assert leftovers(tmp_path) == []


def test_successful_rerun_replaces_the_run_dir_whole(csv_case):
    _existing_run(csv_case)
    result = csv_case.run()
    assert result.code == 0, result.stderr
    assert not (csv_case.out / "weights" / "x.csv").exists()  # nothing stale survives
    assert '"old"' not in (csv_case.out / "metrics.json").read_text()
    assert leftovers(csv_case.out.parent) == []


def test_no_run_dir_before_the_cli_has_a_result(csv_case):
    """Sanity: an error before any output leaves the parent folder untouched too."""
    result = run_cli(["run", csv_case.config, "--out", csv_case.out, "--set", "data.seed=x"])
    assert result.code == 2
    assert not csv_case.out.parent.exists()
