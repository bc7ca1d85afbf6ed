"""One home per series: frequency, publication lag, staleness, units and revisions.

Every macro or fundamentals series a run reads has a :class:`SeriesSpec`. The
built-in specs (:data:`SERIES`, FRED ids) are the defaults; a config overrides
any field, or declares a new series, in one table per id::

    [series.M2SL]
    lag_days = 60                 # a later release than the default 56

    [series.baa]                  # a user series from a CSV file
    source = "csv"
    path = "my_data/baa.csv"      # date,value[,published]
    frequency = "daily"
    lag_days = 1

:func:`resolve_series` merges and validates the two. Nothing else in the
project keeps a per-series table: alignment (:mod:`data.align`) reads lags and
staleness from here, features read units, the README's revision caveats come
from :attr:`SeriesSpec.revised`.

Rules
-----
Publication lag
    A value observed on day ``d`` is first usable at the first close on or
    after ``d + lag_days``. A series whose rows carry their own publication
    date (a CSV with a ``published`` column, ALFRED first releases, SEC
    filings) is usable from that date, plus ``lag_days`` (default 0 there).
Staleness
    After ``max_staleness_days`` calendar days without a new release the
    carried value expires (NaN, or ``stale_value``), so a series that stops
    being published cannot feed a frozen number into the features. The
    defaults are about two release intervals: 10 days for daily series (long
    holiday weekends plus a late posting), 14 for weekly ones and for daily
    values released weekly (H.10), 45 for monthly ones, 200 for quarterly
    filings. ``RRPONTSYD`` expires to 0 after 5 days: FRED leaves a day empty
    when no operation was held, which means nothing was outstanding.
Frequency
    The observed spacing of a loaded series (median days between
    observations) must match its declared frequency (:func:`check_frequency`):
    a monthly series stored under a daily series' name would otherwise get a
    1-day lag and a 10-day staleness, silently. ``check_frequency = false``
    allows a mismatch on purpose.
Revisions
    FRED's default download is the latest vintage: revised series (M2, NFCI,
    STLFSI4, the broad dollar) carry values that were not known on the day,
    even after the publication lag. :attr:`SeriesSpec.revised` marks them;
    ``data.vintage = "first_release"`` loads each observation as first
    published (ALFRED) instead.

Vintage frames
--------------
A series whose values carry their own publication dates is a DataFrame with
columns ``observed``, ``published`` and ``value`` (one row per vintage of an
observation; extra provenance columns allowed). :func:`vintage_releases`
turns it into the release-dated series the as-of join needs: on each
publication date, the value of the latest observation known then (a revision
of an older observation does not replace a newer one).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from data.base import DataError
from data.hints import did_you_mean

__all__ = [
    "FREQUENCIES",
    "check_vintage_frame",
    "SERIES",
    "SERIES_SOURCES",
    "VINTAGE_COLUMNS",
    "SeriesSpec",
    "check_frequency",
    "infer_frequency",
    "resolve_series",
    "vintage_releases",
]

#: Declared frequencies, and the range of median observation spacing (days) each allows.
FREQUENCIES: dict[str, tuple[float, float]] = {
    "daily": (0.5, 4.0),
    "weekly": (5.0, 10.0),
    "monthly": (25.0, 35.0),
    "quarterly": (75.0, 100.0),
}
#: Default staleness per frequency, calendar days (see "Staleness").
DEFAULT_STALENESS: dict[str, int] = {"daily": 10, "weekly": 14, "monthly": 45, "quarterly": 200}
#: Where a series can come from: FRED (or the ``csv`` source's ``fred/`` folder), a
#: user CSV file, or SEC EDGAR company facts.
SERIES_SOURCES: tuple[str, ...] = ("fred", "csv", "sec")
#: Columns of a vintage frame, in order.
VINTAGE_COLUMNS: tuple[str, str, str] = ("observed", "published", "value")


@dataclass(frozen=True)
class SeriesSpec:
    """Everything the project knows about one series.

    Attributes
    ----------
    id : str
        The series id (a FRED id, or a user name).
    frequency : {"daily", "weekly", "monthly", "quarterly"}
        Native observation frequency.
    lag_days : int
        Calendar days from observation to first use (added to a row's own
        ``published`` date when it has one).
    max_staleness_days : int or None
        Calendar days a released value stays usable; None carries it forever.
    stale_value : float
        What an expired value becomes (NaN, or 0 for ``RRPONTSYD``).
    units : str
    description : str
    revised : bool
        The latest-vintage history contains revisions (look-ahead even with
        the lag; see "Revisions").
    source : {"fred", "csv", "sec"}
    options : mapping
        Source options: ``path`` for ``csv``; ``ticker`` and ``metric`` for ``sec``.
    optional : bool
        An unavailable optional series drops the features that need it (the
        run says so) instead of stopping the run.
    check_frequency : bool
        Compare the observed spacing with ``frequency`` (:func:`check_frequency`).
    """

    id: str
    frequency: str
    lag_days: int
    max_staleness_days: int | None = None
    stale_value: float = math.nan
    units: str = ""
    description: str = ""
    revised: bool = False
    source: str = "fred"
    options: Mapping[str, Any] = field(default_factory=dict)
    optional: bool = False
    check_frequency: bool = True

    def listing(self) -> dict[str, Any]:
        """The ``regime-bt list series`` entry."""
        return {
            "description": self.description,
            "source": self.source,
            "frequency": self.frequency,
            "lag_days": self.lag_days,
            "max_staleness_days": self.max_staleness_days,
            "units": self.units,
            "revised": self.revised,
        }


def _fred(
    series_id: str,
    frequency: str,
    lag_days: int,
    units: str,
    description: str,
    staleness: int | None = None,
    revised: bool = False,
    stale_value: float = math.nan,
) -> SeriesSpec:
    return SeriesSpec(
        series_id,
        frequency,
        lag_days,
        DEFAULT_STALENESS[frequency] if staleness is None else staleness,
        stale_value,
        units,
        description,
        revised,
    )


#: The built-in FRED series (lags from the release calendars; see the curated
#: snapshot's README for the conventions).
SERIES: dict[str, SeriesSpec] = {
    s.id: s
    for s in (
        # H.4.1, released Thursday 4:30 pm ET for the Wednesday level: usable at Friday's close.
        _fred("WALCL", "weekly", 2, "millions USD", "Fed total assets, Wednesday level"),
        _fred(
            "WTREGEN",
            "weekly",
            2,
            "millions USD",
            "Treasury General Account, week average ending Wednesday (H.4.1)",
        ),
        # NY Fed publishes the same afternoon; FRED the next business day. An empty
        # day means no operation (nothing outstanding): expires to 0 after 5 days.
        _fred(
            "RRPONTSYD",
            "daily",
            1,
            "billions USD",
            "overnight reverse repo (Fed sold)",
            staleness=5,
            stale_value=0.0,
        ),
        # H.6: the month dated on the 1st is released about four weeks after month end.
        _fred("M2SL", "monthly", 56, "billions USD", "M2 money stock, SA", revised=True),
        _fred("DGS10", "daily", 1, "percent", "10-year Treasury yield"),
        _fred("DGS2", "daily", 1, "percent", "2-year Treasury yield"),
        _fred("DGS30", "daily", 1, "percent", "30-year Treasury yield"),
        _fred("T10Y2Y", "daily", 1, "percentage points", "10-year minus 2-year Treasury"),
        _fred("T10Y3M", "daily", 1, "percentage points", "10-year minus 3-month Treasury"),
        _fred("DFII10", "daily", 1, "percent", "10-year TIPS real yield"),
        _fred("T10YIE", "daily", 1, "percent", "10-year breakeven inflation"),
        _fred("BAMLH0A0HYM2", "daily", 1, "percent", "ICE BofA US high-yield OAS"),
        _fred("BAMLC0A0CM", "daily", 1, "percent", "ICE BofA US investment-grade corporate OAS"),
        _fred(
            "BAA10Y", "daily", 1, "percent", "Moody's Baa corporate yield minus 10-year Treasury"
        ),
        _fred("VIXCLS", "daily", 1, "index points", "Cboe VIX close"),
        # H.10: daily values published weekly on Monday for the previous week;
        # obs + 8 covers a Tuesday release after a Monday holiday.
        _fred(
            "DTWEXBGS",
            "daily",
            8,
            "index (Jan 2006 = 100)",
            "nominal broad dollar index",
            staleness=14,
            revised=True,
        ),
        _fred(
            "DEXKOUS",
            "daily",
            8,
            "KRW per USD",
            "Korean won per US dollar, noon NY (H.10)",
            staleness=14,
        ),
        *(
            _fred(series_id, "daily", 8, units, f"{units}, noon NY (H.10)", staleness=14)
            for series_id, units in (
                ("DEXJPUS", "JPY per USD"),
                ("DEXTAUS", "TWD per USD"),
                ("DEXHKUS", "HKD per USD"),
                ("DEXCHUS", "CNY per USD"),
                ("DEXCAUS", "CAD per USD"),
                ("DEXSZUS", "CHF per USD"),
                ("DEXUSEU", "USD per EUR"),
                ("DEXUSUK", "USD per GBP"),
            )
        ),
        # Chicago Fed: week ending Friday, released the following Wednesday; the
        # whole history is re-estimated every week.
        _fred(
            "NFCI",
            "weekly",
            5,
            "std devs (positive = tighter)",
            "Chicago Fed National Financial Conditions Index",
            revised=True,
        ),
        _fred(
            "STLFSI4",
            "weekly",
            6,
            "index (0 = normal)",
            "St. Louis Fed Financial Stress Index",
            revised=True,
        ),
        _fred(
            "FEDFUNDS", "monthly", 32, "percent", "effective federal funds rate, monthly average"
        ),
        _fred("DFF", "daily", 1, "percent", "effective federal funds rate, daily"),
        _fred("SOFR", "daily", 1, "percent", "secured overnight financing rate"),
        # NBER dates are announced months to years later: evaluation only, never a feature.
        _fred(
            "USREC",
            "monthly",
            365,
            "0/1",
            "NBER recession indicator (ex post)",
            staleness=None,
            revised=True,
        ),
    )
}

_FIELDS = {f.name: f for f in dataclasses.fields(SeriesSpec)}
_OVERRIDABLE = (
    "frequency",
    "lag_days",
    "max_staleness_days",
    "stale_value",
    "units",
    "description",
    "revised",
    "source",
    "optional",
    "check_frequency",
)
_OPTION_KEYS = {"fred": (), "csv": ("path",), "sec": ("ticker", "metric")}


def _typed(path: str, key: str, value: Any) -> Any:
    """Check one override value's type and range; return it converted."""
    if key in ("lag_days", "max_staleness_days"):
        if key == "max_staleness_days" and value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise DataError(f"{path}.{key} = {value!r} must be a whole number of days >= 0.")
        return int(value)
    if key == "stale_value":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise DataError(f"{path}.{key} = {value!r} must be a number.")
        return float(value)
    if key == "frequency":
        if value not in FREQUENCIES:
            raise DataError(
                f"{path}.frequency = {value!r} is not allowed."
                f"{did_you_mean(value, FREQUENCIES)} Allowed: "
                f"{', '.join(FREQUENCIES)}."
            )
        return value
    if key == "source":
        if value not in SERIES_SOURCES:
            raise DataError(
                f"{path}.source = {value!r} is not allowed."
                f"{did_you_mean(value, SERIES_SOURCES)} Allowed: "
                f"{', '.join(SERIES_SOURCES)}."
            )
        return value
    if key in ("revised", "optional", "check_frequency"):
        if not isinstance(value, bool):
            raise DataError(f"{path}.{key} = {value!r} must be true or false.")
        return value
    if not isinstance(value, str):
        raise DataError(f"{path}.{key} = {value!r} must be a string.")
    return value


