"""HTML reports for a run directory: the dashboard and quantstats tearsheets.

Reports read only the files of a run directory (see the README, "The run
directory"), so they can be rebuilt from a copied or unzipped run. The pages
(the dashboard here, and :mod:`reports.regimes_page` for ``regime-bt
regimes``) are rendered from jinja2 templates with autoescaping
(``reports/templates``, ``reports/static``): nothing a run directory holds can
inject markup into them.

Examples
--------
>>> from reports import write_reports
>>> write_reports("runs/synthetic", tearsheets=False)  # doctest: +SKIP
PosixPath('runs/synthetic/index.html')
"""

from __future__ import annotations

import os
from pathlib import Path

from .dashboard import write_dashboard
from .tearsheets import render_tearsheets, write_tearsheets

__all__ = ["render_tearsheets", "write_dashboard", "write_reports", "write_tearsheets"]


def write_reports(
    run_dir: str | os.PathLike[str], tearsheets: bool = True, processes: int = 2
) -> Path:
    """Write the tearsheets (optionally), then the dashboard that links them.

    Parameters
    ----------
    run_dir : path-like
        A complete run directory.
    tearsheets : bool, default True
        Also write ``tearsheets/<strategy>.html`` for every strategy.
    processes : int, default 2
        Worker processes for the tearsheets (see :func:`write_tearsheets`).

    Returns
    -------
    Path
        The dashboard, ``<run_dir>/index.html``.
    """
    if tearsheets:
        write_tearsheets(run_dir, processes=processes)
    return write_dashboard(run_dir)
