"""``study.html``: the page of a ``regime-bt study`` directory.

Like every page in ``reports`` it reads only files (``study.parquet`` and
``study.json``), so it can be rebuilt from a copied study. Layers: one chart
function (:func:`metric_against_key`, a plain matplotlib ``Figure``), the page
data (:func:`study_page_html` builds :class:`reports.markup.Table` cells) and
its jinja2 template (:data:`TEMPLATE`, autoescaped: every string from the
study, keys, values, names and error messages, is escaped where it lands; the
stylesheet, the sort script and the matplotlib SVGs are the only markup
inserted), and :func:`write_study_page`, which writes it atomically. The page
is self-contained: no external resource.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from data.atomic import atomic_write_text

from .markup import LABELS, Cell, Table, cell, format_value, static_text, svg_markup
from .plots import figure_to_svg

__all__ = ["TEMPLATE", "metric_against_key", "study_page_html", "write_study_page"]

#: The rotation's metrics charted against each key.
CHART_METRICS: tuple[str, ...] = ("sharpe", "cagr", "max_drawdown")
#: The rotation's metrics shown in the table (the other strategies show their Sharpe).
TABLE_METRICS: tuple[str, ...] = (
    "sharpe",
    "cagr",
    "max_drawdown",
    "turnover",
    "sortino",
    "volatility",
)

#: The page (the shape of the other pages' templates; it can move to reports/templates).
TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>{{ css }}
table.study td.error{text-align:left;color:#b00020;white-space:normal;min-width:200px}
table.study tr.best td{background:#eef7ee}
dl.grid-keys{display:grid;grid-template-columns:max-content 1fr;gap:1px 12px;margin:4px 0}
dl.grid-keys dt{color:#555}dl.grid-keys dd{margin:0}</style></head>
<body>
<h1>{{ title }}</h1>
<p class="meta"><span>config {{ config }}</span>
{% if settings %}<span>{{ settings }}</span>{% endif %}
<span>{{ n_points }} points</span><span>{{ label_sets }} walk-forward label sets</span>
{% if n_failed %}<span class="regime-scarce">{{ n_failed }} failed</span>{% endif %}</p>
<dl class="grid-keys">
{% for key, values in grid %}<dt>{{ key }}</dt><dd>{{ values }}</dd>
{% endfor %}</dl>
{% if best %}<p class="headline">Best {{ rotation }}: point {{ best.point }} ({{ best.setting }}),
excess Sharpe {{ best.sharpe }}.</p>{% endif %}
{% if significance %}<p>Every point is one trial of the rotation. Deflated Sharpe ratio of the
best point: <b>{{ significance.dsr }}</b> (the probability that its true Sharpe beats the best of
{{ significance.n_trials }} unskilled trials, expected {{ significance.expected_max_sharpe }}).
Probability of backtest overfitting: <b>{{ significance.pbo }}</b> (CSCV,
{{ significance.n_splits }} blocks over {{ significance.n_days }} days; the share of in-sample
winners that land at or below the out-of-sample median).</p>{% endif %}
<p class="note">{{ convention }}. Click a column header to sort; study.csv has every metric of
every strategy.</p>
<h2>Metrics against each key</h2>
<div class="grid">
{% for chart in charts %}<figure class="chart">{{ chart.svg }}<figcaption>{{ rotation }} against
{{ chart.key }}: every point (dots) and the median per value (line).</figcaption></figure>
{% endfor %}</div>
<h2>Points</h2>
<table{{ table.table_attrs|xmlattr }}><thead>
{% for row in table.head %}<tr>
{% for c in row %}<th{{ c.attrs|xmlattr }}>{{ c.text }}</th>{% endfor %}
</tr>
{% endfor %}</thead><tbody>
{% for css, row in table.rows %}<tr{{ {"class": css or None}|xmlattr }}>
{% for c in row %}<td{{ c.attrs|xmlattr }}>{{ c.text }}</td>{% endfor %}
</tr>
{% endfor %}</tbody></table>
<script>{{ script }}</script>
</body></html>
"""


@cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return environment.from_string(TEMPLATE)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def metric_against_key(
    table: pd.DataFrame, key: str, strategy: str, metrics: Sequence[str] = CHART_METRICS
) -> Figure:
    """One panel per metric: every point's value against the key's value, medians joined.

    Parameters
    ----------
    table : DataFrame of shape (n_points, n_columns)
        ``study.parquet``: the key's column and ``<strategy>.<metric>`` columns.
    key : str
        A grid key (a column of ``table``).
    strategy : str
    metrics : sequence of str

    Returns
    -------
    Figure
    """
    values = table[key].tolist()
    order = list(dict.fromkeys(values))
    numeric = all(_is_number(v) for v in order)
    if numeric:
        positions = {v: float(v) for v in order}
    else:
        positions = {v: float(i) for i, v in enumerate(order)}
    x = np.array([positions[v] for v in values])
    figure = Figure(figsize=(3.3 * len(metrics), 2.6))
    axes = figure.subplots(1, len(metrics), squeeze=False)[0]
    for axis, metric in zip(axes, metrics, strict=True):
        column = f"{strategy}.{metric}"
        y = table[column].to_numpy(dtype=float) if column in table else np.full(len(x), np.nan)
        axis.scatter(x, y, s=14, color="#1f77b4", alpha=0.6, linewidths=0)
        centres = sorted(order, key=lambda v: positions[v])
        medians = [
            np.nanmedian(y[x == positions[v]])
            if np.isfinite(y[x == positions[v]]).any()
            else np.nan
            for v in centres
        ]
        axis.plot(
            [positions[v] for v in centres],
            medians,
            color="black",
            linewidth=1.2,
            marker="o",
            markersize=3,
            label="median",
        )
        axis.set_title(LABELS.get(metric, metric), fontsize=9)
        axis.tick_params(labelsize=7)
        if not numeric:
            axis.set_xticks(
                [positions[v] for v in order],
                [_short(str(v)) for v in order],
                rotation=20,
                ha="right",
            )
        if metric in ("cagr", "max_drawdown"):
            axis.yaxis.set_major_formatter(lambda value, _: f"{value:.1%}")
        axis.spines[["top", "right"]].set_visible(False)
    figure.supxlabel(key, fontsize=8)
    figure.tight_layout()
    return figure


