"""quantstats tearsheets, one HTML file per strategy: the only quantstats adapter.

Sharpe and Sortino are in excess of the run's cash fund
-------------------------------------------------------
The same convention as the dashboard (``metrics.json``):

* the cash fund's daily simple return ``c_t = cash_t / cash_{t-1} - 1``, from
  column ``run.cash`` of ``inputs/prices.csv``; 0 on the first row and where
  either price is missing (:func:`cash_returns`);
* the excess return ``e_t = r_t - c_t`` on every row of ``returns.csv``
  (its first row is the start, a 0 return), for the strategy and for the
  benchmark column alike;
* ``Sharpe = mean(e) / std(e, ddof=1) * sqrt(252)`` and
  ``Sortino = mean(e) / sqrt(mean(min(e, 0)^2)) * sqrt(252)``.

How quantstats 0.0.86 is made to compute exactly that:

* ``rf`` is a **Series** of annualised rates ``(1 + c_t)^252 - 1`` on the
  returns' dates (:func:`annualised_rates`). Every Sharpe and Sortino of
  quantstats (``stats.sharpe``, ``sortino``, their smart, probabilistic and
  rolling variants, and ``omega`` and ``rar``) goes through
  ``utils.to_excess_returns(returns, rf, nperiods=252)``, which reindexes a
  Series ``rf`` onto the returns' dates, de-annualises it as
  ``(1 + rf)^(1/252) - 1`` (giving back ``c_t``) and subtracts it row by row
  from the strategy and benchmark columns. A plain ``c_t`` would be
  de-annualised a second time.
* That Series is an :class:`AnnualisedRates`, which formats as its mean:
  ``reports.html`` writes ``f"RF: {rf:.1%}"`` in the page subtitle (a plain
  Series raises there), and its "Risk-Free Rate" row prints the Series' mean,
  so both show the average annual cash rate, ``mean((1 + c_t)^252 - 1)``.
* ``match_dates=False``: quantstats' ``_match_dates`` otherwise starts both
  series at the first non-zero return, which always drops the start row of
  ``returns.csv`` (and any flat days after it), so its Sharpe would use fewer
  rows than the convention. Our benchmark is already on the returns' dates.
* ``reports.html`` draws the rolling Sharpe and Sortino charts without
  ``rf``. Those two charts are drawn here with the same call plus ``rf`` and
  put in place of quantstats' (placeholders in a copy of its template).
* Three rows of quantstats' table subtract ``rf`` from a cumulative return
  (Ulcer Performance Index, Serenity Index, Treynor Ratio); with a Series
  ``rf`` they print ``-`` or a whole Series. They are recomputed with
  quantstats' own functions at the scalar average rate of the subtitle.

F6, the "EOY Returns vs Benchmark" chart (worked around here)
-------------------------------------------------------------
Cause: pandas 3.x (GH#1918) draws ``DataFrame.plot(kind="bar")`` on a
DatetimeIndex with a frequency as a time series: bars sit at period ordinals
(2019 -> x = 49) under pandas' dynamic date locator, no longer at 0..n-1.
quantstats 0.0.86 ``_plotting.core.plot_returns_bars`` still assumes 0..n-1:
it relabels whatever ticks exist by position (``set_xticklabels(years)``, so
every label is one year off and the first is outside the view) and, with more
than 10 years, puts the ticks at ``np.arange(n_years)`` (labels crushed at the
left, bars at the right; quantstats PR #515 reports the same symptom).
Workaround: quantstats renders inside pandas' own scoped option
``pd.plotting.plot_params.use("x_compat", True)``, under which pandas plots
bars at 0..n-1 again. quantstats' only pandas plot is that bar chart (its
line charts call matplotlib directly), so nothing else changes. Drop it once
quantstats places its EOY ticks from the bars.

Glyphs: quantstats labels a row ``"CAGR﹪"`` with U+FE6A SMALL PERCENT SIGN,
which none of the fonts here has (a box in the page). :func:`clean_tearsheet_html`
maps it to ``"%"``; :data:`GLYPH_FIXES` lists such characters.

Rules this module keeps (see HOUSE_STYLE.md, reports/)
------------------------------------------------------
* The benchmark is always a returns **Series** computed from
  ``inputs/prices.csv``, never a ticker string (a string makes quantstats
  download from the network).
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

Which strategies, and how fast
------------------------------
A tearsheet costs about 5 CPU-seconds (quantstats draws 16 charts), so by
default only the strategies whose role (``metrics.json``) is in the run's
``report.tearsheet_roles`` (``config.toml``; default strategy and benchmark,
not the placebos) get one, rendered by ``processes`` worker processes. The
dashboard links the tearsheets that exist. quantstats' own rolling Sharpe and
Sortino charts, which are replaced by ours (see above), are not drawn at all:
their two plot functions are stubbed while ``reports.html`` runs.

Time per tearsheet is logged at INFO level on this module's logger.
"""

