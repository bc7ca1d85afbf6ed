"""The run dashboard: one self-contained ``index.html`` per run directory.

The page embeds its charts as inline SVG and its CSS and (tiny) script
inline, so it loads nothing from the network and still works from a zipped
CI artefact. Sections, by element id: ``run-header``, ``regime-timeline``,
``strategy-table``, ``charts``, ``honesty`` (only when ``metrics.json`` has a
``significance`` block), ``analyses`` (only when it has any of
``event_study``, ``sweep``, ``walk_forward``), ``classifier`` and ``files``.
"""

from __future__ import annotations

import html
import json
import math
import numbers
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd

from .plots import equity_and_drawdowns, figure_to_svg, regime_metric_bars, regime_timeline
from .rundir import RunFiles, atomic_write_text, load_run
from .tables import (
    best_worst,
    comparison_table,
    confusion_table,
    evaluation_frame,
    metrics_long_frame,
    nested_records,
    regime_metric_frame,
)

__all__ = ["OPTIONAL_ANALYSES", "SECTION_IDS", "render_dashboard", "write_dashboard"]

#: Section ids always present, in page order (``honesty`` only with significance data).
SECTION_IDS: tuple[str, ...] = ("run-header", "regime-timeline", "strategy-table", "charts",
                                "honesty", "classifier", "files")
#: Optional top-level keys of metrics.json rendered (as tables) when present.
OPTIONAL_ANALYSES: tuple[str, ...] = ("event_study", "sweep", "walk_forward")

_PERCENT_METRICS = {"total_return", "cagr", "volatility", "max_drawdown", "exposure",
                    "share_of_time", "hit_rate", "share_scarce", "recall"}
_LABELS = {"total_return": "Total ret.", "cagr": "CAGR", "volatility": "Vol.",
           "sharpe": "Sharpe", "sortino": "Sortino", "max_drawdown": "Max DD",
           "turnover": "Turnover", "exposure": "Exposure", "hit_rate": "Hit rate",
           "share_of_time": "Time share"}

_CSS = """
*{box-sizing:border-box}
body{font:13px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",sans-serif;
 margin:0 auto;padding:6px 16px 40px;max-width:1440px;color:#1b1b1b;background:#fff}
h1{font-size:20px;margin:0 8px 0 0;display:inline}
h2{font-size:15px;margin:14px 0 4px}
h3{font-size:13px;margin:10px 0 4px}
section{margin:0}
.meta{color:#444;font-size:12px;margin:2px 0}
.meta span{margin-right:14px}
.badge{display:inline-block;padding:2px 10px;border-radius:4px;font-weight:700;
 font-size:14px;vertical-align:3px;letter-spacing:.06em}
.badge-synthetic{background:#b00020;color:#fff}
.badge-real{background:#e8e8e8;color:#333}
.headline{font-size:14px;margin:4px 0 2px}
.regime-scarce{color:#b00020;font-weight:700}
.regime-abundant{color:#1a7f1a;font-weight:700}
svg{width:100%;height:auto;display:block}
#regime-timeline svg{max-height:430px}
table{border-collapse:collapse;font-size:12px;margin:2px 0 8px}
th,td{padding:2px 7px;text-align:right;border-bottom:1px solid #e4e4e4;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
thead th{background:#f3f3f3;font-weight:600}
table.sortable thead tr:last-child th{cursor:pointer;user-select:none}
table.sortable thead tr:last-child th:hover{background:#e2e2e2}
th.sorted-asc::after{content:" \\25B2";font-size:9px}
th.sorted-desc::after{content:" \\25BC";font-size:9px}
#comparison td.best{background:#d9f2d9;font-weight:600}
#comparison td.worst{background:#f9dcdc}
tr.role-benchmark td{color:#333;font-style:italic}
tr.role-placebo td{color:#666;font-style:italic;background:#fafafa}
.role{display:inline-block;font-size:10px;padding:0 5px;border-radius:3px;border:1px solid #999}
.role-tag-benchmark{border-color:#333}
.role-tag-placebo{border-color:#888;color:#666}
.legend{font-size:11px;color:#555}
details summary{cursor:pointer;color:#333}
ul.files{columns:3;font-size:12px;margin:4px 0;padding-left:18px}
code{font-size:11px}
"""

