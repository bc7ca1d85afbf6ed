"""The pipeline: data -> point-in-time features -> walk-forward regimes ->
target weights -> vectorbt -> metrics, as one function, :func:`run`.
"""

from __future__ import annotations

import dataclasses
from functools import cached_property
from importlib import metadata

import numpy as np
import pandas as pd

from backtests.config import RunConfig, config_sha256, data_sha256
from backtests.analysis import basket_contributions
from backtests.engine import EngineResult, costs_per_ticker, rebalance_signals, simulate
from backtests.research import placebo_distribution, research_sections, sweep_section
from backtests.metrics import PERIODS_PER_YEAR, json_float, performance_summary
from data import (
    REGIME_NAMES,
    DataError,
    MarketData,
    align_macro,
    align_prices,
    load_market_data,
    trading_calendar,
)
from regimes import (
    CLASSIFIERS,
    FEATURES,
    WalkForwardSpec,
    build_features,
    in_sample_regimes,
    net_liquidity,
    walk_forward_regimes,
)
from regimes.features import MAX_STALENESS_DAYS, STALE_VALUES
from regimes.evaluate import evaluate_regimes
from strategies import ENGINE_KEYS, STRATEGIES, random_regime_paths

__all__ = ["RunResult", "check_basket_coverage", "check_constant_features", "check_start",
           "labelled_regimes", "load_inputs", "load_market", "run",
           "run_series", "run_sweep", "run_tickers"]

#: Version of the metrics.json layout; bump on incompatible changes.
METRICS_SCHEMA = 1
#: Research sections of metrics.json (documented in :mod:`backtests.research`).
RESEARCH_KEYS = ("placebos", "sweep", "walk_forward", "significance", "event_study")


@dataclasses.dataclass(frozen=True)
class Inputs:
    """Point-in-time inputs of a run, on the trading calendar.

    Attributes
    ----------
    market : MarketData
        The raw data as the source returned it.
    prices : DataFrame of shape (n_dates, n_tickers)
        Aligned adjusted closes.
    macro : DataFrame of shape (n_dates, n_series + 1)
        Point-in-time macro panel plus ``net_liquidity`` where computable.
    features : DataFrame of shape (n_dates, n_features)
        Standardised features the classifier sees.
    """

    market: MarketData
    prices: pd.DataFrame
    macro: pd.DataFrame
    features: pd.DataFrame


def run_tickers(config: RunConfig) -> list[str]:
    """Every ticker a run loads: the universe plus tickers named by strategies."""
    tickers = list(config.universe.tickers)
    for table in config.strategies.values():
        if isinstance(table.get("ticker"), str):
            tickers.append(table["ticker"])
        if isinstance(table.get("weights"), dict):
            tickers.extend(table["weights"])
    return list(dict.fromkeys(tickers))


def run_series(config: RunConfig) -> list[str]:
    """Macro series ids a run loads: ``data.series``, or what the features need."""
    if config.data.series:
        return list(dict.fromkeys(config.data.series))
    needed = [s for name in config.features.use for s in FEATURES[name].series
              if not s.startswith("price:")]
    return list(dict.fromkeys(needed))


def _source_options(config: RunConfig, cache_mode: str = "use") -> dict:
    data = config.data
    if data.source == "synthetic":
        return {"seed": data.seed, "start": data.start, "end": data.end}
    return {
        "tickers": run_tickers(config), "series": run_series(config),
        "start": data.start, "end": data.end, "prices_dir": data.prices_dir,
        "fred_dir": data.fred_dir, "cache_dir": data.cache_dir, "cache_mode": cache_mode,
        "bad_jump": data.bad_jump,
    }


def load_market(config: RunConfig, cache_mode: str = "use") -> MarketData:
    """The raw data of a run from its configured source.

    Parameters
    ----------
    config : RunConfig
    cache_mode : {"use", "offline", "refresh"}
        How network sources use the download cache (``--offline``/``--refresh``).
    """
    return load_market_data(config.data.source, **_source_options(config, cache_mode))


