"""One function per chart; each returns a :class:`matplotlib.figure.Figure`.

Figures are built as plain ``Figure`` objects (no pyplot, so no global figure
registry), and styled through arguments only: nothing here changes
``matplotlib.rcParams``. :func:`figure_to_svg` turns a figure into an inline
``<svg>`` string for the HTML pages.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .tables import regime_spells

__all__ = [
    "ROLE_STYLES",
    "equity_and_drawdowns",
    "figure_to_svg",
    "regime_metric_bars",
    "regime_timeline",
]

SCARCE_COLOUR = "#d62728"
ABUNDANT_COLOUR = "#2ca02c"
#: Line style per strategy role, so benchmarks and placebos stand apart.
ROLE_STYLES: dict[str, dict[str, object]] = {
    "strategy": {"linestyle": "-", "linewidth": 1.4, "alpha": 1.0},
    "benchmark": {"linestyle": "--", "linewidth": 1.2, "alpha": 0.9, "color": "black"},
    "placebo": {"linestyle": ":", "linewidth": 1.2, "alpha": 0.8},
}
_SVG_RC = {"svg.hashsalt": "regime-backtester", "svg.fonttype": "path"}


class _PlainLogFormatter(matplotlib.ticker.LogFormatter):
    """LogFormatter's choice of which ticks to label, written as plain numbers."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        return f"{x:.3g}" if super().__call__(x, pos) else ""


def _plain_log_axis(ax) -> None:
    """Label a log y-axis with plain numbers (0.6, 1, 2, 300) instead of 10^x or 6e-01."""
    ax.yaxis.set_major_formatter(_PlainLogFormatter(labelOnlyBase=False))
    ax.yaxis.set_minor_formatter(_PlainLogFormatter(labelOnlyBase=False))


def _shade_spells(ax, regime: pd.Series, label: str = "scarce") -> None:
    """Shade each spell of ``label`` on ``ax`` (through the next day's start)."""
    spells = regime_spells(regime, label)
    if spells.empty:
        return
    index = regime.dropna().index
    for start, end in zip(spells["start"], spells["end"], strict=True):
        after = index.searchsorted(end, side="right")
        stop = index[after] if after < len(index) else end
        ax.axvspan(start, stop, color=SCARCE_COLOUR, alpha=0.13, linewidth=0)


def regime_timeline(
    benchmark_prices: pd.Series,
    regimes: pd.DataFrame,
    net_liquidity: pd.Series | None = None,
    *,
    benchmark_name: str | None = None,
    figsize: tuple[float, float] = (14.0, 4.2),
) -> Figure:
    """Benchmark price with scarce periods shaded, net liquidity, and p_scarce.

    Parameters
    ----------
    benchmark_prices : Series of shape (n_dates,)
        Benchmark adjusted closes; drawn on a log scale.
    regimes : DataFrame of shape (n_dates, 2)
        Columns ``regime`` ("abundant"/"scarce") and ``p_scarce``.
    net_liquidity : Series of shape (n_dates,), optional
        Net liquidity in millions of USD; drawn in trillions. Its panel is
        omitted when ``None`` or all-NaN.
    benchmark_name : str, optional
        Label for the price panel; defaults to the Series name.
    figsize : (float, float), default (14, 4.2)
        Inches; at 100 dpi the default is about 1400x420 pixels.

    Returns
    -------
    Figure
        Two or three panels sharing the x-axis.
    """
    has_liquidity = net_liquidity is not None and bool(net_liquidity.notna().any())
    ratios = [3.0, 1.2, 1.2] if has_liquidity else [3.0, 1.2]
    figure = Figure(figsize=figsize, layout="constrained")
    axes = figure.subplots(len(ratios), 1, sharex=True, height_ratios=ratios)
    price_ax, prob_ax = axes[0], axes[-1]
    name = benchmark_name or str(benchmark_prices.name or "benchmark")

    prices = benchmark_prices.dropna()
    prices = prices[prices > 0]
    price_ax.plot(prices.index, prices.to_numpy(), color="black", linewidth=1.0, label=name)
    if len(prices):
        price_ax.set_yscale("log")
        _plain_log_axis(price_ax)
    price_ax.set_ylabel(f"{name} (log)", fontsize=9)
    for ax in axes:
        _shade_spells(ax, regimes["regime"])
        ax.tick_params(labelsize=8)
        ax.grid(True, alpha=0.25, linewidth=0.5)
    price_ax.plot([], [], color=SCARCE_COLOUR, alpha=0.3, linewidth=6, label="scarce")
    price_ax.legend(loc="upper left", fontsize=8, frameon=False, ncols=2)

    if has_liquidity:
        assert net_liquidity is not None
        liquidity = net_liquidity.dropna() / 1e6
        axes[1].plot(liquidity.index, liquidity.to_numpy(), color="#1f77b4", linewidth=1.0)
        axes[1].set_ylabel("net liq.\n($tn)", fontsize=9)

    probability = regimes["p_scarce"].astype(float)
    prob_ax.fill_between(probability.index, probability.to_numpy(), color=SCARCE_COLOUR,
                         alpha=0.35, linewidth=0)
    prob_ax.plot(probability.index, probability.to_numpy(), color=SCARCE_COLOUR, linewidth=0.8)
    prob_ax.axhline(0.5, color="grey", linewidth=0.6, linestyle="--")
    prob_ax.set_ylim(0.0, 1.0)
    prob_ax.set_ylabel("p(scarce)", fontsize=9)
    if len(probability):
        prob_ax.set_xlim(probability.index[0], probability.index[-1])
    return figure


def _drawdowns(wealth: pd.DataFrame) -> pd.DataFrame:
    return wealth / wealth.cummax() - 1.0


