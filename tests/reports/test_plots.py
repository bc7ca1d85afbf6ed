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
    regimes = pd.DataFrame({"regime": np.where(p_scarce > 0.5, "scarce", "abundant"),
                            "p_scarce": p_scarce})
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
        regime_metric_bars(pd.DataFrame({"overall": [0.5, np.nan], "scarce": [-0.2, 0.1]},
                                        index=["a", "b"])),
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
    events = pd.DataFrame([{"transition": t, "basket": b, "day": d, "mean": 0.001 * d,
                            "median": 0.0, "low": -0.02, "high": 0.02, "n_events": 5}
                           for t in ("into_scarce", "into_abundant") for b in ("x", "y")
                           for d in days])
    sweep = pd.DataFrame({"regimes": [f"t={t},d={d}" for t in (1, 2, 3) for d in (5, 9)],
                          "sharpe": rng.normal(0.5, 0.2, 6)})
    folds = walk_forward_frame({"folds": [
        {"test": ["2010-01-04", "2012-01-02"], "in_sample_sharpe": 0.5,
         "out_of_sample_sharpe": -0.2, "chosen": {}}]})
    before = dict(matplotlib.rcParams)
    figures = [event_study_chart(events), sweep_heatmap(sweep_heatmap_data(sweep)),
               walk_forward_bars(folds, 0.3), placebo_histogram(pd.Series(rng.normal(size=50)),
                                                                0.9, "rot", 90.0)]
    svgs = [figure_to_svg(f, f"r{i}") for i, f in enumerate(figures)]
    assert dict(matplotlib.rcParams) == before
    assert all(isinstance(f, Figure) for f in figures)
    assert len(figures[0].axes) == 2
    assert all(s.startswith("<svg") for s in svgs)


def test_long_lines_are_thinned():
    prices, regimes, liquidity, returns = _inputs(6000)
    timeline = regime_timeline(prices, regimes, liquidity, max_points=1000)
    equity = equity_and_drawdowns(returns, max_points=1000)
    lengths = [len(line.get_xdata()) for figure in (timeline, equity)
               for ax in figure.axes for line in ax.get_lines()]
    assert max(lengths) <= 1001
    assert equity.axes[1].get_xlim()[1] >= matplotlib.dates.date2num(returns.index[-1]) - 1
