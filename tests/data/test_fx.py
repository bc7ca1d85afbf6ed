"""Foreign listings in USD (data/fx.py): sessions, point-in-time rates, currency rules.

The invariant: the USD price of a Korean stock on a US trading day ``t`` is
its latest KRX close known at New York's close of ``t`` (same-date Seoul
close included, never a later one) divided by the latest DEXKOUS fixing
*published* by ``t`` (observation + 8 days, the H.10 weekly release). Both
are checked against an independent pandas computation, on a constructed
dataset and on the curated snapshot.
"""

import numpy as np
import pandas as pd
import pytest

from data import DataError, align_macro, align_prices, resolve_series, trading_calendar
from data.csv_source import read_fred_file, read_price_file
from data.fx import (
    CURRENCIES,
    SUFFIXES,
    fx_series,
    known_dates,
    ticker_currency,
    ticker_exchange,
    to_usd,
)

pytest.importorskip("exchange_calendars")

SAMSUNG = "005930.KS"
LAG = resolve_series()["DEXKOUS"].lag_days
STALE = resolve_series()["DEXKOUS"].max_staleness_days


def usd_prices(raw: pd.DataFrame, dexkous: pd.Series, ticker: str = SAMSUNG) -> pd.Series:
    """The pipeline the runner uses: align on the SPY calendar, as-of FX, convert."""
    calendar = trading_calendar(raw, "SPY")
    local = align_prices(raw, calendar, max_gap=5, exchanges={ticker: "XKRX"})[ticker]
    rate = align_macro({"DEXKOUS": dexkous}, calendar)["DEXKOUS"]
    return to_usd(local, rate, CURRENCIES["KRW"])


def expected_usd(day: pd.Timestamp, closes: pd.Series, dexkous: pd.Series) -> float:
    """Independent oracle: the last close dated <= day over the last fixing published by day."""
    known = closes.loc[:day].dropna()
    fixings = dexkous.dropna()
    published = fixings.loc[fixings.index + pd.Timedelta(days=LAG) <= day]
    if known.empty or published.empty:
        return np.nan
    if (day - (published.index[-1] + pd.Timedelta(days=LAG))).days > STALE:
        return np.nan
    return known.iloc[-1] / published.iloc[-1]


# -- a constructed quarter: KRX and NYSE holidays that do not coincide -------------------

#: NYSE closed 2024-01-15 (MLK), 2024-02-19 (Presidents Day), 2024-03-29 (Good Friday).
US_DAYS = pd.bdate_range("2024-01-02", "2024-03-28").drop(
    pd.to_datetime(["2024-01-15", "2024-02-19"])
)
#: KRX closed 2024-02-09 and 2024-02-12 (Lunar New Year), 2024-03-01 (Independence Movement Day).
KRX_DAYS = pd.bdate_range("2024-01-02", "2024-03-28").drop(
    pd.to_datetime(["2024-02-09", "2024-02-12", "2024-03-01"])
)


@pytest.fixture
def world():
    """SPY on US days, Samsung on KRX days (KRW), DEXKOUS on every weekday with H.10 blanks."""
    closes = pd.Series(70_000.0 + 100.0 * np.arange(len(KRX_DAYS)), index=KRX_DAYS, name=SAMSUNG)
    fx_days = pd.bdate_range("2023-12-01", "2024-03-28")
    dexkous = pd.Series(1300.0 + 0.5 * np.arange(len(fx_days)), index=fx_days, name="DEXKOUS")
    dexkous[pd.to_datetime(["2024-01-15", "2024-02-19"])] = np.nan  # no noon fixing: US holiday
    raw = pd.DataFrame({"SPY": pd.Series(400.0, index=US_DAYS), SAMSUNG: closes})
    return raw, closes, dexkous


def test_every_day_equals_the_independent_computation(world):
    raw, closes, dexkous = world
    usd = usd_prices(raw, dexkous)
    assert list(usd.index) == list(US_DAYS)
    for day, value in usd.items():
        assert value == pytest.approx(expected_usd(day, closes, dexkous), nan_ok=True), day
    assert usd.notna().sum() == len(US_DAYS)  # 8 Dec fixings exist before the first session


def test_one_day_uses_that_days_close_and_the_fixing_published_by_then(world):
    raw, closes, dexkous = world
    usd = usd_prices(raw, dexkous)
    day = pd.Timestamp("2024-03-15")
    # Seoul's 2024-03-15 close precedes New York's close that day; the DEXKOUS
    # observed 2024-03-07 is published (obs + 8 days) on 2024-03-15, the one
    # observed 2024-03-08 is not yet.
    assert usd[day] == closes[day] / dexkous[pd.Timestamp("2024-03-07")]
    assert usd[day] != closes[day] / dexkous[pd.Timestamp("2024-03-08")]


