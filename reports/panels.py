"""Dashboard panels for the research results: charts, honesty checks, classifier.

Each ``*_html`` function takes the loaded run (:class:`reports.rundir.RunFiles`)
and returns an HTML fragment. Numbers come from :mod:`reports.research` and
:mod:`reports.readings`; pictures from :mod:`reports.plots`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .markup import esc, format_value, frame_to_html
from .plots import (
    equity_and_drawdowns,
    event_study_chart,
    figure_to_svg,
    placebo_histogram,
    regime_metric_bars,
    sweep_heatmap,
    walk_forward_bars,
)
from .readings import (
    DSR_CAUTION,
    DSR_PASS,
    LABEL_GAP_CAUTION,
    LABEL_GAP_PASS,
    PBO_FAIL,
    PBO_PASS,
    PLACEBO_CAUTION_PERCENTILE,
    PLACEBO_PASS_PERCENTILE,
    WALK_FORWARD_CAUTION_RATIO,
    WALK_FORWARD_PASS_RATIO,
    Reading,
    honesty_readings,
    label_gap_reading,
)
from .research import (
    compared_strategy,
    episode_frame,
    significance_frame,
    sweep_heatmap_data,
    walk_forward_frame,
)
from .rundir import RunFiles
from .tables import confusion_table, regime_metric_frame

__all__ = ["charts_html", "classifier_html", "honesty_html", "readings_html"]

_TRUTH_METRICS = ("balanced_accuracy", "accuracy", "f1_abundant", "f1_scarce",
                  "median_delay_days", "p90_delay_days", "false_switches_per_year",
                  "n_true_switches", "n_days")
_TRUTH_LABELS = {"balanced_accuracy": "Balanced accuracy", "accuracy": "Accuracy",
                 "f1_abundant": "F1 abundant", "f1_scarce": "F1 scarce",
                 "median_delay_days": "Median delay (days)", "p90_delay_days": "90th pct delay",
                 "false_switches_per_year": "False switches / yr",
                 "n_true_switches": "True switches", "n_days": "Days"}


def _figure(svg: str, caption: str, figure_id: str) -> str:
    return (f'<figure class="chart" id="{esc(figure_id)}">{svg}'
            f"<figcaption>{caption}</figcaption></figure>")


def _missing(title: str, reason: str, figure_id: str) -> str:
    return (f'<figure class="chart missing" id="{esc(figure_id)}"><h3>{esc(title)}</h3>'
            f'<p class="legend">{esc(reason)}</p></figure>')


def _event_study(files: RunFiles) -> str:
    block = files.metrics.get("event_study") or {}
    table = files.event_study
    if table is None or table.empty:
        return _missing("Event study", "No event_study.csv in this run.", "chart-event-study")
    band = block.get("band") or "95% band of the mean"
    svg = figure_to_svg(event_study_chart(table), "event")
    caption = (f"<b>Event study.</b> Cumulative return of each basket from "
               f"−{esc(block.get('pre', 20))} to +{esc(block.get('post', 60))} trading days "
               f"around regime switches (day 0: first close with the new label). Solid: mean "
               f"with its {esc(band)}; dashed: median.")
    return _figure(svg, caption, "chart-event-study")


def _sweep(files: RunFiles) -> str:
    block = files.metrics.get("sweep") or {}
    if files.sweep is None or files.sweep.empty:
        return _missing("Parameter sweep", "No sweep in this run.", "chart-sweep")
    heatmap = sweep_heatmap_data(files.sweep, "sharpe")
    if heatmap.rows is None:
        return _missing("Parameter sweep", f"The sweep has {heatmap.n_trials} configuration(s) "
                        "and no parameter varies: nothing to map.", "chart-sweep")
    svg = figure_to_svg(sweep_heatmap(heatmap), "sweep")
    axes = " and ".join(f"<code>{esc(a)}</code>" for a in (heatmap.rows, heatmap.columns) if a)
    rest = (", ".join(f"<code>{esc(a)}</code>" for a in heatmap.aggregated)
            if heatmap.aggregated else "")
    aggregated = (f" Each cell is the <b>median</b> Sharpe over the other parameters ({rest})."
                  if rest else "")
    best = block.get("best") or {}
    best_text = ""
    if best:
        params = ", ".join(f"{k}={v}" for k, v in best.items()
                           if k in {"regimes", "rebalance", "scarce_cash", "fee_bps"})
        best_text = (f" Best single configuration: Sharpe "
                     f"{esc(format_value('sharpe', best.get('sharpe')))} ({esc(params)}).")
    caption = (f"<b>Sweep of {esc(block.get('strategy', 'the rotation'))}</b>, "
               f"{heatmap.n_trials} configurations: Sharpe by {axes}, the two grid parameters "
               f"with the most values.{aggregated} Outlined: best cell.{best_text}")
    return _figure(svg, caption, "chart-sweep")


def _walk_forward(files: RunFiles) -> str:
    block = files.metrics.get("walk_forward")
    folds = walk_forward_frame(block)
    if folds.empty:
        return _missing("Walk-forward", "No walk-forward evaluation in this run.",
                        "chart-walk-forward")
    stitched = (block or {}).get("out_of_sample_sharpe")
    svg = figure_to_svg(walk_forward_bars(folds, None if stitched is None else float(stitched)),
                        "walkforward")
    table = frame_to_html(folds.rename(columns={"in_sample_sharpe": "in-sample Sharpe",
                                                "out_of_sample_sharpe": "out-of-sample Sharpe"}))
    caption = ("<b>In sample vs out of sample.</b> Each fold picks the sweep configuration "
               "with the best Sharpe on an expanding training window (grey), then scores it "
               "on the next window (blue)."
               f"<details><summary>configurations chosen per fold</summary>{table}</details>")
    return _figure(svg, caption, "chart-walk-forward")


def _placebo(files: RunFiles) -> str:
    blocks = (files.metrics.get("placebos") or {}).get("random_regimes") or {}
    if not blocks or files.placebos is None or "sharpe" not in files.placebos.columns:
        return _missing("Random-regime placebo", "No random-regime placebo distribution in "
                        "this run.", "chart-placebo")
    name, block = next(iter(blocks.items()))
    paths = files.placebos
    if "strategy" in paths.columns:
        paths = paths[paths["strategy"] == name]
    real = block.get("real_sharpe")
    percentile = block.get("real_sharpe_percentile")
    rotation = compared_strategy(files.metrics) or "real rotation"
    svg = figure_to_svg(placebo_histogram(paths["sharpe"], None if real is None else float(real),
                                          rotation, None if percentile is None
                                          else float(percentile)), "placebo")
    caption = (f"<b>Placebo.</b> Sharpe of {len(paths)} rotations on random regime labels "
               f"(<code>{esc(name)}</code>: same baskets, costs and rebalancing, shuffled "
               f"regimes). Red: {esc(rotation)}.")
    return _figure(svg, caption, "chart-placebo")


def charts_html(files: RunFiles, long_frame: pd.DataFrame) -> str:
    """The ``charts`` section: equity and drawdowns, then a grid of smaller charts."""
    roles = {name: str(entry.get("role") or "strategy")
             for name, entry in files.strategies.items()}
    parts = ['<section id="charts"><h2>Equity and drawdowns</h2>',
             figure_to_svg(equity_and_drawdowns(files.returns, roles), "equity"),
             ('<p class="legend">Growth of 1 on a log scale, and drawdowns from the running peak '
              "(lines drawn from at most ~1,500 points each: weekly-ish closes; drawdowns keep "
              "each interval's trough). Dashed: benchmarks; dotted: placebos.</p>"),
             '<div class="grid">']
    sharpe = regime_metric_frame(long_frame, "sharpe")
    if not sharpe.empty:
        parts.append(_figure(figure_to_svg(regime_metric_bars(sharpe, figsize=(7.0, 3.2)),
                                           "sharpe"),
                             "<b>Sharpe ratio by regime.</b> Days labelled with the regime known "
                             "at the previous close.", "chart-regime-sharpe"))
    parts += [_event_study(files), _sweep(files), _walk_forward(files), _placebo(files)]
    parts.append("</div></section>")
    return "".join(parts)


def readings_html(readings: list[Reading]) -> str:
    """A list of honesty readings with verdict badges."""
    items = "".join(
        f'<li class="verdict-{esc(r.verdict.replace("/", ""))}">'
        f'<span class="verdict">{esc(r.verdict)}</span> <b>{esc(r.check)}</b> '
        f'<span class="value">{esc(r.value)}</span><br><span class="reading">{esc(r.text)}</span>'
        "</li>" for r in readings)
    return f'<ul class="readings">{items}</ul>'


_THRESHOLDS = (
    "Thresholds: bootstrap intervals are the runner's 95% stationary-bootstrap intervals "
    "(pass when the interval is above 0); placebo pass at the "
    f"{PLACEBO_PASS_PERCENTILE:.0f}th percentile, caution from the "
    f"{PLACEBO_CAUTION_PERCENTILE:.0f}th; DSR pass ≥ {DSR_PASS}, caution ≥ {DSR_CAUTION}; "
    f"PBO pass < {PBO_PASS}, fail ≥ {PBO_FAIL}; walk-forward pass when out-of-sample Sharpe is "
    f"≥ {WALK_FORWARD_PASS_RATIO:.0%} of in-sample, caution ≥ "
    f"{WALK_FORWARD_CAUTION_RATIO:.0%}; label gap pass ≤ {LABEL_GAP_PASS:.0%}, caution ≤ "
    f"{LABEL_GAP_CAUTION:.0%}."
)


def honesty_html(files: RunFiles, order: list[str]) -> str:
    """The ``honesty`` section: plain-English readings, then the bootstrap table."""
    strategy = compared_strategy(files.metrics)
    significance = files.metrics.get("significance") or {}
    parts = [('<section id="honesty"><h2>Is the edge real or luck?'
              f'{" — " + esc(strategy) if strategy else ""}</h2>')]
    if strategy is None:
        parts.append('<p class="legend">No strategy to test.</p></section>')
        return "".join(parts)
    readings = honesty_readings(files.metrics, strategy)
    counts = {v: sum(r.verdict == v for r in readings) for v in ("pass", "caution", "fail")}
    parts.append(f'<p class="headline">{counts["pass"]} pass · {counts["caution"]} caution · '
                 f'{counts["fail"]} fail</p>')
    parts.append(readings_html(readings))
    parts.append(f'<p class="legend">{esc(_THRESHOLDS)}</p>')
    table = significance_frame(significance, list(files.strategies))
    if not table.empty:
        benchmark = significance.get("benchmark") or "benchmark"
        shown = pd.DataFrame({
            "Sharpe": table["sharpe"],
            "95% CI": [_interval(lo, hi) for lo, hi in zip(table["sharpe_low"],
                                                          table["sharpe_high"], strict=True)],
            "P(Sharpe ≤ 0)": table["p_sharpe_le_0"],
            f"Δ Sharpe vs {benchmark}": table["diff_vs_benchmark"],
            "Δ 95% CI": [_interval(lo, hi) for lo, hi in zip(table["diff_low"],
                                                            table["diff_high"], strict=True)],
            "PSR": table["psr"],
        }, index=table.index)
        blocks = significance.get("mean_block_days")
        samples = significance.get("bootstrap_samples")
        parts.append(
            f"<h3>Bootstrap confidence intervals (all strategies)</h3>"
            f"{frame_to_html(shown, sortable=True, table_id='significance')}"
            f'<p class="legend">Stationary bootstrap, {esc(samples)} resamples, mean block '
            f"{esc(blocks)} days. PSR: probability the true Sharpe is above 0 given skew and "
            "kurtosis. The placebo rows are the representative random path, not the "
            "distribution.</p>")
    parts.append("</section>")
    return "".join(parts)


def _interval(low: float, high: float) -> str:
    if not (np.isfinite(low) and np.isfinite(high)):
        return "n/a"
    return f"{low:.2f} to {high:.2f}"


def _truth_html(evaluation: Mapping[str, Any]) -> str:
    keys = [k for k in _TRUTH_METRICS if k in evaluation]
    head = "".join(f"<th>{esc(_TRUTH_LABELS[k])}</th>" for k in keys)
    cells = "".join(
        f"<td>{esc(f'{float(evaluation[k]):.0%}' if k in ('balanced_accuracy', 'accuracy') else format_value(k, evaluation[k]))}</td>"
        for k in keys)
    return (f'<h3>Walk-forward labels against the known truth</h3>'
            f'<table id="truth-metrics"><thead><tr>{head}</tr></thead>'
            f"<tbody><tr>{cells}</tr></tbody></table>")


def _episodes_html(episodes: pd.DataFrame) -> str:
    rows = []
    for name, row in episodes.iterrows():
        agrees = row["agrees"]
        mark, css = (("no data", "na") if agrees is None else
                     ("✓ agrees", "pass") if agrees else ("✗ disagrees", "fail"))
        share = row["share_scarce"]
        bar = ("" if not np.isfinite(share) else
               f'<span class="bar"><span style="width:{share * 100:.0f}%"></span></span>')
        rows.append(
            f"<tr><td>{esc(name)}</td><td>{esc(row['start'])} → {esc(row['end'])}</td>"
            f'<td class="regime-{esc(row["expected"])}">{esc(row["expected"])}</td>'
            f"<td>{esc(format_value('n_days', row['n_days']))}</td>"
            f"<td>{bar} {esc(format_value('share_scarce', share))}</td>"
            f'<td class="verdict-{css}">{esc(mark)}</td></tr>')
    agreed = sum(a is True for a in episodes["agrees"])
    known = sum(a is not None for a in episodes["agrees"])
    return ("<h3>Documented episodes (market data has no truth to score against)</h3>"
            f'<p class="headline">The labels agree with {agreed} of {known} documented episodes '
            "in the sample.</p>"
            '<table id="episodes"><thead><tr><th>episode</th><th>dates</th><th>expected</th>'
            "<th>days</th><th>labelled scarce</th><th>verdict</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
            '<p class="legend">An episode agrees when more than half of its labelled days carry '
            "the expected regime. Episodes from regimes/episodes.csv.</p>")


def classifier_html(files: RunFiles) -> str:
    """The ``classifier`` section: truth metrics or the episode table, and the label gap."""
    block = files.metrics.get("regimes") or {}
    parts = [f'<section id="classifier"><h2>Classifier: {esc(block.get("classifier", "?"))}</h2>']
    evaluation = block.get("evaluation")
    truth_keys = isinstance(evaluation, Mapping) and any(k in evaluation for k in _TRUTH_METRICS)
    if truth_keys:
        parts.append(_truth_html(evaluation))
    episodes = episode_frame(evaluation)
    if not episodes.empty:
        parts.append(_episodes_html(episodes))
    if files.true_regimes is not None and "regime" in files.true_regimes.columns:
        confusion = confusion_table(files.regimes["regime"], files.true_regimes["regime"])
        parts.append("<h3>Causal labels against the known truth (days)</h3>"
                     + frame_to_html(confusion))
    elif not truth_keys and episodes.empty:
        parts.append('<p class="legend">No known truth and no documented episodes: '
                     "no evaluation.</p>")
    parts.append("<h3>In-sample vs walk-forward labels</h3>"
                 + readings_html([label_gap_reading(block.get("in_sample_label_gap"))]))
    parts.append("</section>")
    return "".join(parts)
