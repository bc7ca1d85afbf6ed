"""FRED adapter: pure CSV parser on payloads in FRED's format, fetch through a fake session."""

import pandas as pd
import pytest
import requests
from provider_fakes import FakeResponse, FakeTransport, SleepRecorder

from data import DataError
from data.fred import FRED_CSV_URL, FredProvider, fetch_fred_series, parse_fred_csv
from data.http import HttpError, HttpSession, RetryPolicy

#: Exactly what fredgraph.csv returns today (header observation_date, empty = missing).
PAYLOAD = (
    "observation_date,WTREGEN\n2025-11-12,878443\n2025-11-19,941926\n2025-11-26,\n2025-12-03,\n"
)
#: The older download format: DATE header and "." for missing.
OLD_PAYLOAD = "DATE,DGS10\r\n2024-01-01,.\r\n2024-01-02,3.95\r\n2024-01-03,3.91\r\n"


def session(*script, attempts=3):
    sleep = SleepRecorder()
    transport = FakeTransport(*script)
    http = HttpSession(
        transport=transport, policy=RetryPolicy(attempts=attempts, backoff=2.0), sleep=sleep
    )
    return http, transport, sleep


def test_parse_current_format_keeps_gaps_as_nan():
    series = parse_fred_csv(PAYLOAD, "WTREGEN")
    assert series.name == "WTREGEN" and series.index.name == "date"
    assert series.loc["2025-11-19"] == 941926.0
    assert series.loc["2025-11-26":].isna().all()


def test_parse_old_format_with_dots():
    series = parse_fred_csv(OLD_PAYLOAD, "DGS10")
    assert series.isna().tolist() == [True, False, False]
    assert series.iloc[-1] == 3.91


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("", "is empty"),
        ("   \n", "is empty"),
        ("<!DOCTYPE html><html><body>Error</body></html>", "series id is probably wrong"),
        ("foo,bar\n1,2\n", "expected a header"),
        ("observation_date,DGS10\n2024-01-02,abc\n", "non-numeric value 'abc'"),
        ("observation_date,DGS10\nnot-a-date,1.0\n", "unparsable date"),
        (
            "observation_date,DGS10\n2024-01-02,1\n2024-01-02,2\n",
            "the date 2024-01-02 more than once",
        ),
        ('observation_date,DGS10\n2024-01-02,"1\n', "malformed CSV"),
    ],
)
def test_parse_rejects_bad_payloads_with_a_clear_message(text, fragment):
    with pytest.raises(DataError, match=fragment):
        parse_fred_csv(text, "DGS10")


def test_fetch_success_asks_for_the_series_and_range():
    http, transport, sleep = session(FakeResponse(200, OLD_PAYLOAD))
    series = fetch_fred_series("DGS10", "2024-01-02", "2024-01-03", session=http)
    assert series.tolist() == [3.95, 3.91]
    call = transport.calls[0]
    assert call["url"] == FRED_CSV_URL
    assert call["params"]["id"] == "DGS10" and call["timeout"] == 30.0
    assert sleep.waits == []


@pytest.mark.parametrize("status", [400, 404])
def test_unknown_series_is_a_clear_error(status):
    http, transport, sleep = session(
        FakeResponse(status, "Bad Request. The series does not exist.")
    )
    with pytest.raises(DataError, match="FRED has no series 'NOTASERIES'"):
        fetch_fred_series("NOTASERIES", "2024-01-01", "2024-12-31", session=http)
    assert len(transport.calls) == 1  # a 4xx is not retried


def test_429_honours_retry_after_then_succeeds():
    http, transport, sleep = session(
        FakeResponse(429, "Too Many Requests", {"Retry-After": "7"}), FakeResponse(200, PAYLOAD)
    )
    series = fetch_fred_series("WTREGEN", "2025-11-01", "2025-12-31", session=http)
    assert len(series) == 4 and sleep.waits == [7.0]


def test_5xx_backs_off_then_succeeds():
    http, transport, sleep = session(
        FakeResponse(503, "unavailable"), FakeResponse(502, ""), FakeResponse(200, PAYLOAD)
    )
    fetch_fred_series("WTREGEN", "2025-11-01", "2025-12-31", session=http)
    assert sleep.waits == [2.0, 4.0] and len(transport.calls) == 3


