"""Shared helpers of the test suite: short runs written to disk, and an independent oracle.

Short runs
    :func:`write_run` runs a config through :func:`backtests.run` and
    :func:`backtests.artifacts.save_run` (what ``regime-bt run --no-tearsheets``
    does before the dashboard) into a fresh run directory. :data:`SHORT` and
    :data:`CHEAP` make the synthetic world small: an eight-year backtest with
    four years of feature history, the sweep off, fewer placebo paths and
    bootstrap samples, the label-stability refits off. Same code paths, a
    fraction of the time.

The oracle
    :class:`RunDirectory` reads a run directory's files (and nothing else);
    the ``assert_*`` functions recompute what ``metrics.json`` reports from
    those files with plain pandas and NumPy written here, never with the
    project's own functions, and compare. They are shared by the synthetic
    short run (``tests/backtests/test_research_numbers.py``) and the curated
    real snapshot (``tests/backtests/test_real_run.py``).

The conventions the oracle encodes (README, ``backtests/metrics.py``):

* the risk-free return of a day is the cash fund's daily simple return, the
  fund's close carried forward over a gap, 0 on the first day;
* Sharpe = ``mean(e) / std(e, ddof=1) * sqrt(252)`` and Sortino =
  ``mean(e) / sqrt(mean(min(e, 0)^2)) * sqrt(252)`` of the excess returns ``e``;
* a day's return is attributed to the label known at the previous close
  (``regimes.csv`` shifted by one day; README, "The run directory");
* exposure is the share of capital held outside the cash fund;
* per-regime drawdowns are measured inside each contiguous spell;
* the research sections (``edge``, ``significance``) drop the first row of
  ``returns.csv``: it is the start, where nothing was earned yet.
"""

from __future__ import annotations

import json
import re
import tomllib
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

#: Trading days per year, written out: the oracle does not import the project's constant.
YEAR = 252
REGIMES = ("abundant", "scarce")

#: An eight-year backtest on the synthetic world, with four years of feature history.
SHORT = ["data.start=2005-01-03", "data.end=2012-12-31", "features.history_start=2001-01-02"]
#: Lighter research sections: the same code paths, seconds instead of minutes.
CHEAP = [
    "sweep.enabled=false",
    "analysis.bootstrap_samples=200",
    "analysis.stability=false",
    "strategies.random_regimes.n_paths=40",
]


def set_args(overrides) -> list[str]:
    """``["a=1", "b=2"]`` -> ``["--set", "a=1", "--set", "b=2"]`` (CLI arguments)."""
    return [arg for override in overrides for arg in ("--set", override)]


def write_run(destination: Path, config: Path | None = None, overrides=()) -> Path:
    """Run ``config`` (default: the built-in synthetic one) and write its run directory.

    Parameters
    ----------
    destination : Path
        The run directory to create (written atomically, as the CLI does).
    config : Path, optional
        A TOML config file.
    overrides : sequence of str
        ``--set`` style overrides.

    Returns
    -------
    Path
        ``destination``.
    """
    from backtests import load_config, run
    from backtests.artifacts import save_run
    from data.atomic import atomic_directory

    result = run(load_config(config, list(overrides)))
    with atomic_directory(Path(destination)) as staging:
        save_run(result, staging)
    return Path(destination)


def write_short_run(destination: Path, overrides=()) -> Path:
    """The synthetic world on :data:`SHORT` and :data:`CHEAP` (plus ``overrides``)."""
    return write_run(destination, None, [*SHORT, *CHEAP, *overrides])


# -- reading a run directory ------------------------------------------------------------------


def _dated(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path)
    frame["date"] = pd.to_datetime(frame["date"], format="%Y-%m-%d")
    return frame.set_index("date")


