"""How the report pages write numbers and HTML: number formats, table cells, templates.

Pages are rendered from jinja2 templates (``reports/templates``) with
autoescaping on, so every string that comes from a run directory (config and
strategy names, tickers, series ids, paths, parameter values, verdict text) is
escaped where it lands. Only three things are inserted as markup: the
package's own stylesheet and script (``reports/static``) and SVG charts made
by matplotlib (:func:`svg_markup`, which escapes its text and is checked
here). No Python code in ``reports`` builds HTML by concatenating strings.

Numbers follow one rule per kind of metric (:data:`KINDS`, :func:`format_value`):

=============  ==========================  ===================
kind           example metrics             written as
=============  ==========================  ===================
``percent``    CAGR, volatility, drawdown   ``18.4%``, ``0.0%``
``ratio``      Sharpe, Sortino, turnover    ``0.64``, ``0.00``
``difference`` Sharpe differences, gaps     ``+0.03``, ``-0.10``
``change``     return differences           ``+12.3%``
``probability`` PSR, DSR, PBO, p-values     ``0.998``, ``0.006``
``count``      days, spells, trials         ``5,037``
``days``       detection delays             ``21``
``money``      final values                 ``53,696,791``
``seconds``    wall time                    ``1.2 s``
=============  ==========================  ===================

Examples
--------
>>> format_value("sharpe", 0.00577), format_value("sharpe", 0.0), format_value("cagr", 0.0)
('0.01', '0.00', '0.0%')
>>> format_value("psr", 0.99783), format_value("n_days", 5037), format_value("sharpe", None)
('0.998', '5,037', 'n/a')
>>> format_value("sharpe", -0.001), format_value("difference", -0.0002)
('0.00', '0.0%')
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, cast

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup

__all__ = [
    "KINDS",
    "LABELS",
    "Cell",
    "Table",
    "cell",
    "data_value",
    "format_value",
    "frame_table",
    "join_names",
    "metric_kind",
    "render",
    "sign_css",
    "static_text",
    "svg_markup",
]

#: The kind of each metric name (see the module docstring); others by :func:`metric_kind`.
KINDS: dict[str, str] = {
    **dict.fromkeys(
        (
            "total_return",
            "cagr",
            "volatility",
            "max_drawdown",
            "exposure",
            "share_of_time",
            "hit_rate",
            "share_scarce",
            "share_abundant",
            "share_expected",
            "recall",
            "accuracy",
            "balanced_accuracy",
            "agreement",
            "return",
            "real_cagr",
            "share",
            "max_start_shift_change",
        ),
        "percent",
    ),
    **dict.fromkeys(
        (
            "sharpe",
            "sortino",
            "turnover",
            "active_sharpe",
            "expected_max_sharpe",
            "estimate",
            "low",
            "high",
            "std_error",
            "real_sharpe",
            "f1_abundant",
            "f1_scarce",
            "switches_per_year",
            "false_switches_per_year",
            "in_sample_sharpe",
            "out_of_sample_sharpe",
            "mean_in_sample_sharpe",
            "sharpe_without_best_year",
            "rival_sharpe_without_best_year",
        ),
        "ratio",
    ),
    **dict.fromkeys(
        (
            "sharpe_difference",
            "gap",
            "delay",
            "misclassification",
            "diff_vs_benchmark",
            "diff_low",
            "diff_high",
        ),
        "difference",
    ),
    **dict.fromkeys(
        ("difference", "difference_that_year", "cagr_gap", "cagr_delay", "cagr_misclassification"),
        "change",
    ),
    **dict.fromkeys(
        (
            "psr",
            "dsr",
            "pbo",
            "p_value_le_0",
            "p_sharpe_le_0",
            "active_psr",
            "active_dsr",
            "brier",
            "p_scarce",
            "mean_p_scarce",
            "share_scarce_observed",
            "confidence",
        ),
        "probability",
    ),
    **dict.fromkeys(
        (
            "n_days",
            "n_spells",
            "n_trials",
            "n_paths",
            "n_events",
            "n_folds",
            "n_true_switches",
            "n",
            "days",
            "bootstrap_samples",
            "n_fills",
            "n_combinations",
            "spells",
        ),
        "count",
    ),
    **dict.fromkeys(
        ("median_delay_days", "p90_delay_days", "delay_days", "mean_block_days"), "days"
    ),
    "final_value": "money",
    "seconds": "seconds",
}

#: Short column labels of the comparison table.
LABELS: dict[str, str] = {
    "total_return": "Total ret.",
    "cagr": "CAGR",
    "volatility": "Vol.",
    "sharpe": "Sharpe",
    "sortino": "Sortino",
    "max_drawdown": "Max DD",
    "turnover": "Turnover",
    "exposure": "Exposure",
    "hit_rate": "Hit rate",
    "share_of_time": "Time share",
}


def metric_kind(metric: str) -> str:
    """The formatting kind of a metric name (:data:`KINDS`, then name patterns, else ratio).

    Examples
    --------
    >>> metric_kind("cagr"), metric_kind("n_spells"), metric_kind("share_expected")
    ('percent', 'count', 'percent')
    >>> metric_kind("sharpe_ci.low"), metric_kind("something_new")
    ('ratio', 'ratio')
    """
    leaf = metric.rsplit(".", 1)[-1]
    if leaf in KINDS:
        return KINDS[leaf]
    if leaf.startswith("n_"):
        return "count"
    if leaf.startswith("share_") or leaf.endswith("_share"):
        return "percent"
    if leaf.endswith("_days"):
        return "days"
    return "ratio"


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_value(metric: str, value: Any) -> str:
    """Format one value for display, by the kind of ``metric`` (module docstring).

    Parameters
    ----------
    metric : str
        Metric name (or dotted path); its kind picks the format.
    value : Any
        ``None``/NaN/inf give ``"n/a"``; booleans ``"yes"``/``"no"``; text
        is returned as given (escaping happens in the template).

    Returns
    -------
    str
    """
    if _is_missing(value):
        return "n/a"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if not isinstance(value, numbers.Real):
        return str(value)
    number = float(value)
    if not math.isfinite(number):
        return "n/a"
    kind = metric_kind(metric)
    decimals = _DECIMALS.get(kind)
    if decimals is not None and round(number, decimals) == 0:
        number = 0.0  # no "-0.00" and no "+0.0%": a value that rounds to zero has no sign
    if kind == "percent":
        return f"{number:.1%}"
    if kind == "change":
        return f"{number:+.1%}" if number else "0.0%"
    if kind == "difference":
        return f"{number:+.2f}" if number else "0.00"
    if kind == "probability":
        return f"{number:.3f}"
    if kind in ("count", "money"):
        return f"{round(number):,}"
    if kind == "days":
        return f"{number:,.0f}"
    if kind == "seconds":
        return f"{number:.1f} s"
    return f"{number:.2f}"


#: Decimals each kind keeps (in the value's own units: 0.1% is 3 decimals).
_DECIMALS = {"percent": 3, "change": 3, "difference": 2, "ratio": 2, "probability": 3}


def sign_css(metric: str, value: Any) -> str:
    """``"pos"``, ``"neg"`` or ``""`` by the sign of the value *as displayed*.

    Examples
    --------
    >>> sign_css("difference", 0.012), sign_css("difference", -0.0004), sign_css("sharpe", None)
    ('pos', '', '')
    """
    if _is_missing(value) or not isinstance(value, numbers.Real):
        return ""
    number = float(value)
    if not math.isfinite(number):
        return ""
    rounded = round(number, _DECIMALS.get(metric_kind(metric), 2))
    return "pos" if rounded > 0 else "neg" if rounded < 0 else ""


def data_value(value: Any) -> str | None:
    """The numeric sort key of a cell (``data-v``), ``""`` for missing, None for text."""
    if isinstance(value, str):
        return None
    if _is_missing(value):
        return ""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return repr(number) if math.isfinite(number) else ""


@dataclass(frozen=True)
class Cell:
    """One table cell: its text and the attributes and marks around it.

    Attributes
    ----------
    text : str
        Displayed text (escaped by the template).
    sort : str or None
        ``data-v`` sort key (numbers), None for text cells.
    css : str
        Class names.
    title : str or None
        Tooltip.
    mark : str
        A superscript mark after the text (e.g. the price-only dagger).
    tags : tuple of (str, str)
        Small labels ``(text, kind)`` after the text, styled ``tag-<kind>``.
    note : str
        A small grey note on its own line.
    header : bool
        Render as ``<th>`` (row headers).
    colspan : int
    """

    text: str
    sort: str | None = None
    css: str = ""
    title: str | None = None
    mark: str = ""
    tags: tuple[tuple[str, str], ...] = ()
    note: str = ""
    header: bool = False
    colspan: int = 1

    @property
    def attrs(self) -> dict[str, Any]:
        """Attributes for jinja2's ``xmlattr`` (None values are left out)."""
        return {
            "class": self.css or None,
            "data-v": self.sort,
            "title": self.title,
            "colspan": self.colspan if self.colspan > 1 else None,
        }


