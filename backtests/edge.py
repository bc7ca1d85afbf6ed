"""Where the edge comes from, and the verdict: ``metrics.json`` ``edge`` and ``verdict``.

``edge`` (the compared rotation against each rival: every benchmark-role
strategy, including its no-timing baskets and blend)
    ``by_year``: each calendar year's compounded return of the rotation and
    its difference with each rival; ``best_year``: per rival, the year in
    which the rotation beat it by the most, and the Sharpe difference over
    every *other* day (``sharpe_without_best_year``); ``sub_periods``: excess
    Sharpe and CAGR of every compared strategy over the first half, the
    second half, and everything before the last two years of the run.

``verdict``
    A few plain sentences computed from ``significance``, ``placebos``,
    ``edge`` and ``bounds``: never written by hand per run. Each item has a
    ``key``, the ``text`` and a ``tone`` (``"for"`` the thesis, ``"against"``
    it, or ``"neutral"``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy as np
import pandas as pd

from backtests.metrics import cagr, sharpe
from backtests.metrics_schema import json_float

__all__ = ["edge_section", "verdict_section"]

#: Trading days in the "last two years" left out of the last sub-period.
LAST_YEARS_DAYS = 504


def _fmt(value: float, signed: bool = False) -> str:
    """Two decimals, never a negative zero ("-0.00" reads as a loss)."""
    text = f"{value:+.2f}" if signed else f"{value:.2f}"
    return text.replace("-0.00", "0.00").replace("+0.00", "0.00")


def _compound(returns: pd.Series) -> float:
    return float(np.prod(1.0 + returns.to_numpy(dtype=float)) - 1.0)


def _stats(returns: pd.Series, rf: pd.Series) -> dict:
    return {
        "sharpe": json_float(sharpe(returns, rf)),
        "cagr": json_float(cagr(returns)),
        "start": returns.index[0].strftime("%Y-%m-%d") if len(returns) else None,
        "end": returns.index[-1].strftime("%Y-%m-%d") if len(returns) else None,
    }


def edge_section(
    returns: pd.DataFrame, rf: pd.Series, strategy: str | None, rivals: Sequence[str]
) -> dict:
    """The ``edge`` section (see the module docstring).

    Parameters
    ----------
    returns : DataFrame of shape (n_days, n_strategies)
        Daily returns after costs (the first row is the start).
    rf : Series of shape (n_days,)
        The cash fund's daily return.
    strategy : str or None
        The compared rotation.
    rivals : sequence of str
        Strategies to compare with.
    """
    if strategy is None:
        return {"strategy": None}
    data = returns.iloc[1:]
    cash = rf.reindex(data.index).fillna(0.0)
    years = cast(pd.DatetimeIndex, data.index).year
    by_year: dict[str, Any] = {}
    for year in sorted(set(years)):
        inside = data[years == year]
        by_year[str(year)] = {
            "days": int(len(inside)),
            "return": json_float(_compound(inside[strategy])),
            "difference": {
                r: json_float(_compound(inside[strategy]) - _compound(inside[r])) for r in rivals
            },
        }
    best: dict[str, Any] = {}
    for rival in rivals:
        gaps = {
            y: v["difference"][rival]
            for y, v in by_year.items()
            if v["difference"][rival] is not None
        }
        if not gaps or len(gaps) < 2:
            best[rival] = None
            continue
        year = max(gaps, key=lambda y: gaps[y])
        rest = years != int(year)
        own, other = sharpe(data[strategy][rest], cash[rest]), sharpe(data[rival][rest], cash[rest])
        best[rival] = {
            "year": year,
            "difference_that_year": json_float(gaps[year]),
            "sharpe_without_best_year": json_float(own),
            "rival_sharpe_without_best_year": json_float(other),
            "sharpe_difference": json_float(own - other),
        }
    n = len(data)
    periods = {"first_half": slice(0, n // 2), "second_half": slice(n // 2, n)}
    if n > LAST_YEARS_DAYS + 21:
        periods["before_last_two_years"] = slice(0, n - LAST_YEARS_DAYS)
    sub_periods = {
        label: {
            name: _stats(data[name].iloc[part], cash.iloc[part]) for name in [strategy, *rivals]
        }
        for label, part in periods.items()
    }
    return {
        "strategy": strategy,
        "rivals": list(rivals),
        "by_year": by_year,
        "best_year": best,
        "sub_periods": sub_periods,
    }


def _ordinal(number: float) -> str:
    whole = round(number)
    suffix = "th" if 10 <= whole % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(whole % 10, "th")
    return f"{whole}{suffix}"


def _ci_text(block: Mapping) -> str:
    return (
        f"{_fmt(block['estimate'], signed=True)}, 95% CI "
        f"{_fmt(block['low'], signed=True)}..{_fmt(block['high'], signed=True)}"
    )


def verdict_section(metrics: Mapping[str, Any]) -> list[dict]:
    """Plain sentences computed from the research sections (see the module docstring).

    Parameters
    ----------
    metrics : mapping
        ``metrics.json`` so far (``run``, ``strategies``, ``significance``,
        ``placebos``, ``edge``, ``bounds``).

    Returns
    -------
    list of dict
        ``{"key", "text", "tone"}`` items, in reading order.
    """
    items: list[dict] = []
    significance = metrics.get("significance") or {}
    null = significance.get("null") or {}
    name = null.get("strategy")
    if not name:
        return items
    level = f"{float(significance.get('confidence', 0.95)):.0%}"
    for role, entry in (null.get("benchmarks") or {}).items():
        block = entry.get("sharpe_difference") or {}
        if any(block.get(k) is None for k in ("estimate", "low", "high")):
            continue
        what = (
            "its basket blend"
            if role == "basket_blend"
            else f"holding its better basket ({entry['name']})"
        )
        if block["low"] > 0:
            text, tone = f"{name} beats {what}: Sharpe difference {_ci_text(block)}.", "for"
        elif block["high"] < 0:
            text, tone = (
                f"{name} does worse than {what}: Sharpe difference {_ci_text(block)}.",
                "against",
            )
        else:
            text, tone = (
                f"{name} does not beat {what} at {level}: Sharpe difference {_ci_text(block)}.",
                "against",
            )
        items.append({"key": f"null.{role}", "text": text, "tone": tone})
    for placebo, block in ((metrics.get("placebos") or {}).get("random_regimes") or {}).items():
        percentile = block.get("real_sharpe_percentile")
        if percentile is None:
            continue
        tone = "for" if percentile >= 95 else "against"
        items.append(
            {
                "key": f"placebo.{placebo}",
                "tone": tone,
                "text": f"It ranks at the {_ordinal(percentile)} percentile of "
                f"{block.get('n_paths')} random-timing paths "
                f"({'' if tone == 'for' else 'not '}significant at 95%).",
            }
        )
    edge = metrics.get("edge") or {}
    for rival, block in (edge.get("best_year") or {}).items():
        if not block or block.get("sharpe_without_best_year") is None:
            continue
        items.append(
            {
                "key": f"edge.best_year.{rival}",
                "tone": "for" if block["sharpe_difference"] > 0 else "against",
                "text": f"Without its best year against {rival} ({block['year']}), its Sharpe is "
                f"{_fmt(block['sharpe_without_best_year'])} against "
                f"{_fmt(block['rival_sharpe_without_best_year'])}.",
            }
        )
        break
    before = (edge.get("sub_periods") or {}).get("before_last_two_years") or {}
    if name in before and before[name].get("sharpe") is not None:
        others = {
            k: v["sharpe"] for k, v in before.items() if k != name and v["sharpe"] is not None
        }
        if others:
            leader = max(others, key=lambda k: others[k])
            own = before[name]["sharpe"]
            items.append(
                {
                    "key": "edge.before_last_two_years",
                    "tone": "for" if own > others[leader] else "against",
                    "text": f"Before the last two years ({before[name]['start']}.."
                    f"{before[name]['end']}) its Sharpe was {_fmt(own)}; the best rival, "
                    f"{leader}, had {_fmt(others[leader])}.",
                }
            )
    bounds = metrics.get("bounds") or {}
    paths = bounds.get("paths") or {}
    reference = bounds.get("reference")
    decomposition = (bounds.get("decomposition") or {}).get("sharpe")
    if reference in paths and decomposition and paths[reference].get("sharpe") is not None:
        label = (
            "perfect regime knowledge"
            if reference == "oracle"
            else "the classifier's own hindsight labels (not tradable)"
        )
        items.append(
            {
                "key": "bounds",
                "tone": "neutral",
                "text": f"With {label} the rotation would reach a Sharpe of "
                f"{_fmt(paths[reference]['sharpe'])} against "
                f"{_fmt(paths['walk_forward']['sharpe'])} "
                f"walk-forward: a {bounds.get('delay_days')}-day detection delay costs "
                f"{_fmt(decomposition['delay'])} and misclassification "
                f"{_fmt(decomposition['misclassification'])}.",
            }
        )
        rivals = {
            k: v["sharpe"]
            for k, v in (bounds.get("rivals") or {}).items()
            if v.get("sharpe") is not None
        }
        if rivals and reference == "oracle":
            best = max(rivals, key=lambda k: rivals[k])
            margin = paths[reference]["sharpe"] - rivals[best]
            items.append(
                {
                    "key": "bounds.edge_exists",
                    "tone": "for" if margin > 0 else "against",
                    "text": f"The edge the thesis needs {'is' if margin > 0 else 'is not'} in the "
                    "data: the oracle rotation's Sharpe is "
                    f"{_fmt(margin, signed=True)} against the best "
                    f"no-timing rival ({best}).",
                }
            )
    return items
