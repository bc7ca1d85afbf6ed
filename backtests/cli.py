"""``regime-bt``: the command-line interface.

The CLI is thin: parse arguments, load the config, call the library, write
outputs. It is also the composition root of the project: the only module in
``backtests`` that reaches into ``reports`` (lazily, inside :func:`_cmd_run`),
so that the library API (:func:`backtests.run`) never depends on the HTML
layer and the import flow data -> regimes -> strategies -> backtests ->
reports holds everywhere else.

Exit codes: 0 ok, 1 check failed, 2 bad input or config, 3 internal error
(a short message plus the path of a full traceback log).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

from backtests.config import ConfigError, dump_config, load_config
from data import DataError

__all__ = ["main"]

EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    """argparse that exits with code 2 and a one-line hint, never a traceback."""

    def error(self, message: str) -> None:  # pragma: no cover - argparse plumbing
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"regime-bt: error: {message}\n")


def _add_config_args(parser: argparse.ArgumentParser, optional: bool = True) -> None:
    parser.add_argument(
        "config", nargs="?" if optional else None, default=None,
        help="TOML config file (default: the built-in synthetic-world config)",
    )
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
        help="override a config key by its dotted path, e.g. --set data.seed=7 (repeatable)",
    )


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="regime-bt",
        description="Classify capital-abundant / capital-scarce regimes and backtest "
        "regime rotations.",
        epilog="Example: regime-bt run --set data.seed=7 --out runs/seed7",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser(
        "run", help="run a full regime backtest and write the run directory",
        description="Run a full regime backtest: data, features, walk-forward regimes, "
        "strategies, vectorbt, metrics, HTML dashboard and tearsheets.",
        epilog="Example: regime-bt run configs/synthetic.toml --set costs.fee_bps=10 "
        "--out runs/fees10",
    )
    _add_config_args(run)
    run.add_argument("--out", type=Path, default=None,
                     help="run directory (default: runs/<config name>)")
    run.add_argument("--no-tearsheets", action="store_true",
                     help="skip the quantstats tearsheets (the slow part)")
    run.add_argument("--quiet", action="store_true", help="print nothing but errors")
    run.add_argument("--json", action="store_true",
                     help="print a machine-readable JSON summary on stdout")

    config = commands.add_parser(
        "config", help="inspect configs",
        description="Inspect configs.", epilog="Example: regime-bt config show configs/csv.toml",
    )
    config_commands = config.add_subparsers(dest="config_command", required=True,
                                            parser_class=_Parser)
    show = config_commands.add_parser(
        "show", help="print the fully resolved config (as written to config.toml)",
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
    from backtests.artifacts import atomic_run_dir, save_run
    from backtests.runner import run
    from reports import write_reports

    config = load_config(args.config, args.overrides)
    out = args.out if args.out is not None else Path("runs") / config.name
    started = time.perf_counter()
    _say(args, f"Running {config.name!r} on {config.data.source} data ...")
    result = run(config)
    _say(args, f"Backtest done in {time.perf_counter() - started:.1f} s; writing reports ...")
    tearsheets = config.report.tearsheets and not args.no_tearsheets
    with atomic_run_dir(out) as staging:
        save_run(result, staging)
        write_reports(staging, tearsheets=tearsheets, processes=config.report.processes)
    elapsed = time.perf_counter() - started
    if args.json:
        summary = {
            "run_dir": str(out.resolve()),
            "seconds": round(elapsed, 3),
            "regimes": {k: result.metrics["regimes"][k]
                        for k in ("classifier", "share_scarce", "switches_per_year", "current")},
            "strategies": {name: entry["overall"]
                           for name, entry in result.metrics["strategies"].items()},
        }
        print(json.dumps(summary, indent=2))
    else:
        _say(args, result.summary()[["cagr", "sharpe", "max_drawdown"]].round(3).to_string())
        _say(args, f"Wrote {out / 'index.html'} in {elapsed:.1f} s.")
    return EXIT_OK


def _cmd_config(args: argparse.Namespace) -> int:
    config = load_config(args.config, args.overrides)
    sys.stdout.write(dump_config(config))
    return EXIT_OK


_COMMANDS = {"run": _cmd_run, "config": _cmd_config}


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
    args = _build_parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except (ConfigError, DataError) as error:
        print(f"regime-bt: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("regime-bt: interrupted; no partial output was kept.", file=sys.stderr)
        return 130
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
