"""quantstats tearsheets, one HTML file per strategy: the only quantstats adapter.

Rules this module keeps (see HOUSE_STYLE.md, reports/):

* The benchmark is always a returns **Series** computed from
  ``inputs/prices.csv``, never a ticker string (a string makes quantstats
  download from the network).
* The risk-free rate is a **float**: the annualised (geometric) mean return of
  the ``run.cash`` price series. quantstats 0.0.86 does subtract a Series
  ``rf`` row-wise in ``utils.to_excess_returns``, but ``reports.html`` formats
  it with ``f"{rf:.1%}"`` for the page subtitle, which fails for a Series; so
  a constant is passed.
* quantstats is imported lazily, and by default only inside spawned worker
  processes. Importing it sets ``rcParams["font.family"] = "Arial"`` and pulls
  in pyplot and seaborn; keeping it in workers leaves the caller's matplotlib
  state alone. Workers also refuse outgoing network connections, so an
  accidental download fails loudly instead of silently.
* Inside a worker, rendering runs in a ``matplotlib.rc_context`` (sans-serif
  fonts that exist here) with the ``matplotlib.font_manager`` logger raised
  to ERROR: quantstats passes ``fontname="Arial"`` to every title, and the
  "findfont: Font family 'Arial' not found" messages would otherwise go to
  stderr.
* Python warnings raised while rendering are recorded in the worker. The
  known, harmless third-party ones listed in :data:`KNOWN_THIRD_PARTY_WARNINGS`
  are dropped; every other one is re-issued in the calling process (with its
  original category, message and location), so the caller's warning filters
  (``-W error`` in tests) apply to it.
* The template's external favicon (``https://qtpylib.io/favicon.ico``) and
  its ``onload="save()"`` (calls an undefined function) are removed from the
  output, so a tearsheet opens offline without console errors.

Time per tearsheet is logged at INFO level on this module's logger.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import socket
import time
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import pandas as pd

from data.progress import progress

from .rundir import atomic_write_text, load_run

__all__ = [
    "KNOWN_THIRD_PARTY_WARNINGS",
    "NetworkAccessError",
    "TearsheetJob",
    "TearsheetResult",
    "annualised_cash_rate",
    "benchmark_returns",
    "clean_tearsheet_html",
    "render_tearsheet",
    "render_tearsheets",
    "write_tearsheets",
]

logger = logging.getLogger(__name__)

PERIODS_PER_YEAR = 252
#: rc settings used while quantstats draws (scoped by ``matplotlib.rc_context``).
_TEARSHEET_RC: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["Arial", "Liberation Sans", "DejaVu Sans"],
    "figure.max_open_warning": 0,
    "svg.hashsalt": "regime-backtester",
}
#: Known, harmless warnings raised from inside quantstats 0.0.86 / seaborn 0.13 on
#: pandas 3.1 and matplotlib 3.11, as (category name, message start, emitting
#: package). They are dropped in the worker so a normal run prints nothing; any
#: other warning is re-issued in the caller. Remove entries when upstream fixes them.
KNOWN_THIRD_PARTY_WARNINGS: tuple[tuple[str, str, str], ...] = (
    # quantstats/reports.py: DataFrame.rename(..., inplace=True)
    ("Pandas4Warning", "The inplace keyword in DataFrame.rename is deprecated", "quantstats"),
    # quantstats/_plotting/core.py: ax.set_yticklabels without set_yticks
    ("UserWarning", "set_ticklabels() should only be used with a fixed number of ticks",
     "quantstats"),
    # seaborn/matrix.py (heatmap): Colormap.set_bad
    ("PendingDeprecationWarning", "The set_bad function will be deprecated", "seaborn"),
    # seaborn/categorical.py (boxplot): vert=...
    ("MatplotlibDeprecationWarning", "vert: bool was deprecated in Matplotlib 3.11", "seaborn"),
)


def _is_known_third_party(category: type[Warning], message: str, filename: str) -> bool:
    parts = Path(filename).parts
    return any(category.__name__ == name and message.startswith(start) and package in parts
               for name, start, package in KNOWN_THIRD_PARTY_WARNINGS)


_TEMPLATE_FIXES: tuple[tuple[str, str], ...] = (
    ('<link rel="shortcut icon" href="https://qtpylib.io/favicon.ico" type="image/x-icon">',
     '<link rel="icon" href="data:,">'),
    ('<body onload="save()">', "<body>"),
)


def benchmark_returns(prices: pd.DataFrame, ticker: str) -> pd.Series:
    """Daily simple returns of the benchmark, from the aligned price panel.

    Parameters
    ----------
    prices : DataFrame of shape (n_dates, n_tickers)
        Adjusted closes (``inputs/prices.csv``); NaN before listing.
    ticker : str
        Benchmark column (``run.benchmark``).

    Returns
    -------
    Series of shape (n_dates,)
        Named ``ticker``; 0.0 where the price or the previous price is missing.
    """
    if ticker not in prices.columns:
        raise KeyError(f"benchmark {ticker!r} not in prices columns {list(prices.columns)}")
    series = prices[ticker].astype(float)
    returns = series / series.shift(1) - 1.0
    return returns.fillna(0.0).rename(ticker)


def annualised_cash_rate(prices: pd.DataFrame, ticker: str,
                         periods_per_year: int = PERIODS_PER_YEAR) -> float:
    """Annualised geometric mean return of the cash series, used as ``rf``.

    Parameters
    ----------
    prices : DataFrame of shape (n_dates, n_tickers)
        Adjusted closes.
    ticker : str
        Cash-like column (``run.cash``).
    periods_per_year : int, default 252

    Returns
    -------
    float
        ``(last / first) ** (periods_per_year / n_periods) - 1``; 0.0 when the
        series has fewer than two prices.
    """
    series = prices[ticker].astype(float).dropna()
    series = series[series > 0]
    if len(series) < 2:
        return 0.0
    growth = float(series.iloc[-1] / series.iloc[0])
    return growth ** (periods_per_year / (len(series) - 1)) - 1.0


def clean_tearsheet_html(text: str) -> str:
    """Make a quantstats page load offline and parse as HTML5.

    Replaces the external favicon with an empty data URL, drops the
    ``onload="save()"`` handler (``save`` is not defined in the page), and
    removes the XML prologs and SVG DOCTYPEs quantstats leaves in front of
    each embedded ``<svg>`` (HTML has no processing instructions).

    Parameters
    ----------
    text : str
        HTML written by ``quantstats.reports.html``.

    Returns
    -------
    str
    """
    for old, new in _TEMPLATE_FIXES:
        text = text.replace(old, new)
    text = re.sub(r"<\?xml[^>]*\?>\s*", "", text)
    return re.sub(r"<!DOCTYPE svg[^>]*>\s*", "", text)


@dataclass(frozen=True)
class TearsheetJob:
    """Everything one worker needs to render one tearsheet (picklable)."""

    strategy: str
    returns: pd.Series
    benchmark: pd.Series | None
    rf: float
    output: Path
    title: str


@dataclass(frozen=True)
class TearsheetResult:
    """Outcome of one tearsheet: where it went and how long it took."""

    strategy: str
    path: Path
    seconds: float
    warnings: list[tuple[type[Warning], str, str, int]] = field(default_factory=list)


@contextlib.contextmanager
def _quiet_font_logger() -> Iterator[None]:
    font_logger = logging.getLogger("matplotlib.font_manager")
    previous = font_logger.level
    font_logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        font_logger.setLevel(previous)


def _import_quantstats() -> Any:
    """Import quantstats without letting its import-time rcParams change escape."""
    import matplotlib

    with matplotlib.rc_context(), _quiet_font_logger():
        import quantstats  # the only quantstats import in the project

    return quantstats


def render_tearsheet(job: TearsheetJob) -> TearsheetResult:
    """Render one tearsheet in the current process and write it atomically.

    Most callers want :func:`write_tearsheets`, which runs this in worker
    processes. Calling it directly imports quantstats (and pyplot) here.

    Parameters
    ----------
    job : TearsheetJob
        Returns, benchmark returns Series, annual ``rf`` and output path.

    Returns
    -------
    TearsheetResult
        Path, wall time and the warnings raised while rendering.
    """
    import matplotlib

    started = time.perf_counter()
    quantstats = _import_quantstats()
    from matplotlib import pyplot

    output = Path(job.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    scratch = output.with_name(f".{output.stem}.{os.getpid()}.quantstats.html")
    returns = job.returns.astype(float).rename(job.strategy)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with matplotlib.rc_context(_TEARSHEET_RC), _quiet_font_logger():
                quantstats.reports.html(
                    returns,
                    benchmark=job.benchmark,
                    rf=job.rf,
                    title=job.title,
                    output=str(scratch),
                    periods_per_year=PERIODS_PER_YEAR,
                    figfmt="svg",
                    strategy_title=job.strategy,
                    benchmark_title=None if job.benchmark is None else str(job.benchmark.name),
                )
            text = scratch.read_text(encoding="utf-8")
        finally:
            pyplot.close("all")
            scratch.unlink(missing_ok=True)
    atomic_write_text(output, clean_tearsheet_html(text))
    recorded = [(w.category, str(w.message), str(w.filename), int(w.lineno)) for w in caught
                if not _is_known_third_party(w.category, str(w.message), str(w.filename))]
    return TearsheetResult(job.strategy, output, time.perf_counter() - started, recorded)


class NetworkAccessError(RuntimeError):
    """Raised in a tearsheet worker that tries to open a network connection."""


def _refuse_network(self: socket.socket, address: Any) -> None:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        raise NetworkAccessError(f"tearsheet workers must not use the network (to {address!r})")
    _ORIGINAL_CONNECT(self, address)


_ORIGINAL_CONNECT = socket.socket.connect


def _worker_init() -> None:
    """Worker-process set-up (this process only): Agg backend, no network connections."""
    import matplotlib

    matplotlib.use("Agg")  # never a GUI backend in a worker, whatever DISPLAY says
    socket.socket.connect = _refuse_network  # type: ignore[method-assign]


def _jobs_for_run(run_dir: Path, strategies: Sequence[str] | None) -> list[TearsheetJob]:
    files = load_run(run_dir)
    run = files.run_info
    names = list(files.returns.columns) if strategies is None else list(strategies)
    unknown = [n for n in names if n not in files.returns.columns]
    if unknown:
        raise KeyError(f"strategies {unknown} not in returns.csv columns "
                       f"{list(files.returns.columns)}")
    benchmark: pd.Series | None = None
    rf = 0.0
    if files.prices is not None:
        ticker = run.get("benchmark")
        if ticker and ticker in files.prices.columns:
            benchmark = benchmark_returns(files.prices, str(ticker))
            benchmark = benchmark.reindex(files.returns.index).fillna(0.0)
        cash = run.get("cash")
        if cash and cash in files.prices.columns:
            rf = annualised_cash_rate(files.prices, str(cash))
    label = " [SYNTHETIC]" if run.get("synthetic") else ""
    return [
        TearsheetJob(
            strategy=name,
            returns=files.returns[name].fillna(0.0),
            benchmark=benchmark,
            rf=rf,
            output=files.root / "tearsheets" / f"{name}.html",
            title=f"{name} · {run.get('name', 'run')}{label}",
        )
        for name in names
    ]


def render_tearsheets(
    run_dir: str | os.PathLike[str],
    strategies: Sequence[str] | None = None,
    processes: int = 2,
) -> list[TearsheetResult]:
    """Like :func:`write_tearsheets`, but return each tearsheet's :class:`TearsheetResult`.

    Warnings recorded in the workers are re-issued here; the results keep
    them too, with the seconds each tearsheet took inside its worker.
    """
    if processes < 0:
        raise ValueError(f"processes must be >= 0, got {processes}")
    jobs = _jobs_for_run(Path(run_dir), strategies)
    if not jobs:
        return []
    if processes == 0:
        results = [render_tearsheet(job)
                   for job in progress(jobs, "tearsheets", unit="sheet")]
    else:
        context = get_context("spawn")
        workers = min(processes, len(jobs))
        with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                 initializer=_worker_init) as pool:
            results = list(progress(pool.map(render_tearsheet, jobs), "tearsheets",
                                    total=len(jobs), unit="sheet"))
    for result in results:
        logger.info("tearsheet %s written in %.2f s", result.path, result.seconds)
        for category, message, filename, lineno in result.warnings:
            warnings.warn_explicit(message, category, filename, lineno)
    return results


def write_tearsheets(
    run_dir: str | os.PathLike[str],
    strategies: Sequence[str] | None = None,
    processes: int = 2,
) -> list[Path]:
    """Write ``tearsheets/<strategy>.html`` for strategies of a run directory.

    Parameters
    ----------
    run_dir : path-like
        Run directory with ``returns.csv``, ``metrics.json`` and
        ``inputs/prices.csv`` (benchmark and cash come from ``run.benchmark``
        and ``run.cash``; without prices there is no benchmark and rf is 0).
    strategies : sequence of str, optional
        Columns of ``returns.csv`` to render; all of them by default.
    processes : int, default 2
        Worker processes (``spawn`` context, so no state is inherited).
        ``0`` renders in the calling process instead, for debugging; this
        imports quantstats and pyplot here and does not block the network.

    Returns
    -------
    list of Path
        Written files, in ``strategies`` order.

    Raises
    ------
    KeyError
        If a requested strategy is not a column of ``returns.csv``.

    Examples
    --------
    >>> write_tearsheets("runs/synthetic", ["regime_rotation"])  # doctest: +SKIP
    [PosixPath('runs/synthetic/tearsheets/regime_rotation.html')]
    """
    return [result.path for result in render_tearsheets(run_dir, strategies, processes)]