_SORT_SCRIPT = """
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


def _esc(value: Any) -> str:
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
        if metric in _PERCENT_METRICS:
            return f"{number:.1%}"
        if isinstance(value, numbers.Integral) or number.is_integer() and abs(number) >= 10:
            return f"{int(number):,}"
        return f"{number:.3g}" if abs(number) < 0.01 else f"{number:.2f}"
    return str(value)


def _data_value(value: Any) -> str:
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
    attrs = f' id="{_esc(table_id)}"' if table_id else ""
    attrs += ' class="sortable"' if sortable else ""
    names = ([str(frame.index.name or "")] if index else []) + [str(c) for c in frame.columns]
    head = "".join(f"<th>{_esc(n)}</th>" for n in names)
    rows = []
    for label, row in frame.iterrows():
        cells = [f"<td>{_esc(label)}</td>"] if index else []
        row_metric = str(row["key"]) if "key" in frame.columns else ""
        for column, value in row.items():
            metric = row_metric.rsplit(".", 1)[-1] if column == "value" else str(column)
            cells.append(f'<td data-v="{_data_value(value)}">'
                         f"{_esc(format_value(metric, value))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f"<table{attrs}><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _json_block_html(block: Any) -> str:
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
        parts.append(f"<h3>{_esc(key)}</h3>" + frame_to_html(records, index=False))
    if not parts:
        text = json.dumps(block, indent=1, sort_keys=True, default=str)
        parts.append(f"<pre>{_esc(text)}</pre>")
    return "".join(parts)


def _header_html(run: Mapping[str, Any], regimes: Mapping[str, Any]) -> str:
    synthetic = bool(run.get("synthetic"))
    badge = ('<span class="badge badge-synthetic" title="Synthetic data with known regimes; '
             'not market data">SYNTHETIC</span>' if synthetic
             else '<span class="badge badge-real">market data</span>')
    params = regimes.get("params") or {}
    param_text = ", ".join(f"{k}={v}" for k, v in params.items()) if isinstance(
        params, Mapping) else str(params)
    sha = str(run.get("config_sha256") or "")
    versions = run.get("versions") or {}
    version_text = " · ".join(f"{k} {v}" for k, v in versions.items())
    return (
        '<section id="run-header">'
        f"<h1>{_esc(run.get('name', 'run'))}</h1>{badge}"
        '<div class="meta">'
        f"<span>data: <b>{_esc(run.get('data_source', 'unknown'))}</b></span>"
        f"<span>{_esc(run.get('start', '?'))} → {_esc(run.get('end', '?'))}"
        f" ({_esc(run.get('n_days', '?'))} days)</span>"
        f"<span>benchmark {_esc(run.get('benchmark', '?'))}, cash {_esc(run.get('cash', '?'))}"
        "</span>"
        f"<span>classifier <b>{_esc(regimes.get('classifier', '?'))}</b>"
        f"{' (' + _esc(param_text) + ')' if param_text else ''}</span>"
        f'<span title="config sha256 {_esc(sha)}">config <code>{_esc(sha[:12])}</code></span>'
        "</div>"
        f'<div class="meta">versions: {_esc(version_text)}</div>'
        "</section>"
    )


def _timeline_html(files: RunFiles) -> str:
    regimes_block = files.metrics.get("regimes") or {}
    current = regimes_block.get("current") or {}
    regime = str(current.get("regime", files.regimes["regime"].iloc[-1]))
    p_scarce = current.get("p_scarce", files.regimes["p_scarce"].iloc[-1])
    headline = (
        f'<p class="headline">Current regime: <span class="regime-{_esc(regime)}">'
        f"{_esc(regime.upper())}</span> (p_scarce = {_esc(format_value('', p_scarce))}, as of "
        f"{_esc(current.get('date', files.regimes.index[-1].strftime('%Y-%m-%d')))})"
        f" · scarce {_esc(format_value('share_scarce', regimes_block.get('share_scarce')))}"
        f" of days · {_esc(format_value('', regimes_block.get('switches_per_year')))}"
        " switches/year</p>"
    )
    benchmark = str(files.run_info.get("benchmark") or "")
    if files.prices is not None and benchmark in files.prices.columns:
        prices = files.prices[benchmark]
    else:  # no price panel: draw the benchmark-role strategy's wealth instead
        roles = {k: v.get("role") for k, v in files.strategies.items()}
        column = next((k for k, r in roles.items() if r == "benchmark"
                       and k in files.returns.columns), files.returns.columns[0])
        prices = (1.0 + files.returns[column].fillna(0.0)).cumprod().rename(column)
        benchmark = column
    liquidity = None
    if files.macro is not None and "net_liquidity" in files.macro.columns:
        liquidity = files.macro["net_liquidity"]
    figure = regime_timeline(prices, files.regimes, liquidity, benchmark_name=benchmark)
    return (f'<section id="regime-timeline">{headline}'
            f"{figure_to_svg(figure, 'timeline')}</section>")


def _comparison_html(long_frame: pd.DataFrame) -> str:
    table = comparison_table(long_frame)
    marks = best_worst(table)
    scopes: list[tuple[str, int]] = []
    for scope, _ in table.columns[2:]:
        if scopes and scopes[-1][0] == scope:
            scopes[-1] = (scope, scopes[-1][1] + 1)
        else:
            scopes.append((scope, 1))
    group_row = '<tr><th colspan="2"></th>' + "".join(
        f'<th colspan="{n}">{_esc(scope)}</th>' for scope, n in scopes) + "</tr>"
    metric_row = "<tr><th>strategy</th><th>role</th>" + "".join(
        f'<th title="{_esc(scope)} {_esc(metric)}">{_esc(_LABELS.get(metric, metric))}</th>'
        for scope, metric in table.columns[2:]) + "</tr>"
    body = []
    for position, name in enumerate(table.index):
        role = str(table.iloc[position, 0])
        kind = str(table.iloc[position, 1])
        cells = [f'<td title="{_esc(kind)}">{_esc(name)}</td>',
                 f'<td><span class="role role-tag-{_esc(role)}">{_esc(role)}</span></td>']
        for column in range(2, table.shape[1]):
            metric = table.columns[column][1]
            value = table.iloc[position, column]
            mark = marks.iloc[position, column]
            css = f' class="{mark}"' if mark else ""
            cells.append(f'<td{css} data-v="{_data_value(value)}">'
                         f"{_esc(format_value(metric, value))}</td>")
        body.append(f'<tr class="role-{_esc(role)}">' + "".join(cells) + "</tr>")
    return (
        '<section id="strategy-table"><h2>Strategies</h2>'
        f'<table class="sortable" id="comparison"><thead>{group_row}{metric_row}</thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
        '<p class="legend">Green: best in column, red: worst (lower is better for volatility, '
        "|max drawdown| and turnover). Benchmarks and placebos are italic and are ranked too. "
        "Click a column header to sort. Regime columns use days labelled with the regime known "
        "at the previous close.</p></section>"
    )


def _charts_html(files: RunFiles, long_frame: pd.DataFrame) -> str:
    roles = {name: str(entry.get("role") or "strategy")
             for name, entry in files.strategies.items()}
    parts = ['<section id="charts"><h2>Equity and drawdowns</h2>',
             figure_to_svg(equity_and_drawdowns(files.returns, roles), "equity")]
    sharpe = regime_metric_frame(long_frame, "sharpe")
    if not sharpe.empty:
        parts += ["<h2>Sharpe ratio by regime</h2>",
                  figure_to_svg(regime_metric_bars(sharpe), "sharpe")]
    parts.append("</section>")
    return "".join(parts)


def _honesty_html(significance: Any) -> str:
    return ('<section id="honesty"><h2>Is it luck? (significance)</h2>'
            f"{_json_block_html(significance)}</section>")


def _analyses_html(metrics: Mapping[str, Any]) -> str:
    present = [key for key in OPTIONAL_ANALYSES if metrics.get(key) is not None]
    if not present:
        return ""
    parts = ['<section id="analyses">']
    for key in present:
        parts.append(f'<h2 id="analysis-{_esc(key)}">{_esc(key.replace("_", " "))}</h2>'
                     f"{_json_block_html(metrics[key])}")
    parts.append("</section>")
    return "".join(parts)


def _classifier_html(files: RunFiles) -> str:
    block = files.metrics.get("regimes") or {}
    parts = ['<section id="classifier"><h2>Classifier</h2>']
    summary = evaluation_frame({k: block.get(k) for k in
                                ("classifier", "share_scarce", "switches_per_year",
                                 "in_sample_label_gap") if k in block})
    parts.append(frame_to_html(summary, index=False))
    if files.true_regimes is not None and "regime" in files.true_regimes.columns:
        confusion = confusion_table(files.regimes["regime"], files.true_regimes["regime"])
        parts.append("<h3>Causal labels against the known truth (days)</h3>"
                     + frame_to_html(confusion))
    evaluation = block.get("evaluation")
    if evaluation is not None:
        parts.append("<h3>Evaluation</h3>" + _json_block_html(evaluation))
    elif files.true_regimes is None:
        parts.append('<p class="legend">No known truth for this data: no evaluation.</p>')
    parts.append("</section>")
    return "".join(parts)


def _file_links(root: Path, exclude: Iterable[str] = ("index.html",)) -> list[str]:
    skip = set(exclude)
    found = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if not path.is_file() or relative in skip or any(
                part.startswith(".") for part in path.relative_to(root).parts):
            continue
        if path.suffix.lower() in {".html", ".csv", ".json", ".toml"}:
            found.append(relative)
    return found


def _files_html(root: Path) -> str:
    links = _file_links(root)
    tearsheets = [p for p in links if p.startswith("tearsheets/")]
    others = [p for p in links if p not in tearsheets]

    def items(paths: list[str]) -> str:
        return "".join(f'<li><a href="{_esc(quote(p))}">{_esc(p)}</a></li>' for p in paths)

    parts = ['<section id="files"><h2>Files</h2>']
    if tearsheets:
        parts.append(f'<h3>Tearsheets</h3><ul class="files">{items(tearsheets)}</ul>')
    parts.append(f'<h3>Data</h3><ul class="files">{items(others)}</ul></section>')
    return "".join(parts)


def render_dashboard(files: RunFiles) -> str:
    """Build the dashboard HTML for a loaded run.

    Parameters
    ----------
    files : RunFiles
        From :func:`reports.rundir.load_run`.

    Returns
    -------
    str
        A complete, self-contained HTML document.
    """
    run = files.run_info
    long_frame = metrics_long_frame(files.strategies)
    significance = files.metrics.get("significance")
    synthetic = " [SYNTHETIC]" if run.get("synthetic") else ""
    sections = [
        _header_html(run, files.metrics.get("regimes") or {}),
        _timeline_html(files),
        _comparison_html(long_frame),
        _charts_html(files, long_frame),
        _honesty_html(significance) if significance is not None else "",
        _analyses_html(files.metrics),
        _classifier_html(files),
        _files_html(files.root),
    ]
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_esc(run.get('name', 'run'))}{synthetic}: regime backtest</title>"
        '<link rel="icon" href="data:,">'
        f"<style>{_CSS}</style></head><body>\n"
        + "\n".join(s for s in sections if s)
        + f"\n<script>{_SORT_SCRIPT}</script>\n</body></html>\n"
    )


def write_dashboard(run_dir: str | os.PathLike[str]) -> Path:
    """Write ``index.html`` into a run directory.

    Parameters
    ----------
    run_dir : path-like
        A run directory (see the README, "The run directory"). Tearsheets
        already in ``tearsheets/`` are linked from the Files section, so write
        them first.

    Returns
    -------
    Path
        The written ``index.html`` (replaced atomically).

    Examples
    --------
    >>> from reports import write_dashboard
    >>> write_dashboard("runs/synthetic")  # doctest: +SKIP
    PosixPath('runs/synthetic/index.html')
    """
    files = load_run(run_dir)
    return atomic_write_text(files.root / "index.html", render_dashboard(files))
