"""The pipeline: data -> point-in-time features -> walk-forward regimes ->
target weights -> vectorbt -> metrics, as one function, :func:`run`.

History and window: the features and the classifier learn from the whole
history the inputs have (from ``features.history_start``, by default as far
back as they go); the backtest runs on ``[data.start, data.end]`` with the
causal labels of those dates. When the history is too short for a label on
``data.start``, the backtest starts on the first labelled day and
``metrics.json`` records both dates.
"""

from __future__ import annotations

import dataclasses
from typing import cast

import numpy as np
import pandas as pd
from sklearn.utils import get_tags

from backtests.config import RunConfig
from backtests.engine import simulate
from backtests.metrics import cash_returns
from backtests.orders import costs_per_ticker, rebalance_signals
from backtests.paths import Trading
from backtests.research import ResearchInputs, research_sections
from backtests.result import Inputs, RunResult
from backtests.stability import stability
from data import (
    DataError,
    MarketData,
    align_macro,
    align_prices,
    load_market_data,
    resolve_series,
    trading_calendar,
)
from data.checks import check_basket_coverage, check_start, check_window_prices
from data.fx import CURRENCIES, fx_series, ticker_currency, ticker_exchange, to_usd
from data.progress import stage
from regimes import (
    FEATURES,
    WalkForwardSpec,
    build_estimator,
    in_sample_regimes,
    net_liquidity,
    parse_definitions,
    resolve_features,
    walk_forward_regimes,
)
from regimes.derived import check_windows
from regimes.evaluate import evaluate_against_truth
from regimes.features import check_features, compute_raw_features, standardise
from regimes.selection import excess_return_target
from strategies import STRATEGIES, placebo_paths

__all__ = [
    "fit_target",
    "labelled_regimes",
    "load_inputs",
    "load_market",
    "make_estimator",
    "needs_target",
    "regime_target",
    "run",
    "run_series",
    "run_sweep",
    "walk_forward_history",
    "walk_forward_spec",
]


def _definitions(config: RunConfig):
    specs = resolve_series(config.series)
    inputs = [*specs, *(f"price:{t}" for t in config.all_tickers())]
    return specs, parse_definitions(config.features.define, inputs, list(FEATURES))


def run_series(config: RunConfig) -> list[str]:
    """Series ids a run loads: what the features read, ``data.series``, and FX rates."""
    _, definitions = _definitions(config)
    features = resolve_features(definitions)
    needed: list[str] = []

    def visit(name: str) -> None:
        for item in features[name].series:
            if item in features:
                visit(item)
            elif not item.startswith("price:"):
                needed.append(item)
        for item in getattr(definitions.get(name), "cash", ()):
            if not item.startswith("price:"):
                needed.append(item)

    for name in config.features.use:
        visit(name)
    needed += list(config.data.series)
    needed += list(fx_series(config.all_tickers(), config.universe.currencies).values())
    return list(dict.fromkeys(needed))


def load_market(config: RunConfig, cache_mode: str = "use") -> MarketData:
    """The raw data of a run from its configured source (the whole history).

    Parameters
    ----------
    config : RunConfig
    cache_mode : {"use", "offline", "refresh"}
        How network sources use the download cache (``--offline``/``--refresh``).
    """
    data = config.data
    return load_market_data(
        data.source,
        tickers=config.all_tickers(),
        series=run_series(config),
        specs=resolve_series(config.series),
        start=config.features.history_start,
        end=data.end,
        seed=data.seed,
        prices_dir=data.prices_dir,
        fred_dir=data.fred_dir,
        cache_dir=data.cache_dir,
        cache_mode=cache_mode,
        bad_jump=data.bad_jump,
        vintage=data.vintage,
        sec_user_agent=data.sec_user_agent,
    )


def _to_usd(prices: pd.DataFrame, macro: pd.DataFrame, config: RunConfig) -> pd.DataFrame:
    """Foreign closes converted at the FX rate published by each date (see :mod:`data.fx`)."""
    converted = prices.copy()
    for ticker, series_id in fx_series(list(prices.columns), config.universe.currencies).items():
        quote = CURRENCIES[ticker_currency(ticker, config.universe.currencies)]
        assert quote is not None
        converted[ticker] = to_usd(prices[ticker], macro[series_id], quote)
    return converted


