"""One home per series (data/series.py): config overrides, new series, the frequency check."""

import math

import numpy as np
import pandas as pd
import pytest

from data import DataError
from data.csv_source import CsvFolderProvider, format_fred_csv, format_price_csv
from data.providers import load_from_providers
from data.series import (
    DEFAULT_STALENESS,
    SERIES,
    check_frequency,
    infer_frequency,
    resolve_series,
)

# -- resolve_series: overrides ---------------------------------------------------------


def test_an_override_changes_only_the_fields_it_names():
    before = dict(SERIES)
    specs = resolve_series({"M2SL": {"lag_days": 60, "units": "bn USD"}})
    m2 = specs["M2SL"]
    assert (m2.lag_days, m2.units) == (60, "bn USD")
    assert (m2.frequency, m2.revised, m2.max_staleness_days) == (
        "monthly",
        True,
        SERIES["M2SL"].max_staleness_days,
    )
    assert before == SERIES and SERIES["M2SL"].lag_days == 56  # the defaults are not mutated
    assert specs["DGS10"] is SERIES["DGS10"]


def test_no_overrides_gives_the_built_in_specs():
    assert resolve_series() == SERIES and resolve_series({}) == SERIES


def test_changing_a_built_in_frequency_resets_its_staleness_unless_given():
    specs = resolve_series({"DGS10": {"frequency": "weekly"}})
    assert specs["DGS10"].max_staleness_days == DEFAULT_STALENESS["weekly"]
    specs = resolve_series({"DGS10": {"frequency": "weekly", "max_staleness_days": 30}})
    assert specs["DGS10"].max_staleness_days == 30


def test_a_new_csv_series_takes_its_declared_frequency_and_defaults():
    specs = resolve_series(
        {
            "ORCL_CDS": {
                "source": "csv",
                "path": "/x/cds.csv",
                "frequency": "daily",
                "optional": True,
            }
        }
    )
    cds = specs["ORCL_CDS"]
    assert (cds.source, cds.frequency, cds.lag_days, cds.optional) == ("csv", "daily", 0, True)
    assert cds.max_staleness_days == DEFAULT_STALENESS["daily"]
    assert cds.options == {"path": "/x/cds.csv"} and math.isnan(cds.stale_value)


def test_a_new_sec_series_is_used_the_day_after_its_filing():
    specs = resolve_series(
        {
            "AMZN_CAPEX": {
                "source": "sec",
                "ticker": "AMZN",
                "metric": "capex",
                "frequency": "quarterly",
            }
        }
    )
    capex = specs["AMZN_CAPEX"]
    assert (capex.lag_days, capex.max_staleness_days) == (1, DEFAULT_STALENESS["quarterly"])
    assert capex.options == {"ticker": "AMZN", "metric": "capex"}


# -- resolve_series: errors name the key path ------------------------------------------


@pytest.mark.parametrize(
    "overrides, fragment",
    [
        ({"M2SL": {"lagdays": 60}}, "unknown key series.M2SL.lagdays. Did you mean 'lag_days'?"),
        (
            {"X": {"source": "csv", "path": "x.csv", "frequency": "daily", "ticker": "A"}},
            "unknown key series.X.ticker.",
        ),
        ({"M2SL": {"frequency": "yearly"}}, "series.M2SL.frequency = 'yearly' is not allowed."),
        (
            {"M2SL": {"source": "fredd"}},
            "series.M2SL.source = 'fredd' is not allowed. Did you mean",
        ),
        ({"M2SL": {"lag_days": -1}}, "series.M2SL.lag_days = -1 must be a whole number of days"),
        ({"M2SL": {"lag_days": 1.5}}, "series.M2SL.lag_days = 1.5"),
        ({"M2SL": {"optional": "yes"}}, "series.M2SL.optional = 'yes' must be true or false"),
        ({"M2SL": 5}, "[series.M2SL] must be a table"),
        ({"NEW": {"lag_days": 1}}, "[series.NEW] declares a new series: give its frequency"),
        ({"NEW": {"frequency": "daily"}}, "[series.NEW] declares a new FRED series: give lag_days"),
        (
            {"CDS": {"source": "csv", "frequency": "daily"}},
            "[series.CDS] with source = 'csv' needs path",
        ),
        (
            {"CAPEX": {"source": "sec", "ticker": "AMZN", "frequency": "quarterly"}},
            "[series.CAPEX] with source = 'sec' needs metric",
        ),
    ],
)
def test_bad_overrides_name_the_key_path(overrides, fragment):
    with pytest.raises(DataError) as error:
        resolve_series(overrides)
    assert fragment in str(error.value)


