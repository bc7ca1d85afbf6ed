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