class RunDirectory:
    """The files of one run directory, read with plain pandas."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._weights: dict[str, pd.DataFrame] = {}

    @cached_property
    def metrics(self) -> dict:
        return json.loads((self.root / "metrics.json").read_text(encoding="utf-8"))

    @cached_property
    def config(self) -> dict:
        return tomllib.loads((self.root / "config.toml").read_text(encoding="utf-8"))

    @cached_property
    def returns(self) -> pd.DataFrame:
        return _dated(self.root / "returns.csv")

    @cached_property
    def labels(self) -> pd.Series:
        """The walk-forward label of each close (``regimes.csv``)."""
        return _dated(self.root / "regimes.csv")["regime"]

    @cached_property
    def known(self) -> pd.Series:
        """The label each day's return was earned under: the one known at the previous close."""
        return self.labels.shift(1)

    @cached_property
    def prices(self) -> pd.DataFrame:
        return _dated(self.root / "inputs" / "prices.csv")

    @cached_property
    def cash(self) -> str:
        return self.config["universe"]["cash"]

    @cached_property
    def rf(self) -> pd.Series:
        """The cash fund's daily return: its close carried over gaps; 0 on the first day."""
        fund = self.prices[self.cash].ffill()
        return (fund / fund.shift(1) - 1.0).fillna(0.0).reindex(self.returns.index)

    def weights(self, name: str) -> pd.DataFrame:
        """Weights held at each close (``weights/<name>.csv``)."""
        if name not in self._weights:
            self._weights[name] = _dated(self.root / "weights" / f"{name}.csv")
        return self._weights[name]

    @cached_property
    def truth(self) -> pd.Series | None:
        path = self.root / "inputs" / "true_regimes.csv"
        return _dated(path)["regime"] if path.is_file() else None

    @cached_property
    def hindsight(self) -> pd.Series:
        return _dated(self.root / "in_sample_regimes.csv")["regime"]

    @cached_property
    def bounds(self) -> pd.DataFrame:
        return _dated(self.root / "bounds.csv")

    @cached_property
    def placebos(self) -> pd.DataFrame:
        return pd.read_csv(self.root / "placebos.csv")

    @cached_property
    def rotation(self) -> str:
        """The compared rotation: the first ``regime_rotation`` in the config."""
        return next(
            n for n, t in self.config["strategies"].items() if t["kind"] == "regime_rotation"
        )

    def role(self, name: str) -> str:
        return self.metrics["strategies"][name]["role"]


# -- plain pandas / NumPy oracle ---------------------------------------------------------------


def sharpe(returns: pd.Series, rf: pd.Series) -> float:
    excess = (returns - rf.reindex(returns.index)).to_numpy(dtype=float)
    return float(excess.mean() / excess.std(ddof=1) * np.sqrt(YEAR))


def sortino(returns: pd.Series, rf: pd.Series) -> float:
    excess = (returns - rf.reindex(returns.index)).to_numpy(dtype=float)
    downside = np.sqrt(np.mean(np.minimum(excess, 0.0) ** 2))
    return float(excess.mean() / downside * np.sqrt(YEAR))


def growth(returns: pd.Series) -> float:
    """Compounded growth of 1."""
    return float((1.0 + returns).prod())


def cagr(returns: pd.Series) -> float:
    return growth(returns) ** (YEAR / len(returns)) - 1.0


def drawdown(returns: pd.Series) -> float:
    """Worst fall of the compounded curve from its running peak (starting at 1)."""
    wealth = (1.0 + returns).cumprod()
    peak = wealth.cummax().clip(lower=1.0)
    return float((wealth / peak - 1.0).min())


def spells(returns: pd.Series, known: pd.Series, regime: str) -> list[pd.Series]:
    """The returns of each contiguous spell of ``regime`` (by the label known the day before)."""
    inside = known.reindex(returns.index) == regime
    spell_id = (inside != inside.shift(1)).cumsum()
    return [part for _, part in returns[inside].groupby(spell_id[inside])]


def research_days(returns: pd.DataFrame) -> pd.DataFrame:
    """``returns.csv`` without its first row (the start), as the research sections read it."""
    return returns.iloc[1:]


