"""Features declared in config (regimes/derived.py): transforms, causality, errors, listing.

Each transform is checked against an independent computation (another pandas
expression or a plain loop); declared features, including one read from a
user CSV whose rows carry ``published`` dates, pass the same causality tests
as the built-in features: the past never depends on the future.
"""

import json
import math

import numpy as np
import pandas as pd
import pytest

from data import DataError, align_macro, resolve_series
from data.csv_source import read_series_file
from regimes.derived import TRANSFORMS, check_windows, evaluation_order, parse_definitions
from regimes.features import FEATURES, compute_raw_features, resolve_features, standardise

N_DAYS = 700
SERIES_IDS = ["A", "B", "C", "DFF", "SIGNED"]


@pytest.fixture
def panel(rng):
    """Point-in-time inputs on a business-day calendar: series, a stock and a cash fund."""
    index = pd.bdate_range("2016-01-01", periods=N_DAYS, name="date")
    a = pd.Series(100.0 * np.exp(np.cumsum(rng.normal(0, 0.01, N_DAYS))), index=index)
    b = pd.Series(50.0 + np.cumsum(rng.normal(0, 0.5, N_DAYS)), index=index)
    b.iloc[[40, 41, 300]] = np.nan
    b.iloc[100] = 0.0  # a ratio's zero denominator is NaN, never infinite
    c = pd.Series(rng.normal(2.0, 1.0, N_DAYS), index=index)
    c.iloc[:30] = np.nan  # starts late
    signed = pd.Series(np.cumsum(rng.normal(0, 1.0, N_DAYS)), index=index)  # crosses zero
    stock = pd.Series(20.0 * np.exp(np.cumsum(rng.normal(0, 0.02, N_DAYS))), index=index)
    stock.iloc[[200, 201, 202]] = np.nan  # a gap
    bil = pd.Series(np.nan, index=index)
    bil.iloc[250:] = 90.0 * np.exp(np.cumsum(np.full(N_DAYS - 250, 0.0001)))  # lists late
    dff = pd.Series(rng.uniform(0.0, 5.0, N_DAYS), index=index)
    dff.iloc[:10] = np.nan
    return {
        "A": a,
        "B": b,
        "C": c,
        "SIGNED": signed,
        "DFF": dff,
        "price:STOCK": stock,
        "price:BIL": bil,
    }


def define(tables, extra_inputs=()):
    known = [*SERIES_IDS, "price:STOCK", "price:BIL", *extra_inputs]
    return parse_definitions(tables, known, list(FEATURES))


def one(transform, inputs, **params):
    return define({"f": {"transform": transform, "inputs": inputs, "sign": -1, **params}})["f"]


# -- each transform against an independent computation -----------------------------------


def test_the_documented_transforms_are_the_registered_ones():
    assert set(TRANSFORMS) == {
        "level",
        "change",
        "log_change",
        "yoy_growth",
        "ratio",
        "difference",
        "sum",
        "zscore",
        "ew_downside_deviation",
        "ew_sortino",
        "ew_mean",
    }


def test_level_change_log_change_and_yoy(panel):
    a, signed = panel["A"], panel["SIGNED"]
    pd.testing.assert_series_equal(one("level", ["A"]).compute(panel), a.rename("f"))
    pd.testing.assert_series_equal(
        one("change", ["A"], weeks=3).compute(panel), a.diff(15).rename("f")
    )
    pd.testing.assert_series_equal(
        one("log_change", ["A"], weeks=2).compute(panel), np.log(a).diff(10).rename("f")
    )
    logs = one("log_change", ["SIGNED"], weeks=1).compute(panel)
    with np.errstate(invalid="ignore"):
        expected = pd.Series(np.log(signed.to_numpy()), index=signed.index).diff(5)
    pd.testing.assert_series_equal(logs, expected.rename("f"))  # x <= 0 gives NaN
    assert logs.notna().any() and logs[signed <= 0].isna().all()
    pd.testing.assert_series_equal(
        one("yoy_growth", ["A"]).compute(panel), a.pct_change(252, fill_method=None).rename("f")
    )


