"""Run configuration: TOML files validated into frozen, typed objects.

A config file is a TOML document whose tables map onto the dataclasses
below. Loading goes through four steps, in one place:

1. read the file with :mod:`tomllib` and resolve ``extends = "base.toml"``
   (a path relative to the file; tables merge recursively, the child wins);
2. apply ``--set key.path=value`` overrides (values parse as TOML literals,
   falling back to plain strings);
3. validate every key against the schema: an unknown key, a wrong type or a
   value out of range raises :class:`ConfigError` naming the file, the key
   path, the bad value and what is allowed, with a "did you mean" for near
   misses;
4. freeze into :class:`RunConfig`.

The resolved config is what runs: :func:`dump_config` writes it back as
TOML, and its SHA-256 identifies the run.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import inspect
import tomllib
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import tomli_w

from data import SOURCES
from data.checks import BAD_JUMP_MODES
from regimes import CLASSIFIERS, FEATURES
from strategies import ENGINE_KEYS, STRATEGIES

__all__ = [
    "AnalysisConfig",
    "ConfigError",
    "CostsConfig",
    "DataConfig",
    "DEFAULT_CONFIG_PATH",
    "ExecutionConfig",
    "FeaturesConfig",
    "RebalanceConfig",
    "RegimesConfig",
    "ReportConfig",
    "RunConfig",
    "SweepConfig",
    "UniverseConfig",
    "WalkForwardConfig",
    "config_sha256",
    "data_sha256",
    "dump_config",
    "load_config",
]

#: The built-in default config: the synthetic world, fully offline.
DEFAULT_CONFIG_PATH = Path(__file__).with_name("default.toml")


class ConfigError(ValueError):
    """An invalid config: names the file, the key path, the value and the fix."""


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)


@dataclass(frozen=True)
class DataConfig:
    """``[data]``: where the inputs come from.

    Attributes
    ----------
    source : str
        A data source name (see ``regime-bt list``).
    seed : int
        Seed of the synthetic world (ignored by real sources).
    start, end : str
        Inclusive ISO dates of the run.
    max_gap_days : int
        Longest data gap inside a ticker's listed life that is carried
        forward (trading days).
    prices_dir, fred_dir : str
        ``csv`` source: folders of ``<TICKER>.csv`` (``Date``, ``Adj Close``)
        and ``<SERIES>.csv`` (FRED format). Relative paths resolve against the
        config file (``--set`` paths against the current directory).
    cache_dir : str
        Download cache for ``yahoo``; empty means the XDG cache dir
        (``$XDG_CACHE_HOME/regime-backtester`` or ``~/.cache/regime-backtester``).
    series : list of str
        Macro series ids to load; empty means exactly what ``features.use``
        needs. Extra ids are loaded into the macro panel (and need a
        publication lag).
    allow_late_start : bool
        False (default): a calendar, benchmark or cash ticker, a basket with
        no member, or a needed macro series that has no data at ``start`` is
        an error naming what is available. True: they join late instead.
        (Single basket members that list late always join late.)
    max_staleness_days : dict of str to int
        Per-series overrides of ``regimes.features.MAX_STALENESS_DAYS``.
    bad_jump : str
        ``csv`` and ``yahoo``: what a one-day price move to one tenth or ten
        times the previous close (a likely unadjusted split) is: ``"error"``
        (default) or ``"warn"`` (logged, data kept). See :mod:`data.checks`.
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
    max_staleness_days: dict[str, int] = field(default_factory=dict)
    bad_jump: str = "error"

    def validate(self, where: str) -> None:
        _check(self.source in SOURCES, _allowed(where, "data.source", self.source, SOURCES))
        _check(self.bad_jump in BAD_JUMP_MODES,
               _allowed(where, "data.bad_jump", self.bad_jump, BAD_JUMP_MODES))
        for key in ("start", "end"):
            try:
                date.fromisoformat(getattr(self, key))
            except ValueError:
                raise ConfigError(
                    f"{where}: data.{key} = {getattr(self, key)!r} is not an ISO date "
                    "(YYYY-MM-DD)."
                ) from None
        _check(
            self.start < self.end,
            f"{where}: data.start ({self.start}) must be before data.end ({self.end}).",
        )
        _check(self.max_gap_days >= 0, f"{where}: data.max_gap_days must be >= 0.")
        if self.source == "csv":
            for key in ("prices_dir", "fred_dir"):
                _check(
                    bool(getattr(self, key)),
                    f"{where}: data.source = 'csv' needs data.{key} (a folder; relative to the "
                    f"config file, or --set data.{key}=PATH relative to the current directory).",
                )
        for series_id, days in self.max_staleness_days.items():
            _check(days >= 0, f"{where}: data.max_staleness_days.{series_id} = {days} must be >= 0.")