def load_inputs(config: RunConfig, market: MarketData | None = None) -> Inputs:
    """Load the data and build every point-in-time panel of a run (whole history).

    Raises
    ------
    DataError
        Missing tickers, a late benchmark, cash fund or basket, a basket
        with no listed member, or a feature that carries no information.
    """
    if market is None:
        market = load_market(config)
    specs, definitions = _definitions(config)
    feature_specs = resolve_features(definitions)
    tickers = config.all_tickers()
    missing = [t for t in tickers if t not in market.prices.columns]
    if missing:
        raise DataError(
            f"ticker(s) {', '.join(missing)} are not in the {market.source} data; available: "
            f"{', '.join(map(str, market.prices.columns))}. Fix `universe` in the config."
        )
    universe = config.universe
    first = pd.Timestamp(config.features.history_start) if config.features.history_start else None
    calendar = trading_calendar(
        market.prices, universe.calendar_ticker, first, pd.Timestamp(config.data.end)
    )
    window = calendar[calendar >= pd.Timestamp(config.data.start)]
    if len(window) < 2:
        raise DataError(
            f"the calendar ticker {universe.calendar_ticker!r} has fewer than 2 prices "
            f"between {config.data.start} and {config.data.end}. Widen `data.start`/`data.end`."
        )
    if not config.data.allow_late_start:
        roles = {
            "benchmark": universe.benchmark,
            "cash": universe.cash,
            "calendar": universe.calendar_ticker,
        }
        check_start(
            market.prices, window, config.data.start, roles, universe.baskets, market.source
        )
    exchanges = {t: ticker_exchange(t) for t in tickers if ticker_exchange(t)}
    prices = align_prices(
        market.prices[tickers],
        calendar,
        config.data.max_gap_days,
        {t: e for t, e in exchanges.items() if e},
    )
    macro = align_macro(market.macro, calendar, specs, market.vintages)
    if {"WALCL", "WTREGEN", "RRPONTSYD"} <= set(macro.columns):
        macro["net_liquidity"] = net_liquidity(macro)
    prices = _to_usd(prices, macro, config)
    check_window_prices(
        prices.loc[window], market.prices[tickers], config.data.start, config.data.end
    )
    if not config.data.allow_late_start:
        check_basket_coverage(prices.loc[window], universe.baskets)
    use, dropped = [], {}
    for name in config.features.use:
        blocked = [s for s in _inputs(name, feature_specs) if s in market.unavailable]
        if blocked:
            dropped[name] = f"needs {', '.join(blocked)}: {market.unavailable[blocked[0]]}"
        else:
            use.append(name)
    if not use:
        raise DataError(
            f"no feature can be computed: every one needs an unavailable input "
            f"({'; '.join(f'{k}: {v}' for k, v in dropped.items())})."
        )
    if needs_target(make_estimator(config)):
        _check_target(config, prices, macro)  # before the expensive walk-forward
    raw = compute_raw_features(macro, prices, use, feature_specs)
    needed = _declared_in_use(use, feature_specs, definitions)
    check_windows(
        {k: v for k, v in definitions.items() if k in needed},
        cast(
            "dict[str, pd.Series]",  # macro ids and price:<TICKER>
            {**{c: macro[c] for c in macro}, **{f"price:{c}": prices[c] for c in prices}},
        ),
    )
    features = standardise(
        raw, window=config.features.window or None, min_periods=config.features.min_periods
    )
    check_features(raw, features, feature_specs, f"{calendar[0]:%Y-%m-%d}..{calendar[-1]:%Y-%m-%d}")
    availability = {
        name: (
            None
            if (d := features[name].first_valid_index()) is None
            else cast(pd.Timestamp, d).strftime("%Y-%m-%d")
        )
        for name in features.columns
    }
    signs = {name: float(feature_specs[name].abundant_sign) for name in use}
    return Inputs(
        market=market,
        prices=prices,
        macro=macro,
        features=features,
        availability=availability,
        dropped=dropped,
        feature_signs=signs,
    )