def resolve_series(
    overrides: Mapping[str, Mapping[str, Any]] | None = None, where: str = "series"
) -> dict[str, SeriesSpec]:
    """The built-in specs with a config's ``[series.<ID>]`` tables applied.

    Parameters
    ----------
    overrides : mapping of str to mapping, optional
        Per series id, fields to change (see :class:`SeriesSpec`), plus the
        source options (``path``; ``ticker``, ``metric``). A new id must give
        ``frequency``, and ``lag_days`` unless its rows carry publication
        dates (``source = "sec"``, or a CSV with a ``published`` column, for
        which it defaults to 0).
    where : str
        Prefix of the key paths in messages (``"series"``).

    Returns
    -------
    dict of str to SeriesSpec
        Built-in and user series, by id.

    Raises
    ------
    DataError
        Naming the key path, the bad value and what is allowed.

    Examples
    --------
    >>> specs = resolve_series({"M2SL": {"lag_days": 60}})
    >>> specs["M2SL"].lag_days, specs["M2SL"].frequency
    (60, 'monthly')
    """
    specs = dict(SERIES)
    for series_id, table in (overrides or {}).items():
        path = f"{where}.{series_id}"
        if not isinstance(table, Mapping):
            raise DataError(f"[{path}] must be a table, e.g. lag_days = 1.")
        source = _typed(
            path,
            "source",
            table.get("source", SERIES[series_id].source if series_id in SERIES else "fred"),
        )
        allowed = list(_OVERRIDABLE) + list(_OPTION_KEYS[source])
        for key in table:
            if key not in allowed:
                raise DataError(
                    f"unknown key {path}.{key}.{did_you_mean(key, allowed)} "
                    f"Allowed here (source {source!r}): {', '.join(allowed)}."
                )
        values = {k: _typed(path, k, v) for k, v in table.items() if k in _OVERRIDABLE}
        options = {k: _typed(path, k, table[k]) for k in _OPTION_KEYS[source] if k in table}
        missing = [k for k in _OPTION_KEYS[source] if k not in options]
        if missing:
            raise DataError(
                f"[{path}] with source = {source!r} needs "
                f"{', '.join(missing)} (e.g. " + ", ".join(f'{k} = "..."' for k in missing) + ")."
            )
        if series_id in SERIES:
            base = SERIES[series_id]
            if source != base.source:
                base = dataclasses.replace(base, source=source)
        else:
            if "frequency" not in values:
                raise DataError(
                    f"[{path}] declares a new series: give its frequency (one of "
                    f"{', '.join(FREQUENCIES)}){' and lag_days' if source == 'fred' else ''}."
                    f"{did_you_mean(series_id, SERIES)}"
                )
            if "lag_days" not in values and source == "fred":
                raise DataError(
                    f"[{path}] declares a new FRED series: give lag_days (calendar days from "
                    "observation to release; guessing 0 would leak the future)."
                )
            frequency = values["frequency"]
            # A filing date is a day, not a time: SEC values are used from the next day.
            base = SeriesSpec(
                series_id,
                frequency,
                1 if source == "sec" else 0,
                DEFAULT_STALENESS[frequency],
                source=source,
                description=f"user series ({source})",
            )
        if "frequency" in values and "max_staleness_days" not in values and series_id in SERIES:
            values["max_staleness_days"] = DEFAULT_STALENESS[values["frequency"]]
        specs[series_id] = dataclasses.replace(base, **values, options={**base.options, **options})
    return specs


