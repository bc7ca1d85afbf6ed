"""A point-in-time download cache: one parquet file per (source, symbol).

Layout::

    <cache_dir>/<source>/<symbol>.parquet     (symbol URL-quoted, e.g. %5EVIX)

Each file holds one column ``value`` indexed by ``date`` and, in the parquet
schema metadata under ``regime_bt``, a JSON record: source, symbol, the
requested range, the fetch time (UTC), the row count and library versions.

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
  row count) is reported through :mod:`logging` (a warning), deleted and
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
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from data.atomic import atomic_path
from data.base import DataError

__all__ = ["CACHE_MODES", "ParquetCache", "default_cache_dir"]

logger = logging.getLogger(__name__)

CACHE_MODES = ("use", "offline", "refresh")
METADATA_KEY = b"regime_bt"
_VERSIONED = ("pandas", "pyarrow", "yfinance", "requests", "regime-backtester")


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/regime-backtester`` or ``~/.cache/regime-backtester``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "regime-backtester"


def _versions() -> dict[str, str]:
    versions = {}
    for package in _VERSIONED:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


class CorruptEntry(Exception):
    """Internal: a cache file that cannot be trusted."""


class ParquetCache:
    """Download cache for series keyed by (source, symbol).

    Parameters
    ----------
    root : str or Path, optional
        The cache dir (default :func:`default_cache_dir`).
    mode : {"use", "offline", "refresh"}

    Examples
    --------
    >>> cache = ParquetCache("/tmp/rb-cache")  # doctest: +SKIP
    >>> cache.get_many("fred", ["DGS10"], "2020-01-01", "2020-12-31", fetch)  # doctest: +SKIP
    """

    def __init__(self, root: str | Path | None = None, mode: str = "use") -> None:
        if mode not in CACHE_MODES:
            raise DataError(f"cache mode {mode!r} is not allowed; allowed: {', '.join(CACHE_MODES)}.")
        self.root = Path(root) if root else default_cache_dir()
        self.mode = mode

    def path(self, source: str, symbol: str) -> Path:
        """Where the entry for ``symbol`` from ``source`` lives."""
        return self.root / source / f"{quote(symbol, safe='-_.')}.parquet"

    # -- reading -----------------------------------------------------------
    def _load(self, path: Path) -> tuple[pd.Series, dict]:
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
        if "value" not in frame.columns or len(frame) != meta.get("rows"):
            raise CorruptEntry(f"expected {meta.get('rows')} rows of `value`, got {len(frame)}")
        series = frame["value"].astype(float)
        series.index = pd.DatetimeIndex(series.index, name="date")
        return series.rename(meta["symbol"]), meta

    def read(self, source: str, symbol: str) -> tuple[pd.Series, dict] | None:
        """The cached entry and its metadata, or None (missing or corrupt).

        A corrupt entry is logged as a warning and deleted.
        """
        path = self.path(source, symbol)
        if not path.is_file():
            return None
        try:
            return self._load(path)
        except CorruptEntry as error:
            logger.warning(
                "cache entry %s is corrupt (%s); deleting it and fetching again", path, error
            )
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            return None

    # -- writing -----------------------------------------------------------
    def write(self, source: str, symbol: str, series: pd.Series, start: str, end: str) -> Path:
        """Store ``series`` atomically (temporary file + :func:`os.replace`)."""
        path = self.path(source, symbol)
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "source": source, "symbol": symbol, "requested_start": start, "requested_end": end,
            "fetched_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "rows": int(len(series)), "versions": _versions(),
        }
        frame = pd.DataFrame({"value": series.astype(float).to_numpy()},
                             index=pd.DatetimeIndex(series.index, name="date"))
        table = pa.Table.from_pandas(frame, preserve_index=True)
        table = table.replace_schema_metadata(
            {**(table.schema.metadata or {}), METADATA_KEY: json.dumps(meta).encode("utf-8")}
        )
        with atomic_path(path) as temporary:
            self._write_table(table, str(temporary))
        return path

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

    # -- the one entry point providers use -----------------------------------
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
        found: dict[str, pd.Series] = {}
        missing: list[str] = []
        reasons: list[str] = []
        for symbol in dict.fromkeys(symbols):
            entry = None if self.mode == "refresh" else self.read(source, symbol)
            if entry is not None:
                series, meta = entry
                if self._covers(meta, start, end):
                    found[symbol] = series
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
                series = fetched[symbol]
                try:
                    self.write(source, symbol, series, start, end)
                except OSError as error:  # disk full, read-only or missing permissions
                    logger.warning(
                        "cannot write the cache entry %s (%s); continuing with the downloaded "
                        "data uncached", self.path(source, symbol), error,
                    )
                found[symbol] = series
        return {
            s: found[s].loc[pd.Timestamp(start):pd.Timestamp(end)] for s in dict.fromkeys(symbols)
        }
