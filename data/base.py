"""The one frame contract every data source produces.

Every provider (synthetic world, CSV folders, yfinance + FRED) returns a
:class:`MarketData`. Downstream packages only ever see this object, so they
cannot tell a synthetic world from real markets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

__all__ = ["PERIODS_PER_YEAR", "REGIME_NAMES", "DataError", "MarketData"]

#: The two regime names used everywhere (labels, columns, metrics keys).
REGIME_NAMES: tuple[str, str] = ("abundant", "scarce")

#: Trading days per year: the one annualisation constant of the project
#: (metrics, significance, the sweep kernel, tearsheets, regime evaluation).
PERIODS_PER_YEAR: int = 252


class DataError(ValueError):
    """Bad or missing input data.

    The message names the problem and the fix. The CLI turns it into exit
    code 2 without a traceback.
    """


@dataclass(frozen=True)
class MarketData:
    """Raw inputs of a run, before any point-in-time alignment.

    Parameters
    ----------
    prices : DataFrame of shape (n_dates, n_tickers)
        Adjusted closes. The index is a tz-naive ``DatetimeIndex`` named
        ``"date"``, sorted and unique: the union of every ticker's own
        calendar. A ticker is NaN on dates it did not trade (before listing,
        after its history ends, weekends and holidays for equities). Nothing
        is forward- or back-filled here.
    macro : dict of str to Series
        Macro series keyed by series id (FRED ids such as ``"WALCL"``). Each
        Series is indexed by **observation date** on its native frequency
        (daily, weekly, monthly), float, NaN where the source has no value.
        Publication lags are *not* applied yet: ``data.align`` does that.
    source : str
        Which provider produced the data (``"synthetic"``, ``"csv"``,
        ``"yahoo+fred"``).
    synthetic : bool
        True when the data come from the built-in synthetic world.
    truth : Series or None
        The hidden true regime per calendar day (``"abundant"``/``"scarce"``),
        only for data with a known truth. For evaluation only: no feature,
        classifier or strategy may read it.
    description : dict
        Free-form provenance (paths, seeds, fetch times) for reports.
    vintages : dict of str to DataFrame
        Series whose values carry their own publication dates (SEC filings,
        ALFRED first releases, CSV files with a ``published`` column), as
        vintage frames (``observed``, ``published``, ``value``; see
        :mod:`data.series`). A series id is in ``macro`` or here, not both.
    unavailable : dict of str to str
        Optional series that could not be loaded, with the reason (the run
        goes on without the features that need them and says so).
    """

    prices: pd.DataFrame
    macro: dict[str, pd.Series]
    source: str
    synthetic: bool = False
    truth: pd.Series | None = None
    description: dict = field(default_factory=dict)
    vintages: dict[str, pd.DataFrame] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        index = self.prices.index
        if not isinstance(index, pd.DatetimeIndex):
            raise DataError("prices must be indexed by dates (a DatetimeIndex).")
        if index.tz is not None:
            raise DataError("prices must have tz-naive dates; convert with tz_localize(None).")
        if not index.is_monotonic_increasing or index.has_duplicates:
            raise DataError("prices dates must be sorted and unique.")
