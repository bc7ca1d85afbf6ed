"""FRED series through the public CSV download (no API key needed).

Only what is special about FRED lives here: the URL, the CSV format and the
error messages. Retries, backoff and timeouts belong to
:class:`data.http.HttpSession`.

FRED's CSV format::

    observation_date,WALCL        (older downloads: DATE,WALCL)
    2024-01-03,7713595
    2024-01-10,                   (missing: empty or ".")

When ``FRED_API_KEY`` is set and the optional ``fredapi`` package is
importable, :func:`fetch_fred_series` can use it instead (``use_api=None``
means "when available"); it is never a hard dependency.

ALFRED vintages (``data.vintage = "first_release"``)
----------------------------------------------------
The CSV download only has today's values: revised series (M2SL, PAYEMS,
GDP) then show a past that nobody saw at the time. ALFRED keeps every
vintage. :func:`fetch_alfred_vintages` asks the FRED API
(``fred/series/observations``, JSON) for all real-time periods
(``realtime_start=1776-07-04``, ``realtime_end=9999-12-31``) of the
observations in ``[start, end]``, page by page (``limit``/``offset`` until
``count`` rows), with the API key from the argument or ``FRED_API_KEY``.
The JSON is::

    {"realtime_start": "1776-07-04", "realtime_end": "9999-12-31", ...,
     "count": 3, "offset": 0, "limit": 100000,
     "observations": [
        {"realtime_start": "2020-02-13", "realtime_end": "2020-03-11",
         "date": "2020-01-01", "value": "15434.5"},          ("." = missing)
        ...]}

and an error is HTTP 400 with
``{"error_code": 400, "error_message": "Bad Request.  The series does not exist."}``.
:func:`parse_alfred_observations` turns it into a vintage frame (see
:func:`data.cache.check_vintage_frame`): ``published`` is the row's
``realtime_start``, the first day that value was in ALFRED (a value that
did not change between releases is one row). :func:`first_release` keeps,
per observation date, the earliest vintage that has a value.

Caveat: for observations older than a series' first ALFRED vintage, the
first "release" is that first vintage (often years after the observation);
it is the truth about what ALFRED knew, and the alignment treats it as such.

The API key is a secret: it goes only into the request's query string, and
:class:`data.http.HttpSession` redacts it from every message and log record.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from data.base import DataError
from data.cache import check_vintage_frame
from data.http import HttpError, HttpSession

__all__ = [
    "ALFRED_OBSERVATIONS_URL",
    "FRED_API_KEY_ENV",
    "FRED_CSV_URL",
    "FredProvider",
    "fetch_alfred_vintages",
    "fetch_fred_series",
    "first_release",
    "fred_api_key",
    "parse_alfred_observations",
    "parse_fred_csv",
]

FRED_CSV_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv"
DATE_COLUMNS = ("observation_date", "DATE", "date")
ALFRED_OBSERVATIONS_URL = "https://api.stlouisfed.org/fred/series/observations"
#: The environment variable read for the FRED API key.
FRED_API_KEY_ENV = "FRED_API_KEY"
#: FRED's own bounds of real time: together they ask for every vintage.
REALTIME_FIRST, REALTIME_LAST = "1776-07-04", "9999-12-31"
#: FRED's largest page of observations.
MAX_PAGE = 100_000


def parse_fred_csv(text: str, series_id: str, where: str = "FRED") -> pd.Series:
    """Parse one series in FRED's CSV download format (pure).

    Parameters
    ----------
    text : str
        The CSV body.
    series_id : str
        Expected value column (matched case-insensitively); when the file
        has exactly one value column it is used whatever its name.
    where : str
        Where the text came from, for messages (a URL or a file path).

    Returns
    -------
    Series
        Float values indexed by observation date (``DatetimeIndex`` named
        ``"date"``, sorted, unique), named ``series_id``; NaN where FRED has
        an empty field or ``"."``.

    Raises
    ------
    DataError
        On an empty body, an HTML page instead of CSV, a missing date or
        value column, unparsable dates or non-numeric values.

    Examples
    --------
    >>> text = "observation_date,DGS10\\n2024-01-02,3.95\\n2024-01-03,.\\n"
    >>> parse_fred_csv(text, "DGS10").tolist()
    [3.95, nan]
    """
    stripped = text.strip().lstrip("\ufeff")
    if not stripped:
        raise DataError(f"{where}: the response for FRED series {series_id!r} is empty.")
    if stripped[:1] == "<" or stripped[:15].lower().startswith("<!doctype"):
        raise DataError(
            f"{where}: FRED returned a web page instead of CSV for series {series_id!r}; the "
            "series id is probably wrong. Check it at https://fred.stlouisfed.org/ and fix "
            "`data.series`."
        )
    try:
        frame = pd.read_csv(
            io.StringIO(stripped), dtype=str, keep_default_na=False, skipinitialspace=True
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise DataError(f"{where}: malformed CSV for FRED series {series_id!r}: {error}") from None
    date_column = next((c for c in frame.columns if c.strip() in DATE_COLUMNS), None)
    values = [c for c in frame.columns if c != date_column]
    if date_column is None or not values:
        raise DataError(
            f"{where}: malformed CSV for FRED series {series_id!r}: expected a header "
            f"`observation_date,{series_id}` (or `DATE,{series_id}`), got "
            f"{','.join(map(str, frame.columns))!r}."
        )
    matching = [c for c in values if c.strip().upper() == series_id.upper()]
    if matching:
        value_column = matching[0]
    elif len(values) == 1:
        value_column = values[0]
    else:
        raise DataError(
            f"{where}: no column {series_id!r} in the CSV; columns are "
            f"{', '.join(map(str, values))}."
        )
    stamps = frame[date_column].str.strip()
    # Whole YYYY-MM-DD dates only: ISO8601 parsing would read a date cut short
    # by a truncated download ("2024-01-1") as another day.
    dates = pd.to_datetime(
        stamps.where(stamps.str.fullmatch(r"\d{4}-\d{2}-\d{2}")), format="%Y-%m-%d", errors="coerce"
    )
    if dates.isna().any():
        bad = frame[date_column][dates.isna()].iloc[0]
        raise DataError(f"{where}: series {series_id!r} has an unparsable date {bad!r}.")
    raw = frame[value_column].str.strip().replace({".": "", "NaN": "", "nan": ""})
    numbers = pd.to_numeric(raw.where(raw != ""), errors="coerce")
    bad_values = numbers.isna() & (raw != "")
    if bad_values.any():
        row = int(np.flatnonzero(bad_values.to_numpy())[0])
        raise DataError(
            f"{where}: series {series_id!r} has a non-numeric value {raw.iloc[row]!r} on "
            f"{frame[date_column].iloc[row]}."
        )
    series = pd.Series(
        numbers.to_numpy(dtype=float), index=pd.DatetimeIndex(dates, name="date"), name=series_id
    )
    if series.index.has_duplicates:
        repeated = np.flatnonzero(series.index.duplicated(keep=False))
        day = series.index[int(repeated[0])]
        lines = ", ".join(str(row + 2) for row in repeated if series.index[int(row)] == day)
        raise DataError(
            f"{where}: series {series_id!r} has the date {day:%Y-%m-%d} more than "
            f"once (data lines {lines}, counting the header as line 1). Keep one "
            "value per date."
        )
    return series.sort_index()


def _fetch_with_fredapi(series_id: str, start: str, end: str) -> pd.Series:
    from fredapi import Fred  # pyright: ignore[reportMissingImports]  # optional, not installed

    values = Fred(api_key=os.environ["FRED_API_KEY"]).get_series(
        series_id, observation_start=start, observation_end=end
    )
    values.index = pd.DatetimeIndex(values.index, name="date")
    return values.astype(float).rename(series_id)


def _fredapi_available() -> bool:
    if not os.environ.get("FRED_API_KEY"):
        return False
    try:
        import fredapi  # noqa: F401  # pyright: ignore[reportMissingImports]  # optional
    except ImportError:
        return False
    return True


def fetch_fred_series(
    series_id: str,
    start: str,
    end: str,
    session: HttpSession | None = None,
    use_api: bool | None = False,
) -> pd.Series:
    """Download one FRED series for ``[start, end]`` (inclusive ISO dates).

    Parameters
    ----------
    series_id : str
        A FRED id such as ``"WALCL"``.
    start, end : str
    session : HttpSession, optional
        Owns retries and timeouts; tests inject one with a fake transport.
    use_api : bool or None, default False
        True: use ``fredapi`` (needs ``FRED_API_KEY``); None: use it when
        available; False: the public CSV download.

    Returns
    -------
    Series
        As :func:`parse_fred_csv`, cut to ``[start, end]``.

    Raises
    ------
    DataError
        Naming the series on an unknown id, exhausted retries or a bad body.
    """
    if use_api or (use_api is None and _fredapi_available()):
        series = _fetch_with_fredapi(series_id, start, end)
    else:
        session = session or HttpSession()
        params = {"id": series_id, "cosd": start, "coed": end}
        try:
            text = session.get_text(FRED_CSV_URL, params=params, what=f"FRED series {series_id}")
        except HttpError as error:
            if error.status in (400, 404):
                raise DataError(
                    f"FRED has no series {series_id!r} (HTTP {error.status}). Check the id at "
                    "https://fred.stlouisfed.org/ and fix `data.series` (or the feature that "
                    "needs it)."
                ) from None
            raise
        series = parse_fred_csv(text, series_id, where=f"{FRED_CSV_URL}?id={series_id}")
    if series.dropna().empty:
        raise DataError(
            f"FRED series {series_id!r} has no values between {start} and {end}. Check the id "
            "and the dates in `data.start`/`data.end`."
        )
    return series.loc[pd.Timestamp(start) : pd.Timestamp(end)]


# -- ALFRED vintages ---------------------------------------------------------------------


def fred_api_key(api_key: str | None = None, series_id: str = "") -> str:
    """The FRED API key: ``api_key`` when given, else ``$FRED_API_KEY``.

    Raises
    ------
    DataError
        When neither is set, saying how to get and set one (never a value).
    """
    key = (api_key if api_key is not None else os.environ.get(FRED_API_KEY_ENV, "")).strip()
    if not key:
        what = f"ALFRED vintages of FRED series {series_id!r}" if series_id else "ALFRED vintages"
        raise DataError(
            f"{what} need a FRED API key, and none is set. Get a free key at "
            "https://fredaccount.stlouisfed.org/apikeys and set the environment variable "
            f"{FRED_API_KEY_ENV} (e.g. `export {FRED_API_KEY_ENV}=<your 32-character key>`), "
            'or use data.vintage = "latest" (the public CSV, no key needed).'
        )
    return key


def _alfred_dates(values: pd.Series, column: str, series_id: str, where: str) -> pd.Series:
    text = values.astype(str).str.strip()
    dates = pd.to_datetime(
        text.where(text.str.fullmatch(r"\d{4}-\d{2}-\d{2}")), format="%Y-%m-%d", errors="coerce"
    )
    if dates.isna().any():
        bad = text[dates.isna()].iloc[0]
        raise DataError(f"{where}: series {series_id!r} has an unparsable {column} {bad!r}.")
    return dates


def parse_alfred_observations(
    payload: Mapping[str, Any] | list, series_id: str, where: str = "ALFRED"
) -> pd.DataFrame:
    """Parse ``fred/series/observations`` JSON (all real-time periods) into a vintage frame (pure).

    Parameters
    ----------
    payload : mapping
        One page, or ``{"observations": [...]}`` with every page's rows.
    series_id : str
    where : str
        For messages.

    Returns
    -------
    DataFrame of shape (n_vintages, 3)
        A vintage frame (:func:`data.cache.check_vintage_frame`):
        ``observed`` = ``date``, ``published`` = ``realtime_start``,
        ``value`` (NaN where ALFRED has ``"."``), sorted by (published, observed).

    Raises
    ------
    DataError
        Naming the series: an error payload, no ``observations`` list, a row
        without ``date``/``realtime_start``/``value``, an unparsable date, a
        non-numeric value, no observation at all, or two different values
        for one (date, realtime_start).

    Examples
    --------
    >>> page = {"count": 2, "observations": [
    ...     {"realtime_start": "2020-02-13", "realtime_end": "2020-03-11",
    ...      "date": "2020-01-01", "value": "15434.5"},
    ...     {"realtime_start": "2020-03-12", "realtime_end": "9999-12-31",
    ...      "date": "2020-01-01", "value": "15451.9"}]}
    >>> parse_alfred_observations(page, "M2SL")["value"].tolist()
    [15434.5, 15451.9]
    """
    if isinstance(payload, Mapping) and "error_message" in payload:
        raise DataError(
            f"{where}: FRED answered with an error for series {series_id!r}: "
            f"{payload.get('error_message')}"
        )
    rows = payload.get("observations") if isinstance(payload, Mapping) else None
    if not isinstance(rows, list):
        raise DataError(
            f"{where}: malformed ALFRED payload for series {series_id!r}: expected a JSON object "
            "with an `observations` list (fred/series/observations, file_type=json)."
        )
    if not rows:
        raise DataError(
            f"{where}: ALFRED has no observations of series {series_id!r} in the requested "
            "range. Check the id at https://alfred.stlouisfed.org/ and the dates in "
            "`data.start`/`data.end`."
        )
    needed = ("date", "realtime_start", "value")
    for number, row in enumerate(rows):
        if not isinstance(row, Mapping) or any(k not in row for k in needed):
            raise DataError(
                f"{where}: malformed ALFRED payload for series {series_id!r}: observation "
                f"{number} is {str(row)[:80]!r}; every observation needs "
                "`date`, `realtime_start` and `value`."
            )
    table = pd.DataFrame([{k: row[k] for k in needed} for row in rows])
    observed = _alfred_dates(table["date"], "date", series_id, where)
    published = _alfred_dates(table["realtime_start"], "realtime_start", series_id, where)
    raw = table["value"].astype(str).str.strip()
    missing = raw.isin([".", ""])
    values = pd.to_numeric(raw.where(~missing), errors="coerce")
    bad = values.isna() & ~missing
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{where}: series {series_id!r} has a non-numeric value {raw.iloc[row]!r} on "
            f"{table['date'].iloc[row]} (vintage {table['realtime_start'].iloc[row]})."
        )
    frame = pd.DataFrame(
        {"observed": observed, "published": published, "value": values.astype(float)}
    )
    # Pages can overlap when FRED adds a vintage between two requests: the
    # same row twice is harmless, two different values are not.
    frame = frame.drop_duplicates()
    return check_vintage_frame(frame, where=f"{where}: series {series_id!r}")


def _alfred_error(error: HttpError, series_id: str) -> DataError:
    try:
        message = str(json.loads(error.body or "{}").get("error_message", ""))
    except (ValueError, AttributeError):
        message = ""
    if error.status == 404 or "does not exist" in message.lower():
        return DataError(
            f"FRED has no series {series_id!r} (HTTP {error.status}). Check the id at "
            "https://alfred.stlouisfed.org/ and fix `data.series` (or the feature that needs it)."
        )
    if "api_key" in message.lower():
        return DataError(
            f"FRED rejected the API key for series {series_id!r} (HTTP {error.status}: "
            f"{message}). Check {FRED_API_KEY_ENV}: it must be your 32-character key from "
            "https://fredaccount.stlouisfed.org/apikeys."
        )
    return DataError(
        f"FRED refused the ALFRED request for series {series_id!r} (HTTP {error.status}"
        f"{': ' + message if message else ''})."
    )


def fetch_alfred_vintages(
    series_id: str,
    start: str,
    end: str,
    session: HttpSession | None = None,
    api_key: str | None = None,
    page_size: int = MAX_PAGE,
) -> pd.DataFrame:
    """Every ALFRED vintage of the observations of ``series_id`` in ``[start, end]``.

    Parameters
    ----------
    series_id : str
        A FRED id such as ``"M2SL"``.
    start, end : str
        Inclusive ISO observation dates.
    session : HttpSession, optional
        Owns retries, timeouts and redaction; tests inject a fake transport.
    api_key : str, optional
        Default ``$FRED_API_KEY``.
    page_size : int
        Rows per request (``limit``, at most 100000).

    Returns
    -------
    DataFrame of shape (n_vintages, 3)
        As :func:`parse_alfred_observations`.

    Raises
    ------
    DataError
        Naming the series, never the key: no key, an unknown series, a
        rejected key, a malformed or empty payload, exhausted retries.
    """
    key = fred_api_key(api_key, series_id)
    session = session or HttpSession()
    limit = int(min(max(page_size, 1), MAX_PAGE))
    what = f"ALFRED vintages of FRED series {series_id}"
    where = f"{ALFRED_OBSERVATIONS_URL}?series_id={series_id}"
    rows: list = []
    while True:
        params = {
            "series_id": series_id,
            "api_key": key,
            "file_type": "json",
            "realtime_start": REALTIME_FIRST,
            "realtime_end": REALTIME_LAST,
            "observation_start": start,
            "observation_end": end,
            "sort_order": "asc",
            "limit": limit,
            "offset": len(rows),
        }
        try:
            page = session.get_json(ALFRED_OBSERVATIONS_URL, params=params, what=what)
        except HttpError as error:
            if error.status is not None and 400 <= error.status < 500 and error.status != 429:
                raise _alfred_error(error, series_id) from None
            raise
        if not isinstance(page, Mapping) or not isinstance(page.get("observations"), list):
            parse_alfred_observations(page, series_id, where)  # raises the precise error
        observations = page["observations"]
        rows.extend(observations)
        try:
            count = int(page.get("count", len(rows)))
        except (TypeError, ValueError):
            raise DataError(
                f"{where}: malformed ALFRED payload: `count` is {page.get('count')!r}."
            ) from None
        if len(rows) >= count:
            break
        if not observations:
            raise DataError(
                f"{where}: ALFRED announced {count} rows for series {series_id!r} but a page at "
                f"offset {len(rows)} was empty; try again later."
            )
    return parse_alfred_observations({"observations": rows}, series_id, where)


def first_release(frame: pd.DataFrame) -> pd.DataFrame:
    """Per observation date, the earliest vintage that has a value (pure).

    Parameters
    ----------
    frame : DataFrame of shape (n_vintages, 3 + n_provenance)
        A vintage frame.

    Returns
    -------
    DataFrame of shape (n_observed, 3 + n_provenance)
        A vintage frame with one row per ``observed`` that ever had a
        value: its first non-missing vintage, provenance kept; sorted by
        (published, observed).

    Examples
    --------
    >>> frame = pd.DataFrame({"observed": ["2020-01-01"] * 3,
    ...     "published": ["2020-02-13", "2020-03-12", "2021-02-25"],
    ...     "value": [float("nan"), 15451.9, 15384.3]})
    >>> first_release(frame)[["published", "value"]].to_dict("records")
    [{'published': Timestamp('2020-03-12 00:00:00'), 'value': 15451.9}]
    """
    vintages = check_vintage_frame(frame, where="first_release")
    known = vintages.loc[vintages["value"].notna()]
    first = known.sort_values(["observed", "published"], kind="stable").drop_duplicates(
        "observed", keep="first"
    )
    return first.sort_values(["published", "observed"], kind="stable").reset_index(drop=True)


class FredProvider:
    """Macro provider over FRED (see :class:`data.providers.MacroProvider`).

    Parameters
    ----------
    session : HttpSession, optional
    fetch : callable, optional
        Replaces :func:`fetch_fred_series` (tests).
    api_key : str, optional
        For :meth:`fetch_vintages`; default ``FRED_API_KEY``. Never printed.
    """

    name = "fred"
    #: The cache folder of ALFRED vintage frames (``ParquetCache.get_vintages``).
    vintage_source = "alfred"

    def __init__(
        self,
        session: HttpSession | None = None,
        fetch: Callable[..., pd.Series] | None = None,
        api_key: str | None = None,
    ) -> None:
        self.session = session
        self.fetch = fetch or fetch_fred_series
        self._api_key = api_key

    def __repr__(self) -> str:  # never show the key
        return f"FredProvider(session={self.session!r})"

    def fetch_series(self, series_id: str, start: str, end: str) -> pd.Series:
        if self.fetch is fetch_fred_series:
            return fetch_fred_series(series_id, start, end, session=self.session, use_api=None)
        return self.fetch(series_id, start, end)

    def fetch_vintages(self, series_id: str, start: str, end: str) -> pd.DataFrame:
        """Every ALFRED vintage of ``series_id`` observed in ``[start, end]``.

        See :func:`fetch_alfred_vintages`; reduce with :func:`first_release`.
        """
        return fetch_alfred_vintages(
            series_id, start, end, session=self.session, api_key=self._api_key
        )
