"""A 0/1 timing strategy: one asset when the regime is favourable, cash otherwise.

The stock-versus-cash strategy of Shu, Yu & Mulvey (2024): fully invested in
``asset`` while the causal label is ``favourable`` (``"abundant"``, the bull
state, by default), fully in cash otherwise, and in cash before the first
label. The execution delay and the costs are the engine's, as for every
strategy: ``execution.lag_days`` of 1, 5 or 10 gives the paper's delays
(the weight chosen at the close of day ``t`` fills at the close of
``t + lag``).

Pure; never shifted for execution.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from strategies.options import check_param
from strategies.weights import equal_weight

__all__ = ["regime_timing"]


def regime_timing(
    prices: pd.DataFrame,
    regimes: pd.DataFrame,
    baskets: Mapping[str, Sequence[str]],
    asset: str,
    favourable: str = "abundant",
) -> pd.DataFrame:
    """Hold ``asset`` when the label is ``favourable``, cash otherwise.

    Parameters
    ----------
    prices, regimes, baskets : see :mod:`strategies.weights`.
    asset : str
        The ticker to time (e.g. ``"SPY"``).
    favourable : {"abundant", "scarce"}, default "abundant"
        The regime in which the asset is held.

    Returns
    -------
    DataFrame of shape (n_dates, n_tickers)
        1 on ``asset`` where the label is ``favourable`` (and the asset is
        listed), 0 elsewhere.

    Examples
    --------
    >>> idx = pd.bdate_range("2024-01-01", periods=3)
    >>> prices = pd.DataFrame({"SPY": [1.0, 1.0, 1.0]}, index=idx)
    >>> regimes = pd.DataFrame({"regime": ["abundant", "scarce", None]}, index=idx)
    >>> regime_timing(prices, regimes, {}, "SPY")["SPY"].tolist()
    [1.0, 0.0, 0.0]
    """
    check_param("asset", asset)
    check_param("favourable", favourable)
    if asset not in prices.columns:
        raise ValueError(f"asset {asset!r} has no prices.")
    label = regimes["regime"].reindex(prices.index)
    held = equal_weight(prices, [asset])
    return held.mul((label == favourable).to_numpy(dtype=float), axis=0)