def test_ratio_difference_and_sum(panel):
    a, b, c = panel["A"], panel["B"], panel["C"]
    ratio = one("ratio", ["A", "B"]).compute(panel)
    expected = pd.Series(
        [x / y if y != 0 else np.nan for x, y in zip(a, b, strict=True)], index=a.index
    )
    pd.testing.assert_series_equal(ratio, expected.rename("f"))
    assert math.isnan(ratio.iloc[100]) and np.isfinite(ratio.dropna()).all()
    pd.testing.assert_series_equal(
        one("difference", ["A", "B"]).compute(panel), a.sub(b).rename("f")
    )
    total = one("sum", ["A", "B", "C"]).compute(panel)
    pd.testing.assert_series_equal(total, a.add(b).add(c).rename("f"))
    assert total.iloc[:30].isna().all()  # every input must be present


def test_zscore_is_a_trailing_window_of_rows_up_to_t(panel):
    a = panel["B"]
    window = 20
    values = one("zscore", ["B"], weeks=4).compute(panel)
    expected = np.full(N_DAYS, np.nan)
    for t in range(window - 1, N_DAYS):
        rows = a.to_numpy()[t - window + 1 : t + 1]
        if np.isnan(rows).any() or rows.std() == 0:
            continue
        expected[t] = (rows[-1] - rows.mean()) / rows.std()
    np.testing.assert_allclose(values.to_numpy(), expected, rtol=1e-9, atol=1e-12)


def _ewm_loop(values: np.ndarray, halflife: float) -> np.ndarray:
    """EWM with adjust=True over the observed values only (plain loop)."""
    alpha = 1.0 - math.exp(math.log(0.5) / halflife)
    out = np.full(len(values), np.nan)
    seen: list[float] = []
    for t, value in enumerate(values):
        if not np.isnan(value):
            seen.append(value)
        if len(seen) >= math.ceil(halflife):
            weights = (1.0 - alpha) ** np.arange(len(seen) - 1, -1, -1)
            out[t] = float(np.dot(weights, seen) / weights.sum())
    return out


