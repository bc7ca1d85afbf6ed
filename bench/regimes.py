"""Walk-forward speed, accuracy and calibration of every regime classifier.

The synthetic world of ``backtests/default.toml`` (simulated from its origin,
so features have history before the scored window), the default features,
monthly expanding refits (``refit_every=21``, ``min_train=504``), every
classifier of ``regimes.CLASSIFIERS`` with the parameters of
``[regimes.params.<name>]`` (the composite with each feature's documented
sign as its weight), scored against the true regime on 2005-2024, beside
hmmlearn's ``GaussianHMM`` refitted from scratch at the same dates (first
seed only, speed). Seeds: the four default seeds (42, 1, 2, 3), on which
the defaults were chosen, and eight more (4-11) they were not chosen on.

Two references are scored beside the classifiers, and are not classifiers:

``jump_unconstrained``
    The jump model with ``sign_constraint=False``, to measure what the
    constraint does.
``supervised``
    A logistic regression refitted at the same dates on the same features
    **and the true labels** of the rows before each refit date (which no
    user has), labelling each day by itself (``p >= 0.5``). Issue 12's
    limit: the HMM and the jump model should reach a balanced accuracy
    within 0.03 of it with a median detection delay at most 5 trading days
    above it; ``within_reference`` counts the seeds where they do.

Scores (``regimes.evaluate``): balanced accuracy, median and 90th-percentile
detection delay (days until the label settles on the new regime for a
week), false switches per year and the Brier score of ``p_scarce``.
``passes`` counts seeds with balanced accuracy >= 0.80 and median delay
<= 20 days (the composite's target).

    python bench/regimes.py --json                  # all 12 seeds
    python bench/regimes.py --seeds 42,1 --skip-hmmlearn

The last line (with ``--json``) is one JSON object with keys ``seconds`` (per
classifier, first seed), ``speedup_vs_hmmlearn``, ``accuracy`` (per seed and
method), ``passes`` and ``within_reference`` (per method, ``"k/n"``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from regimes import (
    CLASSIFIERS,
    FEATURES,
    WalkForwardSpec,
    walk_forward_regimes,
)
from regimes.evaluate import brier_score, evaluate_against_truth
from regimes.walk_forward import refit_starts


def _default_setup() -> tuple[list[str], dict]:
    """Feature list and classifier parameters of ``backtests/default.toml``."""
    from backtests.config import load_config

    config = load_config()
    return list(config.features.use), {k: dict(v) for k, v in config.regimes.params.items()}


NAMES, _CONFIG_PARAMS = _default_setup()
PARAMS = {
    "composite": {
        **_CONFIG_PARAMS.get("composite", {}),
        "weights": {n: float(FEATURES[n].abundant_sign) for n in NAMES},
    },
    "gmm": _CONFIG_PARAMS.get("gmm", {"random_state": 0}),
    "hmm": _CONFIG_PARAMS.get("hmm", {"random_state": 0}),
    "jump": _CONFIG_PARAMS.get("jump", {"random_state": 0}),
}
SPEC = WalkForwardSpec(refit_every=21, min_train=504)
SCORED = ("2005-01-03", "2024-12-31")
DEFAULT_SEEDS = "42,1,2,3,4,5,6,7,8,9,10,11"


def scores(frame: pd.DataFrame | pd.Series, truth: pd.Series) -> dict:
    """The printed figures of walk-forward output (labels, and p_scarce if any)."""
    frame = frame.loc[SCORED[0] : SCORED[1]]
    labels = frame["regime"] if isinstance(frame, pd.DataFrame) else frame
    result = evaluate_against_truth(labels.dropna(), truth)
    keep = ("balanced_accuracy", "median_delay_days", "p90_delay_days", "false_switches_per_year")
    out = {k: round(result[k], 3) for k in keep}
    if isinstance(frame, pd.DataFrame) and "p_scarce" in frame:
        brier = brier_score(frame["p_scarce"], truth)
        out["brier"] = None if brier is None else round(brier, 4)
    return out


def meets_target(figures: dict) -> bool:
    """The composite's accuracy target for one seed's :func:`scores`."""
    return figures["balanced_accuracy"] >= 0.80 and figures["median_delay_days"] <= 20


def within_reference(figures: dict, reference: dict) -> bool:
    """Issue 12's target: BA within 0.03 of the supervised reference, delay <= its + 5."""
    return (
        figures["balanced_accuracy"] >= reference["balanced_accuracy"] - 0.03
        and figures["median_delay_days"] <= reference["median_delay_days"] + 5
    )


