"""A standalone HTML page comparing the regime classifiers on one timeline.

Layers, as elsewhere in ``reports``: :func:`timeline_figure` builds one
matplotlib :class:`~matplotlib.figure.Figure` (never pyplot, so no global
state), :func:`regimes_page_html` composes the page (inline SVG, inline CSS,
no external resource), and :func:`write_regimes_page` writes it atomically.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .plots import figure_to_svg
from data.atomic import atomic_write_text

__all__ = ["regimes_page_html", "timeline_figure", "write_regimes_page"]

_COLOURS = {"abundant": "#4c9f70", "scarce": "#c8553d", "none": "#eeeeee"}
_METRICS = ("balanced_accuracy", "f1_abundant", "f1_scarce", "median_delay_days",
            "p90_delay_days", "false_switches_per_year")


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
    for position, (name, series) in enumerate(rows.items()):
        codes = _codes(series)
        y = len(rows) - 1 - position
        for code, colour in ((0.0, _COLOURS["abundant"]), (1.0, _COLOURS["scarce"])):
            axes.fill_between(dates, y - 0.4, y + 0.4, where=codes == code, color=colour,
                              step="post", linewidth=0)
    axes.set_yticks(range(len(rows)), list(rows)[::-1])
    axes.set_ylim(-0.6, len(rows) - 0.4)
    axes.legend(handles=[Patch(color=_COLOURS[r], label=r) for r in ("abundant", "scarce")],
                loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False)
    axes.spines[["top", "right", "left"]].set_visible(False)
    figure.tight_layout()
    return figure


def _evaluation_table(evaluation: dict) -> str:
    if not evaluation:
        return ""
    first = next(iter(evaluation.values()))
    if "episodes" in first:
        header = "<tr><th>classifier</th>" + "".join(
            f"<th>{html.escape(e['name'])}<br><small>expected {html.escape(e['expected'])}"
            "</small></th>" for e in first["episodes"]) + "</tr>"
        body = ""
        for name, entry in evaluation.items():
            cells = "".join(
                "<td>–</td>" if e["share_expected"] is None else
                f"<td>{e['share_expected']:.0%}</td>" for e in entry["episodes"])
            body += f"<tr><th>{html.escape(name)}</th>{cells}</tr>"
        caption = "Share of days in the expected regime, per documented episode"
    else:
        header = "<tr><th>classifier</th>" + "".join(f"<th>{m}</th>" for m in _METRICS) + "</tr>"
        body = ""
        for name, entry in evaluation.items():
            cells = "".join(
                "<td>–</td>" if entry.get(m) is None else f"<td>{entry[m]:.3g}</td>"
                for m in _METRICS)
            body += f"<tr><th>{html.escape(name)}</th>{cells}</tr>"
        caption = "Walk-forward labels against the true regime"
    return f"<table><caption>{caption}</caption>{header}{body}</table>"


def regimes_page_html(
    labels: pd.DataFrame, evaluation: dict, truth: pd.Series | None = None,
    title: str = "Regime classifiers",
) -> str:
    """Self-contained HTML: the timeline (inline SVG) and the evaluation table.

    Parameters
    ----------
    labels : DataFrame of shape (n_dates, n_classifiers)
    evaluation : dict of str to dict
        Per classifier, as in ``evaluation.json``.
    truth : Series, optional
    title : str

    Returns
    -------
    str
    """
    svg = figure_to_svg(timeline_figure(labels, truth), "regimes")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title><style>"
        "body{font-family:system-ui,sans-serif;margin:2em;max-width:72em}"
        "table{border-collapse:collapse;margin-top:1em}td,th{border:1px solid #ccc;"
        "padding:.3em .6em;text-align:right}caption{text-align:left;font-weight:600}"
        "</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        "<p>Walk-forward (causal) labels: each day's label comes from a model fitted on "
        "earlier data only and applied online.</p>"
        f"<figure>{svg}</figure>{_evaluation_table(evaluation)}</body></html>\n"
    )


def write_regimes_page(path: Path, labels: pd.DataFrame, evaluation: dict,
                       truth: pd.Series | None = None, title: str = "Regime classifiers") -> Path:
    """Write :func:`regimes_page_html` to ``path`` atomically (:mod:`data.atomic`).

    Returns
    -------
    Path
    """
    return atomic_write_text(Path(path), regimes_page_html(labels, evaluation, truth, title))