from __future__ import annotations

import contextlib
import html
import io
import logging
import math
import os
import re
import socket
import time
import tomllib
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from backtests.metrics import cash_returns
from data.atomic import atomic_write_text
from data.base import PERIODS_PER_YEAR
from data.progress import progress

from .rundir import RunFiles, load_run

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

__all__ = [
    "GLYPH_FIXES",
    "KNOWN_THIRD_PARTY_WARNINGS",
    "AnnualisedRates",
    "NetworkAccessError",
    "TearsheetJob",
    "TearsheetResult",
    "annualised_rates",
    "benchmark_returns",
    "cash_returns",
    "clean_tearsheet_html",
    "render_tearsheet",
    "render_tearsheets",
    "tearsheet_strategies",
    "write_tearsheets",
]

logger = logging.getLogger(__name__)

#: rc settings used while quantstats draws (scoped by ``matplotlib.rc_context``).
_TEARSHEET_RC: dict[RcKeyType, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["Arial", "Liberation Sans", "DejaVu Sans"],
    "figure.max_open_warning": 0,
    "svg.hashsalt": "regime-backtester",
}
#: Known, harmless warnings raised from inside quantstats 0.0.86 / seaborn 0.13 on
#: pandas 3.1 and matplotlib 3.11, as (category name, message start, emitting
#: package). They are dropped in the worker so a normal run prints nothing; any
#: other warning is re-issued in the caller. Remove entries when upstream fixes them.
#: (quantstats' "set_ticklabels() should only be used with a fixed number of ticks"
#: is not here on purpose: it came from the mislabelled EOY chart, F6.)
KNOWN_THIRD_PARTY_WARNINGS: tuple[tuple[str, str, str], ...] = (
    # quantstats/reports.py: DataFrame.rename(..., inplace=True)
    ("Pandas4Warning", "The inplace keyword in DataFrame.rename is deprecated", "quantstats"),
    # seaborn/matrix.py (heatmap): Colormap.set_bad
    ("PendingDeprecationWarning", "The set_bad function will be deprecated", "seaborn"),
    # seaborn/categorical.py (boxplot): vert=...
    ("MatplotlibDeprecationWarning", "vert: bool was deprecated in Matplotlib 3.11", "seaborn"),
)
#: Characters quantstats writes that the fonts here lack, and what the page shows instead.
GLYPH_FIXES: tuple[tuple[str, str], ...] = (
    ("\N{SMALL PERCENT SIGN}", "%"),  # "CAGR﹪" in the metrics table
)
#: Largest error tolerated when quantstats de-annualises :func:`annualised_rates`.
_RATE_ROUND_TRIP_TOLERANCE = 1e-10
#: Charts of quantstats' template that are drawn here (with ``rf``), by placeholder.
_ROLLING_CHARTS = ("rolling_sharpe", "rolling_sortino")


def _is_known_third_party(category: type[Warning], message: str, filename: str) -> bool:
    parts = Path(filename).parts
    return any(
        category.__name__ == name and message.startswith(start) and package in parts
        for name, start, package in KNOWN_THIRD_PARTY_WARNINGS
    )


_TEMPLATE_FIXES: tuple[tuple[str, str], ...] = (
    (
        '<link rel="shortcut icon" href="https://qtpylib.io/favicon.ico" type="image/x-icon">',
        '<link rel="icon" href="data:,">',
    ),
    ('<body onload="save()">', "<body>"),
)