def test_a_misspelt_new_series_suggests_the_built_in_one():
    with pytest.raises(DataError, match="Did you mean 'DGS10'"):
        resolve_series({"DGS1O": {"lag_days": 1}})


# -- infer_frequency -------------------------------------------------------------------


@pytest.mark.parametrize(
    "dates, expected",
    [
        (pd.bdate_range("2024-01-01", periods=60), "daily"),
        (pd.date_range("2024-01-03", periods=30, freq="W-WED"), "weekly"),
        (pd.date_range("2020-01-01", periods=24, freq="MS"), "monthly"),
        (pd.date_range("2018-03-31", periods=12, freq="QE"), "quarterly"),
        (pd.date_range("2000-01-01", periods=10, freq="YS"), None),  # yearly: no such frequency
        (pd.date_range("2024-01-01", periods=10, freq="18D"), None),  # between weekly and monthly
    ],
)
def test_infer_frequency_from_the_median_spacing(dates, expected):
    found, median = infer_frequency(dates)
    assert found == expected
    assert median == pd.Series(dates).diff().dt.total_seconds().median() / 86_400


def test_infer_frequency_ignores_gaps_and_order():
    days = pd.bdate_range("2024-01-01", periods=80)
    holes = days.delete([5, 6, 7, 30, 31, 50])  # holidays and a missing week
    assert infer_frequency(holes[::-1])[0] == "daily"


def test_infer_frequency_needs_three_observations():
    found, median = infer_frequency(pd.DatetimeIndex([]))
    assert found is None and math.isnan(median)
    found, median = infer_frequency(pd.to_datetime(["2024-01-01", "2024-02-01"]))
    assert found is None and median == 31.0
    found, median = infer_frequency(pd.to_datetime(["2024-01-01"]))
    assert found is None and math.isnan(median)


# -- check_frequency -------------------------------------------------------------------

MONTHLY = pd.Series(
    np.linspace(1.0, 2.0, 36), index=pd.date_range("2020-01-01", periods=36, freq="MS")
)


def test_a_monthly_series_under_a_daily_name_is_an_error_naming_both_frequencies():
    with pytest.raises(DataError) as error:
        check_frequency(MONTHLY, SERIES["DGS10"], where="fred/DGS10.csv")
    message = str(error.value)
    assert "series DGS10 (fred/DGS10.csv) is declared daily" in message
    assert "like a monthly series" in message
    assert "wrong publication lag (1 days)" in message
    assert '[series.DGS10] frequency = "monthly"' in message
    assert "check_frequency = false" in message


def test_check_frequency_false_allows_the_mismatch_on_purpose():
    spec = resolve_series({"DGS10": {"check_frequency": False}})["DGS10"]
    check_frequency(MONTHLY, spec)  # no error


def test_declaring_the_real_frequency_passes():
    spec = resolve_series({"DGS10": {"frequency": "monthly", "lag_days": 32}})["DGS10"]
    check_frequency(MONTHLY, spec)


def test_a_spacing_between_the_known_frequencies_is_an_error_too():
    odd = pd.Series(1.0, index=pd.date_range("2020-01-01", periods=20, freq="18D"))
    with pytest.raises(DataError, match="like no known frequency"):
        check_frequency(odd, SERIES["M2SL"])


def test_missing_values_do_not_count_as_observations():
    # A daily grid with only month-start values filled (FRED's download of a
    # monthly series resampled to days) is monthly.
    grid = pd.Series(np.nan, index=pd.date_range("2020-01-01", "2022-12-31", freq="D"))
    grid.loc[grid.index.day == 1] = 1.0
    with pytest.raises(DataError, match="like a monthly series"):
        check_frequency(grid, SERIES["VIXCLS"])


def test_a_vintage_frame_is_checked_on_its_observation_dates():
    observed = pd.date_range("2020-03-31", periods=12, freq="QE")
    frame = pd.DataFrame(
        {
            "observed": observed,
            "published": observed + pd.Timedelta(days=30),
            "value": np.arange(12.0),
        }
    )
    quarterly = resolve_series(
        {"CAPEX": {"source": "sec", "ticker": "AMZN", "metric": "capex", "frequency": "quarterly"}}
    )["CAPEX"]
    check_frequency(frame, quarterly)
    daily = resolve_series(
        {"CAPEX": {"source": "sec", "ticker": "AMZN", "metric": "capex", "frequency": "daily"}}
    )["CAPEX"]
    with pytest.raises(DataError, match="series CAPEX is declared daily.*quarterly"):
        check_frequency(frame, daily)