@dataclass(frozen=True)
class UniverseConfig:
    """``[universe]``: named baskets and reference tickers.

    Attributes
    ----------
    benchmark : str
        Benchmark ticker (tearsheets compare against it).
    cash : str
        Cash-like fund (its return is the risk-free rate in reports).
    calendar : str
        Ticker whose trading days define the calendar; empty means the
        benchmark.
    baskets : dict of str to list of str
        Named baskets of tickers.
    """

    benchmark: str = "MKT"
    cash: str = "TBIL"
    calendar: str = ""
    baskets: dict[str, list[str]] = field(default_factory=dict)

    def validate(self, where: str) -> None:
        _check(bool(self.baskets), f"{where}: universe.baskets must define at least one basket.")
        for name, members in self.baskets.items():
            _check(bool(members), f"{where}: universe.baskets.{name} is empty.")

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
        Feature names (see ``regime-bt list``).
    window : int
        Standardisation window in trading days; 0 means expanding.
    min_periods : int
        Trading days of history before a feature is produced.
    lags : dict of str to int
        Publication-lag overrides in calendar days, per series id.
    """

    use: list[str] = field(default_factory=lambda: list(FEATURES)[:6])
    window: int = 0
    min_periods: int = 252
    lags: dict[str, int] = field(default_factory=dict)

    def validate(self, where: str) -> None:
        for name in self.use:
            _check(name in FEATURES, _allowed(where, "features.use", name, FEATURES))
        _check(bool(self.use), f"{where}: features.use must list at least one feature.")
        _check(self.window >= 0, f"{where}: features.window must be >= 0 (0 = expanding).")
        _check(self.min_periods >= 2, f"{where}: features.min_periods must be >= 2.")
        for series_id, lag in self.lags.items():
            _check(lag >= 0, f"{where}: features.lags.{series_id} = {lag} must be >= 0 days.")


@dataclass(frozen=True)
class RegimesConfig:
    """``[regimes]``: the classifier and its parameters.

    Attributes
    ----------
    classifier : str
        A classifier name (see ``regime-bt list``).
    params : dict of str to dict
        Per-classifier parameter tables, e.g. ``[regimes.params.composite]``.
        Only the table of the chosen classifier is used.
    """

    classifier: str = "composite"
    params: dict[str, dict] = field(default_factory=dict)

    def validate(self, where: str) -> None:
        _check(
            self.classifier in CLASSIFIERS,
            _allowed(where, "regimes.classifier", self.classifier, CLASSIFIERS),
        )
        for name, table in self.params.items():
            _check(name in CLASSIFIERS, _allowed(where, "regimes.params", name, CLASSIFIERS))
            allowed = CLASSIFIERS[name]().get_params()
            for key in table:
                _check(
                    key in allowed,
                    _unknown_key(where, f"regimes.params.{name}.{key}", key, list(allowed)),
                )

    @property
    def estimator_params(self) -> dict:
        return dict(self.params.get(self.classifier, {}))


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

    def validate(self, where: str) -> None:
        _check(self.refit_every >= 1, f"{where}: walk_forward.refit_every must be >= 1.")
        _check(self.min_train >= 2, f"{where}: walk_forward.min_train must be >= 2.")
        _check(self.window >= 0, f"{where}: walk_forward.window must be >= 0 (0 = expanding).")


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

    def validate(self, where: str) -> None:
        for key in ("fee_bps", "slippage_bps"):
            value = getattr(self, key)
            _check(
                0.0 <= value <= 1000.0,
                f"{where}: costs.{key} = {value} is out of range; allowed 0 to 1000 basis "
                "points (1000 bp = 10%).",
            )
        for ticker, table in self.per_asset.items():
            for key, value in table.items():
                _check(key in ("fee_bps", "slippage_bps"),
                       _unknown_key(where, f"costs.per_asset.{ticker}.{key}", key,
                                    ["fee_bps", "slippage_bps"]))
                _check(0.0 <= value <= 1000.0,
                       f"{where}: costs.per_asset.{ticker}.{key} = {value} is out of range; "
                       "allowed 0 to 1000 basis points.")

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

    FREQUENCIES: typing.ClassVar[tuple[str, ...]] = ("daily", "weekly", "monthly", "never")

    def validate(self, where: str) -> None:
        _check(
            self.frequency in self.FREQUENCIES,
            _allowed(where, "rebalance.frequency", self.frequency, self.FREQUENCIES),
        )


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

    def validate(self, where: str) -> None:
        _check(
            self.lag_days >= 1,
            f"{where}: execution.lag_days = {self.lag_days} would trade on information not "
            "yet available; it must be >= 1.",
        )
        _check(self.init_cash > 0, f"{where}: execution.init_cash must be > 0.")


@dataclass(frozen=True)
class ReportConfig:
    """``[report]``: HTML outputs.

    Attributes
    ----------
    tearsheets : bool
        Write one quantstats tearsheet per strategy.
    processes : int
        Worker processes for tearsheets.
    """

    tearsheets: bool = True
    processes: int = 2

    def validate(self, where: str) -> None:
        _check(self.processes >= 1, f"{where}: report.processes must be >= 1.")


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

    def validate(self, where: str) -> None:
        from backtests.sweep import parse_rule

        for rule in self.rules:
            try:
                parse_rule(rule)
            except ValueError as error:
                raise ConfigError(f"{where}: sweep.rules: {error}") from None
        for key, values in self.classifier_grid.items():
            _check(isinstance(values, list) and len(values) > 0,
                   f"{where}: sweep.classifier_grid.{key} must be a non-empty list.")
        for value in self.scarce_cash:
            _check(0.0 <= value <= 1.0, f"{where}: sweep.scarce_cash value {value} not in [0, 1].")
        for value in self.fee_bps:
            _check(0.0 <= value <= 1000.0, f"{where}: sweep.fee_bps value {value} not in [0, 1000].")
        _check(bool(self.rules and self.scarce_cash and self.fee_bps),
               f"{where}: sweep.rules, sweep.scarce_cash and sweep.fee_bps must be non-empty.")
        _check(self.chunk_size >= 1, f"{where}: sweep.chunk_size must be >= 1.")


@dataclass(frozen=True)
class AnalysisConfig:
    """``[analysis]``: significance, event study and walk-forward evaluation.

    Attributes
    ----------
    seed : int
        Seed of every bootstrap (``np.random.default_rng``).
    bootstrap_samples : int
        Stationary-bootstrap resamples (Sharpe CIs, event-study bands).
    mean_block_days : float
        Mean block length of the stationary bootstrap (trading days).
    benchmark : str
        Strategy the Sharpe differences are taken against; empty means the
        ``benchmark`` strategy, or the first with role benchmark.
    event_pre, event_post : int
        Event-study window around regime switches (trading days).
    pbo_splits : int
        Even number of CSCV blocks for the probability of backtest overfitting.
    oos_folds : int
        Chronological test folds of the walk-forward parameter choice.
    """

    seed: int = 0
    bootstrap_samples: int = 1000
    mean_block_days: float = 21.0
    benchmark: str = ""
    event_pre: int = 20
    event_post: int = 60
    pbo_splits: int = 16
    oos_folds: int = 5

    def validate(self, where: str) -> None:
        _check(self.bootstrap_samples >= 10, f"{where}: analysis.bootstrap_samples must be >= 10.")
        _check(self.mean_block_days >= 1, f"{where}: analysis.mean_block_days must be >= 1.")
        _check(self.event_pre >= 0 and self.event_post >= 1,
               f"{where}: analysis.event_pre must be >= 0 and analysis.event_post >= 1.")
        _check(self.pbo_splits >= 2 and self.pbo_splits % 2 == 0,
               f"{where}: analysis.pbo_splits = {self.pbo_splits} must be an even number >= 2.")
        _check(self.oos_folds >= 1, f"{where}: analysis.oos_folds must be >= 1.")


@dataclass(frozen=True)
class RunConfig:
    """A whole run, validated and frozen.

    Attributes
    ----------
    name : str
        Run name; the default output directory is ``runs/<name>``.
    strategies : dict of str to dict
        Strategy name -> ``{"kind": ..., **params}``.
    source_path : str
        The file the config was read from (for messages), or ``"<built-in>"``.
    """

    name: str = "run"
    data: DataConfig = field(default_factory=DataConfig)
    universe: UniverseConfig = field(default_factory=UniverseConfig)
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

    def validate(self, where: str) -> None:
        _check(bool(self.name.strip()), f"{where}: name must not be empty.")
        _check(bool(self.strategies), f"{where}: [strategies] must define at least one strategy.")
        for name, table in self.strategies.items():
            _check(
                isinstance(table, Mapping) and "kind" in table,
                f"{where}: strategies.{name} needs a `kind`; allowed: {', '.join(STRATEGIES)}.",
            )
            kind = table["kind"]
            _check(kind in STRATEGIES, _allowed(where, f"strategies.{name}.kind", kind, STRATEGIES))
            allowed = _strategy_params(kind) + list(ENGINE_KEYS)
            for key in table:
                if key != "kind":
                    _check(
                        key in allowed,
                        _unknown_key(where, f"strategies.{name}.{key}", key, allowed),
                    )
            for key in ("basket", "abundant_basket", "scarce_basket"):
                if key in table:
                    _check(
                        table[key] in self.universe.baskets,
                        _allowed(
                            where, f"strategies.{name}.{key}", table[key], self.universe.baskets
                        ),
                    )
            blend = table.get("blend", [])
            for basket in blend if isinstance(blend, list) else []:
                _check(basket in self.universe.baskets,
                       _allowed(where, f"strategies.{name}.blend", basket, self.universe.baskets))
        self._validate_cross_references(where)

    def _validate_cross_references(self, where: str) -> None:
        """Keys in one section that name things defined in another."""
        rotations = [n for n, t in self.strategies.items() if t.get("kind") == "regime_rotation"]
        if self.sweep.enabled and rotations and self.sweep.strategy not in self.strategies:
            raise ConfigError(_allowed(where, "sweep.strategy", self.sweep.strategy, rotations))
        if self.regimes.classifier in CLASSIFIERS:
            params = list(CLASSIFIERS[self.regimes.classifier]().get_params())
            for key in self.sweep.classifier_grid:
                _check(key in params, _unknown_key(
                    where, f"sweep.classifier_grid.{key}", key, params
                ) + f" (parameters of the {self.regimes.classifier!r} classifier)")
        if self.analysis.benchmark:
            _check(self.analysis.benchmark in self.strategies,
                   _allowed(where, "analysis.benchmark", self.analysis.benchmark, self.strategies))

    def to_dict(self) -> dict:
        """The resolved config as plain TOML-ready data."""
        resolved = dataclasses.asdict(self)
        resolved.pop("source_path")
        return resolved


def _strategy_params(kind: str) -> list[str]:
    function = STRATEGIES[kind][0]
    names = list(inspect.signature(function).parameters)
    return [n for n in names if n not in ("prices", "regimes", "baskets")]


def _allowed(where: str, key: str, value: Any, allowed: Sequence[str] | Mapping) -> str:
    options = list(allowed)
    close = difflib.get_close_matches(str(value), [str(o) for o in options], n=1, cutoff=0.6)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return f"{where}: {key} = {value!r} is not allowed.{hint} Allowed: {', '.join(map(str, options))}."


def _unknown_key(where: str, path: str, key: str, allowed: Sequence[str]) -> str:
    close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return f"{where}: unknown key {path!r}.{hint} Allowed here: {', '.join(allowed)}."


def _coerce(value: Any, annotation: Any, where: str, key: str) -> Any:
    """Check ``value`` against a field annotation, converting int -> float."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        errors = []
        for option in args:
            try:
                return _coerce(value, option, where, key)
            except ConfigError as error:
                errors.append(error)
        raise errors[0]
    if annotation is type(None):
        _check(value is None, f"{where}: {key} must be empty.")
        return None
    if annotation is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        _check(ok, f"{where}: {key} = {value!r} must be a number.")
        return float(value)
    if annotation is str and isinstance(value, date):
        return value.isoformat()  # TOML date literals (start = 2005-01-03)
    if annotation in (int, str, bool):
        ok = isinstance(value, annotation) and not (annotation is int and isinstance(value, bool))
        _check(ok, f"{where}: {key} = {value!r} must be of type {annotation.__name__}.")
        return value
    if origin is list:
        _check(isinstance(value, list), f"{where}: {key} = {value!r} must be a list.")
        return [_coerce(v, args[0], where, f"{key}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        _check(isinstance(value, dict), f"{where}: {key} = {value!r} must be a table.")
        return {k: _coerce(v, args[1], where, f"{key}.{k}") for k, v in value.items()}
    if annotation is dict:
        _check(isinstance(value, dict), f"{where}: {key} must be a table.")
        return value
    raise TypeError(f"unsupported annotation {annotation!r}")  # a bug in the schema


def _build(cls: type, table: Mapping, where: str, prefix: str) -> Any:
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls) if f.name != "source_path"]
    kwargs = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if key not in names:
            raise ConfigError(_unknown_key(where, path, key, names))
        annotation = hints[key]
        if dataclasses.is_dataclass(annotation):
            _check(isinstance(value, dict), f"{where}: [{path}] must be a table.")
            kwargs[key] = _build(annotation, value, where, f"{path}.")
        else:
            kwargs[key] = _coerce(value, annotation, where, path)
    return cls(**kwargs)