def _period(dates: pd.Series | pd.Index) -> pd.Timedelta:
    """Typical spacing of a series' first observations (its native period)."""
    head = pd.DatetimeIndex(dates[:6])
    if len(head) < 2:
        return pd.Timedelta(0)
    return min(pd.Series(head).diff().dropna().median(), pd.Timedelta(days=31))


def check_start(market: MarketData, config: RunConfig, calendar: pd.DatetimeIndex) -> None:
    """Refuse to silently shorten a run whose start predates required data.

    Checked: the calendar ticker (within 7 days of ``data.start``), the
    benchmark and cash tickers, every basket (at least one member listed) and
    every macro series the run loads (its first observation no later than one
    native period after the first trading date). Late listings of single
    basket members are normal and never checked. Skipped when
    ``data.allow_late_start`` is true.

    Raises
    ------
    DataError
        Naming each late ticker, basket or series with its first date.
    """
    if config.data.allow_late_start:
        return
    start, first_day = pd.Timestamp(config.data.start), calendar[0]
    first = market.prices.apply(pd.Series.first_valid_index)
    late: list[tuple[str, pd.Timestamp | None]] = []
    universe = config.universe
    if first_day - start > pd.Timedelta(days=7):
        late.append((f"{universe.calendar_ticker} (calendar)", first_day))
    for role, ticker in (("benchmark", universe.benchmark), ("cash", universe.cash)):
        if pd.isna(first[ticker]) or first[ticker] > first_day:
            late.append((f"{ticker} ({role})", first[ticker]))
    for name, members in universe.baskets.items():
        dates = [first[t] for t in members if not pd.isna(first[t])]
        if not dates or min(dates) > first_day:
            late.append((f"basket {name} ({', '.join(members)})", min(dates) if dates else None))
    for series_id, series in market.macro.items():
        observed = series.dropna().index
        if observed.empty or observed[0] > first_day + _period(observed):
            late.append((f"series {series_id}", observed[0] if len(observed) else None))
    if not late:
        return
    listed = "; ".join(
        f"{what} first has data on {when:%Y-%m-%d}" if when is not None and not pd.isna(when)
        else f"{what} has no data at all"
        for what, when in late
    )
    dated = [when for _, when in late if when is not None and not pd.isna(when)]
    hint = f"Move `data.start` to {max(dated):%Y-%m-%d} or later, or set" if dated else "Set"
    raise DataError(
        f"data.start = {config.data.start} is earlier than the {market.source} data for: "
        f"{listed}. {hint} `data.allow_late_start = true` to let them join when their data "
        "begins (the run then starts with what is available)."
    )


def check_basket_coverage(prices: pd.DataFrame, config: RunConfig) -> None:
    """Refuse a basket that has no listed member on some date of the run.

    :func:`check_start` covers the first date; this covers the rest (every
    member's history ended, or a gap longer than ``data.max_gap_days`` in all
    of them). Skipped when ``data.allow_late_start`` is true: a basket with no
    listed member is then held as cash on those dates (see
    :func:`strategies.equal_weight`).

    Raises
    ------
    DataError
        Naming the basket and its first and last uncovered dates.
    """
    if config.data.allow_late_start:
        return
    problems = []
    for name, members in config.universe.baskets.items():
        uncovered = prices.index[~prices[list(members)].notna().any(axis=1).to_numpy()]
        if len(uncovered):
            problems.append(
                f"basket {name} ({', '.join(members)}) has no listed member on "
                f"{len(uncovered)} trading day(s) between {uncovered[0]:%Y-%m-%d} and "
                f"{uncovered[-1]:%Y-%m-%d}"
            )
    if problems:
        raise DataError(
            f"{'; '.join(problems)}. Add a member that trades then, move `data.end` (or "
            "`data.start`) inside the members' histories, or set `data.allow_late_start = "
            "true` to hold cash for the basket on those days."
        )