def infer_frequency(observed: pd.Index) -> tuple[str | None, float]:
    """The frequency whose spacing range holds the median gap between observations.

    Parameters
    ----------
    observed : DatetimeIndex
        Observation dates of the values (missing values already dropped).

    Returns
    -------
    frequency : str or None
        None with fewer than 3 observations or a spacing between the ranges.
    median_days : float
        The median gap in days (NaN with fewer than 2 observations).

    Examples
    --------
    >>> infer_frequency(pd.date_range("2020-01-01", periods=12, freq="MS"))
    ('monthly', 31.0)
    """
    dates = pd.DatetimeIndex(observed).unique().sort_values()
    if len(dates) < 2:
        return None, math.nan
    median = float(np.median(np.diff(dates.as_unit("ns").asi8)) / 86_400e9)
    if len(dates) < 3:
        return None, median
    for frequency, (low, high) in FREQUENCIES.items():
        if low <= median <= high:
            return frequency, median
    return None, median


def check_frequency(series: pd.Series | pd.DataFrame, spec: SeriesSpec, where: str = "") -> None:
    """Refuse a series whose observed spacing does not match its declared frequency.

    Parameters
    ----------
    series : Series or vintage frame
        Values by observation date, or a frame with an ``observed`` column.
    spec : SeriesSpec
    where : str
        The file or URL the data came from, for the message.

    Raises
    ------
    DataError
        Naming the series, the declared and the observed frequency, and the fix.
    """
    if not spec.check_frequency:
        return
    if isinstance(series, pd.DataFrame):
        observed = pd.DatetimeIndex(series.loc[series["value"].notna(), "observed"])
    else:
        observed = series.dropna().index
    found, median = infer_frequency(observed)
    if found is None and math.isnan(median):
        return
    if found == spec.frequency:
        return
    low, high = FREQUENCIES[spec.frequency]
    if found is None and len(observed) < 3 and low <= median <= high:
        return
    looks = f"like a {found} series" if found else "like no known frequency"
    origin = f" ({where})" if where else ""
    raise DataError(
        f"series {spec.id}{origin} is declared {spec.frequency} but its observations are "
        f"{median:g} days apart (median), {looks}. With the wrong frequency it would get the "
        f"wrong publication lag ({spec.lag_days} days) and staleness. Fix the data, or declare "
        f'what it is in the config: [series.{spec.id}] frequency = "{found or "daily"}" with '
        "its lag_days, or check_frequency = false to accept the mismatch on purpose."
    )