def cell(metric: str, value: Any, css: str = "", title: str | None = None) -> Cell:
    """A numeric (or text) cell formatted by ``metric``'s kind."""
    return Cell(format_value(metric, value), data_value(value), css, title)


@dataclass(frozen=True)
class Table:
    """A table for the ``table`` macro: header rows of cells, body rows of cells.

    Attributes
    ----------
    head : list of list of Cell
    rows : list of (row class, list of Cell)
    id : str or None
    css : str
        ``"sortable"`` makes the last header row clickable.
    caption : str
    """

    head: list[list[Cell]]
    rows: list[tuple[str, list[Cell]]]
    id: str | None = None
    css: str = ""
    caption: str = ""
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def table_attrs(self) -> dict[str, Any]:
        return {"id": self.id, "class": self.css or None, **self.attrs}


def frame_table(
    frame: pd.DataFrame,
    *,
    index: bool = True,
    table_id: str | None = None,
    sortable: bool = False,
    metrics: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    caption: str = "",
) -> Table:
    """A DataFrame as a :class:`Table`, each column formatted by its metric kind.

    Parameters
    ----------
    frame : DataFrame
    index : bool, default True
        First column from the index.
    table_id : str, optional
    sortable : bool, default False
    metrics : mapping of column to metric name, optional
        The metric each column is formatted as (default: the column name).
    labels : mapping of column to header text, optional
    caption : str
    """
    metrics = metrics or {}
    labels = labels or {}
    head = [Cell(str(frame.index.name or ""), css="text")] if index else []
    head += [Cell(str(labels.get(c, c))) for c in frame.columns]
    rows = []
    for label, row in frame.iterrows():
        cells = [Cell(str(label), css="text")] if index else []
        for column, value in row.items():
            cells.append(cell(metrics.get(cast(str, column), str(column)), value))
        rows.append(("", cells))
    return Table([head], rows, table_id, "sortable" if sortable else "", caption)