def features(seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """The default config's features for one seed, history included, and the truth."""
    try:
        from backtests.config import load_config
        from backtests.runner import load_inputs
    except ImportError:
        return simulated_features(seed)
    inputs = load_inputs(load_config(overrides=[f"data.seed={seed}"]))
    return inputs.features[NAMES], inputs.market.truth


def simulated_features(seed: int, n: int = 5040) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    spells = np.repeat(np.arange(40) % 2, rng.integers(80, 300, 40))[:n]
    scarce = np.r_[spells, np.zeros(max(0, n - spells.size), dtype=int)]
    signs = np.array([FEATURES[name].abundant_sign for name in NAMES])
    noise = np.zeros((n, len(NAMES)))
    for t in range(1, n):
        noise[t] = 0.97 * noise[t - 1] + rng.normal(0, 0.25, len(NAMES))
    X = pd.DataFrame(
        np.where(scarce[:, None] == 1, -0.6, 0.6) * signs + noise,
        columns=NAMES,
        index=pd.bdate_range("2005-01-03", periods=n, name="date"),
    )
    truth = pd.Series(np.where(scarce == 1, "scarce", "abundant"), index=X.index)
    return X, truth


def supervised(X: pd.DataFrame, truth: pd.Series) -> pd.Series:
    """Walk-forward logistic regression fitted on past **true** labels (a reference)."""
    from sklearn.linear_model import LogisticRegression

    values = X.to_numpy()
    complete = np.isfinite(values).all(axis=1)
    scarce = truth.reindex(X.index).eq("scarce").to_numpy()
    rows = np.flatnonzero(complete)
    labels = pd.Series(np.nan, index=X.index, dtype=object)
    starts = refit_starts(X, SPEC)
    for start, stop in zip(starts, [*starts[1:], len(X)], strict=True):
        train = rows[rows < start]
        if np.unique(scarce[train]).size < 2:
            continue
        model = LogisticRegression().fit(values[train], scarce[train])
        block = rows[(rows >= start) & (rows < stop)]
        if block.size:
            labels.iloc[block] = np.where(model.predict(values[block]), "scarce", "abundant")
    return labels


def hmmlearn_from_scratch(X: pd.DataFrame) -> float:
    """hmmlearn GaussianHMM fitted from scratch at every refit date (fit time only)."""
    from hmmlearn.hmm import GaussianHMM

    usable = np.flatnonzero(X.notna().all(axis=1).to_numpy())
    first = int(usable[SPEC.min_train])
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for start in range(first, len(X), SPEC.refit_every):
            train = X.iloc[:start].dropna().to_numpy()
            GaussianHMM(2, covariance_type="full", n_iter=100, random_state=0).fit(train)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default=DEFAULT_SEEDS)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--skip-hmmlearn", action="store_true")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    # Compile the numba kernels (cache=True) outside the timed runs.
    X, _ = features(seeds[0])
    for name in CLASSIFIERS:
        if name in PARAMS:
            CLASSIFIERS[name](**PARAMS[name]).fit(X.iloc[:1200]).predict_online(X.iloc[:1300])
    seconds, accuracy = {}, {}
    for seed in seeds:
        X, truth = features(seed)
        accuracy[seed] = {}
        for name in PARAMS:
            started = time.perf_counter()
            frame = walk_forward_regimes(CLASSIFIERS[name](**PARAMS[name]), X, SPEC)
            elapsed = time.perf_counter() - started
            seconds.setdefault(name, round(elapsed, 3))
            accuracy[seed][name] = scores(frame, truth)
            print(
                f"seed {seed} {name:>9}: {elapsed:6.2f} s  "
                + "  ".join(f"{k}={v}" for k, v in accuracy[seed][name].items()),
                flush=True,
            )
        references = {
            "jump_unconstrained": walk_forward_regimes(
                CLASSIFIERS["jump"](**{**PARAMS["jump"], "sign_constraint": False}), X, SPEC
            ),
            "supervised": supervised(X, truth),
        }
        for name, labels in references.items():
            accuracy[seed][name] = scores(labels, truth)
            print(
                f"seed {seed} {name:>9} (reference): "
                + "  ".join(f"{k}={v}" for k, v in accuracy[seed][name].items()),
                flush=True,
            )
    passes = {
        name: f"{sum(meets_target(accuracy[seed][name]) for seed in seeds)}/{len(seeds)}"
        for name in accuracy[seeds[0]]
    }
    near = {}
    for name in accuracy[seeds[0]]:
        if name != "supervised":
            hits = sum(
                within_reference(accuracy[s][name], accuracy[s]["supervised"]) for s in seeds
            )
            near[name] = f"{hits}/{len(seeds)}"
    print(
        "seeds meeting balanced_accuracy >= 0.80 and median_delay_days <= 20: "
        + "  ".join(f"{name}={count}" for name, count in passes.items()),
        flush=True,
    )
    print(
        "seeds within 0.03 BA and 5 days of the supervised reference: "
        + "  ".join(f"{name}={count}" for name, count in near.items()),
        flush=True,
    )
    summary = {
        "n_days": len(X),
        "n_features": X.shape[1],
        "seconds": seconds,
        "accuracy": accuracy,
        "passes": passes,
        "within_reference": near,
    }
    if not args.skip_hmmlearn:
        X, _ = features(seeds[0])
        reference = hmmlearn_from_scratch(X)
        print(f"hmmlearn GaussianHMM from scratch: {reference:.2f} s", flush=True)
        summary["seconds"]["hmmlearn_from_scratch"] = round(reference, 3)
        summary["speedup_vs_hmmlearn"] = {
            name: round(reference / seconds[name], 2) for name in ("hmm", "jump")
        }
    if args.json:
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
