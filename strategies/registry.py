"""The strategy registry: kind -> :class:`StrategySpec`.

Roles: ``"strategy"`` (what the thesis proposes), ``"benchmark"`` (what it
must beat) and ``"placebo"`` (the same machinery fed with wrong regimes: what
luck looks like). A ``[strategies.<name>]`` table gives a ``kind`` and the
kind's parameters flat: the rotation options (:class:`RotationOptions`) for
the rotation family, plus each function's own keyword parameters, plus the
engine keys (:data:`ENGINE_KEYS`). :meth:`StrategySpec.bind` turns a table
into the function's arguments, and :meth:`StrategySpec.check` validates it at
config load with the rules of :func:`strategies.options.check_param`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from strategies import placebos, rotation, timing, weights
from strategies.options import RotationOptions, check_param

__all__ = ["ENGINE_KEYS", "STRATEGIES", "StrategySpec"]

#: Keys of a ``[strategies.<name>]`` table consumed by the engine, not the
#: weight function (they depend on holdings, so they cannot be pure weights).
ENGINE_KEYS: tuple[str, ...] = ("no_trade_band",)
#: Arguments every strategy function receives from the runner.
_DATA_ARGUMENTS = ("prices", "regimes", "baskets")


@dataclass(frozen=True)
class StrategySpec:
    """One strategy kind.

    Attributes
    ----------
    function : callable
        ``function(prices, regimes, baskets, [options,] **params) -> DataFrame``.
    role : {"strategy", "benchmark", "placebo"}
    description : str
    """

    function: Callable[..., pd.DataFrame]
    role: str
    description: str

    @property
    def takes_options(self) -> bool:
        """Whether the function takes a :class:`RotationOptions`."""
        return "options" in inspect.signature(self.function).parameters

    def parameters(self) -> list[str]:
        """Every key a config table of this kind may give (besides ``kind``)."""
        own = [
            n
            for n in inspect.signature(self.function).parameters
            if n not in (*_DATA_ARGUMENTS, "options")
        ]
        options = list(RotationOptions.names()) if self.takes_options else []
        return options + own + list(ENGINE_KEYS)

    def required(self) -> list[str]:
        """Keys without a default."""
        return [
            n
            for n, p in inspect.signature(self.function).parameters.items()
            if n not in (*_DATA_ARGUMENTS, "options") and p.default is inspect.Parameter.empty
        ]

    def check(self, table: Mapping[str, Any]) -> None:
        """Validate a config table's keys and values (raise KeyError/ValueError naming the key)."""
        allowed = self.parameters()
        for key in table:
            if key != "kind" and key not in allowed:
                raise KeyError(key)
        for key in self.required():
            if key not in table:
                raise ValueError(f"{key} is required for this kind.")
        for key, value in table.items():
            if key != "kind":
                check_param(key, value)
        if self.takes_options:
            RotationOptions.from_params(table)
        if "path" in table and "n_paths" in table and not table["path"] < table["n_paths"]:
            raise ValueError(
                f"path must be below n_paths ({table['n_paths']}), got {table['path']}."
            )

    def bind(self, table: Mapping[str, Any]) -> dict[str, Any]:
        """The function's keyword arguments for a config table (engine keys dropped)."""
        own = [
            n
            for n in inspect.signature(self.function).parameters
            if n not in (*_DATA_ARGUMENTS, "options")
        ]
        arguments = {k: table[k] for k in own if k in table}
        if self.takes_options:
            arguments["options"] = RotationOptions.from_params(table)
        return arguments

    def listing(self) -> dict[str, Any]:
        """The ``regime-bt list strategies`` entry."""
        return {"description": self.description, "role": self.role, "parameters": self.parameters()}


STRATEGIES: dict[str, StrategySpec] = {
    "basket": StrategySpec(weights.basket_weights, "benchmark", "equal-weight hold of one basket"),
    "benchmark": StrategySpec(weights.benchmark, "benchmark", "hold a single ticker (e.g. SPY)"),
    "fixed_weights": StrategySpec(
        weights.fixed_weights,
        "benchmark",
        "hold fixed weights (e.g. 60/40 SPY/IEF), renormalised among listed tickers",
    ),
    "regime_rotation": StrategySpec(
        rotation.regime_rotation,
        "strategy",
        "speculative basket when capital is abundant, cash-flow basket when scarce",
    ),
    "probability_tilt": StrategySpec(
        rotation.probability_tilt,
        "strategy",
        "both baskets blended continuously by the scarce probability",
    ),
    "regime_rotation_trend": StrategySpec(
        rotation.regime_rotation_trend,
        "strategy",
        "the rotation, only into assets above their moving average; the rest in cash",
    ),
    "regime_timing": StrategySpec(
        timing.regime_timing,
        "strategy",
        "one asset when the regime is favourable, cash otherwise (0/1 timing)",
    ),
    "basket_blend": StrategySpec(
        rotation.basket_blend, "benchmark", "equal weight across baskets, whatever the regime"
    ),
    "inverse_rotation": StrategySpec(
        placebos.inverse_rotation, "placebo", "the rotation with the regime labels swapped"
    ),
    "random_regimes": StrategySpec(
        placebos.random_regimes,
        "placebo",
        "the rotation on random regime paths with the classifier's spell lengths (causal)",
    ),
}
