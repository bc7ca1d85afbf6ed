"""A standalone HTML page comparing the regime classifiers (``regime-bt regimes``).

Layers, as elsewhere in ``reports``: :func:`timeline_figure` and
:func:`reports.plots.reliability_chart` build matplotlib figures (never
pyplot, so no global state), :func:`regimes_page_html` renders
``reports/templates/regimes.html.j2`` (autoescaped; inline SVG and CSS, no
external resource), and :func:`write_regimes_page` writes it atomically with
the mode the user's umask gives a new file.

The page reads the ``evaluation.json`` layout, per classifier::

    {<truth metrics> | "episodes": [...], "brier": float | null,
     "reliability": [{"low", "high", "n", "mean_p_scarce", "share_scarce"}],
     "stability": {"start_shift": {"-4y": {"history_start", "agreement", "n_days"}, ...},
                   "leave_one_out": {feature: {"agreement", "n_days"}},
                   "max_start_shift_change": float, "flagged": bool},
     "seconds": float}

and shows, in order: the timeline, the evaluation table (with the Brier score
and the stability flag), the reliability plot (truth only), the stability
tables (a classifier whose labels change on more than
:data:`reports.readings.STABILITY_LIMIT` of the days when the history start
moves is flagged) and the episode table (``"outside this run"`` instead of 0
days).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from data.atomic import atomic_write_text

from .checks import TRUTH_METRICS, episode_head_cells, stability_table
from .evidence import leave_one_out_frame, reliability_frames
from .markup import Cell, Table, cell, format_value, render, svg_markup
from .plots import figure_to_svg, reliability_chart
from .readings import STABILITY_LIMIT, stability_flagged
from .research import OUTSIDE, episode_frame

__all__ = ["regimes_page_html", "timeline_figure", "write_regimes_page"]

_COLOURS = {"abundant": "#4c9f70", "scarce": "#c8553d", "none": "#eeeeee"}
_TRUTH_COLUMNS = (
    "balanced_accuracy",
    "f1_abundant",
    "f1_scarce",
    "brier",
    "median_delay_days",
    "p90_delay_days",
    "false_switches_per_year",
)


def _codes(labels: pd.Series) -> np.ndarray:
    values = labels.to_numpy(dtype=object)
    codes = np.full(values.shape[0], np.nan)
    codes[values == "abundant"] = 0.0
    codes[values == "scarce"] = 1.0
    return codes


def timeline_figure(labels: pd.DataFrame, truth: pd.Series | None = None) -> Figure:
    """One row per classifier (and the truth, first, when given): scarce spells shaded.

    Parameters
    ----------
    labels : DataFrame of shape (n_dates, n_classifiers)
        ``"abundant"``/``"scarce"``/NaN per date and classifier.
    truth : Series of shape (n_dates,), optional

    Returns
    -------
    Figure
    """
    rows = {}
    if truth is not None:
        rows["truth"] = truth.reindex(labels.index)
    rows.update({str(name): labels[name] for name in labels.columns})
    figure = Figure(figsize=(11, 0.55 * len(rows) + 1.2))
    axes = figure.add_subplot()
    dates = labels.index
    for position, series in enumerate(rows.values()):
        codes = _codes(series)
        y = len(rows) - 1 - position
        for code, colour in ((0.0, _COLOURS["abundant"]), (1.0, _COLOURS["scarce"])):
            axes.fill_between(
                dates, y - 0.4, y + 0.4, where=codes == code, color=colour, step="post", linewidth=0
            )
    axes.set_yticks(range(len(rows)), list(rows)[::-1])
    axes.set_ylim(-0.6, len(rows) - 0.4)
    axes.legend(
        handles=[Patch(color=_COLOURS[r], label=r) for r in ("abundant", "scarce")],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12),
        ncol=2,
        frameon=False,
    )
    axes.spines[["top", "right", "left"]].set_visible(False)
    figure.tight_layout()
    return figure


def _flag_cell(stability: Any) -> Cell:
    flagged = stability_flagged(stability) if isinstance(stability, Mapping) else None
    if flagged is True:
        return Cell(
            "",
            css="text",
            tags=(("FLAGGED", "flag"),),
            title=f"labels change on more than {STABILITY_LIMIT:.0%} of days "
            "when the history start moves",
        )
    return Cell(
        "stable" if flagged is False else "n/a", css="text ok" if flagged is False else "text"
    )


def _evaluation_table(evaluation: Mapping[str, Any]) -> Table | None:
    """One row per classifier: truth metrics (or episode agreement), Brier, time, flag."""
    if not evaluation:
        return None
    truth = any(
        any(k in (e or {}) for k in TRUTH_METRICS if k != "brier") for e in evaluation.values()
    )
    if truth:
        head = [Cell("classifier", css="text")] + [Cell(TRUTH_METRICS[k]) for k in _TRUTH_COLUMNS]
    else:
        head = [Cell("classifier", css="text"), Cell("episodes agreeing"), Cell("Brier score")]
    head += [Cell("fit time"), Cell("stability", css="text")]
    rows = []
    for name, entry in evaluation.items():
        entry = entry or {}
        cells = [Cell(str(name), css="text")]
        if truth:
            cells += [cell(k, entry.get(k)) for k in _TRUTH_COLUMNS]
        else:
            episodes = episode_frame(entry)
            known = sum(a is not None for a in episodes["agrees"]) if len(episodes) else 0
            agreed = sum(a is True for a in episodes["agrees"]) if len(episodes) else 0
            cells += [
                Cell(
                    f"{agreed} of {known}" if known else "n/a",
                    repr(agreed / known) if known else "",
                ),
                cell("brier", entry.get("brier")),
            ]
        cells += [cell("seconds", entry.get("seconds")), _flag_cell(entry.get("stability"))]
        rows.append(("flagged" if stability_flagged(entry.get("stability") or None) else "", cells))
    return Table([head], rows, "evaluation", "sortable")


def _episode_table(evaluation: Mapping[str, Any]) -> Table | None:
    """Episodes as rows, classifiers as columns: share of days in the expected regime."""
    frames = {str(n): episode_frame(e) for n, e in evaluation.items()}
    frames = {n: f for n, f in frames.items() if not f.empty}
    if not frames:
        return None
    first = next(iter(frames.values()))
    head = [
        [Cell("episode", css="text"), Cell("dates", css="text"), Cell("expected", css="text")]
        + [Cell(n) for n in frames]
    ]
    rows = []
    for episode, info in first.iterrows():
        cells = episode_head_cells(episode, info)
        for frame in frames.values():
            if episode not in frame.index:
                cells.append(Cell("n/a", ""))
                continue
            row = cast(pd.Series, frame.loc[cast(str, episode)])  # one row per named episode
            agrees = frame["agrees"].tolist()[cast(int, frame.index.get_loc(episode))]
            if row["status"] == OUTSIDE or agrees is None:
                cells.append(Cell(OUTSIDE, "", "verdict-na"))
                continue
            css = "verdict-pass" if agrees else "verdict-fail"
            share = row["share_expected"]
            cells.append(
                Cell(
                    format_value("share_expected", share),
                    repr(float(share)),
                    css,
                    title=f"{format_value('n_days', row['n_days'])} labelled days",
                    tags=((row["status"], "partly"),) if row["status"] else (),
                )
            )
        rows.append(("", cells))
    return Table(head, rows, "episodes")


def _loo_table(stabilities: Mapping[str, Any]) -> Table | None:
    frame = leave_one_out_frame(stabilities)
    if frame.empty:
        return None
    head = [[Cell("feature left out", css="text")] + [Cell(str(c)) for c in frame.columns]]
    rows = [
        (
            "",
            [Cell(str(f), css="text")]
            + [
                cell(
                    "agreement", v, css="neg" if np.isfinite(v) and 1 - v > STABILITY_LIMIT else ""
                )
                for v in row
            ],
        )
        for f, row in frame.iterrows()
    ]
    return Table(head, rows, "leave-one-out")


def regimes_page_html(
    labels: pd.DataFrame,
    evaluation: dict,
    truth: pd.Series | None = None,
    title: str = "Regime classifiers",
) -> str:
    """Self-contained HTML: timeline, evaluation, reliability, stability, episodes.

    Parameters
    ----------
    labels : DataFrame of shape (n_dates, n_classifiers)
    evaluation : dict of str to dict
        Per classifier, as in ``evaluation.json`` (module docstring).
    truth : Series, optional
    title : str

    Returns
    -------
    str
    """
    stabilities = {
        str(n): e["stability"]
        for n, e in evaluation.items()
        if isinstance(e, Mapping) and isinstance(e.get("stability"), Mapping)
    }
    bins = reliability_frames(evaluation)
    brier = {str(n): e.get("brier") for n, e in evaluation.items() if isinstance(e, Mapping)}
    reliability = (
        svg_markup(figure_to_svg(reliability_chart(bins, brier), "reliability")) if bins else None
    )
    flagged = [n for n, s in stabilities.items() if stability_flagged(s)]
    return render(
        "regimes.html.j2",
        title=title,
        timeline=svg_markup(figure_to_svg(timeline_figure(labels, truth), "regimes")),
        evaluation=_evaluation_table(evaluation),
        truth=truth is not None,
        reliability=reliability,
        stability=stability_table(stabilities) if stabilities else None,
        leave_one_out=_loo_table(stabilities) if stabilities else None,
        flagged=flagged,
        limit=f"{STABILITY_LIMIT:.0%}",
        episodes=_episode_table(evaluation),
    )


def write_regimes_page(
    path: Path,
    labels: pd.DataFrame,
    evaluation: dict,
    truth: pd.Series | None = None,
    title: str = "Regime classifiers",
) -> Path:
    """Write :func:`regimes_page_html` to ``path`` atomically (:mod:`data.atomic`).

    Returns
    -------
    Path
    """
    return atomic_write_text(Path(path), regimes_page_html(labels, evaluation, truth, title))