def check_constant_features(
    macro: pd.DataFrame, prices: pd.DataFrame, features: pd.DataFrame, config: RunConfig
) -> None:
    """Refuse a feature that has zero variance over the whole run (before classifying).

    A constant input (a series that never changes, a file filled with one
    value) would standardise to NaN everywhere (see
    :func:`regimes.features.standardise`), and the classifier would silently
    run without it.

    Raises
    ------
    DataError
        Naming each constant feature, its value and the series it reads.
    """
    from regimes.features import compute_raw_features

    silent = [name for name in features.columns if features[name].isna().all()]
    if not silent:
        return
    raw = compute_raw_features(macro, prices, silent)
    constant = []
    for name in silent:
        values = raw[name].dropna()
        if len(values) >= 2 and values.nunique() == 1:
            inputs = ", ".join(FEATURES[name].series)
            constant.append(f"{name} (always {values.iloc[0]:g}; reads {inputs})")
    if constant:
        raise DataError(
            f"feature(s) with zero variance over {config.data.start}..{config.data.end}: "
            f"{'; '.join(constant)}. A constant feature carries no information and cannot be "
            "standardised. Check the input series, or drop the feature from `features.use`."
        )


def load_inputs(config: RunConfig, market: MarketData | None = None) -> Inputs:
    """Load the data and build every point-in-time panel of a run.

    Parameters
    ----------
    config : RunConfig
    market : MarketData, optional
        Already-loaded raw data; by default the configured source is read.

    Returns
    -------
    Inputs
    """
    if market is None:
        market = load_market(config)
    tickers = run_tickers(config)
    missing = [t for t in tickers if t not in market.prices.columns]
    if missing:
        raise DataError(
            f"ticker(s) {', '.join(missing)} are not in the {market.source} data; available: "
            f"{', '.join(map(str, market.prices.columns))}. Fix `universe` in the config."
        )
    start, end = pd.Timestamp(config.data.start), pd.Timestamp(config.data.end)
    calendar = trading_calendar(market.prices, config.universe.calendar_ticker, start, end)
    if len(calendar) < 2:
        raise DataError(
            f"the calendar ticker {config.universe.calendar_ticker!r} has fewer than 2 prices "
            f"between {config.data.start} and {config.data.end}. Widen `data.start`/`data.end`."
        )
    check_start(market, config, calendar)
    prices = align_prices(market.prices[tickers], calendar, max_gap=config.data.max_gap_days)
    check_basket_coverage(prices, config)
    macro = align_macro(
        market.macro, calendar, config.features.lags,
        max_staleness={**MAX_STALENESS_DAYS, **config.data.max_staleness_days},
        stale_values=STALE_VALUES,
    )
    if {"WALCL", "WTREGEN", "RRPONTSYD"} <= set(macro.columns):
        macro["net_liquidity"] = net_liquidity(macro)
    window = config.features.window or None
    features = build_features(
        macro, prices, config.features.use, window=window,
        min_periods=config.features.min_periods,
    )
    return Inputs(market=market, prices=prices, macro=macro, features=features)


def make_estimator(config: RunConfig, classifier: str | None = None):
    """The configured, unfitted regime estimator.

    The composite classifier's weights default to each feature's documented
    sign (+1 abundant, -1 scarce) when the config gives none.

    Parameters
    ----------
    config : RunConfig
    classifier : str, optional
        A key of ``regimes.CLASSIFIERS``; default ``config.regimes.classifier``.
        Its parameters come from ``[regimes.params.<classifier>]``.
    """
    name = config.regimes.classifier if classifier is None else classifier
    params = dict(config.regimes.params.get(name, {}))
    if name == "composite" and not params.get("weights"):
        params["weights"] = {name: float(FEATURES[name].abundant_sign) for name in config.features.use}
    return CLASSIFIERS[name](**params)


