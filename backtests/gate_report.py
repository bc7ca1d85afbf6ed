"""The CI gate's report as text (a terminal, a CI log) and markdown (a job summary, a PR comment).

Both forms have the same order:

1. a one-line verdict: passed or failed, how many metrics moved, and the most
   important move that got worse and the one that got better
   (:func:`verdict_line`);
2. the notes (forced comparison, config change, inputs that were unavailable);
3. the per-strategy headline table: Sharpe, CAGR, max drawdown and turnover
   of every strategy, benchmark and placebo, baseline -> run and the change,
   with the breach status (:func:`strategy_headlines`);
4. every moved metric, most important first (:attr:`CheckReport.moved
   <backtests.gate.CheckReport.moved>`); folded in ``<details>`` in markdown.

Markdown is inert: strategy names, metric paths and notes come from whoever
wrote the pull request, so :func:`md_text` and :func:`md_code` escape them.
No user text can end a table cell or row, open a code span, a link, an image
or emphasis, or become HTML; control and format characters (newlines, ANSI
escapes, bidirectional overrides) are shown as ``\\uXXXX``, in the text
report too (:func:`visible`).
"""

from __future__ import annotations

import dataclasses
import math
import re
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

from backtests.gate import HEADLINE_METRICS, SECTIONS, VERDICTS, MetricChange

if TYPE_CHECKING:
    from backtests.gate import CheckReport

__all__ = [
    "StrategyHeadline",
    "md_code",
    "md_text",
    "report_markdown",
    "report_text",
    "strategy_headlines",
    "verdict_line",
    "visible",
]

#: Column titles of the headline metrics.
HEADLINE_LABELS: dict[str, str] = {
    "sharpe": "Sharpe",
    "cagr": "CAGR",
    "max_drawdown": "max drawdown",
    "turnover": "turnover",
}
#: Headline metrics shown in percent, their changes in percentage points.
PERCENT_METRICS = frozenset({"cagr", "max_drawdown"})
#: Order of roles in the headline table.
ROLE_ORDER: tuple[str, ...] = ("strategy", "benchmark", "placebo")

FULL_HEADER: tuple[str, ...] = (
    "metric",
    "baseline",
    "run",
    "change",
    "relative",
    "x tolerance",
    "verdict",
    "status",
)
FULL_RIGHT = frozenset({1, 2, 3, 4, 5})

_HTML_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "|": "&#124;"}
#: ASCII punctuation that could open markdown syntax (code, emphasis, links, math, headings).
_BACKSLASHED = frozenset("\\`*_[]!~#$")
_SAFE_CODE = re.compile(r"[A-Za-z0-9_.:+=/-]+")
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp"})


def visible(text: object) -> str:
    """``text`` with control, format and line-separator characters shown as ``\\uXXXX``.

    Examples
    --------
    >>> visible("a\\nb\\x1b[31m")
    'a\\\\u000ab\\\\u001b[31m'
    """
    return "".join(
        f"\\u{ord(ch):04x}" if unicodedata.category(ch) in _INVISIBLE else ch for ch in str(text)
    )


def md_text(text: object) -> str:
    """Untrusted text as inert GitHub markdown, safe in a paragraph and in a table cell.

    ``&``, ``<``, ``>`` and ``|`` become character references (never HTML, never
    a cell separator); markdown punctuation is backslash-escaped; see
    :func:`visible` for newlines and other invisible characters.

    Examples
    --------
    >>> md_text("a|b <script>`x`")
    'a&#124;b &lt;script&gt;\\\\`x\\\\`'
    """
    out = []
    for ch in visible(text):
        if ch in _HTML_ENTITIES:
            out.append(_HTML_ENTITIES[ch])
        elif ch in _BACKSLASHED:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def md_code(text: object) -> str:
    """An identifier (metric path, strategy name) in code font, inert.

    A plain identifier becomes a code span; anything else becomes
    ``<code>`` around :func:`md_text`, because a code span cannot hold a
    backtick or a table pipe safely.

    Examples
    --------
    >>> md_code("strategies.regime_rotation.overall.sharpe")
    '`strategies.regime_rotation.overall.sharpe`'
    >>> md_code("a|b")
    '<code>a&#124;b</code>'
    """
    text = str(text)
    if _SAFE_CODE.fullmatch(text):
        return f"`{text}`"
    return f"<code>{md_text(text)}</code>"


