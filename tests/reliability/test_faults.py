"""Guarantee 3: faults are simulated (injected transport, fake download, patched disk),
never the network; each recovers as documented or fails cleanly.

Already covered elsewhere and not repeated here (see tests/README.md):
HTTP 429 + Retry-After, 5xx backoff, timeouts retried and exhausted, 4xx not
retried (tests/data/test_fred.py); Yahoo rate limits, partial batches and
timeouts (tests/data/test_yahoo.py); corrupt, truncated and metadata-less
parquet entries, a crash mid-write, offline misses (tests/data/test_cache.py).
"""

from __future__ import annotations

import errno
import logging
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
import requests

from data import DataError
from data.cache import ParquetCache
from data.fred import FredProvider, fetch_fred_series
from data.http import HttpError, HttpSession, RetryPolicy
from data.providers import load_from_providers
from tests.data.provider_fakes import FakeResponse, FakeTransport, SleepRecorder
from tests.reliability.conftest import ROOT, leftovers, set_args, tree_bytes

PAYLOAD = "observation_date,WALCL\n2024-01-03,7713595\n2024-01-10,7694211\n2024-01-17,7677495\n"


def _session(*script, attempts=3, timeout=30.0, max_wait=60.0):
    transport, sleep = FakeTransport(*script), SleepRecorder()
    policy = RetryPolicy(attempts=attempts, backoff=1.0, max_wait=max_wait, timeout=timeout)
    return HttpSession(transport=transport, policy=policy, sleep=sleep), transport, sleep


# -- network -------------------------------------------------------------------------


def test_network_down_fails_cleanly_after_bounded_retries():
    down = requests.ConnectionError("Failed to establish a new connection: [Errno 101]")
    http, transport, sleep = _session(down, attempts=3)
    with pytest.raises(
        HttpError,
        match=r"FRED series WALCL failed after 3 attempt\(s\)"
        r".*ConnectionError.*--offline",
    ) as error:
        fetch_fred_series("WALCL", "2024-01-01", "2024-01-31", session=http)
    assert error.value.status is None and isinstance(error.value, DataError)  # CLI: exit 2
    assert len(transport.calls) == 3 and sleep.waits == [1.0, 2.0]  # never really waited


def test_network_down_then_back_recovers():
    http, _, sleep = _session(ConnectionError("network is unreachable"), FakeResponse(200, PAYLOAD))
    assert len(fetch_fred_series("WALCL", "2024-01-01", "2024-01-31", session=http)) == 3
    assert sleep.waits == [1.0]


def test_retry_after_is_capped_and_persistent_429_fails_cleanly():
    http, _, sleep = _session(
        FakeResponse(429, "slow down", {"Retry-After": "86400"}), attempts=3, max_wait=60.0
    )
    with pytest.raises(HttpError, match="HTTP 429") as error:
        fetch_fred_series("WALCL", "2024-01-01", "2024-01-31", session=http)
    assert error.value.status == 429
    assert sleep.waits == [60.0, 60.0]  # a day-long Retry-After is capped by max_wait


class SlowTransport:
    """A server that answers after ``latencies[i]`` seconds; the client gives up at ``timeout``.

    Nothing sleeps: a latency beyond the timeout the session passes raises
    ``requests.Timeout`` at once, as requests does when the read times out.
    """

    def __init__(self, *latencies):
        self.latencies = list(latencies)
        self.timeouts = []

    def get(self, url, params=None, timeout=None):
        self.timeouts.append(timeout)
        latency = self.latencies.pop(0)
        if timeout is not None and latency > timeout:
            raise requests.Timeout(f"Read timed out. (read timeout={timeout})")
        return FakeResponse(200, PAYLOAD)


def test_slow_response_past_the_timeout_is_retried_then_succeeds():
    transport, sleep = SlowTransport(45.0, 2.0), SleepRecorder()
    http = HttpSession(
        transport=transport, policy=RetryPolicy(attempts=3, timeout=10.0), sleep=sleep
    )
    assert len(fetch_fred_series("WALCL", "2024-01-01", "2024-01-31", session=http)) == 3
    assert transport.timeouts == [10.0, 10.0]  # the policy's timeout reaches the transport
    assert sleep.waits == [1.0]


def test_slow_responses_every_time_fail_cleanly():
    transport = SlowTransport(45.0, 45.0)
    http = HttpSession(
        transport=transport, policy=RetryPolicy(attempts=2, timeout=10.0), sleep=SleepRecorder()
    )
    with pytest.raises(HttpError, match="Timeout: Read timed out"):
        fetch_fred_series("WALCL", "2024-01-01", "2024-01-31", session=http)


