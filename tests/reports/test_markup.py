"""Number formats (one rule per kind), cells, safe SVG, and the autoescaping templates."""

from __future__ import annotations

import re

import numpy as np
import pytest
from markupsafe import Markup

from reports.markup import (
    KINDS,
    Cell,
    Table,
    cell,
    data_value,
    format_value,
    metric_kind,
    render,
    sign_css,
    static_text,
    svg_markup,
)

#: The one pattern each kind is written in.
PATTERNS = {
    "percent": r"-?\d+\.\d%",
    "change": r"(\+|-)\d+\.\d%|0\.0%",
    "ratio": r"-?\d+\.\d\d",
    "difference": r"(\+|-)\d+\.\d\d|0\.00",
    "probability": r"\d\.\d{3}",
    "count": r"-?\d{1,3}(,\d{3})*",
    "days": r"-?\d{1,3}(,\d{3})*",
    "money": r"-?\d{1,3}(,\d{3})*",
    "seconds": r"-?\d+\.\d s",
}


@pytest.mark.parametrize("metric", sorted(KINDS))
@pytest.mark.parametrize(
    "value", [0.0, 0.00577, -0.00577, 0.0004, -0.0004, 0.01, 12345.678, -0.5, 1.0, 3, 0.99999]
)
def test_every_metric_follows_its_kind_pattern(metric, value):
    if KINDS[metric] == "probability" and not 0 <= value <= 1:
        return
    text = format_value(metric, value)
    assert re.fullmatch(PATTERNS[KINDS[metric]], text), (metric, value, text)


def test_the_f11_cases():
    # no 0.00577 beside 0.01 and no bare 0 beside 0.00
    assert [format_value("sharpe", v) for v in (0.00577, 0.01, 0, 0.0, -0.001)] == [
        "0.01",
        "0.01",
        "0.00",
        "0.00",
        "0.00",
    ]
    assert [format_value("cagr", v) for v in (0, 0.0, 0.00577, -0.0004)] == [
        "0.0%",
        "0.0%",
        "0.6%",
        "0.0%",
    ]
    assert (
        format_value("difference", -0.0004) == "0.0%"
        and format_value("difference", 0.012) == "+1.2%"
    )
    assert format_value("n_days", 5037.0) == "5,037" and format_value("dsr", 0.99783) == "0.998"


def test_missing_booleans_and_text():
    for missing in (None, float("nan"), float("inf"), np.nan):
        assert format_value("sharpe", missing) == "n/a"
    assert format_value("x", True) == "yes" and format_value("x", "<b>") == "<b>"
    assert data_value(None) == "" and data_value("text") is None and data_value(0.5) == "0.5"


def test_kind_patterns_by_name():
    assert metric_kind("n_anything") == "count" and metric_kind("share_of_x") == "percent"
    assert metric_kind("a.b.sharpe") == "ratio" and metric_kind("whatever_days") == "days"


def test_sign_css_follows_the_display():
    assert sign_css("difference", 0.0004) == ""  # shown as 0.0%
    assert sign_css("difference", 0.0006) == "pos" and sign_css("sharpe_difference", -0.01) == "neg"


def test_cells_and_tables_render_escaped():
    table = Table(
        [[Cell('<b>"h"</b>', title="t'<")]],
        [
            (
                "role-<x>",
                [
                    cell("sharpe", 0.5, css="best"),
                    Cell("<i>n</i>", mark="†", tags=(("<t>", "k"),), note="<n>"),
                ],
            )
        ],
        'id"x',
    )
    html = render("macros.html.j2")  # the macros alone render to nothing
    assert html.strip() == ""
    from reports.markup import _environment

    macro = _environment().get_template("macros.html.j2").module.table
    out = str(macro(table))
    assert "<b>" not in out and "&lt;b&gt;&#34;h&#34;&lt;/b&gt;" in out
    assert 'class="role-&lt;x&gt;"' in out and 'id="id&#34;x"' in out
    assert '<td class="best" data-v="0.5">0.50</td>' in out
    assert '&lt;i&gt;n&lt;/i&gt;<span class="mark">†</span>' in out
    assert "&lt;t&gt;" in out and "&lt;n&gt;" in out


def test_svg_markup_strips_comments_and_refuses_active_content():
    svg = '<svg><!-- <script>alert(1)</script> --><g id="a"><path d="M0 0"/></g></svg>'
    safe = svg_markup(svg)
    assert isinstance(safe, Markup) and "<!--" not in safe and "alert" not in safe
    for bad in (
        "<svg><script>x</script></svg>",
        '<svg><g onload="x"/></svg>',
        '<svg><a href="javascript:x"/></svg>',
        "<svg><foreignObject/></svg>",
    ):
        with pytest.raises(ValueError, match="active content"):
            svg_markup(bad)


def test_static_files_are_package_files():
    assert "table.sortable" in static_text("sort.js")
    assert "body{" in static_text("report.css")
