"""Adjusted daily closes through yfinance, in batches, with bounded retries.

What is special about Yahoo, and handled here:

* ``yf.download`` returns MultiIndex columns ``(Price, Ticker)`` (or
  ``(Ticker, Price)`` with ``group_by="ticker"``); level ``Price`` holds
  ``"Close"``, ``"High"``, ... and ``"Adj Close"`` only when
  ``auto_adjust=False``. With ``auto_adjust=True`` (the default since
  yfinance 0.2.51) ``"Close"`` is already split- and dividend-adjusted. We
  ask for ``auto_adjust=True`` and read ``"Adj Close"`` when a frame has it,
  ``"Close"`` otherwise.
* An unknown or delisted ticker does not raise: yfinance logs an error and
  returns an all-NaN column (or an empty frame when every ticker failed). A
  batch can also fail partially (rate limits). Missing tickers are retried
  through the project's one retry loop (:func:`data.http.call_with_retries`,
  same policy and backoff as HTTP), and a ticker still empty after the last
  attempt is a :class:`data.DataError` that names it: never a silently
  dropped column.
* Symbols are Yahoo's own, whatever the market: ``BRK-B``, ``BTC-USD``,
  ``^VIX``, Korea Exchange ``005930.KS`` (Samsung Electronics),
  ``000660.KS`` (SK hynix). Nothing is special about non-US listings: each
  ticker keeps its own exchange calendar, and a tz-aware index is read in
  the exchange's local dates (never shifted through UTC).
* ``end`` is exclusive in yfinance; we pass ``end + 1 day`` so that the
  requested range is inclusive like everywhere else in the project.

The download callable (``yf.download``'s signature) and ``sleep`` are
injectable; tests pass fakes that return frames in yfinance's real shape.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence

import pandas as pd

from data.base import DataError
from data.http import HttpError, RetryPolicy, TransientError, call_with_retries
from data.progress import progress

__all__ = ["YahooProvider", "fetch_yahoo_prices", "parse_yahoo_closes"]


PRICE_FIELDS = ("Adj Close", "Close")


def _price_level(columns: pd.MultiIndex) -> int:
    for level in range(columns.nlevels):
        if set(PRICE_FIELDS) & set(map(str, columns.get_level_values(level))):
            return level
    raise DataError(
        f"the yfinance frame has no 'Adj Close' or 'Close' column; got columns {list(columns)[:6]}."
    )


def parse_yahoo_closes(frame: pd.DataFrame | None, tickers: Sequence[str]) -> pd.DataFrame:
    """Adjusted closes from a ``yf.download`` frame (pure).

    Parameters
    ----------
    frame : DataFrame or None
        As returned by ``yf.download(tickers, ...)``: MultiIndex columns
        ``(Price, Ticker)`` or ``(Ticker, Price)``, or flat price columns for
        a single ticker with ``multi_level_index=False``.
    tickers : sequence of str
        The tickers that were requested.

    Returns
    -------
    DataFrame of shape (n_dates, n_found)
        One column per requested ticker that has at least one price, in
        request order; tz-naive dates named ``"date"``, all-NaN rows dropped.
        Tickers with no price are simply absent (the caller names them).
    """
    tickers = list(tickers)
    if frame is None or frame.empty or len(frame.columns) == 0:
        return pd.DataFrame(index=pd.DatetimeIndex([], name="date"), dtype=float)
    if isinstance(frame.columns, pd.MultiIndex):
        level = _price_level(frame.columns)
        names = set(map(str, frame.columns.get_level_values(level)))
        field = next(f for f in PRICE_FIELDS if f in names)
        closes = frame.xs(field, axis=1, level=level)
        if isinstance(closes, pd.Series):  # pragma: no cover - defensive
            closes = closes.to_frame(tickers[0])
        closes.columns = [str(c) for c in closes.columns]
    else:
        field = next((f for f in PRICE_FIELDS if f in frame.columns), None)
        if field is None or len(tickers) != 1:
            raise DataError(
                "the yfinance frame has flat columns without 'Adj Close'/'Close' for "
                f"{tickers}; call yf.download with multi_level_index=True."
            )
        closes = frame[[field]].set_axis([tickers[0]], axis=1)
    index = pd.DatetimeIndex(closes.index)
    if index.tz is not None:
        index = index.tz_localize(None)
    closes = closes.set_axis(index.normalize().rename("date"), axis=0)
    closes = closes.loc[~closes.index.duplicated(keep="last")].sort_index()
    found = [t for t in tickers if t in closes.columns and closes[t].notna().any()]
    closes = closes[found].apply(pd.to_numeric, errors="coerce").astype(float)
    return closes.dropna(how="all")


def _default_download() -> Callable[..., pd.DataFrame | None]:
    import yfinance

    return yfinance.download


def _download_batch(
    download: Callable[..., pd.DataFrame | None],
    batch: list[str],
    start: str,
    end_exclusive: str,
    policy: RetryPolicy,
    sleep: Callable[[float], None],
) -> tuple[dict[str, pd.Series], str]:
    """One batch through the project's retry loop, asking again only for missing tickers.

    Returns the closes found and the last download error (``""`` when the
    last call returned a frame, even one without some tickers).
    """
    found: dict[str, pd.Series] = {}
    last_error = ""

    def attempt() -> None:
        nonlocal last_error
        pending = [t for t in batch if t not in found]
        try:
            frame = download(
                pending,
                start=start,
                end=end_exclusive,
                interval="1d",
                auto_adjust=True,
                actions=False,
                progress=False,
                threads=False,
                group_by="column",
                multi_level_index=True,
                timeout=policy.timeout,
            )
            closes = parse_yahoo_closes(frame, pending)
            last_error = ""
        except DataError:
            raise  # a frame in an unknown shape will not fix itself
        except Exception as error:  # noqa: BLE001 - yfinance raises many kinds
            closes = pd.DataFrame()
            last_error = f"{type(error).__name__}: {error}"
        for ticker in closes.columns:
            found[ticker] = closes[ticker].dropna().rename(ticker)
        missing = [t for t in pending if t not in found]
        if missing:
            raise TransientError(
                f"no prices for {', '.join(missing)} ({last_error or 'empty response'})"
            )

    # retries exhausted: the caller names every ticker still missing
    with contextlib.suppress(HttpError):
        call_with_retries(attempt, policy, sleep, f"Yahoo Finance download of {', '.join(batch)}")
    return found, last_error


def fetch_yahoo_prices(
    tickers: Sequence[str],
    start: str,
    end: str,
    download: Callable[..., pd.DataFrame | None] | None = None,
    batch_size: int = 20,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, pd.Series]:
    """Download adjusted daily closes for ``[start, end]`` (inclusive).

    Parameters
    ----------
    tickers : sequence of str
        Yahoo symbols (``"SPY"``, ``"BTC-USD"``).
    start, end : str
        ISO dates.
    download : callable, optional
        ``yf.download`` or a fake with its signature.
    batch_size : int
        Tickers per ``download`` call.
    policy : RetryPolicy, optional
        Attempts and backoff for failed calls and missing tickers.
    sleep : callable

    Returns
    -------
    dict of str to Series
        Per ticker, closes indexed by date (only the ticker's own dates).

    Raises
    ------
    DataError
        Naming every ticker that still has no prices after the last attempt
        (unknown, delisted or renamed), or the download error when the calls
        themselves kept failing.
    """
    download = download or _default_download()
    policy = policy or RetryPolicy()
    end_exclusive = (pd.Timestamp(end) + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
    result: dict[str, pd.Series] = {}
    failed: dict[str, str] = {}
    unique = list(dict.fromkeys(tickers))
    size = max(1, batch_size)
    for offset in progress(range(0, len(unique), size), "download prices", unit="batch"):
        batch = unique[offset : offset + size]
        found, last_error = _download_batch(download, batch, start, end_exclusive, policy, sleep)
        result.update(found)
        failed.update({ticker: last_error for ticker in batch if ticker not in found})
    if failed:
        errors = sorted({e for e in failed.values() if e})
        reason = (
            f" The last download error was: {errors[-1]}. Check the network or retry later."
            if errors
            else " They are unknown, delisted or renamed on Yahoo Finance (Yahoo spells some "
            "symbols its own way: BRK-B, BTC-USD, ^VIX)."
        )
        raise DataError(
            f"Yahoo Finance returned no prices for {', '.join(failed)} between {start} and "
            f"{end} after {policy.attempts} attempt(s).{reason} Fix the ticker in `universe` "
            "(or the strategy that names it), or point the `csv` source at your own files."
        )
    return result


class YahooProvider:
    """Price provider over yfinance (see :class:`data.providers.PriceProvider`).

    Parameters
    ----------
    download : callable, optional
        ``yf.download`` or a fake.
    batch_size : int
    policy : RetryPolicy, optional
    sleep : callable
    """

    name = "yahoo"

    def __init__(
        self,
        download: Callable[..., pd.DataFrame | None] | None = None,
        batch_size: int = 20,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.download = download
        self.batch_size = batch_size
        self.policy = policy
        self.sleep = sleep

    def fetch_prices(self, tickers: Sequence[str], start: str, end: str) -> dict[str, pd.Series]:
        return fetch_yahoo_prices(
            tickers,
            start,
            end,
            download=self.download,
            batch_size=self.batch_size,
            policy=self.policy,
            sleep=self.sleep,
        )