def _simple_returns(prices: pd.DataFrame, ticker: str, role: str) -> pd.Series:
    if ticker not in prices.columns:
        raise KeyError(f"{role} {ticker!r} not in prices columns {list(prices.columns)}")
    series = prices[ticker].astype(float)
    returns = series / series.shift(1) - 1.0
    return returns.fillna(0.0).rename(ticker)


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
    return _simple_returns(prices, ticker, "benchmark")


class AnnualisedRates(pd.Series):
    """Annualised daily rates for quantstats' ``rf``, formatting as their mean.

    ``quantstats.reports.html`` formats ``rf`` for the page subtitle
    (``f"{rf:.1%}"``); this Series formats as its mean, the number quantstats
    also prints in its "Risk-Free Rate" row. Anything derived from it (a
    reindex, arithmetic) is a plain Series.
    """

    @property
    def _constructor(self) -> type[pd.Series]:
        return pd.Series

    def __format__(self, format_spec: str) -> str:
        return format(float(self.mean()) if len(self) else 0.0, format_spec)


def annualised_rates(
    daily_rates: pd.Series, periods_per_year: int = PERIODS_PER_YEAR
) -> AnnualisedRates:
    """Annualise daily rates so that quantstats' de-annualisation returns them.

    quantstats turns a rate ``rf`` into a per-period one as
    ``(1 + rf) ** (1 / periods_per_year) - 1``; this is its inverse,
    ``(1 + c) ** periods_per_year - 1``.

    Parameters
    ----------
    daily_rates : Series of shape (n_dates,)
        Daily simple returns of the cash fund (:func:`cash_returns`), on the
        strategy's dates, without NaN.
    periods_per_year : int, default 252

    Returns
    -------
    AnnualisedRates of shape (n_dates,)
        Same index and name.

    Raises
    ------
    ValueError
        If a daily rate is missing, or so far from a cash return (beyond
        about -10 % a day) that the round trip through quantstats would not
        give it back to 1e-10.

    Examples
    --------
    >>> rates = annualised_rates(pd.Series([0.0, 0.0001]))
    >>> f"{rates:.2%}"
    '1.28%'
    >>> ((1 + rates) ** (1 / 252) - 1).round(12).tolist()
    [0.0, 0.0001]
    """
    values = daily_rates.to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        annual = np.expm1(periods_per_year * np.log1p(values))
        back = np.power(1.0 + annual, 1.0 / periods_per_year) - 1.0  # what quantstats does
    faithful = np.isfinite(annual) & (values > -1.0)
    faithful &= np.abs(np.where(faithful, back, 0.0) - values) <= _RATE_ROUND_TRIP_TOLERANCE
    if not faithful.all():
        where = int(np.flatnonzero(~faithful)[0])
        raise ValueError(
            f"cash fund {daily_rates.name!r} has a daily return of {values[where]!r} on "
            f"{daily_rates.index[where]!r}, which quantstats' rf cannot represent; "
            "check the cash prices"
        )
    return AnnualisedRates(annual, index=daily_rates.index, name=daily_rates.name)


def clean_tearsheet_html(text: str) -> str:
    """Make a quantstats page load offline, parse as HTML5 and show every glyph.

    Replaces the external favicon with an empty data URL, drops the
    ``onload="save()"`` handler (``save`` is not defined in the page),
    removes the XML prologs and SVG DOCTYPEs quantstats leaves in front of
    each embedded ``<svg>`` (HTML has no processing instructions), and maps
    the characters of :data:`GLYPH_FIXES` to ones the fonts here have.

    Parameters
    ----------
    text : str
        HTML written by ``quantstats.reports.html``.

    Returns
    -------
    str

    Examples
    --------
    >>> clean_tearsheet_html("<tr><td>CAGR\\N{SMALL PERCENT SIGN}</td></tr>")
    '<tr><td>CAGR%</td></tr>'
    """
    for old, new in _TEMPLATE_FIXES + GLYPH_FIXES:
        text = text.replace(old, new)
    text = re.sub(r"<\?xml[^>]*\?>\s*", "", text)
    return re.sub(r"<!DOCTYPE svg[^>]*>\s*", "", text)


@dataclass(frozen=True)
class TearsheetJob:
    """Everything one worker needs to render one tearsheet (picklable).

    ``cash`` holds the cash fund's daily returns ``c_t`` on the dates of
    ``returns`` (``None``: no cash fund, Sharpe and Sortino of raw returns).
    """

    strategy: str
    returns: pd.Series
    benchmark: pd.Series | None
    cash: pd.Series | None
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


