"""The synthetic liquidity world: determinism, calendars, truth, economics, fairness."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from data import DataError, MarketData, align_macro
from data.synthetic import (
    SYNTHETIC_SERIES,
    SYNTHETIC_TICKERS,
    SyntheticParams,
    generate_world,
    market_holidays,
)

CASH_FLOW = ["MEMA", "MEMB", "MEMC", "FRUT"]
SPECULATIVE = ["XBT-USD", "INNO", "SAASA", "SAASB"]
DAILY_SERIES = [
    "RRPONTSYD",
    "DGS10",
    "DGS2",
    "T10Y2Y",
    "DFII10",
    "BAMLH0A0HYM2",
    "DTWEXBGS",
    "VIXCLS",
]
#: Trading days in 13 weeks, the horizon of the change features.
QUARTER = 63
#: Trading days in 4 weeks, the horizon of the fast change features.
MONTH = 21
#: Seeds beside the default on which the fairness bound is also checked.
FAIRNESS_SEEDS = (1, 2, 3)
#: Largest best-threshold balanced accuracy allowed to one raw feature. Measured
#: maxima (data/synthetic.py, Calibration): 0.763 on seed 42 (net_liquidity_13w),
#: 0.791 / 0.746 / 0.714 on seeds 1 / 2 / 3, and at most 0.814 (seed 0) over
#: seeds 0-11: the smallest round bound that holds on every measured seed.
SINGLE_FEATURE_BOUND = 0.82


@pytest.fixture(scope="module")
def world() -> MarketData:
    return generate_world()


@pytest.fixture(scope="module")
def trading_days(world) -> pd.DatetimeIndex:
    return _trading_days(world)


def causal_features(world: MarketData, trading_days: pd.DatetimeIndex) -> pd.DataFrame:
    """The downstream classifier's causal features, on publication-lagged macro data."""
    macro = align_macro(world.macro, trading_days)
    liquidity = macro["WALCL"] - macro["WTREGEN"] - macro["RRPONTSYD"] * 1000.0
    log_vix = np.log(macro["VIXCLS"])
    frame = pd.DataFrame(
        {
            "net_liquidity_13w": liquidity.diff(QUARTER) / liquidity.shift(QUARTER).abs(),
            "dgs10_change_13w": macro["DGS10"] - macro["DGS10"].shift(QUARTER),
            "hy_spread": macro["BAMLH0A0HYM2"],
            "hy_spread_change_13w": macro["BAMLH0A0HYM2"] - macro["BAMLH0A0HYM2"].shift(QUARTER),
            "dollar_change_13w": np.log(macro["DTWEXBGS"]).diff(QUARTER),
            "vix": macro["VIXCLS"],
            "m2_growth_1y": np.log(macro["M2SL"]).diff(252),
            # the fast variants (4 weeks, or against a trailing mean) and the levels
            "dgs10_change_4w": macro["DGS10"].diff(MONTH),
            "hy_spread_change_4w": macro["BAMLH0A0HYM2"].diff(MONTH),
            "dollar_change_4w": np.log(macro["DTWEXBGS"]).diff(MONTH),
            "vix_change_4w": log_vix.diff(MONTH),
            "vix_relative_6m": log_vix - log_vix.rolling(126).mean(),
            "curve_10y2y": macro["T10Y2Y"],
            "nfci": macro["NFCI"],
        }
    )
    frame["scarce"] = world.truth.reindex(trading_days).eq("scarce")
    return frame.dropna()


@pytest.fixture(scope="module")
def features(world, trading_days) -> pd.DataFrame:
    return causal_features(world, trading_days)


@pytest.fixture(scope="module")
def seed_worlds(world) -> dict[int, MarketData]:
    """The default world and the worlds of :data:`FAIRNESS_SEEDS`, generated once."""
    return {
        42: world,
        **{seed: generate_world(SyntheticParams(seed=seed)) for seed in FAIRNESS_SEEDS},
    }


