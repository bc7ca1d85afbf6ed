"""csv source: yfinance/FRED export formats, clear errors, and the real curated snapshot."""

import numpy as np
import pandas as pd
import pytest

from data import DataError, load_market_data
from data.csv_source import (
    format_fred_csv,
    format_price_csv,
    parse_price_csv,
    read_fred_file,
    read_price_file,
)

#: What `yf.download("SPY").to_csv()` writes in yfinance >= 0.2.51 (three header rows).
YF_EXPORT = (
    "Price,Close,High,Low,Open,Volume\n"
    "Ticker,SPY,SPY,SPY,SPY,SPY\n"
    "Date,,,,,\n"
    "2024-01-02,472.6,473.6,470.4,472.1,123\n"
    "2024-01-03,468.8,471.1,468.2,470.4,456\n"
)


def test_adj_close_preferred_other_columns_ignored():
    text = "Date,Open,Close,Adj Close,Volume\n2024-01-03,1,10,9.5,7\n2024-01-02,1,9,8.5,7\n"
    series = parse_price_csv(text, "X")
    assert series.tolist() == [8.5, 9.5]  # sorted by date
    assert series.index.name == "date" and series.name == "X"


def test_close_only_and_yfinance_multiindex_header():
    assert parse_price_csv("Date,Close\n2024-01-02,3\n", "X").tolist() == [3.0]
    assert parse_price_csv(YF_EXPORT, "SPY").tolist() == [472.6, 468.8]


def test_datetime_stamps_and_empty_rows():
    text = "Date,Adj Close\n2024-01-02 00:00:00-05:00,3\n2024-01-03,\n"
    series = parse_price_csv(text, "X")
    assert series.index.tolist() == [pd.Timestamp("2024-01-02")]


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("", "is empty"),
        ("Day,Price\n2024-01-02,1\n", "needs a `Date` column"),
        ("Date,Close\nyesterday,1\n", "unparsable date"),
        ("Date,Close\n2024-01-02,abc\n", "non-numeric price"),
        ("Date,Close\n2024-01-02,1\n2024-01-02,2\n", "duplicate date 2024-01-02.*lines 2, 3"),
        ("Date,Close\n2024-01-02,-1\n", "non-positive"),
    ],
)
def test_bad_price_files(text, fragment):
    with pytest.raises(DataError, match=fragment):
        parse_price_csv(text, "X", "prices/X.csv")


def test_missing_file_lists_what_is_there(tmp_path):
    (tmp_path / "SPY.csv").write_text("Date,Close\n2024-01-02,1\n")
    with pytest.raises(DataError, match=r"no price file for 'QQQ'.*The folder has: SPY"):
        read_price_file(tmp_path, "QQQ")
    with pytest.raises(DataError, match=r"folder .* does not exist.*data.fred_dir"):
        read_fred_file(tmp_path / "nope", "DGS10")


def test_format_roundtrip(tmp_path):
    index = pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-04"])
    prices = pd.Series([1.0, 0.1 + 0.2, 3.0], index=index)
    (tmp_path / "A.csv").write_text(format_price_csv(prices))
    pd.testing.assert_series_equal(
        read_price_file(tmp_path, "A"),
        prices.rename("A"),
        check_index_type=False,
        check_names=False,
    )
    macro = pd.Series([1.5, np.nan, 2.0], index=index)
    (tmp_path / "M.csv").write_text(format_fred_csv(macro, "M"))
    assert read_fred_file(tmp_path, "M").isna().tolist() == [False, True, False]


def test_csv_source_builds_market_data(tmp_path):
    prices_dir, fred_dir = tmp_path / "prices", tmp_path / "fred"
    prices_dir.mkdir(), fred_dir.mkdir()
    (prices_dir / "SPY.csv").write_text("Date,Adj Close\n2024-01-02,1\n2024-01-03,2\n")
    (prices_dir / "BTC-USD.csv").write_text("Date,Close\n2024-01-01,5\n2024-01-02,6\n")
    (fred_dir / "DGS10.csv").write_text("DATE,DGS10\n2024-01-01,.\n2024-01-02,3.9\n")
    market = load_market_data(
        "csv",
        prices_dir=str(prices_dir),
        fred_dir=str(fred_dir),
        tickers=["SPY", "BTC-USD"],
        series=["DGS10"],
        start="2024-01-01",
        end="2024-01-03",
    )
    assert market.source == "csv" and market.synthetic is False
    assert market.prices.index.tolist() == list(pd.date_range("2024-01-01", "2024-01-03"))
    assert np.isnan(market.prices.loc["2024-01-01", "SPY"])  # union calendar, nothing filled
    assert market.macro["DGS10"].isna().tolist() == [True, False]
    assert market.description["prices_dir"] == str(prices_dir)


def test_csv_source_needs_its_folders():
    with pytest.raises(DataError, match="needs `data.prices_dir`"):
        load_market_data("csv", tickers=["SPY"], series=[], start="2024-01-01", end="2024-02-01")


def test_real_snapshot_loads(real_data_dir):
    market = load_market_data(
        "csv",
        prices_dir=str(real_data_dir / "prices"),
        fred_dir=str(real_data_dir / "fred"),
        tickers=["SPY", "BIL", "SNDK", "BTC-USD"],
        series=["WTREGEN", "RRPONTSYD"],
        start="2007-06-01",
        end="2026-07-31",
    )
    first = market.prices.apply(pd.Series.first_valid_index)
    assert first["BIL"] == pd.Timestamp("2007-05-30")
    assert first["SNDK"] == pd.Timestamp("2025-02-13")  # late listing kept late
    assert (
        market.prices["BTC-USD"].notna().sum()
        > market.prices["SPY"].loc["2014-09-17":].notna().sum()
    )
    assert market.macro["WTREGEN"].loc["2025-11-26":"2025-12-31"].isna().all()
