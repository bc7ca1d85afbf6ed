"""yfinance adapter: payloads in yf.download's real shape, an injected download, no network."""

import logging

import numpy as np
import pandas as pd
import pytest
from provider_fakes import SleepRecorder, yf_frame

from data import DataError
from data.http import RetryPolicy
from data.yahoo import YahooProvider, fetch_yahoo_prices, parse_yahoo_closes

DATES = ["2024-01-02", "2024-01-03", "2024-01-04"]
NAN = np.nan


class FakeDownload:
    """A callable with yf.download's signature that replays frames or exceptions."""

    def __init__(self, *script):
        self.script = list(script)
        self.calls = []

    def __call__(self, tickers, start=None, end=None, **kwargs):
        self.calls.append({"tickers": list(tickers), "start": start, "end": end, **kwargs})
        item = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if callable(item) and not isinstance(item, pd.DataFrame):
            item = item(list(tickers))
        if isinstance(item, BaseException):
            raise item
        return item


def fetch(download, tickers, attempts=3, batch_size=20):
    sleep = SleepRecorder()
    result = fetch_yahoo_prices(
        tickers,
        "2024-01-02",
        "2024-01-04",
        download=download,
        batch_size=batch_size,
        policy=RetryPolicy(attempts=attempts, backoff=1.0),
        sleep=sleep,
    )
    return result, sleep


def test_parse_auto_adjusted_close():
    frame = yf_frame({"SPY": [1.0, 2.0, 3.0], "QQQ": [4.0, 5.0, 6.0]}, DATES)
    closes = parse_yahoo_closes(frame, ["SPY", "QQQ"])
    assert list(closes.columns) == ["SPY", "QQQ"]
    assert closes["QQQ"].tolist() == [4.0, 5.0, 6.0] and closes.index.name == "date"


def test_parse_prefers_adj_close_when_not_auto_adjusted():
    frame = yf_frame({"SPY": [1.0, 2.0, 3.0]}, DATES, auto_adjust=False)
    assert parse_yahoo_closes(frame, ["SPY"])["SPY"].tolist() == [1.0, 2.0, 3.0]


def test_parse_group_by_ticker_layout_and_flat_single_ticker():
    frame = yf_frame({"SPY": [1.0, 2.0, 3.0], "IEF": [7.0, 8.0, 9.0]}, DATES, group_by="ticker")
    assert parse_yahoo_closes(frame, ["SPY", "IEF"])["IEF"].tolist() == [7.0, 8.0, 9.0]
    flat = yf_frame({"SPY": [1.0, 2.0, 3.0]}, DATES).droplevel("Ticker", axis=1)
    assert parse_yahoo_closes(flat, ["SPY"])["SPY"].tolist() == [1.0, 2.0, 3.0]


def test_parse_drops_all_nan_columns_and_tz():
    frame = yf_frame({"SPY": [1.0, 2.0, 3.0], "ZZZZ": [NAN, NAN, NAN]}, DATES)
    frame.index = frame.index.tz_localize("America/New_York")
    closes = parse_yahoo_closes(frame, ["SPY", "ZZZZ"])
    assert list(closes.columns) == ["SPY"] and closes.index.tz is None
    assert parse_yahoo_closes(pd.DataFrame(), ["SPY"]).empty
    assert parse_yahoo_closes(None, ["SPY"]).empty


def test_fetch_success_is_inclusive_and_auto_adjusted():
    download = FakeDownload(yf_frame({"SPY": [1.0, 2.0, 3.0], "BTC-USD": [9.0, NAN, 11.0]}, DATES))
    result, sleep = fetch(download, ["SPY", "BTC-USD"])
    assert result["SPY"].tolist() == [1.0, 2.0, 3.0]
    assert result["BTC-USD"].tolist() == [9.0, 11.0]  # only its own dates
    call = download.calls[0]
    assert call["end"] == "2024-01-05"  # yfinance's end is exclusive
    assert call["auto_adjust"] is True and call["progress"] is False
    assert sleep.waits == []


def test_unknown_ticker_is_named_not_dropped():
    download = FakeDownload(yf_frame({"SPY": [1.0, 2.0, 3.0], "NOPE": [NAN, NAN, NAN]}, DATES))
    with pytest.raises(DataError, match="no prices for NOPE.*unknown, delisted or renamed"):
        fetch(download, ["SPY", "NOPE"])
    # Only the missing ticker is asked for again.
    assert [c["tickers"] for c in download.calls] == [["SPY", "NOPE"], ["NOPE"], ["NOPE"]]


def test_all_unknown_gives_an_empty_frame_and_a_clear_error():
    download = FakeDownload(pd.DataFrame())
    with pytest.raises(DataError, match="no prices for FOO, BAR"):
        fetch(download, ["FOO", "BAR"], attempts=2)


def test_partial_failure_inside_a_batch_is_retried():
    first = yf_frame({"SPY": [1.0, 2.0, 3.0], "QQQ": [NAN, NAN, NAN]}, DATES)
    second = yf_frame({"QQQ": [4.0, 5.0, 6.0]}, DATES)
    download = FakeDownload(first, second)
    result, sleep = fetch(download, ["SPY", "QQQ"])
    assert result["QQQ"].tolist() == [4.0, 5.0, 6.0] and sleep.waits == [1.0]


def test_rate_limit_exception_then_success():
    class YFRateLimitError(Exception):
        pass

    download = FakeDownload(
        YFRateLimitError("Too Many Requests. Rate limited."),
        yf_frame({"SPY": [1.0, 2.0, 3.0]}, DATES),
    )
    result, sleep = fetch(download, ["SPY"])
    assert result["SPY"].size == 3 and sleep.waits == [1.0]


