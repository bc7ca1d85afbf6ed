"""Offline fakes for the provider tests: an HTTP transport and yf.download payloads."""

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
    """Replays a script of responses (or exceptions) and records every call."""

    def __init__(self, *script):
        self.script = list(script)
        self.calls = []

    def get(self, url, params=None, timeout=None):
        self.calls.append({"url": url, "params": dict(params or {}), "timeout": timeout})
        item = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(item, BaseException):
            raise item
        return item


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
