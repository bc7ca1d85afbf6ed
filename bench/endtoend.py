"""Benchmark: end-to-end wall times of ``regime-bt`` against the targets of issue 15.

Every figure is measured in a new process started with this interpreter, on
the built-in default config (the synthetic world, fully offline), and is
printed, never asserted:

``first_run_cold``
    ``regime-bt run`` with tearsheets right after a fresh install: numba's
    cache (``NUMBA_CACHE_DIR``) and matplotlib's font cache (``MPLCONFIGDIR``)
    point at new empty temporary folders, so every kernel compiles. Target
    90 s.
``warm_run_tearsheets``, ``warm_run_no_tearsheets``
    The same command again with the caches now warm, with and without
    ``--no-tearsheets``. Target 30 s.
``sweep_after_load``
    ``backtests.runner.run_sweep`` on the default ``[sweep]`` grid after the
    data load (``load_market``, timed apart), in a new process with the warm
    caches; the whole ``regime-bt sweep`` command is timed too, for reference.
    Target 3 s.

For the ``run`` figures the CLI's own "Backtest done in X s" line splits
the time into the backtest and the reports, and ``tearsheets`` counts the
tearsheets written (``report.tearsheet_roles`` chooses them). The machine may be shared: the
1-minute load average is printed before and after each figure, with the CPU
seconds of the figure (user + system of the child and the processes it waited
for, such as the tearsheet workers), which a busy machine inflates less than
the wall time (the sweep's numba kernel uses every core, so its CPU time can
exceed its wall time). With
``--profile DIR`` every child runs under cProfile and writes
``DIR/<figure>.prof`` (profiling adds overhead; use the plain figures as the
measurement).

Usage::

    python bench/endtoend.py [--only NAME ...] [--profile DIR] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

TARGETS = {
    "first_run_cold": 90.0,
    "warm_run_tearsheets": 30.0,
    "warm_run_no_tearsheets": 30.0,
    "sweep_after_load": 3.0,
}

#: Child of ``sweep_after_load``: the data load and the sweep, timed apart.
SWEEP_CHILD = """
import json, sys, time
started = time.perf_counter()
cpu_started = time.process_time()
from backtests import load_config
from backtests.runner import load_market, run_sweep
config = load_config()
imported = time.perf_counter()
market = load_market(config)
loaded, cpu_loaded = time.perf_counter(), time.process_time()
section, table = run_sweep(config, market)
done, cpu_done = time.perf_counter(), time.process_time()
print(json.dumps({"import_seconds": imported - started, "load_seconds": loaded - imported,
                  "sweep_seconds": done - loaded, "sweep_cpu_seconds": cpu_done - cpu_loaded,
                  "n_trials": section["n_trials"]}))
"""


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _child(argv: list[str], env: dict, profile: Path | None) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (the child and the processes it waited for), stdout."""
    command = [sys.executable]
    if profile is not None:
        command += ["-m", "cProfile", "-o", str(profile)]
    command += argv
    cpu_before = _cpu_of_children()
    started = time.perf_counter()
    done = subprocess.run(command, check=False, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return seconds, _cpu_of_children() - cpu_before, done.stdout


def _run_figure(name: str, extra: list[str], out: Path, env: dict, profile: Path | None) -> dict:
    target = out / name
    argv = ["-m", "backtests", "run", "--out", str(target), *extra]
    before = _load()
    seconds, cpu, stdout = _child(argv, env, profile)
    backtest = re.search(r"Backtest done in ([0-9.]+) s", stdout)
    figure = {
        "seconds": round(seconds, 1),
        "target": TARGETS[name],
        "met": seconds <= TARGETS[name],
        "cpu_seconds": round(cpu, 1),
        "load_before": before,
        "load_after": _load(),
    }
    if backtest:
        figure["backtest_seconds"] = float(backtest.group(1))
        figure["reports_seconds"] = round(seconds - float(backtest.group(1)), 1)
    figure["tearsheets"] = len(list((target / "tearsheets").glob("*.html")))
    return figure


def _sweep_figure(out: Path, env: dict, profile: Path | None) -> dict:
    before = _load()
    script = out / "sweep_child.py"
    script.write_text(SWEEP_CHILD, encoding="utf-8")
    _, _, stdout = _child([str(script)], env, profile)
    inner = json.loads(stdout.strip().splitlines()[-1])
    command_seconds, _, _ = _child(
        ["-m", "backtests", "sweep", "--out", str(out / "sweep"), "--quiet"], env, None
    )
    return {
        "seconds": round(inner["sweep_seconds"], 2),
        "target": TARGETS["sweep_after_load"],
        "met": inner["sweep_seconds"] <= TARGETS["sweep_after_load"],
        "cpu_seconds": round(inner["sweep_cpu_seconds"], 2),
        "n_trials": inner["n_trials"],
        "load_seconds": round(inner["load_seconds"], 2),
        "import_seconds": round(inner["import_seconds"], 2),
        "command_seconds": round(command_seconds, 1),
        "load_before": before,
        "load_after": _load(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only",
        action="append",
        choices=list(TARGETS),
        default=None,
        help="measure only these figures (repeatable; the cold run is "
        "always done first when a warm figure is asked for)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        metavar="DIR",
        help="write DIR/<figure>.prof (cProfile) for each figure",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    args = parser.parse_args(argv)
    wanted = args.only or list(TARGETS)
    scratch = Path(tempfile.mkdtemp(prefix="regime-bt-endtoend-"))
    env = {
        **os.environ,
        "NUMBA_CACHE_DIR": str(scratch / "numba-cache"),
        "MPLCONFIGDIR": str(scratch / "matplotlib"),
        "REGIME_BT_NO_PROGRESS": "1",
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)

    def profile(name: str) -> Path | None:
        return None if args.profile is None else args.profile / f"{name}.prof"

    report = {
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "figures": {},
    }
    figures = report["figures"]
    try:
        # The cold run always comes first: it is what warms the caches for the others.
        figures["first_run_cold"] = _run_figure(
            "first_run_cold", [], scratch, env, profile("first_run_cold")
        )
        if "warm_run_tearsheets" in wanted:
            figures["warm_run_tearsheets"] = _run_figure(
                "warm_run_tearsheets", [], scratch, env, profile("warm_run_tearsheets")
            )
        if "warm_run_no_tearsheets" in wanted:
            figures["warm_run_no_tearsheets"] = _run_figure(
                "warm_run_no_tearsheets",
                ["--no-tearsheets"],
                scratch,
                env,
                profile("warm_run_no_tearsheets"),
            )
        if "sweep_after_load" in wanted:
            figures["sweep_after_load"] = _sweep_figure(scratch, env, profile("sweep_after_load"))
    finally:
        report["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
        else:
            report["scratch"] = str(scratch)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
