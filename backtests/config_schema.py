"""The config schema: one frozen dataclass per TOML table, each validating itself.

Every ``validate`` method raises :class:`ConfigError` (its home, and the
shared checks that raise it, are :mod:`backtests.config_checks`) with the
dotted key path (``key``), the bad value and what is allowed; the loader
(:mod:`backtests.config`) adds where the value came from (the file, or the
``--set`` flag that set it). Values are checked with the owning package's own
rules: series with :func:`data.series.resolve_series`, classifier parameters
with each estimator's ``check_params`` (scikit-learn parameter constraints),
strategy parameters with :meth:`strategies.StrategySpec.check`, declared
features with :func:`regimes.derived.parse_definitions`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from backtests.config_checks import (
    ConfigError,
    _allowed,
    _check,
    _check_file_name,
    _is_date,
    _unknown_key,
)
from backtests.orders import FREQUENCIES, parse_rule
from data import SOURCES, DataError, resolve_series
from data.checks import BAD_JUMP_MODES
from regimes import CLASSIFIERS, DEFAULT_FEATURES, FEATURES, parse_definitions
from strategies import STRATEGIES

__all__ = [
    "VINTAGES",
    "AnalysisConfig",
    "ConfigError",
    "CostsConfig",
    "DataConfig",
    "ExecutionConfig",
    "FeaturesConfig",
    "RebalanceConfig",
    "RegimesConfig",
    "ReportConfig",
    "RunConfig",
    "SweepConfig",
    "UniverseConfig",
    "WalkForwardConfig",
]

#: ``data.vintage``: FRED's latest (revised) history, or each value as first published.
VINTAGES: tuple[str, ...] = ("latest", "first_release")


@dataclass(frozen=True)
class DataConfig:
    """``[data]``: where the inputs come from.

    Attributes
    ----------
    source : str
        A data source name (see ``regime-bt list sources``).
    seed : int
        Seed of the synthetic world (ignored by real sources).
    start, end : str
        Inclusive ISO dates of the backtest.
    max_gap_days : int
        Longest data gap inside a ticker's listed life that is carried
        forward (trading days).
    prices_dir, fred_dir : str
        ``csv`` source: folders of ``<TICKER>.csv`` (``Date``, ``Adj Close``)
        and ``<SERIES>.csv`` (FRED format). Relative paths resolve against the
        config file (``--set`` paths against the current directory).
    cache_dir : str
        Download cache of the network sources; empty means the XDG cache dir
        (``$XDG_CACHE_HOME/regime-backtester`` or ``~/.cache/regime-backtester``).
    series : list of str
        Extra series ids to load into the macro panel beside what the
        features need (each needs a spec: built-in or ``[series.<ID>]``).
    allow_late_start : bool
        False (default): a calendar, benchmark or cash ticker, or a basket with
        no member, that has no data at ``start`` is an error naming what is
        available. True: they join late instead. (Single basket members and
        features that start late always join late.)
    bad_jump : str
        What a one-day price move to one tenth or ten times the previous close
        is: ``"error"`` (default) or ``"warn"``. See :mod:`data.checks`.
    vintage : {"latest", "first_release"}
        ``"latest"`` (default): FRED's current, revised history. With
        ``"first_release"`` revised series are loaded from ALFRED as first
        published (the network source needs ``FRED_API_KEY``; the ``csv``
        source needs their snapshot files with a ``published`` column, as
        ``regime-bt snapshot`` writes them, and refuses plain FRED files).
    sec_user_agent : str
        Contact string SEC EDGAR requires (``"Name name@example.com"``); empty
        reads ``SEC_USER_AGENT``. Never written to a run directory.
    """

    source: str = "synthetic"
    seed: int = 42
    start: str = "2005-01-03"
    end: str = "2024-12-31"
    max_gap_days: int = 5
    prices_dir: str = ""
    fred_dir: str = ""
    cache_dir: str = ""
    series: list[str] = field(default_factory=list)
    allow_late_start: bool = False
    bad_jump: str = "error"
    vintage: str = "latest"
    sec_user_agent: str = ""

    def validate(self) -> None:
        if self.source not in SOURCES:
            raise _allowed("data.source", self.source, SOURCES)
        if self.bad_jump not in BAD_JUMP_MODES:
            raise _allowed("data.bad_jump", self.bad_jump, BAD_JUMP_MODES)
        if self.vintage not in VINTAGES:
            raise _allowed("data.vintage", self.vintage, VINTAGES)
        for key in ("start", "end"):
            _check(
                _is_date(getattr(self, key)),
                f"data.{key}",
                f"data.{key} = {getattr(self, key)!r} is not an ISO date (YYYY-MM-DD).",
            )
        _check(
            self.start < self.end,
            "data.start",
            f"data.start ({self.start}) must be before data.end ({self.end}).",
        )
        _check(self.max_gap_days >= 0, "data.max_gap_days", "data.max_gap_days must be >= 0.")
        if self.source == "csv":
            for key in ("prices_dir", "fred_dir"):
                _check(
                    bool(getattr(self, key)),
                    f"data.{key}",
                    f"data.source = 'csv' needs data.{key} (a folder; relative to the config "
                    f"file, or --set data.{key}=PATH relative to the current directory).",
                )


@dataclass(frozen=True)
class UniverseConfig:
    """``[universe]``: named baskets, reference tickers and currencies.

    Attributes
    ----------
    benchmark : str
        Benchmark ticker (tearsheets compare against it).
    cash : str
        Cash-like fund; its daily return is the risk-free rate of every
        Sharpe and Sortino ratio.
    calendar : str
        Ticker whose trading days define the calendar; empty means the
        benchmark.
    baskets : dict of str to list of str
        Named baskets of tickers.
    currencies : dict of str to str
        Currency of a ticker that is not quoted in USD (``"KRW"``); by
        default it comes from the exchange suffix (``.KS`` -> KRW, see
        :mod:`data.fx`). Such prices are converted to USD point in time.
    price_only : list of str
        Tickers whose closes are not dividend-adjusted (reports mark them).
    """

    benchmark: str = "MKT"
    cash: str = "TBIL"
    calendar: str = ""
    baskets: dict[str, list[str]] = field(default_factory=dict)
    currencies: dict[str, str] = field(default_factory=dict)
    price_only: list[str] = field(default_factory=list)

    def validate(self) -> None:
        from data.fx import CURRENCIES

        _check(
            bool(self.baskets),
            "universe.baskets",
            "universe.baskets must define at least one basket.",
        )
        for name, members in self.baskets.items():
            _check(bool(members), f"universe.baskets.{name}", f"universe.baskets.{name} is empty.")
        for ticker, currency in self.currencies.items():
            if currency not in CURRENCIES:
                raise _allowed(f"universe.currencies.{ticker}", currency, CURRENCIES)

    @property
    def calendar_ticker(self) -> str:
        return self.calendar or self.benchmark

    @property
    def tickers(self) -> list[str]:
        """Every ticker the run needs, in a stable order."""
        ordered = [t for members in self.baskets.values() for t in members]
        ordered += [self.benchmark, self.cash, self.calendar_ticker]
        return list(dict.fromkeys(ordered))


@dataclass(frozen=True)
class FeaturesConfig:
    """``[features]``: which liquidity features the classifier sees.

    Attributes
    ----------
    use : list of str
        Feature names: built-in (``regime-bt list features``) or declared
        under ``define``.
    window : int
        Standardisation window in trading days; 0 means expanding.
    min_periods : int
        Trading days of history before a feature is produced.
    history_start : str
        First date of the history the features and the classifier learn
        from, before ``data.start``; empty (default) means as far back as the
        inputs go. Labels for the backtest window are causal from its first day
        when this history is long enough.
    define : dict of str to dict
        Features declared in config (:mod:`regimes.derived`): per name a
        ``transform``, ``inputs``, ``sign`` and the transform's parameters.
    """

    use: list[str] = field(default_factory=lambda: list(DEFAULT_FEATURES))
    window: int = 0
    min_periods: int = 252
    history_start: str = ""
    define: dict[str, dict] = field(default_factory=dict)

    def validate(self) -> None:
        _check(bool(self.use), "features.use", "features.use must list at least one feature.")
        known = {*FEATURES, *self.define}
        for name in self.use:
            if name not in known:
                raise _allowed("features.use", name, sorted(known))
        _check(self.window >= 0, "features.window", "features.window must be >= 0 (0 = expanding).")
        _check(self.min_periods >= 2, "features.min_periods", "features.min_periods must be >= 2.")
        if self.history_start:
            _check(
                _is_date(self.history_start),
                "features.history_start",
                f"features.history_start = {self.history_start!r} is not an ISO date "
                "(YYYY-MM-DD); leave it empty for as far back as the inputs go.",
            )


@dataclass(frozen=True)
class RegimesConfig:
    """``[regimes]``: the classifier and its parameters.

    Attributes
    ----------
    classifier : str
        A classifier name (see ``regime-bt list classifiers``).
    params : dict of str to dict
        Per-classifier parameter tables, e.g. ``[regimes.params.composite]``;
        every table is validated by its estimator's own checks, and only the
        chosen classifier's is used by ``run`` (``regime-bt regimes`` uses all).
    target_asset : str
        For a classifier fitted on outcomes (``jump_cv``): the ticker whose
        daily excess return is the target ``y``. ``""``: the asset of the
        first ``regime_timing`` strategy, else ``universe.benchmark``.
    target_cash : list of str
        Cash sources of that excess return, first available wins each day:
        ``"price:<TICKER>"`` (a cash fund's daily return) or a series id (an
        annual rate in percent). Empty: ``["price:<universe.cash>"]``.
    """

    classifier: str = "composite"
    params: dict[str, dict] = field(default_factory=dict)
    target_asset: str = ""
    target_cash: list[str] = field(default_factory=list)

    def validate(self) -> None:
        if self.classifier not in CLASSIFIERS:
            raise _allowed("regimes.classifier", self.classifier, CLASSIFIERS)
        for name, table in self.params.items():
            if name not in CLASSIFIERS:
                raise _allowed("regimes.params", name, CLASSIFIERS)
            spec = CLASSIFIERS[name]
            try:
                spec.check(table)
            except KeyError as error:
                key = str(error.args[0])
                raise _unknown_key(f"regimes.params.{name}.{key}", key, spec.parameters()) from None
            except (TypeError, ValueError) as error:
                bad = next((k for k in table if f"'{k}'" in str(error) or k in str(error)), "")
                path = f"regimes.params.{name}" + (f".{bad}" if bad else "")
                raise ConfigError(f"{path}: {error}", path) from None


@dataclass(frozen=True)
class WalkForwardConfig:
    """``[walk_forward]``: how the causal labels are produced.

    Attributes
    ----------
    refit_every : int
        Trading days between refits.
    min_train : int
        Usable trading days before the first label.
    window : int
        Rolling training window in trading days; 0 means expanding.
    """

    refit_every: int = 21
    min_train: int = 504
    window: int = 0

    def validate(self) -> None:
        _check(
            self.refit_every >= 1,
            "walk_forward.refit_every",
            "walk_forward.refit_every must be >= 1.",
        )
        _check(
            self.min_train >= 2, "walk_forward.min_train", "walk_forward.min_train must be >= 2."
        )
        _check(
            self.window >= 0,
            "walk_forward.window",
            "walk_forward.window must be >= 0 (0 = expanding).",
        )


@dataclass(frozen=True)
class CostsConfig:
    """``[costs]``: trading costs in basis points of traded value.

    Attributes
    ----------
    fee_bps : float
        Proportional fee, 0 to 1000 bp.
    slippage_bps : float
        Price slippage against the trader, 0 to 1000 bp.
    per_asset : dict of str to dict of str to float
        Per-ticker overrides, e.g. ``[costs.per_asset.XBT-USD]`` with
        ``fee_bps`` and/or ``slippage_bps`` (crypto costs more).
    """

    fee_bps: float = 5.0
    slippage_bps: float = 5.0
    per_asset: dict[str, dict[str, float]] = field(default_factory=dict)

    def validate(self) -> None:
        for key in ("fee_bps", "slippage_bps"):
            value = getattr(self, key)
            _check(
                0.0 <= value <= 1000.0,
                f"costs.{key}",
                f"costs.{key} = {value} is out of range; allowed 0 to 1000 basis points "
                "(1000 bp = 10%).",
            )
        for ticker, table in self.per_asset.items():
            for key, value in table.items():
                if key not in ("fee_bps", "slippage_bps"):
                    raise _unknown_key(
                        f"costs.per_asset.{ticker}.{key}", key, ["fee_bps", "slippage_bps"]
                    )
                _check(
                    0.0 <= value <= 1000.0,
                    f"costs.per_asset.{ticker}.{key}",
                    f"costs.per_asset.{ticker}.{key} = {value} is out of range; allowed 0 "
                    "to 1000 basis points.",
                )

    def overrides(self, key: str) -> dict[str, float]:
        """Per-ticker basis points of ``key`` (``"fee_bps"`` or ``"slippage_bps"``)."""
        return {t: float(v[key]) for t, v in self.per_asset.items() if key in v}


@dataclass(frozen=True)
class RebalanceConfig:
    """``[rebalance]``: when target weights are traded.

    Attributes
    ----------
    frequency : str
        Calendar schedule: ``"daily"``, ``"weekly"`` (first trading day of the
        week), ``"monthly"`` (first trading day of the month) or ``"never"``.
    on_regime_change : bool
        Also rebalance on the day after the regime label changes.
    """

    frequency: str = "monthly"
    on_regime_change: bool = True

    def validate(self) -> None:
        if self.frequency not in FREQUENCIES:
            raise _allowed("rebalance.frequency", self.frequency, FREQUENCIES)


@dataclass(frozen=True)
class ExecutionConfig:
    """``[execution]``: how signals become fills.

    Attributes
    ----------
    lag_days : int
        Trading days between the signal's close and the fill's close (>= 1:
        a signal computed at the close of day t cannot fill at that close).
    init_cash : float
        Starting capital.
    cash_in_fund : bool
        Hold the un-invested remainder of every target in the ``universe.cash``
        fund (so idle money earns the T-bill return, paying the fund's costs);
        false leaves it as zero-return cash.
    """

    lag_days: int = 1
    init_cash: float = 1_000_000.0
    cash_in_fund: bool = True

    def validate(self) -> None:
        _check(
            self.lag_days >= 1,
            "execution.lag_days",
            f"execution.lag_days = {self.lag_days} would trade on information not yet "
            "available; it must be >= 1.",
        )
        _check(self.init_cash > 0, "execution.init_cash", "execution.init_cash must be > 0.")


@dataclass(frozen=True)
class ReportConfig:
    """``[report]``: HTML outputs.

    Attributes
    ----------
    tearsheets : bool
        Write quantstats tearsheets (one per strategy of a role in
        ``tearsheet_roles``).
    processes : int
        Worker processes for tearsheets (each takes one core; about 5
        CPU-seconds per tearsheet).
    tearsheet_roles : list of str
        Roles whose strategies get a tearsheet: ``"strategy"``,
        ``"benchmark"``, ``"placebo"``. The default leaves out the placebos,
        whose numbers are on the dashboard; the dashboard links only the
        tearsheets that were written.
    replication : str
        Name of a replication table to add to the dashboard (``""`` = none;
        ``"shu_yu_mulvey_2024"``).
    """

    tearsheets: bool = True
    processes: int = 2
    tearsheet_roles: list[str] = field(default_factory=lambda: ["strategy", "benchmark"])
    replication: str = ""

    def validate(self) -> None:
        _check(self.processes >= 1, "report.processes", "report.processes must be >= 1.")
        roles = sorted({spec.role for spec in STRATEGIES.values()})
        for role in self.tearsheet_roles:
            if role not in roles:
                raise _allowed("report.tearsheet_roles", role, roles)
        if self.replication and self.replication not in ("shu_yu_mulvey_2024",):
            raise _allowed("report.replication", self.replication, ["shu_yu_mulvey_2024"])


@dataclass(frozen=True)
class SweepConfig:
    """``[sweep]``: the parameter sweep of the rotation on the numba kernel.

    The grid is classifier parameter sets x rebalance rules x scarce-cash
    fractions x fee levels; results go to ``sweep.csv`` and metrics.json
    ``sweep``, and feed the deflated Sharpe ratio, the probability of backtest
    overfitting and the walk-forward parameter choice.

    Attributes
    ----------
    enabled : bool
    strategy : str
        Name of the ``regime_rotation`` strategy table whose options are the
        base of the grid.
    classifier_grid : dict of str to list
        Classifier parameter -> values (crossed); empty means the configured
        classifier only.
    rules : list of str
        Rebalance rules ``FREQUENCY`` or ``FREQUENCY+regime_change``.
    scarce_cash : list of float
    fee_bps : list of float
        Default fee levels (per-asset overrides keep their own fee).
    chunk_size : int
        Combinations per kernel call (bounds memory).
    """

    enabled: bool = True
    strategy: str = "regime_rotation"
    classifier_grid: dict = field(default_factory=dict)
    rules: list[str] = field(default_factory=lambda: ["monthly+regime_change"])
    scarce_cash: list[float] = field(default_factory=lambda: [0.0])
    fee_bps: list[float] = field(default_factory=lambda: [5.0])
    chunk_size: int = 2000

    def validate(self) -> None:
        for index, rule in enumerate(self.rules):
            try:
                parse_rule(rule)
            except ValueError as error:
                raise ConfigError(f"sweep.rules[{index}]: {error}", "sweep.rules") from None
        for key, values in self.classifier_grid.items():
            _check(
                isinstance(values, list) and len(values) > 0,
                f"sweep.classifier_grid.{key}",
                f"sweep.classifier_grid.{key} must be a non-empty list.",
            )
        for value in self.scarce_cash:
            _check(
                0.0 <= value <= 1.0,
                "sweep.scarce_cash",
                f"sweep.scarce_cash value {value} is not in [0, 1].",
            )
        for value in self.fee_bps:
            _check(
                0.0 <= value <= 1000.0,
                "sweep.fee_bps",
                f"sweep.fee_bps value {value} is not in [0, 1000].",
            )
        _check(
            bool(self.rules and self.scarce_cash and self.fee_bps),
            "sweep",
            "sweep.rules, sweep.scarce_cash and sweep.fee_bps must be non-empty.",
        )
        _check(self.chunk_size >= 1, "sweep.chunk_size", "sweep.chunk_size must be >= 1.")


@dataclass(frozen=True)
class AnalysisConfig:
    """``[analysis]``: significance, bounds, event study and walk-forward evaluation.

    Attributes
    ----------
    seed : int
        Seed of every bootstrap (``np.random.default_rng``).
    bootstrap_samples : int
        Stationary-bootstrap resamples (Sharpe CIs, event-study bands).
    mean_block_days : float
        Mean block length of the stationary bootstrap (trading days).
    confidence : float
        Level of every bootstrap interval (0.95).
    benchmark : str
        Strategy the Sharpe differences are taken against; empty means the
        ``benchmark`` strategy, or the first with role benchmark.
    event_pre, event_post : int
        Event-study window around regime switches (trading days).
    pbo_splits : int
        Even number of CSCV blocks for the probability of backtest overfitting.
    oos_folds : int
        Chronological test folds of the walk-forward parameter choice.
    bounds : bool
        Compute the hindsight and oracle bounds and the cost of delay.
    stability : bool
        Measure how much the classifier's labels change when the history
        start moves by two years (``metrics.json`` ``regimes.stability``).
    """

    seed: int = 0
    bootstrap_samples: int = 1000
    mean_block_days: float = 21.0
    confidence: float = 0.95
    benchmark: str = ""
    event_pre: int = 20
    event_post: int = 60
    pbo_splits: int = 16
    oos_folds: int = 5
    bounds: bool = True
    stability: bool = True

    def validate(self) -> None:
        _check(
            self.bootstrap_samples >= 10,
            "analysis.bootstrap_samples",
            "analysis.bootstrap_samples must be >= 10.",
        )
        _check(
            self.mean_block_days >= 1,
            "analysis.mean_block_days",
            "analysis.mean_block_days must be >= 1.",
        )
        _check(
            0.5 <= self.confidence < 1.0,
            "analysis.confidence",
            f"analysis.confidence = {self.confidence} must be in [0.5, 1).",
        )
        _check(
            self.event_pre >= 0 and self.event_post >= 1,
            "analysis.event_pre",
            "analysis.event_pre must be >= 0 and analysis.event_post >= 1.",
        )
        _check(
            self.pbo_splits >= 2 and self.pbo_splits % 2 == 0,
            "analysis.pbo_splits",
            f"analysis.pbo_splits = {self.pbo_splits} must be an even number >= 2.",
        )
        _check(self.oos_folds >= 1, "analysis.oos_folds", "analysis.oos_folds must be >= 1.")


@dataclass(frozen=True)
class RunConfig:
    """A whole run, validated and frozen.

    Attributes
    ----------
    name : str
        Run name; the default output directory is ``runs/<name>``.
    series : dict of str to dict
        ``[series.<ID>]`` tables: overrides of built-in series specs and user
        series (see :mod:`data.series`).
    strategies : dict of str to dict
        Strategy name -> ``{"kind": ..., **params}``.
    source_path : str
        The file the config was read from (for messages), or ``"<built-in>"``.
    """

    name: str = "run"
    data: DataConfig = field(default_factory=DataConfig)
    universe: UniverseConfig = field(default_factory=UniverseConfig)
    series: dict[str, dict] = field(default_factory=dict)
    features: FeaturesConfig = field(default_factory=FeaturesConfig)
    regimes: RegimesConfig = field(default_factory=RegimesConfig)
    walk_forward: WalkForwardConfig = field(default_factory=WalkForwardConfig)
    strategies: dict[str, dict] = field(default_factory=dict)
    costs: CostsConfig = field(default_factory=CostsConfig)
    rebalance: RebalanceConfig = field(default_factory=RebalanceConfig)
    execution: ExecutionConfig = field(default_factory=ExecutionConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    sweep: SweepConfig = field(default_factory=SweepConfig)
    analysis: AnalysisConfig = field(default_factory=AnalysisConfig)
    source_path: str = field(default="<built-in>", compare=False)

    def validate(self) -> None:
        """Every section, then the keys that name things defined in another section."""
        _check(bool(self.name.strip()), "name", "name must not be empty.")
        _check_file_name("name", self.name, "the default run directory runs/<name>")
        for section in dataclasses.fields(self):
            value = getattr(self, section.name)
            if dataclasses.is_dataclass(value):
                cast(Any, value).validate()  # every section dataclass has validate()
        self._validate_series_and_features()
        self._validate_strategies()
        self._validate_cross_references()

    def _validate_series_and_features(self) -> None:
        try:
            specs = resolve_series(self.series)
        except DataError as error:
            key = str(error).split(" ", 1)[0].strip("[].:")
            raise ConfigError(str(error), key if key.startswith("series") else "series") from None
        inputs = [*specs, *(f"price:{t}" for t in self.all_tickers())]
        try:
            parse_definitions(self.features.define, inputs, list(FEATURES))
        except DataError as error:
            key = str(error).split(":", 1)[0]
            raise ConfigError(str(error), key) from None

    def _validate_strategies(self) -> None:
        _check(
            bool(self.strategies), "strategies", "[strategies] must define at least one strategy."
        )
        baskets = self.universe.baskets
        for name, table in self.strategies.items():
            path = f"strategies.{name}"
            _check_file_name(path, name, "weights/<name>.csv and tearsheets/<name>.html")
            _check(
                isinstance(table, Mapping) and "kind" in table,
                path,
                f"{path} needs a `kind`; allowed: {', '.join(STRATEGIES)}.",
            )
            kind = table["kind"]
            if kind not in STRATEGIES:
                raise _allowed(f"{path}.kind", kind, STRATEGIES)
            spec = STRATEGIES[kind]
            try:
                spec.check(table)
            except KeyError as error:
                key = str(error.args[0])
                raise _unknown_key(f"{path}.{key}", key, spec.parameters()) from None
            except (TypeError, ValueError) as error:
                bad = next((k for k in table if str(error).startswith(k)), "")
                key = f"{path}.{bad}" if bad else path
                raise ConfigError(f"{key}: {error}", key) from None
            for key in ("basket", "abundant_basket", "scarce_basket"):
                if key in table and table[key] not in baskets:
                    raise _allowed(f"{path}.{key}", table[key], baskets)
            for basket in table.get("blend", []) or []:
                if basket not in baskets:
                    raise _allowed(f"{path}.blend", basket, baskets)

    def _validate_cross_references(self) -> None:
        rotations = [n for n, t in self.strategies.items() if t.get("kind") == "regime_rotation"]
        if self.sweep.enabled and rotations and self.sweep.strategy not in self.strategies:
            raise _allowed("sweep.strategy", self.sweep.strategy, rotations)
        params = CLASSIFIERS[self.regimes.classifier].parameters()
        # A disabled sweep's grid is never used: switching classifiers must not need it cleared.
        for key in self.sweep.classifier_grid if self.sweep.enabled else ():
            if key not in params:
                error = _unknown_key(f"sweep.classifier_grid.{key}", key, params)
                raise ConfigError(
                    f"{error} (parameters of the {self.regimes.classifier!r} classifier)", error.key
                )
        weights = self.regimes.params.get(self.regimes.classifier, {}).get("weights")
        if isinstance(weights, dict):
            for feature in weights:
                if feature not in self.features.use:
                    raise ConfigError(
                        f"regimes.params.{self.regimes.classifier}.weights.{feature}: the "
                        f"feature is not in features.use ({', '.join(self.features.use)}). "
                        "Add it there or remove its weight (weights default to each "
                        "feature's economic sign).",
                        f"regimes.params.{self.regimes.classifier}.weights.{feature}",
                    )
        if self.analysis.benchmark and self.analysis.benchmark not in self.strategies:
            raise _allowed("analysis.benchmark", self.analysis.benchmark, self.strategies)

    def all_tickers(self) -> list[str]:
        """Every ticker a run loads: the universe plus tickers named by strategies."""
        tickers = list(self.universe.tickers)
        for table in self.strategies.values():
            for key in ("ticker", "asset"):
                if isinstance(table.get(key), str):
                    tickers.append(table[key])
            if isinstance(table.get("weights"), dict):
                tickers.extend(table["weights"])
        for definition in self.features.define.values():
            for item in [*(definition.get("inputs") or []), *(definition.get("cash") or [])]:
                if isinstance(item, str) and item.startswith("price:"):
                    tickers.append(item.removeprefix("price:"))
        if self.regimes.target_asset:
            tickers.append(self.regimes.target_asset)
        tickers.extend(
            item.removeprefix("price:")
            for item in self.regimes.target_cash
            if item.startswith("price:")
        )
        return list(dict.fromkeys(tickers))

    def regime_target(self) -> tuple[str, list[str]]:
        """``(asset, cash sources)`` of the target ``y`` of a classifier fitted on outcomes.

        ``regimes.target_asset`` or the first ``regime_timing`` strategy's
        asset or ``universe.benchmark``; ``regimes.target_cash`` or
        ``["price:<universe.cash>"]``.
        """
        asset = self.regimes.target_asset or next(
            (
                t["asset"]
                for t in self.strategies.values()
                if t.get("kind") == "regime_timing" and isinstance(t.get("asset"), str)
            ),
            self.universe.benchmark,
        )
        cash = list(self.regimes.target_cash) or [f"price:{self.universe.cash}"]
        return asset, cash

    def to_dict(self) -> dict:
        """The resolved config as plain TOML-ready data (secrets redacted)."""
        resolved = dataclasses.asdict(self)
        resolved.pop("source_path")
        if resolved["data"]["sec_user_agent"]:
            resolved["data"]["sec_user_agent"] = "<redacted>"
        return resolved
