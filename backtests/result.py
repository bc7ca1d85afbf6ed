"""The result of a run, and the assembly of ``metrics.json``.

The layout is :mod:`backtests.metrics_schema`'s.
"""

from __future__ import annotations

import dataclasses
from functools import cached_property

import pandas as pd

from backtests.analysis import basket_contributions
from backtests.config import RunConfig, config_sha256, data_sha256
from backtests.engine import EngineResult
from backtests.metrics import cash_returns, performance_summary, spell_drawdowns
from backtests.metrics_schema import (
    METRICS_SCHEMA,
    PERFORMANCE_METRICS,
    RESEARCH_KEYS,
    json_float,
    json_ready,
)
from data import PERIODS_PER_YEAR, REGIME_NAMES, MarketData
from data.fx import fx_series, ticker_currency
from data.provenance import package_versions
from data.series import resolve_series
from regimes.evaluate import evaluate_regimes

__all__ = ["Inputs", "RunResult"]

#: Packages whose versions a run records.
VERSIONED = (
    "regime-backtester",
    "vectorbt",
    "numba",
    "numpy",
    "pandas",
    "scikit-learn",
    "quantstats",
)


@dataclasses.dataclass(frozen=True)
class Inputs:
    """Point-in-time inputs of a run, on the trading calendar of the whole history.

    Attributes
    ----------
    market : MarketData
        The raw data as the source returned it.
    prices : DataFrame of shape (n_dates, n_tickers)
        Aligned closes in USD (foreign listings converted point in time).
    macro : DataFrame of shape (n_dates, n_series + 1)
        Point-in-time macro panel plus ``net_liquidity`` where computable.
    features : DataFrame of shape (n_dates, n_features)
        Standardised features the classifier sees.
    availability : dict of str to str or None
        First date each feature has a value (None: never).
    dropped : dict of str to str
        Features dropped because an optional input was unavailable, with the reason.
    feature_signs : dict of str to float
        Economic sign of every feature used.
    """

    market: MarketData
    prices: pd.DataFrame
    macro: pd.DataFrame
    features: pd.DataFrame
    availability: dict
    dropped: dict
    feature_signs: dict


