"""``data.vintage = "first_release"`` through the real CLI: bad input is exit 2, never a traceback.

The network source is run with every download refused (yfinance and the HTTP
transport both raise), and with a download cache prepared in ``tmp_path``, so
nothing here touches the network. Cases: no FRED API key (the run stops before
downloading anything and says how to set one), an ALFRED answer with no
observations (the injected transport returns it; the message names the
series), and a ``csv`` folder of plain FRED files (latest vintages, which
would silently bring the revisions back).
"""

import json

import numpy as np
import pandas as pd
import pytest
from provider_fakes import FakeResponse, RoutedTransport

from data.cache import ParquetCache
from data.csv_source import format_fred_csv, format_price_csv
from data.fred import ALFRED_OBSERVATIONS_URL, FRED_API_KEY_ENV
from tests.reliability.conftest import FAST, leftovers, run_cli, set_args

KEY = "0123456789abcdef0123456789abcdef"  # a well-formed, fake FRED key
END = "2009-12-31"
NETWORK = [
    "data.source=yahoo",
    "data.vintage=first_release",
    "data.start=2005-01-03",
    f"data.end={END}",
    "features.history_start=2003-01-02",
]
#: The default config's tickers, and the FRED series its features read (DTWEXBGS is revised).
TICKERS = [
    "MEMA",
    "MEMB",
    "MEMC",
    "FRUT",
    "XBT-USD",
    "INNO",
    "SAASA",
    "SAASB",
    "MKT",
    "TECH",
    "TRSY",
    "TBIL",
]
LATEST = ["WALCL", "WTREGEN", "RRPONTSYD", "DGS10", "BAMLH0A0HYM2", "VIXCLS", "T10Y2Y"]


@pytest.fixture
def offline_network(monkeypatch):
    """Refuse yfinance and real HTTP sessions; tests swap in a fake transport when they need one."""
    import data.http
    import data.yahoo

    def refuse(*args, **kwargs):
        raise AssertionError("a test tried to reach the network")

    monkeypatch.setattr(data.http, "_default_transport", refuse)
    monkeypatch.setattr(data.yahoo, "_default_download", refuse)
    return monkeypatch


def _run(tmp_path, *overrides):
    out = tmp_path / "runs" / "out"
    result = run_cli(
        [
            "run",
            "--no-tearsheets",
            "--quiet",
            "--out",
            out,
            *set_args([*FAST, *NETWORK, f"data.cache_dir={tmp_path / 'cache'}", *overrides]),
        ]
    )
    return result, out


def _assert_exit_2(result, out, fragment):
    assert result.code == 2, result.stderr
    assert fragment in result.stderr
    assert result.stderr.startswith("regime-bt: error: ")
    assert "Traceback" not in result.stderr and 'File "' not in result.stderr
    assert not out.exists()
    if out.parent.exists():
        assert leftovers(out.parent) == []


def test_first_release_without_an_api_key_stops_before_any_download(tmp_path, offline_network):
    offline_network.delenv(FRED_API_KEY_ENV, raising=False)
    result, out = _run(tmp_path)
    _assert_exit_2(result, out, "ALFRED vintages of FRED series 'DTWEXBGS' need a FRED API key")
    assert f"export {FRED_API_KEY_ENV}=<your 32-character key>" in result.stderr
    assert 'data.vintage = "latest"' in result.stderr
    assert not (tmp_path / "cache" / "yahoo").exists()  # nothing was downloaded first


@pytest.fixture
def cached_latest(tmp_path, rng):
    """Prices and the non-revised FRED series already in the download cache."""
    cache = ParquetCache(tmp_path / "cache")
    days = pd.bdate_range("2002-01-01", END)
    for ticker in TICKERS:
        closes = 50.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, len(days))))
        cache.write("yahoo", ticker, pd.Series(closes, index=days), "1900-01-01", END)
    for series_id in LATEST:
        cache.write(
            "fred",
            series_id,
            pd.Series(rng.normal(1.0, 0.1, len(days)), index=days),
            "1900-01-01",
            END,
        )
    return cache


def test_an_alfred_answer_without_observations_names_the_series(
    tmp_path, offline_network, cached_latest
):
    import data.http

    offline_network.setenv(FRED_API_KEY_ENV, KEY)
    empty = {
        "realtime_start": "1776-07-04",
        "realtime_end": "9999-12-31",
        "observation_start": "2001-11-28",
        "observation_end": END,
        "units": "lin",
        "output_type": 1,
        "file_type": "json",
        "order_by": "observation_date",
        "sort_order": "asc",
        "count": 0,
        "offset": 0,
        "limit": 100000,
        "observations": [],
    }
    transport = RoutedTransport({ALFRED_OBSERVATIONS_URL: FakeResponse(200, json.dumps(empty))})
    offline_network.setattr(data.http, "_default_transport", lambda: transport)
    result, out = _run(tmp_path)
    _assert_exit_2(result, out, "ALFRED has no observations of series 'DTWEXBGS'")
    assert [call["params"]["series_id"] for call in transport.calls] == ["DTWEXBGS"]
    assert KEY not in result.stderr and KEY not in result.stdout


def test_first_release_on_a_folder_of_latest_vintages_is_refused(tmp_path, offline_network, rng):
    """The csv source cannot make first releases out of FRED's revised download."""
    prices, fred = tmp_path / "prices", tmp_path / "fred"
    prices.mkdir()
    fred.mkdir()
    days = pd.bdate_range("2002-01-01", END)
    for ticker in TICKERS:
        closes = 50.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, len(days))))
        (prices / f"{ticker}.csv").write_text(format_price_csv(pd.Series(closes, index=days)))
    for series_id in [*LATEST, "DTWEXBGS"]:
        values = pd.Series(rng.normal(1.0, 0.1, len(days)), index=days)
        (fred / f"{series_id}.csv").write_text(format_fred_csv(values, series_id))
    result, out = _run(
        tmp_path, "data.source=csv", f"data.prices_dir={prices}", f"data.fred_dir={fred}"
    )
    _assert_exit_2(
        result,
        out,
        f'data.vintage = "first_release", but {fred}/DTWEXBGS.csv '
        "holds FRED's latest vintage of the revised series DTWEXBGS",
    )
    assert f"export {FRED_API_KEY_ENV}=" in result.stderr