@pytest.fixture(scope="module")
def seed_features(seed_worlds, features) -> dict[int, pd.DataFrame]:
    """:func:`causal_features` of every world in ``seed_worlds``."""
    out = {42: features}
    for seed, world in seed_worlds.items():
        if seed not in out:
            out[seed] = causal_features(world, _trading_days(world))
    return out


def _trading_days(world: MarketData) -> pd.DatetimeIndex:
    return world.prices.index[world.prices["MKT"].notna().to_numpy()]


def basket_excess_returns(world: MarketData) -> pd.DataFrame:
    """Daily excess returns (over ``TBIL``) of the equal-weight baskets on trading days.

    Columns ``cash_flow``, ``speculative`` and ``scarce`` (the true regime of the day).
    A basket averages its listed members (``MEMC`` joins when it lists).
    """
    returns = world.prices.reindex(_trading_days(world)).pct_change(fill_method=None).iloc[1:]
    excess = returns.sub(returns["TBIL"], axis=0)
    return pd.DataFrame(
        {
            "cash_flow": excess[CASH_FLOW].mean(axis=1),
            "speculative": excess[SPECULATIVE].mean(axis=1),
            "scarce": world.truth.reindex(returns.index).eq("scarce"),
        }
    )


def best_threshold_balanced_accuracy(feature: np.ndarray, scarce: np.ndarray) -> float:
    """Balanced accuracy of the best single threshold, in either direction."""
    order = np.argsort(feature, kind="stable")
    values, labels = feature[order], scarce[order]
    n_scarce, n_abundant = labels.sum(), (~labels).sum()
    # Split after position k: "scarce" above the threshold. Only split between distinct values.
    below_abundant = np.concatenate([[0], np.cumsum(~labels)])
    below_scarce = np.concatenate([[0], np.cumsum(labels)])
    valid = np.concatenate([[True], values[1:] != values[:-1], [True]])
    score = 0.5 * (below_abundant / n_abundant + (n_scarce - below_scarce) / n_scarce)
    score = score[valid]
    return float(max(score.max(), (1.0 - score).max()))


# --- contract and determinism ---------------------------------------------------------------


def test_market_data_contract(world):
    assert world.source == "synthetic" and world.synthetic is True
    assert list(world.prices.columns) == list(SYNTHETIC_TICKERS)
    assert set(world.macro) == set(SYNTHETIC_SERIES)
    index = world.prices.index
    assert index.name == "date" and index.is_monotonic_increasing and not index.has_duplicates
    assert index.equals(pd.date_range("2005-01-03", "2024-12-31", freq="D"))
    assert world.truth.index.equals(index) and world.truth.index.name == "date"
    assert world.truth.name == "regime"
    assert set(world.truth.unique()) == {"abundant", "scarce"}
    assert world.description["generator"] == "data.synthetic"
    assert world.description["seed"] == 42
    assert world.description["params"]["seed"] == 42
    for series_id, series in world.macro.items():
        assert series.name == series_id and series.dtype == np.float64
        assert series.index.is_monotonic_increasing and not series.index.has_duplicates


def test_same_seed_is_bit_identical_and_other_seed_differs(world):
    again = generate_world(SyntheticParams())
    pd.testing.assert_frame_equal(world.prices, again.prices, check_exact=True)
    pd.testing.assert_series_equal(world.truth, again.truth, check_exact=True)
    for series_id in world.macro:
        pd.testing.assert_series_equal(
            world.macro[series_id], again.macro[series_id], check_exact=True
        )
    other = generate_world(SyntheticParams(seed=7))
    assert not world.prices.equals(other.prices)
    assert not world.truth.equals(other.truth)
    assert not world.macro["DGS10"].equals(other.macro["DGS10"])