def _merge(base: dict, override: Mapping) -> dict:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(dict(merged[key]), value)
        else:
            merged[key] = value
    return merged


def _read_toml(path: Path, seen: tuple[Path, ...] = ()) -> dict:
    path = path.resolve()
    if path in seen:
        chain = " -> ".join(str(p) for p in (*seen, path))
        raise ConfigError(f"{path}: `extends` forms a cycle: {chain}.")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist.") from None
    except OSError as error:
        raise ConfigError(f"config file {path} cannot be read: {error.strerror}.") from None
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}.") from None
    parent = table.pop("extends", None)
    if parent is None:
        return _resolve_paths(table, path.parent)
    _check(isinstance(parent, str), f"{path}: extends must be a file path string.")
    base = _read_toml(path.parent / parent, (*seen, path))
    return _merge(base, _resolve_paths(table, path.parent))


#: ``[data]`` keys holding paths, resolved relative to the file that sets them.
PATH_KEYS: tuple[str, ...] = ("prices_dir", "fred_dir", "cache_dir")


def _resolve_paths(table: dict, folder: Path) -> dict:
    data = table.get("data")
    if isinstance(data, dict):
        for key in PATH_KEYS:
            if isinstance(data.get(key), str) and data[key]:
                data[key] = str((folder / data[key]).resolve())
    return table