@pytest.mark.parametrize(
    "body, fragment",
    [
        (PAYLOAD[:70], "unparsable date '2024-01-1'"),  # cut inside a date
        (PAYLOAD[:12], "expected a header `observation_date,WALCL`"),  # cut inside the header
        ("<!DOCTYPE html><html><body>Ser", "web page instead of CSV"),  # an error page, cut
    ],
)
def test_truncated_download_is_a_clear_error_not_a_short_series(body, fragment):
    http, _, _ = _session(FakeResponse(200, body))
    with pytest.raises(DataError, match="WALCL") as error:
        fetch_fred_series("WALCL", "2024-01-01", "2024-01-31", session=http)
    assert fragment in str(error.value)


def test_body_cut_short_on_the_wire_is_retried_then_fails_cleanly():
    """requests raises ChunkedEncodingError when fewer bytes arrive than announced."""
    cut = requests.exceptions.ChunkedEncodingError(
        "IncompleteRead(70 bytes read, 30 more expected)"
    )
    http, _, _ = _session(cut, FakeResponse(200, PAYLOAD))
    assert len(fetch_fred_series("WALCL", "2024-01-01", "2024-01-31", session=http)) == 3
    http, _, _ = _session(cut, attempts=2)
    with pytest.raises(HttpError, match="ChunkedEncodingError: IncompleteRead"):
        fetch_fred_series("WALCL", "2024-01-01", "2024-01-31", session=http)


def test_truncated_download_is_not_cached(tmp_path):
    """A bad body fails before the cache is written: the next run fetches again."""
    cache = ParquetCache(tmp_path)
    http, _, _ = _session(FakeResponse(200, PAYLOAD[:70]))
    with pytest.raises(DataError):
        cache.get_many(
            "fred",
            ["WALCL"],
            "2024-01-01",
            "2024-01-31",
            lambda missing: {
                s: fetch_fred_series(s, "2024-01-01", "2024-01-31", session=http) for s in missing
            },
        )
    assert not any(tmp_path.rglob("*.parquet")) and not any(tmp_path.rglob("*.tmp"))


# -- the cache directory ------------------------------------------------------------------


def _series(symbol="WALCL"):
    index = pd.date_range("2024-01-03", periods=3, freq="7D", name="date")
    return pd.Series([1.0, 2.0, 3.0], index=index, name=symbol)


class Counting:
    def __init__(self):
        self.calls = 0

    def __call__(self, missing):
        self.calls += 1
        return {s: _series(s) for s in missing}


@pytest.mark.parametrize(
    "fault",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        PermissionError(errno.EROFS, "Read-only file system"),
    ],
    ids=["disk_full", "read_only"],
)
def test_unwritable_cache_warns_and_the_run_goes_on(tmp_path, monkeypatch, caplog, fault):
    cache = ParquetCache(tmp_path)
    fetch = Counting()
    cache.get_many("fred", ["WALCL"], "2024-01-01", "2024-01-31", fetch)  # a good entry
    before = cache.path("fred", "WALCL").read_bytes()

    import data.atomic

    def failing_mkstemp(*args, **kwargs):
        raise fault

    monkeypatch.setattr(data.atomic.tempfile, "mkstemp", failing_mkstemp)
    refresh = ParquetCache(tmp_path, mode="refresh")
    with caplog.at_level(logging.WARNING, logger="data.cache"):
        got = refresh.get_many("fred", ["WALCL", "DGS10"], "2024-01-01", "2024-01-31", fetch)
    assert set(got) == {"WALCL", "DGS10"} and got["DGS10"].tolist() == [1.0, 2.0, 3.0]
    assert "cannot write the cache entry" in caplog.text and fault.strerror in caplog.text
    assert cache.path("fred", "WALCL").read_bytes() == before  # the old entry is intact
    assert not cache.path("fred", "DGS10").exists()
    assert not list(tmp_path.rglob("*.tmp"))


