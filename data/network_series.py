"""Series whose rows carry their own publication dates, from the network.

:func:`network_vintages` builds the ``vintage_provider`` the ``yahoo`` source
gives :func:`data.providers.load_from_providers`:

* ``[series.<ID>] source = "sec"`` (``ticker``, ``metric``): quarterly SEC
  EDGAR company facts (:class:`data.sec.SecProvider`), each value published
  on its filing date;
* with ``data.vintage = "first_release"``, revised FRED series
  (:attr:`data.series.SeriesSpec.revised`) are loaded from ALFRED and reduced
  to their first release (:func:`data.fred.first_release`), so M2 or NFCI
  are seen as first published.

Both go through the parquet cache like every other download.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from data.base import DataError
from data.cache import ParquetCache
from data.series import SeriesSpec

__all__ = ["network_vintages"]


def network_vintages(
    cache: ParquetCache, vintage: str = "latest", sec_user_agent: str = ""
) -> Callable[[SeriesSpec, str, str], pd.DataFrame]:
    """The vintage provider of the network source.

    Parameters
    ----------
    cache : ParquetCache
    vintage : {"latest", "first_release"}
    sec_user_agent : str
        ``data.sec_user_agent`` (empty: the ``SEC_USER_AGENT`` environment variable).

    Returns
    -------
    callable
        ``provider(spec, start, end) -> vintage frame``.
    """
    providers: dict[str, Any] = {}  # one SecProvider / FredProvider, made on first use

    def provide(spec: SeriesSpec, start: str, end: str) -> pd.DataFrame:
        if spec.source == "sec":
            from data.sec import SecProvider

            sec = providers.setdefault(
                "sec", SecProvider(user_agent=sec_user_agent or None, cache=cache)
            )
            return sec.fetch_vintages(
                spec.options["ticker"],
                spec.options["metric"],
                start,
                end,
            )
        if spec.source == "fred" and vintage == "first_release":
            from data.fred import FredProvider, first_release

            fred = providers.setdefault("fred", FredProvider())
            frames = cache.get_vintages(
                fred.vintage_source,
                [spec.id],
                start,
                end,
                lambda missing: {s: fred.fetch_vintages(s, start, end) for s in missing},
            )
            return first_release(frames[spec.id])
        raise DataError(
            f"series {spec.id}: no network vintage source for source = {spec.source!r}."
        )

    return provide
