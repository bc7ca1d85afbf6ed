"""Parquet download cache: metadata, atomic writes, corruption, offline and refresh modes."""

import json
import logging

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from data import DataError
from data.cache import VINTAGE_COLUMNS, ParquetCache, check_vintage_frame, default_cache_dir
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
    market = load_from_providers(
        prices,
        Macro(),
        ["SPY", "BIL"],
        ["DGS10"],
        "2020-01-01",
        "2020-01-10",
        cache=ParquetCache(tmp_path),
    )
    assert market.source == "yahoo+fred" and not market.synthetic
    assert list(market.prices.columns) == ["SPY", "BIL"]
    assert market.prices.index[0] == pd.Timestamp("2020-01-01")  # cut to the request
    assert market.description["cache_dir"] == str(tmp_path)
    load_from_providers(
        prices,
        Macro(),
        ["SPY"],
        ["DGS10"],
        "2020-01-01",
        "2020-01-10",
        cache=ParquetCache(tmp_path, mode="offline"),
    )
    assert prices.calls == [["SPY", "BIL"]]


# -- vintage frames ------------------------------------------------------------------------


def vintages(scale=1.0):
    """A vintage frame with provenance: two quarters, the first restated once."""
    return pd.DataFrame(
        {
            "observed": pd.to_datetime(["2020-03-31", "2020-06-30", "2020-03-31", "2021-03-31"]),
            "published": pd.to_datetime(["2020-05-01", "2020-08-01", "2020-09-15", "2021-05-01"]),
            "value": [scale * 100.0, scale * 150.0, scale * 110.0, scale * 90.0],
            "period_start": pd.to_datetime(
                ["2020-01-01", "2020-04-01", "2020-01-01", "2021-01-01"]
            ),
            "form": ["10-Q", "10-Q", "10-Q/A", "10-Q"],
        }
    )


class CountingVintages:
    def __init__(self, scale=1.0):
        self.calls, self.scale = [], scale

    def __call__(self, missing):
        self.calls.append(list(missing))
        return {s: vintages(self.scale) for s in missing}


def get_vintages(cache, fetch, symbols=("AMZN.capex",), start="2020-01-01", end="2020-12-31"):
    return cache.get_vintages("sec", list(symbols), start, end, fetch)


def test_vintage_roundtrip_keeps_columns_dtypes_order_and_metadata(tmp_path):
    cache, fetch = ParquetCache(tmp_path), CountingVintages()
    first = get_vintages(cache, fetch)["AMZN.capex"]
    again = get_vintages(cache, fetch)["AMZN.capex"]
    assert fetch.calls == [["AMZN.capex"]]
    pd.testing.assert_frame_equal(first, again)
    assert list(first.columns) == [*VINTAGE_COLUMNS, "period_start", "form"]
    assert first["published"].is_monotonic_increasing
    assert str(first["observed"].dtype) == str(first["period_start"].dtype) == "datetime64[ns]"
    # Cut on the observation dates; the 2020-Q1 restatement stays, 2021 is outside.
    assert first["value"].tolist() == [100.0, 150.0, 110.0]
    meta = json.loads(
        pq.read_schema(cache.vintages_path("sec", "AMZN.capex")).metadata[b"regime_bt"]
    )
    assert meta["kind"] == "vintages" and meta["rows"] == 4
    assert meta["columns"] == ["observed", "published", "value", "period_start", "form"]
    assert set(meta) == {
        "source",
        "symbol",
        "requested_start",
        "requested_end",
        "fetched_at",
        "rows",
        "versions",
        "kind",
        "columns",
    }


def test_series_and_vintages_of_one_symbol_do_not_collide(tmp_path):
    cache = ParquetCache(tmp_path)
    cache.get_many("alfred", ["M2SL"], "2020-01-01", "2020-01-10", CountingFetch())
    cache.get_vintages("alfred", ["M2SL"], "2020-01-01", "2020-12-31", CountingVintages())
    assert cache.read("alfred", "M2SL") is not None
    assert cache.read_vintages("alfred", "M2SL") is not None
    assert sorted(p.name for p in (tmp_path / "alfred").iterdir()) == [
        "M2SL.parquet",
        "M2SL.vintages.parquet",
    ]


def _rewrite(path, transform):
    table = pq.read_table(path)
    frame = transform(table.to_pandas())
    rebuilt = pa.Table.from_pandas(frame, preserve_index=False)
    meta = json.loads(table.schema.metadata[b"regime_bt"])
    meta["rows"] = len(frame)
    pq.write_table(rebuilt.replace_schema_metadata({b"regime_bt": json.dumps(meta).encode()}), path)