def _marker(name: str) -> str:
    return f"<!-- regime-backtester:{name} -->"


def _template(quantstats: Any) -> str:
    """quantstats' own page template, with our placeholders for the rolling ratio charts."""
    text = (Path(quantstats.__file__).parent / "report.html").read_text(encoding="utf-8")
    for name in _ROLLING_CHARTS:
        placeholder = "{{" + name + "}}"
        if text.count(placeholder) != 1:
            raise RuntimeError(
                f"quantstats {quantstats.__version__}: its report.html has "
                f"{text.count(placeholder)} {placeholder} placeholders, not 1"
            )
        text = text.replace(placeholder, _marker(name))
    return text


def _rolling_ratio_charts(
    quantstats: Any, returns: pd.Series, rf: AnnualisedRates | float
) -> dict[str, str]:
    """The rolling Sharpe and Sortino charts as ``reports.html`` draws them, plus ``rf``."""
    charts = {}
    for name in _ROLLING_CHARTS:
        stream = io.BytesIO()
        getattr(quantstats.plots, name)(
            returns,
            rf=rf,
            grayscale=False,
            figsize=(8, 3),
            subtitle=False,
            savefig={"fname": stream, "format": "svg"},
            show=False,
            ylabel="",
            period=math.ceil(PERIODS_PER_YEAR / 2),
            periods_per_year=PERIODS_PER_YEAR,
        )
        charts[name] = stream.getvalue().decode("utf-8").replace("white-space:pre;", "")
    return charts


def _draw_nothing(*args: Any, **kwargs: Any) -> None:
    return None


@contextlib.contextmanager
def _without_replaced_charts(quantstats: Any) -> Iterator[None]:
    """Stub the plot functions of the charts this module replaces, while ``reports.html`` runs.

    quantstats draws its rolling Sharpe and Sortino charts (without ``rf``)
    into placeholders that our template copy no longer has, so they were
    drawn and thrown away; :func:`_rolling_ratio_charts` draws the real ones.
    """
    saved = {name: getattr(quantstats.plots, name) for name in _ROLLING_CHARTS}
    try:
        for name in _ROLLING_CHARTS:
            setattr(quantstats.plots, name, _draw_nothing)
        yield
    finally:
        for name, function in saved.items():
            setattr(quantstats.plots, name, function)


def _metric_cell(value: float, suffix: str = "") -> str:
    return f"{round(float(value), 2)}{suffix}" if np.isfinite(value) else "-"


def _scalar_rate_rows(
    quantstats: Any, returns: pd.Series, benchmark: pd.Series | None, rate: float
) -> dict[str, list[str]]:
    """The table rows quantstats defines with a scalar ``rf``, at the average ``rate``.

    Cells in the table's column order (benchmark first) and number format.
    """
    frame = pd.DataFrame({"returns": returns})
    if benchmark is not None:
        frame["benchmark"] = benchmark
    order = ["benchmark", "returns"] if benchmark is not None else ["returns"]
    stats = quantstats.stats
    rows = {}
    for label, function in (
        ("Ulcer Performance Index", stats.ulcer_performance_index),
        ("Serenity Index", stats.serenity_index),
    ):
        values = function(frame, rate)
        rows[label] = [_metric_cell(values[column]) for column in order]
    if benchmark is not None:
        treynor = stats.treynor_ratio(returns, benchmark, PERIODS_PER_YEAR, rate)
        rows["Treynor Ratio"] = ["-", _metric_cell(treynor * 100, "%")]
    return rows


def _replace_metric_row(text: str, label: str, cells: Sequence[str]) -> str:
    pattern = re.compile(r"<tr><td>" + re.escape(label) + r"</td>.*?</tr>", re.DOTALL)
    if len(pattern.findall(text)) != 1:
        raise RuntimeError(f"quantstats' metrics table has no single {label!r} row")
    row = "".join(f"<td>{html.escape(cell)}</td>" for cell in [label, *cells])
    return pattern.sub(lambda _match: f"<tr>{row}</tr>", text)