def rotation_targets(
    prices: pd.DataFrame, labels: pd.Series, baskets: dict, table: dict
) -> pd.DataFrame:
    """The rotation's rule: equal weight among the listed members of the regime's basket."""
    unsupported = set(table) - {"kind", "abundant_basket", "scarce_basket"}
    assert not unsupported, f"the oracle only knows the plain rotation, not {unsupported}"
    listed = prices.notna()
    labels = labels.reindex(prices.index)
    targets = pd.DataFrame(0.0, index=prices.index, columns=prices.columns)
    for regime in REGIMES:
        members = baskets[
            table.get(f"{regime}_basket", "speculative" if regime == "abundant" else "cash_flow")
        ]
        count = listed[members].sum(axis=1)
        on = (labels == regime) & (count > 0)
        for ticker in members:
            targets.loc[on, ticker] = listed.loc[on, ticker] / count[on]
    return targets


def trade(run: RunDirectory, targets: pd.DataFrame, labels: pd.Series) -> pd.Series:
    """Daily returns of ``targets`` traded as the run trades, in a plain Python loop.

    The run's rules (``config.toml``; README "Timing"): orders on the first
    day, the first trading day of each month, label changes and changes of
    the listed set; each fills ``lag_days`` later at the close, as a target
    percent of the value at that close, sells first then the smaller buys; a
    buy pays slippage and then the fee on top, and is cut to the cash left;
    un-invested weight sits in the cash fund; a ticker whose history ended
    is valued at its last close and sold.
    """
    config = run.config
    assert config["rebalance"]["frequency"] == "monthly", "the oracle knows the monthly rule"
    assert config["rebalance"]["on_regime_change"] is True
    assert config["execution"].get("cash_in_fund", True) is True
    tickers = list(run.prices.columns)
    costs = config["costs"]
    per_asset = costs.get("per_asset", {})
    fee = np.array([per_asset.get(t, {}).get("fee_bps", costs["fee_bps"]) for t in tickers]) / 1e4
    slip = (
        np.array([per_asset.get(t, {}).get("slippage_bps", costs["slippage_bps"]) for t in tickers])
        / 1e4
    )
    lag = config["execution"]["lag_days"]
    raw = run.prices.to_numpy(dtype=float)
    close = run.prices.ffill().to_numpy(dtype=float)
    weights = targets.reindex(index=run.prices.index, columns=tickers).fillna(0.0).to_numpy()
    weights = np.where(np.isnan(raw) & ~np.isnan(close), 0.0, weights)  # ended: sell
    cash_column = tickers.index(run.cash)
    idle = np.clip(1.0 - weights.sum(axis=1), 0.0, None)
    weights[:, cash_column] += np.where(np.isnan(raw[:, cash_column]), 0.0, idle)
    dates = run.prices.index
    signal = np.zeros(len(dates), dtype=bool)
    signal[0] = True
    month = dates.year * 12 + dates.month
    signal[1:] |= month[1:] != month[:-1]
    label = labels.reindex(dates).astype(object).to_numpy()
    signal[1:] |= label[1:] != label[:-1]
    listed = ~np.isnan(raw)
    signal[1:] |= (listed[1:] != listed[:-1]).any(axis=1)
    shares = np.zeros(len(tickers))
    cash = float(config["execution"]["init_cash"])
    value = np.empty(len(dates))
    for t in range(len(dates)):
        price = close[t]
        held = shares != 0.0
        worth = cash + float((shares[held] * price[held]).sum())
        s = t - lag
        if s >= 0 and signal[s]:
            todo = [
                i
                for i in range(len(tickers))
                if not np.isnan(price[i]) and (weights[s, i] != 0.0 or shares[i] != 0.0)
            ]
            todo.sort(key=lambda i: weights[s, i] * worth - shares[i] * price[i])
            for i in todo:
                size = weights[s, i] * worth / price[i] - shares[i]
                if abs(size) <= 1e-12:
                    continue
                if size > 0:
                    cost = size * price[i] * (1 + slip[i]) * (1 + fee[i])
                    if cost > cash:
                        size, cost = cash / (1 + fee[i]) / (price[i] * (1 + slip[i])), cash
                    cash -= cost
                else:
                    cash += -size * price[i] * (1 - slip[i]) * (1 - fee[i])
                shares[i] += size
            held = shares != 0.0
            worth = cash + float((shares[held] * price[held]).sum())
        value[t] = worth
    return pd.Series(value, index=dates).pct_change().fillna(0.0)