def test_invalid_params_raise_data_error():
    with pytest.raises(DataError, match="at least 90 days"):
        generate_world(SyntheticParams(start="2020-01-01", end="2020-01-10"))
    with pytest.raises(DataError, match="asset_profiles"):
        generate_world(SyntheticParams(asset_profiles=()))


# --- calendars ------------------------------------------------------------------------------


def test_macro_series_sit_on_their_native_calendars(world):
    for series_id in ("WALCL", "WTREGEN"):
        assert (world.macro[series_id].index.day_of_week == 2).all()
    assert (world.macro["NFCI"].index.day_of_week == 4).all()
    assert (world.macro["M2SL"].index.day == 1).all()
    for series_id in DAILY_SERIES:
        series = world.macro[series_id]
        # Each series has history before the prices start: its own range.
        holidays = market_holidays(series.index[0], series.index[-1])
        assert (series.index.day_of_week < 5).all()
        assert series.index.to_series().diff().max() <= pd.Timedelta(days=3)
        is_holiday = series.index.isin(holidays)
        assert series[is_holiday].isna().all()
        assert series[~is_holiday].notna().all()
    for series_id in ("WALCL", "WTREGEN", "NFCI", "M2SL"):
        assert world.macro[series_id].notna().all()


def test_holiday_rules():
    holidays = set(market_holidays("2020-01-01", "2024-12-31").strftime("%Y-%m-%d"))
    assert {
        "2020-04-10",
        "2022-06-20",
        "2023-06-19",
        "2024-07-04",
        "2021-12-24",
        "2022-12-26",
        "2023-01-02",
        "2024-11-28",
    } <= holidays
    # Not market holidays: Juneteenth 2021 (before 2022), Columbus and Veterans Day,
    # and the Friday before a Saturday New Year.
    assert not {"2021-06-18", "2023-10-09", "2023-11-10", "2021-12-31"} & holidays


def test_equities_trade_on_the_us_calendar_and_crypto_every_day(world, trading_days):
    prices = world.prices
    weekend = prices.index.day_of_week >= 5
    holiday = prices.index.isin(market_holidays(prices.index[0], prices.index[-1]))
    equities = [t for t in SYNTHETIC_TICKERS if t not in ("XBT-USD", "MEMC")]
    assert prices.loc[weekend | holiday, equities].isna().all().all()
    assert prices.loc[~weekend & ~holiday, equities].notna().all().all()
    assert prices["XBT-USD"].notna().all()
    assert prices.loc[weekend, "XBT-USD"].notna().all()
    assert len(trading_days) == (~weekend & ~holiday).sum()


def test_memc_lists_about_18_months_before_the_end(world, trading_days):
    memc = world.prices["MEMC"]
    first = memc.first_valid_index()
    end = world.prices.index[-1]
    assert end - pd.Timedelta(days=19 * 30) < first < end - pd.Timedelta(days=17 * 30)
    assert memc[memc.index < first].isna().all()
    listed_days = trading_days[trading_days >= first]
    assert memc.reindex(listed_days).notna().all()


# --- truth ----------------------------------------------------------------------------------


def test_truth_spells_are_persistent_and_within_their_ranges(world):
    truth = world.truth
    spell_id = truth.ne(truth.shift()).cumsum()
    spells = truth.groupby(spell_id).agg(["first", "size"])
    assert spells["first"].iloc[0] == "abundant"
    assert (spells["first"].to_numpy()[1:] != spells["first"].to_numpy()[:-1]).all()
    complete = spells.iloc[:-1]  # the last spell is cut by the end of the sample
    months = complete["size"] / (365.25 / 12)
    abundant = months[complete["first"] == "abundant"]
    scarce = months[complete["first"] == "scarce"]
    assert len(abundant) >= 3 and len(scarce) >= 3
    assert abundant.between(6 - 0.05, 36 + 0.05).mean() >= 0.9
    assert scarce.between(3 - 0.05, 18 + 0.05).mean() >= 0.9
    assert 0.2 < truth.eq("scarce").mean() < 0.5


