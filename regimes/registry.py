"""The classifier registry: config name -> :class:`ClassifierSpec`, and the estimator factory."""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["CLASSIFIERS", "ClassifierSpec", "build_estimator"]


@dataclass(frozen=True)
class ClassifierSpec:
    """One classifier: where its estimator class lives, and a one-line description.

    Calling the spec builds the estimator: ``CLASSIFIERS["hmm"](random_state=0)``.
    The class is imported on first use, so listing classifiers does not
    import scikit-learn.
    """

    path: str
    description: str

    @property
    def estimator(self) -> type:
        """The estimator class (``module:Class`` in :attr:`path`)."""
        module, _, name = self.path.partition(":")
        return getattr(importlib.import_module(module), name)

    def __call__(self, **params: Any):
        return self.estimator(**params)

    def parameters(self) -> list[str]:
        """Every parameter the estimator takes (``get_params``)."""
        return list(self.estimator().get_params())

    def check(self, params: Mapping[str, Any]) -> None:
        """Validate parameter names and values with the estimator's own checks.

        Raises
        ------
        KeyError
            An unknown parameter (the key).
        ValueError
            A bad value (the estimator's message names the parameter).
        """
        allowed = self.parameters()
        for key in params:
            if key not in allowed:
                raise KeyError(key)
        self.estimator(**params).check_params()

    def listing(self) -> dict[str, Any]:
        """The ``regime-bt list classifiers`` entry."""
        return {"description": self.description, "estimator": self.path}


CLASSIFIERS: dict[str, ClassifierSpec] = {
    "composite": ClassifierSpec(
        "regimes.composite:CompositeScoreRegime",
        "signed, weighted composite of the standardised features with hysteresis",
    ),
    "gmm": ClassifierSpec(
        "regimes.gmm:GaussianMixtureRegime", "two-component Gaussian mixture (baseline: memoryless)"
    ),
    "hmm": ClassifierSpec(
        "regimes.hmm:HiddenMarkovRegime",
        "two-state Gaussian hidden Markov model, forward-filtered online",
    ),
    "jump": ClassifierSpec(
        "regimes.jump:JumpModelRegime", "two-state statistical jump model, online forward pass"
    ),
    "jump_cv": ClassifierSpec(
        "regimes.selection:CrossValidatedJumpRegime",
        "jump model whose penalty is chosen at every refit by time-series cross-validation "
        "(needs the asset's excess returns as y)",
    ),
}


def build_estimator(
    name: str,
    params: Mapping[str, Any] | None = None,
    feature_signs: Mapping[str, float] | None = None,
):
    """The configured, unfitted estimator of classifier ``name``.

    Parameters
    ----------
    name : str
        A key of :data:`CLASSIFIERS`.
    params : mapping, optional
        ``[regimes.params.<name>]``.
    feature_signs : mapping of str to float, optional
        Signs of features declared in config (passed to every classifier,
        which names its states, and weights the composite, by them).

    Returns
    -------
    estimator
    """
    params = dict(params or {})
    if feature_signs and "feature_signs" not in params:
        params["feature_signs"] = dict(feature_signs)
    return CLASSIFIERS[name](**params)


def classifier_names() -> Sequence[str]:
    """The registered classifier names, in order."""
    return list(CLASSIFIERS)
