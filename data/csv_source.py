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

import pandas as pd

from data.base import DataError
from data.fred import parse_fred_csv

__all__ = [
    "CsvFolderProvider",
    "format_fred_csv",
    "format_price_csv",
    "parse_price_csv",
    "read_fred_file",
    "read_price_file",
]

PRICE_COLUMNS = ("Adj Close", "Close")


def _undo_multiindex_header(text: str) -> str:
    lines = text.splitlines()
    if (len(lines) >= 3 and lines[0].startswith("Price,") and lines[1].startswith("Ticker,")
            and lines[2].split(",", 1)[0] == "Date"):
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
        bad = frame[columns["Date"]][dates.isna()].iloc[0]
        raise DataError(f"{where}: unparsable date {bad!r} in the price file for {ticker!r}.")
    raw = frame[column].str.strip().replace({".": "", "null": "", "NaN": "", "nan": ""})
    values = pd.to_numeric(raw.where(raw != ""), errors="coerce")
    if (values.isna() & (raw != "")).any():
        bad = raw[values.isna() & (raw != "")].iloc[0]
        raise DataError(f"{where}: non-numeric price {bad!r} for {ticker!r}.")
    series = pd.Series(values.to_numpy(dtype=float), index=pd.DatetimeIndex(dates, name="date"),
                       name=ticker).sort_index()
    if series.index.has_duplicates:
        raise DataError(f"{where}: duplicate dates in the price file for {ticker!r}.")
    if (series <= 0).any():
        raise DataError(f"{where}: non-positive prices in the file for {ticker!r}.")
    return series.dropna()


def _read(path: Path, kind: str, name: str, folder_key: str) -> str:
    folder = path.parent
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
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(f"{path} cannot be read: {error}.") from None


def read_price_file(folder: str | Path, ticker: str) -> pd.Series:
    """Read ``folder/<ticker>.csv`` (see :func:`parse_price_csv`)."""
    path = Path(folder) / f"{ticker}.csv"
    return parse_price_csv(_read(path, "price", ticker, "prices_dir"), ticker, str(path))


def read_fred_file(folder: str | Path, series_id: str) -> pd.Series:
    """Read ``folder/<series_id>.csv`` (see :func:`data.fred.parse_fred_csv`)."""
    path = Path(folder) / f"{series_id}.csv"
    return parse_fred_csv(_read(path, "FRED", series_id, "fred_dir"), series_id, str(path))


def _number(value: float) -> str:
    return "" if pd.isna(value) else repr(float(value))


def format_price_csv(series: pd.Series) -> str:
    """A price Series as ``Date,Adj Close`` CSV text (inverse of :func:`parse_price_csv`)."""
    lines = ["Date,Adj Close"]
    lines += [f"{d:%Y-%m-%d},{_number(v)}" for d, v in series.dropna().items()]
    return "\n".join(lines) + "\n"


def format_fred_csv(series: pd.Series, series_id: str) -> str:
    """A macro Series as FRED CSV text, empty fields for missing values."""
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

    def fetch_series(self, series_id: str, start: str, end: str) -> pd.Series:
        return read_fred_file(self.fred_dir, series_id)

    def describe(self) -> Mapping[str, str]:
        return {"prices_dir": str(self.prices_dir), "fred_dir": str(self.fred_dir)}
