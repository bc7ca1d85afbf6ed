"""regime-bt study: the grid, label reuse, resume, determinism across executors, bad input.

Every study here runs the same 2x2 grid on a three-year synthetic world with
light research settings: one regime-relevant key (the composite's
``min_dwell``: two walk-forward label sets) and one that is not (fees).
In-process tests use :class:`backtests.executors.InlineExecutor`; the slow
ones start real worker processes (``local``) and a 2-worker Dask
LocalCluster on localhost.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backtests import cli, load_config
from backtests import executors as executors_module
from backtests.executors import InlineExecutor
from backtests.significance import (
    deflated_sharpe_ratio,
    probability_of_backtest_overfitting,
    sharpe_per_period,
)
from backtests.study import (
    HEADLINE_METRICS,
    labels_key,
    plan_study,
    read_labels,
    run_point,
    run_study,
    split_values,
)
from backtests.study_cli import _log_lines, add_study_parser, cmd_study
from data.progress import NO_PROGRESS_ENV
from tests.helpers import set_args

ROOT = Path(__file__).resolve().parents[2]

#: A three-year backtest on a five-year world, light research settings.
TINY = [
    "data.start=2005-01-03",
    "data.end=2007-12-31",
    "features.history_start=2003-01-02",
    "walk_forward.min_train=252",
    "walk_forward.refit_every=63",
    "features.min_periods=126",
    "sweep.enabled=false",
    "analysis.bootstrap_samples=20",
    "analysis.bounds=false",
    "strategies.random_regimes.n_paths=10",
]
#: ... and three strategies only (a config file): about a third of a second a point.
STRATEGIES = ("regime_rotation", "cash_flow_basket", "benchmark")
DWELL, FEES = "regimes.params.composite.min_dwell", "costs.fee_bps"
GRID = [f"{DWELL}=5,20", f"{FEES}=0,25"]


@pytest.fixture(scope="module")
def tiny_toml(tmp_path_factory) -> Path:
    """The TINY settings as a config file with :data:`STRATEGIES` only."""
    import tomli_w

    table = load_config(overrides=TINY).to_dict()
    table["name"] = "tiny"
    table["strategies"] = {k: v for k, v in table["strategies"].items() if k in STRATEGIES}
    path = tmp_path_factory.mktemp("config") / "tiny.toml"
    path.write_text(tomli_w.dumps(table), encoding="utf-8")
    return path


def grid_args(grid) -> list[str]:
    return [arg for text in grid for arg in ("--grid", text)]


# -- helpers ------------------------------------------------------------------------------


class CountingExecutor(InlineExecutor):
    """Inline, counting the tasks it was given by function name."""

    def __init__(self, interrupt_after_points: int | None = None) -> None:
        self.calls: list[str] = []
        self.interrupt_after_points = interrupt_after_points

    def submit(self, function, *args):
        self.calls.append(function.__name__)
        return super().submit(function, *args)

    def count(self, name: str) -> int:
        return self.calls.count(name)


def interrupt_after(n_points: int):
    """A progress wrapper that raises KeyboardInterrupt once ``n_points`` points finished."""

    def wrap(events, pending):
        for count, event in enumerate(events, start=1):
            yield event
            if count == n_points:
                raise KeyboardInterrupt

    return wrap


@contextlib.contextmanager
def study_command():
    """``backtests.cli.main`` with ``study`` wired, as backtests/cli.py does (two lines).

    Until cli.py has the wiring, the test adds it the same way: the subparser via
    :func:`add_study_parser` and the command in ``_COMMANDS``.
    """
    if "study" in cli._COMMANDS:
        yield cli.main
        return
    build = cli._build_parser

    def wired():
        parser = build()
        commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        add_study_parser(commands)
        return parser

    cli._build_parser = wired
    cli._COMMANDS["study"] = cmd_study
    try:
        yield cli.main
    finally:
        cli._build_parser = build
        del cli._COMMANDS["study"]


def regime_bt(argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with study_command() as main, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def inline_executor(monkeypatch):
    """The CLI's executors replaced by one in-process executor (counts its tasks)."""
    executor = CountingExecutor()
    monkeypatch.setattr(executors_module, "make_executor", lambda *args: executor)
    return executor


# -- the grid -----------------------------------------------------------------------------


