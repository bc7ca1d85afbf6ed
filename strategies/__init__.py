"""Strategies: pure functions from prices and regimes to target weights."""

from strategies.weights import (
    STRATEGIES,
    basket_weights,
    benchmark,
    equal_weight,
    regime_rotation,
)

__all__ = ["STRATEGIES", "basket_weights", "benchmark", "equal_weight", "regime_rotation"]
