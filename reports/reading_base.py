"""The :class:`Reading` record every honesty reading returns, and the helpers they share.

A reading is a headline number, a verdict (one of :data:`VERDICTS`) and the
sentences a reviewer can act on. The private helpers read a number or a
nested key out of a parsed ``metrics.json`` block (``None`` when absent or not
finite) and format an interval; :func:`ordinal` writes a percentile. The
readings themselves live in :mod:`reports.readings`, which re-exports the
public names.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["VERDICTS", "Reading", "ordinal"]

VERDICTS: tuple[str, ...] = ("pass", "caution", "fail", "n/a")


@dataclass(frozen=True)
class Reading:
    """One honesty check, read out.

    Attributes
    ----------
    check : str
        What is checked, e.g. ``"Deflated Sharpe ratio"``.
    value : str
        The headline number as displayed, e.g. ``"0.950"``; ``"n/a"`` if absent.
    verdict : str
        One of :data:`VERDICTS`.
    text : str
        Plain-English sentences generated from the numbers.
    """

    check: str
    value: str
    verdict: str
    text: str


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _get(block: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(block, Mapping):
            return None
        block = block.get(key)
    return block


def ordinal(number: float) -> str:
    """``1st``, ``2nd``, ``72nd``, ``94th`` (rounded to the nearest whole number).

    Examples
    --------
    >>> ordinal(72.4), ordinal(11), ordinal(94.5), ordinal(1)
    ('72nd', '11th', '94th', '1st')
    """
    whole = round(number)
    suffix = "th" if 10 <= whole % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(whole % 10, "th")
    return f"{whole}{suffix}"


def _interval(low: float, high: float, signed: bool = False) -> str:
    return f"{low:+.2f} to {high:+.2f}" if signed else f"{low:.2f} to {high:.2f}"