def test_retries_exhausted_names_the_series_and_the_fix():
    http, transport, sleep = session(FakeResponse(500, "oops"), attempts=3)
    with pytest.raises(
        HttpError, match=r"FRED series WALCL failed after 3 attempt\(s\).*HTTP 500.*--offline"
    ):
        fetch_fred_series("WALCL", "2024-01-01", "2024-12-31", session=http)
    assert len(transport.calls) == 3 and len(sleep.waits) == 2


def test_timeout_is_retried():
    http, transport, sleep = session(requests.Timeout("read timed out"), FakeResponse(200, PAYLOAD))
    assert len(fetch_fred_series("WTREGEN", "2025-11-01", "2025-12-31", session=http)) == 4
    assert sleep.waits == [2.0]


def test_timeouts_exhausted():
    http, transport, sleep = session(requests.Timeout("read timed out"), attempts=2)
    with pytest.raises(DataError, match="Timeout: read timed out"):
        fetch_fred_series("WTREGEN", "2025-11-01", "2025-12-31", session=http)


def test_empty_body_and_all_missing_are_errors():
    http, _, _ = session(FakeResponse(200, ""))
    with pytest.raises(DataError, match="is empty"):
        fetch_fred_series("DGS10", "2024-01-01", "2024-12-31", session=http)
    http, _, _ = session(FakeResponse(200, "observation_date,DGS10\n2024-01-01,.\n"))
    with pytest.raises(DataError, match="has no values between"):
        fetch_fred_series("DGS10", "2024-01-01", "2024-12-31", session=http)


def test_malformed_csv_from_the_network():
    http, _, _ = session(FakeResponse(200, "observation_date;DGS10\n2024-01-01;3\n"))
    with pytest.raises(DataError, match="malformed CSV"):
        fetch_fred_series("DGS10", "2024-01-01", "2024-12-31", session=http)


def test_provider_passes_through_an_injected_fetch():
    calls = []

    def fetch(series_id, start, end):
        calls.append((series_id, start, end))
        return pd.Series([1.0], index=pd.to_datetime(["2024-01-02"]), name=series_id)

    FredProvider(fetch=fetch).fetch_series("VIXCLS", "2024-01-01", "2024-12-31")
    assert calls == [("VIXCLS", "2024-01-01", "2024-12-31")]


def test_parser_reads_the_real_snapshot(real_data_dir):
    text = (real_data_dir / "fred" / "WTREGEN.csv").read_text()
    series = parse_fred_csv(text, "WTREGEN")
    assert series.loc["2025-11-26":"2025-12-31"].isna().all()
    assert series.loc[:"2025-11-19"].notna().all()


# -- the session's extensions: per-request headers, JSON, redaction ------------------------


def test_headers_are_sent_per_request_and_only_when_given():
    http, transport, _ = session(FakeResponse(200, '{"a": [1, 2]}'))
    assert http.get_json("https://example.org/x.json", headers={"User-Agent": "Desk d@x.org"}) == {
        "a": [1, 2]
    }
    http.get_text("https://example.org/y.csv")
    assert transport.calls[0]["headers"] == {"User-Agent": "Desk d@x.org"}
    assert "headers" not in transport.calls[1]  # transports without the keyword keep working


def test_get_json_on_a_non_json_body_is_a_clear_error_without_secrets():
    http, _, _ = session(FakeResponse(200, "<html>Undeclared Automated Tool</html>"))
    with pytest.raises(
        DataError, match=r"series X: the response is not valid JSON.*'<html>"
    ) as error:
        http.get_json(
            "https://example.org/x",
            params={"api_key": "k3y-very-secret"},
            what="series X",
            headers={"User-Agent": "Desk d@x.org"},
        )
    assert "k3y-very-secret" not in str(error.value)


def test_a_4xx_keeps_the_redacted_body_for_the_provider():
    body = '{"error_code":400,"error_message":"bad api_key k3y-very-secret"}'
    http, _, _ = session(FakeResponse(400, body))
    with pytest.raises(HttpError) as error:
        http.get_text("https://example.org/x", params={"api_key": "k3y-very-secret"}, what="X")
    assert error.value.status == 400 and "error_message" in error.value.body
    assert "k3y-very-secret" not in error.value.body


def test_redact_hides_raw_and_url_encoded_secrets():
    from data.http import redact

    agent = "Jane Doe jane+desk@example.com"
    text = f"GET /x?ua={requests.utils.quote(agent, safe='')} api_key=abc12345&x=1 ({agent})"
    hidden = redact(text, [agent])
    assert agent not in hidden and "jane" not in hidden and "abc12345" not in hidden
    assert redact("a key of 3", ["key"]) == "a key of 3"  # too short to be a secret
