"""Offline fakes for the provider tests: HTTP transports, a clock, and yf.download payloads."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class FakeResponse:
    status_code: int = 200
    text: str = ""
    headers: dict = field(default_factory=dict)


class FakeTransport:
    """Replays a script of responses (or exceptions) and records every call.

    The last item repeats once the script is used up. ``headers`` is recorded
    only when the session passes it (requests' ``Session.get`` signature).
    """

    def __init__(self, *script, clock=None):
        self.script = list(script)
        self.calls = []
        self.clock = clock

    def get(self, url, params=None, timeout=None, **kwargs):
        call = {"url": url, "params": dict(params or {}), "timeout": timeout}
        if "headers" in kwargs:
            call["headers"] = dict(kwargs["headers"])
        if self.clock is not None:
            call["time"] = self.clock()
        self.calls.append(call)
        item = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(item, BaseException):
            raise item
        return item


class RoutedTransport(FakeTransport):
    """Answers by URL: ``routes[url]`` is a response, an exception or a list of them (replayed)."""

    def __init__(self, routes, clock=None):
        super().__init__(FakeResponse(404, "no route"), clock=clock)
        self.routes = {url: list(v) if isinstance(v, list) else [v] for url, v in routes.items()}

    def get(self, url, params=None, timeout=None, **kwargs):
        if url not in self.routes:
            raise AssertionError(f"unexpected request to {url}")
        script = self.routes[url]
        self.script = [script.pop(0) if len(script) > 1 else script[0]]
        return super().get(url, params=params, timeout=timeout, **kwargs)


class FakeClock:
    """A monotonic clock that only moves when the fake ``sleep`` is called."""

    def __init__(self, start=1000.0):
        self.now = start
        self.waits = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.waits.append(seconds)
        self.now += seconds


class SleepRecorder:
    def __init__(self):
        self.waits = []

    def __call__(self, seconds):
        self.waits.append(seconds)


def yf_frame(closes: dict[str, list[float]], dates, auto_adjust=True, group_by="column"):
    """A frame in yf.download's real multi-ticker shape.

    Columns are a MultiIndex named ("Price", "Ticker") with fields Close, High,
    Low, Open, Volume (plus "Adj Close" when auto_adjust=False), or
    ("Ticker", "Price") with group_by="ticker". Failed tickers are all-NaN
    columns, as yfinance returns them.
    """
    index = pd.DatetimeIndex(pd.to_datetime(dates), name="Date")
    fields = ["Close", "High", "Low", "Open", "Volume"]
    if not auto_adjust:
        fields = ["Adj Close", *fields]
    data = {}
    for price_field in fields:
        for ticker, values in closes.items():
            values = np.asarray(values, dtype=float)
            if price_field == "Adj Close":
                column = values
            elif price_field == "Close":
                column = values * (1.0 if auto_adjust else 1.1)  # raw close differs
            elif price_field == "Volume":
                column = np.where(np.isnan(values), np.nan, 1e6)
            else:
                column = values * 1.01
            key = (price_field, ticker) if group_by == "column" else (ticker, price_field)
            data[key] = column
    frame = pd.DataFrame(data, index=index)
    names = ["Price", "Ticker"] if group_by == "column" else ["Ticker", "Price"]
    frame.columns = pd.MultiIndex.from_tuples(list(data), names=names)
    return frame
