"""Sanity checks on raw prices, shared by every provider-backed source.

:func:`check_prices` runs on what a provider returned (``csv`` folders,
Yahoo) before anything else sees it:

* **No data in the range.** A ticker with no price between ``start`` and
  ``end`` is a :class:`data.DataError` naming it and the range its data does
  cover: never a silently empty column.
* **Absurd jumps.** A close that is one tenth of the previous close or less
  (a fall of 90 % or more), or ten times it or more (the mirror image in log
  terms: a rise of 900 % or more), is almost always an unadjusted split or a
  bad print rather than a market move. ``data.bad_jump`` decides what happens:
  ``"error"`` (the default) raises a :class:`data.DataError` naming the
  ticker, the date and the move; ``"warn"`` logs a warning (module logger
  ``data.checks``) and keeps the data unchanged.

Pure functions: the inputs are never modified.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import pandas as pd

from data.base import DataError

__all__ = ["BAD_JUMP_MODES", "BAD_JUMP_RATIO", "check_prices", "price_jumps"]

logger = logging.getLogger(__name__)

#: What ``data.bad_jump`` may be.
BAD_JUMP_MODES: tuple[str, ...] = ("error", "warn")
#: A day-over-day price ratio at or beyond this factor (either way) is a jump.
BAD_JUMP_RATIO = 10.0


def price_jumps(series: pd.Series, ratio: float = BAD_JUMP_RATIO) -> pd.Series:
    """Day-over-day simple returns of the moves that look like bad splits.

    Parameters
    ----------
    series : Series of shape (n_dates,)
        Positive closes of one ticker, NaN where it did not trade.
    ratio : float
        A close at most ``1 / ratio`` or at least ``ratio`` times the
        previous one is a jump.

    Returns
    -------
    Series
        The simple returns of the flagged days (empty when none).

    Examples
    --------
    >>> idx = pd.date_range("2024-01-01", periods=4)
    >>> price_jumps(pd.Series([10.0, 11.0, 1.0, 1.1], index=idx)).round(3).tolist()
    [-0.909]
    """
    closes = series.dropna()
    growth = closes / closes.shift(1)
    flagged = (growth <= 1.0 / ratio) | (growth >= ratio)
    return (growth[flagged] - 1.0).rename(series.name)


def check_prices(
    prices: Mapping[str, pd.Series],
    tickers: Sequence[str],
    start: str,
    end: str,
    bad_jump: str = "error",
) -> None:
    """Refuse tickers with no data in ``[start, end]``; flag absurd jumps.

    Parameters
    ----------
    prices : mapping of str to Series
        Closes per ticker, as a provider returned them.
    tickers : sequence of str
        The tickers the run needs.
    start, end : str
        Inclusive ISO dates of the run.
    bad_jump : {"error", "warn"}
        What a jump (see the module docstring) is.

    Raises
    ------
    DataError
        Naming every ticker without data in the range, or (``"error"``) the
        first jump of each ticker that has one.
    """
    if bad_jump not in BAD_JUMP_MODES:
        raise DataError(
            f"data.bad_jump = {bad_jump!r} is not allowed; allowed: {', '.join(BAD_JUMP_MODES)}."
        )
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    empty, jumps = [], []
    for ticker in tickers:
        series = prices[ticker]
        inside = series.loc[first:last].dropna()
        if inside.empty:
            observed = series.dropna()
            span = (f"its data covers {observed.index[0]:%Y-%m-%d}..{observed.index[-1]:%Y-%m-%d}"
                    if len(observed) else "it has no prices at all")
            empty.append(f"{ticker} ({span})")
            continue
        flagged = price_jumps(inside)
        if len(flagged):
            day, move = flagged.index[0], float(flagged.iloc[0])
            more = f" and {len(flagged) - 1} more" if len(flagged) > 1 else ""
            jumps.append(f"{ticker} {move:+.1%} on {day:%Y-%m-%d}{more}")
    if empty:
        raise DataError(
            f"no prices between {start} and {end} for: {'; '.join(empty)}. Remove the "
            "ticker from `universe` (or the strategy that names it), or move "
            "`data.start`/`data.end` into its history."
        )
    if not jumps:
        return
    message = (
        f"absurd one-day price moves (a close at most 1/{BAD_JUMP_RATIO:g} or at least "
        f"{BAD_JUMP_RATIO:g} times the previous one), likely an unadjusted split or a bad "
        f"print: {'; '.join(jumps)}"
    )
    if bad_jump == "error":
        raise DataError(
            f"{message}. Fix the prices (use split-adjusted closes), or set "
            "`data.bad_jump = \"warn\"` to run on them anyway."
        )
    logger.warning("%s. Running on them anyway (data.bad_jump = \"warn\").", message)
