"""Charts return Figures, leave rcParams alone and embed as unique-id SVG."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from reports.plots import equity_and_drawdowns, figure_to_svg, regime_metric_bars, regime_timeline


def _inputs(n: int = 300):
    rng = np.random.default_rng(3)
    index = pd.bdate_range("2021-01-01", periods=n)
    prices = pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 0.01, n))), index=index, name="MKT")
    p_scarce = pd.Series(np.clip(rng.normal(0.4, 0.3, n), 0, 1), index=index)
    regimes = pd.DataFrame(
        {"regime": np.where(p_scarce > 0.5, "scarce", "abundant"), "p_scarce": p_scarce}
    )
    liquidity = pd.Series(5.5e6 + np.cumsum(rng.normal(0, 1e4, n)), index=index)
    returns = pd.DataFrame(rng.normal(0, 0.01, (n, 3)), index=index, columns=["a", "b", "c"])
    return prices, regimes, liquidity, returns


def test_charts_are_figures_and_leave_rcparams_unchanged():
    prices, regimes, liquidity, returns = _inputs()
    before = dict(matplotlib.rcParams)
    figures = [
        regime_timeline(prices, regimes, liquidity),
        regime_timeline(prices, regimes, None),
        equity_and_drawdowns(returns, {"b": "benchmark", "c": "placebo"}),
        regime_metric_bars(
            pd.DataFrame({"overall": [0.5, np.nan], "scarce": [-0.2, 0.1]}, index=["a", "b"])
        ),
    ]
    svgs = [figure_to_svg(f, f"fig{i}") for i, f in enumerate(figures)]
    assert all(isinstance(f, Figure) for f in figures)
    assert len(figures[0].axes) == 3 and len(figures[1].axes) == 2
    assert dict(matplotlib.rcParams) == before
    for i, svg in enumerate(svgs):
        assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
        assert "<?xml" not in svg
        ids = [part.split('"')[0] for part in svg.split(' id="')[1:]]
        assert ids and all(i_.startswith(f"fig{i}-") for i_ in ids)


def test_svg_is_deterministic():
    prices, regimes, liquidity, _ = _inputs(120)
    first = figure_to_svg(regime_timeline(prices, regimes, liquidity), "t")
    second = figure_to_svg(regime_timeline(prices, regimes, liquidity), "t")
    assert first == second


def test_inputs_not_mutated():
    prices, regimes, liquidity, returns = _inputs(100)
    copies = [x.copy(deep=True) for x in (prices, regimes, liquidity, returns)]
    regime_timeline(prices, regimes, liquidity)
    equity_and_drawdowns(returns)
    for original, copy in zip((prices, regimes, liquidity, returns), copies, strict=True):
        assert original.equals(copy)


def test_research_charts_are_figures_and_leave_rcparams_unchanged():
    from reports.plots import event_study_chart, placebo_histogram, sweep_heatmap, walk_forward_bars
    from reports.research import sweep_heatmap_data, walk_forward_frame

    rng = np.random.default_rng(4)
    days = np.arange(-20, 61)
    events = pd.DataFrame(
        [
            {
                "transition": t,
                "basket": b,
                "day": d,
                "mean": 0.001 * d,
                "median": 0.0,
                "low": -0.02,
                "high": 0.02,
                "n_events": 5,
            }
            for t in ("into_scarce", "into_abundant")
            for b in ("x", "y")
            for d in days
        ]
    )
    sweep = pd.DataFrame(
        {
            "regimes": [f"t={t},d={d}" for t in (1, 2, 3) for d in (5, 9)],
            "sharpe": rng.normal(0.5, 0.2, 6),
        }
    )
    folds = walk_forward_frame(
        {
            "folds": [
                {
                    "test": ["2010-01-04", "2012-01-02"],
                    "in_sample_sharpe": 0.5,
                    "out_of_sample_sharpe": -0.2,
                    "chosen": {},
                }
            ]
        }
    )
    before = dict(matplotlib.rcParams)
    figures = [
        event_study_chart(events),
        sweep_heatmap(sweep_heatmap_data(sweep)),
        walk_forward_bars(folds, 0.3),
        placebo_histogram(pd.Series(rng.normal(size=50)), 0.9, "rot", 90.0),
    ]
    svgs = [figure_to_svg(f, f"r{i}") for i, f in enumerate(figures)]
    assert dict(matplotlib.rcParams) == before
    assert all(isinstance(f, Figure) for f in figures)
    assert len(figures[0].axes) == 2
    assert all(s.startswith("<svg") for s in svgs)


def test_long_lines_are_thinned():
    prices, regimes, liquidity, returns = _inputs(6000)
    timeline = regime_timeline(prices, regimes, liquidity, max_points=1000)
    equity = equity_and_drawdowns(returns, max_points=1000)
    lengths = [
        len(line.get_xdata())
        for figure in (timeline, equity)
        for ax in figure.axes
        for line in ax.get_lines()
    ]
    assert max(lengths) <= 1001
    assert equity.axes[1].get_xlim()[1] >= matplotlib.dates.date2num(returns.index[-1]) - 1


def _style(line) -> tuple:
    offset, dashes = line._unscaled_dash_pattern  # what the line's linestyle resolved to
    return (
        matplotlib.colors.to_hex(line.get_color()),
        line.get_linewidth(),
        offset,
        tuple(dashes) if dashes is not None else None,
    )


def test_benchmarks_have_distinct_styles_in_both_panels_and_the_legend():
    """Issue 17 F5: every benchmark used to be the same black dashed line."""
    rng = np.random.default_rng(5)
    index = pd.bdate_range("2021-01-01", periods=200)
    names = ["rot", "tilt", "spy", "qqq", "blend", "sixty", "rand"]
    roles = {
        "spy": "benchmark",
        "qqq": "benchmark",
        "blend": "benchmark",
        "sixty": "benchmark",
        "rand": "placebo",
    }
    returns = pd.DataFrame(rng.normal(0, 0.01, (200, len(names))), index=index, columns=names)
    figure = equity_and_drawdowns(returns, roles)
    equity, drawdown = figure.axes
    styles = {line.get_label().split(" (")[0]: _style(line) for line in equity.get_lines()}
    assert set(styles) == set(names)
    assert [_style(line) for line in drawdown.get_lines()] == [styles[n] for n in names]
    benchmarks = [n for n in names if roles.get(n) == "benchmark"]
    colours = {styles[n][0] for n in benchmarks}
    dashes = {styles[n][3] for n in benchmarks}
    assert None not in dashes  # every benchmark is dashed, the strategies solid
    assert styles["rot"][3] is None and styles["tilt"][3] is None
    assert len(colours) == len(benchmarks) and len(dashes) == len(benchmarks)
    assert len(set(styles.values())) == len(names)  # no two lines look alike
    legend = figure.legends[0]
    handles = {
        text.get_text().split(" (")[0]: _style(line)
        for text, line in zip(legend.get_texts(), legend.legend_handles, strict=True)
    }
    assert handles == styles


def _overlaps(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_sharpe_bar_legend_never_covers_a_bar():
    """Issue 17 F11: the legend sat on the tallest bars."""
    values = pd.DataFrame(
        {"overall": [0.9, 0.5, 1.2], "abundant": [1.3, 0.8, 1.4], "scarce": [1.1, -0.4, 1.25]},
        index=["a", "b", "c"],
    )
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = regime_metric_bars(values)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    legends = figure.legends + [ax.get_legend() for ax in figure.axes if ax.get_legend()]
    assert legends
    bars = [patch.get_window_extent(renderer) for patch in figure.axes[0].patches]
    assert len(bars) == 9
    for legend in legends:
        box = legend.get_window_extent(renderer)
        assert not any(_overlaps(box, bar) for bar in bars)


def test_reliability_chart_has_the_diagonal_and_one_curve_per_classifier():
    from reports.plots import reliability_chart

    bins = {
        name: pd.DataFrame(
            {
                "mean_p_scarce": [0.1, 0.5, 0.9],
                "share_scarce": [0.2, 0.4, 0.8],
                "n": [10.0, 5.0, 20.0],
            }
        )
        for name in ("a", "b")
    }
    before = {k: v.copy() for k, v in bins.items()}
    figure = reliability_chart(bins, {"a": 0.12, "b": None})
    ax = figure.axes[0]
    lines = ax.get_lines()
    diagonal = [
        line
        for line in lines
        if list(line.get_xdata()) == [0, 1] and list(line.get_ydata()) == [0, 1]
    ]
    assert len(diagonal) == 1
    labels = [line.get_label() for line in lines]
    assert "a (Brier 0.120)" in labels and "b" in labels
    assert ax.get_xlim() == (0, 1) and ax.get_ylim() == (0, 1)
    for name, frame in bins.items():
        pd.testing.assert_frame_equal(frame, before[name])