def test_two_observations_within_the_declared_range_pass():
    check_frequency(MONTHLY.iloc[:2], SERIES["M2SL"])  # too few to infer, and consistent


def test_the_loader_checks_every_series_it_loads(tmp_path):
    """A monthly file saved as DGS10.csv stops the load; the override lets it through."""
    (tmp_path / "prices").mkdir()
    (tmp_path / "fred").mkdir()
    days = pd.bdate_range("2020-01-01", "2022-12-30")
    (tmp_path / "prices" / "SPY.csv").write_text(
        format_price_csv(pd.Series(np.linspace(100, 120, len(days)), index=days))
    )
    (tmp_path / "fred" / "DGS10.csv").write_text(format_fred_csv(MONTHLY, "DGS10"))
    provider = CsvFolderProvider(tmp_path / "prices", tmp_path / "fred")
    with pytest.raises(DataError, match="series DGS10 .*declared daily.*like a monthly"):
        load_from_providers(provider, provider, ["SPY"], ["DGS10"], "2020-01-01", "2022-12-30")
    specs = resolve_series({"DGS10": {"check_frequency": False}})
    market = load_from_providers(
        provider, provider, ["SPY"], ["DGS10"], "2020-01-01", "2022-12-30", specs=specs
    )
    assert market.macro["DGS10"].tolist() == MONTHLY.tolist()


# -- user CSV series and optional series through the loader -----------------------------


def _world(tmp_path):
    (tmp_path / "prices").mkdir()
    (tmp_path / "fred").mkdir()
    days = pd.bdate_range("2020-01-01", "2022-12-30")
    (tmp_path / "prices" / "SPY.csv").write_text(
        format_price_csv(pd.Series(np.linspace(100, 120, len(days)), index=days))
    )
    return CsvFolderProvider(tmp_path / "prices", tmp_path / "fred")


def test_a_csv_series_with_published_dates_loads_as_a_vintage_frame(tmp_path):
    provider = _world(tmp_path)
    path = tmp_path / "cds.csv"
    path.write_text(
        "date,value,published\n2020-01-31,100,2020-02-03\n2020-02-29,110,2020-03-02\n"
        "2020-01-31,105,2020-03-05\n2020-03-31,120,2020-04-01\n"
    )
    specs = resolve_series({"CDS": {"source": "csv", "path": str(path), "frequency": "monthly"}})
    market = load_from_providers(
        provider, provider, ["SPY"], ["CDS"], "2020-01-01", "2022-12-30", specs=specs
    )
    frame = market.vintages["CDS"]
    assert "CDS" not in market.macro and market.unavailable == {}
    assert frame["published"].dt.strftime("%Y-%m-%d").tolist() == [
        "2020-02-03",
        "2020-03-02",
        "2020-03-05",
        "2020-04-01",
    ]
    assert frame["value"].tolist() == [100.0, 110.0, 105.0, 120.0]


def test_a_csv_series_without_published_dates_uses_its_declared_lag(tmp_path):
    provider = _world(tmp_path)
    path = tmp_path / "cds.csv"
    path.write_text("date,CDS\n2020-01-06,1.5\n2020-01-07,1.6\n2020-01-08,\n2020-01-09,1.7\n")
    specs = resolve_series(
        {"CDS": {"source": "csv", "path": str(path), "frequency": "daily", "lag_days": 1}}
    )
    market = load_from_providers(
        provider, provider, ["SPY"], ["CDS"], "2020-01-01", "2022-12-30", specs=specs
    )
    assert market.macro["CDS"].dropna().tolist() == [1.5, 1.6, 1.7]


