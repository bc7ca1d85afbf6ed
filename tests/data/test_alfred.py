"""ALFRED vintages: payloads in fred/series/observations' real JSON format, an injected transport.

The M2SL rows below have ALFRED's shape (output_type=1: one row per value
and the real-time period it was current). The numbers are illustrative of
the February 2021 benchmark revision, which lowered the 2020 levels, so the
first release and the latest vintage differ.
"""

import json
import logging
import traceback

import pandas as pd
import pytest
import requests
from provider_fakes import FakeResponse, FakeTransport, SleepRecorder

from data import DataError
from data.cache import ParquetCache
from data.fred import (
    ALFRED_OBSERVATIONS_URL,
    FRED_API_KEY_ENV,
    FredProvider,
    fetch_alfred_vintages,
    first_release,
    parse_alfred_observations,
)
from data.http import HttpError, HttpSession, RetryPolicy

KEY = "0123456789abcdef0123456789abcdef"  # a well-formed, fake FRED key

#: (date, realtime_start, realtime_end, value) for M2SL, billions of dollars.
M2SL_ROWS = [
    ("2020-01-01", "2020-02-13", "2020-03-11", "15434.5"),
    ("2020-01-01", "2020-03-12", "2021-02-24", "15451.9"),
    ("2020-01-01", "2021-02-25", "9999-12-31", "15384.3"),  # benchmark revision
    ("2020-02-01", "2020-03-12", "2021-02-24", "15482.2"),
    ("2020-02-01", "2021-02-25", "9999-12-31", "15434.0"),
    ("2020-03-01", "2020-04-09", "2020-04-15", "."),  # in the release, not yet valued
    ("2020-03-01", "2020-04-16", "2021-02-24", "16090.0"),
    ("2020-03-01", "2021-02-25", "9999-12-31", "16032.9"),
]


def observation(date, realtime_start, realtime_end, value):
    return {
        "realtime_start": realtime_start,
        "realtime_end": realtime_end,
        "date": date,
        "value": value,
    }


def alfred_page(rows, count=None, offset=0, limit=100000, start="2020-01-01", end="2020-03-01"):
    """One page exactly as fred/series/observations returns it with file_type=json."""
    return {
        "realtime_start": "1776-07-04",
        "realtime_end": "9999-12-31",
        "observation_start": start,
        "observation_end": end,
        "units": "lin",
        "output_type": 1,
        "file_type": "json",
        "order_by": "observation_date",
        "sort_order": "asc",
        "count": len(rows) if count is None else count,
        "offset": offset,
        "limit": limit,
        "observations": [observation(*row) for row in rows],
    }


def ok(payload):
    return FakeResponse(200, json.dumps(payload))


def fred_error(message, status=400):
    return FakeResponse(status, json.dumps({"error_code": status, "error_message": message}))


def session(*script, attempts=3):
    transport, sleep = FakeTransport(*script), SleepRecorder()
    http = HttpSession(
        transport=transport, policy=RetryPolicy(attempts=attempts, backoff=2.0), sleep=sleep
    )
    return http, transport, sleep


@pytest.fixture(autouse=True)
def no_key_in_the_environment(monkeypatch):
    monkeypatch.delenv(FRED_API_KEY_ENV, raising=False)


def fetch(http, series_id="M2SL", **kwargs):
    kwargs.setdefault("api_key", KEY)
    return fetch_alfred_vintages(series_id, "2020-01-01", "2020-03-01", session=http, **kwargs)


# -- the pure parser and the reduction ------------------------------------------------------


