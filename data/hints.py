"""Helpful error text: the one "did you mean" helper of the project.

Every error that names an unknown key, value or table suggests the nearest
valid one through :func:`did_you_mean`, so suggestions read the same
everywhere (config loading, the CI gate's tolerance files, data sources).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["did_you_mean"]


def did_you_mean(value: object, options: Iterable[object], cutoff: float = 0.6) -> str:
    """``" Did you mean 'x'?"`` for the closest option, or ``""`` when none is close.

    Parameters
    ----------
    value : object
        What the user wrote.
    options : iterable
        What is allowed.
    cutoff : float, default 0.6
        :func:`difflib.get_close_matches` similarity cutoff.

    Examples
    --------
    >>> did_you_mean("sharp", ["sharpe", "cagr"])
    " Did you mean 'sharpe'?"
    >>> did_you_mean("zzz", ["sharpe"])
    ''
    """
    close = difflib.get_close_matches(str(value), [str(o) for o in options], n=1, cutoff=cutoff)
    return f" Did you mean {close[0]!r}?" if close else ""