def test_timeouts_exhausted_report_the_last_error():
    download = FakeDownload(TimeoutError("timed out after 30 s"))
    with pytest.raises(DataError, match="TimeoutError: timed out after 30 s"):
        fetch(download, ["SPY"], attempts=3)
    assert len(download.calls) == 3


def test_batches():
    download = FakeDownload(lambda tickers: yf_frame({t: [1.0, 2.0, 3.0] for t in tickers}, DATES))
    result, _ = fetch(download, ["A", "B", "C", "D", "E"], batch_size=2)
    assert [c["tickers"] for c in download.calls] == [["A", "B"], ["C", "D"], ["E"]]
    assert sorted(result) == ["A", "B", "C", "D", "E"]


def test_provider_interface():
    download = FakeDownload(yf_frame({"SPY": [1.0, 2.0, 3.0]}, DATES))
    provider = YahooProvider(download=download, sleep=SleepRecorder())
    assert provider.fetch_prices(["SPY"], "2024-01-02", "2024-01-04")["SPY"].size == 3


# -- non-US listings and the one retry loop -------------------------------------------------

#: Korea Exchange sessions around the 2024 Lunar New Year (Feb 9-12 closed), in KRW.
KRX_DATES = ["2024-02-07", "2024-02-08", "2024-02-13", "2024-02-14"]
SAMSUNG = [73000.0, 73100.0, 72800.0, 73300.0]
HYNIX = [155400.0, 157700.0, 157400.0, 160000.0]


def test_korean_tickers_download_like_any_other():
    frame = yf_frame({"005930.KS": SAMSUNG, "000660.KS": HYNIX}, KRX_DATES)
    download = FakeDownload(frame)
    sleep = SleepRecorder()
    result = fetch_yahoo_prices(
        ["005930.KS", "000660.KS"],
        "2024-02-07",
        "2024-02-14",
        download=download,
        policy=RetryPolicy(attempts=2),
        sleep=sleep,
    )
    assert result["005930.KS"].tolist() == SAMSUNG and result["000660.KS"].tolist() == HYNIX
    assert result["000660.KS"].index.strftime("%Y-%m-%d").tolist() == KRX_DATES
    assert download.calls[0]["tickers"] == ["005930.KS", "000660.KS"] and sleep.waits == []


def test_a_seoul_timestamped_index_keeps_the_korean_dates():
    frame = yf_frame({"005930.KS": SAMSUNG}, KRX_DATES)
    frame.index = frame.index.tz_localize(
        "Asia/Seoul"
    )  # midnight in Seoul = 15:00 UTC the day before
    closes = parse_yahoo_closes(frame, ["005930.KS"])
    assert closes.index.strftime("%Y-%m-%d").tolist() == KRX_DATES


def test_korean_and_us_tickers_in_one_batch_keep_their_own_calendars():
    dates = ["2024-02-08", "2024-02-09", "2024-02-12", "2024-02-13"]  # US open Feb 9 and 12
    frame = yf_frame(
        {"SPY": [498.0, 501.0, 500.0, 493.0], "005930.KS": [73100.0, NAN, NAN, 72800.0]}, dates
    )
    result, _ = fetch(FakeDownload(frame), ["SPY", "005930.KS"])
    assert result["005930.KS"].index.strftime("%Y-%m-%d").tolist() == ["2024-02-08", "2024-02-13"]
    assert len(result["SPY"]) == 4


def test_retries_go_through_the_one_loop_of_data_http(monkeypatch, caplog):
    import data.http
    import data.yahoo

    seen = []

    def spy(attempt, policy, sleep, what, *args, **kwargs):
        seen.append(what)
        return data.http.call_with_retries(attempt, policy, sleep, what, *args, **kwargs)

    monkeypatch.setattr(data.yahoo, "call_with_retries", spy)
    download = FakeDownload(
        yf_frame({"SPY": [1.0, 2.0, 3.0], "QQQ": [NAN, NAN, NAN]}, DATES),
        yf_frame({"QQQ": [4.0, 5.0, 6.0]}, DATES),
    )
    with caplog.at_level(logging.WARNING, logger="data.http"):
        result, sleep = fetch(download, ["SPY", "QQQ"])
    assert seen == ["Yahoo Finance download of SPY, QQQ"]
    assert "no prices for QQQ" in caplog.text and "retrying in 1.0 s" in caplog.text
    assert result["QQQ"].tolist() == [4.0, 5.0, 6.0] and sleep.waits == [1.0]


def test_every_missing_ticker_of_every_batch_is_named_with_the_last_error():
    def by_batch(tickers):
        if "C" in tickers:
            return RuntimeError("YFRateLimitError: Too Many Requests")
        return yf_frame({t: [1.0, 2.0, 3.0] if t != "B" else [NAN] * 3 for t in tickers}, DATES)

    download = FakeDownload(by_batch)
    with pytest.raises(DataError) as error:
        fetch(download, ["A", "B", "C", "D"], attempts=2, batch_size=2)
    message = str(error.value)
    assert "no prices for B, C, D" in message
    assert "after 2 attempt(s)" in message and "YFRateLimitError: Too Many Requests" in message
    assert [c["tickers"] for c in download.calls] == [["A", "B"], ["B"], ["C", "D"], ["C", "D"]]


def test_a_frame_in_an_unknown_shape_is_not_retried():
    flat = pd.DataFrame({"Open": [1.0]}, index=pd.to_datetime(["2024-01-02"]))
    download = FakeDownload(flat)
    with pytest.raises(DataError, match="flat columns"):
        fetch(download, ["SPY", "QQQ"])
    assert len(download.calls) == 1