def _parse_override(text: str) -> tuple[list[str], Any]:
    if "=" not in text:
        raise ConfigError(f"--set {text!r} must look like KEY=VALUE, e.g. --set data.seed=7.")
    key, raw = text.split("=", 1)
    key = key.strip()
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return key.split("."), value


def _apply_override(table: dict, parts: list[str], value: Any) -> None:
    node = table
    for part in parts[:-1]:
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict):
            raise ConfigError(f"--set {'.'.join(parts)}: {part!r} is not a table.")
        node = child
    node[parts[-1]] = value


def _validate_all(config: RunConfig, where: str) -> None:
    config.validate(where)
    for f in dataclasses.fields(config):
        section = getattr(config, f.name)
        if dataclasses.is_dataclass(section):
            section.validate(where)


def load_config(
    path: str | Path | None = None, overrides: Sequence[str] = ()
) -> RunConfig:
    """Read, merge, override and validate a config file.

    Parameters
    ----------
    path : str or Path, optional
        A TOML file; None loads the built-in default (the synthetic world).
    overrides : sequence of str
        ``"dotted.key=value"`` strings, applied after ``extends`` and before
        validation.

    Returns
    -------
    RunConfig

    Raises
    ------
    ConfigError
        With the file, key path, bad value and allowed values.

    Examples
    --------
    >>> config = load_config(overrides=["data.seed=7"])
    >>> config.data.seed
    7
    """
    file = Path(path) if path is not None else DEFAULT_CONFIG_PATH
    table = _read_toml(file)
    where = str(path) if path is not None else "<built-in default config>"
    for text in overrides:
        parts, value = _parse_override(text)
        if parts[0] == "data" and parts[-1] in PATH_KEYS and isinstance(value, str):
            value = str(Path(value).resolve())
        _apply_override(table, parts, value)
    config = _build(RunConfig, table, where, "")
    config = dataclasses.replace(config, source_path=where)
    _validate_all(config, where)
    return config