def _declared_in_use(use, specs, definitions) -> set[str]:
    """The declared features the used ones read, directly or through others."""
    needed, stack = set(), list(use)
    while stack:
        name = stack.pop()
        if name in needed or name not in specs:
            continue
        if name in definitions:
            needed.add(name)
        stack += [item for item in specs[name].series if item in specs]
    return needed


def _inputs(name: str, specs) -> list[str]:
    """Every series and price a feature reads, through declared features."""
    out = []
    for item in specs[name].series:
        if item in specs:
            out += _inputs(item, specs)
        else:
            out.append(item)
    return out


def make_estimator(config: RunConfig, classifier: str | None = None, signs=None):
    """The configured, unfitted estimator (default: ``regimes.classifier``).

    The composite's weights default to each feature's economic sign, and the
    signs of declared features reach every classifier (to name its states).
    """
    name = config.regimes.classifier if classifier is None else classifier
    if signs is None:
        _, definitions = _definitions(config)
        signs = {n: float(d.sign) for n, d in definitions.items()}
    declared = {k: v for k, v in (signs or {}).items() if k not in FEATURES}
    return build_estimator(name, config.regimes.params.get(name, {}), declared or None)


def walk_forward_spec(config: RunConfig) -> WalkForwardSpec:
    """The ``[walk_forward]`` table as a :class:`regimes.WalkForwardSpec`."""
    return WalkForwardSpec(
        refit_every=config.walk_forward.refit_every,
        min_train=config.walk_forward.min_train,
        window=config.walk_forward.window or None,
    )


