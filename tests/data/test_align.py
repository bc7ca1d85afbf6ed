"""Point-in-time alignment: publication lags, as-of joins, calendars, listings."""

import numpy as np
import pandas as pd
import pytest

from data import (
    DataError,
    align_macro,
    align_prices,
    apply_publication_lag,
    asof_align,
    resolve_series,
    trading_calendar,
)


def test_publication_lag_hides_values_until_release():
    weekly = pd.Series(
        [1.0, 2.0, 3.0],
        index=pd.to_datetime(["2024-01-03", "2024-01-10", "2024-01-17"]),
        name="WALCL",
    )
    calendar = pd.bdate_range("2024-01-01", "2024-01-22", name="date")
    panel = align_macro({"WALCL": weekly}, calendar, resolve_series({"WALCL": {"lag_days": 2}}))
    column = panel["WALCL"]
    # Observed Wednesday 3 Jan, usable from Friday 5 Jan (lag 2 days).
    assert column.loc[:"2024-01-04"].isna().all()
    assert column.loc["2024-01-05"] == 1.0
    assert column.loc["2024-01-11"] == 1.0  # the 10 Jan print is not out yet
    assert column.loc["2024-01-12"] == 2.0
    assert column.loc["2024-01-22"] == 3.0


def test_no_value_is_visible_before_its_release_date():
    rng = np.random.default_rng(3)
    observed = pd.Series(
        rng.normal(size=60), index=pd.date_range("2020-01-01", periods=60, freq="W-WED")
    )
    calendar = pd.bdate_range("2020-01-01", "2021-03-01", name="date")
    specs = resolve_series(
        {"X": {"frequency": "weekly", "lag_days": 9, "max_staleness_days": None}}
    )
    aligned = align_macro({"X": observed}, calendar, specs)["X"]
    for day, value in aligned.dropna().items():
        released = observed[observed.index + pd.Timedelta(days=9) <= day]
        assert value == released.iloc[-1]


def test_monthly_asof_join_carries_forward_only():
    monthly = pd.Series([10.0, 11.0], index=pd.to_datetime(["2024-01-01", "2024-02-01"]))
    calendar = pd.bdate_range("2024-02-20", "2024-04-10")
    aligned = asof_align(apply_publication_lag(monthly, 56), calendar)
    assert aligned.loc[:"2024-02-25"].isna().all()  # Jan value released 26 Feb
    assert aligned.loc["2024-02-26"] == 10.0
    assert aligned.loc["2024-03-27"] == 10.0
    assert aligned.loc["2024-03-28"] == 11.0


def test_missing_observations_are_never_published():
    daily = pd.Series([1.0, np.nan, 3.0], index=pd.bdate_range("2024-01-01", periods=3))
    aligned = asof_align(apply_publication_lag(daily, 1), pd.bdate_range("2024-01-01", periods=5))
    assert aligned.tolist()[1:4] == [1.0, 1.0, 3.0]


def test_unknown_series_needs_an_explicit_lag():
    with pytest.raises(DataError, match="no publication lag is known for series 'MYSERIES'"):
        align_macro(
            {"MYSERIES": pd.Series([1.0], index=pd.to_datetime(["2024-01-01"]))},
            pd.bdate_range("2024-01-01", periods=3),
        )


def test_negative_lag_is_rejected():
    with pytest.raises(DataError, match=">= 0"):
        apply_publication_lag(pd.Series([1.0], index=pd.to_datetime(["2024-01-01"]), name="X"), -1)


def _raw_prices():
    days = pd.date_range("2024-01-01", "2024-01-21", name="date")  # every calendar day
    equity = pd.Series(np.arange(len(days), dtype=float) + 100, index=days)
    equity[days.day_of_week >= 5] = np.nan
    equity[pd.Timestamp("2024-01-15")] = np.nan  # a holiday (MLK day)
    crypto = pd.Series(np.arange(len(days), dtype=float) + 1000, index=days)
    late = equity.copy()
    late[:"2024-01-10"] = np.nan
    return pd.DataFrame({"SPY": equity, "BTC": crypto, "LATE": late})


def test_trading_calendar_excludes_weekends_and_holidays():
    calendar = trading_calendar(_raw_prices(), "SPY")
    assert (calendar.day_of_week < 5).all()
    assert pd.Timestamp("2024-01-15") not in calendar
    assert len(calendar) == 14