def test_parser_builds_a_vintage_frame_published_on_realtime_start():
    frame = parse_alfred_observations(alfred_page(M2SL_ROWS), "M2SL")
    assert list(frame.columns) == ["observed", "published", "value"]
    assert str(frame["observed"].dtype) == "datetime64[ns]"
    assert str(frame["published"].dtype) == "datetime64[ns]"
    assert len(frame) == len(M2SL_ROWS)
    ordered = frame.sort_values(["published", "observed"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(frame, ordered)
    first = frame.iloc[0]
    assert (first["observed"], first["published"], first["value"]) == (
        pd.Timestamp("2020-01-01"),
        pd.Timestamp("2020-02-13"),
        15434.5,
    )
    missing = frame.loc[frame["published"] == "2020-04-09", "value"]
    assert missing.isna().all() and len(missing) == 1  # "." is NaN, the row is kept


def test_first_release_and_latest_differ_on_a_benchmark_revision():
    frame = parse_alfred_observations(alfred_page(M2SL_ROWS), "M2SL")
    first = first_release(frame)
    latest = frame.sort_values("published").groupby("observed")["value"].last()
    assert first["value"].tolist() == [15434.5, 15482.2, 16090.0]
    assert latest.tolist() == [15384.3, 15434.0, 16032.9]
    assert first["published"].dt.strftime("%Y-%m-%d").tolist() == [
        "2020-02-13",
        "2020-03-12",
        "2020-04-16",
    ]  # the "." vintage is skipped
    assert (first["published"] > first["observed"]).all()


def test_first_release_is_a_vintage_frame_and_leaves_its_input_alone():
    frame = parse_alfred_observations(alfred_page(M2SL_ROWS), "M2SL")
    before = frame.copy()
    first = first_release(frame)
    pd.testing.assert_frame_equal(frame, before)
    assert list(first.columns) == ["observed", "published", "value"]
    assert first["observed"].is_unique
    # Shuffled input, same answer: the reduction reads dates, not row order.
    shuffled = frame.sample(frac=1.0, random_state=7)
    pd.testing.assert_frame_equal(first_release(shuffled), first)


def test_an_observation_that_never_had_a_value_is_absent_from_the_first_release():
    rows = [*M2SL_ROWS, ("2020-04-01", "2020-05-14", "9999-12-31", ".")]
    first = first_release(parse_alfred_observations(alfred_page(rows), "M2SL"))
    assert pd.Timestamp("2020-04-01") not in set(first["observed"])


@pytest.mark.parametrize(
    "payload, fragment",
    [
        ([], "expected a JSON object with an `observations` list"),
        ({"count": 0}, "expected a JSON object with an `observations` list"),
        ({"observations": "none"}, "expected a JSON object with an `observations` list"),
        ({"observations": []}, "has no observations of series 'M2SL'"),
        (
            {"observations": [{"date": "2020-01-01", "value": "1"}]},
            "needs `date`, `realtime_start`",
        ),
        (
            {"observations": [observation("2020-01-01", "2020-02-13", "9999-12-31", "n/a")]},
            "non-numeric value 'n/a' on 2020-01-01",
        ),
        (
            {"observations": [observation("2020-1-1", "2020-02-13", "9999-12-31", "1.0")]},
            "unparsable date '2020-1-1'",
        ),
        (
            {"observations": [observation("2020-01-01", "20200213", "9999-12-31", "1.0")]},
            "unparsable realtime_start '20200213'",
        ),
        (
            {
                "observations": [
                    observation("2020-01-01", "2020-02-13", "9999-12-31", "1.0"),
                    observation("2020-01-01", "2020-02-13", "9999-12-31", "2.0"),
                ]
            },
            "two vintages of 2020-01-01 published on 2020-02-13",
        ),
        (
            {"error_code": 400, "error_message": "Bad Request.  Something."},
            "FRED answered with an error for series 'M2SL'",
        ),
    ],
)
def test_malformed_payloads_name_the_series(payload, fragment):
    with pytest.raises(DataError, match="M2SL") as error:
        parse_alfred_observations(payload, "M2SL")
    assert fragment in str(error.value)


# -- fetching -------------------------------------------------------------------------------


def test_fetch_asks_for_every_vintage_of_the_requested_observations():
    http, transport, sleep = session(ok(alfred_page(M2SL_ROWS)))
    frame = fetch(http)
    assert len(frame) == len(M2SL_ROWS) and sleep.waits == []
    call = transport.calls[0]
    assert call["url"] == ALFRED_OBSERVATIONS_URL
    assert call["params"] == {
        "series_id": "M2SL",
        "api_key": KEY,
        "file_type": "json",
        "realtime_start": "1776-07-04",
        "realtime_end": "9999-12-31",
        "observation_start": "2020-01-01",
        "observation_end": "2020-03-01",
        "sort_order": "asc",
        "limit": 100000,
        "offset": 0,
    }


def test_pages_are_followed_until_count_rows():
    pages = [
        alfred_page(M2SL_ROWS[i : i + 3], count=len(M2SL_ROWS), offset=i, limit=3)
        for i in range(0, len(M2SL_ROWS), 3)
    ]
    http, transport, _ = session(*[ok(page) for page in pages])
    frame = fetch(http, page_size=3)
    assert [c["params"]["offset"] for c in transport.calls] == [0, 3, 6]
    assert all(c["params"]["limit"] == 3 for c in transport.calls)
    pd.testing.assert_frame_equal(frame, parse_alfred_observations(alfred_page(M2SL_ROWS), "M2SL"))


def test_an_empty_page_before_count_is_an_error_not_a_short_series():
    first = alfred_page(M2SL_ROWS[:3], count=8, limit=3)
    empty = alfred_page([], count=8, offset=3, limit=3)
    http, _, _ = session(ok(first), ok(empty))
    with pytest.raises(DataError, match="announced 8 rows for series 'M2SL'"):
        fetch(http, page_size=3)


def test_no_observations_is_a_clear_error():
    http, _, _ = session(ok(alfred_page([], count=0)))
    with pytest.raises(DataError, match="has no observations of series 'M2SL'"):
        fetch(http)


def test_missing_api_key_says_how_to_set_one_and_makes_no_request():
    http, transport, _ = session(ok(alfred_page(M2SL_ROWS)))
    with pytest.raises(DataError) as error:
        fetch(http, api_key=None)
    message = str(error.value)
    assert "'M2SL'" in message and "FRED_API_KEY" in message
    assert "https://fredaccount.stlouisfed.org/apikeys" in message
    assert transport.calls == []


def test_the_key_comes_from_the_environment_or_the_argument(monkeypatch):
    monkeypatch.setenv(FRED_API_KEY_ENV, "  " + KEY + "\n")
    http, transport, _ = session(ok(alfred_page(M2SL_ROWS)))
    fetch(http, api_key=None)
    fetch(http, api_key="fedcba9876543210fedcba9876543210")
    assert [c["params"]["api_key"] for c in transport.calls] == [
        KEY,
        "fedcba9876543210fedcba9876543210",
    ]


def test_unknown_series_is_a_clear_error_and_not_retried():
    http, transport, _ = session(fred_error("Bad Request.  The series does not exist."))
    with pytest.raises(DataError, match="FRED has no series 'NOTASERIES' \\(HTTP 400\\)"):
        fetch(http, series_id="NOTASERIES")
    assert len(transport.calls) == 1


def test_a_rejected_key_is_named_as_such_without_the_key():
    http, _, _ = session(
        fred_error(
            "Bad Request.  The value for variable api_key is not registered.  Read "
            "https://fred.stlouisfed.org/docs/api/api_key.html for more information."
        )
    )
    with pytest.raises(DataError, match="FRED rejected the API key for series 'M2SL'") as error:
        fetch(http)
    assert "FRED_API_KEY" in str(error.value) and KEY not in str(error.value)


def test_an_html_page_instead_of_json_is_a_clear_error():
    http, _, _ = session(FakeResponse(200, "<!DOCTYPE html><html>Service Unavailable</html>"))
    with pytest.raises(DataError, match="ALFRED vintages of FRED series M2SL.*not valid JSON"):
        fetch(http)


def test_server_errors_are_retried_then_succeed():
    http, transport, sleep = session(FakeResponse(503, "busy"), ok(alfred_page(M2SL_ROWS)))
    assert len(fetch(http)) == len(M2SL_ROWS)
    assert sleep.waits == [2.0] and len(transport.calls) == 2


# -- the key never leaks --------------------------------------------------------------------


def leak_free(text):
    return KEY not in text


def test_the_key_is_redacted_from_retry_logs_errors_and_tracebacks(caplog):
    url = f"{ALFRED_OBSERVATIONS_URL}?series_id=M2SL&api_key={KEY}&file_type=json"
    down = requests.ConnectionError(f"HTTPSConnectionPool: Max retries exceeded with url: {url}")
    http, transport, _ = session(down, attempts=3)
    with caplog.at_level(logging.DEBUG), pytest.raises(HttpError) as error:
        fetch(http)
    assert len(transport.calls) == 3
    assert "M2SL" in str(error.value) and "api_key=***" in str(error.value)
    assert leak_free(str(error.value))
    assert leak_free("".join(traceback.format_exception(error.value)))
    assert leak_free(caplog.text) and "retrying" in caplog.text
    assert all(leak_free(str(record.args)) for record in caplog.records)


def test_the_key_is_redacted_from_a_non_retried_transport_error_and_an_echoing_body(caplog):
    invalid = requests.exceptions.InvalidURL(f"Invalid URL '...&api_key={KEY}': No host")
    http, _, _ = session(invalid)
    with caplog.at_level(logging.DEBUG), pytest.raises(HttpError) as error:
        fetch(http)
    assert leak_free(str(error.value)) and "InvalidURL" in str(error.value)
    assert error.value.__cause__ is None and error.value.__suppress_context__
    assert leak_free("".join(traceback.format_exception(error.value)))
    http, _, _ = session(fred_error(f"Bad Request.  Variable api_key {KEY} is odd."))
    with pytest.raises(DataError) as error:
        fetch(http)
    assert leak_free(str(error.value)) and leak_free(caplog.text)


def test_the_provider_through_the_cache_never_stores_the_key(tmp_path):
    http, transport, _ = session(ok(alfred_page(M2SL_ROWS)))
    provider = FredProvider(session=http, api_key=KEY)
    assert KEY not in repr(provider)
    cache = ParquetCache(tmp_path)

    def get():
        return cache.get_vintages(
            provider.vintage_source,
            ["M2SL"],
            "2020-01-01",
            "2020-03-01",
            lambda missing: {
                s: provider.fetch_vintages(s, "2020-01-01", "2020-03-01") for s in missing
            },
        )["M2SL"]

    first, again = get(), get()
    pd.testing.assert_frame_equal(first, again)
    assert len(transport.calls) == 1  # the second came from the cache
    files = list(tmp_path.rglob("*"))
    assert [p.name for p in files if p.is_file()] == ["M2SL.vintages.parquet"]
    assert all(KEY.encode() not in p.read_bytes() for p in files if p.is_file())