def test_a_krx_holiday_carries_the_last_close_never_the_next(world):
    raw, closes, dexkous = world
    usd = usd_prices(raw, dexkous)
    for holiday, fixing in (
        ("2024-02-09", "2024-02-01"),
        ("2024-02-12", "2024-02-02"),
        ("2024-03-01", "2024-02-22"),
    ):
        # The Feb 8 (or Feb 29) close, converted at the holiday's own as-of rate.
        last_close = closes.loc[:holiday].iloc[-1]
        assert usd[holiday] == last_close / dexkous[fixing], holiday
        next_close = closes.loc[holiday:].iloc[0]
        assert usd[holiday] != next_close / dexkous[fixing]


def test_a_us_holiday_folds_the_seoul_close_into_the_next_us_session(world):
    raw, closes, dexkous = world
    usd = usd_prices(raw, dexkous)
    assert pd.Timestamp("2024-01-15") not in usd.index  # never traded on a US holiday
    # Tuesday's USD price is Tuesday's Seoul close (the Monday close is superseded).
    assert usd["2024-01-16"] == closes["2024-01-16"] / dexkous["2024-01-08"]


def test_a_blank_fixing_is_skipped_not_treated_as_published(world):
    raw, closes, dexkous = world
    usd = usd_prices(raw, dexkous)
    # 2024-01-23 - 8 days = 2024-01-15: no fixing that day, so the 01-12 one.
    assert usd["2024-01-23"] == closes["2024-01-23"] / dexkous["2024-01-12"]


@pytest.mark.parametrize("cut", ["2024-01-10", "2024-02-08", "2024-02-12", "2024-03-01"])
def test_changing_the_future_never_changes_the_past(world, cut):
    """Perturb every KRX close after the cut and every fixing not published by it."""
    raw, closes, dexkous = world
    cut = pd.Timestamp(cut)
    usd = usd_prices(raw, dexkous)
    rng = np.random.default_rng(14)
    future_closes = closes.copy()
    after = future_closes.index > cut
    future_closes[after] *= rng.uniform(0.5, 2.0, after.sum())
    future_fx = dexkous.copy()
    unpublished = future_fx.index + pd.Timedelta(days=LAG) > cut
    future_fx[unpublished] *= rng.uniform(0.5, 2.0, unpublished.sum())
    perturbed = usd_prices(raw.assign(**{SAMSUNG: future_closes}), future_fx)
    pd.testing.assert_series_equal(perturbed.loc[:cut], usd.loc[:cut])
    assert not perturbed.loc[cut:].iloc[1:].equals(usd.loc[cut:].iloc[1:])  # the test has teeth


def test_a_fixing_published_one_day_later_is_used_one_day_later(world):
    """Moving one fixing's value changes the converted price from its publication date only."""
    raw, _, dexkous = world
    usd = usd_prices(raw, dexkous)
    bumped = dexkous.copy()
    bumped["2024-03-07"] *= 1.10
    changed = usd_prices(raw, bumped).ne(usd)
    assert changed[changed].index.min() == pd.Timestamp("2024-03-15")  # 03-07 + 8 days


def test_known_dates_maps_seoul_closes_to_the_first_us_close_after_them():
    us = pd.DatetimeIndex(US_DAYS)
    krx = pd.DatetimeIndex(pd.to_datetime(["2024-01-12", "2024-01-15", "2024-02-08", "2024-03-28"]))
    known = known_dates(krx, "XKRX", us)
    assert known.strftime("%Y-%m-%d").tolist() == [
        "2024-01-12",
        "2024-01-16",
        "2024-02-08",
        "2024-03-28",
    ]
    after = known_dates(pd.DatetimeIndex(["2024-04-01"]), "XKRX", us)
    assert after.isna().all()  # after the last US session: unknown, never squeezed in


# -- to_usd and the currency rules -------------------------------------------------------


def test_to_usd_divides_per_dollar_quotes_and_multiplies_dollar_per_unit_ones():
    index = pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-04"])
    local = pd.Series([70_000.0, 71_000.0, 72_000.0], index=index, name=SAMSUNG)
    rate = pd.Series([1400.0, np.nan, 0.0], index=index)
    before = local.copy(), rate.copy()
    krw = to_usd(local, rate, CURRENCIES["KRW"])
    assert krw.iloc[0] == 50.0 and krw.iloc[1:].isna().all() and krw.name == SAMSUNG
    eur = to_usd(
        pd.Series([100.0], index=index[:1]), pd.Series([1.1], index=index[:1]), CURRENCIES["EUR"]
    )
    assert eur.iloc[0] == pytest.approx(110.0)
    pd.testing.assert_series_equal(local, before[0])  # inputs unchanged
    pd.testing.assert_series_equal(rate, before[1])


