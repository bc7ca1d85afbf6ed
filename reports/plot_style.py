"""The styling the charts share: regime and strategy colours, line styles, legends, axes.

The charts of :mod:`reports.plots` take their shared styling from here: a
strategy, a benchmark or a placebo gets the same colour and dash in every
chart and legend (:func:`strategy_styles`), the regimes their colours
(:data:`SCARCE_COLOUR`, :data:`ABUNDANT_COLOUR`), legends fit their figure
(:func:`legend_columns`), and log and percent axes are labelled the same way.
Nothing here changes ``matplotlib.rcParams``. :mod:`reports.plots`
re-exports the public names it exported before.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.ticker

__all__ = [
    "ABUNDANT_COLOUR",
    "ROLE_STYLES",
    "SCARCE_COLOUR",
    "legend_columns",
    "strategy_styles",
]

SCARCE_COLOUR = "#d62728"
ABUNDANT_COLOUR = "#2ca02c"
#: Line width and opacity per strategy role; colours and dashes come from :func:`strategy_styles`.
ROLE_STYLES: dict[str, dict[str, object]] = {
    "strategy": {"linewidth": 1.5, "alpha": 1.0},
    "benchmark": {"linewidth": 1.25, "alpha": 0.95},
    "placebo": {"linewidth": 1.1, "alpha": 0.8},
}
_STRATEGY_COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#e377c2",
    "#17becf",
    "#bcbd22",
)
_BENCHMARK_COLOURS = (
    "#000000",
    "#8c564b",
    "#7f7f7f",
    "#1b4f72",
    "#6b8e23",
    "#b8860b",
    "#800000",
    "#4b0082",
)
_BENCHMARK_DASHES: tuple[object, ...] = (
    (0, (6, 2)),
    (0, (6, 2, 1.5, 2)),
    (0, (2.5, 1.5)),
    (0, (9, 2, 1.5, 2, 1.5, 2)),
    (0, (4, 1, 1, 1)),
    (0, (12, 3)),
    (0, (1.5, 1.5)),
    (0, (6, 1.5, 6, 4)),
)
_PLACEBO_COLOURS = ("#9e9e9e", "#c49c94", "#aec7e8", "#98df8a")
_PLACEBO_DASHES: tuple[object, ...] = ((0, (1, 1.5)), (0, (1, 3)), (0, (1, 1, 3, 1)), (0, (0.5, 2)))


def legend_columns(labels, width_inches: float, fontsize: float, most: int = 5) -> int:
    """How many legend columns fit across ``width_inches`` for these labels (at least 1).

    A column is as wide as the longest label (about 0.6 em a character) plus the
    line sample and the spacing, so long names get fewer columns instead of a
    legend wider than its figure.

    Examples
    --------
    >>> legend_columns(["a", "b", "c"], 14.0, 9.5), legend_columns(["x" * 90] * 4, 7.0, 8.0)
    (3, 1)
    """
    labels = [str(label) for label in labels]
    if not labels:
        return 1
    column_pt = fontsize * (0.6 * max(len(label) for label in labels) + 3.2 + 2.8)
    fit = int(width_inches * 72.0 // column_pt)
    return max(1, min(most, len(labels), fit))


def strategy_styles(names, roles: Mapping[str, str] | None = None) -> dict[str, dict[str, object]]:
    """One line style per strategy: the same in every chart and in the legend.

    Strategies are solid lines in distinct colours; each benchmark gets its
    own colour *and* its own dash pattern; placebos are dotted in muted
    colours. Styles cycle only beyond 8 strategies, 8 benchmarks or 4 placebos.

    Parameters
    ----------
    names : iterable of str
        Strategy names, in drawing order.
    roles : mapping of str to str, optional
        Name to role (``"strategy"``, ``"benchmark"``, ``"placebo"``).

    Returns
    -------
    dict of str to dict
        Keyword arguments for ``Axes.plot``: ``color``, ``linestyle``,
        ``linewidth``, ``alpha``.

    Examples
    --------
    >>> styles = strategy_styles(["rot", "spy", "qqq"], {"spy": "benchmark", "qqq": "benchmark"})
    >>> styles["spy"]["color"] != styles["qqq"]["color"]
    True
    >>> styles["spy"]["linestyle"] != styles["qqq"]["linestyle"]
    True
    """
    roles = roles or {}
    counters = {"strategy": 0, "benchmark": 0, "placebo": 0}
    styles: dict[str, dict[str, object]] = {}
    for name in names:
        role = roles.get(name, "strategy")
        role = role if role in counters else "strategy"
        i = counters[role]
        counters[role] += 1
        if role == "benchmark":
            colour, dash = (
                _BENCHMARK_COLOURS[i % len(_BENCHMARK_COLOURS)],
                _BENCHMARK_DASHES[i % len(_BENCHMARK_DASHES)],
            )
        elif role == "placebo":
            colour, dash = (
                _PLACEBO_COLOURS[i % len(_PLACEBO_COLOURS)],
                _PLACEBO_DASHES[i % len(_PLACEBO_DASHES)],
            )
        else:
            colour, dash = _STRATEGY_COLOURS[i % len(_STRATEGY_COLOURS)], "-"
        styles[name] = {"color": colour, "linestyle": dash, **ROLE_STYLES[role]}
    return styles


class _PlainLogFormatter(matplotlib.ticker.LogFormatter):
    """LogFormatter's choice of which ticks to label, written as plain numbers."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        return f"{x:.3g}" if super().__call__(x, pos) else ""


def _plain_log_axis(ax) -> None:
    """Label a log y-axis with plain numbers (0.6, 1, 2, 300) instead of 10^x or 6e-01."""
    ax.yaxis.set_major_formatter(_PlainLogFormatter(labelOnlyBase=False))
    ax.yaxis.set_minor_formatter(_PlainLogFormatter(labelOnlyBase=False))


def _percent_axis(ax, axis: str = "y", decimals: int = 0) -> None:
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=decimals))
