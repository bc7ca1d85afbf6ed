"""Dashboard panels about performance: header, verdict, timeline, strategy tables, charts, files.

Each function takes the loaded run (:class:`reports.rundir.RunFiles`) and
returns the *context* of one template partial (plain values, :class:`Cell`
tables and SVG markup); the HTML itself is in ``reports/templates``, where
autoescaping applies to every value. The checks a skeptic reads
(significance, bounds, edge, classifier) are in :mod:`reports.checks`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

import pandas as pd

from .markup import LABELS, Cell, Table, cell, format_value, svg_markup
from .plots import (
    equity_and_drawdowns,
    event_study_chart,
    figure_to_svg,
    placebo_histogram,
    regime_metric_bars,
    regime_timeline,
    sweep_heatmap,
    walk_forward_bars,
)
from .readings import ordinal, stability_flagged, stability_reading
from .research import (
    classifier_params_frames,
    compared_strategy,
    placebo_median_long_frame,
    sweep_heatmap_data,
    walk_forward_frame,
)
from .rundir import RunFiles
from .tables import best_worst, comparison_table, regime_metric_frame, spell_drawdown_frame

__all__ = [
    "PRICE_ONLY_MARK",
    "charts_context",
    "files_context",
    "header_context",
    "spell_table",
    "strategy_context",
    "timeline_context",
    "verdict_context",
]

#: The mark after a strategy whose returns include price-only (not dividend-adjusted) tickers.
PRICE_ONLY_MARK = "†"
_TONES = ("for", "against", "neutral")


def _svg(figure, prefix: str):
    return svg_markup(figure_to_svg(figure, prefix))


def _param_text(value: Any, signed: bool = False) -> str:
    """A parameter value as configured (numbers unrounded; ``signed`` for weights)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "none" if value is None else str(value)
    return f"{value:+g}" if signed and value != 0 else f"{value:g}"


def price_only(strategies: Mapping[str, Any]) -> dict[str, list[str]]:
    """Strategy to the held tickers whose returns are price-only (non-empty lists only)."""
    return {
        name: [str(t) for t in entry.get("price_only") or []]
        for name, entry in strategies.items()
        if entry.get("price_only")
    }


def _pairs(entries: Any) -> list[tuple[str, str]]:
    """(name, reason) pairs of a mapping, or of a plain list (no reasons)."""
    if isinstance(entries, Mapping):
        return [(str(k), str(v)) for k, v in entries.items()]
    return [(str(v), "") for v in entries or []]


def header_context(files: RunFiles) -> dict[str, Any]:
    """Run identity, dates, conventions, unavailable inputs and classifier parameters."""
    run = files.run_info
    regimes = files.metrics.get("regimes") or {}
    scalars, mappings = classifier_params_frames(regimes.get("params"))
    sha = str(run.get("config_sha256") or "")
    data_sha = str(run.get("data_sha256") or "")
    requested = run.get("requested_start")
    unavailable = run.get("unavailable_inputs") or {}
    stability = regimes.get("stability")
    unstable = (
        stability_reading(stability, str(regimes.get("classifier") or "the classifier"))
        if isinstance(stability, Mapping) and stability_flagged(stability)
        else None
    )
    return {
        "name": str(run.get("name") or "run"),
        "synthetic": bool(run.get("synthetic")),
        "data_source": str(run.get("data_source") or "unknown"),
        "start": str(run.get("start") or "?"),
        "end": str(run.get("end") or "?"),
        "n_days": format_value("n_days", run.get("n_days")),
        "requested_start": str(requested) if requested and requested != run.get("start") else None,
        "history_start": str(run.get("history_start") or "") or None,
        "benchmark": str(run.get("benchmark") or "?"),
        "cash": str(run.get("cash") or "?"),
        "risk_free": str(run.get("risk_free") or f"the cash fund {run.get('cash') or '?'}"),
        "config_sha": sha,
        "data_sha": data_sha,
        "versions": [f"{k} {v}" for k, v in (run.get("versions") or {}).items()],
        "classifier": str(regimes.get("classifier") or "?"),
        "scalars": [(str(k), _param_text(v)) for k, v in scalars["value"].items()],
        "maps": [
            (str(name), [(str(k), _param_text(v, signed=True)) for k, v in frame["value"].items()])
            for name, frame in mappings.items()
        ],
        "unavailable": _pairs(unavailable),
        "dropped": _pairs(run.get("dropped_features") or {}),
        "currencies": [
            (str(t), str(c.get("currency")), str(c.get("fx_series")), str(c.get("fx_lag_days")))
            for t, c in (run.get("currencies") or {}).items()
            if isinstance(c, Mapping)
        ],
        "price_only": [
            (name, ", ".join(tickers)) for name, tickers in price_only(files.strategies).items()
        ],
        "mark": PRICE_ONLY_MARK,
        "unstable": unstable.text.removeprefix("FLAGGED: ") if unstable else None,
    }