def render_tearsheet(job: TearsheetJob) -> TearsheetResult:
    """Render one tearsheet in the current process and write it atomically.

    Most callers want :func:`write_tearsheets`, which runs this in worker
    processes. Calling it directly imports quantstats (and pyplot) here.

    Parameters
    ----------
    job : TearsheetJob
        Returns, benchmark returns Series, cash returns and output path.

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
    template = output.with_name(f".{output.stem}.{os.getpid()}.template.html")
    returns = job.returns.astype(float).fillna(0.0).rename(job.strategy)
    benchmark = None
    if job.benchmark is not None:
        benchmark = job.benchmark.astype(float).reindex(returns.index).fillna(0.0)
    rf: AnnualisedRates | float = 0.0
    if job.cash is not None:
        rf = annualised_rates(job.cash.astype(float).reindex(returns.index).fillna(0.0))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            # F6, see the docstring; cast: pandas-stubs types plot_params as a plain dict
            with (
                matplotlib.rc_context(_TEARSHEET_RC),
                _quiet_font_logger(),
                cast(Any, pd.plotting.plot_params).use("x_compat", True),
            ):
                template.write_text(_template(quantstats), encoding="utf-8")
                with _without_replaced_charts(quantstats):
                    quantstats.reports.html(
                        returns,
                        benchmark=benchmark,
                        rf=rf,
                        title=html.escape(job.title),  # quantstats writes it raw into <h1>
                        output=str(scratch),
                        periods_per_year=PERIODS_PER_YEAR,
                        figfmt="svg",
                        template_path=str(template),
                        match_dates=False,
                        strategy_title=job.strategy,
                        benchmark_title=None if benchmark is None else str(benchmark.name),
                    )
                text = scratch.read_text(encoding="utf-8")
                for name, chart in _rolling_ratio_charts(quantstats, returns, rf).items():
                    text = text.replace(_marker(name), chart)
                if isinstance(rf, AnnualisedRates):
                    for label, cells in _scalar_rate_rows(
                        quantstats, returns, benchmark, float(rf.mean())
                    ).items():
                        text = _replace_metric_row(text, label, cells)
        finally:
            pyplot.close("all")
            scratch.unlink(missing_ok=True)
            template.unlink(missing_ok=True)
    atomic_write_text(output, clean_tearsheet_html(text))
    recorded = [
        (w.category, str(w.message), str(w.filename), int(w.lineno))
        for w in caught
        if not _is_known_third_party(w.category, str(w.message), str(w.filename))
    ]
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


def _configured_roles(run_dir: Path) -> list[str]:
    """``[report] tearsheet_roles`` of the run's ``config.toml`` (the default when absent)."""
    config = Path(run_dir) / "config.toml"
    report = {}
    if config.is_file():
        report = tomllib.loads(config.read_text(encoding="utf-8")).get("report") or {}
    if "tearsheet_roles" in report:
        return [str(role) for role in report["tearsheet_roles"]]
    from backtests.config_schema import ReportConfig  # the default's one home

    return list(ReportConfig().tearsheet_roles)


def tearsheet_strategies(
    run_dir: str | os.PathLike[str], roles: Sequence[str] | None = None
) -> list[str]:
    """The strategies of a run that get a tearsheet: those with a role in ``roles``.

    Parameters
    ----------
    run_dir : path-like
        Run directory (``returns.csv``, ``metrics.json``, ``config.toml``).
    roles : sequence of str, optional
        ``"strategy"``, ``"benchmark"``, ``"placebo"``; default: the run's
        ``report.tearsheet_roles`` (``config.toml``), or the config default
        (strategy and benchmark) when the run does not record it.

    Returns
    -------
    list of str
        Columns of ``returns.csv``, in its order. A strategy without a role in
        ``metrics.json`` counts as a ``"strategy"``.
    """
    files = load_run(run_dir)
    return _names_with_roles(files, _configured_roles(files.root) if roles is None else roles)


def _names_with_roles(files: RunFiles, roles: Sequence[str]) -> list[str]:
    wanted = set(roles)
    entries = files.strategies
    return [
        name
        for name in files.returns.columns
        if str((entries.get(name) or {}).get("role") or "strategy") in wanted
    ]