def equity_and_drawdowns(
    returns: pd.DataFrame,
    roles: Mapping[str, str] | None = None,
    *,
    figsize: tuple[float, float] = (14.0, 5.5),
) -> Figure:
    """Growth of 1 (log scale) and drawdowns for every strategy.

    Parameters
    ----------
    returns : DataFrame of shape (n_dates, n_strategies)
        Daily simple returns; NaN is treated as 0 (not invested yet).
    roles : mapping of str to str, optional
        Strategy name to role ("strategy", "benchmark", "placebo"), which picks
        the line style (see :data:`ROLE_STYLES`).
    figsize : (float, float), default (14, 5.5)
        Inches.

    Returns
    -------
    Figure
        Two panels sharing the x-axis: equity (log) on top, drawdowns below.
    """
    roles = roles or {}
    wealth = (1.0 + returns.fillna(0.0)).cumprod()
    drawdowns = _drawdowns(wealth)
    figure = Figure(figsize=figsize, layout="constrained")
    equity_ax, drawdown_ax = figure.subplots(2, 1, sharex=True, height_ratios=[2.2, 1.0])
    for name in returns.columns:
        role = roles.get(name, "strategy")
        style = dict(ROLE_STYLES.get(role, ROLE_STYLES["strategy"]))
        label = name if role == "strategy" else f"{name} ({role})"
        equity_ax.plot(wealth.index, wealth[name].to_numpy(), label=label, **style)
        drawdown_ax.plot(drawdowns.index, drawdowns[name].to_numpy(), **style)
    equity_ax.set_yscale("log")
    _plain_log_axis(equity_ax)
    equity_ax.set_ylabel("growth of 1 (log)", fontsize=9)
    equity_ax.legend(loc="upper left", fontsize=8, frameon=False, ncols=3)
    drawdown_ax.set_ylabel("drawdown", fontsize=9)
    drawdown_ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    for ax in (equity_ax, drawdown_ax):
        ax.tick_params(labelsize=8)
        ax.grid(True, alpha=0.25, linewidth=0.5)
    if len(returns):
        drawdown_ax.set_xlim(returns.index[0], returns.index[-1])
    return figure


def regime_metric_bars(
    values: pd.DataFrame,
    *,
    metric_label: str = "Sharpe ratio",
    figsize: tuple[float, float] = (14.0, 3.0),
) -> Figure:
    """Grouped bars of one metric per strategy, split by regime.

    Parameters
    ----------
    values : DataFrame of shape (n_strategies, n_scopes)
        E.g. :func:`reports.tables.regime_metric_frame` output: index
        strategies, columns scopes (``overall``, ``abundant``, ``scarce``).
        NaN bars are left out and labelled "n/a".
    metric_label : str, default "Sharpe ratio"
        y-axis label.
    figsize : (float, float), default (14, 3)
        Inches.

    Returns
    -------
    Figure
    """
    colours = {"overall": "#7f7f7f", "abundant": ABUNDANT_COLOUR, "scarce": SCARCE_COLOUR}
    figure = Figure(figsize=figsize, layout="constrained")
    ax = figure.subplots()
    n_scopes = max(len(values.columns), 1)
    width = 0.8 / n_scopes
    positions = np.arange(len(values.index), dtype=float)
    for i, scope in enumerate(values.columns):
        heights = values[scope].to_numpy(dtype=float)
        offsets = positions + (i - (n_scopes - 1) / 2) * width
        drawn = np.isfinite(heights)
        ax.bar(offsets[drawn], heights[drawn], width=width * 0.95, label=str(scope),
               color=colours.get(str(scope), f"C{i}"))
        for x in offsets[~drawn]:
            ax.text(x, 0.0, "n/a", ha="center", va="bottom", fontsize=7, color="grey")
    ax.axhline(0.0, color="black", linewidth=0.6)
    ax.set_xticks(positions, [str(s) for s in values.index], fontsize=8)
    ax.set_ylabel(metric_label, fontsize=9)
    ax.tick_params(labelsize=8)
    ax.grid(True, axis="y", alpha=0.25, linewidth=0.5)
    ax.legend(fontsize=8, frameon=False, ncols=n_scopes, loc="upper right")
    return figure


_ID_ATTR = re.compile(r'\bid="([^"]+)"')


def figure_to_svg(figure: Figure, id_prefix: str) -> str:
    """Render a figure to an inline ``<svg>`` element.

    The XML prolog and DOCTYPE are dropped, the fixed width/height are
    removed so CSS can scale the picture (the viewBox keeps its aspect), and
    every internal id is prefixed so several figures can share one page.
    Output is deterministic for the same figure (fixed hash salt, no date).

    Parameters
    ----------
    figure : Figure
        The figure to render.
    id_prefix : str
        Prefix for ids inside the SVG, unique within the page.

    Returns
    -------
    str
        ``<svg ...>...</svg>`` markup.
    """
    buffer = io.StringIO()
    with matplotlib.rc_context(_SVG_RC):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    ids = set(_ID_ATTR.findall(svg))

    def _prefixed(match: re.Match[str]) -> str:
        name = match.group(2)
        return match.group(0) if name not in ids else f"{match.group(1)}{id_prefix}-{name}"

    svg = re.sub(r'(\bid=")([^"]+)', _prefixed, svg)
    svg = re.sub(r"(url\(#)([^)]+)", _prefixed, svg)
    svg = re.sub(r'(href="#)([^"]+)', _prefixed, svg)
    svg = re.sub(r'^<svg([^>]*?) width="[^"]*" height="[^"]*"', r"<svg\1", svg, count=1)
    return svg.replace("<svg", f'<svg role="img" aria-label="{id_prefix} chart"', 1).strip()
