"""``regime-bt``: the command-line interface.

The CLI is thin: parse arguments, load the config, call the library, write
outputs. It is also the composition root of the project: with
:mod:`backtests.study_cli` (``regime-bt study``), the only module in
``backtests`` that reaches into ``reports`` (lazily, inside :func:`_cmd_run`),
so that the library API (:func:`backtests.run`) never depends on the HTML
layer and the import flow data -> regimes -> strategies -> backtests ->
reports holds everywhere else.

Exit codes: 0 ok, 1 check failed, 2 bad input or config, 3 internal error
(a short message plus the path of a full traceback log).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

from backtests.config import ConfigError, dump_config, load_config
from backtests.study_cli import add_cache_args, add_study_parser, cmd_study
from data import DataError
from data.atomic import atomic_directory, check_output_directory
from data.progress import NO_PROGRESS_ENV, stage

__all__ = ["main"]

EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    """argparse that exits with code 2 and a one-line hint, never a traceback."""

    def error(self, message: str) -> None:  # pragma: no cover - argparse plumbing
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"regime-bt: error: {message}\n")


def _add_config_args(parser: argparse.ArgumentParser, optional: bool = True) -> None:
    parser.add_argument(
        "config",
        nargs="?" if optional else None,
        default=None,
        help="TOML config file (default: the built-in synthetic-world config)",
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config key by its dotted path, e.g. --set data.seed=7 (repeatable)",
    )


def _cache_mode(args: argparse.Namespace) -> str:
    if getattr(args, "offline", False):
        return "offline"
    return "refresh" if getattr(args, "refresh", False) else "use"


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="regime-bt",
        description="Classify capital-abundant / capital-scarce regimes and backtest "
        "regime rotations.",
        epilog="Example: regime-bt run --set data.seed=7 --out runs/seed7",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser(
        "run",
        help="run a full regime backtest and write the run directory",
        description="Run a full regime backtest: data, features, walk-forward regimes, "
        "strategies, vectorbt, metrics, HTML dashboard and tearsheets.",
        epilog="Example: regime-bt run configs/synthetic.toml --set costs.fee_bps=10 "
        "--out runs/fees10",
    )
    _add_config_args(run)
    run.add_argument(
        "--out", type=Path, default=None, help="run directory (default: runs/<config name>)"
    )
    run.add_argument(
        "--no-tearsheets",
        action="store_true",
        help="skip the quantstats tearsheets (the slow part)",
    )
    run.add_argument("--quiet", action="store_true", help="print nothing but errors")
    run.add_argument(
        "--json", action="store_true", help="print a machine-readable JSON summary on stdout"
    )
    add_cache_args(run)

    fetch = commands.add_parser(
        "fetch",
        help="download everything a config needs into the cache",
        description="Download every price and macro series a config needs into the parquet "
        "cache (data.cache_dir, default $XDG_CACHE_HOME/regime-backtester), so that later "
        "runs work with --offline.",
        epilog="Example: regime-bt fetch configs/yahoo_fred.toml --refresh",
    )
    _add_config_args(fetch, optional=False)
    add_cache_args(fetch)

    snapshot = commands.add_parser(
        "snapshot",
        help="write a config's exact inputs as CSV folders (csv source format)",
        description="Write the exact raw inputs of a config as DIR/prices/<TICKER>.csv and "
        "DIR/fred/<SERIES>.csv, the csv source's format, so a team can commit a frozen "
        "dataset and run CI offline against it.",
        epilog="Example: regime-bt snapshot configs/yahoo_fred.toml frozen/ && regime-bt run "
        "configs/csv.toml --set data.prices_dir=frozen/prices --set data.fred_dir=frozen/fred",
    )
    _add_config_args(snapshot, optional=False)
    snapshot.add_argument("directory", type=Path, help="output folder (replaced atomically)")
    add_cache_args(snapshot)

    regimes = commands.add_parser(
        "regimes",
        help="run the classification step alone, for every classifier",
        description="Build the features, run the walk-forward of every classifier (jump_cv, "
        "which cross-validates at every refit, only when it is configured), and write "
        "regimes.csv (the configured classifier), regimes_all.csv (every classifier's label "
        "per date), evaluation.json (against the truth, or the documented episodes on real "
        "data), inputs/true_regimes.csv when a truth exists, and regimes.html.",
        epilog="Example: regime-bt regimes --set regimes.classifier=jump --out runs/regimes",
    )
    _add_config_args(regimes)
    regimes.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output directory (default: runs/<config name>-regimes)",
    )
    regimes.add_argument(
        "--no-leave-one-out",
        action="store_true",
        help="skip the leave-one-feature-out refits (the slow part)",
    )
    regimes.add_argument("--quiet", action="store_true", help="print nothing but errors")
    add_cache_args(regimes)

    sweep = commands.add_parser(
        "sweep",
        help="run only the configured parameter sweep and write sweep.csv",
        description="Build the features and the walk-forward labels, then run the [sweep] "
        "grid (classifier parameters x rebalance rule x scarce cash fraction x fees) on the "
        "numba sweep kernel. Writes sweep.csv (one row per combination) and sweep.json (the "
        "summary that metrics.json holds under `sweep`).",
        epilog="Example: regime-bt sweep --set 'sweep.fee_bps=[0.0, 10.0, 25.0]' --out runs/sweep",
    )
    _add_config_args(sweep)
    sweep.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output directory (default: runs/<config name>-sweep)",
    )
    sweep.add_argument("--quiet", action="store_true", help="print nothing but errors")
    sweep.add_argument(
        "--json", action="store_true", help="print the sweep summary as JSON on stdout"
    )
    add_cache_args(sweep)
    add_study_parser(commands)

    check = commands.add_parser(
        "check",
        help="CI gate: compare a run's metrics.json with a committed baseline",
        description="Compare RUN_DIR/metrics.json with a baseline metric by metric (every "
        "numeric leaf, by dotted path) under absolute/relative tolerances; print what moved, "
        "by how much and whether it is better or worse. Exit 1 when a metric moved beyond "
        "its tolerance or is missing on one side, 2 when the inputs are bad or the two runs "
        "were made on different data (data_source, start, end or data_sha256).",
        epilog="Examples: regime-bt check runs/pr --baseline ci/baseline.json "
        "--tolerance ci/tolerance.toml --markdown check.md\n"
        "          regime-bt check runs/main --baseline ci/baseline.json --update",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a run directory")
    check.add_argument(
        "--baseline",
        type=Path,
        required=True,
        metavar="FILE",
        help="baseline JSON (from --update), a metrics.json or a run directory",
    )
    check.add_argument(
        "--tolerance",
        type=Path,
        default=None,
        metavar="FILE",
        help="tolerance TOML ([default], [metrics], [strategies.<name>], "
        "[ignore]); default abs = 1e-9, rel = 1e-6 for every metric",
    )
    check.add_argument(
        "--markdown",
        type=Path,
        default=None,
        metavar="FILE",
        help="also write the report as markdown (for a PR comment)",
    )
    check.add_argument(
        "--update",
        action="store_true",
        help="write RUN_DIR's metrics as the new baseline (atomic) and exit 0",
    )
    check.add_argument(
        "--allow-missing",
        action="store_true",
        help="metrics present on one side only are reported, not breaches",
    )
    check.add_argument(
        "--fail-on",
        choices=("any", "worse"),
        default="any",
        help="'any' (default): every move beyond tolerance fails; 'worse': "
        "moves in the better direction pass",
    )
    check.add_argument(
        "--force",
        action="store_true",
        help="compare even when the runs were made on different data",
    )
    check.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    check.add_argument("--quiet", action="store_true", help="print nothing but errors")

    listing = commands.add_parser(
        "list",
        help="list data sources, classifiers, strategies and features",
        description="List what a config can name: data sources (data.source), series "
        "([series.<ID>]), classifiers (regimes.classifier), strategy kinds "
        "(strategies.<name>.kind) and features (features.use), each with a one-line "
        "description; with --config, also the series and features that config declares, "
        "with their inputs.",
        epilog="Example: regime-bt list features --config configs/ai_capex.toml",
    )
    listing.add_argument(
        "category",
        nargs="?",
        choices=("sources", "series", "classifiers", "strategies", "features"),
        help="only this category (default: all)",
    )
    listing.add_argument(
        "--config",
        dest="config",
        default=None,
        metavar="CONFIG",
        help="also list the series and features this config declares",
    )
    listing.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config key (with --config)",
    )
    listing.add_argument("--json", action="store_true", help="print JSON on stdout")

    config = commands.add_parser(
        "config",
        help="inspect configs",
        description="Inspect configs.",
        epilog="Example: regime-bt config show configs/csv.toml",
    )
    config_commands = config.add_subparsers(
        dest="config_command", required=True, parser_class=_Parser
    )
    show = config_commands.add_parser(
        "show",
        help="print the fully resolved config (as written to config.toml)",
        description="Print the fully resolved config: extends merged, overrides applied, "
        "defaults filled in. It is byte-identical to config.toml in the run directory.",
        epilog="Example: regime-bt config show --set regimes.classifier=composite",
    )
    _add_config_args(show)
    return parser


def _say(args: argparse.Namespace, message: str) -> None:
    if not getattr(args, "quiet", False) and not getattr(args, "json", False):
        print(message, flush=True)


def _cmd_run(args: argparse.Namespace) -> int:
    # Imported here: the composition root is the one place that reaches into
    # the HTML layer (see the module docstring).
    from backtests.artifacts import save_run
    from backtests.runner import load_market, run
    from reports import write_reports

    config = load_config(args.config, args.overrides)
    out = args.out if args.out is not None else Path("runs") / config.name
    check_output_directory(out, "--out")  # before any work (a file, a read-only place)
    started = time.perf_counter()
    _say(args, f"Running {config.name!r} on {config.data.source} data ...")
    with stage("load data"):
        market = load_market(config, _cache_mode(args))
    result = run(config, market)
    _say(args, f"Backtest done in {time.perf_counter() - started:.1f} s; writing reports ...")
    tearsheets = config.report.tearsheets and not args.no_tearsheets
    with atomic_directory(out) as staging:
        with stage("write the run directory"):
            save_run(result, staging)
        with stage("reports" + (" and tearsheets" if tearsheets else "")):
            write_reports(staging, tearsheets=tearsheets, processes=config.report.processes)
    elapsed = time.perf_counter() - started
    if args.json:
        summary = {
            "run_dir": str(out.resolve()),
            "seconds": round(elapsed, 3),
            "regimes": {
                k: result.metrics["regimes"][k]
                for k in ("classifier", "share_scarce", "switches_per_year", "current")
            },
            "strategies": {
                name: entry["overall"] for name, entry in result.metrics["strategies"].items()
            },
        }
        print(json.dumps(summary, indent=2))
    else:
        _say(args, result.summary()[["cagr", "sharpe", "max_drawdown"]].round(3).to_string())
        _say(args, f"Wrote {out / 'index.html'} in {elapsed:.1f} s.")
    return EXIT_OK


def _cmd_regimes(args: argparse.Namespace) -> int:
    from backtests.classify import compare_classifiers, save_comparison
    from backtests.runner import load_market
    from reports.regimes_page import write_regimes_page

    config = load_config(args.config, args.overrides)
    out = args.out if args.out is not None else Path("runs") / f"{config.name}-regimes"
    check_output_directory(out, "--out")
    with stage("load data"):
        market = load_market(config, _cache_mode(args))
    comparison = compare_classifiers(config, market, leave_one_out=not args.no_leave_one_out)
    with atomic_directory(out) as staging:
        save_comparison(comparison, config, staging)
        write_regimes_page(
            staging / "regimes.html",
            comparison.labels,
            comparison.evaluation,
            comparison.truth,
            title=f"Regime classifiers: {config.name}",
        )
    for name, entry in comparison.evaluation.items():
        score = (
            f"balanced accuracy {entry['balanced_accuracy']:.3f}, Brier {entry['brier']:.3f}"
            if "balanced_accuracy" in entry
            else "episodes"
        )
        change = entry["stability"].get("max_start_shift_change")
        moved = "n/a" if change is None else f"{change:.0%}"
        flag = " FLAGGED" if entry["stability"].get("flagged") else ""
        _say(
            args,
            f"{name:>10}: {entry['seconds']:6.2f} s, {score}; labels changed by a "
            f"two-year start move: {moved}{flag}",
        )
    for name, reason in comparison.skipped.items():
        _say(args, f"{name:>10}: skipped: {reason}")
    _say(args, f"Wrote {out}.")
    return EXIT_OK


def _cmd_config(args: argparse.Namespace) -> int:
    config = load_config(args.config, args.overrides)
    sys.stdout.write(dump_config(config))
    return EXIT_OK


def _cmd_fetch(args: argparse.Namespace) -> int:
    from backtests.runner import load_market

    config = load_config(args.config, args.overrides)
    started = time.perf_counter()
    market = load_market(config, _cache_mode(args))
    where = market.description.get("cache_dir", "(no cache: this source reads local files)")
    print(
        f"{market.source}: {market.prices.shape[1]} tickers and {len(market.macro)} series for "
        f"{config.data.start}..{config.data.end} ready in {where} "
        f"({time.perf_counter() - started:.1f} s)."
    )
    return EXIT_OK


def _cmd_snapshot(args: argparse.Namespace) -> int:
    from backtests.runner import load_market
    from data.atomic import atomic_write_text
    from data.csv_source import format_fred_csv, format_price_csv

    config = load_config(args.config, args.overrides)
    check_output_directory(args.directory, "DIR")
    market = load_market(config, _cache_mode(args))
    with atomic_directory(args.directory) as staging:
        for ticker in market.prices.columns:
            atomic_write_text(
                staging / "prices" / f"{ticker}.csv", format_price_csv(market.prices[ticker])
            )
        for series_id, series in {**market.macro, **market.vintages}.items():
            atomic_write_text(
                staging / "fred" / f"{series_id}.csv", format_fred_csv(series, series_id)
            )
    print(
        f"Wrote {market.prices.shape[1]} price files and {len(market.macro)} FRED files to "
        f"{args.directory}. Run on them with: regime-bt run configs/csv.toml "
        f"--set data.prices_dir={args.directory / 'prices'} "
        f"--set data.fred_dir={args.directory / 'fred'}"
    )
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    from backtests.gate import check, write_baseline

    if args.update:
        document = write_baseline(args.run_dir, args.baseline)
        if args.json:
            print(
                json.dumps(
                    {
                        "updated": str(args.baseline),
                        "n_metrics": len(document["metrics"]),
                        "run": document["run"],
                    },
                    indent=2,
                )
            )
        else:
            _say(
                args,
                f"Wrote baseline {args.baseline} ({len(document['metrics'])} metrics "
                f"from {args.run_dir / 'metrics.json'}).",
            )
        return EXIT_OK
    report = check(
        args.run_dir,
        args.baseline,
        args.tolerance,
        allow_missing=args.allow_missing,
        force=args.force,
        fail_on=args.fail_on,
    )
    if args.markdown is not None:
        report.write_markdown(args.markdown)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, allow_nan=False))
    elif not args.quiet:
        sys.stdout.write(report.to_text())
    return EXIT_OK if report.passed else EXIT_CHECK_FAILED


def _cmd_list(args: argparse.Namespace) -> int:
    from backtests.listing import available, format_listing

    config = load_config(args.config, args.overrides) if args.config or args.overrides else None
    listing = available(config)
    if args.category:
        listing = {args.category: listing[args.category]}
    if args.json:
        print(json.dumps(listing, indent=2))
    else:
        sys.stdout.write(format_listing(listing))
    return EXIT_OK


def _cmd_sweep(args: argparse.Namespace) -> int:
    from backtests.artifacts import write_csv
    from backtests.metrics_schema import metrics_json
    from backtests.runner import load_market, run_sweep
    from data.atomic import atomic_write_text

    config = load_config(args.config, args.overrides)
    out = args.out if args.out is not None else Path("runs") / f"{config.name}-sweep"
    check_output_directory(out, "--out")
    started = time.perf_counter()
    section, table = run_sweep(config, load_market(config, _cache_mode(args)))
    with atomic_directory(out) as staging:
        write_csv(table, staging / "sweep.csv")
        atomic_write_text(staging / "sweep.json", metrics_json(section))
    if args.json:
        print(metrics_json(section), end="")
    else:
        seconds = time.perf_counter() - started
        sharpe = section["sharpe"]
        _say(
            args,
            f"{section['n_trials']} combinations in {seconds:.1f} s; Sharpe best "
            f"{sharpe['best']:.3f}, median {sharpe['median']:.3f}, worst "
            f"{sharpe['worst']:.3f}.",
        )
        _say(args, f"Wrote {out / 'sweep.csv'}.")
    return EXIT_OK


_COMMANDS = {
    "sweep": _cmd_sweep,
    "run": _cmd_run,
    "config": _cmd_config,
    "fetch": _cmd_fetch,
    "snapshot": _cmd_snapshot,
    "regimes": _cmd_regimes,
    "check": _cmd_check,
    "list": _cmd_list,
    "study": cmd_study,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``regime-bt`` and ``python -m backtests``.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code.
    """
    from backtests.gate import CheckInputError

    try:
        args = _build_parser().parse_args(argv)
    except SystemExit as exit_:  # --help (0) and usage errors (2) return like every command
        code = exit_.code
        return EXIT_OK if code is None else code if isinstance(code, int) else EXIT_BAD_INPUT
    quiet = getattr(args, "quiet", False) or getattr(args, "json", False)
    previous = os.environ.get(NO_PROGRESS_ENV)
    if quiet:
        os.environ[NO_PROGRESS_ENV] = "1"
    try:
        return _COMMANDS[args.command](args)
    except (ConfigError, DataError, CheckInputError) as error:
        print(f"regime-bt: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("regime-bt: interrupted; no partial output was kept.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`regime-bt list --json | head`): stop quietly, and
        # point stdout at /dev/null so the interpreter's final flush cannot fail.
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception:  # noqa: BLE001 - the last resort: log, never a bare traceback
        log = Path(tempfile.gettempdir()) / f"regime-bt-error-{int(time.time())}.log"
        log.write_text(traceback.format_exc(), encoding="utf-8")
        error = sys.exc_info()[1]
        print(
            f"regime-bt: internal error: {type(error).__name__}: {error}\n"
            f"The full traceback is in {log}. Please report it.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    finally:
        if quiet:
            if previous is None:
                os.environ.pop(NO_PROGRESS_ENV, None)
            else:
                os.environ[NO_PROGRESS_ENV] = previous