def test_crypto_is_sampled_at_its_own_close_on_trading_days():
    raw = _raw_prices()
    calendar = trading_calendar(raw, "SPY")
    aligned = align_prices(raw, calendar)
    # Monday 8 Jan: the crypto close of that Monday, so the weekend move is in Monday's return.
    assert aligned.loc["2024-01-08", "BTC"] == raw.loc["2024-01-08", "BTC"]
    assert aligned.loc["2024-01-16", "BTC"] == raw.loc["2024-01-16", "BTC"]


def test_late_listing_is_never_back_filled():
    raw = _raw_prices()
    aligned = align_prices(raw, trading_calendar(raw, "SPY"))
    assert aligned.loc[:"2024-01-10", "LATE"].isna().all()
    assert aligned.loc["2024-01-11", "LATE"] == raw.loc["2024-01-11", "LATE"]


def test_history_that_ends_is_not_carried_past_its_end():
    raw = _raw_prices()
    raw.loc["2024-01-12":, "LATE"] = np.nan
    aligned = align_prices(raw, trading_calendar(raw, "SPY"))
    assert aligned.loc["2024-01-12":, "LATE"].isna().all()


def test_short_gaps_inside_a_listed_life_are_carried_forward():
    raw = _raw_prices()
    raw.loc["2024-01-03", "SPY"] = np.nan
    calendar = pd.bdate_range("2024-01-01", "2024-01-05", name="date")
    aligned = align_prices(raw, calendar, max_gap=1)
    assert aligned.loc["2024-01-03", "SPY"] == raw.loc["2024-01-02", "SPY"]


def test_a_close_on_a_day_the_calendar_skips_is_used_the_next_calendar_day():
    # As-of, not reindex: a market open on a US holiday (or crypto on a
    # Sunday) is known the next US session even if that session has no close
    # of its own for the ticker.
    raw = pd.DataFrame(
        {"SPY": [1.0, np.nan, 1.0, 1.0], "KR": [10.0, 11.0, np.nan, 12.0]},
        index=pd.to_datetime(["2024-01-12", "2024-01-15", "2024-01-16", "2024-01-17"]),
    )
    calendar = pd.DatetimeIndex(
        pd.to_datetime(["2024-01-12", "2024-01-16", "2024-01-17"]), name="date"
    )
    aligned = align_prices(raw, calendar)
    assert aligned["KR"].tolist() == [10.0, 11.0, 12.0]


def test_foreign_closes_are_known_at_their_session_close_and_never_back_filled():
    pytest.importorskip("exchange_calendars")
    # Seoul closes before New York on the same date; 2024-01-15 is a US
    # holiday (MLK day) when KRX trades; 2024-02-09..12 is a KRX holiday
    # (Lunar New Year) when New York trades.
    us = pd.bdate_range("2024-01-10", "2024-02-14", name="date")
    us = us[us != pd.Timestamp("2024-01-15")]
    krx = pd.bdate_range("2024-01-10", "2024-02-14")
    krx = krx[~krx.isin(pd.to_datetime(["2024-02-09", "2024-02-12"]))]
    raw = pd.DataFrame(
        {
            "SPY": pd.Series(1.0, index=us),
            "005930.KS": pd.Series(np.arange(len(krx), dtype=float) + 1, index=krx),
        }
    )
    aligned = align_prices(
        raw, pd.DatetimeIndex(us, name="date"), max_gap=5, exchanges={"005930.KS": "XKRX"}
    )["005930.KS"]
    kr = raw["005930.KS"].dropna()
    assert aligned.loc["2024-01-12"] == kr.loc["2024-01-12"]  # the same date's Seoul close
    assert aligned.loc["2024-01-16"] == kr.loc["2024-01-16"]
    assert aligned.loc["2024-02-09"] == kr.loc["2024-02-08"]  # KRX holiday: carried
    assert aligned.loc["2024-02-12"] == kr.loc["2024-02-08"]
    assert aligned.loc["2024-02-13"] == kr.loc["2024-02-13"]
    # Never the future: every aligned value was a close on or before that date.
    for day, value in aligned.dropna().items():
        assert kr.loc[:day].iloc[-1] == value


def test_unknown_calendar_ticker_names_the_alternatives():
    with pytest.raises(DataError, match="calendar ticker 'QQQ'.*SPY, BTC, LATE"):
        trading_calendar(_raw_prices(), "QQQ")
