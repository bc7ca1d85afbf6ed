"""Benchmark: the reports of one run directory (tearsheets, then the dashboard).

Writes every quantstats tearsheet (in worker processes, as ``python -m
backtests run`` does) and then ``index.html``, and prints the seconds of each
tearsheet (as measured inside its worker) and their mean, the wall time of the
whole tearsheet phase, the dashboard's time and size, and finally one JSON line::

    {"seconds_total": ..., "seconds_tearsheets": ..., "seconds_per_tearsheet": ...,
     "tearsheet_seconds": {strategy: ...}, "seconds_dashboard": ...,
     "n_tearsheets": ..., "processes": ..., "dashboard_bytes": ..., "cpu_count": ...}

``seconds_per_tearsheet`` is the mean time one tearsheet takes inside its
worker (``tearsheet_seconds`` has each one); ``seconds_tearsheets`` is the
wall time of the phase, which is shorter with several worker processes.

``seconds_total`` is the wall time of :func:`reports.write_reports` work:
tearsheets plus dashboard. The run directory is copied first, so the input
is left untouched. Without ``--run-dir`` a default synthetic run is produced
first with ``python -m backtests run --no-tearsheets`` (not timed).

Usage::

    python bench/reports.py [--run-dir DIR] [--processes 2] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reports import render_tearsheets, write_dashboard


def _default_run(scratch: Path) -> Path:
    out = scratch / "default-run"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    subprocess.run(
        [sys.executable, "-m", "backtests", "run", "--out", str(out), "--no-tearsheets", "--quiet"],
        check=True,
        cwd=scratch,
        env=env,
    )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-dir", type=Path, help="an existing run directory (copied)")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        scratch = Path(tmp)
        source = args.run_dir if args.run_dir is not None else _default_run(scratch)
        run_dir = scratch / "run"
        shutil.copytree(source, run_dir, ignore=shutil.ignore_patterns("tearsheets", "index.html"))
        started = time.perf_counter()
        results = render_tearsheets(run_dir, processes=args.processes)
        tearsheet_seconds = time.perf_counter() - started
        dashboard_started = time.perf_counter()
        page = write_dashboard(run_dir)
        dashboard_seconds = time.perf_counter() - dashboard_started
        total = time.perf_counter() - started
        per_tearsheet = {result.strategy: round(result.seconds, 3) for result in results}
        mean_seconds = sum(r.seconds for r in results) / len(results) if results else 0.0
        summary = {
            "seconds_total": round(total, 3),
            "seconds_tearsheets": round(tearsheet_seconds, 3),
            "seconds_per_tearsheet": round(mean_seconds, 3),
            "tearsheet_seconds": per_tearsheet,
            "seconds_dashboard": round(dashboard_seconds, 3),
            "n_tearsheets": len(results),
            "processes": args.processes,
            "dashboard_bytes": page.stat().st_size,
            "cpu_count": os.cpu_count(),
        }
        if not args.json:
            for result in results:
                print(f"tearsheet {result.strategy:<24} {result.seconds:6.2f} s")
            print(f"per tearsheet (mean, worker)   {mean_seconds:6.2f} s")
            print(f"tearsheets (wall)              {tearsheet_seconds:6.2f} s")
            print(
                f"dashboard                      {dashboard_seconds:6.2f} s "
                f"({summary['dashboard_bytes'] / 1e6:.2f} MB)"
            )
            print(f"total                          {total:6.2f} s")
        print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
