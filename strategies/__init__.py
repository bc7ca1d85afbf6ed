"""Strategies: pure functions from prices and regimes to target weights."""

from strategies.options import WEIGHTINGS, RotationOptions, check_param
from strategies.placebos import (
    PlaceboPaths,
    inverse_rotation,
    placebo_paths,
    random_regime_paths,
    random_regimes,
)
from strategies.registry import ENGINE_KEYS, STRATEGIES, StrategySpec
from strategies.rotation import (
    basket_blend,
    inverse_volatility,
    probability_tilt,
    regime_rotation,
    regime_rotation_trend,
)
from strategies.timing import regime_timing
from strategies.weights import basket_weights, benchmark, equal_weight, fixed_weights

__all__ = [
    "ENGINE_KEYS",
    "STRATEGIES",
    "WEIGHTINGS",
    "PlaceboPaths",
    "RotationOptions",
    "StrategySpec",
    "basket_blend",
    "basket_weights",
    "benchmark",
    "check_param",
    "equal_weight",
    "fixed_weights",
    "inverse_rotation",
    "inverse_volatility",
    "placebo_paths",
    "probability_tilt",
    "random_regime_paths",
    "random_regimes",
    "regime_rotation",
    "regime_rotation_trend",
    "regime_timing",
]