# --- numbers -------------------------------------------------------------------------------


def _fmt(value: float | None, present: bool = True) -> str:
    if not present:
        return "(missing)"
    return "null" if value is None else f"{value:.6g}"


def _fmt_signed(value: float | None) -> str:
    return "" if value is None else f"{value:+.4g}"


def _fmt_percent(value: float | None) -> str:
    return "" if value is None else f"{value:+.2%}"


def _fmt_multiple(change: MetricChange) -> str:
    multiple = change.tolerance_multiple
    return f"{multiple:.3g}x" if math.isfinite(multiple) else ""


def _headline_value(leaf: str, value: float | None, present: bool) -> str:
    if not present:
        return "(missing)"
    if value is None:
        return "null"
    return f"{value:.2%}" if leaf in PERCENT_METRICS else f"{value:.3f}"


def _headline_delta(leaf: str, delta: float | None) -> str:
    if delta is None:
        return ""
    return f"{delta * 100:+.3g} pp" if leaf in PERCENT_METRICS else f"{delta:+.3g}"


def _transition(change: MetricChange, arrow: str, headline: bool) -> str:
    """``baseline -> run (change, verdict)``, or the value alone when unchanged."""
    leaf = change.metric.rsplit(".", 1)[-1]
    if headline:
        old = _headline_value(leaf, change.baseline, change.present_in_baseline)
        new = _headline_value(leaf, change.current, change.present_in_run)
        delta = _headline_delta(leaf, change.delta)
    else:
        old = _fmt(change.baseline, change.present_in_baseline)
        new = _fmt(change.current, change.present_in_run)
        delta = _fmt_signed(change.delta)
    if not change.moved:
        return new
    if not (change.present_in_baseline and change.present_in_run):
        return f"{old} {arrow} {new}"  # "(missing)" says it all
    detail = f"{delta}, {change.verdict}" if delta else change.verdict
    return f"{old} {arrow} {new} ({detail})"


# --- the headline table --------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class StrategyHeadline:
    """One row of the headline table.

    Attributes
    ----------
    name, role : str
        The strategy and its role (``""`` when unknown).
    cells : tuple of MetricChange or None
        Its overall :data:`~backtests.gate.HEADLINE_METRICS`, in that order
        (``None``: on neither side).
    other_breaches, other_moved : int
        Its other metrics (overall, per regime, contribution) that breach, or
        moved without breaching.
    """

    name: str
    role: str
    cells: tuple[MetricChange | None, ...]
    other_breaches: int
    other_moved: int

    @property
    def breached(self) -> tuple[str, ...]:
        """The headline metrics that breach."""
        return tuple(
            m
            for m, c in zip(HEADLINE_METRICS, self.cells, strict=True)
            if c is not None and c.breach
        )

    @property
    def breach(self) -> bool:
        return bool(self.breached) or self.other_breaches > 0

    def status(self, markdown: bool = False) -> str:
        """``BREACH: Sharpe, CAGR; 12 other metrics`` or ``ok`` (``ok; 3 moved``)."""
        if self.breach:
            parts = [", ".join(HEADLINE_LABELS[m] for m in self.breached)] if self.breached else []
            if self.other_breaches:
                parts.append(
                    f"{self.other_breaches} other metric" + ("s" if self.other_breaches > 1 else "")
                )
            return ("**BREACH**" if markdown else "BREACH") + ": " + "; ".join(parts)
        moved = sum(1 for c in self.cells if c is not None and c.moved) + self.other_moved
        return f"ok; {moved} moved" if moved else "ok"

    def to_dict(self) -> dict:
        metrics = {}
        for metric, change in zip(HEADLINE_METRICS, self.cells, strict=True):
            if change is not None:
                metrics[metric] = {
                    k: v
                    for k, v in change.to_dict().items()
                    if k in ("baseline", "run", "delta", "verdict", "breach")
                }
        return {
            "strategy": self.name,
            "role": self.role,
            "breach": self.breach,
            "breached": list(self.breached),
            "other_breaches": self.other_breaches,
            "other_moved": self.other_moved,
            "metrics": metrics,
        }