def delayed(labels: pd.Series, days: int) -> pd.Series:
    """Labels ``days`` trading days late; the first days keep the first label."""
    if days <= 0:
        return labels
    late = labels.shift(days)
    late.iloc[:days] = labels.iloc[0]
    return late


def rotation_on(run: RunDirectory, labels: pd.Series) -> pd.Series:
    """The run's rotation traded on other labels (:func:`rotation_targets`, :func:`trade`)."""
    table = run.config["strategies"][run.rotation]
    targets = rotation_targets(run.prices, labels, run.config["universe"]["baskets"], table)
    return trade(run, targets, labels)


# -- the checks --------------------------------------------------------------------------------
# pytest does not rewrite the assertions of this module, so every failure says what it
# compared: the value shown in metrics.json (or the page) and the recomputed one.

#: Relative tolerance of a recomputed metric: float re-association only.
RTOL = 1e-9


def close_to(value: float) -> object:
    """``pytest.approx`` at :data:`RTOL`, for the test modules' own comparisons."""
    return pytest.approx(value, rel=RTOL, abs=1e-12)


def same(shown, expected, *where, tolerance: float | None = None) -> None:
    """``shown`` equals the recomputed ``expected``.

    Exactly, to :data:`RTOL`, or to ``tolerance``.
    """
    if isinstance(expected, float) or tolerance is not None:
        ok = shown == (
            pytest.approx(expected, rel=RTOL, abs=1e-12)
            if tolerance is None
            else pytest.approx(expected, abs=tolerance)
        )
    else:
        ok = shown == expected
    if not ok:
        place = " ".join(str(w) for w in where)
        raise AssertionError(f"{place}: shown {shown!r}, recomputed {expected!r}")


def holds(condition: bool, *where) -> None:
    """An assertion that says where it failed."""
    if not condition:
        raise AssertionError(" ".join(str(w) for w in where))


def by_regime(run: RunDirectory, name: str, known: pd.Series) -> dict[str, dict]:
    """Per-regime numbers of one strategy, each day's return under ``known``'s label."""
    returns = run.returns[name]
    invested = run.weights(name).drop(columns=[run.cash]).sum(axis=1)
    out = {}
    for regime in REGIMES:
        mask = known.reindex(returns.index) == regime
        part = returns[mask]
        drawdowns = [drawdown(spell) for spell in spells(returns, known, regime)]
        out[regime] = {
            "total_return": growth(part) - 1.0,
            "cagr": cagr(part),
            "sharpe": sharpe(part, run.rf),
            "sortino": sortino(part, run.rf),
            "share_of_time": len(part) / len(returns),
            "exposure": float(invested[mask].mean()),
            "spell_drawdown": {
                "worst": min(drawdowns),
                "median": float(np.median(drawdowns)),
                "n_spells": len(drawdowns),
            },
        }
    return out


def assert_by_regime_attribution(run: RunDirectory) -> None:
    """Every strategy's ``by_regime`` returns, under the label known at the previous close."""
    for name, entry in run.metrics["strategies"].items():
        expected = by_regime(run, name, run.known)
        for regime in REGIMES:
            shown = entry["by_regime"][regime]
            for key in ("total_return", "cagr", "sharpe", "sortino", "share_of_time"):
                same(shown[key], expected[regime][key], name, regime, key)


def assert_exposure(run: RunDirectory) -> None:
    """Exposure, overall and per regime, is the share of capital outside the cash fund."""
    for name, entry in run.metrics["strategies"].items():
        weights = run.weights(name)
        invested = weights.drop(columns=[run.cash]).sum(axis=1)
        same(entry["overall"]["exposure"], float(invested.mean()), name, "exposure")
        if (weights[run.cash] > 1e-9).any():
            holds(
                entry["overall"]["exposure"] < 1.0,
                name,
                "holds cash, exposure",
                entry["overall"]["exposure"],
            )
        expected = by_regime(run, name, run.known)
        for regime in REGIMES:
            same(
                entry["by_regime"][regime]["exposure"],
                expected[regime]["exposure"],
                name,
                regime,
                "exposure",
            )