def verdict_context(metrics: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ``verdict`` sentences as computed upstream, with their tone (None without any)."""
    items = []
    for item in metrics.get("verdict") or []:
        if not isinstance(item, Mapping) or not item.get("text"):
            continue
        tone = str(item.get("tone") or "neutral")
        items.append(
            {
                "text": str(item["text"]),
                "key": str(item.get("key") or ""),
                "tone": tone if tone in _TONES else "neutral",
            }
        )
    if not items:
        return None
    counts = {t: sum(i["tone"] == t for i in items) for t in _TONES}
    return {"entries": items, "counts": counts, "strategy": compared_strategy(metrics)}


def timeline_context(files: RunFiles) -> dict[str, Any]:
    """The current regime and the timeline chart (benchmark, net liquidity, p_scarce)."""
    block = files.metrics.get("regimes") or {}
    current = block.get("current") or {}
    regime = str(current.get("regime", files.regimes["regime"].iloc[-1]))
    p_scarce = current.get("p_scarce", files.regimes["p_scarce"].iloc[-1])
    benchmark = str(files.run_info.get("benchmark") or "")
    if files.prices is not None and benchmark in files.prices.columns:
        prices = files.prices[benchmark]
    else:  # no price panel: draw the benchmark-role strategy's wealth instead
        roles = {k: v.get("role") for k, v in files.strategies.items()}
        column = next(
            (k for k, r in roles.items() if r == "benchmark" and k in files.returns.columns),
            files.returns.columns[0],
        )
        prices = (1.0 + files.returns[column].fillna(0.0)).cumprod().rename(column)
        benchmark = column
    liquidity = None
    if files.macro is not None and "net_liquidity" in files.macro.columns:
        liquidity = files.macro["net_liquidity"]
    return {
        "regime": regime if regime in ("scarce", "abundant") else "unknown",
        "regime_text": regime.upper(),
        "p_scarce": format_value("p_scarce", p_scarce),
        "date": str(current.get("date", files.regimes.index[-1].strftime("%Y-%m-%d"))),
        "share_scarce": format_value("share_scarce", block.get("share_scarce")),
        "switches": format_value("switches_per_year", block.get("switches_per_year")),
        "svg": _svg(
            regime_timeline(prices, files.regimes, liquidity, benchmark_name=benchmark), "timeline"
        ),
    }


def _scope_groups(columns: Iterable[tuple[str, str]]) -> list[tuple[str, int]]:
    groups: list[tuple[str, int]] = []
    for scope, _ in columns:
        if groups and groups[-1][0] == scope:
            groups[-1] = (scope, groups[-1][1] + 1)
        else:
            groups.append((scope, 1))
    return groups


def _header_label(scope: str, metric: str) -> tuple[str, str]:
    """Column label and tooltip; a regime's drawdown is the worst single spell."""
    if scope != "overall" and metric == "max_drawdown":
        return "Worst spell DD", f"{scope}: worst drawdown within one {scope} spell"
    extra = {
        "sharpe": " (excess of cash)",
        "sortino": " (excess of cash)",
        "exposure": " (share invested outside the cash fund)",
    }.get(metric, "")
    return LABELS.get(metric, metric), f"{scope} {metric}{extra}"


def strategy_context(files: RunFiles, long_frame: pd.DataFrame) -> dict[str, Any]:
    """The comparison table (placebo medians included), its notes and the spell table."""
    placebos = files.metrics.get("placebos") or {}
    median_rows = placebo_median_long_frame(placebos, files.placebos)
    frame = (
        pd.concat([long_frame, median_rows], ignore_index=True) if len(median_rows) else long_frame
    )
    table = comparison_table(frame)
    marks = best_worst(table)
    distributions = placebos.get("random_regimes") or {}
    marked = price_only(files.strategies)
    metric_columns = cast("list[tuple[str, str]]", list(table.columns[2:]))  # (scope, metric)
    group_row = [Cell("", colspan=1)] + [
        Cell(
            scope,
            css=f"group scope-{scope}" if scope in ("abundant", "scarce") else "group",
            colspan=n,
        )
        for scope, n in _scope_groups(metric_columns)
    ]
    metric_row = [Cell("strategy", css="text")]
    for scope, metric in metric_columns:
        label, title = _header_label(scope, metric)
        metric_row.append(Cell(label, title=title))
    rows = []
    for position, name in enumerate(table.index):
        role = str(table.iloc[position, 0])
        kind = str(table.iloc[position, 1])
        tags = ((role, role),) if role != "strategy" else ()
        note = ""
        if name in distributions:
            note = f"one random path (#{distributions[name].get('representative_path', 0)})"
        title = f"kind: {kind}"
        if name in marked:
            title += f"; price-only (not dividend-adjusted): {', '.join(marked[name])}"
        cells = [
            Cell(
                str(name),
                css="text",
                title=title,
                mark=PRICE_ONLY_MARK if name in marked else "",
                tags=tags,
                note=note,
            )
        ]
        for column, (_, metric) in enumerate(metric_columns, start=2):
            mark = marks.iloc[position, column]
            cells.append(cell(metric, table.iloc[position, column], css=cast(str, mark)))
        rows.append((f"role-{role}", cells))
    notes = []
    rotation = compared_strategy(files.metrics)
    for name, block in distributions.items():
        percentile = block.get("real_sharpe_percentile")
        if percentile is not None:
            notes.append(
                {
                    "rotation": rotation or "the rotation",
                    "name": str(name),
                    "percentile": ordinal(float(percentile)),
                    "n_paths": format_value("n_paths", block.get("n_paths")),
                }
            )
    return {
        "table": Table([group_row, metric_row], rows, "comparison", "sortable"),
        "placebo_notes": notes,
        "price_only": [(n, ", ".join(t)) for n, t in marked.items()],
        "mark": PRICE_ONLY_MARK,
        "cash": str(files.run_info.get("cash") or "the cash fund"),
        "spells": spell_table(files.strategies, marked),
    }


def spell_table(
    strategies: Mapping[str, Any], marked: Mapping[str, list[str]] | None = None
) -> Table | None:
    """Worst and median drawdown within the spells of each regime, with the spell counts."""
    frame = spell_drawdown_frame(strategies)
    if frame.empty or frame.isna().all().all():
        return None
    marked = marked or {}
    regimes = list(dict.fromkeys(frame.columns.get_level_values(0)))
    group_row = [Cell("")] + [Cell(r, css=f"group scope-{r}", colspan=3) for r in regimes]
    metric_row = [Cell("strategy", css="text")]
    for regime in regimes:
        metric_row += [
            Cell("worst", title=f"deepest drawdown within one {regime} spell"),
            Cell("median", title=f"median of the {regime} spells' drawdowns"),
            Cell("spells", title=f"number of {regime} spells"),
        ]
    marks = best_worst(frame)  # "worst" ranks as a drawdown (smaller magnitude is better)
    rows = []
    for position, name in enumerate(frame.index):
        role = str(strategies[name].get("role") or "strategy")
        cells = [Cell(str(name), css="text", mark=PRICE_ONLY_MARK if name in marked else "")]
        for column, (_, statistic) in enumerate(frame.columns):
            metric = "n_spells" if statistic == "n_spells" else "max_drawdown"
            css = cast(str, marks.iloc[position, column]) if statistic == "worst" else ""
            cells.append(cell(metric, frame.iloc[position, column], css=css))
        rows.append((f"role-{role}", cells))
    return Table([group_row, metric_row], rows, "spell-drawdowns", "sortable")


def _event_study(files: RunFiles) -> dict[str, Any]:
    block = files.metrics.get("event_study") or {}
    table = files.event_study
    if table is None or table.empty:
        return {"svg": None, "reason": "No event_study.csv in this run."}
    return {
        "svg": _svg(event_study_chart(table), "event"),
        "band": str(block.get("band") or "95% band of the mean"),
        "pre": format_value("days", block.get("pre", 20)),
        "post": format_value("days", block.get("post", 60)),
    }


def _sweep(files: RunFiles) -> dict[str, Any]:
    block = files.metrics.get("sweep") or {}
    if files.sweep is None or files.sweep.empty:
        return {"svg": None, "reason": "No sweep in this run."}
    heatmap = sweep_heatmap_data(files.sweep, "sharpe")
    if heatmap.rows is None:
        return {
            "svg": None,
            "reason": f"The sweep has {heatmap.n_trials} configuration(s) and "
            "no parameter varies: nothing to map.",
        }
    best = block.get("best") or {}
    params = ", ".join(
        f"{k}={v}"
        for k, v in best.items()
        if k in {"regimes", "rebalance", "scarce_cash", "fee_bps"}
    )
    return {
        "svg": _svg(sweep_heatmap(heatmap), "sweep"),
        "strategy": str(block.get("strategy") or "the rotation"),
        "n_trials": format_value("n_trials", heatmap.n_trials),
        "axes": [str(a) for a in (heatmap.rows, heatmap.columns) if a],
        "aggregated": [str(a) for a in heatmap.aggregated],
        "best_sharpe": format_value("sharpe", best.get("sharpe")) if best else None,
        "best_params": params,
    }


def _walk_forward(files: RunFiles) -> dict[str, Any]:
    block = files.metrics.get("walk_forward")
    folds = walk_forward_frame(block)
    if folds.empty:
        return {"svg": None, "reason": "No walk-forward evaluation in this run."}
    stitched = (block or {}).get("out_of_sample_sharpe")
    rows = []
    for fold, row in folds.iterrows():
        rows.append(
            (
                "",
                [
                    Cell(str(fold), css="text"),
                    Cell(f"{row['test_start']} → {row['test_end']}", css="text"),
                    cell("in_sample_sharpe", row["in_sample_sharpe"]),
                    cell("out_of_sample_sharpe", row["out_of_sample_sharpe"]),
                    Cell(str(row["chosen"]), css="text"),
                ],
            )
        )
    head = [
        [
            Cell("fold", css="text"),
            Cell("test window", css="text"),
            Cell("in-sample Sharpe"),
            Cell("out-of-sample Sharpe"),
            Cell("chosen on the training window", css="text"),
        ]
    ]
    return {
        "svg": _svg(
            walk_forward_bars(folds, None if stitched is None else float(stitched)), "walkforward"
        ),
        "table": Table(head, rows, "walk-forward-folds"),
    }


def _placebo(files: RunFiles) -> dict[str, Any]:
    blocks = (files.metrics.get("placebos") or {}).get("random_regimes") or {}
    if not blocks or files.placebos is None or "sharpe" not in files.placebos.columns:
        return {"svg": None, "reason": "No random-regime placebo distribution in this run."}
    name, block = next(iter(blocks.items()))
    paths = files.placebos
    if "strategy" in paths.columns:
        paths = paths[paths["strategy"] == name]
    real = block.get("real_sharpe")
    percentile = block.get("real_sharpe_percentile")
    rotation = compared_strategy(files.metrics) or "real rotation"
    figure = placebo_histogram(
        paths["sharpe"],
        None if real is None else float(real),
        rotation,
        None if percentile is None else float(percentile),
    )
    causal = block.get("causal")
    return {
        "svg": _svg(figure, "placebo"),
        "name": str(name),
        "rotation": rotation,
        "n_paths": format_value("n_paths", len(paths)),
        "causal": causal if isinstance(causal, bool) else None,
    }


def charts_context(files: RunFiles, long_frame: pd.DataFrame) -> dict[str, Any]:
    """Equity and drawdowns, Sharpe by regime, and the research charts (or why each is absent)."""
    roles = {name: str(entry.get("role") or "strategy") for name, entry in files.strategies.items()}
    sharpe = regime_metric_frame(long_frame, "sharpe")
    return {
        "equity": _svg(equity_and_drawdowns(files.returns, roles), "equity"),
        "sharpe": (
            _svg(regime_metric_bars(sharpe, figsize=(7.0, 3.4)), "sharpe")
            if not sharpe.empty
            else None
        ),
        "cash": str(files.run_info.get("cash") or "the cash fund"),
        "event": _event_study(files),
        "sweep": _sweep(files),
        "walk_forward": _walk_forward(files),
        "placebo": _placebo(files),
    }


def _file_links(root: Path, exclude: Iterable[str] = ("index.html",)) -> list[str]:
    skip = set(exclude)
    found = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if (
            not path.is_file()
            or relative in skip
            or any(part.startswith(".") for part in path.relative_to(root).parts)
        ):
            continue
        if path.suffix.lower() in {".html", ".csv", ".json", ".toml"}:
            found.append(relative)
    return found


def files_context(root: Path) -> dict[str, list[tuple[str, str]]]:
    """Links to the run's tearsheets and data files: ``(href, text)`` pairs."""
    links = [(quote(p), p) for p in _file_links(root)]
    return {
        "tearsheets": [link for link in links if link[1].startswith("tearsheets/")],
        "data": [link for link in links if not link[1].startswith("tearsheets/")],
    }
