"""Parquet download cache: metadata, atomic writes, corruption, offline and refresh modes."""

import json
import logging

import pandas as pd
import pyarrow.parquet as pq
import pytest

from data import DataError
from data.cache import ParquetCache, default_cache_dir
from data.providers import load_from_providers


def series(name, start="2020-01-01", periods=10, scale=1.0):
    index = pd.date_range(start, periods=periods, freq="D", name="date")
    return pd.Series(scale * (1.0 + pd.RangeIndex(periods).to_numpy()), index=index, name=name)


class CountingFetch:
    def __init__(self, scale=1.0):
        self.calls, self.scale = [], scale

    def __call__(self, missing):
        self.calls.append(list(missing))
        return {s: series(s, scale=self.scale) for s in missing}


def get(cache, fetch, symbols=("DGS10",), start="2020-01-01", end="2020-01-10"):
    return cache.get_many("fred", list(symbols), start, end, fetch)


def test_roundtrip_keeps_values_and_metadata(tmp_path):
    cache, fetch = ParquetCache(tmp_path), CountingFetch()
    first = get(cache, fetch)
    again = get(cache, fetch)
    assert fetch.calls == [["DGS10"]]
    pd.testing.assert_series_equal(first["DGS10"], again["DGS10"], check_freq=False)
    meta = json.loads(pq.read_schema(cache.path("fred", "DGS10")).metadata[b"regime_bt"])
    assert meta["source"] == "fred" and meta["symbol"] == "DGS10"
    assert (meta["requested_start"], meta["requested_end"]) == ("2020-01-01", "2020-01-10")
    assert meta["fetched_at"].endswith("Z") and "pandas" in meta["versions"]


def test_symbols_are_quoted_into_safe_file_names(tmp_path):
    assert ParquetCache(tmp_path).path("yahoo", "^VIX").name == "%5EVIX.parquet"


def test_a_wider_request_refetches(tmp_path):
    cache, fetch = ParquetCache(tmp_path), CountingFetch()
    get(cache, fetch, end="2020-01-05")
    get(cache, fetch, end="2020-01-10")
    assert len(fetch.calls) == 2


def test_atomic_write_survives_a_crash_mid_write(tmp_path, monkeypatch):
    cache = ParquetCache(tmp_path)
    get(cache, CountingFetch())
    path = cache.path("fred", "DGS10")
    before = path.read_bytes()

    def crash(table, destination):
        with open(destination, "wb") as stream:
            stream.write(b"PAR1 half a file")
        raise KeyboardInterrupt  # the process dies mid-write

    monkeypatch.setattr(ParquetCache, "_write_table", staticmethod(crash))
    with pytest.raises(KeyboardInterrupt):
        cache.write("fred", "DGS10", series("DGS10", scale=2.0), "2020-01-01", "2020-01-10")
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["DGS10.parquet"]  # no temp file left


@pytest.mark.parametrize("damage", ["garbage", "truncated", "no_metadata"])
def test_corrupt_entry_is_reported_and_refetched(tmp_path, caplog, damage):
    cache = ParquetCache(tmp_path)
    get(cache, CountingFetch())
    path = cache.path("fred", "DGS10")
    if damage == "garbage":
        path.write_bytes(b"not a parquet file at all")
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    else:
        pq.write_table(pq.read_table(path).replace_schema_metadata({}), path)
    fetch = CountingFetch(scale=3.0)
    with caplog.at_level(logging.WARNING, logger="data.cache"):
        result = get(cache, fetch)
    assert fetch.calls == [["DGS10"]]
    assert result["DGS10"].iloc[0] == 3.0  # the fresh values, never the damaged ones
    assert "corrupt" in caplog.text and str(path) in caplog.text
    assert get(ParquetCache(tmp_path), CountingFetch())["DGS10"].iloc[0] == 3.0


def test_offline_miss_fails_clearly_and_offline_hit_works(tmp_path):
    get(ParquetCache(tmp_path), CountingFetch(), symbols=["DGS10"])
    offline, fetch = ParquetCache(tmp_path, mode="offline"), CountingFetch()
    assert get(offline, fetch, symbols=["DGS10"])["DGS10"].size == 10
    with pytest.raises(DataError, match=r"offline mode.*VIXCLS \(not cached\).*regime-bt fetch"):
        get(offline, fetch, symbols=["DGS10", "VIXCLS"])
    with pytest.raises(DataError, match=r"DGS10 \(cached 2020-01-01..2020-01-10\)"):
        get(offline, fetch, end="2020-02-01")
    assert fetch.calls == []


def test_refresh_refetches_everything(tmp_path):
    get(ParquetCache(tmp_path), CountingFetch())
    fetch = CountingFetch(scale=5.0)
    assert get(ParquetCache(tmp_path, mode="refresh"), fetch)["DGS10"].iloc[0] == 5.0
    assert fetch.calls == [["DGS10"]]


def test_default_cache_dir_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "regime-backtester"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir().parts[-2:] == (".cache", "regime-backtester")


def test_bad_mode_is_rejected(tmp_path):
    with pytest.raises(DataError, match="allowed: use, offline, refresh"):
        ParquetCache(tmp_path, mode="sometimes")


class Prices:
    name = "yahoo"

    def __init__(self):
        self.calls = []

    def fetch_prices(self, tickers, start, end):
        self.calls.append(list(tickers))
        return {t: series(t, start="2019-12-30", periods=15) for t in tickers}


class Macro:
    name = "fred"

    def fetch_series(self, series_id, start, end):
        return series(series_id, start="2019-01-01", periods=400)


def test_providers_through_the_cache_build_market_data(tmp_path):
    prices = Prices()
    market = load_from_providers(prices, Macro(), ["SPY", "BIL"], ["DGS10"], "2020-01-01",
                                 "2020-01-10", cache=ParquetCache(tmp_path))
    assert market.source == "yahoo+fred" and not market.synthetic
    assert list(market.prices.columns) == ["SPY", "BIL"]
    assert market.prices.index[0] == pd.Timestamp("2020-01-01")  # cut to the request
    assert market.description["cache_dir"] == str(tmp_path)
    load_from_providers(prices, Macro(), ["SPY"], ["DGS10"], "2020-01-01", "2020-01-10",
                        cache=ParquetCache(tmp_path, mode="offline"))
    assert prices.calls == [["SPY", "BIL"]]