def assert_spell_drawdowns(run: RunDirectory) -> None:
    """Per-regime drawdowns are measured inside each contiguous spell, never stitched."""
    for name, entry in run.metrics["strategies"].items():
        expected = by_regime(run, name, run.known)
        for regime in REGIMES:
            shown = entry["by_regime"][regime]
            spell, want = shown["spell_drawdown"], expected[regime]["spell_drawdown"]
            for key in ("n_spells", "worst", "median"):
                same(spell[key], want[key], name, regime, "spell_drawdown", key)
            same(shown["max_drawdown"], spell["worst"], name, regime, "max_drawdown")


def bound_labels(run: RunDirectory) -> dict[str, pd.Series]:
    """The label path of each ``bounds`` row, from the run's files.

    The reference is the truth where the run has one (the oracle), else the
    full-sample labels (hindsight); its delayed twin is late by
    ``bounds.delay_days``.
    """
    bounds = run.metrics["bounds"]
    reference = "oracle" if run.truth is not None else "hindsight"
    labels = {"walk_forward": run.labels, "hindsight": run.hindsight}
    if run.truth is not None:
        labels["oracle"] = run.truth
    labels[f"{reference}_delayed"] = delayed(labels[reference], int(bounds["delay_days"]))
    return labels


def assert_bound_path(run: RunDirectory, path: str) -> pd.Series:
    """One ``bounds`` row is the rotation re-traded on its labels; returns its daily returns."""
    labels = bound_labels(run)
    same(list(run.bounds.columns), list(labels), "bounds.csv columns")
    same(sorted(run.metrics["bounds"]["paths"]), sorted(labels), "bounds.paths")
    daily = rotation_on(run, labels[path])
    np.testing.assert_allclose(
        run.bounds[path], daily, rtol=0, atol=1e-12, err_msg=f"bounds.csv {path}"
    )
    row = run.metrics["bounds"]["paths"][path]
    same(row["sharpe"], sharpe(daily, run.rf), "bounds", path, "sharpe")
    same(row["cagr"], cagr(daily), "bounds", path, "cagr")
    same(row["max_drawdown"], drawdown(daily), "bounds", path, "max_drawdown")
    return daily


def assert_decomposition(run: RunDirectory) -> None:
    """reference - walk_forward = delay + misclassification, each part from bounds.csv."""
    bounds = run.metrics["bounds"]
    reference = bounds["reference"]
    daily = run.bounds
    for metric, measure in (("sharpe", lambda r: sharpe(r, run.rf)), ("cagr", cagr)):
        ref, late, walk = (
            measure(daily[p]) for p in (reference, f"{reference}_delayed", "walk_forward")
        )
        split = bounds["decomposition"][metric]
        same(split["gap"], ref - walk, "decomposition", metric, "gap")
        same(split["delay"], ref - late, "decomposition", metric, "delay")
        same(split["misclassification"], late - walk, "decomposition", metric, "misclassification")
        same(
            split["delay"] + split["misclassification"],
            split["gap"],
            "decomposition",
            metric,
            "delay + misclassification vs gap",
            tolerance=1e-12,
        )


def assert_bound_rivals(run: RunDirectory) -> None:
    """The no-timing rows: every basket and the blend, from returns.csv."""
    bounds = run.metrics["bounds"]
    kinds = {n: t["kind"] for n, t in run.config["strategies"].items()}
    same(
        sorted(bounds["rivals"]),
        sorted(n for n, k in kinds.items() if k in ("basket", "basket_blend")),
        "bounds.rivals",
    )
    for rival, row in bounds["rivals"].items():
        same(row["sharpe"], sharpe(run.returns[rival], run.rf), "bounds.rivals", rival, "sharpe")
        same(row["cagr"], cagr(run.returns[rival]), "bounds.rivals", rival, "cagr")
        same(
            row["max_drawdown"],
            drawdown(run.returns[rival]),
            "bounds.rivals",
            rival,
            "max_drawdown",
        )