@pytest.mark.parametrize(
    "text, fragment",
    [
        (
            "date,value,published\n2020-01-31,1,2020-01-30\n",
            "line 2 is published on 2020-01-30, before its date 2020-01-31",
        ),
        (
            "date,value\n2020-01-31,1\n2020-01-31,2\n",
            "duplicate date 2020-01-31 (line 3); give a `published` column",
        ),
        (
            "date,value,published\n2020-01-31,1,2020-02-05\n2020-01-31,2,2020-02-05\n",
            "line 3 repeats date 2020-01-31 with the same published date",
        ),
        ("date,value,published\n2020-01-31,1,05/02/2020\n", "unparsable published '05/02/2020'"),
        ("when,value\n2020-01-31,1\n", "a series file needs a `date` and a `value` column"),
        ("date,value\n2020-01-31,n/a\n", "non-numeric value 'n/a' on 2020-01-31 (line 2)"),
    ],
)
def test_bad_user_series_files_name_the_line(tmp_path, text, fragment):
    provider = _world(tmp_path)
    path = tmp_path / "user.csv"
    path.write_text(text)
    specs = resolve_series({"USER": {"source": "csv", "path": str(path), "frequency": "monthly"}})
    with pytest.raises(DataError) as error:
        load_from_providers(
            provider, provider, ["SPY"], ["USER"], "2020-01-01", "2022-12-30", specs=specs
        )
    assert fragment in str(error.value) and str(path) in str(error.value)


def test_an_optional_series_that_cannot_be_loaded_is_reported_not_fatal(tmp_path):
    provider = _world(tmp_path)
    missing = tmp_path / "nope.csv"
    optional = resolve_series(
        {"CDS": {"source": "csv", "path": str(missing), "frequency": "daily", "optional": True}}
    )
    market = load_from_providers(
        provider, provider, ["SPY"], ["CDS"], "2020-01-01", "2022-12-30", specs=optional
    )
    assert list(market.unavailable) == ["CDS"]
    assert f"the file {missing} does not exist" in market.unavailable["CDS"]
    required = resolve_series(
        {"CDS": {"source": "csv", "path": str(missing), "frequency": "daily"}}
    )
    with pytest.raises(
        DataError,
        match=r"series CDS: the file .* does not exist. Fix "
        r"\[series.CDS\] path",
    ):
        load_from_providers(
            provider, provider, ["SPY"], ["CDS"], "2020-01-01", "2022-12-30", specs=required
        )


def test_an_sec_series_offline_says_where_to_get_it(tmp_path):
    from data import load_market_data

    _world(tmp_path)
    specs = resolve_series(
        {
            "AMZN_CAPEX": {
                "source": "sec",
                "ticker": "AMZN",
                "metric": "capex",
                "frequency": "quarterly",
                "optional": True,
            }
        }
    )
    market = load_market_data(
        "csv",
        prices_dir=str(tmp_path / "prices"),
        fred_dir=str(tmp_path / "fred"),
        tickers=["SPY"],
        series=["AMZN_CAPEX"],
        specs=specs,
        start="2020-01-01",
        end="2022-12-30",
    )
    reason = market.unavailable["AMZN_CAPEX"]
    assert reason.startswith(
        'series AMZN_CAPEX comes from SEC EDGAR (source = "sec", AMZN '
        "capex), which the offline csv source cannot reach"
    )
    assert "--set data.source=yahoo" in reason and "SEC_USER_AGENT" in reason


def test_an_sec_snapshot_in_the_fred_folder_is_read_as_its_vintages(tmp_path):
    """What `regime-bt snapshot` writes for an SEC series is what the csv source reads back."""
    from data import load_market_data

    _world(tmp_path)
    observed = pd.to_datetime(["2021-03-31", "2021-06-30", "2021-03-31", "2021-09-30"])
    frame = pd.DataFrame(
        {
            "observed": observed,
            "published": pd.to_datetime(["2021-04-29", "2021-07-29", "2021-09-15", "2021-10-28"]),
            "value": [6.0e9, 7.0e9, 6.5e9, 8.0e9],
        }
    )
    (tmp_path / "fred" / "AMZN_CAPEX.csv").write_text(format_fred_csv(frame, "AMZN_CAPEX"))
    specs = resolve_series(
        {
            "AMZN_CAPEX": {
                "source": "sec",
                "ticker": "AMZN",
                "metric": "capex",
                "frequency": "quarterly",
                "optional": True,
            }
        }
    )
    market = load_market_data(
        "csv",
        prices_dir=str(tmp_path / "prices"),
        fred_dir=str(tmp_path / "fred"),
        tickers=["SPY"],
        series=["AMZN_CAPEX"],
        specs=specs,
        start="2020-01-01",
        end="2022-12-30",
    )
    assert market.unavailable == {}
    pd.testing.assert_frame_equal(market.vintages["AMZN_CAPEX"], frame)