@pytest.mark.parametrize(
    "damage",
    [
        "garbage",
        "truncated",
        "no_metadata",
        "wrong_columns",
        "unsorted",
        "duplicate",
        "series_kind",
    ],
)
def test_corrupt_vintage_entry_is_reported_deleted_and_refetched(tmp_path, caplog, damage):
    cache = ParquetCache(tmp_path)
    get_vintages(cache, CountingVintages())
    path = cache.vintages_path("sec", "AMZN.capex")
    if damage == "garbage":
        path.write_bytes(b"not a parquet file at all")
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    elif damage == "no_metadata":
        pq.write_table(pq.read_table(path).replace_schema_metadata({}), path)
    elif damage == "wrong_columns":
        _rewrite(path, lambda frame: frame.drop(columns=["form"]))
    elif damage == "unsorted":
        _rewrite(path, lambda frame: frame.iloc[::-1])
    elif damage == "duplicate":
        _rewrite(
            path,
            lambda frame: pd.concat([frame, frame.iloc[[0]]]).sort_values(
                ["published", "observed"]
            ),
        )
    else:
        table = pq.read_table(path)
        meta = json.loads(table.schema.metadata[b"regime_bt"])
        meta["kind"] = "series"
        pq.write_table(
            table.replace_schema_metadata({b"regime_bt": json.dumps(meta).encode()}), path
        )
    fetch = CountingVintages(scale=3.0)
    with caplog.at_level(logging.WARNING, logger="data.cache"):
        result = get_vintages(cache, fetch)["AMZN.capex"]
    assert fetch.calls == [["AMZN.capex"]]
    assert result["value"].iloc[0] == 300.0  # fresh, never the damaged entry
    assert "corrupt" in caplog.text and str(path) in caplog.text


def test_vintages_offline_refresh_and_range_rules_match_the_series_path(tmp_path):
    get_vintages(ParquetCache(tmp_path), CountingVintages())
    offline, fetch = ParquetCache(tmp_path, mode="offline"), CountingVintages()
    assert len(get_vintages(offline, fetch)["AMZN.capex"]) == 3
    with pytest.raises(DataError, match=r"offline mode.*MSFT.capex \(not cached\)"):
        get_vintages(offline, fetch, symbols=["AMZN.capex", "MSFT.capex"])
    with pytest.raises(DataError, match=r"AMZN.capex \(cached 2020-01-01..2020-12-31\)"):
        get_vintages(offline, fetch, end="2021-12-31")
    assert fetch.calls == []
    fresh = CountingVintages(scale=5.0)
    assert (
        get_vintages(ParquetCache(tmp_path, mode="refresh"), fresh)["AMZN.capex"]["value"].iloc[0]
        == 500.0
    )
    assert fresh.calls == [["AMZN.capex"]]


def test_a_crash_mid_vintage_write_keeps_the_previous_entry(tmp_path, monkeypatch):
    cache = ParquetCache(tmp_path)
    get_vintages(cache, CountingVintages())
    path = cache.vintages_path("sec", "AMZN.capex")
    before = path.read_bytes()

    def crash(table, destination):
        with open(destination, "wb") as stream:
            stream.write(b"PAR1 half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr(ParquetCache, "_write_table", staticmethod(crash))
    with pytest.raises(KeyboardInterrupt):
        cache.write_vintages("sec", "AMZN.capex", vintages(2.0), "2020-01-01", "2020-12-31")
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_an_unwritable_cache_still_returns_the_fetched_vintages(tmp_path, monkeypatch, caplog):
    def full(table, destination):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ParquetCache, "_write_table", staticmethod(full))
    with caplog.at_level(logging.WARNING, logger="data.cache"):
        result = get_vintages(ParquetCache(tmp_path), CountingVintages())
    assert len(result["AMZN.capex"]) == 3 and "cannot write the cache entry" in caplog.text
    assert not list(tmp_path.rglob("*.parquet")) and not list(tmp_path.rglob("*.tmp"))


def test_a_fetch_that_returns_no_vintage_frame_is_refused_before_caching(tmp_path):
    cache = ParquetCache(tmp_path)
    with pytest.raises(DataError, match="sec AMZN.capex: a vintage frame needs columns"):
        get_vintages(cache, lambda missing: {s: pd.DataFrame({"value": [1.0]}) for s in missing})
    assert not list(tmp_path.rglob("*.parquet"))


@pytest.mark.parametrize(
    "frame, fragment",
    [
        (pd.DataFrame({"observed": ["2020-01-01"], "value": [1.0]}), "missing published"),
        (
            pd.DataFrame({"observed": ["2020-01-01"], "published": [None], "value": [1.0]}),
            "'published' has a missing date",
        ),
        (
            pd.DataFrame({"observed": ["soon"], "published": ["2020-02-01"], "value": [1.0]}),
            "'observed' has an unparsable date",
        ),
        (
            pd.DataFrame({"observed": ["2020-01-01"], "published": ["2020-02-01"], "value": ["x"]}),
            "'value' is not numeric",
        ),
    ],
)
def test_check_vintage_frame_names_the_problem(frame, fragment):
    with pytest.raises(DataError, match="M2SL") as error:
        check_vintage_frame(frame, where="M2SL")
    assert fragment in str(error.value)


def test_check_vintage_frame_does_not_change_its_input():
    frame = vintages().iloc[::-1]
    before = frame.copy()
    checked = check_vintage_frame(frame)
    pd.testing.assert_frame_equal(frame, before)
    assert checked["published"].is_monotonic_increasing and checked.index.tolist() == [0, 1, 2, 3]
