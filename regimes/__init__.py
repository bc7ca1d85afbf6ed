"""Regime features, classifiers and causal walk-forward inference."""

from regimes.composite import CompositeScoreRegime
from regimes.features import FEATURES, FeatureSpec, build_features, net_liquidity
from regimes.walk_forward import WalkForwardSpec, in_sample_regimes, walk_forward_regimes

#: Classifier registry: config name -> estimator class.
CLASSIFIERS: dict[str, type] = {
    "composite": CompositeScoreRegime,
}

__all__ = [
    "CLASSIFIERS",
    "FEATURES",
    "CompositeScoreRegime",
    "FeatureSpec",
    "WalkForwardSpec",
    "build_features",
    "in_sample_regimes",
    "net_liquidity",
    "walk_forward_regimes",
]
