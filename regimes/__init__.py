"""Regime features, classifiers and causal walk-forward inference."""

from regimes.composite import CompositeScoreRegime
from regimes.features import FEATURES, FeatureSpec, build_features, net_liquidity
from regimes.gmm import GaussianMixtureRegime
from regimes.hmm import HiddenMarkovRegime
from regimes.jump import JumpModelRegime
from regimes.walk_forward import WalkForwardSpec, in_sample_regimes, walk_forward_regimes

#: Classifier registry: config name -> estimator class.
CLASSIFIERS: dict[str, type] = {
    "composite": CompositeScoreRegime,
    "gmm": GaussianMixtureRegime,
    "hmm": HiddenMarkovRegime,
    "jump": JumpModelRegime,
}

__all__ = [
    "CLASSIFIERS",
    "FEATURES",
    "CompositeScoreRegime",
    "FeatureSpec",
    "GaussianMixtureRegime",
    "HiddenMarkovRegime",
    "JumpModelRegime",
    "WalkForwardSpec",
    "build_features",
    "in_sample_regimes",
    "net_liquidity",
    "walk_forward_regimes",
]
