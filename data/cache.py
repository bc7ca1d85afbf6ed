"""A point-in-time download cache: one parquet file per (source, symbol).

Layout::

    <cache_dir>/<source>/<symbol>.parquet     (symbol URL-quoted, e.g. %5EVIX)

Each file holds one column ``value`` indexed by ``date`` and, in the parquet
schema metadata under ``regime_bt``, a JSON record: source, symbol, the
requested range, the fetch time (UTC), the row count and library versions.

Vintage frames (values that carry their own publication dates: ALFRED
vintages, SEC filings) live beside them as
``<cache_dir>/<source>/<symbol>.vintages.parquet``: the frame's columns
(``observed``, ``published``, ``value``, then provenance) without an index,
and the same metadata record plus ``kind = "vintages"`` and the column list.
:meth:`ParquetCache.get_vintages` is the frame-valued sibling of
:meth:`ParquetCache.get_many`, with the same rules below.

A vintage frame (:func:`check_vintage_frame`) is a DataFrame with columns
``observed`` (datetime64[ns]: the observation or period-end date),
``published`` (datetime64[ns]: the first day a user could have known the
value), ``value`` (float, NaN allowed) and optional provenance columns after
them; one row per (observed, published), sorted by (published, observed),
on a RangeIndex.

The metadata never holds a secret: no API key, no User-Agent, no URL with a
query string; only the fields listed above.

Rules
-----
* The cache dir is ``data.cache_dir`` when set, else
  ``$XDG_CACHE_HOME/regime-backtester``, else ``~/.cache/regime-backtester``.
* An entry is a hit when its *requested* range covers the range asked for now
  and, if that range reached past the day it was fetched, no newer close can
  exist yet (it was fetched today). The values are then cut to the new range,
  so a cached run sees exactly the rows it would have downloaded. Offline mode
  accepts any entry whose requested range covers the run.
* Writes are atomic: a temporary file in the same folder, then
  :func:`os.replace`. A crash mid-write leaves the previous entry intact and
  no temporary file behind.
* A corrupt or truncated file (unreadable parquet, missing metadata, wrong
  row count; for vintage frames also wrong columns or kind, bad dtypes,
  duplicate or unsorted vintages) is reported through :mod:`logging` (a warning), deleted and
  refetched; it is never half-read.
* A cache that cannot be written (disk full, read-only directory) is not an
  error: the failure is logged as a warning, the previous entry (if any) is
  left intact, and the run goes on with the freshly downloaded data.
* Modes: ``"use"`` (read hits, fetch misses), ``"offline"`` (never fetch; a
  miss is a :class:`data.DataError` that names every missing symbol) and
  ``"refresh"`` (fetch everything again and overwrite).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from data.atomic import atomic_path
from data.base import DataError
from data.provenance import package_versions
from data.series import VINTAGE_COLUMNS, check_vintage_frame

__all__ = [
    "CACHE_MODES",
    "VINTAGE_COLUMNS",
    "ParquetCache",
    "check_vintage_frame",
    "default_cache_dir",
]

logger = logging.getLogger(__name__)

CACHE_MODES = ("use", "offline", "refresh")
METADATA_KEY = b"regime_bt"
_VERSIONED = ("pandas", "pyarrow", "yfinance", "requests", "regime-backtester")
#: The leading columns of every vintage frame, in this order.
_VINTAGE_KIND = "vintages"


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/regime-backtester`` or ``~/.cache/regime-backtester``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "regime-backtester"


def _versions() -> dict[str, str]:
    return package_versions(_VERSIONED)


class CorruptEntry(Exception):
    """Internal: a cache file that cannot be trusted."""


class ParquetCache:
    """Download cache for series and vintage frames keyed by (source, symbol).

    Parameters
    ----------
    root : str or Path, optional
        The cache dir (default :func:`default_cache_dir`).
    mode : {"use", "offline", "refresh"}

    Examples
    --------
    >>> cache = ParquetCache("/tmp/rb-cache")  # doctest: +SKIP
    >>> cache.get_many("fred", ["DGS10"], "2020-01-01", "2020-12-31", fetch)  # doctest: +SKIP
    >>> cache.get_vintages("sec", ["AMZN.capex"], "2015-01-01", "2024-12-31",
    ...                    fetch)  # doctest: +SKIP
    """

    def __init__(self, root: str | Path | None = None, mode: str = "use") -> None:
        if mode not in CACHE_MODES:
            raise DataError(
                f"cache mode {mode!r} is not allowed; allowed: {', '.join(CACHE_MODES)}."
            )
        self.root = Path(root) if root else default_cache_dir()
        self.mode = mode

    def path(self, source: str, symbol: str) -> Path:
        """Where the series entry for ``symbol`` from ``source`` lives."""
        return self.root / source / f"{quote(symbol, safe='-_.')}.parquet"

    def vintages_path(self, source: str, symbol: str) -> Path:
        """Where the vintage-frame entry for ``symbol`` from ``source`` lives."""
        return self.root / source / f"{quote(symbol, safe='-_.')}.{_VINTAGE_KIND}.parquet"

    # -- reading -----------------------------------------------------------
    @staticmethod
    def _open(path: Path) -> tuple[pd.DataFrame, dict]:
        try:
            table = pq.read_table(path)
            raw = (table.schema.metadata or {}).get(METADATA_KEY)
            if raw is None:
                raise CorruptEntry("no regime_bt metadata")
            meta = json.loads(raw)
            frame = table.to_pandas()
        except CorruptEntry:
            raise
        except Exception as error:  # noqa: BLE001 - pyarrow raises many kinds on bad files
            raise CorruptEntry(f"{type(error).__name__}: {error}") from None
        if not isinstance(meta, dict):
            raise CorruptEntry("the regime_bt metadata is not a record")
        if len(frame) != meta.get("rows"):
            raise CorruptEntry(f"expected {meta.get('rows')} rows, got {len(frame)}")
        return frame, meta

    def _load(self, path: Path) -> tuple[pd.Series, dict]:
        frame, meta = self._open(path)
        if "value" not in frame.columns or meta.get("kind", "series") != "series":
            raise CorruptEntry(f"expected a `value` series, got columns {list(frame.columns)}")
        series = frame["value"].astype(float)
        series.index = pd.DatetimeIndex(series.index, name="date")
        return series.rename(meta["symbol"]), meta

    def _load_vintages(self, path: Path) -> tuple[pd.DataFrame, dict]:
        frame, meta = self._open(path)
        if meta.get("kind") != _VINTAGE_KIND or list(frame.columns) != meta.get("columns"):
            raise CorruptEntry(
                f"expected a vintage frame with columns {meta.get('columns')}, got kind "
                f"{meta.get('kind')!r} and columns {list(frame.columns)}"
            )
        try:
            checked = check_vintage_frame(frame, where=str(path))
        except DataError as error:
            raise CorruptEntry(str(error)) from None
        if not checked[["published", "observed"]].equals(
            frame[["published", "observed"]].astype("datetime64[ns]").reset_index(drop=True)
        ):
            raise CorruptEntry("vintages are not sorted by (published, observed)")
        return checked, meta

    def _read_entry(self, path: Path, load: Callable[[Path], tuple]) -> tuple | None:
        if not path.is_file():
            return None
        try:
            return load(path)
        except CorruptEntry as error:
            logger.warning(
                "cache entry %s is corrupt (%s); deleting it and fetching again", path, error
            )
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            return None

    def read(self, source: str, symbol: str) -> tuple[pd.Series, dict] | None:
        """The cached series and its metadata, or None (missing or corrupt).

        A corrupt entry is logged as a warning and deleted.
        """
        return self._read_entry(self.path(source, symbol), self._load)

    def read_vintages(self, source: str, symbol: str) -> tuple[pd.DataFrame, dict] | None:
        """The cached vintage frame and its metadata, or None (missing or corrupt).

        A corrupt entry is logged as a warning and deleted.
        """
        return self._read_entry(self.vintages_path(source, symbol), self._load_vintages)

    # -- writing -----------------------------------------------------------
    @staticmethod
    def _meta(source: str, symbol: str, start: str, end: str, rows: int) -> dict:
        # Only these fields: never a key, a User-Agent or a URL.
        return {
            "source": source,
            "symbol": symbol,
            "requested_start": start,
            "requested_end": end,
            "fetched_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "rows": rows,
            "versions": _versions(),
        }

    def _store(self, path: Path, table: pa.Table, meta: dict) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        table = table.replace_schema_metadata(
            {**(table.schema.metadata or {}), METADATA_KEY: json.dumps(meta).encode("utf-8")}
        )
        with atomic_path(path) as temporary:
            self._write_table(table, str(temporary))
        return path

    def write(self, source: str, symbol: str, series: pd.Series, start: str, end: str) -> Path:
        """Store ``series`` atomically (temporary file + :func:`os.replace`)."""
        frame = pd.DataFrame(
            {"value": series.astype(float).to_numpy()},
            index=pd.DatetimeIndex(series.index, name="date"),
        )
        table = pa.Table.from_pandas(frame, preserve_index=True)
        meta = self._meta(source, symbol, start, end, len(series))
        return self._store(self.path(source, symbol), table, meta)

    def write_vintages(
        self, source: str, symbol: str, frame: pd.DataFrame, start: str, end: str
    ) -> Path:
        """Store a vintage frame atomically (validated by :func:`check_vintage_frame` first)."""
        checked = check_vintage_frame(frame, where=f"{source} {symbol}")
        table = pa.Table.from_pandas(checked, preserve_index=False)
        meta = {
            **self._meta(source, symbol, start, end, len(checked)),
            "kind": _VINTAGE_KIND,
            "columns": [str(c) for c in checked.columns],
        }
        return self._store(self.vintages_path(source, symbol), table, meta)

    @staticmethod
    def _write_table(table: pa.Table, destination: str) -> None:
        pq.write_table(table, destination)

    def _covers(self, meta: dict, start: str, end: str) -> bool:
        if meta["requested_start"] > start or meta["requested_end"] < end:
            return False
        if self.mode == "offline":
            return True
        # A range that ran past the fetch day was only filled up to that day:
        # it is a hit only until a newer close could exist.
        fetched = meta["fetched_at"][:10]
        today = datetime.now(UTC).strftime("%Y-%m-%d")
        return min(end, today) <= fetched

    # -- the entry points providers use ---------------------------------------
    def _get(
        self,
        source: str,
        symbols: Sequence[str],
        start: str,
        end: str,
        fetch: Callable[[list[str]], Mapping[str, Any]],
        read: Callable[[str, str], tuple | None],
        write: Callable[[str, str, Any, str, str], Path],
        path: Callable[[str, str], Path],
    ) -> dict[str, Any]:
        found: dict[str, Any] = {}
        missing: list[str] = []
        reasons: list[str] = []
        for symbol in dict.fromkeys(symbols):
            entry = None if self.mode == "refresh" else read(source, symbol)
            if entry is not None:
                value, meta = entry
                if self._covers(meta, start, end):
                    found[symbol] = value
                    continue
                reasons.append(
                    f"{symbol} (cached {meta['requested_start']}..{meta['requested_end']})"
                )
            else:
                reasons.append(f"{symbol} (not cached)")
            missing.append(symbol)
        if missing and self.mode == "offline":
            raise DataError(
                f"offline mode: the {source} cache in {self.root / source} does not cover "
                f"{start}..{end} for: {', '.join(reasons)}. Run `regime-bt fetch CONFIG` "
                "once with network access (or drop --offline), or use the `csv` source with "
                "a snapshot."
            )
        if missing:
            fetched = fetch(missing)
            for symbol in missing:
                value = fetched[symbol]
                try:
                    write(source, symbol, value, start, end)
                except OSError as error:  # disk full, read-only or missing permissions
                    logger.warning(
                        "cannot write the cache entry %s (%s); continuing with the downloaded "
                        "data uncached",
                        path(source, symbol),
                        error,
                    )
                found[symbol] = value
        return found

    def get_many(
        self,
        source: str,
        symbols: Sequence[str],
        start: str,
        end: str,
        fetch: Callable[[list[str]], dict[str, pd.Series]],
    ) -> dict[str, pd.Series]:
        """Cached or freshly fetched series for ``symbols`` over ``[start, end]``.

        Parameters
        ----------
        source : str
            ``"yahoo"`` or ``"fred"``: the folder of the cache.
        symbols : sequence of str
        start, end : str
            Inclusive ISO dates.
        fetch : callable
            ``fetch(missing_symbols) -> {symbol: Series}`` for the misses.

        Returns
        -------
        dict of str to Series
            Cut to ``[start, end]``.

        Raises
        ------
        DataError
            In offline mode, naming every symbol not covered by the cache.
        """
        found = self._get(source, symbols, start, end, fetch, self.read, self.write, self.path)
        return {
            s: found[s].loc[pd.Timestamp(start) : pd.Timestamp(end)] for s in dict.fromkeys(symbols)
        }

    def get_vintages(
        self,
        source: str,
        symbols: Sequence[str],
        start: str,
        end: str,
        fetch: Callable[[list[str]], Mapping[str, pd.DataFrame]],
    ) -> dict[str, pd.DataFrame]:
        """Cached or freshly fetched vintage frames for ``symbols`` over ``[start, end]``.

        The frame-valued sibling of :meth:`get_many`: same hit, offline,
        refresh, corruption and write-failure rules.

        Parameters
        ----------
        source : str
            ``"alfred"`` or ``"sec"``: the folder of the cache.
        symbols : sequence of str
            ``"M2SL"``, ``"AMZN.capex"``.
        start, end : str
            Inclusive ISO dates, on the **observation** dates.
        fetch : callable
            ``fetch(missing_symbols) -> {symbol: vintage frame}`` for the misses.

        Returns
        -------
        dict of str to DataFrame of shape (n_vintages, 3 + n_provenance)
            Normalised by :func:`check_vintage_frame` and cut to the rows whose
            ``observed`` is in ``[start, end]``. Every vintage of those
            observations is kept, whatever its ``published`` date: the
            point-in-time alignment reads ``published``.

        Raises
        ------
        DataError
            In offline mode, naming every symbol not covered by the cache;
            on a fetched frame that is not a vintage frame.
        """

        def normalised(missing: list[str]) -> dict[str, pd.DataFrame]:
            fetched = fetch(missing)
            return {s: check_vintage_frame(fetched[s], where=f"{source} {s}") for s in missing}

        found = self._get(
            source,
            symbols,
            start,
            end,
            normalised,
            self.read_vintages,
            self.write_vintages,
            self.vintages_path,
        )
        first, last = pd.Timestamp(start), pd.Timestamp(end)
        result = {}
        for symbol in dict.fromkeys(symbols):
            frame = found[symbol]
            inside = (frame["observed"] >= first) & (frame["observed"] <= last)
            result[symbol] = frame.loc[inside].reset_index(drop=True)
        return result