def test_values_split_at_top_level_commas_only():
    assert split_values("0, 10,25") == ["0", "10", "25"]
    assert split_values('["vix","hy_spread"],["vix"]') == ['["vix","hy_spread"]', '["vix"]']
    assert split_values('"a,b",c') == ['"a,b"', "c"]
    assert split_values(r'"a\",b",c') == [r'"a\",b"', "c"]
    assert split_values("{ MKT = 0.6, TRSY = 0.4 },{ MKT = 1.0 }") == [
        "{ MKT = 0.6, TRSY = 0.4 }",
        "{ MKT = 1.0 }",
    ]


def test_grid_points_are_the_product_in_order_with_values_parsed_like_set():
    plan = plan_study(
        None,
        TINY,
        [
            f"{FEES}=0,25",
            "rebalance.frequency=monthly,weekly",
            'features.use=["vix","hy_spread"],["vix"]',
        ],
    )
    assert len(plan.points) == 8
    first, last = plan.points[0].values, plan.points[-1].values
    assert first == {
        FEES: 0.0,
        "rebalance.frequency": "monthly",
        "features.use": ["vix", "hy_spread"],
    }
    assert last == {FEES: 25.0, "rebalance.frequency": "weekly", "features.use": ["vix"]}
    assert [p.index for p in plan.points] == list(range(8))
    assert plan.points[1].config.features.use == ["vix"]
    assert plan.points[2].config.rebalance.frequency == "weekly"
    assert len({p.point_id for p in plan.points}) == 8
    assert plan.grid()[FEES] == [0.0, 25.0]


def test_labels_key_changes_only_with_regime_relevant_settings():
    # (the default [sweep] grid names composite parameters: cleared so "jump" validates)
    base = load_config(overrides=[*TINY, "sweep.classifier_grid={}"])
    same = [
        "costs.fee_bps=25",
        "rebalance.frequency=weekly",
        "analysis.seed=3",
        "strategies.regime_rotation.scarce_basket=speculative",
        "sweep.enabled=true",
        "report.tearsheets=false",
        "regimes.params.jump.jump_penalty=50.0",
        "execution.lag_days=2",
    ]
    different = [
        "regimes.params.composite.min_dwell=20",
        "walk_forward.refit_every=21",
        "walk_forward.min_train=300",
        'features.use=["vix"]',
        "features.window=252",
        "features.history_start=2004-01-02",
        "data.seed=7",
        "data.end=2008-12-31",
        "regimes.classifier=jump",
        "universe.benchmark=TRSY",
    ]
    for override in same:
        config = load_config(overrides=[*TINY, "sweep.classifier_grid={}", override])
        assert labels_key(config) == labels_key(base), override
    for override in different:
        config = load_config(overrides=[*TINY, "sweep.classifier_grid={}", override])
        assert labels_key(config) != labels_key(base), override


# -- bad input: exit 2 naming the key, before any work ----------------------------------------