def _short(text: str, width: int = 18) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _strategies(table: pd.DataFrame) -> list[str]:
    names: list[str] = []
    for column in table.columns:
        if column.endswith(".sharpe"):
            names.append(column[: -len(".sharpe")])
    return names


def _key_cell(value: Any) -> Cell:
    if _is_number(value):
        return Cell(str(value), repr(float(value)), "text")
    return Cell(str(value), None, "text")


def _points_table(
    table: pd.DataFrame, keys: Sequence[str], rotation: str | None, best: int | None
) -> Table:
    strategies = _strategies(table)
    others = [s for s in strategies if s != rotation]
    rotation_metrics = [m for m in TABLE_METRICS if rotation and f"{rotation}.{m}" in table]
    top = [Cell("point", colspan=1 + len(keys), css="group")]
    if rotation_metrics:
        top.append(Cell(str(rotation), colspan=len(rotation_metrics), css="group"))
    if others:
        top.append(Cell("Sharpe of the other strategies", colspan=len(others), css="group"))
    top.append(Cell(""))
    head = [
        Cell("#"),
        *(Cell(k, css="text") for k in keys),
        *(Cell(LABELS.get(m, m)) for m in rotation_metrics),
        *(Cell(s) for s in others),
        Cell("error", css="text"),
    ]
    rows = []
    for _, row in table.iterrows():
        point = int(row["point"])
        cells = [Cell(str(point), str(point))]
        cells += [_key_cell(row[k]) for k in keys]
        cells += [cell(m, row[f"{rotation}.{m}"]) for m in rotation_metrics]
        cells += [cell("sharpe", row[f"{s}.sharpe"]) for s in others]
        cells.append(Cell(str(row["error"]), None, "error"))
        rows.append(("best" if best == point else "", cells))
    return Table([top, head], rows, "points", "sortable study")


def _value_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _significance(rotation: Mapping[str, Any]) -> dict | None:
    deflated = rotation.get("deflated_sharpe") or {}
    pbo = rotation.get("pbo") or {}
    if not deflated and not pbo:
        return None
    return {
        "dsr": format_value("dsr", deflated.get("dsr")),
        "n_trials": format_value("n_trials", deflated.get("n_trials", rotation.get("n_trials"))),
        "expected_max_sharpe": format_value("sharpe", deflated.get("expected_max_sharpe")),
        "pbo": format_value("pbo", pbo.get("pbo")),
        "n_splits": format_value("n_trials", pbo.get("n_splits")),
        "n_days": format_value("n_days", pbo.get("n_days")),
    }


def study_page_html(table: pd.DataFrame, summary: Mapping[str, Any]) -> str:
    """The whole page as a string (self-contained, deterministic).

    Parameters
    ----------
    table : DataFrame of shape (n_points, n_columns)
        ``study.parquet``.
    summary : mapping
        ``study.json``.

    Returns
    -------
    str
    """
    grid = summary.get("grid") or {}
    keys = list(grid)
    section = summary.get("rotation") or {}
    rotation = section.get("strategy")
    best = section.get("best")
    charts = []
    if rotation and len(table):
        for position, key in enumerate(keys):
            svg = figure_to_svg(metric_against_key(table, key, rotation), f"key{position}")
            charts.append({"key": key, "svg": svg_markup(svg)})
    return _template().render(
        title=f"Study: {summary.get('name', '')}",
        config=summary.get("config", ""),
        settings=" ".join(f"--set {text}" for text in summary.get("set") or []),
        n_points=format_value("n_trials", summary.get("n_points", len(table))),
        label_sets=summary.get("label_sets", ""),
        n_failed=summary.get("n_failed") or 0,
        grid=[(key, ", ".join(_value_text(v) for v in values)) for key, values in grid.items()],
        rotation=rotation or "",
        best=None
        if not best
        else {
            "point": best["point"],
            "setting": ", ".join(f"{k} = {_value_text(v)}" for k, v in best["values"].items()),
            "sharpe": format_value("sharpe", best["sharpe"]),
        },
        significance=_significance(section),
        convention=summary.get("convention", ""),
        charts=charts,
        table=_points_table(table, keys, rotation, None if not best else best["point"]),
        css=static_text("report.css"),
        script=static_text("sort.js"),
    )


def write_study_page(study_dir: str | Path) -> Path:
    """Write ``study.html`` from ``study.parquet`` and ``study.json`` (atomically).

    Returns
    -------
    Path
        The page.
    """
    study_dir = Path(study_dir)
    table = pd.read_parquet(study_dir / "study.parquet")
    summary = json.loads((study_dir / "study.json").read_text(encoding="utf-8"))
    return atomic_write_text(study_dir / "study.html", study_page_html(table, summary))
