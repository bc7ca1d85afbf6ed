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
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable

import numpy as np
import pandas as pd

from data.base import DataError
from data.http import HttpError, HttpSession

__all__ = ["FRED_CSV_URL", "FredProvider", "fetch_fred_series", "parse_fred_csv"]

FRED_CSV_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv"
DATE_COLUMNS = ("observation_date", "DATE", "date")


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
    >>> parse_fred_csv("observation_date,DGS10\\n2024-01-02,3.95\\n2024-01-03,.\\n", "DGS10").tolist()
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
    dates = pd.to_datetime(stamps.where(stamps.str.fullmatch(r"\d{4}-\d{2}-\d{2}")),
                           format="%Y-%m-%d", errors="coerce")
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
    series = pd.Series(numbers.to_numpy(dtype=float), index=pd.DatetimeIndex(dates, name="date"),
                       name=series_id)
    if series.index.has_duplicates:
        raise DataError(f"{where}: series {series_id!r} has duplicate dates.")
    return series.sort_index()


def _fetch_with_fredapi(series_id: str, start: str, end: str) -> pd.Series:
    from fredapi import Fred  # optional, only when installed

    values = Fred(api_key=os.environ["FRED_API_KEY"]).get_series(
        series_id, observation_start=start, observation_end=end
    )
    values.index = pd.DatetimeIndex(values.index, name="date")
    return values.astype(float).rename(series_id)


def _fredapi_available() -> bool:
    if not os.environ.get("FRED_API_KEY"):
        return False
    try:
        import fredapi  # noqa: F401
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
    return series.loc[pd.Timestamp(start):pd.Timestamp(end)]


class FredProvider:
    """Macro provider over FRED (see :class:`data.providers.MacroProvider`).

    Parameters
    ----------
    session : HttpSession, optional
    fetch : callable, optional
        Replaces :func:`fetch_fred_series` (tests).
    """

    name = "fred"

    def __init__(
        self,
        session: HttpSession | None = None,
        fetch: Callable[..., pd.Series] | None = None,
    ) -> None:
        self.session = session
        self.fetch = fetch or fetch_fred_series

    def fetch_series(self, series_id: str, start: str, end: str) -> pd.Series:
        if self.fetch is fetch_fred_series:
            return fetch_fred_series(series_id, start, end, session=self.session, use_api=None)
        return self.fetch(series_id, start, end)
