"""The run dashboard: one self-contained ``index.html`` per run directory.

The page embeds its charts as inline SVG and its CSS and (tiny) script
inline, so it loads nothing from the network and still works from a zipped
CI artefact. Sections, by element id, in page order: ``run-header``,
``regime-timeline``, ``strategy-table``, ``charts``, ``honesty`` (only when
``metrics.json`` has a ``significance`` block), ``classifier`` and ``files``.
The research panels (charts grid, honesty, classifier) are built in
:mod:`reports.panels`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd

from .markup import CSS, LABELS, SORT_SCRIPT, data_value, esc, format_value
from .panels import charts_html, classifier_html, honesty_html
from .plots import figure_to_svg, regime_timeline
from .research import classifier_params_frames, compared_strategy, placebo_median_long_frame
from data.atomic import atomic_write_text

from .rundir import RunFiles, load_run
from .tables import best_worst, comparison_table, metrics_long_frame

__all__ = ["SECTION_IDS", "render_dashboard", "write_dashboard"]

#: Section ids, in page order (``honesty`` only with significance data).
SECTION_IDS: tuple[str, ...] = ("run-header", "regime-timeline", "strategy-table", "charts",
                                "honesty", "classifier", "files")


def _number_text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return f"{value:+g}" if isinstance(value, float) and value != 0 else f"{value:g}"


def _params_html(classifier: str, params: Any) -> str:
    """Classifier parameters: scalars as ``name value`` cells, mappings as small grids."""
    scalars, mappings = classifier_params_frames(params)
    cells = "".join(f"<td><span class=\"k\">{esc(name)}</span> {esc(format_value('', value))}"
                    "</td>" for name, value in scalars["value"].items())
    parts = [(f'<div class="params"><table class="params-scalars"><tr><th>classifier</th>'
              f"<td><b>{esc(classifier)}</b></td>{cells}</tr></table>")]
    for name, frame in mappings.items():
        items = "".join(
            f'<span class="w"><span class="k">{esc(key)}</span> '
            f"<b>{esc(_number_text(value))}</b></span>"
            for key, value in frame["value"].items())
        parts.append(f'<div class="params-map"><span class="map-name">{esc(name)}:</span>'
                     f"{items}</div>")
    parts.append("</div>")
    return "".join(parts)


def _header_html(run: Mapping[str, Any], regimes: Mapping[str, Any]) -> str:
    synthetic = bool(run.get("synthetic"))
    badge = ('<span class="badge badge-synthetic" title="Synthetic data with known regimes; '
             'not market data">SYNTHETIC</span>' if synthetic
             else '<span class="badge badge-real">market data</span>')
    sha = str(run.get("config_sha256") or "")
    versions = run.get("versions") or {}
    version_text = " · ".join(f"{k} {v}" for k, v in versions.items())
    return (
        '<section id="run-header">'
        f"<h1>{esc(run.get('name', 'run'))}</h1>{badge}"
        '<span class="meta">'
        f"<span>data: <b>{esc(run.get('data_source', 'unknown'))}</b></span>"
        f"<span>{esc(run.get('start', '?'))} → {esc(run.get('end', '?'))}"
        f" ({esc(run.get('n_days', '?'))} days)</span>"
        f"<span>benchmark {esc(run.get('benchmark', '?'))}, cash {esc(run.get('cash', '?'))}"
        "</span>"
        f'<span title="config sha256 {esc(sha)}">config <code>{esc(sha[:12])}</code></span>'
        f'<span class="versions">{esc(version_text)}</span>'
        "</span>"
        f"{_params_html(str(regimes.get('classifier', '?')), regimes.get('params'))}"
        "</section>"
    )


def _timeline_html(files: RunFiles) -> str:
    regimes_block = files.metrics.get("regimes") or {}
    current = regimes_block.get("current") or {}
    regime = str(current.get("regime", files.regimes["regime"].iloc[-1]))
    p_scarce = current.get("p_scarce", files.regimes["p_scarce"].iloc[-1])
    headline = (
        f'<p class="headline">Current regime: <span class="regime-{esc(regime)}">'
        f"{esc(regime.upper())}</span> (p_scarce = {esc(format_value('', p_scarce))}, as of "
        f"{esc(current.get('date', files.regimes.index[-1].strftime('%Y-%m-%d')))})"
        f" · scarce {esc(format_value('share_scarce', regimes_block.get('share_scarce')))}"
        f" of days · {esc(format_value('', regimes_block.get('switches_per_year')))}"
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


def _comparison_html(files: RunFiles, long_frame: pd.DataFrame) -> str:
    placebos = files.metrics.get("placebos") or {}
    median_rows = placebo_median_long_frame(placebos, files.placebos)
    frame = pd.concat([long_frame, median_rows], ignore_index=True) if len(median_rows) \
        else long_frame
    table = comparison_table(frame)
    marks = best_worst(table)
    distributions = placebos.get("random_regimes") or {}
    scopes: list[tuple[str, int]] = []
    for scope, _ in table.columns[2:]:
        if scopes and scopes[-1][0] == scope:
            scopes[-1] = (scope, scopes[-1][1] + 1)
        else:
            scopes.append((scope, 1))
    group_row = '<tr><th colspan="2"></th>' + "".join(
        f'<th colspan="{n}" class="scope-{esc(scope)}">{esc(scope)}</th>'
        for scope, n in scopes) + "</tr>"
    metric_row = "<tr><th>strategy</th><th>role</th>" + "".join(
        f'<th title="{esc(scope)} {esc(metric)}">{esc(LABELS.get(metric, metric))}</th>'
        for scope, metric in table.columns[2:]) + "</tr>"
    body = []
    for position, name in enumerate(table.index):
        role = str(table.iloc[position, 0])
        kind = str(table.iloc[position, 1])
        label = esc(name)
        if name in distributions:
            path = distributions[name].get("representative_path", 0)
            label += f' <span class="note">one path (#{esc(path)})</span>'
        cells = [f'<td title="{esc(kind)}">{label}</td>',
                 f'<td><span class="role role-tag-{esc(role)}">{esc(role)}</span></td>']
        for column in range(2, table.shape[1]):
            metric = table.columns[column][1]
            value = table.iloc[position, column]
            mark = marks.iloc[position, column]
            css = f' class="{mark}"' if mark else ""
            cells.append(f'<td{css} data-v="{data_value(value)}">'
                         f"{esc(format_value(metric, value))}</td>")
        body.append(f'<tr class="role-{esc(role)}">' + "".join(cells) + "</tr>")
    notes = []
    rotation = compared_strategy(files.metrics)
    for name, block in distributions.items():
        percentile = block.get("real_sharpe_percentile")
        if percentile is None:
            continue
        notes.append(
            f"<b>{esc(rotation or 'The rotation')}</b>'s Sharpe is at the "
            f"<b>{float(percentile):.0f}th percentile</b> of {esc(block.get('n_paths'))} "
            f"random-regime paths (<code>{esc(name)}</code>; its row above is one path, the "
            "median row summarises the distribution: kernel metrics, n/a where not computed).")
    return (
        '<section id="strategy-table">'
        f'<table class="sortable" id="comparison"><thead>{group_row}{metric_row}</thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
        + (f'<p class="legend">{" ".join(notes)}</p>' if notes else "")
        + '<p class="legend">Green: best in column, red: worst (lower is better for volatility, '
        "|max drawdown| and turnover). Benchmarks and placebos are italic and are ranked too. "
        "Click a column header to sort. Regime columns use days labelled with the regime known "
        "at the previous close.</p></section>"
    )


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
        return "".join(f'<li><a href="{esc(quote(p))}">{esc(p)}</a></li>' for p in paths)

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
    synthetic = " [SYNTHETIC]" if run.get("synthetic") else ""
    sections = [
        _header_html(run, files.metrics.get("regimes") or {}),
        _timeline_html(files),
        _comparison_html(files, long_frame),
        charts_html(files, long_frame),
        honesty_html(files, list(files.strategies))
        if files.metrics.get("significance") is not None else "",
        classifier_html(files),
        _files_html(files.root),
    ]
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(run.get('name', 'run'))}{synthetic}: regime backtest</title>"
        '<link rel="icon" href="data:,">'
        f"<style>{CSS}</style></head><body>\n"
        + "\n".join(s for s in sections if s)
        + f"\n<script>{SORT_SCRIPT}</script>\n</body></html>\n"
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