def vintage_releases(frame: pd.DataFrame, lag_days: int = 0) -> pd.Series:
    """Release-dated values of a vintage frame: what a user saw after each publication.

    On each publication date the result is the value of the latest
    observation known by then (its latest vintage). A row that revises an
    *older* observation does not change it; a row that revises the latest
    observation does. Several rows published the same day keep the last.

    Parameters
    ----------
    frame : DataFrame
        Columns ``observed``, ``published``, ``value`` (see the module docstring).
    lag_days : int, default 0
        Extra calendar days after each publication date.

    Returns
    -------
    Series
        Values indexed by release date (``published + lag_days``), sorted,
        unique; NaN values dropped.

    Examples
    --------
    >>> frame = pd.DataFrame({
    ...     "observed": pd.to_datetime(["2024-03-31", "2024-06-30", "2024-03-31"]),
    ...     "published": pd.to_datetime(["2024-05-01", "2024-08-01", "2024-09-01"]),
    ...     "value": [10.0, 12.0, 11.0]})
    >>> vintage_releases(frame).tolist()   # the Q1 revision does not replace Q2
    [10.0, 12.0]
    """
    missing = [c for c in VINTAGE_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(
            f"a vintage frame needs columns {', '.join(VINTAGE_COLUMNS)}; "
            f"missing {', '.join(missing)}."
        )
    rows = frame.loc[frame["value"].notna(), list(VINTAGE_COLUMNS)]
    rows = rows.sort_values(["published", "observed"], kind="stable")
    observed = rows["observed"].to_numpy(dtype="datetime64[ns]")
    values = rows["value"].to_numpy(dtype=float)
    latest = np.datetime64("NaT")
    keep = np.zeros(len(rows), dtype=bool)
    for i in range(len(rows)):
        if np.isnat(latest) or observed[i] >= latest:
            latest = observed[i]
            keep[i] = True
    released = pd.Series(
        values[keep],
        index=pd.DatetimeIndex(rows["published"].to_numpy()[keep])
        + pd.Timedelta(days=int(lag_days)),
        name="value",
    )
    return released[~released.index.duplicated(keep="last")]


def check_vintage_frame(frame: pd.DataFrame, where: str = "vintage frame") -> pd.DataFrame:
    """Validate a vintage frame and return it normalised (pure; the input is not changed).

    Parameters
    ----------
    frame : DataFrame of shape (n_vintages, 3 + n_provenance)
        Columns ``observed``, ``published``, ``value`` plus provenance.
    where : str
        What the frame is, for messages (``"ALFRED series M2SL"``).

    Returns
    -------
    DataFrame of shape (n_vintages, 3 + n_provenance)
        ``observed``, ``published`` (and any date provenance column) as
        datetime64[ns], ``value`` as float; the three first, provenance
        after in its order; sorted by (``published``, ``observed``) on a
        fresh RangeIndex.

    Raises
    ------
    DataError
        On a missing column, a missing or unparsable date, a non-numeric
        value, or two rows for the same (observed, published).

    Examples
    --------
    >>> frame = pd.DataFrame({"observed": ["2024-01-01", "2024-01-01"],
    ...                       "published": ["2024-03-01", "2024-02-01"], "value": [2, 1]})
    >>> check_vintage_frame(frame)["value"].tolist()
    [1.0, 2.0]
    """
    missing = [c for c in VINTAGE_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(
            f"{where}: a vintage frame needs columns {', '.join(VINTAGE_COLUMNS)}; "
            f"missing {', '.join(missing)}."
        )
    extra = [c for c in frame.columns if c not in VINTAGE_COLUMNS]
    result = frame[[*VINTAGE_COLUMNS, *extra]].copy()
    for column in ("observed", "published"):
        try:
            dates = pd.to_datetime(result[column], errors="raise")
        except (ValueError, TypeError) as error:
            raise DataError(f"{where}: column {column!r} has an unparsable date: {error}") from None
        if getattr(dates.dt, "tz", None) is not None:
            raise DataError(f"{where}: column {column!r} must hold tz-naive dates.")
        if dates.isna().any():
            raise DataError(f"{where}: column {column!r} has a missing date.")
        result[column] = dates.astype("datetime64[ns]")
    for column in extra:  # one date resolution in the whole frame
        if pd.api.types.is_datetime64_dtype(result[column]):
            result[column] = result[column].astype("datetime64[ns]")
    try:
        result["value"] = pd.to_numeric(result["value"], errors="raise").astype(float)
    except (ValueError, TypeError) as error:
        raise DataError(f"{where}: column 'value' is not numeric: {error}") from None
    duplicated = result.duplicated(["observed", "published"], keep=False)
    if duplicated.any():
        row = result.loc[duplicated].iloc[0]
        raise DataError(
            f"{where}: two vintages of {row['observed']:%Y-%m-%d} published on "
            f"{row['published']:%Y-%m-%d}; a vintage frame has one row per (observed, published)."
        )
    result = result.sort_values(["published", "observed"], kind="stable")
    return result.reset_index(drop=True)
