"""One function per chart; each returns a :class:`matplotlib.figure.Figure`.

Figures are built as plain ``Figure`` objects (no pyplot, so no global figure
registry), and styled through arguments only: nothing here changes
``matplotlib.rcParams``. The colours, line styles, legend layout and axis
formats the charts share live in :mod:`reports.plot_style`.
:func:`figure_to_svg` turns a figure into an inline ``<svg>`` string for the
HTML pages.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import matplotlib
import matplotlib.patches
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

from .plot_style import (
    _STRATEGY_COLOURS,
    ABUNDANT_COLOUR,
    ROLE_STYLES,
    SCARCE_COLOUR,
    _percent_axis,
    _plain_log_axis,
    legend_columns,
    strategy_styles,
)
from .research import SweepHeatmap, thin_rows
from .tables import regime_spells

__all__ = [
    "MAX_POINTS",
    "ROLE_STYLES",
    "bounds_chart",
    "equity_and_drawdowns",
    "event_study_chart",
    "figure_to_svg",
    "legend_columns",
    "placebo_histogram",
    "regime_metric_bars",
    "regime_timeline",
    "reliability_chart",
    "strategy_styles",
    "sweep_heatmap",
    "walk_forward_bars",
]

#: Most points drawn per line of a daily series (see :func:`reports.research.thin_rows`).
MAX_POINTS = 1500

_SVG_RC: dict[RcKeyType, Any] = {"svg.hashsalt": "regime-backtester", "svg.fonttype": "path"}


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
    figsize: tuple[float, float] = (14.0, 3.5),
    max_points: int = MAX_POINTS,
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
    figsize : (float, float), default (14, 3.5)
        Inches; at 100 dpi the default is about 1400x350 pixels.
    max_points : int, default :data:`MAX_POINTS`
        Lines are thinned to about this many points (every k-th day); the
        scarce shading always uses every day's label.

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
    prices = thin_rows(prices[prices > 0], max_points)
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
        liquidity = thin_rows(net_liquidity.dropna() / 1e6, max_points)
        axes[1].plot(liquidity.index, liquidity.to_numpy(), color="#1f77b4", linewidth=1.0)
        axes[1].set_ylabel("net liq.\n($tn)", fontsize=9)

    full_index = regimes.index
    probability = thin_rows(regimes["p_scarce"].astype(float), max_points)
    prob_ax.fill_between(
        probability.index, probability.to_numpy(), color=SCARCE_COLOUR, alpha=0.35, linewidth=0
    )
    prob_ax.plot(probability.index, probability.to_numpy(), color=SCARCE_COLOUR, linewidth=0.8)
    prob_ax.axhline(0.5, color="grey", linewidth=0.6, linestyle="--")
    prob_ax.set_ylim(0.0, 1.0)
    prob_ax.set_ylabel("p(scarce)", fontsize=9)
    if len(full_index):
        prob_ax.set_xlim(full_index[0], full_index[-1])
    return figure


def _drawdowns(wealth: pd.DataFrame) -> pd.DataFrame:
    return wealth / wealth.cummax() - 1.0


def equity_and_drawdowns(
    returns: pd.DataFrame,
    roles: Mapping[str, str] | None = None,
    *,
    figsize: tuple[float, float] = (14.0, 5.5),
    max_points: int = MAX_POINTS,
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
    max_points : int, default :data:`MAX_POINTS`
        Computed on every day, then thinned for drawing: wealth keeps every
        k-th close, drawdowns keep each bucket's deepest point.

    Returns
    -------
    Figure
        Two panels sharing the x-axis: equity (log) on top, drawdowns below.
    """
    roles = roles or {}
    full_wealth = (1.0 + returns.fillna(0.0)).cumprod()
    drawdowns = thin_rows(_drawdowns(full_wealth), max_points, how="min")
    wealth = thin_rows(full_wealth, max_points)
    figure = Figure(figsize=figsize, layout="constrained")
    equity_ax, drawdown_ax = figure.subplots(2, 1, sharex=True, height_ratios=[2.2, 1.0])
    styles = strategy_styles(returns.columns, roles)
    for name in returns.columns:
        role = roles.get(name, "strategy")
        label = name if role == "strategy" else f"{name} ({role})"
        equity_ax.plot(wealth.index, wealth[name].to_numpy(), label=label, **styles[name])
        drawdown_ax.plot(drawdowns.index, drawdowns[name].to_numpy(), **styles[name])
    equity_ax.set_yscale("log")
    _plain_log_axis(equity_ax)
    # sized to stay legible when the 14-inch figure is shown 1,000 px wide
    equity_ax.set_ylabel("growth of 1 (log)", fontsize=10)
    handles, labels = equity_ax.get_legend_handles_labels()
    figure.legend(
        handles,
        labels,
        loc="outside upper center",
        fontsize=9.5,
        frameon=False,
        ncols=legend_columns(labels, figsize[0], 9.5),
        handlelength=3.2,
    )
    drawdown_ax.set_ylabel("drawdown", fontsize=10)
    _percent_axis(drawdown_ax)
    for ax in (equity_ax, drawdown_ax):
        ax.tick_params(labelsize=9)
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
        ax.bar(
            offsets[drawn],
            heights[drawn],
            width=width * 0.95,
            label=str(scope),
            color=colours.get(str(scope), f"C{i}"),
        )
        for x in offsets[~drawn]:
            ax.text(x, 0.0, "n/a", ha="center", va="bottom", fontsize=7, color="grey")
    ax.axhline(0.0, color="black", linewidth=0.6)
    ax.set_xticks(
        positions,
        [str(s) for s in values.index],
        fontsize=8,
        rotation=25 if len(values.index) > 5 else 0,
        ha="right" if len(values.index) > 5 else "center",
    )
    ax.set_ylabel(metric_label, fontsize=9)
    ax.tick_params(labelsize=8)
    ax.grid(True, axis="y", alpha=0.25, linewidth=0.5)
    # above the axes, so it never covers a bar
    figure.legend(
        *ax.get_legend_handles_labels(),
        fontsize=8,
        frameon=False,
        ncols=n_scopes,
        loc="outside upper center",
    )
    return figure