@dataclasses.dataclass(frozen=True)
class RunResult:
    """Everything a run produced. Frozen; derived views are cached.

    Attributes
    ----------
    config : RunConfig
    inputs : Inputs
    regimes : DataFrame of shape (n_days, 2)
        Causal walk-forward ``regime`` and ``p_scarce`` over the backtest
        window: what the strategies used.
    in_sample_regimes : DataFrame of shape (n_days, 2)
        Full-sample labels: a look-ahead diagnostic only.
    targets : dict of str to DataFrame of shape (n_days, n_tickers)
        Each strategy's target weights as of each signal close (before the
        execution lag and the rebalance schedule).
    engine : EngineResult
        Values, returns, held weights and trades per strategy.
    roles : dict of str to str
        ``"strategy"``, ``"benchmark"`` or ``"placebo"`` per strategy.
    research : dict
        The research sections of metrics.json.
    tables : dict of str to DataFrame
        ``bounds``, ``sweep``, ``placebos``, ``event_study`` CSV tables.
    params : dict
        The classifier's parameters (for metrics.json).
    stability : dict or None
        The classifier's label stability when the history start moves
        (:mod:`backtests.stability`), or None when not measured.
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
    params: dict = dataclasses.field(default_factory=dict)
    stability: dict | None = None

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
        """Aligned prices over the backtest window."""
        return self.inputs.prices.loc[self.regimes.index]

    @cached_property
    def cash_returns(self) -> pd.Series:
        """The cash fund's daily return over the window (0 on the first day): the risk-free rate."""
        return cash_returns(self.prices, self.config.universe.cash)

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
        partial = {
            "schema": METRICS_SCHEMA,
            "run": self._run_metadata(),
            "strategies": {name: self._strategy_metrics(name) for name in self.returns.columns},
            "regimes": self._regime_metrics(),
        }
        return json_ready({**partial, **{key: self.research.get(key) for key in RESEARCH_KEYS}})

    def _run_metadata(self) -> dict:
        index = self.regimes.index
        history = self.inputs.features.index
        tickers = list(self.inputs.prices.columns)
        currencies = self.config.universe.currencies
        specs = resolve_series(self.config.series)
        conversions = {
            ticker: {
                "currency": ticker_currency(ticker, currencies),
                "fx_series": series_id,
                "fx_lag_days": specs[series_id].lag_days,
                "price_only": ticker in self.config.universe.price_only,
            }
            for ticker, series_id in sorted(fx_series(tickers, currencies).items())
        }
        return {
            "name": self.config.name,
            "data_source": self.inputs.market.source,
            "synthetic": bool(self.inputs.market.synthetic),
            "start": index[0].strftime("%Y-%m-%d"),
            "end": index[-1].strftime("%Y-%m-%d"),
            "requested_start": self.config.data.start,
            "history_start": history[0].strftime("%Y-%m-%d"),
            "n_days": len(index),
            "benchmark": self.config.universe.benchmark,
            "cash": self.config.universe.cash,
            "risk_free": f"daily return of the cash fund {self.config.universe.cash}",
            "config_sha256": config_sha256(self.config),
            "data_sha256": data_sha256(self.config),
            "unavailable_inputs": dict(sorted(self.inputs.market.unavailable.items())),
            "dropped_features": dict(sorted(self.inputs.dropped.items())),
            "currencies": conversions,
            "versions": package_versions(VERSIONED),
        }

    def _invested(self, name: str) -> pd.Series:
        """Share of capital in assets other than the cash fund."""
        held = self.weights[name]
        cash = self.config.universe.cash
        return held.drop(columns=[cash], errors="ignore").sum(axis=1)

    def _strategy_metrics(self, name: str) -> dict:
        returns = self.returns[name]
        traded = self.engine.traded_fraction[name]
        invested = self._invested(name)
        rf = self.cash_returns
        # A day's return belongs to the regime known at the previous close (the
        # regime the market was in, as far as anyone could know). With a one-day
        # execution lag the positions held over day t were chosen on the label of
        # t-2; this attribution describes the regime, not the decision.
        label = self.regimes["regime"].shift(1)
        overall = performance_summary(returns, traded, invested, rf=rf)
        by_regime = {}
        for regime in REGIME_NAMES:
            mask = (label == regime).to_numpy()
            values = performance_summary(
                returns[mask], traded[mask], invested[mask], total_days=len(returns), rf=rf[mask]
            )
            # Days of one regime are not contiguous: a drawdown over them would
            # stitch separate spells together, so it is measured per spell.
            spells = spell_drawdowns(returns, label, regime)
            values["max_drawdown"] = spells["worst"]
            by_regime[regime] = {
                **{k: json_float(values[k]) for k in PERFORMANCE_METRICS},
                "spell_drawdown": json_ready(spells),
            }
        held = self.weights[name]
        price_only = [
            t
            for t in self.config.universe.price_only
            if t in held.columns and bool((held[t] > 0).any())
        ]
        return {
            "kind": self.config.strategies[name]["kind"],
            "role": self.roles[name],
            "price_only": price_only,
            "overall": {k: json_float(overall[k]) for k in PERFORMANCE_METRICS},
            "by_regime": by_regime,
            # sum over days of w[t-1, i] * r[t, i] by basket (backtests.analysis)
            "contribution": {
                k: json_float(v)
                for k, v in basket_contributions(
                    self.prices,
                    self.weights[name],
                    returns,
                    self.config.universe.baskets,
                    self.config.universe.cash,
                ).items()
            },
        }

    def _regime_metrics(self) -> dict:
        labels = self.regimes["regime"]
        switches = int((labels != labels.shift(1)).iloc[1:].sum())
        years = len(labels) / PERIODS_PER_YEAR
        last = self.regimes.iloc[-1]
        return {
            "classifier": self.config.regimes.classifier,
            "params": json_ready(_plain(self.params)),
            "share_scarce": float((labels == "scarce").mean()),
            "switches_per_year": switches / years,
            "current": {
                "date": self.regimes.index[-1].strftime("%Y-%m-%d"),
                "regime": str(last["regime"]),
                "p_scarce": json_float(last["p_scarce"]),
            },
            "in_sample_label_gap": float((labels != self.in_sample_regimes["regime"]).mean()),
            "features": {
                name: {"first_date": date, "sign": self.inputs.feature_signs.get(name)}
                for name, date in self.inputs.availability.items()
            },
            "stability": json_ready(self.stability),
            "evaluation": json_ready(
                evaluate_regimes(
                    self.regimes["regime"], self.true_regimes, self.regimes["p_scarce"]
                )
            ),
        }

    def summary(self) -> pd.DataFrame:
        """Overall metrics per strategy, one row each."""
        rows = {name: entry["overall"] for name, entry in self.metrics["strategies"].items()}
        return pd.DataFrame(rows).T


def _plain(value):
    """Estimator params as JSON-ready data (mappings sorted, lists, scalars)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