def _numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"[+-]?\d+\.\d+", text)]


#: A number printed with two decimals, against the recomputed one.
TWO_DECIMALS = 0.005 + 1e-9


def _ordinal(number: float) -> str:
    whole = round(number)
    suffix = "th" if 10 <= whole % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(whole % 10, "th")
    return f"{whole}{suffix}"


def best_year(run: RunDirectory, rival: str) -> dict:
    """The calendar year the rotation beat ``rival`` by most, and both Sharpes without it."""
    data = research_days(run.returns)
    years = data.index.year
    gaps = {
        year: growth(data[run.rotation][years == year]) - growth(data[rival][years == year])
        for year in sorted(set(years))
    }
    year = max(gaps, key=gaps.get)
    rest = data[years != year]
    return {
        "year": year,
        "gap": gaps[year],
        "own": sharpe(rest[run.rotation], run.rf),
        "rival": sharpe(rest[rival], run.rf),
    }


def assert_verdict_numbers(run: RunDirectory) -> None:
    """Each verdict sentence quotes numbers recomputed from the CSV files (issue 13, item 5)."""
    metrics = run.metrics
    items = {item["key"]: item for item in metrics["verdict"]}
    rotation = run.rotation
    data = research_days(run.returns)
    config = run.config["strategies"]
    pair = {
        config[rotation].get("abundant_basket", "speculative"),
        config[rotation].get("scarce_basket", "cash_flow"),
    }
    seen = set()

    # The no-timing null: Sharpe difference against the blend and the better basket.
    baskets = [n for n, t in config.items() if t["kind"] == "basket" and t["basket"] in pair]
    better = max(baskets, key=lambda n: sharpe(run.returns[n], run.rf))
    blend = [
        n
        for n, t in config.items()
        if t["kind"] == "basket_blend" and set(t.get("blend", ["cash_flow", "speculative"])) == pair
    ]
    null = metrics["significance"]["null"]
    same(null["strategy"], rotation, "significance.null.strategy")
    expected = {"best_basket": better, **({"basket_blend": blend[0]} if blend else {})}
    same(
        {role: e["name"] for role, e in null["benchmarks"].items()},
        expected,
        "significance.null benchmarks",
    )
    for role, name in expected.items():
        block = null["benchmarks"][role]["sharpe_difference"]
        difference = sharpe(data[rotation], run.rf) - sharpe(data[name], run.rf)
        same(block["estimate"], difference, "null", role, "estimate")
        holds(block["low"] <= block["estimate"] <= block["high"], "null", role, "CI", block)
        text = items[f"null.{role}"]["text"]
        seen.add(f"null.{role}")
        found = re.search(
            r"Sharpe difference ([+-]\d+\.\d\d), 95% CI "
            r"([+-]\d+\.\d\d)\.\.([+-]\d+\.\d\d)\.$",
            text,
        )
        holds(found is not None, "no difference and CI in:", text)
        same(float(found[1]), difference, text, "(difference)", tolerance=TWO_DECIMALS)
        same(float(found[2]), block["low"], text, "(CI low)", tolerance=TWO_DECIMALS)
        same(float(found[3]), block["high"], text, "(CI high)", tolerance=TWO_DECIMALS)
        if role == "best_basket":
            holds(f"({name})" in text, text, "does not name", name)
        verb = (
            "beats"
            if block["low"] > 0
            else "does worse than"
            if block["high"] < 0
            else "does not beat"
        )
        holds(text.startswith(f"{rotation} {verb} "), text, "should say", verb)

    # The random-timing placebo: the rotation's rank among placebos.csv's paths.
    for placebo, block in metrics["placebos"]["random_regimes"].items():
        paths = run.placebos[run.placebos["strategy"] == placebo]
        real = sharpe(run.returns[rotation], run.rf)
        percentile = float((paths["sharpe"] < real).mean() * 100.0)
        same(block["n_paths"], len(paths), "placebo", placebo, "n_paths")
        same(block["real_sharpe"], real, "placebo", placebo, "real_sharpe")
        same(
            block["real_sharpe_percentile"],
            percentile,
            "placebo",
            placebo,
            "percentile",
            tolerance=1e-9,
        )
        text = items[f"placebo.{placebo}"]["text"]
        seen.add(f"placebo.{placebo}")
        significant = "significant" if percentile >= 95 else "not significant"
        sentence = (
            f"the {_ordinal(percentile)} percentile of {len(paths)} random-timing "
            f"paths ({significant} at 95%)"
        )
        holds(sentence in text, text, "should say", sentence)

    # Without the best year: the first rival the edge section lists.
    rivals = [n for n in run.returns.columns if run.role(n) == "benchmark"]
    same(metrics["edge"]["rivals"], rivals, "edge.rivals")
    first = rivals[0]
    best = best_year(run, first)
    text = items[f"edge.best_year.{first}"]["text"]
    seen.add(f"edge.best_year.{first}")
    opening = f"Without its best year against {first} ({best['year']}), "
    holds(text.startswith(opening), text, "should start", opening)
    own, other = _numbers(text)
    same(own, best["own"], text, "(own Sharpe)", tolerance=TWO_DECIMALS)
    same(other, best["rival"], text, "(rival's Sharpe)", tolerance=TWO_DECIMALS)

    # Before the last two years (504 trading days): the rotation and the best rival.
    if len(data) > 504 + 21:
        before = data.iloc[: len(data) - 504]
        scores = {n: sharpe(before[n], run.rf) for n in rivals}
        leader = max(scores, key=scores.get)
        text = items["edge.before_last_two_years"]["text"]
        seen.add("edge.before_last_two_years")
        span = f"{before.index[0]:%Y-%m-%d}..{before.index[-1]:%Y-%m-%d}"
        opening = f"Before the last two years ({span}) its Sharpe was "
        holds(text.startswith(opening), text, "should start", opening)
        holds(f"the best rival, {leader}, had " in text, text, "should name", leader)
        own, other = _numbers(text.split(")", 1)[1])
        same(own, sharpe(before[rotation], run.rf), text, "(own)", tolerance=TWO_DECIMALS)
        same(other, scores[leader], text, "(leader)", tolerance=TWO_DECIMALS)

    # The bounds: reference and walk-forward Sharpe, delay and misclassification parts.
    reference = metrics["bounds"]["reference"]
    paths = {p: sharpe(run.bounds[p], run.rf) for p in run.bounds.columns}
    text = items["bounds"]["text"]
    seen.add("bounds")
    label = (
        "perfect regime knowledge"
        if reference == "oracle"
        else "the classifier's own hindsight labels (not tradable)"
    )
    holds(text.startswith(f"With {label} the rotation"), text, "should name", label)
    delay_days = metrics["bounds"]["delay_days"]
    holds(f" a {delay_days}-day detection delay " in text, text, "should say", delay_days)
    reference_sharpe, walk, delay, misclassified = _numbers(text)
    late = paths[f"{reference}_delayed"]
    same(reference_sharpe, paths[reference], text, "(reference)", tolerance=TWO_DECIMALS)
    same(walk, paths["walk_forward"], text, "(walk-forward)", tolerance=TWO_DECIMALS)
    same(delay, paths[reference] - late, text, "(delay)", tolerance=TWO_DECIMALS)
    same(
        misclassified,
        late - paths["walk_forward"],
        text,
        "(misclassification)",
        tolerance=TWO_DECIMALS,
    )
    if reference == "oracle":
        rival_sharpe = {n: sharpe(run.returns[n], run.rf) for n in metrics["bounds"]["rivals"]}
        leader = max(rival_sharpe, key=rival_sharpe.get)
        text = items["bounds.edge_exists"]["text"]
        seen.add("bounds.edge_exists")
        margin = paths["oracle"] - rival_sharpe[leader]
        holds(f"({leader})" in text, text, "should name", leader)
        [quoted] = _numbers(text)
        same(quoted, margin, text, "(margin)", tolerance=TWO_DECIMALS)
        holds((" is in the data" in text) == (margin > 0), text, "margin", margin)
    same(seen, set(items), "verdict items checked")