def strategy_headlines(report: CheckReport) -> list[StrategyHeadline]:
    """One :class:`StrategyHeadline` per strategy: strategies, benchmarks, placebos, others.

    Within a role, strategies keep the run's ``metrics.json`` order (then the
    baseline's).
    """
    by_path = {c.metric: c for c in report.changes}
    names = list(report.strategies)
    names.sort(
        key=lambda n: (
            ROLE_ORDER.index(report.strategies[n])
            if report.strategies[n] in ROLE_ORDER
            else len(ROLE_ORDER)
        )
    )
    rows = []
    for name in names:
        paths = [f"strategies.{name}.overall.{m}" for m in HEADLINE_METRICS]
        cells = tuple(by_path.get(p) for p in paths)
        others = [c for c in report.changes if c.strategy == name and c.metric not in paths]
        if all(c is None for c in cells) and not others:
            continue
        rows.append(
            StrategyHeadline(
                name,
                report.strategies[name],
                cells,
                other_breaches=sum(1 for c in others if c.breach),
                other_moved=sum(1 for c in others if c.moved and not c.breach),
            )
        )
    return rows


def _headline_rows(report: CheckReport, markdown: bool) -> list[list[str]]:
    arrow = "→" if markdown else "->"
    name = md_code if markdown else visible
    role = md_text if markdown else visible
    rows = []
    for headline in strategy_headlines(report):
        cells = []
        for change in headline.cells:
            cell = "" if change is None else _transition(change, arrow, headline=True)
            if markdown and change is not None and change.breach:
                cell = f"**{cell}**"
            cells.append(cell)
        rows.append([name(headline.name), role(headline.role), *cells, headline.status(markdown)])
    return rows


HEADLINE_HEADER: tuple[str, ...] = ("strategy", "role", *HEADLINE_LABELS.values(), "status")
HEADLINE_RIGHT = frozenset({2, 3, 4, 5})


# --- the verdict line ------------------------------------------------------------------------


def _describe(change: MetricChange, markdown: bool) -> str:
    arrow = "→" if markdown else "->"
    code = md_code if markdown else visible
    if change.section == "headline" and change.strategy is not None:
        leaf = change.metric.rsplit(".", 1)[-1]
        what = f"{code(change.strategy)} {HEADLINE_LABELS[leaf]}"
        return f"{what} {_transition(change, arrow, headline=True)}"
    return f"{code(change.metric)} {_transition(change, arrow, headline=False)}"


def _headline_move(report: CheckReport, moves: list[MetricChange]) -> MetricChange | None:
    """The move a reader wants first: a headline metric of the most central strategy.

    Headline moves rank by role (strategies, benchmarks, placebos), then metric
    (Sharpe, CAGR, max drawdown, turnover), then the strategy's place in the
    run; without one, the most important move (``moves`` is in importance order).
    """
    names = list(report.strategies)

    def rank(change: MetricChange) -> tuple[int, int, int]:
        role = "" if change.strategy is None else report.strategies.get(change.strategy, "")
        return (
            ROLE_ORDER.index(role) if role in ROLE_ORDER else len(ROLE_ORDER),
            HEADLINE_METRICS.index(change.metric.rsplit(".", 1)[-1]),
            names.index(change.strategy) if change.strategy in names else len(names),
        )

    headline = [c for c in moves if c.section == "headline" and c.strategy is not None]
    if headline:
        return min(headline, key=rank)
    return moves[0] if moves else None