@pytest.mark.parametrize("halflife", [5, 12.5])
def test_ew_transforms_against_a_loop_with_the_first_available_cash(panel, halflife):
    stock, bil, dff = panel["price:STOCK"], panel["price:BIL"], panel["DFF"]
    cash = np.where(
        bil.pct_change(fill_method=None).notna(),
        bil.pct_change(fill_method=None),
        dff / 100.0 / 252,
    )
    excess = (stock.pct_change(fill_method=None) - cash).to_numpy()
    mean = _ewm_loop(excess, halflife)
    downside = np.sqrt(
        _ewm_loop(np.where(np.isnan(excess), np.nan, np.minimum(excess, 0.0) ** 2), halflife)
    )
    params = {"halflife": halflife, "cash": ["price:BIL", "DFF"]}
    got = {
        kind: one(kind, ["price:STOCK"], **params).compute(panel).to_numpy()
        for kind in ("ew_mean", "ew_downside_deviation", "ew_sortino")
    }
    np.testing.assert_allclose(got["ew_mean"], mean, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(got["ew_downside_deviation"], downside, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(
        got["ew_sortino"], mean / np.where(downside > 0, downside, np.nan), rtol=1e-9
    )
    assert np.isnan(got["ew_mean"][:10]).all()  # no cash source yet: no excess return


def test_inputs_are_left_unchanged(panel):
    before = {k: v.copy() for k, v in panel.items()}
    for kind, inputs, params in [
        ("zscore", ["B"], {"weeks": 2}),
        ("ratio", ["A", "B"], {}),
        ("ew_sortino", ["price:STOCK"], {"halflife": 5, "cash": ["DFF"]}),
    ]:
        one(kind, inputs, **params).compute(panel)
    for key, series in before.items():
        pd.testing.assert_series_equal(panel[key], series)


# -- causality: the past never depends on the future --------------------------------------

THESIS = {
    "group": {"transform": "sum", "inputs": ["A", "B"], "sign": -1},
    "group_yoy": {"transform": "yoy_growth", "inputs": ["group"], "sign": -1},
    "share": {"transform": "ratio", "inputs": ["group", "C"], "sign": -1},
    "gap": {"transform": "difference", "inputs": ["group", "A"], "sign": -1},
    "stress": {"transform": "change", "inputs": ["C"], "weeks": 13, "sign": -1},
    "stress_z": {"transform": "zscore", "inputs": ["stress"], "weeks": 8, "sign": -1},
    "momentum": {"transform": "log_change", "inputs": ["price:STOCK"], "weeks": 4, "sign": 1},
    "sortino": {
        "transform": "ew_sortino",
        "inputs": ["price:STOCK"],
        "halflife": 10,
        "cash": ["price:BIL", "DFF"],
        "sign": 1,
    },
}


def features_of(panel, tables, names=None, min_periods=60):
    """Raw and standardised declared features, as the runner builds them."""
    specs = resolve_features(define(tables))
    names = list(tables) if names is None else names
    frame = pd.DataFrame(panel)
    macro = frame[[c for c in frame if not c.startswith("price:")]]
    prices = frame[[c for c in frame if c.startswith("price:")]].rename(
        columns=lambda c: c.removeprefix("price:")
    )
    raw = compute_raw_features(macro, prices, names, specs)
    return raw, standardise(raw, min_periods=min_periods)


@pytest.mark.parametrize("cut", [120, 333, 600])
def test_truncating_the_inputs_leaves_every_earlier_value_identical(panel, cut):
    raw, standardised = features_of(panel, THESIS)
    short = {k: v.iloc[:cut] for k, v in panel.items()}
    raw_short, standardised_short = features_of(short, THESIS)
    pd.testing.assert_frame_equal(raw_short, raw.iloc[:cut])
    pd.testing.assert_frame_equal(standardised_short, standardised.iloc[:cut])


@pytest.mark.parametrize("cut", [150, 480])
def test_perturbing_the_future_leaves_the_past_unchanged(panel, cut, rng):
    raw, standardised = features_of(panel, THESIS)
    future = {k: v.copy() for k, v in panel.items()}
    for series in future.values():
        series.iloc[cut:] = series.iloc[cut:] * rng.uniform(0.5, 1.5, N_DAYS - cut)
    raw_future, standardised_future = features_of(future, THESIS)
    pd.testing.assert_frame_equal(raw_future.iloc[:cut], raw.iloc[:cut])
    pd.testing.assert_frame_equal(standardised_future.iloc[:cut], standardised.iloc[:cut])
    assert not raw_future.iloc[cut:].equals(raw.iloc[cut:])


# -- a user CSV series with per-row published dates ---------------------------------------

CALENDAR = pd.bdate_range("2017-01-02", "2020-12-31", name="date")


def user_csv_rows(rng):
    """Month-end observations, each published 5..40 days later; some revised later still."""
    rows = []
    for month_end in pd.date_range("2016-10-31", "2020-10-31", freq="ME"):
        published = month_end + pd.Timedelta(days=int(rng.integers(5, 41)))
        value = float(np.round(rng.normal(100.0, 10.0), 3))
        rows.append((month_end, value, published))
        if rng.uniform() < 0.3:  # a revision, published 20..90 days after the first release
            revised = published + pd.Timedelta(days=int(rng.integers(20, 91)))
            rows.append((month_end, float(np.round(value + rng.normal(0, 3.0), 3)), revised))
    return rows


def write_csv(path, rows):
    path.write_text(
        "date,value,published\n" + "".join(f"{o:%Y-%m-%d},{v!r},{p:%Y-%m-%d}\n" for o, v, p in rows)
    )


USER_TABLES = {
    "user_level": {"transform": "level", "inputs": ["USER"], "sign": -1},
    "user_change": {"transform": "change", "inputs": ["USER"], "weeks": 8, "sign": -1},
    "user_z": {"transform": "zscore", "inputs": ["USER"], "weeks": 26, "sign": -1},
    "user_yoy": {"transform": "yoy_growth", "inputs": ["USER"], "sign": -1},
}


def user_features(path):
    """Load the CSV as a run does (its spec, the as-of join), then the declared features."""
    specs = resolve_series({"USER": {"source": "csv", "path": str(path), "frequency": "monthly"}})
    frame = read_series_file(path, "USER")
    macro = align_macro({}, CALENDAR, specs, vintages={"USER": frame})
    definitions = parse_definitions(USER_TABLES, [*specs], list(FEATURES))
    raw = compute_raw_features(
        macro, pd.DataFrame(index=CALENDAR), list(USER_TABLES), resolve_features(definitions)
    )
    return macro["USER"], raw, standardise(raw, min_periods=120)


def visible_value(rows, day, staleness):
    """Oracle: the latest observation published by ``day``, as of its latest vintage by then.

    A revision of an older observation never replaces a newer one; the value
    expires ``staleness`` days after the release it came from.
    """
    known = [(o, v, p) for o, v, p in rows if p <= day]
    if not known:
        return np.nan
    latest = max(o for o, _, _ in known)
    released, value = max((p, v) for o, v, p in known if o == latest)
    return np.nan if (day - released).days > staleness else value


def test_a_published_value_is_visible_from_its_published_date_only(tmp_path, rng):
    rows = user_csv_rows(rng)
    path = tmp_path / "user.csv"
    write_csv(path, rows)
    user, raw, _ = user_features(path)
    staleness = resolve_series({"USER": {"source": "csv", "path": "x", "frequency": "monthly"}})[
        "USER"
    ].max_staleness_days
    for day, value in user.items():
        assert value == pytest.approx(visible_value(rows, day, staleness), nan_ok=True), day
    pd.testing.assert_series_equal(raw["user_level"], user.rename("user_level"))
    first = min(p for _, _, p in rows)
    assert user.loc[: first - pd.Timedelta(days=1)].isna().all()


@pytest.mark.parametrize("cut", ["2018-03-15", "2019-06-28", "2020-02-03"])
def test_the_file_as_it_stood_on_a_date_gives_the_same_features_up_to_that_date(tmp_path, rng, cut):
    """Causality: drop every row published after ``cut``; nothing up to ``cut`` moves."""
    cut = pd.Timestamp(cut)
    rows = user_csv_rows(rng)
    write_csv(tmp_path / "full.csv", rows)
    write_csv(tmp_path / "then.csv", [r for r in rows if r[2] <= cut])
    _, raw, standardised = user_features(tmp_path / "full.csv")
    _, raw_then, standardised_then = user_features(tmp_path / "then.csv")
    pd.testing.assert_frame_equal(raw_then.loc[:cut], raw.loc[:cut])
    pd.testing.assert_frame_equal(standardised_then.loc[:cut], standardised.loc[:cut])


def test_changing_a_later_published_row_never_changes_earlier_values(tmp_path, rng):
    rows = user_csv_rows(rng)
    write_csv(tmp_path / "user.csv", rows)
    user, raw, standardised = user_features(tmp_path / "user.csv")
    checked = 0
    for position in range(5, len(rows), 7):
        observed, value, published = rows[position]
        changed = list(rows)
        changed[position] = (observed, value * 3.0 + 50.0, published)
        write_csv(tmp_path / "changed.csv", changed)
        user_changed, raw_changed, standardised_changed = user_features(tmp_path / "changed.csv")
        before = published - pd.Timedelta(days=1)
        pd.testing.assert_frame_equal(raw_changed.loc[:before], raw.loc[:before])
        pd.testing.assert_frame_equal(standardised_changed.loc[:before], standardised.loc[:before])
        if CALENDAR[0] <= published <= CALENDAR[-1] and not user_changed.equals(user):
            # The changed row shows up on its published date (or not at all, when a
            # newer observation was already out), never before.
            first = user_changed.ne(user) & (user_changed.notna() | user.notna())
            assert first[first].index.min() >= published
            checked += 1
    assert checked >= 3


def test_a_revision_is_a_later_vintage_not_a_rewrite_of_history(tmp_path):
    rows = [
        (pd.Timestamp("2017-01-31"), 10.0, pd.Timestamp("2017-02-10")),
        (pd.Timestamp("2017-02-28"), 11.0, pd.Timestamp("2017-03-10")),
        (pd.Timestamp("2017-02-28"), 12.0, pd.Timestamp("2017-03-20")),  # revised
        (pd.Timestamp("2017-01-31"), 99.0, pd.Timestamp("2017-03-22")),
    ]  # an older one
    write_csv(tmp_path / "user.csv", rows)
    user, _, _ = user_features(tmp_path / "user.csv")
    assert user.loc[:"2017-02-09"].isna().all()
    assert (user.loc["2017-02-10":"2017-03-09"] == 10.0).all()
    assert (user.loc["2017-03-10":"2017-03-17"] == 11.0).all()
    assert (user.loc["2017-03-20":"2017-04-20"] == 12.0).all()  # Jan's revision: ignored


# -- errors name the key ------------------------------------------------------------------


@pytest.mark.parametrize(
    "tables, fragment",
    [
        (
            {"x": {"transform": "levle", "inputs": ["A"], "sign": -1}},
            "features.define.x.transform: 'levle' is not a transform. Did you mean 'level'?",
        ),
        (
            {"x": {"transform": "level", "inputs": ["NOPE"], "sign": -1}},
            "features.define.x.inputs: unknown input 'NOPE'",
        ),
        ({"x": {"transform": "level", "inputs": ["A"], "sign": 0}}, "features.define.x.sign: 0"),
        (
            {"x": {"transform": "level", "inputs": ["A"], "sign": True}},
            "features.define.x.sign: True",
        ),
        (
            {"x": {"transform": "level", "inputs": ["A"], "sign": -1, "window": 3}},
            "features.define.x.window: unknown key.",
        ),
        (
            {"x": {"transform": "level", "inputs": ["A"], "sign": -1, "weeks": 3}},
            "features.define.x.weeks: transform 'level' takes no weeks.",
        ),
        (
            {"x": {"transform": "change", "inputs": ["A"], "sign": -1}},
            "features.define.x.weeks: None must be a whole number of weeks >= 1.",
        ),
        (
            {"x": {"transform": "ratio", "inputs": ["A"], "sign": -1}},
            "features.define.x.inputs: transform 'ratio' takes 2 input(s), got 1.",
        ),
        (
            {"x": {"transform": "sum", "inputs": ["A"], "sign": -1}},
            "features.define.x.inputs: transform 'sum' takes two or more input(s), got 1.",
        ),
        (
            {
                "x": {
                    "transform": "ew_mean",
                    "inputs": ["A"],
                    "halflife": 5,
                    "cash": ["DFF"],
                    "sign": 1,
                }
            },
            "features.define.x.inputs: transform 'ew_mean' reads a price",
        ),
        (
            {"x": {"transform": "ew_mean", "inputs": ["price:STOCK"], "halflife": 5, "sign": 1}},
            "features.define.x.cash: give the cash sources",
        ),
        (
            {"vix": {"transform": "level", "inputs": ["A"], "sign": -1}},
            "features.define.vix: 'vix' is a built-in feature",
        ),
        (
            {
                "a": {"transform": "level", "inputs": ["b"], "sign": -1},
                "b": {"transform": "change", "inputs": ["c"], "weeks": 1, "sign": -1},
                "c": {"transform": "level", "inputs": ["a"], "sign": -1},
            },
            "the definitions form a cycle: a -> b -> c -> a.",
        ),
        (
            {"a": {"transform": "level", "inputs": ["a"], "sign": -1}},
            "features.define.a: the definitions form a cycle: a -> a.",
        ),
    ],
)
def test_bad_definitions_name_the_key(tables, fragment):
    with pytest.raises(DataError) as error:
        define(tables)
    assert fragment in str(error.value)


def test_definitions_come_out_in_dependency_order():
    tables = {
        "top": {"transform": "ratio", "inputs": ["mid", "A"], "sign": -1},
        "mid": {"transform": "sum", "inputs": ["low", "B"], "sign": -1},
        "low": {"transform": "level", "inputs": ["C"], "sign": -1},
    }
    assert list(define(tables)) == ["low", "mid", "top"]
    assert evaluation_order(define(tables)) == ["low", "mid", "top"]


def test_a_window_longer_than_the_history_names_the_key(panel):
    definitions = define(
        {"long": {"transform": "change", "inputs": ["C"], "weeks": 200, "sign": -1}}
    )
    with pytest.raises(
        DataError,
        match=r"features\.define\.long\.weeks: the window is 1000 "
        r"trading days but its inputs have only 670 day",
    ):
        check_windows(definitions, panel)
    ew = define(
        {
            "ew": {
                "transform": "ew_mean",
                "inputs": ["price:STOCK"],
                "halflife": 900,
                "cash": ["DFF"],
                "sign": 1,
            }
        }
    )
    with pytest.raises(DataError, match=r"features\.define\.ew\.halflife"):
        check_windows(ew, panel)
    yoy = define({"yoy": {"transform": "yoy_growth", "inputs": ["C"], "sign": -1}})
    check_windows(yoy, panel)  # 252 < 670


def test_the_window_check_follows_defined_inputs_and_skips_unavailable_ones(panel):
    tables = {
        "group": {"transform": "sum", "inputs": ["A", "C"], "sign": -1},
        "group_z": {"transform": "zscore", "inputs": ["group"], "weeks": 130, "sign": -1},
        "gone": {"transform": "change", "inputs": ["MISSING"], "weeks": 999, "sign": -1},
    }
    definitions = define(tables, extra_inputs=["MISSING"])
    # group has C's 670 days; a 650-day z-score fits; MISSING (an optional series that
    # could not be loaded) is not in the panel: its feature is dropped, not checked.
    check_windows(definitions, panel)
    tables["group_z"]["weeks"] = 140
    with pytest.raises(
        DataError,
        match=r"features\.define\.group_z\.weeks: the window is "
        r"700 trading days but its inputs have only 670",
    ):
        check_windows(define(tables, extra_inputs=["MISSING"]), panel)
    tables["group_yoy"] = {"transform": "yoy_growth", "inputs": ["group_z"], "sign": -1}
    tables["group_z"]["weeks"] = 100  # 670 - 500 = 170 days of z-scores: too few for a year
    with pytest.raises(
        DataError,
        match=r"features\.define\.group_yoy\.transform: the window "
        r"is 252 trading days but its inputs have only 170",
    ):
        check_windows(define(tables, extra_inputs=["MISSING"]), panel)


# -- baa_spread from BAA10Y, purely in config ------------------------------------------------

TICKERS = [
    "MEMA",
    "MEMB",
    "MEMC",
    "FRUT",
    "XBT-USD",
    "INNO",
    "SAASA",
    "SAASB",
    "MKT",
    "TECH",
    "TRSY",
    "TBIL",
]


@pytest.fixture
def baa_config(tmp_path, rng):
    """A small CSV world (default config's tickers, VIX and BAA10Y) and a config declaring
    ``baa_spread`` in TOML only: no code, no renamed file."""
    from data.csv_source import format_fred_csv, format_price_csv
    from tests.reliability.conftest import DEFAULT_TOML

    days = pd.bdate_range("2004-01-02", "2009-12-31")
    (tmp_path / "prices").mkdir()
    (tmp_path / "fred").mkdir()
    for ticker in TICKERS:
        closes = 50.0 * np.exp(np.cumsum(rng.normal(0.0002, 0.01, len(days))))
        (tmp_path / "prices" / f"{ticker}.csv").write_text(
            format_price_csv(pd.Series(closes, index=days))
        )
    vix = pd.Series(np.exp(rng.normal(3.0, 0.2, len(days))), index=days)
    baa = pd.Series(2.0 + np.cumsum(rng.normal(0.0, 0.03, len(days))), index=days)
    baa.iloc[::17] = np.nan  # FRED leaves holidays empty
    (tmp_path / "fred" / "VIXCLS.csv").write_text(format_fred_csv(vix, "VIXCLS"))
    (tmp_path / "fred" / "BAA10Y.csv").write_text(format_fred_csv(baa, "BAA10Y"))
    config = tmp_path / "baa.toml"
    config.write_text(
        f'extends = "{DEFAULT_TOML.as_posix()}"\n'
        'name = "baa"\n\n[data]\nsource = "csv"\nprices_dir = "prices"\nfred_dir = "fred"\n'
        'start = "2006-01-03"\nend = "2009-12-31"\n\n'
        '[features]\nuse = ["vix", "baa_spread"]\n\n'
        '[features.define.baa_spread]\ntransform = "level"\ninputs = ["BAA10Y"]\nsign = -1\n'
        'description = "Moody\'s Baa corporate yield minus the 10-year Treasury"\n'
    )
    return config, baa


def test_baa_spread_is_declared_in_config_and_built_like_a_built_in(baa_config):
    from backtests import load_config
    from backtests.runner import load_inputs, run_series

    path, baa = baa_config
    config = load_config(path)
    assert "BAA10Y" in run_series(config)
    inputs = load_inputs(config)
    # The point-in-time BAA10Y (FRED's next-day release, as its spec says) ...
    released = baa.dropna()
    released.index = released.index + pd.Timedelta(days=resolve_series()["BAA10Y"].lag_days)
    calendar = inputs.macro.index
    position = released.index.searchsorted(calendar, side="right") - 1
    expected = pd.Series(
        np.where(position >= 0, released.to_numpy()[position.clip(0)], np.nan), index=calendar
    )
    np.testing.assert_array_equal(inputs.macro["BAA10Y"].to_numpy(), expected.to_numpy())
    # ... standardised like every feature: an expanding z-score from 252 rows, clipped at 5.
    mean = expected.expanding(252).mean()
    std = expected.expanding(252).std(ddof=0)
    np.testing.assert_allclose(
        inputs.features["baa_spread"].to_numpy(),
        ((expected - mean) / std).clip(-5, 5).to_numpy(),
        rtol=1e-9,
    )
    assert inputs.feature_signs["baa_spread"] == -1.0 and inputs.dropped == {}


def test_list_features_shows_baa_spread_with_its_inputs(baa_config):
    from tests.reliability.conftest import run_cli

    path, _ = baa_config
    result = run_cli(["list", "features", "--config", path])
    assert result.code == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if "baa_spread" in line)
    assert line.split()[:6] == ["baa_spread", "[declared;", "sign", "-1;", "inputs", "BAA10Y]"]
    assert "Moody's Baa corporate yield minus the 10-year Treasury" in line
    listing = run_cli(["list", "features", "--json", "--config", path])
    assert listing.code == 0, listing.stderr
    entry = json.loads(listing.stdout)["features"]["baa_spread"]
    assert (entry["inputs"], entry["sign"], entry["declared"]) == (["BAA10Y"], -1, True)
