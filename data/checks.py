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
from typing import cast

import pandas as pd

from data.base import DataError

__all__ = [
    "BAD_JUMP_MODES",
    "BAD_JUMP_RATIO",
    "check_basket_coverage",
    "check_prices",
    "check_start",
    "check_window_prices",
    "price_jumps",
]

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
            span = (
                f"its data covers {observed.index[0]:%Y-%m-%d}..{observed.index[-1]:%Y-%m-%d}"
                if len(observed)
                else "it has no prices at all"
            )
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
            '`data.bad_jump = "warn"` to run on them anyway.'
        )
    logger.warning('%s. Running on them anyway (data.bad_jump = "warn").', message)


def check_start(
    prices: pd.DataFrame,
    calendar: pd.DatetimeIndex,
    start: str,
    roles: Mapping[str, str],
    baskets: Mapping[str, Sequence[str]],
    source: str,
) -> None:
    """Refuse to silently shorten a backtest whose start predates required prices.

    Checked: the calendar (its first date within 7 days of ``start``), every
    ticker with a role (benchmark, cash, calendar) and every basket (at least
    one member listed) on the first trading date on or after ``start``. Late
    listings of single basket members are normal and never checked; features
    that start late join when they can (and the run says so).

    Parameters
    ----------
    prices : DataFrame
        Raw prices (:attr:`MarketData.prices`).
    calendar : DatetimeIndex
        Trading dates of the backtest window.
    start : str
        ``data.start``.
    roles : mapping of str to str
        Role -> ticker (``{"benchmark": "SPY", "cash": "BIL", ...}``).
    baskets : mapping of str to list of str
    source : str
        For the message.

    Raises
    ------
    DataError
        Naming each late ticker or basket with its first date, and the fix.
    """
    first_day = calendar[0]
    first = cast("pd.Series[pd.Timestamp]", prices.apply(lambda column: column.first_valid_index()))
    late: list[tuple[str, pd.Timestamp | None]] = []
    if first_day - pd.Timestamp(start) > pd.Timedelta(days=7):
        late.append((f"{roles.get('calendar', '?')} (calendar)", first_day))
    for role, ticker in roles.items():
        if role == "calendar":
            continue
        if pd.isna(first[ticker]) or first[ticker] > first_day:
            late.append((f"{ticker} ({role})", first[ticker]))
    for name, members in baskets.items():
        dates = [first[t] for t in members if not pd.isna(first[t])]
        if not dates or min(dates) > first_day:
            late.append((f"basket {name} ({', '.join(members)})", min(dates) if dates else None))
    if not late:
        return
    listed = "; ".join(
        f"{what} first has data on {when:%Y-%m-%d}"
        if when is not None and not pd.isna(when)
        else f"{what} has no data at all"
        for what, when in late
    )
    dated = [when for _, when in late if when is not None and not pd.isna(when)]
    hint = f"Move `data.start` to {max(dated):%Y-%m-%d} or later, or set" if dated else "Set"
    raise DataError(
        f"data.start = {start} is earlier than the {source} data for: {listed}. {hint} "
        "`data.allow_late_start = true` to let them join when their data begins (the run "
        "then starts with what is available)."
    )


def check_basket_coverage(prices: pd.DataFrame, baskets: Mapping[str, Sequence[str]]) -> None:
    """Refuse a basket that has no listed member on some date of the backtest.

    :func:`check_start` covers the first date; this covers the rest (every
    member's history ended, or a gap longer than ``data.max_gap_days`` in all
    of them).

    Raises
    ------
    DataError
        Naming the basket and its first and last uncovered dates.
    """
    problems = []
    for name, members in baskets.items():
        uncovered = prices.index[~prices[list(members)].notna().any(axis=1).to_numpy()]
        if len(uncovered):
            problems.append(
                f"basket {name} ({', '.join(members)}) has no listed member on "
                f"{len(uncovered)} trading day(s) between {uncovered[0]:%Y-%m-%d} and "
                f"{uncovered[-1]:%Y-%m-%d}"
            )
    if problems:
        raise DataError(
            f"{'; '.join(problems)}. Add a member that trades then, move `data.end` (or "
            "`data.start`) inside the members' histories, or set `data.allow_late_start = "
            "true` to hold cash for the basket on those days."
        )


def check_window_prices(aligned: pd.DataFrame, raw: pd.DataFrame, start: str, end: str) -> None:
    """Refuse tickers with no price inside the backtest window (their history is elsewhere).

    Parameters
    ----------
    aligned : DataFrame
        Prices on the window's trading dates.
    raw : DataFrame
        The raw prices (to say what the data does cover).
    start, end : str
        The window, for the message.

    Raises
    ------
    DataError
        Naming each empty ticker and the range its data covers.
    """
    empty = []
    for ticker in aligned.columns:
        if aligned[ticker].notna().any():
            continue
        observed = raw[ticker].dropna()
        span = (
            f"its data covers {observed.index[0]:%Y-%m-%d}..{observed.index[-1]:%Y-%m-%d}"
            if len(observed)
            else "it has no prices at all"
        )
        empty.append(f"{ticker} ({span})")
    if empty:
        raise DataError(
            f"no prices between {start} and {end} for: {'; '.join(empty)}. Remove the "
            "ticker from `universe` (or the strategy that names it), or move "
            "`data.start`/`data.end` into its history."
        )
