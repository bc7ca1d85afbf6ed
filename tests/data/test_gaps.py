"""Gap handling: carried macro values expire after a per-series max staleness."""

import numpy as np
import pandas as pd

from data import align_macro, asof_align
from data.series import SERIES, resolve_series
from regimes.features import build_features, net_liquidity


def weekly(values, start="2024-01-03", name="WTREGEN"):
    index = pd.date_range(start, periods=len(values), freq="7D")
    return pd.Series(values, index=index, name=name, dtype=float)


def test_asof_without_limit_carries_forever_and_with_limit_expires():
    released = pd.Series([1.0, 2.0], index=pd.to_datetime(["2024-01-01", "2024-03-01"]))
    calendar = pd.date_range("2024-01-01", "2024-03-05", freq="D")
    carried = asof_align(released, calendar)
    limited = asof_align(released, calendar, max_staleness=14)
    assert carried.loc["2024-02-29"] == 1.0
    assert limited.loc["2024-01-15"] == 1.0 and np.isnan(limited.loc["2024-01-16"])
    assert limited.loc["2024-03-01"] == 2.0  # the next release revives it
    assert np.isnan(limited.loc[:"2023-12-31"]).all()  # still never back-filled


def test_publication_hole_becomes_nan_then_recovers():
    # A WTREGEN-like hole: six weekly prints missing.
    values = [1.0, 2.0, 3.0] + [np.nan] * 6 + [10.0, 11.0]
    calendar = pd.bdate_range("2024-01-01", "2024-03-31", name="date")
    specs = resolve_series({"WTREGEN": {"lag_days": 2, "max_staleness_days": 14}})
    panel = align_macro({"WTREGEN": weekly(values)}, calendar, specs)
    column = panel["WTREGEN"]
    last_release = pd.Timestamp("2024-01-17") + pd.Timedelta(days=2)
    assert column.loc[last_release + pd.Timedelta(days=14)] == 3.0
    hole = column.loc[last_release + pd.Timedelta(days=15) : "2024-03-07"]
    assert hole.isna().all() and len(hole) > 20
    assert column.loc["2024-03-08"] == 10.0  # released 2024-03-06 + 2


def test_rrp_expires_to_zero_not_nan():
    assert SERIES["RRPONTSYD"].stale_value == 0.0 and SERIES["RRPONTSYD"].max_staleness_days == 5
    rrp = pd.Series(
        [5.0, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, 7.0],
        index=pd.bdate_range("2012-01-02", periods=9),
        name="RRPONTSYD",
    )
    calendar = pd.bdate_range("2012-01-02", periods=12, name="date")
    panel = align_macro({"RRPONTSYD": rrp}, calendar)
    column = panel["RRPONTSYD"]
    assert np.isnan(column.iloc[0])  # before the first release (obs + 1 day)
    assert column.loc["2012-01-03"] == 5.0 and column.loc["2012-01-06"] == 5.0
    assert column.loc["2012-01-10"] == 0.0  # > 5 days old: no operation outstanding
    assert column.loc["2012-01-13"] == 7.0


def test_net_liquidity_feature_falls_back_during_the_hole():
    calendar = pd.bdate_range("2020-01-01", "2022-12-30", name="date")
    n_weeks = 160
    walcl = weekly(np.linspace(4e6, 8e6, n_weeks), start="2020-01-01", name="WALCL")
    tga = np.full(n_weeks, 5e5)
    tga[100:106] = np.nan
    wtregen = weekly(tga, start="2020-01-01", name="WTREGEN")
    rrp = pd.Series(1.0, index=pd.bdate_range("2020-01-01", "2022-12-30"), name="RRPONTSYD")
    vix = pd.Series(np.linspace(10, 30, len(calendar)), index=calendar, name="VIXCLS")
    macro = align_macro(
        {"WALCL": walcl, "WTREGEN": wtregen, "RRPONTSYD": rrp, "VIXCLS": vix}, calendar
    )
    macro["net_liquidity"] = net_liquidity(macro)
    features = build_features(
        macro, pd.DataFrame(index=calendar), ["net_liquidity_13w", "vix"], min_periods=100
    )
    hole = macro["WTREGEN"].isna() & (macro.index > "2020-06-01")
    assert hole.sum() > 15
    assert features.loc[hole, "net_liquidity_13w"].isna().all()
    assert features.loc[hole, "vix"].notna().all()  # the other inputs carry the score