BAD_INPUT = {
    "unknown_key": (
        grid_args(["costs.fee_bsp=0,5"]),
        ["--grid costs.fee_bsp", "unknown key 'costs.fee_bsp'", "Did you mean 'fee_bps'?"],
    ),
    "unknown_nested_key": (
        grid_args(["regimes.params.composite.min_dwel=5,10"]),
        ["--grid regimes.params.composite.min_dwel", "Did you mean 'min_dwell'?"],
    ),
    "unknown_table": (grid_args(["cost.fee_bps=0,5"]), ["Did you mean 'costs'?"]),
    "no_grid": ([], ["at least one --grid KEY=V1,V2"]),
    "no_values": (grid_args(["costs.fee_bps="]), ["--grid costs.fee_bps has no values"]),
    "no_equals": (grid_args(["costs.fee_bps"]), ["must look like KEY=V1,V2"]),
    "empty_value": (grid_args(["costs.fee_bps=0,,5"]), ["value 2 is empty"]),
    "key_twice": (
        grid_args(["costs.fee_bps=0", "costs.fee_bps=5"]),
        ["--grid costs.fee_bps is given twice"],
    ),
    "bad_value": (
        grid_args(["costs.fee_bps=0,-5"]),
        ["--grid costs.fee_bps (value -5)", "out of range"],
    ),
    "same_point_twice": (grid_args(["costs.fee_bps=5,5.0"]), ["resolve to the same config"]),
    "set_and_grid": (
        ["--set", "costs.fee_bps=3", *grid_args(["costs.fee_bps=0,5"])],
        ["--grid costs.fee_bps and --set costs.fee_bps both set it"],
    ),
    "unknown_executor": (
        [*grid_args(GRID), "--executor", "dsak"],
        ["--executor 'dsak'", "Did you mean 'dask'?"],
    ),
    "zero_workers": ([*grid_args(GRID), "--workers", "0"], ["--workers 0 must be"]),
    "scheduler_without_dask": (
        [*grid_args(GRID), "--scheduler", "tcp://127.0.0.1:8786"],
        ["--scheduler tcp://127.0.0.1:8786 needs --executor dask"],
    ),
    "scheduler_not_an_address": (
        [*grid_args(GRID), "--executor", "dask", "--scheduler", "localhost"],
        ["--scheduler 'localhost' must be an address"],
    ),
    "workers_with_scheduler": (
        [
            *grid_args(GRID),
            "--executor",
            "dask",
            "--scheduler",
            "tcp://127.0.0.1:8786",
            "--workers",
            "2",
        ],
        ["--workers 2 sizes a cluster", "Drop --workers"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_exit_2_naming_the_key_before_any_work(case, tmp_path, inline_executor):
    argv, fragments = BAD_INPUT[case]
    out = tmp_path / "study"
    code, _, err = regime_bt(["study", *set_args(TINY), *argv, "--out", out])
    assert code == 2, err
    for fragment in fragments:
        assert fragment in err
    assert "Traceback" not in err
    assert inline_executor.calls == [] and not out.exists()


def test_unreachable_scheduler_is_exit_2_within_the_connect_timeout(tmp_path, monkeypatch):
    monkeypatch.setattr(executors_module, "CONNECT_TIMEOUT_SECONDS", 1.0)
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.perf_counter()
    code, _, err = regime_bt(
        [
            "study",
            *set_args(TINY),
            *grid_args(GRID),
            "--executor",
            "dask",
            "--scheduler",
            f"tcp://127.0.0.1:{port}",
            "--out",
            tmp_path / "study",
        ]
    )
    assert code == 2, err
    assert f"--scheduler tcp://127.0.0.1:{port}: no Dask scheduler answered within 1 s" in err
    assert "dask scheduler" in err and "Traceback" not in err
    assert time.perf_counter() - started < 15
    assert not (tmp_path / "study" / "points").exists()


def test_a_scheduler_without_workers_is_exit_2(tmp_path, monkeypatch):
    from distributed import LocalCluster

    monkeypatch.setattr(executors_module, "CONNECT_TIMEOUT_SECONDS", 1.0)
    with LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        code, _, err = regime_bt(
            [
                "study",
                *set_args(TINY),
                *grid_args(GRID),
                "--executor",
                "dask",
                "--scheduler",
                address,
                "--out",
                tmp_path / "study",
            ]
        )
    assert code == 2, err
    assert f"--scheduler {address}: the scheduler answered but has no worker" in err
    assert f"dask worker {address}" in err and "Traceback" not in err


def test_missing_dask_names_the_extra_to_install(tmp_path, monkeypatch, inline_executor):
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` fails
    code, _, err = regime_bt(
        [
            "study",
            *set_args(TINY),
            *grid_args(GRID),
            "--executor",
            "dask",
            "--out",
            tmp_path / "study",
        ]
    )
    assert code == 2
    assert 'pip install "regime-backtester[dask]"' in err and "--executor dask" in err
    assert inline_executor.calls == []


@pytest.mark.parametrize("kind", ["file", "other_directory"])
def test_out_that_is_not_a_study_is_refused(kind, tmp_path, inline_executor):
    out = tmp_path / "out"
    if kind == "file":
        out.write_text("keep me")
    else:
        out.mkdir()
        (out / "metrics.json").write_text("{}")
    code, _, err = regime_bt(["study", *set_args(TINY), *grid_args(GRID), "--out", out])
    assert code == 2 and "--out" in err and "Traceback" not in err
    assert inline_executor.calls == []
    if kind == "file":
        assert out.read_text() == "keep me"
    else:
        assert sorted(p.name for p in out.iterdir()) == ["metrics.json"]


# -- a study in process ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def plan(tiny_toml):
    return plan_study(tiny_toml, [], GRID)


@pytest.fixture(scope="module")
def inline_study(plan, tmp_path_factory):
    out = tmp_path_factory.mktemp("study") / "inline"
    executor = CountingExecutor()
    outcome = run_study(plan, out, executor)
    return out, outcome, executor


@pytest.fixture(scope="module")
def direct_runs(plan):
    """Each point run on its own with the plain library call (labels computed inside)."""
    from backtests import run

    return [run(point.config) for point in plan.points]


def test_labels_are_computed_once_per_regime_setting_and_reused(inline_study, plan):
    out, outcome, executor = inline_study
    assert executor.count("compute_labels") == 2  # min_dwell 5 and 20; fees share them
    assert executor.count("run_point") == 4
    files = sorted(p.stem for p in (out / "regimes").glob("*.parquet"))
    assert files == sorted({p.labels_key for p in plan.points})
    assert plan.points[0].labels_key == plan.points[1].labels_key != plan.points[2].labels_key
    labels = read_labels(out / "regimes" / f"{plan.points[0].labels_key}.parquet")
    assert list(labels.columns) == ["regime", "p_scarce"] and labels["regime"].dtype == object
    assert outcome.summary["label_sets"] == 2


def test_cached_labels_read_back_equal_to_the_computed_ones(inline_study, plan):
    from backtests.runner import load_inputs, load_market, make_estimator, walk_forward_history

    out, _, _ = inline_study
    config = plan.points[2].config
    inputs = load_inputs(config, load_market(config))
    fresh = walk_forward_history(config, inputs, make_estimator(config, signs=inputs.feature_signs))
    cached = read_labels(out / "regimes" / f"{plan.points[2].labels_key}.parquet")
    pd.testing.assert_frame_equal(cached, fresh)


def test_each_row_is_the_plain_run_of_its_point(inline_study, direct_runs, plan):
    _, outcome, _ = inline_study
    table = outcome.table
    assert list(table["point"]) == [0, 1, 2, 3]
    assert list(table[DWELL]) == [5, 5, 20, 20] and list(table[FEES]) == [0.0, 25.0, 0.0, 25.0]
    strategies = list(direct_runs[0].metrics["strategies"])
    expected = [
        "point",
        "point_id",
        DWELL,
        FEES,
        *(f"{s}.{m}" for s in strategies for m in HEADLINE_METRICS),
        "error",
    ]
    assert list(table.columns) == expected
    for index, result in enumerate(direct_runs):
        for strategy, entry in result.metrics["strategies"].items():
            for metric in HEADLINE_METRICS:
                value, want = table.loc[index, f"{strategy}.{metric}"], entry["overall"][metric]
                assert (np.isnan(value) and want is None) or value == want, (
                    index,
                    strategy,
                    metric,
                )
    assert (table["error"] == "").all()
    # the grid's keys matter: fees and dwell both move the rotation
    sharpe = table["regime_rotation.sharpe"]
    assert sharpe[0] != sharpe[1] and sharpe[0] != sharpe[2]


def test_study_json_has_the_grid_and_the_rotation_dsr_and_pbo(inline_study, direct_runs, plan):
    out, outcome, _ = inline_study
    summary = json.loads((out / "study.json").read_text())
    assert summary == json.loads(json.dumps(outcome.summary))
    assert summary["grid"] == {DWELL: [5, 20], FEES: [0.0, 25.0]}
    assert summary["n_points"] == 4 and summary["n_failed"] == 0
    section = summary["rotation"]
    assert section["strategy"] == "regime_rotation" and section["n_trials"] == 4
    excess = [
        (r.returns["regime_rotation"] - r.cash_returns).iloc[1:].to_numpy() for r in direct_runs
    ]
    trials = np.array([sharpe_per_period(e) for e in excess])
    best = int(np.argmax(trials))
    assert (
        section["best"]["point"] == best and section["best"]["values"] == plan.points[best].values
    )
    deflated = deflated_sharpe_ratio(excess[best], trials)
    assert section["deflated_sharpe"]["dsr"] == pytest.approx(deflated["dsr"], rel=1e-12)
    assert section["deflated_sharpe"]["n_trials"] == 4
    pbo = probability_of_backtest_overfitting(np.column_stack(excess), 16)
    assert section["pbo"]["pbo"] == pytest.approx(pbo["pbo"], rel=1e-12)
    assert section["pbo"]["n_days"] == len(excess[0])


def test_a_task_in_this_process_leaves_the_environment_as_it_found_it(
    inline_study, plan, monkeypatch
):
    from threadpoolctl import threadpool_info

    out, _, _ = inline_study
    monkeypatch.delenv(NO_PROGRESS_ENV, raising=False)
    threads = [pool["num_threads"] for pool in threadpool_info()]
    point = plan.points[0]
    record = run_point(
        point.config, "use", read_labels(out / "regimes" / f"{point.labels_key}.parquet")
    )
    assert "error" not in record
    assert NO_PROGRESS_ENV not in os.environ
    assert [pool["num_threads"] for pool in threadpool_info()] == threads


def test_study_files_agree(inline_study):
    out, outcome, _ = inline_study
    csv = pd.read_csv(out / "study.csv")
    parquet = pd.read_parquet(out / "study.parquet")
    assert list(csv.columns) == list(parquet.columns) == list(outcome.table.columns)
    np.testing.assert_array_equal(csv["regime_rotation.sharpe"], parquet["regime_rotation.sharpe"])
    text = (out / "study.csv").read_text()
    assert "\r" not in text and text.endswith("\n")
    assert len(list((out / "points").glob("*.json"))) == 4


def test_interrupted_study_resumes_with_only_the_missing_points(plan, inline_study, tmp_path):
    out = tmp_path / "study"
    first = CountingExecutor()
    with pytest.raises(KeyboardInterrupt):
        run_study(plan, out, first, progress=interrupt_after(2))
    assert len(list((out / "points").glob("*.json"))) == 2
    assert not (out / "study.csv").exists()
    resumed = CountingExecutor()
    run_study(plan, out, resumed)
    assert resumed.count("run_point") == 2
    # both label sets were written before the interrupt: none is recomputed
    assert first.count("compute_labels") == 2 and resumed.count("compute_labels") == 0
    reference, _, _ = inline_study
    assert (out / "study.csv").read_bytes() == (reference / "study.csv").read_bytes()
    assert (out / "study.json").read_bytes() == (reference / "study.json").read_bytes()
    # nothing left to do: a rerun runs nothing and writes the same bytes
    again = CountingExecutor()
    run_study(plan, out, again)
    assert again.calls == []
    assert (out / "study.csv").read_bytes() == (reference / "study.csv").read_bytes()


def test_a_torn_point_or_labels_file_is_recomputed(plan, inline_study, tmp_path):
    import shutil

    reference, _, _ = inline_study
    out = tmp_path / "study"
    shutil.copytree(reference, out)
    torn = out / "points" / f"{plan.points[3].point_id}.json"
    torn.write_text(torn.read_text()[:100])
    (out / "regimes" / f"{plan.points[3].labels_key}.parquet").write_bytes(b"PAR1 garbage")
    executor = CountingExecutor()
    run_study(plan, out, executor)
    assert executor.calls == ["compute_labels", "run_point"]
    assert (out / "study.csv").read_bytes() == (reference / "study.csv").read_bytes()


def test_a_grown_grid_runs_only_its_new_points(inline_study, tiny_toml, tmp_path):
    import shutil

    reference, _, _ = inline_study
    out = tmp_path / "study"
    shutil.copytree(reference, out)
    grown = plan_study(tiny_toml, [], [f"{DWELL}=5,20", f"{FEES}=0,25,50"])
    executor = CountingExecutor()
    outcome = run_study(grown, out, executor)
    assert executor.count("run_point") == 2 and executor.count("compute_labels") == 0
    assert list(outcome.table[FEES]) == [0.0, 25.0, 50.0, 0.0, 25.0, 50.0]


def test_cli_study_writes_every_file_and_a_failed_point_is_exit_2_and_retried(
    tmp_path, tiny_toml, inline_executor
):
    out = tmp_path / "study"
    # enter_threshold 9 never enters "scarce": that point fails with a clear DataError
    argv = [
        "study",
        tiny_toml,
        *grid_args(["regimes.params.composite.enter_threshold=0.5,9.0"]),
        "--out",
        out,
    ]
    code, _, err = regime_bt(argv)
    assert code == 2, err
    assert "study point 1 (regimes.params.composite.enter_threshold=9.0)" in err
    assert "only one regime" in err and "1 of 2 points failed" in err
    assert "Traceback" not in err
    assert {p.name for p in out.iterdir()} >= {
        "points",
        "regimes",
        "study.csv",
        "study.parquet",
        "study.json",
        "study.html",
    }
    table = pd.read_csv(out / "study.csv", keep_default_na=False)
    assert table.loc[0, "error"] == "" and "only one regime" in table.loc[1, "error"]
    assert json.loads((out / "study.json").read_text())["n_failed"] == 1
    # the progress lines (no terminal here): count, rate and ETA
    assert "study: 2/2 points done" in err and "points/s, ETA" in err
    calls = len(inline_executor.calls)
    assert regime_bt(argv)[0] == 2
    assert inline_executor.calls[calls:] == ["run_point"]  # only the failed point again


def test_progress_lines_are_throttled_and_say_done_rate_and_eta():
    from backtests.study import PointDone

    stream = io.StringIO()
    events = [PointDone(i, None, 0.1) for i in range(5)]
    assert (
        list(_log_lines(iter(events), total=8, done_before=3, stream=stream, every=3600.0))
        == events
    )
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2  # the first and the last, nothing in between within the hour
    assert lines[0].startswith("study: 4/8 points done, ") and "ETA" in lines[0]
    assert lines[1].startswith("study: 8/8 points done, ") and lines[1].endswith("ETA 0 s")


def test_study_html_is_self_contained_sorted_and_escaped(tmp_path, tiny_toml, inline_executor):
    out = tmp_path / "study"
    name = 'name="<script>alert(1)"'  # no "/": the name is a file name too
    code, stdout, err = regime_bt(
        [
            "study",
            tiny_toml,
            *set_args([name]),
            *grid_args([f"{FEES}=0,25"]),
            "--out",
            out,
            "--quiet",
        ]
    )
    assert code == 0, err
    assert stdout == ""
    page = (out / "study.html").read_text()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert 'class="sortable study"' in page and page.count("<svg") == 1
    # nothing is fetched: no src, no stylesheet link, no import, no remote url() or href
    # (the SVG namespace and metadata URIs are names, not fetches)
    assert not re.search(
        r"\bsrc\s*=|<link\b|@import|url\(\s*['\"]?(https?:)?//"
        r"|href\s*=\s*['\"]?(https?:)?//",
        page,
        re.IGNORECASE,
    )
    assert page.count('<tr class="best">') == 1


# -- real processes (slow) --------------------------------------------------------------------


@pytest.mark.slow
def test_local_and_dask_executors_write_byte_identical_study_csv(tmp_path, tiny_toml, inline_study):
    reference, _, _ = inline_study
    runs = {
        "local": ["--executor", "local", "--workers", "2"],
        "dask": ["--executor", "dask", "--workers", "2"],
    }
    for name, options in runs.items():
        out = tmp_path / name
        code, stdout, err = regime_bt(
            ["study", tiny_toml, *grid_args(GRID), *options, "--out", out]
        )
        assert code == 0, err
        assert (
            "on local (2 worker processes)" in stdout
            if name == "local"
            else "dask (2 workers on a LocalCluster" in stdout
        )
        assert len(list((out / "regimes").glob("*.parquet"))) == 2
    for name in runs:
        for file in ("study.csv", "study.json"):
            assert (tmp_path / name / file).read_bytes() == (reference / file).read_bytes(), (
                name,
                file,
            )


@pytest.mark.slow
def test_a_killed_study_process_resumes_with_the_missing_points(
    plan, inline_study, tiny_toml, tmp_path
):
    out = tmp_path / "study"
    # The child pauses after its first finished point, so the kill lands mid-study
    # however busy the machine is.
    script = (
        "import sys, time\n"
        "from backtests.executors import InlineExecutor\n"
        "from backtests.study import plan_study, run_study\n"
        "def pause_after_first(events, pending):\n"
        "    for event in events:\n"
        "        yield event\n"
        "        time.sleep(600)\n"
        f"plan = plan_study({str(tiny_toml)!r}, [], {GRID!r})\n"
        "run_study(plan, sys.argv[1], InlineExecutor(), progress=pause_after_first)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(out)],
        cwd=ROOT,
        env={**os.environ, "REGIME_BT_NO_PROGRESS": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if len(list((out / "points").glob("*.json"))) >= 1:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert len(list((out / "points").glob("*.json"))) == 1
    assert not (out / "study.csv").exists()
    executor = CountingExecutor()
    run_study(plan, out, executor)
    assert executor.count("run_point") == 3
    reference, _, _ = inline_study
    assert (out / "study.csv").read_bytes() == (reference / "study.csv").read_bytes()
