"""Regime features, classifiers and causal walk-forward inference.

Names are imported lazily (PEP 562), so that reading the feature registry
(``regime-bt list``) does not import scikit-learn.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "CLASSIFIERS",
    "DEFAULT_FEATURES",
    "FEATURES",
    "TRANSFORMS",
    "ClassifierSpec",
    "CompositeScoreRegime",
    "FeatureDefinition",
    "FeatureSpec",
    "GaussianMixtureRegime",
    "HiddenMarkovRegime",
    "JumpModelRegime",
    "WalkForwardSpec",
    "build_estimator",
    "build_features",
    "in_sample_regimes",
    "net_liquidity",
    "parse_definitions",
    "resolve_features",
    "walk_forward_regimes",
]

_HOMES = {
    "CLASSIFIERS": "regimes.registry",
    "ClassifierSpec": "regimes.registry",
    "build_estimator": "regimes.registry",
    "TRANSFORMS": "regimes.derived",
    "FeatureDefinition": "regimes.derived",
    "parse_definitions": "regimes.derived",
    "DEFAULT_FEATURES": "regimes.features",
    "FEATURES": "regimes.features",
    "FeatureSpec": "regimes.features",
    "build_features": "regimes.features",
    "net_liquidity": "regimes.features",
    "resolve_features": "regimes.features",
    "CompositeScoreRegime": "regimes.composite",
    "GaussianMixtureRegime": "regimes.gmm",
    "HiddenMarkovRegime": "regimes.hmm",
    "JumpModelRegime": "regimes.jump",
    "WalkForwardSpec": "regimes.walk_forward",
    "in_sample_regimes": "regimes.walk_forward",
    "walk_forward_regimes": "regimes.walk_forward",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        value = getattr(importlib.import_module(_HOMES[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'regimes' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
