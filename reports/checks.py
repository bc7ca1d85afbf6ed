"""Dashboard panels a skeptic reads: significance, bounds, edge and the classifier.

Like :mod:`reports.panels`, each function returns the context of one template
partial (plain values, :class:`reports.markup.Table` and SVG markup); the
numbers come from :mod:`reports.research`, :mod:`reports.evidence` and
:mod:`reports.readings`, never from hand-written text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .evidence import (
    best_year_frame,
    bounds_frame,
    decomposition_frame,
    edge_year_frame,
    feature_frame,
    stability_frame,
    sub_period_frame,
)
from .markup import Cell, Table, cell, format_value, sign_css, svg_markup
from .plots import bounds_chart, figure_to_svg
from .readings import (
    DSR_CAUTION,
    DSR_PASS,
    LABEL_GAP_CAUTION,
    LABEL_GAP_PASS,
    NULL_ROLES,
    PBO_FAIL,
    PBO_PASS,
    PLACEBO_CAUTION_PERCENTILE,
    PLACEBO_PASS_PERCENTILE,
    STABILITY_LIMIT,
    WALK_FORWARD_CAUTION_RATIO,
    WALK_FORWARD_PASS_RATIO,
    honesty_readings,
    label_gap_reading,
    stability_reading,
)
from .research import OUTSIDE, compared_strategy, episode_frame, null_frame, significance_frame
from .rundir import RunFiles
from .tables import confusion_table

__all__ = [
    "THRESHOLDS",
    "TRUTH_METRICS",
    "bounds_context",
    "classifier_context",
    "edge_context",
    "episode_head_cells",
    "episode_table",
    "significance_context",
    "stability_table",
]

#: Truth metrics of a synthetic run, in display order, with their column labels.
TRUTH_METRICS: dict[str, str] = {
    "balanced_accuracy": "Balanced accuracy",
    "accuracy": "Accuracy",
    "f1_abundant": "F1 abundant",
    "f1_scarce": "F1 scarce",
    "brier": "Brier score",
    "median_delay_days": "Median delay (days)",
    "p90_delay_days": "90th pct delay (days)",
    "false_switches_per_year": "False switches / yr",
    "n_true_switches": "True switches",
    "n_days": "Days",
}

THRESHOLDS = (
    "Thresholds: intervals are the runner's stationary-bootstrap intervals (pass when the "
    "interval is above 0; for the no-timing null, fail when the estimate is at or below 0); "
    f"placebo pass at the {PLACEBO_PASS_PERCENTILE:.0f}th percentile, caution from the "
    f"{PLACEBO_CAUTION_PERCENTILE:.0f}th; DSR pass ≥ {DSR_PASS}, caution ≥ {DSR_CAUTION}; "
    f"PBO pass < {PBO_PASS}, fail ≥ {PBO_FAIL}; walk-forward pass when the out-of-sample Sharpe "
    f"is ≥ {WALK_FORWARD_PASS_RATIO:.0%} of in-sample, caution ≥ "
    f"{WALK_FORWARD_CAUTION_RATIO:.0%}; label gap pass ≤ {LABEL_GAP_PASS:.0%}, caution ≤ "
    f"{LABEL_GAP_CAUTION:.0%}; label stability flagged above {STABILITY_LIMIT:.0%}."
)


def _ci_cell(low: float, high: float, signed: bool = False) -> Cell:
    if not (np.isfinite(low) and np.isfinite(high)):
        return Cell("n/a", "")
    text = f"{low:+.2f} to {high:+.2f}" if signed else f"{low:.2f} to {high:.2f}"
    css = "pos" if low > 0 else "neg" if high < 0 else ""
    return Cell(text, repr(float(low)), css)


def _null_table(significance: Mapping[str, Any]) -> Table | None:
    frame = null_frame(significance)
    if frame.empty:
        return None
    head = [
        [
            Cell("no-timing benchmark", css="text"),
            Cell("Δ Sharpe", title="rotation minus benchmark, both in excess of cash"),
            Cell("95% CI of Δ"),
            Cell("P(Δ ≤ 0)", title="bootstrap share of resamples with a difference <= 0"),
            Cell("active Sharpe", title="Sharpe of the daily active return (information ratio)"),
            Cell("PSR", title="probability the active return's true Sharpe is above 0"),
            Cell(
                "DSR",
                title="PSR against the expected best of the sweep's trials, each "
                "trial's active return taken against the same benchmark",
            ),
            Cell("trials"),
            Cell(
                "DSR hurdle",
                title="expected maximum active Sharpe of the "
                "trials under no skill, from their dispersion",
            ),
        ]
    ]
    rows = []
    for role, row in frame.iterrows():
        label = NULL_ROLES.get(str(role), str(role)).removeprefix("its ")
        rows.append(
            (
                "",
                [
                    Cell(label, css="text", note=str(row["name"])),
                    cell("sharpe_difference", row["estimate"]),
                    _ci_cell(row["low"], row["high"], signed=True),
                    cell("p_value_le_0", row["p_value_le_0"]),
                    cell("active_sharpe", row["active_sharpe"]),
                    cell("active_psr", row["active_psr"]),
                    cell("dsr", row["dsr"]),
                    cell("n_trials", row["n_trials"]),
                    cell("expected_max_sharpe", row["expected_max_sharpe"]),
                ],
            )
        )
    return Table(head, rows, "null-table")


def _zero_table(significance: Mapping[str, Any], order: list[str]) -> Table | None:
    frame = significance_frame(significance, order)
    if frame.empty:
        return None
    benchmark = str(significance.get("benchmark") or "benchmark")
    head = [
        [
            Cell("strategy", css="text"),
            Cell("Sharpe"),
            Cell("95% CI"),
            Cell("P(Sharpe ≤ 0)"),
            Cell(f"Δ Sharpe vs {benchmark}"),
            Cell("Δ 95% CI"),
            Cell("PSR"),
            Cell("DSR", title="deflated for the sweep's trials, against zero"),
            Cell("PBO"),
        ]
    ]
    rows = []
    for name, row in frame.iterrows():
        rows.append(
            (
                "",
                [
                    Cell(str(name), css="text"),
                    cell("sharpe", row["sharpe"]),
                    _ci_cell(row["sharpe_low"], row["sharpe_high"]),
                    cell("p_value_le_0", row["p_sharpe_le_0"]),
                    cell("sharpe_difference", row["diff_vs_benchmark"]),
                    _ci_cell(row["diff_low"], row["diff_high"], signed=True),
                    cell("psr", row["psr"]),
                    cell("dsr", row["dsr"]),
                    cell("pbo", row["pbo"]),
                ],
            )
        )
    return Table(head, rows, "zero-sharpe", "sortable")


def significance_context(files: RunFiles) -> dict[str, Any] | None:
    """The no-timing null first, then the readings and the zero-Sharpe tests (None without data)."""
    significance = files.metrics.get("significance")
    if significance is None:
        return None
    strategy = compared_strategy(files.metrics)
    readings = honesty_readings(files.metrics, strategy) if strategy else []
    counts = {v: sum(r.verdict == v for r in readings) for v in ("pass", "caution", "fail")}
    confidence = significance.get("confidence")
    return {
        "strategy": strategy,
        "null": _null_table(significance),
        "readings": readings,
        "counts": counts,
        "thresholds": THRESHOLDS,
        "zero": _zero_table(significance, list(files.strategies)),
        "samples": format_value("bootstrap_samples", significance.get("bootstrap_samples")),
        "blocks": format_value("mean_block_days", significance.get("mean_block_days")),
        "level": f"{float(confidence):.0%}" if isinstance(confidence, int | float) else "95%",
        "cash": str(files.run_info.get("cash") or "the cash fund"),
    }


def bounds_context(files: RunFiles) -> dict[str, Any] | None:
    """What perfect knowledge or hindsight would earn, and where the gap comes from."""
    bounds = files.metrics.get("bounds")
    frame = bounds_frame(bounds)
    if frame.empty:
        return None
    assert isinstance(bounds, Mapping)
    reference = str(bounds.get("reference") or "")
    head = [
        [
            Cell("rotation on…", css="text"),
            Cell("what it is", css="text"),
            Cell("Sharpe"),
            Cell("CAGR"),
            Cell("Max DD"),
        ]
    ]
    rows = []
    first_rival = True
    for name, row in frame.iterrows():
        if row["group"] == "rival":
            css = "separator" if first_rival else ""
            first_rival = False
        else:
            css = "" if row["tradable"] else "not-tradable"
        tags = (
            (("tradable", "tradable"),) if row["tradable"] else (("not tradable", "not-tradable"),)
        )
        if name == reference:
            tags += (("reference", "benchmark"),)
        rows.append(
            (
                css,
                [
                    Cell(str(name), css="text", tags=tags),
                    Cell(str(row["description"]), css="text"),
                    cell("sharpe", row["sharpe"]),
                    cell("cagr", row["cagr"]),
                    cell("max_drawdown", row["max_drawdown"]),
                ],
            )
        )
    decomposition = decomposition_frame(bounds)
    split = {}
    for metric, values in decomposition.iterrows():
        kind = "sharpe_difference" if metric == "sharpe" else "difference"
        split[str(metric)] = {k: format_value(kind, values[k]) for k in values.index}
    svg = None
    if files.bounds is not None and len(files.bounds.columns):
        rivals = [r for r in (bounds.get("rivals") or {}) if r in files.returns.columns]
        daily = files.bounds[[c for c in files.bounds.columns if c in frame.index]]
        svg = svg_markup(
            figure_to_svg(
                bounds_chart(daily, files.returns[rivals], bounds.get("tradable") or {}), "bounds"
            )
        )
    return {
        "table": Table(head, rows, "bounds-table"),
        "reference": reference,
        "oracle": reference == "oracle",
        "oracle_unavailable": (
            str(bounds["oracle_unavailable"]) if bounds.get("oracle_unavailable") else None
        ),
        "delay_days": format_value("delay_days", bounds.get("delay_days")),
        "split": split,
        "svg": svg,
        "strategy": compared_strategy(files.metrics) or "the rotation",
    }


def edge_context(files: RunFiles) -> dict[str, Any] | None:
    """Rotation minus each rival per calendar year, without the best year, and by sub-period."""
    edge = files.metrics.get("edge")
    if not isinstance(edge, Mapping) or not edge.get("strategy"):
        return None
    strategy = str(edge["strategy"])
    rivals = [str(r) for r in edge.get("rivals") or []]
    years = edge_year_frame(edge)
    year_table = None
    if not years.empty:
        head = [
            [Cell("year", css="text"), Cell("days"), Cell(f"{strategy} return")]
            + [Cell(f"− {r}", title=f"{strategy}'s return that year minus {r}'s") for r in rivals]
        ]
        rows = []
        for year, row in years.iterrows():
            cells = [
                Cell(str(year), css="text"),
                cell("days", row["days"]),
                cell("return", row["return"]),
            ]
            for rival in rivals:
                cells.append(cell("difference", row[rival], css=sign_css("difference", row[rival])))
            rows.append(("", cells))
        wins = {r: sum(sign_css("difference", v) == "pos" for v in years[r]) for r in rivals}
        rows.append(
            (
                "separator",
                [Cell("years ahead", css="text"), Cell(""), Cell("")]
                + [Cell(f"{wins[r]} of {int(years[r].notna().sum())}") for r in rivals],
            )
        )
        year_table = Table(head, rows, "edge-years")
    best = best_year_frame(edge)
    best_table = None
    if not best.empty:
        head = [
            [
                Cell("rival", css="text"),
                Cell("best year", css="text"),
                Cell("Δ return that year"),
                Cell(f"{strategy} Sharpe without it"),
                Cell("rival's Sharpe without it"),
                Cell("Δ Sharpe without it"),
            ]
        ]
        rows = []
        for rival, row in best.iterrows():
            value = row["sharpe_difference"]
            css = sign_css("sharpe_difference", value)
            rows.append(
                (
                    "",
                    [
                        Cell(str(rival), css="text"),
                        Cell(str(row["year"]) if row["year"] else "n/a", css="text"),
                        cell("difference", row["difference_that_year"]),
                        cell("sharpe", row["sharpe_without_best_year"]),
                        cell("sharpe", row["rival_sharpe_without_best_year"]),
                        cell("sharpe_difference", value, css=css),
                    ],
                )
            )
        best_table = Table(head, rows, "edge-best-year")
    periods, spans = sub_period_frame(edge)
    period_table = None
    if not periods.empty:
        names = list(dict.fromkeys(periods.columns.get_level_values(0)))
        group = [Cell("")] + [
            Cell(p.replace("_", " "), css="group", colspan=2, title=spans.get(p)) for p in names
        ]
        spans_row = [Cell("")] + [Cell(spans.get(p, ""), css="note", colspan=2) for p in names]
        metric_row = [Cell("strategy", css="text")] + [
            c for _ in names for c in (Cell("Sharpe"), Cell("CAGR"))
        ]
        rows = []
        for name, row in periods.iterrows():
            cells = [Cell(str(name), css="text")]
            for period in names:
                sharpes = periods[(period, "sharpe")]
                value = row[(period, "sharpe")]
                css = "best" if np.isfinite(value) and value == sharpes.max() else ""
                cells += [cell("sharpe", value, css=css), cell("cagr", row[(period, "cagr")])]
            rows.append(("role-strategy" if name == strategy else "role-benchmark", cells))
        period_table = Table([group, spans_row, metric_row], rows, "edge-periods")
    return {
        "strategy": strategy,
        "rivals": rivals,
        "years": year_table,
        "best": best_table,
        "periods": period_table,
        "cash": str(files.run_info.get("cash") or "cash"),
    }


def _truth_table(evaluation: Mapping[str, Any]) -> Table | None:
    keys = [k for k in TRUTH_METRICS if k in evaluation]
    if not any(k != "brier" for k in keys):  # an episode evaluation may carry a null Brier
        return None
    head = [[Cell(TRUTH_METRICS[k]) for k in keys]]
    return Table(head, [("", [cell(k, evaluation[k]) for k in keys])], "truth-metrics")


def episode_head_cells(name: Any, row: pd.Series) -> list[Cell]:
    """An episode row's first cells: its name, its dates and the regime expected.

    Shared by the dashboard's episode table and the regimes page.
    """
    expected = str(row["expected"])
    return [
        Cell(str(name), css="text"),
        Cell(f"{row['start']} → {row['end']}", css="text"),
        Cell(
            expected,
            css=f"text regime-{expected}" if expected in ("scarce", "abundant") else "text",
        ),
    ]


def episode_table(evaluation: Any, table_id: str = "episodes") -> tuple[Table | None, int, int]:
    """Episodes: dates, expected regime, labelled days (or "outside this run"), share scarce.

    Returns
    -------
    table : Table or None
    agreed, known : int
        Episodes whose labels agree, and episodes with labelled days.
    """
    episodes = episode_frame(evaluation)
    if episodes.empty:
        return None, 0, 0
    head = [
        [
            Cell("episode", css="text"),
            Cell("dates", css="text"),
            Cell("expected", css="text"),
            Cell("days labelled"),
            Cell("labelled scarce"),
            Cell("verdict", css="text"),
        ]
    ]
    rows = []
    verdicts = episodes["agrees"].tolist()  # None, True or False (iterrows would make NaN)
    for (name, row), agrees in zip(episodes.iterrows(), verdicts, strict=True):
        status = str(row["status"] or "")
        mark, css = (
            ("—", "verdict-na")
            if agrees is None
            else ("✓ agrees", "verdict-pass")
            if agrees
            else ("✗ disagrees", "verdict-fail")
        )
        days = (
            Cell(OUTSIDE, "", "verdict-na")
            if status == OUTSIDE
            else Cell(
                format_value("n_days", row["n_days"]),
                repr(float(row["n_days"])),
                tags=((status, "partly"),) if status else (),
            )
        )
        rows.append(
            (
                "",
                [
                    *episode_head_cells(name, row),
                    days,
                    cell("share_scarce", row["share_scarce"]),
                    Cell(mark, css=f"text {css}"),
                ],
            )
        )
    agreed = sum(a is True for a in episodes["agrees"])
    known = sum(a is not None for a in episodes["agrees"])
    return Table(head, rows, table_id), agreed, known


def stability_table(stabilities: Mapping[str, Any], table_id: str = "stability") -> Table | None:
    """Share of labels kept when the history starts earlier or later; flagged above the limit.

    One cell per start shift (the agreement, with the shifted history start
    and the days compared as a note; ``n/a`` and the reason when the shift
    could not be made), then the change of the worst two-year move and the flag.
    """
    frame = stability_frame(stabilities)
    if frame.empty:
        return None
    shifts = [s for s in dict.fromkeys(frame.columns.get_level_values(0)) if s]
    head = [Cell("classifier", css="text")]
    head += [
        Cell(
            f"start {s}",
            title=f"history start moved by {s}: share of the days "
            "labelled by both with the same label",
        )
        for s in shifts
    ]
    head += [
        Cell(
            "change (2-year move)",
            title="largest share of labels a two-year move "
            f"changes; flagged above {STABILITY_LIMIT:.0%}",
        ),
        Cell("flag", css="text"),
    ]
    rows = []
    for name, row in frame.iterrows():
        cells = [Cell(str(name), css="text")]
        for shift in shifts:
            agreement = row[(shift, "agreement")]
            if np.isfinite(agreement):
                days = format_value("n_days", row[(shift, "n_days")])
                cells.append(
                    Cell(
                        format_value("agreement", agreement),
                        repr(float(agreement)),
                        note=f"from {row[(shift, 'history_start')]}, {days} days",
                    )
                )
            else:
                cells.append(
                    Cell(
                        "n/a",
                        "",
                        "note",
                        title=str(row[(shift, "reason")] or ""),
                        note=str(row[(shift, "reason")] or ""),
                    )
                )
        flagged = row[("", "flagged")]
        cells.append(
            cell(
                "max_start_shift_change",
                row[("", "max_change")],
                css="neg" if flagged is True else "",
            )
        )
        cells.append(
            Cell("", css="text", tags=(("FLAGGED: labels depend on the start", "flag"),))
            if flagged is True
            else Cell(
                "stable" if flagged is False else "n/a",
                css="text ok" if flagged is False else "text",
            )
        )
        rows.append(("flagged" if flagged is True else "", cells))
    return Table([head], rows, table_id)


def classifier_context(files: RunFiles) -> dict[str, Any]:
    """Truth metrics or documented episodes, stability, feature availability and the label gap."""
    block = files.metrics.get("regimes") or {}
    evaluation = block.get("evaluation")
    truth = _truth_table(evaluation) if isinstance(evaluation, Mapping) else None
    episodes, agreed, known = episode_table(evaluation)
    confusion = None
    if files.true_regimes is not None and "regime" in files.true_regimes.columns:
        matrix = confusion_table(files.regimes["regime"], files.true_regimes["regime"])
        head = [[Cell("true regime", css="text")] + [Cell(str(c)) for c in matrix.columns]]
        rows = [
            (
                "",
                [Cell(str(label), css="text")]
                + [cell("recall" if c == "recall" else "n_days", row[c]) for c in matrix.columns],
            )
            for label, row in matrix.iterrows()
        ]
        confusion = Table(head, rows, "confusion")
    stability = block.get("stability")
    name = str(block.get("classifier") or "?")
    features = feature_frame(block, files.run_info)
    feature_table = None
    if not features.empty:
        head = [
            [
                Cell("feature", css="text"),
                Cell("first date", css="text"),
                Cell("sign", css="text", title="+: higher values mean more abundant capital"),
                Cell("", css="text"),
            ]
        ]
        rows = [
            (
                "",
                [
                    Cell(str(f), css="text"),
                    Cell(str(r["first_date"] or "n/a"), css="text"),
                    Cell(str(r["sign"]), css="text"),
                    Cell(str(r["note"]), css="text note" if r["note"] else "text"),
                ],
            )
            for f, r in features.iterrows()
        ]
        feature_table = Table(head, rows, "features")
    return {
        "name": name,
        "truth": truth,
        "episodes": episodes,
        "agreed": agreed,
        "known": known,
        "confusion": confusion,
        "stability": stability_reading(stability, name) if stability else None,
        "stability_table": stability_table({name: stability}) if stability else None,
        "features": feature_table,
        "late_features": int((features["note"] != "").sum()) if not features.empty else 0,
        "history_start": str(files.run_info.get("history_start") or "") or None,
        "label_gap": label_gap_reading(block.get("in_sample_label_gap")),
    }
