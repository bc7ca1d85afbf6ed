"""The run dashboard: one self-contained ``index.html`` per run directory.

The page embeds its charts as inline SVG and its stylesheet and (tiny) script
inline, so it loads nothing from the network and still works from a zipped
CI artefact. It is rendered from ``reports/templates/dashboard.html.j2`` with
autoescaping, so nothing a run directory contains can inject markup.

Sections, by element id, in page order (:data:`SECTION_IDS`): ``run-header``
(identity, dates, the excess-of-cash convention, unavailable inputs),
``verdict`` (the run's ``verdict`` sentences), ``regime-timeline``,
``strategy-table`` (with per-spell drawdowns and price-only marks),
``charts``, ``significance`` (the no-timing null first), ``bounds``, ``edge``,
``classifier`` and ``files``. A section whose data the run lacks is left out
(``verdict``, ``significance``, ``bounds``, ``edge``) or says so.
"""

from __future__ import annotations

import os
from pathlib import Path

from data.atomic import atomic_write_text

from .checks import bounds_context, classifier_context, edge_context, significance_context
from .markup import render
from .panels import (
    charts_context,
    files_context,
    header_context,
    strategy_context,
    timeline_context,
    verdict_context,
)
from .rundir import RunFiles, load_run
from .tables import metrics_long_frame

__all__ = ["SECTION_IDS", "render_dashboard", "write_dashboard"]

#: Section ids, in page order.
SECTION_IDS: tuple[str, ...] = (
    "run-header",
    "verdict",
    "regime-timeline",
    "strategy-table",
    "charts",
    "significance",
    "bounds",
    "edge",
    "classifier",
    "files",
)


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
    name = str(run.get("name") or "run")
    return render(
        "dashboard.html.j2",
        title=f"{name}{' [SYNTHETIC]' if run.get('synthetic') else ''}: regime backtest",
        header=header_context(files),
        verdict=verdict_context(files.metrics),
        timeline=timeline_context(files),
        strategies=strategy_context(files, long_frame),
        charts=charts_context(files, long_frame),
        significance=significance_context(files),
        bounds=bounds_context(files),
        edge=edge_context(files),
        classifier=classifier_context(files),
        files=files_context(files.root),
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
        The written ``index.html`` (replaced atomically, with the mode the
        user's umask gives a new file: :mod:`data.atomic`).

    Examples
    --------
    >>> from reports import write_dashboard
    >>> write_dashboard("runs/synthetic")  # doctest: +SKIP
    PosixPath('runs/synthetic/index.html')
    """
    files = load_run(run_dir)
    return atomic_write_text(files.root / "index.html", render_dashboard(files))
