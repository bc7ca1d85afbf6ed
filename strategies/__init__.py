"""Strategies: pure functions from prices and regimes to target weights."""

from strategies.placebos import inverse_rotation, random_regime_paths, random_regimes
from strategies.registry import ENGINE_KEYS, STRATEGIES
from strategies.rotation import (
    basket_blend,
    inverse_volatility,
    probability_tilt,
    regime_rotation,
    regime_rotation_trend,
)
from strategies.weights import basket_weights, benchmark, equal_weight, fixed_weights

__all__ = [
    "ENGINE_KEYS",
    "STRATEGIES",
    "basket_blend",
    "basket_weights",
    "benchmark",
    "equal_weight",
    "fixed_weights",
    "inverse_rotation",
    "inverse_volatility",
    "probability_tilt",
    "random_regime_paths",
    "random_regimes",
    "regime_rotation",
    "regime_rotation_trend",
]