def test_disk_full_mid_write_keeps_the_previous_entry(tmp_path, monkeypatch, caplog):
    cache = ParquetCache(tmp_path)
    fetch = Counting()
    cache.get_many("fred", ["WALCL"], "2024-01-01", "2024-01-31", fetch)
    path = cache.path("fred", "WALCL")
    before = path.read_bytes()

    def half_write(table, destination):
        with open(destination, "wb") as handle:
            handle.write(b"PAR1 half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(ParquetCache, "_write_table", staticmethod(half_write))
    with caplog.at_level(logging.WARNING, logger="data.cache"):
        ParquetCache(tmp_path, mode="refresh").get_many(
            "fred", ["WALCL"], "2024-01-01", "2024-01-31", fetch
        )
    assert path.read_bytes() == before and not list(tmp_path.rglob("*.tmp"))
    assert "No space left on device" in caplog.text


def test_interrupt_during_a_cache_write_leaves_no_temp_file(tmp_path, monkeypatch):
    cache = ParquetCache(tmp_path)
    cache.get_many("fred", ["WALCL"], "2024-01-01", "2024-01-31", Counting())
    before = cache.path("fred", "WALCL").read_bytes()

    def interrupted(table, destination):
        with open(destination, "wb") as handle:
            handle.write(b"PAR1")
        raise KeyboardInterrupt

    monkeypatch.setattr(ParquetCache, "_write_table", staticmethod(interrupted))
    with pytest.raises(KeyboardInterrupt):  # never swallowed as a cache problem
        ParquetCache(tmp_path, mode="refresh").get_many(
            "fred", ["WALCL"], "2024-01-01", "2024-01-31", Counting()
        )
    assert cache.path("fred", "WALCL").read_bytes() == before
    assert not list(tmp_path.rglob("*.tmp"))


def test_network_down_with_a_warm_cache_recovers_from_the_cache(tmp_path):
    """Second run with the network down: everything comes from the cache, nothing fetched."""

    class Prices:
        name = "yahoo"

        def __init__(self, down=False):
            self.down = down

        def fetch_prices(self, tickers, start, end):
            if self.down:
                raise AssertionError("the network was used")
            index = pd.bdate_range("2024-01-01", "2024-01-31", name="date")
            return {
                t: pd.Series(range(1, len(index) + 1), index=index, dtype=float) for t in tickers
            }

    down_http, transport, _ = _session(requests.ConnectionError("down"), attempts=1)
    up_http, _, _ = _session(FakeResponse(200, PAYLOAD))
    cache = ParquetCache(tmp_path)
    first = load_from_providers(
        Prices(),
        FredProvider(session=up_http),
        ["SPY"],
        ["WALCL"],
        "2024-01-02",
        "2024-01-31",
        cache=cache,
    )
    again = load_from_providers(
        Prices(down=True),
        FredProvider(session=down_http),
        ["SPY"],
        ["WALCL"],
        "2024-01-02",
        "2024-01-31",
        cache=cache,
    )
    pd.testing.assert_frame_equal(first.prices, again.prices, check_freq=False)
    assert transport.calls == []


# -- an interrupt during a sweep -----------------------------------------------------------

# The sweep's kernel runs in well under a second since the score-only grids share one
# walk-forward; the hook announces the kernel and then holds it for up to 30 s (in
# short sleeps, where a signal lands) so the interrupt arrives inside the sweep.
HOOKED_CLI = """
import sys, time
import backtests.research as research
original = research.run_kernel_sweep
def announced(*args, **kwargs):
    print("SWEEP-STARTED", file=sys.stderr, flush=True)
    for _ in range(600):
        time.sleep(0.05)
    return original(*args, **kwargs)
research.run_kernel_sweep = announced
from backtests.cli import main
sys.exit(main(sys.argv[1:]))
"""

BIG_SWEEP = [
    "data.start=2005-01-03",
    "data.end=2009-12-31",
    "features.history_start=2003-01-02",
    "walk_forward.min_train=252",
    "features.min_periods=126",
    "sweep.chunk_size=16",
    "sweep.classifier_grid.enter_threshold=[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]",
    "sweep.classifier_grid.min_dwell=[1, 2, 3, 5, 8, 13, 21, 34]",
]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigint_during_a_sweep_exits_130_and_leaves_run_dirs_consistent(tmp_path):
    out = tmp_path / "runs" / "sweep"
    out.mkdir(parents=True)
    (out / "sweep.csv").write_text("an,earlier,sweep\n")
    before = tree_bytes(out)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # A pytest-xdist worker ignores SIGINT, and a child inherits an ignored signal (Python
    # then installs no KeyboardInterrupt handler): give the CLI a terminal's default.
    process = subprocess.Popen(
        [sys.executable, "-c", HOOKED_CLI, "sweep", "--out", str(out), *set_args(BIG_SWEEP)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 120
        line = ""
        while "SWEEP-STARTED" not in line and time.monotonic() < deadline:
            line = process.stderr.readline()
            assert line or process.poll() is None, "the CLI ended before the sweep started"
        time.sleep(0.5)  # well inside the sweep: the grid takes far longer
        assert process.poll() is None, "the sweep finished before it could be interrupted"
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stderr
    assert "interrupted; no partial output was kept" in stderr and "Traceback" not in stderr
    assert tree_bytes(out) == before
    assert leftovers(out.parent) == []