def walk_forward_spec(config: RunConfig) -> WalkForwardSpec:
    """The ``[walk_forward]`` table as a :class:`regimes.WalkForwardSpec`."""
    return WalkForwardSpec(
        refit_every=config.walk_forward.refit_every,
        min_train=config.walk_forward.min_train,
        window=config.walk_forward.window or None,
    )


def _versions() -> dict[str, str]:
    packages = ("regime-backtester", "vectorbt", "numba", "numpy", "pandas", "scikit-learn",
                "quantstats")
    versions = {}
    for package in packages:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


@dataclasses.dataclass(frozen=True)
class RunResult:
    """Everything a run produced. Frozen; derived views are cached.

    Attributes
    ----------
    config : RunConfig
    inputs : Inputs
    regimes : DataFrame of shape (n_days, 2)
        Causal walk-forward ``regime`` and ``p_scarce`` over the backtest
        period: what the strategies used.
    in_sample_regimes : DataFrame of shape (n_days, 2)
        Full-sample labels: a look-ahead diagnostic only.
    targets : dict of str to DataFrame of shape (n_days, n_tickers)
        Each strategy's target weights as of each signal close (before the
        execution lag and the rebalance schedule).
    engine : EngineResult
        Values, returns, held weights and trades per strategy.
    roles : dict of str to str
        ``"strategy"``, ``"benchmark"`` or ``"placebo"`` per strategy.
    """

    config: RunConfig
    inputs: Inputs
    regimes: pd.DataFrame
    in_sample_regimes: pd.DataFrame
    targets: dict[str, pd.DataFrame]
    engine: EngineResult
    roles: dict[str, str]
    research: dict = dataclasses.field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = dataclasses.field(default_factory=dict)

    @property
    def returns(self) -> pd.DataFrame:
        """Daily returns after costs, shape (n_days, n_strategies)."""
        return self.engine.returns

    @property
    def weights(self) -> dict[str, pd.DataFrame]:
        """Weights held at each close, per strategy."""
        return self.engine.weights

    @cached_property
    def prices(self) -> pd.DataFrame:
        """Aligned prices over the backtest period."""
        return self.inputs.prices.loc[self.regimes.index]

    @cached_property
    def true_regimes(self) -> pd.Series | None:
        """The hidden truth on the backtest dates, when the data has one."""
        truth = self.inputs.market.truth
        if truth is None:
            return None
        return truth.reindex(self.regimes.index).rename("regime")

    @cached_property
    def metrics(self) -> dict:
        """The content of ``metrics.json`` (deterministic, JSON-ready)."""
        return {
            "schema": METRICS_SCHEMA,
            "run": self._run_metadata(),
            "strategies": {name: self._strategy_metrics(name) for name in self.returns.columns},
            "regimes": self._regime_metrics(),
            **{key: self.research.get(key) for key in RESEARCH_KEYS},
        }

    def _run_metadata(self) -> dict:
        index = self.regimes.index
        return {
            "name": self.config.name,
            "data_source": self.inputs.market.source,
            "synthetic": bool(self.inputs.market.synthetic),
            "start": index[0].strftime("%Y-%m-%d"),
            "end": index[-1].strftime("%Y-%m-%d"),
            "n_days": len(index),
            "benchmark": self.config.universe.benchmark,
            "cash": self.config.universe.cash,
            "config_sha256": config_sha256(self.config),
            "data_sha256": data_sha256(self.config),
            "versions": _versions(),
        }

    def _strategy_metrics(self, name: str) -> dict:
        returns = self.returns[name]
        traded = self.engine.traded_fraction[name]
        invested = self.weights[name].sum(axis=1)
        # The return of day t was earned by positions chosen under the label
        # known at the close of t-1.
        label = self.regimes["regime"].shift(1)
        overall = performance_summary(returns, traded, invested)
        by_regime = {}
        for regime in REGIME_NAMES:
            mask = (label == regime).to_numpy()
            by_regime[regime] = performance_summary(
                returns[mask], traded[mask], invested[mask], total_days=len(returns)
            )
        return {
            "kind": self.config.strategies[name]["kind"],
            "role": self.roles[name],
            "overall": {k: json_float(v) for k, v in overall.items()},
            "by_regime": {
                regime: {k: json_float(v) for k, v in values.items()}
                for regime, values in by_regime.items()
            },
            # sum over days of w[t-1, i] * r[t, i] by basket (backtests.analysis)
            "contribution": {k: json_float(v) for k, v in basket_contributions(
                self.prices, self.weights[name], returns, self.config.universe.baskets,
                self.config.universe.cash,
            ).items()},
        }

    def _regime_metrics(self) -> dict:
        labels = self.regimes["regime"]
        switches = int((labels != labels.shift(1)).iloc[1:].sum())
        years = len(labels) / PERIODS_PER_YEAR
        last = self.regimes.iloc[-1]
        return {
            "classifier": self.config.regimes.classifier,
            "params": _plain(make_estimator(self.config).get_params()),
            "share_scarce": float((labels == "scarce").mean()),
            "switches_per_year": switches / years,
            "current": {
                "date": self.regimes.index[-1].strftime("%Y-%m-%d"),
                "regime": str(last["regime"]),
                "p_scarce": json_float(last["p_scarce"]),
            },
            "in_sample_label_gap": float((labels != self.in_sample_regimes["regime"]).mean()),
            "evaluation": self._evaluation(),
        }

    def _evaluation(self) -> dict:
        """:func:`regimes.evaluate.evaluate_regimes`: truth metrics, or episode shares."""
        evaluation = evaluate_regimes(self.regimes["regime"], self.true_regimes)
        return _plain(evaluation)

    def summary(self) -> pd.DataFrame:
        """Overall metrics per strategy, one row each."""
        rows = {name: entry["overall"] for name, entry in self.metrics["strategies"].items()}
        return pd.DataFrame(rows).T