# --- economics ------------------------------------------------------------------------------


def test_scarce_regime_drains_liquidity_and_widens_spreads(features):
    by_regime = features.groupby("scarce").mean()
    assert by_regime.loc[True, "net_liquidity_13w"] < by_regime.loc[False, "net_liquidity_13w"]
    assert by_regime.loc[True, "hy_spread"] > by_regime.loc[False, "hy_spread"]
    assert by_regime.loc[True, "dgs10_change_13w"] > by_regime.loc[False, "dgs10_change_13w"]
    assert by_regime.loc[True, "dollar_change_13w"] > by_regime.loc[False, "dollar_change_13w"]
    assert by_regime.loc[True, "vix"] > by_regime.loc[False, "vix"]


def test_speculative_basket_loses_in_scarce_and_wins_in_abundant(world, trading_days):
    returns = world.prices.reindex(trading_days).pct_change().iloc[1:]
    scarce = world.truth.reindex(returns.index).eq("scarce")
    cash_flow = returns[CASH_FLOW].mean(axis=1)
    speculative = returns[SPECULATIVE].mean(axis=1)
    assert speculative[scarce].mean() < cash_flow[scarce].mean()
    assert speculative[~scarce].mean() > cash_flow[~scarce].mean()
    assert speculative[scarce].mean() < 0 < speculative[~scarce].mean()


def test_speculative_edge_over_cash_flow_flips_with_the_regime(world):
    """The asset side of the thesis, seed 42, 2005-2024: a large per-regime spread that flips.

    The profiles give the speculative basket about +0.29 a year over the cash-flow
    basket in abundant and about -0.40 in scarce (annualised arithmetic means);
    measured +0.28 and -0.34. Without regime-dependent expected returns the two
    spreads would be equal.
    """
    baskets = basket_excess_returns(world)
    scarce = baskets.pop("scarce")
    annual = baskets.groupby(scarce).mean() * 252
    spread = annual["speculative"] - annual["cash_flow"]
    assert spread[False] > 0.15, annual
    assert spread[True] < -0.20, annual
    assert annual.loc[False, "speculative"] > 0.2, annual
    assert annual.loc[True, "speculative"] < -0.1, annual


def test_perfect_regime_knowledge_beats_holding_the_baskets(seed_worlds):
    """The edge the world is built to contain, on seeds 42 and 1-3.

    The frictionless oracle (speculative basket on days after an abundant day,
    cash-flow basket after a scarce one, daily equal weights) beats each basket
    and their 50/50 blend by at least 0.2 Sharpe in excess of ``TBIL``. Measured
    margins: 0.32, 0.25, 0.41, 0.49 (0.20, 0.01, 0.30, 0.24 with the asset
    profiles before issue 13). The run's own oracle, with costs and monthly
    rebalancing, is in the Calibration section of data/synthetic.py.
    """
    margins = {}
    for seed, world in seed_worlds.items():
        baskets = basket_excess_returns(world)
        held_scarce = baskets["scarce"].shift(1, fill_value=False).astype(bool)
        oracle = baskets["speculative"].where(~held_scarce, baskets["cash_flow"])
        blend = baskets[["cash_flow", "speculative"]].mean(axis=1)
        sharpe = {
            name: series.mean() / series.std() * np.sqrt(252)
            for name, series in {
                "oracle": oracle,
                "cash_flow": baskets["cash_flow"],
                "speculative": baskets["speculative"],
                "blend": blend,
            }.items()
        }
        margins[seed] = sharpe.pop("oracle") - max(sharpe.values())
    assert min(margins.values()) >= 0.2, margins


def test_bond_and_bill_funds(world, trading_days):
    prices = world.prices.reindex(trading_days)
    assert (prices["TBIL"].diff().dropna() > 0).all()
    bond = np.log(prices["TRSY"]).diff()
    yield_change = world.macro["DGS10"].reindex(trading_days).diff()
    assert bond.corr(yield_change) < -0.9