def test_currency_comes_from_the_config_first_then_the_suffix():
    assert ticker_currency(SAMSUNG) == "KRW" and ticker_currency("000660.KS") == "KRW"
    assert ticker_currency("7203.T") == "JPY" and ticker_currency("SPY") == "USD"
    assert ticker_currency("VOD.L") == "USD"  # pence: no suffix rule, needs an override
    assert ticker_currency("SAMSUNG", {"SAMSUNG": "KRW"}) == "KRW"  # no suffix: from config
    assert ticker_currency(SAMSUNG, {SAMSUNG: "USD"}) == "USD"  # config wins over the suffix
    assert fx_series([SAMSUNG, "SPY", "000660.KS"]) == {SAMSUNG: "DEXKOUS", "000660.KS": "DEXKOUS"}
    assert fx_series(["SAMSUNG", "X"], {"SAMSUNG": "KRW", "X": "EUR"}) == {
        "SAMSUNG": "DEXKOUS",
        "X": "DEXUSEU",
    }
    assert fx_series([SAMSUNG], {SAMSUNG: "USD"}) == {}
    assert ticker_exchange(SAMSUNG) == "XKRX" and ticker_exchange("SPY") is None
    assert all(CURRENCIES[c] is not None for c, _ in SUFFIXES.values())


def test_a_currency_without_an_fx_series_is_a_clear_error():
    with pytest.raises(DataError, match="quoted in BRL, which has no FX series.*universe"):
        fx_series(["PETR4.SA"], {"PETR4.SA": "BRL"})


def test_the_config_routes_currencies_to_their_fx_series():
    from backtests import load_config
    from backtests.config import ConfigError
    from backtests.runner import run_series

    plain = load_config()
    assert "DEXKOUS" not in run_series(plain)
    # A ticker without a suffix declared in KRW loads DEXKOUS; the suffix does it alone.
    config = load_config(overrides=['universe.currencies.MKT="KRW"'])
    assert run_series(config)[-1] == "DEXKOUS"
    config = load_config(overrides=['universe.baskets.korea=["005930.KS"]'])
    assert "DEXKOUS" in run_series(config)
    with pytest.raises(ConfigError, match=r"universe\.currencies\.MKT = 'KRX' is not allowed"):
        load_config(overrides=['universe.currencies.MKT="KRX"'])


# -- the curated snapshot (skipped when absent; read through a symlink) ------------------


@pytest.fixture
def curated(real_data_dir, tmp_path):
    """The snapshot behind a symlink, as a user's checkout may have it."""
    link = tmp_path / "curated"
    link.symlink_to(real_data_dir, target_is_directory=True)
    return link


def test_one_curated_day_of_samsung_in_usd(curated):
    raw_krw = pd.read_csv(
        curated / "prices" / f"{SAMSUNG}.csv", index_col="Date", parse_dates=True
    )["Adj Close"]
    raw_fx = pd.read_csv(
        curated / "fred" / "DEXKOUS.csv", index_col="observation_date", parse_dates=True
    )["DEXKOUS"]
    closes = read_price_file(curated / "prices", SAMSUNG)
    dexkous = read_fred_file(curated / "fred", "DEXKOUS")
    spy = read_price_file(curated / "prices", "SPY")
    raw = pd.concat(
        {"SPY": spy.loc["2023-06-01":"2024-06-28"], SAMSUNG: closes.loc["2023-06-01":"2024-06-28"]},
        axis=1,
        sort=True,
    )
    usd = usd_prices(raw, dexkous)
    day = pd.Timestamp("2024-03-15")
    # That day's Seoul close, 72,300 KRW, at the fixing observed 2024-03-07 (1,324.30 KRW
    # per USD), the latest published by 2024-03-15; the 2024-03-08 fixing is not.
    assert raw_krw[day] == 72_300.0 and raw_fx[pd.Timestamp("2024-03-07")] == 1324.3
    assert usd[day] == pytest.approx(72_300.0 / 1324.3, rel=1e-12)
    assert usd[day] == pytest.approx(54.5949, abs=1e-4)
    # A KRX holiday (2024-03-01) carries the 2024-02-29 close at that day's own rate.
    holiday = pd.Timestamp("2024-03-01")
    assert holiday not in raw_krw.index and holiday in usd.index
    assert usd[holiday] == pytest.approx(raw_krw["2024-02-29"] / raw_fx["2024-02-22"])
    # Every day matches the independent computation.
    for day, value in usd.loc["2023-09-01":].items():
        assert value == pytest.approx(expected_usd(day, raw_krw, raw_fx), rel=1e-12), day
