"""Replication of Shu, Yu & Mulvey (2024): run it, then regenerate ``docs/replication.md``.

Runs ``configs/replicate_shu_yu_mulvey_2024.toml`` through the CLI
(``python -m backtests run``) once per model and delay: the cross-validated
jump model and the HMM at delays 1, 5 and 10 (buy-and-hold SPY is a strategy
of every run), plus the variants of the investigation section; then refits
the jump model at every refit date to record the penalties it chose, and the
HMM to check its state naming. Then reads the run directories' CSV files and
writes the report: our figures beside the paper's published ones (copied
from its Tables 4 and 5, S&P 500 rows, into :data:`PAPER_TABLE4` and
:data:`PAPER_TABLE5`), with the differences explained. Only the
Sharpe-difference intervals come from ``metrics.json`` (the engine's
bootstrap).

Usage::

    python bench/replication.py                   # everything (1-2 hours on 2 cores), the doc
    python bench/replication.py --report-only     # the doc from existing run directories
    python bench/replication.py --only jm_d1 penalties   # some runs, then the doc
    python bench/replication.py --runs-dir DIR    # default runs/replication

Definitions (also written into the doc): :func:`strategy_figures`.
``tests/backtests/test_replication.py`` recomputes the figures independently
from a fresh run directory and checks them against the doc.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from data import PERIODS_PER_YEAR

CONFIG = ROOT / "configs" / "replicate_shu_yu_mulvey_2024.toml"
DOC = ROOT / "docs" / "replication.md"
RUNS_DIR = ROOT / "runs" / "replication"
TIMING, BENCHMARK, ASSET, CASH = "spy_timing", "buy_and_hold", "SPY", "BIL"
DELAYS = (1, 5, 10)
#: A market drawdown episode for the detection lag: SPY's total-return curve
#: at least this far below its running peak.
EPISODE_DEPTH = 0.15

HMM_SETTINGS = (
    "regimes.classifier=hmm",
    'features.use=["spy_excess_return"]',
    "walk_forward.window=3000",
)


#: The jump model with the paper's "typical" penalty, refitted every six months on
#: 3,000 rows: no cross-validation.
FIXED_JM_SETTINGS = (
    "regimes.classifier=jump",
    "regimes.params.jump.jump_penalty=50.0",
    "regimes.params.jump.random_state=0",
    "regimes.params.jump.sign_constraint=false",
    "walk_forward.window=3000",
    "walk_forward.refit_every=126",
)


def delay_settings(delay: int) -> tuple[str, ...]:
    """The engine's delay and the validation's delay, always set together."""
    return (f"execution.lag_days={delay}", f"regimes.params.jump_cv.delay={delay}")


#: Run name -> ``--set`` overrides of the config.
RUNS: dict[str, tuple[str, ...]] = {
    **{f"jm_d{d}": delay_settings(d) for d in DELAYS},
    **{f"hmm_d{d}": (*delay_settings(d), *HMM_SETTINGS) for d in DELAYS},
    # Investigation (delay 1).
    "jm_train2000_d1": (*delay_settings(1), "regimes.params.jump_cv.train_days=2000"),
    "jm_rolling_zscore_d1": (*delay_settings(1), "features.window=3000"),
    **{f"jm_fixed50_d{d}": (*delay_settings(d), *FIXED_JM_SETTINGS) for d in DELAYS},
    "hmm_k6_d1": (*delay_settings(1), *HMM_SETTINGS, "regimes.params.hmm.min_dwell=6"),
    **{
        f"hmm_jm_features_d{d}": (
            *delay_settings(d),
            "regimes.classifier=hmm",
            "walk_forward.window=3000",
        )
        for d in DELAYS
    },
}

#: Column of the main tables -> (run, strategy).
COLUMNS: dict[str, tuple[str, str]] = {
    "B&H": ("jm_d1", BENCHMARK),
    **{f"HMM d={d}": (f"hmm_d{d}", TIMING) for d in DELAYS},
    **{f"JM d={d}": (f"jm_d{d}", TIMING) for d in DELAYS},
}
#: The models and feature sets that matter, at the longer delays.
INVESTIGATION_DELAYS: dict[str, tuple[str, str]] = {
    **{
        f"{label} d={d}": (f"{run}_d{d}", TIMING)
        for d in DELAYS[1:]
        for label, run in (
            ("JM-CV", "jm"),
            ("JM pen. 50", "jm_fixed50"),
            ("HMM", "hmm"),
            ("HMM, JM features", "hmm_jm_features"),
        )
    },
}
INVESTIGATION: dict[str, tuple[str, str]] = {
    "JM-CV (main)": ("jm_d1", TIMING),
    "JM-CV, 2000-day training": ("jm_train2000_d1", TIMING),
    "JM-CV, z-scores over 3000 days": ("jm_rolling_zscore_d1", TIMING),
    "JM, penalty 50 fixed": ("jm_fixed50_d1", TIMING),
    "HMM (main)": ("hmm_d1", TIMING),
    "HMM, min_dwell 6": ("hmm_k6_d1", TIMING),
    "HMM on the JM's 3 features": ("hmm_jm_features_d1", TIMING),
}

#: Metric key -> (row label, format). Formats: "pct" (1 decimal), "ratio" (2),
#: "int", "frac" ("3/6").
METRICS: dict[str, tuple[str, str]] = {
    "cagr": ("Return (CAGR, incl. cash)", "pct"),
    "volatility": ("Volatility", "pct"),
    "sharpe": ("Sharpe", "ratio"),
    "max_drawdown": ("MDD", "pct"),
    "calmar": ("Calmar", "ratio"),
    "expected_shortfall": ("ES 5%", "pct"),
    "turnover": ("Turnover", "pct"),
    "leverage": ("Leverage", "pct"),
    "bear_share": ("Bear share", "pct"),
    "shifts": ("Regime shifts", "int"),
    "exit_lag": ("Exit lag, median (days)", "int"),
    "exited": ("Episodes exited before the trough", "frac"),
    "reentry_lag": ("Re-entry lag, median (days)", "int"),
}

#: The rows of the investigation at delays 5 and 10.
INVESTIGATION_METRICS = (
    "cagr",
    "sharpe",
    "max_drawdown",
    "turnover",
    "leverage",
    "exit_lag",
    "exited",
)

# -- the paper's published figures (Tables 4 and 5; S&P 500, 1990-2023) -----------------------

PAPER_TABLE4 = {  # delay 1
    "B&H": {
        "cagr": 0.102,
        "volatility": 0.182,
        "sharpe": 0.48,
        "max_drawdown": -0.552,
        "calmar": 0.16,
        "expected_shortfall": -0.027,
        "turnover": 0.0,
        "leverage": 1.0,
    },
    "HMM d=1": {
        "cagr": 0.085,
        "volatility": 0.113,
        "sharpe": 0.54,
        "max_drawdown": -0.289,
        "calmar": 0.21,
        "expected_shortfall": -0.018,
        "turnover": 1.41,
        "leverage": 0.72,
        "bear_share": 0.278,
        "shifts": 96,
    },
    "JM d=1": {
        "cagr": 0.112,
        "volatility": 0.131,
        "sharpe": 0.68,
        "max_drawdown": -0.266,
        "calmar": 0.33,
        "expected_shortfall": -0.020,
        "turnover": 0.44,
        "leverage": 0.80,
        "bear_share": 0.197,
        "shifts": 30,
    },
}
PAPER_TABLE5 = {  # Return, Sharpe, Calmar at delays 1, 5, 10
    "B&H": {"cagr": 0.102, "sharpe": 0.48, "calmar": 0.16},
    "HMM d=1": {"cagr": 0.085, "sharpe": 0.54, "calmar": 0.21},
    "HMM d=5": {"cagr": 0.086, "sharpe": 0.55, "calmar": 0.28},
    "HMM d=10": {"cagr": 0.083, "sharpe": 0.51, "calmar": 0.25},
    "JM d=1": {"cagr": 0.112, "sharpe": 0.68, "calmar": 0.33},
    "JM d=5": {"cagr": 0.114, "sharpe": 0.71, "calmar": 0.39},
    "JM d=10": {"cagr": 0.117, "sharpe": 0.70, "calmar": 0.28},
}


# -- reading a run directory -------------------------------------------------------------


def read_run(run_dir: Path) -> dict[str, pd.DataFrame]:
    """The CSV files the figures use: returns, weights, prices and labels."""
    run_dir = Path(run_dir)

    def csv(path: Path) -> pd.DataFrame:
        return pd.read_csv(path, index_col="date", parse_dates=["date"])

    weights = {path.stem: csv(path) for path in sorted((run_dir / "weights").glob("*.csv"))}
    return {
        "returns": csv(run_dir / "returns.csv"),
        "prices": csv(run_dir / "inputs/prices.csv"),
        "regimes": csv(run_dir / "regimes.csv"),
        **{f"weights/{k}": v for k, v in weights.items()},
    }


def drawdown_episodes(close: pd.Series, depth: float = EPISODE_DEPTH) -> list[tuple[int, int]]:
    """``(peak, trough)`` row positions of the market's falls of at least ``depth``.

    A zigzag with one threshold: from a peak (the highest close since the last
    trough), a fall of ``depth`` opens an episode; the trough is the lowest
    close before a rise of ``depth`` above it (or the end of the data), which
    closes the episode and starts looking for the next peak. So corrections
    inside a long drawdown (2010 and 2011 within 2007-2012) count as episodes
    of their own, each with its own peak.

    Examples
    --------
    >>> drawdown_episodes(pd.Series([1.0, 1.2, 0.9, 1.3, 1.25, 1.4, 1.0, 1.1]), 0.2)
    [(1, 2), (5, 6)]
    """
    values = close.to_numpy(dtype=float)
    episodes: list[tuple[int, int]] = []
    peak, trough, falling = 0, 0, False
    for t in range(1, len(values)):
        if not falling:
            if values[t] > values[peak]:
                peak = t
            elif values[t] <= values[peak] * (1.0 - depth):
                falling, trough = True, t
        elif values[t] < values[trough]:
            trough = t
        elif values[t] >= values[trough] * (1.0 + depth):
            episodes.append((peak, trough))
            falling, peak = False, t
    if falling:
        episodes.append((peak, trough))
    return episodes


def strategy_figures(
    run: Mapping[str, pd.DataFrame], strategy: str, timed: bool = True
) -> dict[str, float]:
    """Every figure of the report for one strategy of one run directory.

    Definitions (daily data, 252 days a year; ``r`` the strategy's daily
    return after costs from ``returns.csv``, ``c`` the BIL fund's daily
    return from ``inputs/prices.csv``, ``w`` the SPY weight held at each
    close from ``weights/<strategy>.csv``):

    * ``cagr``: ``prod(1 + r) ** (252 / n) - 1`` (includes what cash earns);
    * ``volatility``: ``std(r, ddof=1) * sqrt(252)``;
    * ``sharpe``: ``mean(r - c) / std(r - c, ddof=1) * sqrt(252)``;
    * ``max_drawdown``: the lowest ``W / max(W) - 1`` of ``W = prod(1 + r)``;
    * ``calmar``: ``252 * mean(r - c) / |max_drawdown|`` (the paper's "average
      excess return over MDD");
    * ``expected_shortfall``: the mean of the worst 5 % of daily returns
      (``ceil(0.05 n)`` days);
    * ``turnover``: the paper's, ``0.5 * sum |w_t - w_{t-1}| * 252 / n`` over the
      days after the first fill (the initial purchase is not turnover): 0.5
      per switch a year, 1.0 for one round trip a year. ``metrics.json``
      counts both legs (SPY and BIL) and so shows twice this;
    * ``leverage``: ``mean(w)``;
    * ``bear_share`` and ``shifts``: the share of days labelled scarce, and the
      number of label changes, in ``regimes.csv`` (the run's classifier); NaN
      when ``timed`` is False (a strategy the labels do not drive);
    * ``exit_lag``: over the falls of at least 15 % of SPY's total-return
      curve (:func:`drawdown_episodes`), the median number of trading days
      from the peak to the first close at or after it with ``w = 0`` (0 when
      already out), counting only episodes exited by the trough; ``exited``
      is how many were, ``n_episodes`` how many there are;
    * ``reentry_lag``: the median number of trading days from the trough to
      the first close at or after it with ``w >= 0.5`` (invested again; a
      full position is 1 up to rounding), over the episodes exited.

    Parameters
    ----------
    run : mapping
        :func:`read_run` of a run directory.
    strategy : str
    timed : bool, default True
        Whether the run's labels drive the strategy (False: buy-and-hold).

    Returns
    -------
    dict of str to float
    """
    returns = run["returns"][strategy].to_numpy(dtype=float)
    cash = run["prices"][CASH].ffill()
    rf = (cash / cash.shift(1) - 1.0).fillna(0.0).to_numpy()
    weight = run[f"weights/{strategy}"][ASSET].to_numpy(dtype=float)
    n = returns.shape[0]
    wealth = np.cumprod(1.0 + returns)
    drawdown = float(np.min(wealth / np.maximum.accumulate(np.maximum(wealth, 1.0)) - 1.0))
    excess = returns - rf
    worst = np.sort(returns)[: math.ceil(0.05 * n)]
    first_fill = int(np.argmax(weight != 0.0)) if np.any(weight != 0.0) else n
    trades = np.abs(np.diff(weight[first_fill:])).sum() if first_fill < n else 0.0
    labels = run["regimes"]["regime"]
    episodes = drawdown_episodes(run["prices"][ASSET].ffill())
    exits, reentries = [], []
    for peak, trough in episodes:
        out = np.flatnonzero(weight[peak : trough + 1] <= 1e-9)
        if out.size:
            exits.append(int(out[0]))
            back = np.flatnonzero(weight[trough:] >= 0.5)
            if back.size:
                reentries.append(int(back[0]))
    return {
        "cagr": float(wealth[-1] ** (PERIODS_PER_YEAR / n) - 1.0),
        "volatility": float(returns.std(ddof=1) * np.sqrt(PERIODS_PER_YEAR)),
        "sharpe": float(excess.mean() / excess.std(ddof=1) * np.sqrt(PERIODS_PER_YEAR)),
        "max_drawdown": drawdown,
        "calmar": float(excess.mean() * PERIODS_PER_YEAR / abs(drawdown)),
        "expected_shortfall": float(worst.mean()),
        "turnover": float(0.5 * trades * PERIODS_PER_YEAR / n),
        "leverage": float(weight.mean()),
        "bear_share": float((labels == "scarce").mean()) if timed else float("nan"),
        "shifts": float((labels != labels.shift(1)).iloc[1:].sum()) if timed else float("nan"),
        "exit_lag": float(np.median(exits)) if exits else float("nan"),
        "exited": float(len(exits)),
        "n_episodes": float(len(episodes)),
        "reentry_lag": float(np.median(reentries)) if reentries else float("nan"),
    }


def episode_lags(run: Mapping[str, pd.DataFrame], strategy: str) -> list[dict]:
    """Per drawdown episode of SPY: its dates and depth, and the strategy's exit and re-entry lags.

    Lags as in :func:`strategy_figures` (trading days; None when it did not
    exit by the trough, or never re-entered).
    """
    close = run["prices"][ASSET].ffill()
    weight = run[f"weights/{strategy}"][ASSET].to_numpy(dtype=float)
    rows = []
    for peak, trough in drawdown_episodes(close):
        out = np.flatnonzero(weight[peak : trough + 1] <= 1e-9)
        back = np.flatnonzero(weight[trough:] >= 0.5) if out.size else np.empty(0)
        rows.append(
            {
                "peak": close.index[peak],
                "trough": close.index[trough],
                "depth": float(close.iloc[trough] / close.iloc[peak] - 1.0),
                "days": trough - peak,
                "exit": int(out[0]) if out.size else None,
                "reentry": int(back[0]) if back.size else None,
            }
        )
    return rows


# -- formatting -----------------------------------------------------------------------------


def format_value(value: float | None, kind: str, total: float | None = None) -> str:
    """One table cell: ``"10.2%"``, ``"0.48"``, ``"30"``, ``"3/6"`` or ``"n/a"``.

    Examples
    --------
    >>> format_value(-0.5524, "pct"), format_value(0.4849, "ratio"), format_value(None, "pct")
    ('-55.2%', '0.48', 'n/a')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if kind == "pct":
        return f"{100.0 * value:.1f}%"
    if kind == "ratio":
        return f"{value:.2f}"
    if kind == "frac":
        return f"{value:.0f}/{total:.0f}"
    return f"{value:.0f}"


def table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> str:
    """A markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def figures_table(figures: Mapping[str, Mapping[str, float]], metrics: Sequence[str]) -> str:
    """Rows = metrics, columns = the keys of ``figures``."""
    rows = []
    for key in metrics:
        label, kind = METRICS[key]
        rows.append(
            [label]
            + [format_value(f.get(key), kind, f.get("n_episodes")) for f in figures.values()]
        )
    return table(rows, ["", *figures])


def paper_vs_ours(
    paper: Mapping[str, Mapping[str, float]],
    ours: Mapping[str, Mapping[str, float]],
    metrics: Sequence[str],
) -> str:
    """Rows = metric x source, columns = the keys of ``paper``."""
    rows = []
    for key in metrics:
        label, kind = METRICS[key]
        rows.append([f"{label}, paper"] + [format_value(paper[c].get(key), kind) for c in paper])
        rows.append(
            [f"{label}, ours"]
            + [format_value(ours[c].get(key), kind, ours[c].get("n_episodes")) for c in paper]
        )
    return table(rows, ["", *paper])


# -- the runs ------------------------------------------------------------------------------


def run_config(name: str, runs_dir: Path) -> float:
    """One CLI run into ``runs_dir / name``; returns the wall time in seconds."""
    started = time.perf_counter()
    command = [
        sys.executable,
        "-m",
        "backtests",
        "run",
        str(CONFIG),
        "--no-tearsheets",
        "--quiet",
        "--out",
        str(runs_dir / name),
    ]
    for override in RUNS[name]:
        command += ["--set", override]
    subprocess.run(command, cwd=ROOT, check=True)
    return time.perf_counter() - started


def penalty_path(runs_dir: Path, delay: int = 1) -> pd.DataFrame:
    """The penalty chosen at every walk-forward refit of the ``jm_d{delay}`` run.

    Refits the run's estimator on the rows before every refit date, exactly
    as :func:`regimes.walk_forward_regimes` does, and records ``penalty_``
    and the validation Sharpe ratio of every candidate (a run directory does
    not keep the fitted models).
    """
    from sklearn.base import clone

    from backtests import load_config
    from backtests.runner import load_inputs, make_estimator, regime_target, walk_forward_spec
    from regimes.walk_forward import refit_starts

    config = load_config(CONFIG, list(RUNS[f"jm_d{delay}"]))
    inputs = load_inputs(config)
    estimator = make_estimator(config, signs=inputs.feature_signs)
    features = inputs.features
    target = regime_target(config, inputs)  # the y the run's walk-forward was given
    rows = []
    for start in refit_starts(features, walk_forward_spec(config)):
        train = features.iloc[:start]
        train = train[train.notna().any(axis=1)]
        y = target.reindex(train.index)
        model = clone(estimator).fit(train, y)
        # The paper names the bull state by the higher mean return over the training
        # window; ours by the features' signs. Do they agree on the final model's rows?
        window = train.iloc[-model.train_days :]
        bear = (model.model_.predict_smoothed(window) == "scarce").to_numpy()
        returns = y.loc[window.index].to_numpy()
        rows.append(
            {
                "date": features.index[start],
                "penalty": model.penalty_,
                "bear_mean_return": float(np.nanmean(returns[bear])) if bear.any() else 0.0,
                "bull_mean_return": float(np.nanmean(returns[~bear])) if (~bear).any() else 0.0,
                **{
                    f"sharpe_{p:g}": s
                    for p, s in zip(estimator.penalties, model.validation_sharpe_, strict=True)
                },
            }
        )
    return pd.DataFrame(rows).set_index("date")


def hmm_naming(runs_dir: Path, delay: int = 1) -> pd.DataFrame:
    """At every refit of the ``hmm_d{delay}`` run: the two states' means and standard deviations.

    The HMM names its states by the mean of the (signed) feature; the paper
    names them by volatility. This refits the run's estimator as the
    walk-forward does and records both, to count the refits where the two
    rules would disagree.
    """
    from sklearn.base import clone

    from backtests import load_config
    from backtests.runner import load_inputs, make_estimator, walk_forward_spec
    from regimes.walk_forward import refit_starts

    config = load_config(CONFIG, list(RUNS[f"hmm_d{delay}"]))
    inputs = load_inputs(config)
    estimator = make_estimator(config, signs=inputs.feature_signs)
    features, spec = inputs.features, walk_forward_spec(config)
    rows = []
    for start in refit_starts(features, spec):
        train = features.iloc[:start]
        train = train[train.notna().any(axis=1)].iloc[-spec.window :]
        model = clone(estimator).fit(train)
        rows.append(
            {
                "date": features.index[start],
                "mean_bull": model.means_[0, 0],
                "mean_bear": model.means_[1, 0],
                "sd_bull": float(np.sqrt(model.covars_[0, 0, 0])),
                "sd_bear": float(np.sqrt(model.covars_[1, 0, 0])),
            }
        )
    return pd.DataFrame(rows).set_index("date")


# -- the report ------------------------------------------------------------------------------


def collect(runs_dir: Path, columns: Mapping[str, tuple[str, str]]) -> dict[str, dict]:
    """Figures per column label."""
    cache: dict[str, Mapping[str, pd.DataFrame]] = {}
    out = {}
    for label, (name, strategy) in columns.items():
        if name not in cache:
            cache[name] = read_run(runs_dir / name)
        out[label] = strategy_figures(cache[name], strategy, timed=strategy == TIMING)
    return out


def run_period(runs_dir: Path) -> tuple[str, str, int]:
    returns = pd.read_csv(runs_dir / "jm_d1" / "returns.csv", index_col="date")
    return str(returns.index[0]), str(returns.index[-1]), len(returns)


def _episodes_text(runs_dir: Path) -> str:
    runs = {
        label: (read_run(runs_dir / name), strategy)
        for label, (name, strategy) in {
            "JM d=1": COLUMNS["JM d=1"],
            "HMM d=1": COLUMNS["HMM d=1"],
        }.items()
    }
    per_model = {label: episode_lags(run, strategy) for label, (run, strategy) in runs.items()}
    first = next(iter(per_model.values()))
    rows = []
    for i, episode in enumerate(first):
        row = [
            f"{episode['peak']:%Y-%m-%d}",
            f"{episode['trough']:%Y-%m-%d}",
            f"{100 * episode['depth']:.1f}%",
            f"{episode['days']}",
        ]
        for lags in per_model.values():
            exit_, back = lags[i]["exit"], lags[i]["reentry"]
            row.append(
                "not out" if exit_ is None else f"{exit_} / {'never' if back is None else back}"
            )
        rows.append(row)
    return table(
        rows, ["peak", "trough", "SPY fall", "days", *(f"{k}: exit / re-entry" for k in per_model)]
    )


def _naming_text(naming: pd.DataFrame | None) -> str:
    if naming is None or naming.empty:
        return "(Not computed in this regeneration: run without `--report-only`.)"
    disagree = int((naming["sd_bull"] > naming["sd_bear"]).sum())
    return (
        f"At {len(naming) - disagree} of the {len(naming)} monthly refits of the delay-1 HMM "
        f"the state named bear (the lower mean) is also the more volatile one (standard "
        f"deviation {naming['sd_bear'].median():.2f} against {naming['sd_bull'].median():.2f} "
        f"of the standardised return, medians over the refits), so naming by volatility, as "
        f"the paper does, would have named the states the same way at "
        f"{'every refit' if disagree == 0 else f'all but {disagree} refits'}."
    )


def render(
    runs_dir: Path, penalties: Mapping[int, pd.DataFrame], naming: pd.DataFrame | None = None
) -> str:
    """The whole of docs/replication.md."""
    ours = collect(runs_dir, COLUMNS)
    investigation = collect(runs_dir, INVESTIGATION)
    start, end, n_days = run_period(runs_dir)
    table4 = {c: PAPER_TABLE4[c] for c in ("B&H", "HMM d=1", "JM d=1")}
    significance = _significance_text(runs_dir)
    text = TEMPLATE.format(
        summary=_summary(ours),
        covid=_covid_text(runs_dir),
        versus=_versus(runs_dir),
        features=_compare(runs_dir, "HMM3", "JM", "the jump model"),
        fixed=_compare(runs_dir, "JM50", "JM", "the cross-validated model"),
        hmm_turnover=format_value(ours["HMM d=1"]["turnover"], "pct"),
        significance=significance[0],
        significance_table=significance[1],
        start=start,
        end=end,
        n_days=n_days,
        years=n_days / PERIODS_PER_YEAR,
        depth=f"{100 * EPISODE_DEPTH:.0f}%",
        n_episodes=f"{ours['B&H']['n_episodes']:.0f}",
        table4=paper_vs_ours(
            table4,
            ours,
            [
                "cagr",
                "volatility",
                "sharpe",
                "max_drawdown",
                "calmar",
                "expected_shortfall",
                "turnover",
                "leverage",
                "bear_share",
                "shifts",
            ],
        ),
        table5=paper_vs_ours(PAPER_TABLE5, ours, ["cagr", "sharpe", "calmar"]),
        ours=figures_table(ours, list(METRICS)),
        investigation=figures_table(investigation, list(METRICS)),
        investigation_delays=figures_table(
            collect(runs_dir, INVESTIGATION_DELAYS), INVESTIGATION_METRICS
        ),
        penalties=_penalty_text(penalties),
        verdict=_verdict(ours),
        episodes=_episodes_text(runs_dir),
        naming=_naming_text(naming),
    )
    return text


def _verdict(ours: Mapping[str, Mapping[str, float]]) -> str:
    lines = []
    for d in DELAYS:
        jm, hmm = ours[f"JM d={d}"], ours[f"HMM d={d}"]
        turnover = "lower" if jm["turnover"] < hmm["turnover"] else "higher"
        drawdown = "shallower" if jm["max_drawdown"] > hmm["max_drawdown"] else "deeper"
        lines.append(
            f"* delay {d}: the JM's turnover is {turnover} than the HMM's "
            f"({format_value(jm['turnover'], 'pct')} vs "
            f"{format_value(hmm['turnover'], 'pct')}) and its maximum drawdown "
            f"{drawdown} ({format_value(jm['max_drawdown'], 'pct')} vs "
            f"{format_value(hmm['max_drawdown'], 'pct')})."
        )
    return "\n".join(lines)


def _penalty_text(penalties: Mapping[int, pd.DataFrame]) -> str:
    if 1 not in penalties:
        return "(Not computed in this regeneration: run without `--report-only`.)"
    grid = sorted({p for frame in penalties.values() for p in frame["penalty"].unique()})
    chosen = table(
        [
            [f"{p:g}"]
            + [
                f"{int((penalties[d]['penalty'] == p).sum())}" if d in penalties else "n/a"
                for d in DELAYS
            ]
            for p in grid
        ],
        ["penalty", *(f"refits chosen, d={d}" for d in DELAYS)],
    )
    first = penalties[1]
    sharpes = first.filter(like="sharpe_")
    spread = sharpes.max(axis=1) - sharpes.min(axis=1)
    from backtests import load_config

    params = load_config(CONFIG).regimes.params["jump_cv"]
    years = params["validation_days"] / PERIODS_PER_YEAR
    candidates = sorted(params["penalties"])
    ends = first["penalty"].isin([*candidates[:2], candidates[-1]]).mean()
    agree = int((first["bear_mean_return"] < first["bull_mean_return"]).sum())
    naming = (
        f"State naming: at {agree} of the {len(first)} delay-1 refits the state our rule "
        "names bear (higher downside deviation, lower Sortino ratios) also has the lower "
        "mean excess return over the final model's 3,000 training rows (on its in-sample "
        "path), so the paper's rule (bull = higher cumulative return) would name the "
        f"states the same way{'' if agree == len(first) else ' at those refits'}."
    )
    by_year = (
        first["penalty"].groupby(first.index.year).agg(lambda s: ", ".join(f"{v:g}" for v in s))
    )
    months = table(
        [[str(y), v] for y, v in by_year.items()],
        ["year", "penalties chosen at delay 1, month by month"],
    )
    return (
        f"{chosen}\n\nAt delay 1 the spread between the best and the worst candidate's "
        f"validation Sharpe ratio has a median of {spread.median():.2f} (quartiles "
        f"{spread.quantile(0.25):.2f} and {spread.quantile(0.75):.2f}) over the "
        f"{len(first)} refits. The standard error of one Sharpe ratio measured over "
        f"{years:.0f} years is about {1 / np.sqrt(years):.2f}, so the ranking of the "
        f"candidates is mostly noise; {100 * ends:.0f} % of the choices are one of the two "
        f"smallest candidates or the largest."
        f"\n\n{naming}\n\n{months}"
    )


def _first_after(series: pd.Series, start: str, condition) -> str:
    after = series.loc[start:]
    hits = after[condition(after)]
    return f"{hits.index[0]:%Y-%m-%d}" if len(hits) else "never"


def _covid_text(runs_dir: Path) -> str:
    """How each timing run went through the 2020 crash (peak 2020-02-19, trough 2020-03-23)."""
    peak, trough = "2020-02-19", "2020-03-23"
    rows = []
    for model, run in (
        ("JM-CV", "jm"),
        ("JM pen. 50", "jm_fixed50"),
        ("HMM", "hmm"),
        ("HMM, JM features", "hmm_jm_features"),
    ):
        for d in DELAYS:
            name = f"{run}_d{d}"
            data = read_run(runs_dir / name)
            labels, weight = data["regimes"]["regime"], data[f"weights/{TIMING}"][ASSET]
            # Returns of the fall: from the day after the peak to the trough, earned by the
            # weight held at the previous close.
            held = weight.shift(1).loc[peak:trough].iloc[1:]
            path = runs_dir / f"penalties_{name}.csv"
            penalty = "50" if run == "jm_fixed50" else "-"
            if path.is_file():
                chosen = pd.read_csv(path, index_col="date", parse_dates=["date"])["penalty"]
                since = chosen.index[chosen.index <= pd.Timestamp(peak)][-1]
                penalty = " > ".join(f"{v:g}" for v in chosen.loc[since:trough])
            out = _first_after(weight, peak, lambda s: s <= 1e-9)
            back = (
                "never"
                if out == "never"
                else _first_after(weight, max(out, trough), lambda s: s >= 0.5)
            )
            rows.append(
                [
                    f"{model} d={d}",
                    penalty,
                    _first_after(labels, peak, lambda s: s == "scarce"),
                    out,
                    f"{int((held <= 1e-9).sum())} of {len(held)}",
                    back,
                ]
            )
    return table(
        rows,
        [
            "run",
            "penalties in force",
            f"first bear label from {peak}",
            "first close out of SPY",
            "days of the fall out of SPY",
            "back in SPY (after the trough and the exit)",
        ],
    )


def _significance_text(runs_dir: Path) -> tuple[str, str]:
    """The engine's block-bootstrap interval of each timing run's Sharpe minus buy-and-hold's."""
    rows, inside = [], True
    for label, (name, strategy) in COLUMNS.items():
        if strategy != TIMING:
            continue
        metrics = json.loads((runs_dir / name / "metrics.json").read_text(encoding="utf-8"))
        block = metrics["significance"]["strategies"][strategy]["sharpe_difference_vs_benchmark"]
        rows.append(
            [label, f"{block['estimate']:+.2f}", f"{block['low']:+.2f} to {block['high']:+.2f}"]
        )
        inside = inside and block["low"] <= 0.0 <= block["high"]
    verdict = (
        "no timing run's Sharpe ratio differs from buy-and-hold's by more than its sampling error"
        if inside
        else "the 95 % interval of at least one run excludes zero"
    )
    return verdict, table(
        rows, ["run", "Sharpe minus buy-and-hold's (from metrics.json)", "95 % interval"]
    )


def _compare(runs_dir: Path, label: str, other: str, other_name: str) -> str:
    """Turnover, MDD and Sharpe of two settings at every delay, as a sentence."""
    names = {"JM": "jm", "HMM": "hmm", "HMM3": "hmm_jm_features", "JM50": "jm_fixed50"}
    figures = collect(
        runs_dir,
        {f"{key} d={d}": (f"{names[key]}_d{d}", TIMING) for key in (label, other) for d in DELAYS},
    )

    def by_delay(key: str, metric: str, kind: str) -> str:
        return ", ".join(format_value(figures[f"{key} d={d}"][metric], kind) for d in DELAYS)

    wins = [
        figures[f"{label} d={d}"]["sharpe"] > figures[f"{other} d={d}"]["sharpe"] for d in DELAYS
    ]
    verdict = (
        "higher at every delay"
        if all(wins)
        else "lower at every delay"
        if not any(wins)
        else "higher at some delays and lower at others"
    )
    return (
        f"a turnover of {by_delay(label, 'turnover', 'pct')} a year at delays 1, 5 and 10 "
        f"({other_name}: {by_delay(other, 'turnover', 'pct')}), maximum drawdowns of "
        f"{by_delay(label, 'max_drawdown', 'pct')} ({other_name}: "
        f"{by_delay(other, 'max_drawdown', 'pct')}) and Sharpe ratios of "
        f"{by_delay(label, 'sharpe', 'ratio')} ({other_name}: "
        f"{by_delay(other, 'sharpe', 'ratio')}): Sharpe ratios {verdict} than "
        f"{other_name}'s."
    )


def _versus(runs_dir: Path) -> str:
    """The summary's JM-vs-HMM sentence, from the figures."""
    figures = collect(
        runs_dir,
        {
            f"{key} d={d}": (f"{run}_d{d}", TIMING)
            for d in DELAYS
            for key, run in (("JM", "jm"), ("HMM", "hmm"), ("HMM3", "hmm_jm_features"))
        },
    )

    def delays(a: str, b: str, metric: str) -> list[int]:
        """Delays at which ``a`` is better than ``b`` (less turnover, shallower drawdown)."""
        sign = -1.0 if metric == "turnover" else 1.0
        return [
            d
            for d in DELAYS
            if sign * figures[f"{a} d={d}"][metric] > sign * figures[f"{b} d={d}"][metric]
        ]

    def spell(found: list[int]) -> str:
        if len(found) == len(DELAYS):
            return "at every delay"
        if not found:
            return "at no delay"
        return f"only at delay{'s' if len(found) > 1 else ''} {' and '.join(map(str, found))}"

    return (
        f"the jump model trades less than the HMM {spell(delays('JM', 'HMM', 'turnover'))} "
        f"and has the shallower maximum drawdown "
        f"{spell(delays('JM', 'HMM', 'max_drawdown'))}. An HMM given the jump model's three "
        f"features instead of daily returns trades less than the jump model "
        f"{spell(delays('HMM3', 'JM', 'turnover'))} and has the shallower drawdown "
        f"{spell(delays('HMM3', 'JM', 'max_drawdown'))}: the paper's comparison (returns "
        f"for the HMM, smoothed features for the jump model) credits the model with much of "
        f"what the features do."
    )


def _summary(ours: Mapping[str, Mapping[str, float]]) -> str:
    bh = ours["B&H"]
    lines = []
    for model in ("JM", "HMM"):
        cells = [ours[f"{model} d={d}"] for d in DELAYS]
        sharpe = ", ".join(format_value(c["sharpe"], "ratio") for c in cells)
        mdd = ", ".join(format_value(c["max_drawdown"], "pct") for c in cells)
        turnover = ", ".join(format_value(c["turnover"], "pct") for c in cells)
        lines.append(
            f"* **{model}** at delays 1, 5, 10: Sharpe {sharpe}; MDD {mdd}; turnover {turnover}."
        )
    lines.append(
        f"* **Buy-and-hold SPY**: Sharpe {format_value(bh['sharpe'], 'ratio')}, "
        f"MDD {format_value(bh['max_drawdown'], 'pct')}, return "
        f"{format_value(bh['cagr'], 'pct')} a year."
    )
    ratio = np.mean(
        [ours[f"HMM d={d}"]["turnover"] / ours[f"JM d={d}"]["turnover"] for d in DELAYS]
    )
    cut = min(
        1 - ours[f"{m} d={d}"]["max_drawdown"] / bh["max_drawdown"]
        for m in ("JM", "HMM")
        for d in DELAYS
    )
    lines.append(
        f"* **What replicates**: the jump model trades {ratio:.1f} times less than the "
        f"HMM (mean over the delays), and every timing run cuts buy-and-hold's maximum "
        f"drawdown by at least {100 * cut:.0f} %."
    )
    return "\n".join(lines)


TEMPLATE = """# Replication: Shu, Yu & Mulvey (2024), statistical jump model vs HMM

*Generated by `python bench/replication.py` from the run directories of
`configs/replicate_shu_yu_mulvey_2024.toml`; do not edit by hand.
`tests/backtests/test_replication.py` reruns the delay-1 runs and recomputes
the figures of "Our figures at every delay" from their CSV files.*

Paper: Shu, Yu & Mulvey, "Downside Risk Reduction Using Regime-Switching
Signals: A Statistical Jump Model Approach", J. Asset Management 25(5),
493-507 (2024); arXiv:2402.05272v3. Published numbers are copied from the
paper's Table 4 (p. 15, delay 1) and Table 5 (delays 1, 5 and 10), S&P 500
rows only: we do not replicate the DAX or the Nikkei 225.

## Summary

Out of sample, {start} to {end}, 10 bp one-way:

{summary}
* **What does not**: the paper's headline, a Sharpe ratio well above
  buy-and-hold's (0.68 against 0.48) that survives delays of 5 and 10 days.
  Over our period {significance} (the engine's stationary block bootstrap,
  21-day blocks, 1,000 resamples; table below).
* **Jump model vs HMM**: {versus} Details and causes in "Jump model vs HMM"
  below.

{significance_table}

## What was run

* **Period: {start} to {end}** ({n_days} trading days, {years:.1f} years), out of
  sample. The paper tests 1990-2023. Our cash asset, the BIL fund, starts on
  2007-05-30, so the backtest cannot start earlier; it ends where the paper's
  sample ends.
* **Asset**: SPY, the ETF's split- and dividend-adjusted close (total return
  after its 0.09 % a year expense ratio), not the S&P 500 total-return index
  from Bloomberg. **Cash**: the BIL fund's total return, not the 3-month T-bill
  yield from GFD. Buy-and-hold pays one 10 bp purchase; the paper's pays nothing.
* **Features** (JM only): the paper's three (Table 2), EWM downside deviation
  with a 10-day halflife and EWM Sortino ratios with 20- and 60-day halflives
  (same halflife above and below), of SPY's daily simple excess return over BIL
  where it exists and over the daily Fed funds rate (DFF / 100 / 252) before
  2007-05-31. Standardised causally by an expanding z-score (from 252 rows,
  clipped at 5); the paper standardises on each training window.
* **Jump model**: two states, loss 0.5 x squared distance (as the authors'
  `jumpmodels` library), 10 k-means++ starts, no sign constraint. States are
  named by the features' signs (the bear state has the higher downside
  deviation and the lower Sortino ratios); see "The penalties chosen" for how
  often this agrees with the paper's rule (bull = higher cumulative return).
* **Penalty by time-series cross-validation** (`regimes/selection.py`), at every
  monthly refit (every 21 trading days): for each candidate, jump models
  refitted every 126 rows (six months) on up to 3,000 rows each label the
  last 1,260 rows (5 years) online; the 0/1 strategy on those labels, with the
  run's delay and 10 bp one-way, is scored by its Sharpe ratio; the best
  candidate (ties to the larger penalty) is fitted on the last 3,000 rows and
  labels the next month online. **Grid: 5, 15, 35, 50, 70, 100, 150.** The
  paper (v3) does not state its grid: these are the positive values of its
  Table 3 plus the 50 and 100 it calls typical. 0 (k-means) is left out: it
  switches about 10 times a year (Table 3), which the cost alone condemns.
* **Windows**: the paper trains on 3,000 days and validates on 8 years,
  about 5,000 rows before its first out-of-sample day. We have 3,300 rows of
  standardised features before 2007-06-01 (from 1994-04-22; SPY starts in
  1993), so we validate on 5 years, and the validation blocks that start
  before 2006-03 train on 2,000 to 3,000 rows. `walk_forward.min_train` =
  3,260: the first label is on 2007-04-04.
* **HMM**: two Gaussian states on SPY's daily excess return (the paper: daily
  log total returns), each with its own variance, maximum-likelihood
  transitions, 10 initialisations, refitted monthly on a rolling 3,000-day
  window (the paper: daily), online label = the forward filter's most likely
  state (the paper: the last Viterbi state), **no smoothing** (the paper
  chooses the length k of a median filter by the same cross-validation; we
  do not). {naming}
* **Strategy**: 100 % SPY when the label is bull (abundant), 100 % BIL when
  bear (scarce); the weight chosen at the close of t fills at the close of
  t + d (`execution.lag_days` = d, so the first return earned on the new
  weight is that of day t + d + 1: the paper's delay d). 10 bp per one-way
  trade on SPY, BIL free.

## Table 4 (delay 1): the paper's figures and ours

Paper: 1990-2023, S&P 500 index. Ours: {start} to {end}, SPY.

{table4}

## Table 5 (delays 1, 5 and 10): Return, Sharpe and Calmar

The paper reports only these three at delays 5 and 10.

{table5}

## Our figures at every delay

Buy-and-hold is the delay-1 run's (at delays 5 and 10 it waits 5 or 10 days
for its first fill).

{ours}

### Definitions

* Return: compound annual growth rate of the strategy's daily returns after
  costs (what cash earns included). Volatility: their annualised standard
  deviation. Sharpe: mean over standard deviation of the daily return in
  excess of BIL's, annualised with 252 days. MDD: the deepest fall of the
  compounded curve below its running peak. Calmar: the annualised mean
  excess return over |MDD| (the paper's definition). ES 5 %: the mean of the
  worst 5 % of daily returns.
* Turnover: the paper's, half the sum of |daily change of the SPY weight|
  per year, not counting the initial purchase (0.5 = one switch a year, 1.0 =
  one round trip a year; the paper's 44 % is 30 switches in 34 years).
  `metrics.json`'s `turnover` counts the SPY and the BIL leg and so is twice
  this. Leverage: the mean SPY weight.
* Bear share and regime shifts: of the run's causal labels (`regimes.csv`)
  over the period; the paper's (Figures 5 and 6 titles) cover 1990-2023.
* **Detection lag (ours; the paper defines none).** The market episodes are
  SPY's falls of at least {depth} (total return): from the highest close since
  the last episode ended to the lowest close before a rise of {depth} from it
  ({n_episodes} in our period, listed below; the 2008 bear market counts three
  times, because two rallies of more than {depth} interrupted it). Exit lag:
  trading days from the peak to the first close at or after it at which the
  strategy holds no SPY (so it includes the trading delay; 0 if it was
  already out), median over the episodes it exited before the trough; the
  next row counts those episodes. Re-entry lag: trading days from the trough
  to the first close at which it holds SPY again, median over the same
  episodes. The paper quotes Nystrup et al.'s 25 calendar days and reports
  about half a month of latency around COVID-19 for a fixed penalty of 50;
  neither is comparable.

## The episodes (delay 1)

Trading days from the peak to the first close out of SPY, and from the trough
to the first close back in it ("not out": still invested at the trough).

{episodes}

## Jump model vs HMM: turnover and drawdown

{verdict}

Each maximum drawdown is set by one episode. Around COVID-19 (SPY peaked on
2020-02-19 and bottomed on 2020-03-23, 23 trading days later; "penalties in
force" lists the choice of every refit from the last one before the peak to
the trough):

{covid}

What we found, in the order the brief suggested looking:

1. **The drawdown is one episode, COVID-19.** A run that held SPY through
   most of the fall took the crash, and the crash is its MDD. The HMM on
   daily returns reacts to the first days of high volatility. The jump
   model's features are EWM averages (halflives 10 to 60 days), and its label
   waits until the evidence for the bear state has outweighed the penalty.
   The penalty is chosen per delay: a switch that fills 5 or 10 days late
   earns less of the move it detected and pays the same cost, so the
   validation can prefer a slower model at the longer delays, and the
   penalties in force in the table are what it chose. A slow model that
   turns bear late and then trades with a delay sells after the trough. With
   23 trading days from peak to trough, a delay of 10 leaves 12 days to
   detect the crash.
2. **The features, not the jump penalty, make the jump model persistent.**
   The HMM given the jump model's three features instead of daily returns
   has {features} The HMM on daily returns trades
   {hmm_turnover} a year. In the paper, as here, the HMM sees daily returns
   and the jump model smoothed features, so "JM vs HMM" compares feature
   sets as much as models.
3. **State ordering** is not the cause: see the HMM bullet of "What was run"
   and the naming line of "The penalties chosen".
4. **Standardisation window**: z-scores over a rolling 3,000 days instead of
   an expanding window made the jump model worse, not better (investigation).
5. **Penalty grid and selection**: the fixed penalty of 50 (no
   cross-validation) has {fixed} A 2,000-day training
   window instead of 3,000 leaves the model out of the market from 2018 to
   mid-2021 (bear share in the investigation table): trained on 2010-2018
   alone, with no crash in the window, the persistent models split calm
   from normal markets instead of bull from bear.

## Investigation

One setting changed at a time, to see what drives the result (delay 1):

{investigation}

The same at delays 5 and 10, for the two settings that matter most (the
penalty's selection and the HMM's features):

{investigation_delays}

## The penalties chosen

{penalties}

## Why our figures differ from the paper's

1. **The period** matters most. 2007-2023 holds fast falls with V-shaped
   recoveries (2010, 2011, 2018, 2020) beside the 2008-09 and 2022 bear
   markets; 1990-2023 adds the slow 2000-2002 decline, where a persistent
   filter earns the most. A 0/1 rule that needs days to exit and months to
   re-enter (the re-entry lags above) gives up every V-shaped rebound. And
   16.6 years hold too few episodes for differences of a few hundredths of
   Sharpe, or a few points of MDD, between two timing rules to mean anything.
2. **The data**: SPY and BIL are funds (expense ratios about 0.09 % and
   0.14 % a year) where the paper has the index and bill yields, and DFF
   stands in for bill yields in the pre-2007 feature history: tenths of a
   percent a year, small beside the differences between periods.
3. **The windows**: 5 years of validation instead of 8, and fewer than 3,000
   training rows in the first validation blocks; with candidates this close,
   a shorter validation makes the chosen penalty noisier.
4. **The penalty grid** is ours (the paper's is unstated); **standardisation**
   is an expanding z-score (the paper's is unstated); the investigation
   varies both.
5. **The HMM** is not smoothed (the paper cross-validates a median filter),
   sees simple excess returns rather than log total returns, is refitted
   monthly rather than daily and labels by the forward filter rather than
   the last Viterbi state: it switches far more often than the paper's (96
   shifts in 34 years), so its turnover is not the paper's HMM's.
6. **Turnover** is the paper's definition (half the traded fraction of the
   risky weight); `metrics.json` counts both legs of a switch, twice this.
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs-dir", type=Path, default=RUNS_DIR)
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="regenerate the doc from existing run directories",
    )
    parser.add_argument(
        "--only",
        nargs="*",
        default=None,
        metavar="RUN",
        help=f"run only these ({', '.join(RUNS)}, penalties, naming)",
    )
    args = parser.parse_args(argv)
    runs_dir = args.runs_dir.resolve()
    naming_csv = runs_dir / "naming_hmm_d1.csv"
    if not args.report_only:
        for name in [n for n in (args.only if args.only is not None else RUNS) if n in RUNS]:
            seconds = run_config(name, runs_dir)
            print(f"{name}: {seconds:.0f} s", flush=True)
        if args.only is None or "penalties" in args.only:
            for delay in DELAYS:
                penalty_path(runs_dir, delay).to_csv(runs_dir / f"penalties_jm_d{delay}.csv")
        if args.only is None or "naming" in args.only:
            hmm_naming(runs_dir).to_csv(naming_csv)

    def read(path: Path) -> pd.DataFrame:
        return pd.read_csv(path, index_col="date", parse_dates=["date"])

    penalties = {
        d: read(runs_dir / f"penalties_jm_d{d}.csv")
        for d in DELAYS
        if (runs_dir / f"penalties_jm_d{d}.csv").is_file()
    }
    naming = read(naming_csv) if naming_csv.is_file() else None
    DOC.write_text(render(runs_dir, penalties, naming), encoding="utf-8")
    print(json.dumps({"doc": str(DOC), "runs": str(runs_dir)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