def _jobs_for_run(
    run_dir: Path, strategies: Sequence[str] | None, roles: Sequence[str] | None = None
) -> list[TearsheetJob]:
    files = load_run(run_dir)
    run = files.run_info
    if strategies is None:
        names = _names_with_roles(files, _configured_roles(files.root) if roles is None else roles)
    else:
        names = list(strategies)
    unknown = [n for n in names if n not in files.returns.columns]
    if unknown:
        raise KeyError(
            f"strategies {unknown} not in returns.csv columns {list(files.returns.columns)}"
        )
    dates = files.returns.index
    benchmark: pd.Series | None = None
    cash: pd.Series | None = None
    if files.prices is not None:
        ticker = run.get("benchmark")
        if ticker and ticker in files.prices.columns:
            benchmark = benchmark_returns(files.prices, str(ticker))
            benchmark = benchmark.reindex(dates).fillna(0.0)
        cash_ticker = run.get("cash")
        if cash_ticker and cash_ticker in files.prices.columns:
            cash = cash_returns(files.prices, str(cash_ticker)).reindex(dates).fillna(0.0)
    label = " [SYNTHETIC]" if run.get("synthetic") else ""
    return [
        TearsheetJob(
            strategy=name,
            returns=files.returns[name].fillna(0.0),
            benchmark=benchmark,
            cash=cash,
            output=files.root / "tearsheets" / f"{name}.html",
            title=f"{name} · {run.get('name', 'run')}{label}",
        )
        for name in names
    ]


def render_tearsheets(
    run_dir: str | os.PathLike[str],
    strategies: Sequence[str] | None = None,
    processes: int = 2,
    roles: Sequence[str] | None = None,
) -> list[TearsheetResult]:
    """Like :func:`write_tearsheets`, but return each tearsheet's :class:`TearsheetResult`.

    Warnings recorded in the workers are re-issued here; the results keep
    them too, with the seconds each tearsheet took inside its worker.
    """
    if processes < 0:
        raise ValueError(f"processes must be >= 0, got {processes}")
    jobs = _jobs_for_run(Path(run_dir), strategies, roles)
    if not jobs:
        return []
    if processes == 0:
        results = [render_tearsheet(job) for job in progress(jobs, "tearsheets", unit="sheet")]
    else:
        context = get_context("spawn")
        workers = min(processes, len(jobs))
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_worker_init
        ) as pool:
            results = list(
                progress(
                    pool.map(render_tearsheet, jobs), "tearsheets", total=len(jobs), unit="sheet"
                )
            )
    for result in results:
        logger.info("tearsheet %s written in %.2f s", result.path, result.seconds)
        for category, message, filename, lineno in result.warnings:
            warnings.warn_explicit(message, category, filename, lineno)
    return results


def write_tearsheets(
    run_dir: str | os.PathLike[str],
    strategies: Sequence[str] | None = None,
    processes: int = 2,
    roles: Sequence[str] | None = None,
) -> list[Path]:
    """Write ``tearsheets/<strategy>.html`` for strategies of a run directory.

    Parameters
    ----------
    run_dir : path-like
        Run directory with ``returns.csv``, ``metrics.json`` and
        ``inputs/prices.csv`` (benchmark and cash come from ``run.benchmark``
        and ``run.cash``; without prices there is no benchmark, and Sharpe
        and Sortino are of the raw returns).
    strategies : sequence of str, optional
        Columns of ``returns.csv`` to render; by default those of the roles
        in ``roles`` (:func:`tearsheet_strategies`).
    processes : int, default 2
        Worker processes (``spawn`` context, so no state is inherited).
        ``0`` renders in the calling process instead, for debugging; this
        imports quantstats and pyplot here and does not block the network.
    roles : sequence of str, optional
        Used when ``strategies`` is None: ``"strategy"``, ``"benchmark"``,
        ``"placebo"``. Default: the run's ``report.tearsheet_roles``
        (``config.toml``), strategy and benchmark when it has none.

    Returns
    -------
    list of Path
        Written files, in ``strategies`` order.

    Raises
    ------
    KeyError
        If a requested strategy is not a column of ``returns.csv``.
    ValueError
        If the cash fund has a daily return no cash fund has
        (see :func:`annualised_rates`).

    Examples
    --------
    >>> write_tearsheets("runs/synthetic", ["regime_rotation"])  # doctest: +SKIP
    [PosixPath('runs/synthetic/tearsheets/regime_rotation.html')]
    """
    return [result.path for result in render_tearsheets(run_dir, strategies, processes, roles)]