def event_study_chart(
    table: pd.DataFrame,
    *,
    transitions: tuple[str, ...] = ("into_scarce", "into_abundant"),
    figsize: tuple[float, float] = (7.0, 3.2),
) -> Figure:
    """Mean and median cumulative basket return around regime switches, with bands.

    Parameters
    ----------
    table : DataFrame
        ``event_study.csv``: ``transition``, ``basket``, ``day``, ``mean``,
        ``median``, ``low``, ``high`` (95% band of the mean), ``n_events``.
    transitions : tuple of str
        One panel each, left to right.
    figsize : (float, float), default (7, 3.2)

    Returns
    -------
    Figure
        One panel per transition sharing the y-axis; day 0 is the close at
        which the new label is first known.
    """
    figure = Figure(figsize=figsize, layout="constrained")
    axes = figure.subplots(1, len(transitions), sharey=True, squeeze=False)[0]
    baskets = list(dict.fromkeys(table["basket"])) if "basket" in table else []
    for ax, transition in zip(axes, transitions, strict=True):
        rows = table[table["transition"] == transition]
        n_events = int(rows["n_events"].max()) if len(rows) else 0
        for i, basket in enumerate(baskets):
            path = rows[rows["basket"] == basket].sort_values("day")
            if path.empty:
                continue
            colour = f"C{i}"
            days = path["day"].to_numpy()
            ax.fill_between(
                days,
                path["low"].to_numpy(float),
                path["high"].to_numpy(float),
                color=colour,
                alpha=0.15,
                linewidth=0,
            )
            ax.plot(
                days,
                path["mean"].to_numpy(float),
                color=colour,
                linewidth=1.4,
                label=f"{basket} mean (95% band)",
            )
            ax.plot(
                days,
                path["median"].to_numpy(float),
                color=colour,
                linewidth=1.0,
                linestyle="--",
                label=f"{basket} median",
            )
        ax.axvline(0, color="black", linewidth=0.7)
        ax.axhline(0, color="grey", linewidth=0.6)
        regime = transition.replace("into_", "")
        ax.set_title(
            f"switches into {regime} (n = {n_events})",
            fontsize=9,
            color=SCARCE_COLOUR if regime == "scarce" else ABUNDANT_COLOUR,
        )
        ax.set_xlabel("trading days from the switch", fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(True, alpha=0.25, linewidth=0.5)
    _percent_axis(axes[0])
    axes[0].set_ylabel("cumulative return", fontsize=8)
    if baskets:  # below the panels, so it never hides a path
        handles, labels = axes[-1].get_legend_handles_labels()
        figure.legend(
            handles,
            labels,
            fontsize=7,
            frameon=False,
            loc="outside lower center",
            ncols=legend_columns(labels, figsize[0], 7.0, most=2),
        )
    return figure


def sweep_heatmap(heatmap: SweepHeatmap, *, figsize: tuple[float, float] = (7.0, 3.2)) -> Figure:
    """Median metric of the sweep over two parameters, best cell outlined.

    Colours span the values' range (centred on zero when they have both signs).

    Parameters
    ----------
    heatmap : SweepHeatmap
        From :func:`reports.research.sweep_heatmap_data` (non-empty).
    figsize : (float, float), default (7, 3.2)

    Returns
    -------
    Figure
    """
    values = heatmap.values
    data = values.to_numpy(dtype=float)
    figure = Figure(figsize=figsize, layout="constrained")
    ax = figure.subplots()
    finite = data[np.isfinite(data)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if low < 0 < high:  # both signs: centre the colours on zero
        low, high = -max(-low, high), max(-low, high)
    elif low == high:
        low, high = low - 0.5, high + 0.5
    image = ax.imshow(data, cmap="RdYlGn", vmin=low, vmax=high, aspect="auto")
    for (row, column), value in np.ndenumerate(data):
        if np.isfinite(value):
            ax.text(column, row, f"{value:.2f}", ha="center", va="center", fontsize=8)
    if finite.size:
        row, column = np.unravel_index(np.nanargmax(data), data.shape)
        ax.add_patch(
            matplotlib.patches.Rectangle(
                (column - 0.5, row - 0.5), 1, 1, fill=False, edgecolor="black", linewidth=2
            )
        )
    ax.set_yticks(range(len(values.index)), [str(v) for v in values.index], fontsize=8)
    ax.set_xticks(range(len(values.columns)), [str(v) for v in values.columns], fontsize=8)
    ax.set_ylabel(str(heatmap.rows), fontsize=9)
    ax.set_xlabel(str(heatmap.columns or ""), fontsize=9)
    colourbar = figure.colorbar(image, ax=ax, fraction=0.05)
    colourbar.set_label(f"median {heatmap.metric}", fontsize=8)
    colourbar.ax.tick_params(labelsize=7)
    return figure


def walk_forward_bars(
    folds: pd.DataFrame,
    out_of_sample_sharpe: float | None = None,
    *,
    figsize: tuple[float, float] = (7.0, 3.2),
) -> Figure:
    """In-sample vs out-of-sample Sharpe of the configuration chosen in each fold.

    Parameters
    ----------
    folds : DataFrame
        :func:`reports.research.walk_forward_frame` output.
    out_of_sample_sharpe : float, optional
        Sharpe of the stitched out-of-sample returns, drawn as a line.
    figsize : (float, float), default (7, 3.2)

    Returns
    -------
    Figure
    """
    figure = Figure(figsize=figsize, layout="constrained")
    ax = figure.subplots()
    positions = np.arange(len(folds), dtype=float)
    ax.bar(
        positions - 0.2,
        folds["in_sample_sharpe"].to_numpy(float),
        width=0.38,
        color="#9e9e9e",
        label="in sample (training window)",
    )
    ax.bar(
        positions + 0.2,
        folds["out_of_sample_sharpe"].to_numpy(float),
        width=0.38,
        color="#1f77b4",
        label="out of sample (next window)",
    )
    mean_in = float(folds["in_sample_sharpe"].mean()) if len(folds) else np.nan
    if np.isfinite(mean_in):
        ax.axhline(
            mean_in,
            color="#616161",
            linestyle=":",
            linewidth=1.0,
            label=f"mean in sample {mean_in:.2f}",
        )
    if out_of_sample_sharpe is not None and np.isfinite(out_of_sample_sharpe):
        ax.axhline(
            out_of_sample_sharpe,
            color="#1f77b4",
            linestyle="--",
            linewidth=1.0,
            label=f"stitched out of sample {out_of_sample_sharpe:.2f}",
        )
    ax.axhline(0.0, color="black", linewidth=0.6)
    labels = [
        f"{str(a)[:7]}…{str(b)[:7]}"
        for a, b in zip(folds["test_start"], folds["test_end"], strict=True)
    ]
    ax.set_xticks(positions, labels, fontsize=7)
    ax.set_xlabel("test window", fontsize=8)
    ax.set_ylabel("Sharpe ratio", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(True, axis="y", alpha=0.25, linewidth=0.5)
    figure.legend(fontsize=7, frameon=False, loc="outside lower center", ncols=2)
    return figure


def placebo_histogram(
    sharpes: pd.Series,
    real_sharpe: float | None = None,
    real_label: str = "real rotation",
    percentile: float | None = None,
    *,
    figsize: tuple[float, float] = (7.0, 3.2),
) -> Figure:
    """Distribution of the random-regime placebo's Sharpe, real rotation marked.

    Parameters
    ----------
    sharpes : Series of shape (n_paths,)
        Sharpe ratio of each random-regime path (``placebos.csv``).
    real_sharpe : float, optional
        The real rotation's Sharpe, drawn as a vertical line.
    real_label : str
    percentile : float, optional
        Its percentile in the distribution, for the label.
    figsize : (float, float), default (7, 3.2)

    Returns
    -------
    Figure
    """
    values = sharpes.to_numpy(dtype=float)
    values = values[np.isfinite(values)]
    figure = Figure(figsize=figsize, layout="constrained")
    ax = figure.subplots()
    ax.hist(
        values,
        bins=min(30, max(5, len(values) // 6)),
        color="#9e9e9e",
        edgecolor="white",
        linewidth=0.5,
        label=f"{len(values)} random-regime paths",
    )
    if len(values):
        median = float(np.median(values))
        ax.axvline(
            median,
            color="#424242",
            linestyle="--",
            linewidth=1.0,
            label=f"placebo median {median:.2f}",
        )
    if real_sharpe is not None and np.isfinite(real_sharpe):
        where = f", beats {percentile:.0f}% of paths" if percentile is not None else ""
        ax.axvline(
            real_sharpe,
            color=SCARCE_COLOUR,
            linewidth=2.0,
            label=f"{real_label} {real_sharpe:.2f}{where}",
        )
    ax.set_xlabel("Sharpe ratio", fontsize=8)
    ax.set_ylabel("paths", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(True, axis="y", alpha=0.25, linewidth=0.5)
    ax.legend(fontsize=7, frameon=False, loc="upper left")
    return figure


def reliability_chart(
    bins: Mapping[str, pd.DataFrame],
    brier: Mapping[str, float | None] | None = None,
    *,
    figsize: tuple[float, float] = (5.6, 5.4),
) -> Figure:
    """Predicted probability of scarcity against the observed share, per classifier.

    A calibrated classifier's points lie on the diagonal: of the days it
    gives ``p_scarce`` of about 0.7, about 70% are truly scarce.

    Parameters
    ----------
    bins : mapping of str to DataFrame
        Classifier to its bins (:func:`reports.evidence.reliability_frames`):
        ``mean_p_scarce`` (x), ``share_scarce`` (y), ``n`` (marker area).
    brier : mapping of str to float, optional
        Brier score per classifier, for the legend.
    figsize : (float, float), default (5.6, 5.4)

    Returns
    -------
    Figure
    """
    brier = brier or {}
    figure = Figure(figsize=figsize, layout="constrained")
    ax = figure.subplots()
    ax.plot(
        [0, 1], [0, 1], color="grey", linestyle="--", linewidth=0.9, label="perfect calibration"
    )
    largest = max((float(frame["n"].max()) for frame in bins.values() if len(frame)), default=1.0)
    for i, (name, frame) in enumerate(bins.items()):
        score = brier.get(name)
        label = f"{name} (Brier {score:.3f})" if score is not None and np.isfinite(score) else name
        colour = _STRATEGY_COLOURS[i % len(_STRATEGY_COLOURS)]
        ax.plot(
            frame["mean_p_scarce"],
            frame["share_scarce"],
            color=colour,
            linewidth=1.2,
            marker="o",
            markersize=0,
            label=label,
        )
        ax.scatter(
            frame["mean_p_scarce"],
            frame["share_scarce"],
            color=colour,
            zorder=3,
            s=12 + 120 * frame["n"].to_numpy(dtype=float) / largest,
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.set_xlabel("predicted p(scarce), bin mean", fontsize=9)
    ax.set_ylabel("observed share of scarce days", fontsize=9)
    ax.tick_params(labelsize=8)
    ax.grid(True, alpha=0.25, linewidth=0.5)
    handles, labels = ax.get_legend_handles_labels()
    figure.legend(
        handles,
        labels,
        fontsize=8,
        frameon=False,
        loc="outside lower center",
        ncols=legend_columns(labels, figsize[0], 8.0, most=2),
    )
    return figure


def bounds_chart(
    daily: pd.DataFrame,
    rivals: pd.DataFrame,
    tradable: Mapping[str, bool],
    *,
    figsize: tuple[float, float] = (7.0, 3.2),
    max_points: int = MAX_POINTS,
) -> Figure:
    """Growth of 1 of the rotation on every label path, and of its no-timing rivals.

    Parameters
    ----------
    daily : DataFrame of shape (n_dates, n_paths)
        ``bounds.csv``: daily returns of each bound path.
    rivals : DataFrame of shape (n_dates, n_rivals)
        Daily returns of the rivals (from ``returns.csv``).
    tradable : mapping of str to bool
        Paths that are not tradable are dashed.

    Returns
    -------
    Figure
    """
    wealth = thin_rows((1.0 + pd.concat([daily, rivals], axis=1).fillna(0.0)).cumprod(), max_points)
    figure = Figure(figsize=figsize, layout="constrained")
    ax = figure.subplots()
    path_colours = {
        "walk_forward": "#1f77b4",
        "oracle": "#2ca02c",
        "oracle_delayed": "#98df8a",
        "hindsight": "#ff7f0e",
        "hindsight_delayed": "#ffbb78",
    }
    for i, name in enumerate(daily.columns):
        not_tradable = tradable.get(name) is not True
        ax.plot(
            wealth.index,
            wealth[name].to_numpy(),
            linewidth=1.4,
            color=path_colours.get(name, _STRATEGY_COLOURS[i % len(_STRATEGY_COLOURS)]),
            linestyle=(0, (4, 2)) if not_tradable else "-",
            label=f"{name} (not tradable)" if not_tradable else name,
        )
    rival_styles = strategy_styles(rivals.columns, dict.fromkeys(rivals.columns, "benchmark"))
    for name in rivals.columns:
        ax.plot(
            wealth.index,
            wealth[name].to_numpy(),
            label=f"{name} (no timing)",
            **{**rival_styles[name], "linewidth": 1.0},
        )
    ax.set_yscale("log")
    _plain_log_axis(ax)
    ax.set_ylabel("growth of 1 (log)", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(True, alpha=0.25, linewidth=0.5)
    handles, labels = ax.get_legend_handles_labels()
    figure.legend(
        handles,
        labels,
        fontsize=7,
        frameon=False,
        loc="outside upper center",
        ncols=legend_columns(labels, figsize[0], 7.0, most=3),
        handlelength=3.0,
    )
    if len(wealth):
        ax.set_xlim(wealth.index[0], wealth.index[-1])
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
    svg = svg[svg.index("<svg") :]
    ids = set(_ID_ATTR.findall(svg))

    def _prefixed(match: re.Match[str]) -> str:
        name = match.group(2)
        return match.group(0) if name not in ids else f"{match.group(1)}{id_prefix}-{name}"

    svg = re.sub(r'(\bid=")([^"]+)', _prefixed, svg)
    svg = re.sub(r"(url\(#)([^)]+)", _prefixed, svg)
    svg = re.sub(r'(href="#)([^"]+)', _prefixed, svg)
    svg = re.sub(r'^<svg([^>]*?) width="[^"]*" height="[^"]*"', r"<svg\1", svg, count=1)
    return svg.replace("<svg", f'<svg role="img" aria-label="{id_prefix} chart"', 1).strip()