_SVG_FORBIDDEN = re.compile(
    r"<\s*(script|foreignObject|iframe)|\son\w+\s*=|javascript:", re.IGNORECASE
)
_SVG_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def svg_markup(svg: str) -> Markup:
    """Mark a matplotlib SVG as safe HTML, after checking it carries no active content.

    Matplotlib escapes every text it writes; its comments (the text of each
    label) are dropped here, and an SVG with a script, an event handler or a
    ``javascript:`` URL is refused.

    Raises
    ------
    ValueError
        If the SVG contains active content.
    """
    svg = _SVG_COMMENT.sub("", svg)
    if _SVG_FORBIDDEN.search(svg):
        raise ValueError("refusing an SVG with active content")
    return Markup(svg)


@cache
def static_text(name: str) -> Markup:
    """A stylesheet or script of the package (``reports/static/<name>``), as markup."""
    return Markup(resources.files("reports").joinpath("static", name).read_text("utf-8"))


@cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["fmt"] = lambda value, metric="": format_value(metric, value)
    return environment


def render(template: str, **context: Any) -> str:
    """Render ``reports/templates/<template>`` with autoescaping on.

    The page's stylesheet and script are passed as ``css`` and ``script``.
    """
    return (
        _environment()
        .get_template(template)
        .render(css=static_text("report.css"), script=static_text("sort.js"), **context)
    )


def join_names(names: Iterable[str]) -> str:
    """``a, b and c``."""
    items = [str(n) for n in names]
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
