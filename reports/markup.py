"""HTML building blocks shared by the report pages: escaping, number formats, tables.

Pure string functions; the page-level CSS and the table-sorting script live
here too so every page looks the same.
"""

from __future__ import annotations

import html
import json
import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .tables import evaluation_frame, nested_records

__all__ = ["CSS", "LABELS", "PERCENT_METRICS", "SORT_SCRIPT", "data_value", "esc", "format_value",
           "frame_to_html", "json_block_html"]

PERCENT_METRICS = {"total_return", "cagr", "volatility", "max_drawdown", "exposure",
                    "share_of_time", "hit_rate", "share_scarce", "recall"}
LABELS = {"total_return": "Total ret.", "cagr": "CAGR", "volatility": "Vol.",
           "sharpe": "Sharpe", "sortino": "Sortino", "max_drawdown": "Max DD",
           "turnover": "Turnover", "exposure": "Exposure", "hit_rate": "Hit rate",
           "share_of_time": "Time share"}

CSS = """
*{box-sizing:border-box}
body{font:13px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",sans-serif;
 margin:0 auto;padding:4px 16px 40px;max-width:1440px;color:#1b1b1b;background:#fff}
h1{font-size:19px;margin:0 8px 0 0;display:inline}
h2{font-size:15px;margin:14px 0 4px}
h3{font-size:13px;margin:10px 0 4px}
section{margin:0}
.meta{color:#444;font-size:12px;margin:2px 0}
.meta>span{margin-left:14px}
.meta .versions{color:#777;font-size:11px}
.badge{display:inline-block;padding:1px 10px;border-radius:4px;font-weight:700;
 font-size:14px;vertical-align:2px;letter-spacing:.06em}
.badge-synthetic{background:#b00020;color:#fff}
.badge-real{background:#e8e8e8;color:#333}
.params{font-size:11px;color:#333;margin:2px 0 0;display:flex;flex-wrap:wrap;gap:2px 14px;
 align-items:baseline}
.params table{margin:0}
.params td,.params th{padding:0 8px 0 0;border:0;font-size:11px;text-align:left;background:none}
.params .k{color:#777}
.params-map{display:flex;flex-wrap:wrap;gap:0 10px}
.params-map .map-name{color:#555;font-weight:600}
.headline{font-size:14px;margin:4px 0 2px}
.regime-scarce{color:#b00020;font-weight:700}
.regime-abundant{color:#1a7f1a;font-weight:700}
svg{width:100%;height:auto;display:block}
#regime-timeline svg{max-height:350px}
table{border-collapse:collapse;font-size:12px;margin:2px 0 8px}
th,td{padding:2px 7px;text-align:right;border-bottom:1px solid #e4e4e4;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
thead th{background:#f3f3f3;font-weight:600}
table.sortable thead tr:last-child th{cursor:pointer;user-select:none}
table.sortable thead tr:last-child th:hover{background:#e2e2e2}
th.sorted-asc::after{content:" \\25B2";font-size:9px}
th.sorted-desc::after{content:" \\25BC";font-size:9px}
th.scope-scarce{color:#b00020}
th.scope-abundant{color:#1a7f1a}
#comparison{margin-top:6px}
#comparison td,#comparison th{padding:1px 7px}
#comparison td.best{background:#d9f2d9;font-weight:600}
#comparison td.worst{background:#f9dcdc}
tr.role-benchmark td{color:#333;font-style:italic}
tr.role-placebo td{color:#666;font-style:italic;background:#fafafa}
.role{display:inline-block;font-size:10px;padding:0 5px;border-radius:3px;border:1px solid #999}
.role-tag-benchmark{border-color:#333}
.role-tag-placebo{border-color:#888;color:#666}
.note{font-size:10px;color:#888}
.legend{font-size:11px;color:#555;margin:2px 0 6px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:8px 18px}
figure.chart{margin:6px 0;min-width:0}
figure.chart figcaption{font-size:11px;color:#444;margin-top:2px}
figure.missing{border:1px dashed #ccc;padding:6px 10px}
ul.readings{list-style:none;padding:0;margin:4px 0}
ul.readings li{margin:3px 0;padding:3px 8px;border-left:5px solid #bbb;background:#fafafa}
ul.readings .value{font-variant-numeric:tabular-nums;margin-left:6px;color:#333}
ul.readings .reading{color:#222}
.verdict{display:inline-block;min-width:56px;text-align:center;font-size:10px;font-weight:700;
 text-transform:uppercase;border-radius:3px;padding:0 4px;background:#bbb;color:#fff}
li.verdict-pass{border-left-color:#2e7d32}li.verdict-pass .verdict{background:#2e7d32}
li.verdict-caution{border-left-color:#ef8f00}li.verdict-caution .verdict{background:#ef8f00}
li.verdict-fail{border-left-color:#c62828}li.verdict-fail .verdict{background:#c62828}
td.verdict-pass{color:#2e7d32;font-weight:600}td.verdict-fail{color:#c62828;font-weight:600}
td.verdict-na{color:#888}
.bar{display:inline-block;width:70px;height:9px;background:#e6f2e6;vertical-align:middle;
 border:1px solid #ccc}
.bar span{display:block;height:100%;background:#d62728}
details summary{cursor:pointer;color:#333}
ul.files{columns:3;font-size:12px;margin:4px 0;padding-left:18px}
code{font-size:11px}
"""

