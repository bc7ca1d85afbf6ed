"""Bring-your-own data: folders of per-ticker and per-series CSV files.

Formats (the ones yfinance and FRED export, and what ``regime-bt snapshot``
writes):

``prices/<TICKER>.csv``
    ``Date`` plus ``Adj Close`` (preferred) or ``Close``; other columns are
    ignored. yfinance's three-row MultiIndex header (``Price,...`` /
    ``Ticker,...`` / ``Date,,...``) is accepted too. Empty values are
    missing; rows are sorted by date.
``fred/<SERIES>.csv``
    ``observation_date`` (or ``DATE``) plus the series column; an empty field
    or ``"."`` means missing (see :func:`data.fred.parse_fred_csv`).

The folders are read lazily, one file per requested ticker or series, so a
folder may hold more files than a run needs.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from data.base import DataError
from data.fred import parse_fred_csv

__all__ = [
    "CsvFolderProvider",
    "format_fred_csv",
    "format_price_csv",
    "parse_price_csv",
    "parse_series_csv",
    "read_fred_file",
    "read_price_file",
    "read_series_file",
]

PRICE_COLUMNS = ("Adj Close", "Close")


def _undo_multiindex_header(text: str) -> str:
    lines = text.splitlines()
    if (
        len(lines) >= 3
        and lines[0].startswith("Price,")
        and lines[1].startswith("Ticker,")
        and lines[2].split(",", 1)[0] == "Date"
    ):
        header = "Date," + lines[0].split(",", 1)[1]
        return "\n".join([header, *lines[3:]])
    return text


def parse_price_csv(text: str, ticker: str, where: str = "") -> pd.Series:
    """Parse a yfinance-format price CSV (pure).

    Parameters
    ----------
    text : str
    ticker : str
        Name of the returned Series.
    where : str
        File path for messages.

    Returns
    -------
    Series
        Adjusted closes (``Adj Close`` if present, else ``Close``), float,
        indexed by a sorted unique ``DatetimeIndex`` named ``"date"``; rows
        with no price are dropped.

    Examples
    --------
    >>> parse_price_csv("Date,Close,Adj Close\\n2024-01-02,10,9.5\\n", "X").tolist()
    [9.5]
    """
    where = where or ticker
    text = _undo_multiindex_header(text.strip().lstrip("\ufeff"))
    if not text:
        raise DataError(f"{where}: the price file for {ticker!r} is empty.")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise DataError(f"{where}: malformed price CSV for {ticker!r}: {error}") from None
    columns = {c.strip(): c for c in frame.columns}
    column = next((columns[c] for c in PRICE_COLUMNS if c in columns), None)
    if "Date" not in columns or column is None:
        raise DataError(
            f"{where}: a price file needs a `Date` column and an `Adj Close` or `Close` "
            f"column (yfinance export format); got {', '.join(map(str, frame.columns))}."
        )
    stamps = frame[columns["Date"]].str.strip()
    # The local date of each stamp (a time or UTC offset after it is ignored);
    # a date cut short ("2024-01-1") is an error, not another day.
    stamps = stamps.where(stamps.str.match(r"\d{4}-\d{2}-\d{2}(?:$|[ T])")).str[:10]
    dates = pd.to_datetime(stamps, format="%Y-%m-%d", errors="coerce")
    if dates.isna().any():
        row = int(np.flatnonzero(dates.isna().to_numpy())[0])
        bad = frame[columns["Date"]].iloc[row]
        raise DataError(
            f"{where}: unparsable date {bad!r} on line {row + 2} of the price file "
            f"for {ticker!r} (expected YYYY-MM-DD)."
        )
    raw = frame[column].str.strip().replace({".": "", "null": "", "NaN": "", "nan": ""})
    values = pd.to_numeric(raw.where(raw != ""), errors="coerce")
    bad_values = (values.isna() & (raw != "")).to_numpy()
    if bad_values.any():
        row = int(np.flatnonzero(bad_values)[0])
        raise DataError(
            f"{where}: non-numeric price {raw.iloc[row]!r} for {ticker!r} on "
            f"{dates.iloc[row]:%Y-%m-%d} (line {row + 2}). Leave the cell empty for "
            "a missing price."
        )
    duplicated = dates.duplicated(keep=False).to_numpy()
    if duplicated.any():
        row = int(np.flatnonzero(duplicated)[0])
        raise DataError(
            f"{where}: duplicate date {dates.iloc[row]:%Y-%m-%d} in the price file "
            f"for {ticker!r} (lines "
            + ", ".join(str(int(r) + 2) for r in np.flatnonzero(dates == dates.iloc[row]))
            + "). Keep one row per date."
        )
    not_positive = (values <= 0).to_numpy()
    if not_positive.any():
        row = int(np.flatnonzero(not_positive)[0])
        raise DataError(
            f"{where}: non-positive price {values.iloc[row]:g} for {ticker!r} on "
            f"{dates.iloc[row]:%Y-%m-%d} (line {row + 2}); prices must be > 0."
        )
    series = pd.Series(
        values.to_numpy(dtype=float), index=pd.DatetimeIndex(dates, name="date"), name=ticker
    ).sort_index()
    return series.dropna()


def _read(path: Path, kind: str, name: str, folder_key: str) -> str:
    folder = path.parent
    if path.is_dir():
        raise DataError(
            f"{path} is a directory, not a {kind} file for {name!r}. Replace it "
            f"with the CSV file, or fix `data.{folder_key}`."
        )
    if not folder.is_dir():
        raise DataError(
            f"the {kind} folder {folder} does not exist. Set `data.{folder_key}` (relative to "
            f"the config file) or pass --set data.{folder_key}=PATH (relative to the current "
            "directory)."
        )
    if not path.is_file():
        available = sorted(p.stem for p in folder.glob("*.csv"))
        shown = ", ".join(available[:40]) + (" ..." if len(available) > 40 else "")
        raise DataError(
            f"no {kind} file for {name!r}: {path} does not exist. The folder has: "
            f"{shown or 'no CSV files'}. Add {path.name} (e.g. with `regime-bt snapshot`) "
            "or remove it from the config."
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(f"{path} cannot be read: {error}.") from None
    if not text.lstrip("\ufeff").strip():  # a byte-order mark alone is still an empty file
        raise DataError(
            f"the {kind} file {path} for {name!r} is empty. Write the data into it "
            "(e.g. with `regime-bt snapshot`), or remove it from the config."
        )
    return text


def read_price_file(folder: str | Path, ticker: str) -> pd.Series:
    """Read ``folder/<ticker>.csv`` (see :func:`parse_price_csv`)."""
    path = Path(folder) / f"{ticker}.csv"
    return parse_price_csv(_read(path, "price", ticker, "prices_dir"), ticker, str(path))


def read_fred_file(folder: str | Path, series_id: str) -> pd.Series | pd.DataFrame:
    """Read ``folder/<series_id>.csv``.

    FRED's format (:func:`data.fred.parse_fred_csv`); a file with a
    ``published`` column (a snapshot of a series whose rows carry their own
    publication dates) is read by :func:`parse_series_csv` into a vintage frame.
    """
    path = Path(folder) / f"{series_id}.csv"
    text = _read(path, "FRED", series_id, "fred_dir")
    header = text.lstrip("\ufeff").split("\n", 1)[0].lower()
    if "published" in [c.strip() for c in header.split(",")]:
        return parse_series_csv(text, series_id, str(path))
    return parse_fred_csv(text, series_id, str(path))


#: Date column names a series CSV may use.
SERIES_DATE_COLUMNS = ("date", "observation_date", "DATE", "Date")


def parse_series_csv(text: str, series_id: str, where: str = "") -> pd.Series | pd.DataFrame:
    """Parse a user series CSV: ``date,value`` with an optional per-row ``published`` date (pure).

    Parameters
    ----------
    text : str
    series_id : str
        The value column may be named ``value`` or the series id.
    where : str
        The file path, for messages.

    Returns
    -------
    Series or DataFrame
        Without ``published``: float values indexed by date (NaN for empty
        cells). With it: a vintage frame (``observed``, ``published``,
        ``value``; see :mod:`data.series`); a row may repeat a date with a
        later ``published`` date (a revision).

    Raises
    ------
    DataError
        Naming the file, the line and the fix.

    Examples
    --------
    >>> parse_series_csv("date,value,published\\n2024-03-31,1.5,2024-05-01\\n", "x").shape
    (1, 3)
    """
    where = where or series_id
    frame = _read_frame(text, where, series_id)
    names = {c.strip(): c for c in frame.columns}
    date_column = next((names[c] for c in SERIES_DATE_COLUMNS if c in names), None)
    value_column = next((names[c] for c in ("value", series_id) if c in names), None)
    if date_column is None or value_column is None:
        raise DataError(
            f"{where}: a series file needs a `date` and a `value` column (optional "
            f"`published`); got {', '.join(map(str, frame.columns))}."
        )
    dates = _dates(frame[date_column], where, "date")
    raw = frame[value_column].str.strip().replace({".": "", "NaN": "", "nan": "", "null": ""})
    values = pd.to_numeric(raw.where(raw != ""), errors="coerce")
    bad = (values.isna() & (raw != "")).to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{where}: non-numeric value {raw.iloc[row]!r} on "
            f"{dates.iloc[row]:%Y-%m-%d} (line {row + 2})."
        )
    if "published" not in names:
        if dates.duplicated().any():
            row = int(np.flatnonzero(dates.duplicated().to_numpy())[0])
            raise DataError(
                f"{where}: duplicate date {dates.iloc[row]:%Y-%m-%d} (line "
                f"{row + 2}); give a `published` column to record revisions."
            )
        return pd.Series(
            values.to_numpy(dtype=float), index=pd.DatetimeIndex(dates, name="date"), name=series_id
        ).sort_index()
    published = _dates(frame[names["published"]], where, "published")
    early = (published < dates).to_numpy()
    if early.any():
        row = int(np.flatnonzero(early)[0])
        raise DataError(
            f"{where}: line {row + 2} is published on {published.iloc[row]:%Y-%m-%d}, "
            f"before its date {dates.iloc[row]:%Y-%m-%d}; a value cannot be known "
            "before it is observed."
        )
    vintage = pd.DataFrame(
        {
            "observed": dates.to_numpy(),
            "published": published.to_numpy(),
            "value": values.to_numpy(dtype=float),
        }
    )
    if vintage.duplicated(["observed", "published"]).any():
        row = int(np.flatnonzero(vintage.duplicated(["observed", "published"]).to_numpy())[0])
        raise DataError(
            f"{where}: line {row + 2} repeats date {dates.iloc[row]:%Y-%m-%d} with "
            "the same published date."
        )
    return vintage.sort_values(["published", "observed"], kind="stable").reset_index(drop=True)


def _read_frame(text: str, where: str, name: str) -> pd.DataFrame:
    text = text.strip().lstrip("\ufeff")
    if not text:
        raise DataError(f"{where}: the file for {name!r} is empty.")
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise DataError(f"{where}: malformed CSV for {name!r}: {error}") from None


def _dates(column: pd.Series, where: str, what: str) -> pd.Series:
    stamps = column.str.strip()
    dates = pd.to_datetime(
        stamps.where(stamps.str.fullmatch(r"\d{4}-\d{2}-\d{2}")), format="%Y-%m-%d", errors="coerce"
    )
    if dates.isna().any():
        row = int(np.flatnonzero(dates.isna().to_numpy())[0])
        raise DataError(
            f"{where}: unparsable {what} {column.iloc[row]!r} on line {row + 2} "
            "(expected YYYY-MM-DD)."
        )
    return dates


def read_series_file(path: str | Path, series_id: str) -> pd.Series | pd.DataFrame:
    """Read a user series CSV (``[series.<ID>] path``; see :func:`parse_series_csv`)."""
    path = Path(path)
    if path.is_dir():
        raise DataError(
            f"series {series_id}: {path} is a directory, not a CSV file. Fix "
            f"[series.{series_id}] path."
        )
    if not path.is_file():
        raise DataError(
            f"series {series_id}: the file {path} does not exist. Fix "
            f"[series.{series_id}] path (relative to the config file)."
        )
    return parse_series_csv(_read(path, "series", series_id, "fred_dir"), series_id, str(path))


def _number(value: float) -> str:
    return "" if pd.isna(value) else repr(float(value))


def format_price_csv(series: pd.Series) -> str:
    """A price Series as ``Date,Adj Close`` CSV text (inverse of :func:`parse_price_csv`)."""
    lines = ["Date,Adj Close"]
    lines += [f"{d:%Y-%m-%d},{_number(v)}" for d, v in series.dropna().items()]
    return "\n".join(lines) + "\n"


def format_fred_csv(series: pd.Series | pd.DataFrame, series_id: str) -> str:
    """A macro Series as FRED CSV text, empty fields for missing values.

    A vintage frame is written with a third ``published`` column (read back
    by :func:`read_fred_file`).
    """
    if isinstance(series, pd.DataFrame):
        lines = [f"observation_date,{series_id},published"]
        lines += [
            f"{o:%Y-%m-%d},{_number(v)},{p:%Y-%m-%d}"
            for o, p, v in series[["observed", "published", "value"]].itertuples(index=False)
        ]
        return "\n".join(lines) + "\n"
    lines = [f"observation_date,{series_id}"]
    lines += [f"{d:%Y-%m-%d},{_number(v)}" for d, v in series.items()]
    return "\n".join(lines) + "\n"


class CsvFolderProvider:
    """Price and macro provider over two folders (see :mod:`data.providers`).

    Parameters
    ----------
    prices_dir, fred_dir : str or Path
    """

    name = "csv"

    def __init__(self, prices_dir: str | Path, fred_dir: str | Path) -> None:
        self.prices_dir = Path(prices_dir)
        self.fred_dir = Path(fred_dir)

    def fetch_prices(self, tickers: Sequence[str], start: str, end: str) -> dict[str, pd.Series]:
        return {t: read_price_file(self.prices_dir, t) for t in tickers}

    def fetch_series(self, series_id: str, start: str, end: str) -> pd.Series | pd.DataFrame:
        return read_fred_file(self.fred_dir, series_id)

    def describe(self) -> Mapping[str, str]:
        return {"prices_dir": str(self.prices_dir), "fred_dir": str(self.fred_dir)}