def test_prices_positive_and_finite(world):
    values = world.prices.to_numpy()
    present = ~np.isnan(values)
    assert np.isfinite(values[present]).all() and (values[present] > 0).all()
    for series_id in ("WALCL", "WTREGEN", "M2SL", "BAMLH0A0HYM2", "DTWEXBGS", "VIXCLS"):
        assert (world.macro[series_id].dropna() > 0).all()
    assert (world.macro["RRPONTSYD"].dropna() >= 0).all()


def test_ten_year_yield_moves_a_few_basis_points_a_day(world):
    daily_bp = world.macro["DGS10"].dropna().diff().std() * 100
    assert 4.5 < daily_bp < 7.5


# --- fairness -------------------------------------------------------------------------------


def test_scorer_detects_a_perfect_and_a_useless_feature(features):
    scarce = features["scarce"].to_numpy()
    assert best_threshold_balanced_accuracy(scarce.astype(float), scarce) == 1.0
    assert best_threshold_balanced_accuracy(-scarce.astype(float), scarce) == 1.0
    constant = np.zeros(scarce.size)
    assert best_threshold_balanced_accuracy(constant, scarce) == 0.5


def test_no_single_feature_separates_the_regimes(features):
    scarce = features["scarce"].to_numpy()
    scores = {
        name: best_threshold_balanced_accuracy(features[name].to_numpy(), scarce)
        for name in features.columns.drop("scarce")
    }
    assert max(scores.values()) <= SINGLE_FEATURE_BOUND, scores
    # ... but the signals are there.
    assert sum(score > 0.65 for score in scores.values()) >= 3, scores


@pytest.mark.parametrize("seed", FAIRNESS_SEEDS)
def test_no_single_feature_separates_the_regimes_on_other_seeds(seed, seed_features):
    frame = seed_features[seed]
    scarce = frame["scarce"].to_numpy()
    scores = {
        name: best_threshold_balanced_accuracy(frame[name].to_numpy(), scarce)
        for name in frame.columns.drop("scarce")
    }
    assert max(scores.values()) <= SINGLE_FEATURE_BOUND, scores


def test_stress_gauges_react_within_weeks(seed_features):
    """HY spread and VIX move, on average, past half of their regime gap within 10 days.

    Progress of a switch: the move of the log level from the day before the
    switch to 10 trading days after it, towards the new regime, as a share of
    that seed's gap between the regime means. One world has only ~14 switches,
    so the switches of seeds 42 and 1-3 are pooled. Measured: HY spread 1.05,
    VIX 0.70 (57 switches, standard errors 0.12 and 0.08). Positions relative to
    the regime means instead of moves would mostly measure the slow credit and
    volatility cycles (HY spread 0.48, standard error 0.30).
    """
    for name in ("hy_spread", "vix"):
        progress = []
        for frame in seed_features.values():
            scarce = frame["scarce"].to_numpy()
            values = np.log(frame[name].to_numpy())
            gap = values[scarce].mean() - values[~scarce].mean()
            switches = np.flatnonzero(scarce[1:] != scarce[:-1]) + 1
            progress += [
                (values[i + 10] - values[i - 1]) / gap * (1.0 if scarce[i] else -1.0)
                for i in switches
                if i + 10 < values.size
            ]
        assert np.mean(progress) > 0.5, (name, np.mean(progress), len(progress))


def test_features_combined_are_learnable(features):
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.preprocessing import StandardScaler

    scarce = features["scarce"].to_numpy()
    inputs = StandardScaler().fit_transform(features.drop(columns="scarce"))
    model = LogisticRegression(class_weight="balanced", max_iter=1000).fit(inputs, scarce)
    assert balanced_accuracy_score(scarce, model.predict(inputs)) > 0.80