def verdict_line(report: CheckReport, markdown: bool = False) -> str:
    """The report in one line.

    ``check FAILED: 360 of 1402 metrics moved beyond tolerance (250 worse, 12
    better, 98 changed), 360 breaches. Worse: regime_rotation Sharpe 0.636 ->
    0.598 (-0.038, worse). Better: ...``. The moves named are the headline
    ones a reader wants first (:func:`_headline_move`): what got worse (or,
    without one, what changed, went missing or is new), and what got better.
    """
    status = "PASSED" if report.passed else "FAILED"
    moved = report.moved
    if not moved:
        line = (
            f"check {status}: {len(report.changes)} metrics compared, none moved beyond tolerance."
        )
    else:
        counts = {v: 0 for v in VERDICTS}
        for change in moved:
            counts[change.verdict] += 1
        detail = ", ".join(f"{n} {v}" for v, n in counts.items() if n)
        breaches = len(report.breaches)
        line = (
            f"check {status}: {len(moved)} of {len(report.changes)} metrics moved beyond "
            f"tolerance ({detail}), {breaches or 'no'} breach"
            + ("es" if breaches != 1 else "")
            + "."
        )
        if report.fail_on == "worse":
            line += " Improvements pass (fail on worse)."
        worse = _headline_move(
            report, [c for c in moved if c.verdict == "worse"]
        ) or _headline_move(report, [c for c in moved if c.verdict != "better"])
        better = _headline_move(report, [c for c in moved if c.verdict == "better"])
        for change in (worse, better):
            if change is not None:
                label = change.verdict[0].upper() + change.verdict[1:]
                line += f" {label}: {_describe(change, markdown)}."
    if markdown:
        icon = ":white_check_mark:" if report.passed else ":x:"
        return f"### {icon} regime-bt {line}"
    return visible(line)


# --- whole reports ---------------------------------------------------------------------------


def _full_rows(report: CheckReport, markdown: bool) -> list[list[str]]:
    rows = []
    for change in report.moved:
        status = "BREACH" if change.breach else "ok"
        rows.append(
            [
                md_code(change.metric) if markdown else visible(change.metric),
                _fmt(change.baseline, change.present_in_baseline),
                _fmt(change.current, change.present_in_run),
                _fmt_signed(change.delta),
                _fmt_percent(change.relative),
                _fmt_multiple(change),
                change.verdict,
                f"**{status}**" if markdown and change.breach else status,
            ]
        )
    return rows


def _text_table(header: Sequence[str], rows: list[list[str]], right: frozenset[int]) -> list[str]:
    widths = [max(len(r[i]) for r in [list(header), *rows]) for i in range(len(header))]
    lines = []
    for row in [list(header), ["-" * w for w in widths], *rows]:
        lines.append(
            "  ".join(
                cell.rjust(w) if i in right else cell.ljust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
        )
    return lines


def _md_table(header: Sequence[str], rows: list[list[str]], right: frozenset[int]) -> list[str]:
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---:" if i in right else "---" for i in range(len(header))) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


LEGEND = (
    "Overall metrics. One value: within tolerance; **bold**: a breach; CAGR and max "
    "drawdown changes in percentage points (pp)."
)
ORDER_NOTE = (
    "most important first: "
    + ", ".join(SECTIONS[:-1])
    + "; within each, the largest move relative to its tolerance"
)


def report_text(report: CheckReport) -> str:
    """The plain report: verdict, notes, headline table, moved metrics, summary line."""
    lines = [verdict_line(report), *(visible(note) for note in report.notes)]
    headline = _headline_rows(report, markdown=False)
    if headline:
        lines += [
            "",
            "Headline (overall metrics):",
            *_text_table(HEADLINE_HEADER, headline, HEADLINE_RIGHT),
        ]
    rows = _full_rows(report, markdown=False)
    lines.append("")
    if rows:
        lines.append(f"Moved metrics, {ORDER_NOTE}:")
        lines += _text_table(FULL_HEADER, rows, FULL_RIGHT)
    else:
        lines.append("No metric moved.")
    lines.append(report.summary_line())
    return "\n".join(lines) + "\n"


def report_markdown(report: CheckReport) -> str:
    """The report as GitHub-flavoured markdown; every user-controlled string is inert."""
    lines = [verdict_line(report, markdown=True), ""]
    if report.notes:
        lines += [f"> {md_text(note)}" for note in report.notes] + [""]
    headline = _headline_rows(report, markdown=True)
    if headline:
        lines += _md_table(HEADLINE_HEADER, headline, HEADLINE_RIGHT)
        lines += ["", LEGEND, ""]
    rows = _full_rows(report, markdown=True)
    if rows:
        lines += [
            "<details>",
            f"<summary>All {len(rows)} moved metrics, {ORDER_NOTE}</summary>",
            "",
            *_md_table(FULL_HEADER, rows, FULL_RIGHT),
            "",
            "</details>",
        ]
    else:
        lines.append("No metric moved.")
    lines += ["", report.summary_line()]
    return "\n".join(lines) + "\n"