SORT_SCRIPT = """
(function(){
  function key(cell){
    var v = cell.getAttribute('data-v');
    if (v === null) { return cell.textContent.trim().toLowerCase(); }
    return v === '' ? null : parseFloat(v);
  }
  document.querySelectorAll('table.sortable').forEach(function(table){
    var heads = table.tHead.rows[table.tHead.rows.length - 1].cells;
    Array.prototype.forEach.call(heads, function(th, col){
      th.addEventListener('click', function(){
        var desc = !th.classList.contains('sorted-desc');
        Array.prototype.forEach.call(heads, function(h){
          h.classList.remove('sorted-asc', 'sorted-desc');
        });
        th.classList.add(desc ? 'sorted-desc' : 'sorted-asc');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function(a, b){
          var x = key(a.cells[col]), y = key(b.cells[col]);
          if (x === y) { return 0; }
          if (x === null) { return 1; }
          if (y === null) { return -1; }
          return (x < y ? -1 : 1) * (desc ? -1 : 1);
        });
        rows.forEach(function(r){ body.appendChild(r); });
      });
    });
  });
})();
"""


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_value(metric: str, value: Any) -> str:
    """Format one metric value for display.

    Parameters
    ----------
    metric : str
        Metric name; percentages for returns, volatility, drawdowns and shares.
    value : Any
        The value; ``None``/NaN give ``"n/a"``.

    Returns
    -------
    str
    """
    if _is_missing(value):
        return "n/a"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, numbers.Real):
        number = float(value)
        if not math.isfinite(number):
            return "n/a"
        if metric in PERCENT_METRICS:
            return f"{number:.1%}"
        if isinstance(value, numbers.Integral) or number.is_integer() and abs(number) >= 10:
            return f"{int(number):,}"
        return f"{number:.3g}" if abs(number) < 0.01 else f"{number:.2f}"
    return str(value)


def data_value(value: Any) -> str:
    if _is_missing(value):
        return ""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return ""
    return repr(number) if math.isfinite(number) else ""


def frame_to_html(frame: pd.DataFrame, *, index: bool = True, sortable: bool = False,
                  table_id: str | None = None) -> str:
    """Render a DataFrame as an escaped HTML table.

    Parameters
    ----------
    frame : DataFrame
        Values are formatted with :func:`format_value`, using the column name
        (or the ``key`` column's value for key/value tables) as metric.
    index : bool, default True
        Include the index as the first column.
    sortable : bool, default False
        Add the ``sortable`` class (click a header to sort).
    table_id : str, optional
        ``id`` attribute of the table.

    Returns
    -------
    str
    """
    attrs = f' id="{esc(table_id)}"' if table_id else ""
    attrs += ' class="sortable"' if sortable else ""
    names = ([str(frame.index.name or "")] if index else []) + [str(c) for c in frame.columns]
    head = "".join(f"<th>{esc(n)}</th>" for n in names)
    rows = []
    for label, row in frame.iterrows():
        cells = [f"<td>{esc(label)}</td>"] if index else []
        row_metric = str(row["key"]) if "key" in frame.columns else ""
        for column, value in row.items():
            metric = row_metric.rsplit(".", 1)[-1] if column == "value" else str(column)
            cells.append(f'<td data-v="{data_value(value)}">'
                         f"{esc(format_value(metric, value))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f"<table{attrs}><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def json_block_html(block: Any) -> str:
    """Best-effort table(s) for a JSON block of unknown shape."""
    if isinstance(block, Mapping) and block and all(isinstance(v, Mapping) and not any(
            isinstance(x, (Mapping, list)) for x in v.values()) for v in block.values()):
        frame = pd.DataFrame.from_dict({k: dict(v) for k, v in block.items()}, orient="index")
        frame.index.name = ""
        return frame_to_html(frame, sortable=True)
    parts = []
    flat = evaluation_frame(block)
    if not flat.empty:
        parts.append(frame_to_html(flat, index=False))
    for key, records in nested_records(block).items():
        parts.append(f"<h3>{esc(key)}</h3>" + frame_to_html(records, index=False))
    if not parts:
        text = json.dumps(block, indent=1, sort_keys=True, default=str)
        parts.append(f"<pre>{esc(text)}</pre>")
    return "".join(parts)
