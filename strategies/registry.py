"""The strategy registry: kind -> (function, role, one-line description).

Roles: ``"strategy"`` (what the thesis proposes), ``"benchmark"`` (what it
must beat) and ``"placebo"`` (the same machinery fed with wrong regimes: what
luck looks like). The single-basket builders of :mod:`strategies.weights`
are included.
"""

from __future__ import annotations

from strategies import placebos, rotation, weights

__all__ = ["ENGINE_KEYS", "STRATEGIES"]

#: Keys of a ``[strategies.<name>]`` table consumed by the engine, not the
#: weight function (they depend on holdings, so they cannot be pure weights).
ENGINE_KEYS: tuple[str, ...] = ("no_trade_band",)

STRATEGIES: dict[str, tuple] = {
    **weights.STRATEGIES,
    "regime_rotation": (
        rotation.regime_rotation, "strategy",
        "speculative basket when capital is abundant, cash-flow basket when scarce",
    ),
    "probability_tilt": (
        rotation.probability_tilt, "strategy",
        "both baskets blended continuously by the scarce probability",
    ),
    "regime_rotation_trend": (
        rotation.regime_rotation_trend, "strategy",
        "the rotation, only into assets above their moving average; the rest in cash",
    ),
    "basket_blend": (
        rotation.basket_blend, "benchmark", "equal weight across baskets, whatever the regime",
    ),
    "inverse_rotation": (
        placebos.inverse_rotation, "placebo", "the rotation with the regime labels swapped",
    ),
    "random_regimes": (
        placebos.random_regimes, "placebo",
        "the rotation on random regime paths with the classifier's spell lengths",
    ),
}