def dump_config(config: RunConfig) -> str:
    """The resolved config as TOML text (what ``config.toml`` holds)."""
    return tomli_w.dumps(config.to_dict())


def config_sha256(config: RunConfig) -> str:
    """SHA-256 of :func:`dump_config`: the identity of a run's settings."""
    return hashlib.sha256(dump_config(config).encode("utf-8")).hexdigest()


def data_sha256(config: RunConfig) -> str:
    """SHA-256 of the resolved ``[data]`` and ``[universe]`` tables: the identity of the data.

    Two runs with the same ``data_sha256`` saw the same inputs, whatever their
    strategy, cost or classifier settings (``regime-bt check`` relies on it).
    Folder paths are machine-specific, so they are left out: ``cache_dir``
    does not change the data, and the ``csv`` folders are represented by a
    digest of their CSV files' names and bytes instead of their location.
    """
    resolved = config.to_dict()
    tables = {"data": dict(resolved["data"]), "universe": resolved["universe"]}
    for key in PATH_KEYS:
        folder = tables["data"].pop(key, "")
        if key != "cache_dir" and folder and config.data.source == "csv":
            tables["data"][key] = _folder_digest(Path(folder))
    text = tomli_w.dumps(tables)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _folder_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    files = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    for file in files:
        digest.update(file.name.encode("utf-8") + b"\0")
        digest.update(file.read_bytes().replace(b"\r\n", b"\n") + b"\0")
    return digest.hexdigest()