def _plain(value):
    """Estimator params as JSON-ready data (mappings, lists, scalars)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def labelled_regimes(config: RunConfig, inputs: Inputs, estimator) -> pd.DataFrame:
    """Walk-forward labels over the backtest period (from the first labelled day).

    Parameters
    ----------
    config : RunConfig
    inputs : Inputs
    estimator : regime estimator
        Unfitted, from :func:`make_estimator`.

    Returns
    -------
    DataFrame of shape (n_days, 2)
        ``regime`` and ``p_scarce``, causal.

    Raises
    ------
    DataError
        When a feature is constant (:func:`check_constant_features`), when
        no day gets a label, or when every labelled day has the same regime.
    """
    check_constant_features(inputs.macro, inputs.prices, inputs.features, config)
    regimes = walk_forward_regimes(estimator, inputs.features, walk_forward_spec(config))
    labelled = regimes["regime"].notna().to_numpy()
    if labelled.sum() < 2:
        raise DataError(
            f"no regime labels: the data has {len(regimes)} trading days, but features need "
            f"{config.features.min_periods} and the first walk-forward fit needs "
            f"{config.walk_forward.min_train} more. Start earlier or lower "
            "`features.min_periods` / `walk_forward.min_train`."
        )
    regimes = regimes.iloc[int(np.argmax(labelled)):]
    found = regimes["regime"].dropna().unique()
    if len(found) < 2:
        raise DataError(
            f"the {config.regimes.classifier} classifier found only one regime "
            f"({found[0] if len(found) else 'none'!r}) on all {len(regimes)} labelled days "
            f"({regimes.index[0]:%Y-%m-%d}..{regimes.index[-1]:%Y-%m-%d}): the rotation would "
            "be a single basket and the by-regime statistics empty. Lengthen the run, check "
            "the features, or loosen `[regimes.params."
            f"{config.regimes.classifier}]` (thresholds, penalties)."
        )
    return regimes


def run_sweep(config: RunConfig, market: MarketData | None = None) -> tuple[dict, pd.DataFrame]:
    """Run only the configured parameter sweep (``[sweep]``) on the numba kernel.

    Parameters
    ----------
    config : RunConfig
    market : MarketData, optional
        Already-loaded raw data; by default the configured source is read.

    Returns
    -------
    section : dict
        What ``metrics.json`` holds under ``sweep``.
    table : DataFrame of shape (n_combinations, n_columns)
        ``sweep.csv``: the parameters and kernel metrics of every combination.
    """
    inputs = load_inputs(config, market)
    estimator = make_estimator(config)
    regimes = labelled_regimes(config, inputs, estimator)
    prices = inputs.prices.loc[regimes.index]
    section, table, _ = sweep_section(
        config, prices, inputs.features.loc[regimes.index], regimes, estimator,
        walk_forward_spec(config), config.universe.baskets,
    )
    return section, table


def run(config: RunConfig, market: MarketData | None = None) -> RunResult:
    """Run a whole regime backtest.

    Parameters
    ----------
    config : RunConfig
        From :func:`backtests.load_config`.
    market : MarketData, optional
        Already-loaded raw data (for scripts and tests); by default the
        configured source is read.

    Returns
    -------
    RunResult

    Examples
    --------
    >>> from backtests import load_config, run
    >>> result = run(load_config())  # doctest: +SKIP
    >>> result.summary()[["cagr", "sharpe"]]  # doctest: +SKIP
    """
    inputs = load_inputs(config, market)
    estimator = make_estimator(config)
    regimes = labelled_regimes(config, inputs, estimator)
    in_sample = in_sample_regimes(estimator, inputs.features).loc[regimes.index]
    prices = inputs.prices.loc[regimes.index]
    baskets = config.universe.baskets
    listed = prices.notna()
    targets, signals, roles, bands, placebos = {}, {}, {}, {}, {}
    for name, table in config.strategies.items():
        params = {k: v for k, v in table.items() if k != "kind" and k not in ENGINE_KEYS}
        bands[name] = float(table.get("no_trade_band", 0.0))
        function, role, _ = STRATEGIES[table["kind"]]
        labels = regimes["regime"]
        if table["kind"] == "random_regimes":
            # The whole distribution runs on the kernel; the engine runs path
            # `path` (default 0, a plain random draw: choosing it by outcome,
            # e.g. the median Sharpe, would depend on future returns),
            # rebalancing on that path's own switches.
            distribution = placebo_distribution(config, prices, regimes, baskets, params,
                                                bands[name])
            params["path"] = int(params.get("path", 0))
            placebos[name] = (distribution, params)
            labels = random_regime_paths(regimes, int(params.get("n_paths", 200)),
                                         int(params.get("seed", 0)))[params["path"]]["regime"]
        targets[name] = function(prices, regimes, baskets, **params)
        roles[name] = role
        signals[name] = rebalance_signals(
            prices.index, labels, listed,
            config.rebalance.frequency, config.rebalance.on_regime_change,
        )
    tickers = list(prices.columns)
    engine = simulate(
        prices, targets, signals, config.execution.lag_days,
        costs_per_ticker(tickers, config.costs.fee_bps, config.costs.overrides("fee_bps")),
        costs_per_ticker(tickers, config.costs.slippage_bps,
                         config.costs.overrides("slippage_bps")),
        config.execution.init_cash, no_trade_band=bands,
        cash=config.universe.cash if config.execution.cash_in_fund else None,
    )
    research, tables = research_sections(
        config, prices, inputs.features.loc[prices.index], regimes, engine.returns, roles,
        estimator, walk_forward_spec(config), placebos,
    )
    return RunResult(
        config=config, inputs=inputs, regimes=regimes, in_sample_regimes=in_sample,
        targets=targets, engine=engine, roles=roles, research=research, tables=tables,
    )
