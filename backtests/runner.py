"""The pipeline: data -> point-in-time features -> walk-forward regimes ->
target weights -> vectorbt -> metrics, as one function, :func:`run`.
"""

from __future__ import annotations

import dataclasses
from functools import cached_property
from importlib import metadata

import numpy as np
import pandas as pd
from sklearn.metrics import balanced_accuracy_score

from backtests.config import RunConfig, config_sha256
from backtests.engine import EngineResult, rebalance_signals, simulate
from backtests.metrics import PERIODS_PER_YEAR, performance_summary
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
from strategies import STRATEGIES

__all__ = ["RunResult", "load_inputs", "run"]

#: Version of the metrics.json layout; bump on incompatible changes.
METRICS_SCHEMA = 1


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


def _source_options(config: RunConfig) -> dict:
    data = config.data
    if data.source == "synthetic":
        return {"seed": data.seed, "start": data.start, "end": data.end}
    return {}


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
        market = load_market_data(config.data.source, **_source_options(config))
    tickers = config.universe.tickers
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
    prices = align_prices(market.prices[tickers], calendar, max_gap=config.data.max_gap_days)
    macro = align_macro(market.macro, calendar, config.features.lags)
    if {"WALCL", "WTREGEN", "RRPONTSYD"} <= set(macro.columns):
        macro["net_liquidity"] = net_liquidity(macro)
    window = config.features.window or None
    features = build_features(
        macro, prices, config.features.use, window=window,
        min_periods=config.features.min_periods,
    )
    return Inputs(market=market, prices=prices, macro=macro, features=features)


def make_estimator(config: RunConfig):
    """The configured, unfitted regime estimator.

    The composite classifier's weights default to each feature's documented
    sign (+1 abundant, -1 scarce) when the config gives none.
    """
    params = config.regimes.estimator_params
    if config.regimes.classifier == "composite" and not params.get("weights"):
        params["weights"] = {name: float(FEATURES[name].abundant_sign) for name in config.features.use}
    return CLASSIFIERS[config.regimes.classifier](**params)


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


def _json_float(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


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
            "overall": {k: _json_float(v) for k, v in overall.items()},
            "by_regime": {
                regime: {k: _json_float(v) for k, v in values.items()}
                for regime, values in by_regime.items()
            },
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
                "p_scarce": _json_float(last["p_scarce"]),
            },
            "in_sample_label_gap": float((labels != self.in_sample_regimes["regime"]).mean()),
            "evaluation": self._evaluation(),
        }

    def _evaluation(self) -> dict | None:
        truth = self.true_regimes
        if truth is None:
            return None
        predicted = self.regimes["regime"]
        return {
            "balanced_accuracy": float(balanced_accuracy_score(truth, predicted)),
            "accuracy": float((truth == predicted).mean()),
        }

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
        return value.item()
    return value


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
    spec = WalkForwardSpec(
        refit_every=config.walk_forward.refit_every,
        min_train=config.walk_forward.min_train,
        window=config.walk_forward.window or None,
    )
    regimes = walk_forward_regimes(estimator, inputs.features, spec)
    labelled = regimes["regime"].notna().to_numpy()
    if labelled.sum() < 2:
        raise DataError(
            f"no regime labels: the data has {len(regimes)} trading days, but features need "
            f"{config.features.min_periods} and the first walk-forward fit needs "
            f"{config.walk_forward.min_train} more. Start earlier or lower "
            "`features.min_periods` / `walk_forward.min_train`."
        )
    first = int(np.argmax(labelled))
    regimes = regimes.iloc[first:]
    in_sample = in_sample_regimes(estimator, inputs.features).iloc[first:]
    prices = inputs.prices.iloc[first:]
    baskets = config.universe.baskets
    listed = prices.notna()
    targets, signals, roles = {}, {}, {}
    for name, table in config.strategies.items():
        params = {k: v for k, v in table.items() if k != "kind"}
        function, role, _ = STRATEGIES[table["kind"]]
        targets[name] = function(prices, regimes, baskets, **params)
        roles[name] = role
        signals[name] = rebalance_signals(
            prices.index, regimes["regime"], listed,
            config.rebalance.frequency, config.rebalance.on_regime_change,
        )
    engine = simulate(
        prices, targets, signals, config.execution.lag_days,
        config.costs.fee_bps, config.costs.slippage_bps, config.execution.init_cash,
    )
    return RunResult(
        config=config, inputs=inputs, regimes=regimes, in_sample_regimes=in_sample,
        targets=targets, engine=engine, roles=roles,
    )