def labelled_regimes(
    config: RunConfig, inputs: Inputs, estimator, history: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Walk-forward labels over the backtest window.

    Parameters
    ----------
    config : RunConfig
    inputs : Inputs
    estimator : regime estimator (unfitted)
    history : DataFrame, optional
        Walk-forward labels already computed on the whole history (a cache,
        see :func:`walk_forward_history`); computed here when None.

    Returns
    -------
    DataFrame of shape (n_days, 2)
        ``regime`` and ``p_scarce`` from ``data.start`` (or the first
        labelled day after it) to ``data.end``, causal.

    Raises
    ------
    DataError
        When no day of the window gets a label, or every labelled day has
        the same regime.
    """
    if history is None:
        history = walk_forward_history(config, inputs, estimator)
    regimes = history.loc[pd.Timestamp(config.data.start) :]
    labelled = regimes["regime"].notna().to_numpy()
    if labelled.sum() < 2:
        raise DataError(
            f"no regime labels in {config.data.start}..{config.data.end}: the history before "
            f"has {int(history['regime'].notna().sum())} labelled day(s); features need "
            f"{config.features.min_periods} trading days and the first walk-forward fit needs "
            f"{config.walk_forward.min_train} more. Start the history earlier "
            "(features.history_start), or lower features.min_periods / walk_forward.min_train."
        )
    regimes = regimes.iloc[int(np.argmax(labelled)) :]
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


def needs_target(estimator) -> bool:
    """Whether the estimator is fitted on outcomes (scikit-learn tag ``target_tags.required``)."""
    return bool(get_tags(estimator).target_tags.required)


def fit_target(config: RunConfig, inputs: Inputs, estimator) -> pd.Series | None:
    """``y`` for ``estimator.fit``: :func:`regime_target` if it needs one, else None."""
    return regime_target(config, inputs) if needs_target(estimator) else None


def regime_target(config: RunConfig, inputs: Inputs) -> pd.Series:
    """``y`` of a classifier fitted on outcomes: the target asset's daily excess return.

    See :meth:`RunConfig.regime_target` for the asset and the cash sources,
    and :func:`regimes.excess_return_target` for the arithmetic. Row ``t`` is
    known at the close of ``t``.

    Raises
    ------
    DataError
        The asset or a cash source is not in the loaded data, naming
        ``regimes.target_asset`` / ``regimes.target_cash``.
    """
    asset, cash = _check_target(config, inputs.prices, inputs.macro)
    target = excess_return_target(inputs.prices, inputs.macro, asset, cash).reindex(
        inputs.features.index
    )
    # The estimator counts a missing excess return as 0: refuse a target that is missing
    # on the days the classifier sees (typically before the cash fund was listed).
    seen = inputs.features.notna().any(axis=1) & inputs.prices[asset].notna()
    missing = target[seen].iloc[1:].isna()
    if missing.mean() > 0.01:
        first, last = missing[missing].index[[0, -1]]
        raise DataError(
            f"regimes.target_cash: the excess return of {asset} over {' / '.join(cash)} is "
            f"missing on {int(missing.sum())} of the {len(missing)} days the classifier sees "
            f"({first:%Y-%m-%d}..{last:%Y-%m-%d}), which the estimator would count as 0. Add a "
            "cash source that covers them, e.g. target_cash = "
            f'["price:{config.universe.cash}", "DFF"] (a rate series is used where the fund '
            "has no price)."
        )
    return target


def _check_target(
    config: RunConfig, prices: pd.DataFrame, macro: pd.DataFrame
) -> tuple[str, list[str]]:
    asset, cash = config.regime_target()
    if asset not in prices.columns:
        raise DataError(
            f"regimes.target_asset: {asset!r} has no prices in this run; name a "
            f"loaded ticker ({', '.join(map(str, prices.columns[:8]))}, ...)."
        )
    for source in cash:
        known = (
            source.removeprefix("price:") in prices.columns
            if source.startswith("price:")
            else source in macro.columns
        )
        if not known:
            raise DataError(
                f"regimes.target_cash: {source!r} is not in the loaded data; use "
                "'price:<TICKER>' of a loaded cash fund or a loaded series id "
                "(an annual rate in percent, e.g. DFF)."
            )
    return asset, cash


def walk_forward_history(config: RunConfig, inputs: Inputs, estimator) -> pd.DataFrame:
    """Walk-forward labels and ``p_scarce`` on the whole feature history (the expensive step).

    A classifier fitted on outcomes (``jump_cv``) gets :func:`regime_target` as ``y``.
    """
    y = fit_target(config, inputs, estimator)
    return walk_forward_regimes(estimator, inputs.features, walk_forward_spec(config), y=y)


def _trading(config: RunConfig, tickers: list[str]) -> Trading:
    costs = config.costs
    return Trading(
        fees=costs_per_ticker(tickers, costs.fee_bps, costs.overrides("fee_bps")),
        slippage=costs_per_ticker(tickers, costs.slippage_bps, costs.overrides("slippage_bps")),
        lag_days=config.execution.lag_days,
        init_cash=config.execution.init_cash,
        cash=config.universe.cash if config.execution.cash_in_fund else None,
        frequency=config.rebalance.frequency,
        on_regime_change=config.rebalance.on_regime_change,
    )


def run_sweep(config: RunConfig, market: MarketData | None = None) -> tuple[dict, pd.DataFrame]:
    """Run only the configured parameter sweep (``[sweep]``) on the numba kernel.

    Returns
    -------
    section : dict
        What ``metrics.json`` holds under ``sweep``.
    table : DataFrame of shape (n_combinations, n_columns)
        ``sweep.csv``.
    """
    from backtests.research import sweep_section

    inputs = load_inputs(config, market)
    estimator = make_estimator(config, signs=inputs.feature_signs)
    regimes = labelled_regimes(config, inputs, estimator)
    target = fit_target(config, inputs, estimator)
    research = _research_inputs(config, inputs, regimes, regimes, estimator, target, {}, {}, None)
    section, table, _ = sweep_section(research, config.sweep, config.costs.overrides("fee_bps"))
    return section, table


def _research_inputs(
    config, inputs, regimes, hindsight, estimator, target, returns, placebos, truth
) -> ResearchInputs:
    prices = inputs.prices.loc[regimes.index]
    rf = cash_returns(prices, config.universe.cash)
    rotation = next(
        (n for n, t in config.strategies.items() if t["kind"] == "regime_rotation"), None
    )
    delay = None
    if truth is not None:
        delay_value = evaluate_against_truth(regimes["regime"], truth).get("median_delay_days")
        delay = None if delay_value is None else int(round(delay_value))
    roles = {n: STRATEGIES[t["kind"]].role for n, t in config.strategies.items()}
    return ResearchInputs(
        prices=prices,
        regimes=regimes,
        hindsight=hindsight,
        truth=truth,
        features=inputs.features,
        returns=returns if len(returns) else pd.DataFrame(),
        rf=rf,
        roles=roles,
        strategies=config.strategies,
        baskets=config.universe.baskets,
        rotation=rotation,
        trading=_trading(config, list(prices.columns)),
        placebos=placebos,
        estimator=estimator,
        spec=walk_forward_spec(config),
        delay_days=delay,
        target=target,
    )


def run(
    config: RunConfig, market: MarketData | None = None, history: pd.DataFrame | None = None
) -> RunResult:
    """Run a whole regime backtest.

    Parameters
    ----------
    config : RunConfig
        From :func:`backtests.load_config`.
    market : MarketData, optional
        Already-loaded raw data (for scripts and tests); by default the
        configured source is read.
    history : DataFrame, optional
        The walk-forward labels of this config on the whole history, from an
        earlier :func:`walk_forward_history` with the same regime-relevant
        settings and data (a study's cache); recomputed when None.

    Returns
    -------
    RunResult

    Examples
    --------
    >>> from backtests import load_config, run
    >>> result = run(load_config())  # doctest: +SKIP
    >>> result.summary()[["cagr", "sharpe"]]  # doctest: +SKIP
    """
    if market is None:
        with stage("load data"):
            market = load_market(config)
    with stage("point-in-time features"):
        inputs = load_inputs(config, market)
    estimator = make_estimator(config, signs=inputs.feature_signs)
    with stage(f"{config.regimes.classifier}: walk-forward labels"):
        if history is None:
            history = walk_forward_history(config, inputs, estimator)
        regimes = labelled_regimes(config, inputs, estimator, history)
        target = fit_target(config, inputs, estimator)
        in_sample = in_sample_regimes(estimator, inputs.features, target).loc[regimes.index]
    stable = None
    if config.analysis.stability:
        with stage("label stability (history start moved by two years)"):
            stable = stability(
                config,
                market,
                config.regimes.classifier,
                history["regime"],
                inputs.features.index[0],
                shifts=(-2, 2),
                leave_one_out=False,
                inputs=inputs,
            )
    prices = inputs.prices.loc[regimes.index]
    baskets = config.universe.baskets
    listed = prices.notna()
    targets, signals, roles, bands, placebos = {}, {}, {}, {}, {}
    for name, table in config.strategies.items():
        spec = STRATEGIES[table["kind"]]
        arguments = spec.bind(table)
        bands[name] = float(table.get("no_trade_band", 0.0))
        labels = regimes["regime"]
        if table["kind"] == "random_regimes":
            # The engine runs path `path` (default 0, a plain random draw), on
            # that path's own switches; the whole distribution runs on the kernel.
            placebos[name] = placebo_paths(
                regimes,
                arguments["options"],
                int(table.get("n_paths", 200)),
                int(table.get("seed", 0)),
                int(table.get("path", 0)),
            )
            labels = placebos[name].representative["regime"]
        targets[name] = spec.function(prices, regimes, baskets, **arguments)
        roles[name] = spec.role
        signals[name] = rebalance_signals(
            cast(pd.DatetimeIndex, prices.index),
            labels,
            listed,
            config.rebalance.frequency,
            config.rebalance.on_regime_change,
        )
    trading = _trading(config, list(prices.columns))
    with stage("vectorbt engine"):
        engine = simulate(
            prices,
            targets,
            signals,
            trading.lag_days,
            trading.fees,
            trading.slippage,
            trading.init_cash,
            no_trade_band=bands,
            cash=trading.cash,
        )
    truth = None
    if inputs.market.truth is not None:
        truth = inputs.market.truth.reindex(regimes.index)
    research_inputs = _research_inputs(
        config, inputs, regimes, in_sample, estimator, target, engine.returns, placebos, truth
    )
    result = RunResult(
        config=config,
        inputs=inputs,
        regimes=regimes,
        in_sample_regimes=in_sample,
        targets=targets,
        engine=engine,
        roles=roles,
        params=estimator.get_params(),
        stability=stable,
    )
    partial = {"run": result._run_metadata()}
    with stage("research: bounds, placebos, sweep, significance, event study"):
        research, tables = research_sections(
            research_inputs,
            config.analysis,
            config.sweep,
            config.costs.overrides("fee_bps"),
            partial,
        )
    return dataclasses.replace(result, research=research, tables=tables)
