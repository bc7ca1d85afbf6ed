"""Issue 13's numbers, recomputed independently from a run directory's files.

One short synthetic run is written to disk (:func:`tests.helpers.write_short_run`);
every test reads only its files (``returns.csv``, ``regimes.csv``,
``weights/*.csv``, ``inputs/prices.csv``, ``inputs/true_regimes.csv``,
``in_sample_regimes.csv``, ``bounds.csv``, ``placebos.csv``, ``config.toml``
and ``metrics.json``) and recomputes with the plain pandas/NumPy oracle of
:mod:`tests.helpers`, never with the project's functions. Each test also
checks that it has teeth: the wrong convention gives a visibly different number
on this run. The same checks run on the curated real snapshot in
``tests/backtests/test_real_run.py``.
"""

from __future__ import annotations

import re

import html5lib
import numpy as np
import pytest

from tests.helpers import (
    REGIMES,
    RunDirectory,
    assert_bound_path,
    assert_bound_rivals,
    assert_by_regime_attribution,
    assert_decomposition,
    assert_exposure,
    assert_spell_drawdowns,
    assert_verdict_numbers,
    best_year,
    by_regime,
    cagr,
    close_to,
    delayed,
    drawdown,
    growth,
    research_days,
    rotation_on,
    sharpe,
    sortino,
    write_short_run,
)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return write_short_run(tmp_path_factory.mktemp("research") / "run")


@pytest.fixture(scope="module")
def run(run_dir) -> RunDirectory:
    return RunDirectory(run_dir)


def test_the_run_has_what_the_checks_need(run):
    assert run.metrics["run"]["synthetic"] is True and run.truth is not None
    for dated in (run.prices, run.labels, run.truth):
        assert dated.index.equals(run.returns.index)
    assert set(run.labels) == set(REGIMES)
    assert run.rf.iloc[0] == 0.0 and run.rf.iloc[1:].gt(0).mean() > 0.9  # the fund earns
    assert run.rotation == "regime_rotation"


# -- 1. per-regime attribution ------------------------------------------------------------------


def test_per_regime_attribution_uses_the_label_known_at_the_previous_close(run):
    assert_by_regime_attribution(run)
    # Teeth: the same-day label moves the rotation's numbers visibly (issue 13: abundant
    # CAGR 0.186 -> 0.203 when the shift was removed).
    same_day = by_regime(run, run.rotation, run.labels)
    shown = run.metrics["strategies"][run.rotation]["by_regime"]
    for regime in REGIMES:
        assert abs(same_day[regime]["cagr"] - shown[regime]["cagr"]) > 0.005, regime
        assert abs(same_day[regime]["sharpe"] - shown[regime]["sharpe"]) > 0.02, regime


# -- 2. overall ratios, exposure, per-spell drawdowns ------------------------------------------


def test_overall_sharpe_and_sortino_are_in_excess_of_the_cash_fund(run):
    for name, entry in run.metrics["strategies"].items():
        returns, overall = run.returns[name], entry["overall"]
        assert overall["sharpe"] == close_to(sharpe(returns, run.rf)), name
        assert overall["sortino"] == close_to(sortino(returns, run.rf)), name
        assert overall["total_return"] == close_to(growth(returns) - 1.0), name
        assert overall["cagr"] == close_to(cagr(returns)), name
        assert overall["volatility"] == close_to(float(returns.std(ddof=1) * np.sqrt(252))), name
        assert overall["max_drawdown"] == close_to(drawdown(returns)), name
    # Teeth: without the cash fund's return the ratios are visibly higher.
    rotation = run.returns[run.rotation]
    no_cash = rotation * 0.0
    assert sharpe(rotation, no_cash) - sharpe(rotation, run.rf) > 0.05
    assert sortino(rotation, no_cash) - sortino(rotation, run.rf) > 0.05


def test_exposure_is_the_share_of_capital_outside_the_cash_fund(run):
    assert_exposure(run)
    # rotation_trend holds only the cash fund when nothing is above its trend.
    trend = run.weights("rotation_trend")
    assert (trend[run.cash] > 0.5).mean() > 0.2
    assert run.metrics["strategies"]["rotation_trend"]["overall"]["exposure"] < 0.8
    # ... and a fully invested basket is below 100% only by the first day (no fill yet).
    basket = run.metrics["strategies"]["cash_flow_basket"]["overall"]["exposure"]
    assert basket == close_to(1.0 - 1.0 / len(run.returns))


def test_per_regime_drawdowns_are_per_spell_never_stitched(run):
    assert_spell_drawdowns(run)
    # Teeth: each regime has many spells, and stitching its days would change the worst one.
    stitched_differs = False
    for name in run.metrics["strategies"]:
        for regime in REGIMES:
            block = run.metrics["strategies"][name]["by_regime"][regime]["spell_drawdown"]
            assert block["n_spells"] >= 5, (name, regime)
            stitched = drawdown(run.returns[name][run.known == regime])
            stitched_differs |= abs(stitched - block["worst"]) > 0.01
    assert stitched_differs
    known = run.known.iloc[1:]  # the first day has no previous close
    switches = int((known != known.shift(1)).iloc[1:].sum())
    blocks = run.metrics["strategies"][run.rotation]["by_regime"]
    assert sum(blocks[r]["spell_drawdown"]["n_spells"] for r in REGIMES) == switches + 1


# -- 3. bounds --------------------------------------------------------------------------------


def test_oracle_row_is_the_rotation_traded_on_the_true_regimes(run):
    # The oracle's trader first reproduces the engine: the rotation on the walk-forward labels.
    np.testing.assert_allclose(
        rotation_on(run, run.labels), run.returns[run.rotation], rtol=0, atol=1e-12
    )
    assert run.metrics["bounds"]["reference"] == "oracle"
    assert run.metrics["bounds"]["tradable"]["oracle"] is False
    oracle = assert_bound_path(run, "oracle")
    # Teeth: the truth is not the walk-forward labels, so the rows differ.
    assert abs(sharpe(oracle, run.rf) - sharpe(run.returns[run.rotation], run.rf)) > 0.1
    # The synthetic world holds the edge it is built to contain: perfect labels beat each
    # basket and the blend by at least 0.2 Sharpe.
    for rival in ("cash_flow_basket", "speculative_basket", "basket_blend"):
        assert sharpe(oracle, run.rf) - sharpe(run.returns[rival], run.rf) >= 0.2, rival


@pytest.mark.parametrize("path", ["walk_forward", "hindsight"])
def test_walk_forward_and_hindsight_rows_are_the_rotation_on_their_labels(run, path):
    assert_bound_path(run, path)
    assert run.metrics["bounds"]["tradable"][path] is (path == "walk_forward")


def test_delayed_oracle_is_late_by_the_reported_median_detection_delay(run):
    reported = run.metrics["regimes"]["evaluation"]["median_delay_days"]
    delay = run.metrics["bounds"]["delay_days"]
    assert delay == round(reported) and delay > 0
    late = assert_bound_path(run, "oracle_delayed")
    # Teeth: a day more or less of delay is another path.
    for other in (delay - 1, delay + 1):
        assert not np.allclose(rotation_on(run, delayed(run.truth, other)), late, atol=1e-12)


def test_decomposition_adds_up_from_bounds_csv(run):
    assert_decomposition(run)
    split = run.metrics["bounds"]["decomposition"]["sharpe"]
    paths = run.metrics["bounds"]["paths"]
    assert split["gap"] == close_to(paths["oracle"]["sharpe"] - paths["walk_forward"]["sharpe"])
    assert split["delay"] != 0.0 and split["misclassification"] != 0.0


def test_no_timing_rivals_of_the_bounds(run):
    assert_bound_rivals(run)


# -- 4. the verdict -----------------------------------------------------------------------------


def test_verdict_sentences_quote_the_recomputed_numbers(run):
    assert_verdict_numbers(run)
    keys = [item["key"] for item in run.metrics["verdict"]]
    assert {
        "null.basket_blend",
        "null.best_basket",
        "placebo.random_regimes",
        "edge.before_last_two_years",
        "bounds",
        "bounds.edge_exists",
    } <= set(keys)


# -- 5. edge ------------------------------------------------------------------------------------


def test_edge_per_calendar_year_from_returns_csv(run):
    edge = run.metrics["edge"]
    data = research_days(run.returns)
    rivals = edge["rivals"]
    assert edge["strategy"] == run.rotation
    assert rivals == [n for n in run.returns.columns if run.role(n) == "benchmark"]
    years = sorted(set(data.index.year))
    assert list(edge["by_year"]) == [str(y) for y in years]
    for year in years:
        inside = data[data.index.year == year]
        shown = edge["by_year"][str(year)]
        own = growth(inside[run.rotation]) - 1.0
        assert shown["days"] == len(inside), year
        assert shown["return"] == close_to(own), year
        for rival in rivals:
            assert shown["difference"][rival] == close_to(own - (growth(inside[rival]) - 1.0)), (
                year,
                rival,
            )
    for rival in rivals:
        best, shown = best_year(run, rival), edge["best_year"][rival]
        assert shown["year"] == str(best["year"]), rival
        assert shown["difference_that_year"] == close_to(best["gap"]), rival
        assert shown["sharpe_without_best_year"] == close_to(best["own"]), rival
        assert shown["rival_sharpe_without_best_year"] == close_to(best["rival"]), rival
        assert shown["sharpe_difference"] == close_to(best["own"] - best["rival"]), rival
    n = len(data)
    parts = {
        "first_half": data.iloc[: n // 2],
        "second_half": data.iloc[n // 2 :],
        "before_last_two_years": data.iloc[: n - 504],
    }
    assert set(edge["sub_periods"]) == set(parts)
    for label, part in parts.items():
        for name in [run.rotation, *rivals]:
            shown = edge["sub_periods"][label][name]
            assert shown["sharpe"] == close_to(sharpe(part[name], run.rf)), (label, name)
            assert shown["cagr"] == close_to(cagr(part[name])), (label, name)
            assert (shown["start"], shown["end"]) == (
                f"{part.index[0]:%Y-%m-%d}",
                f"{part.index[-1]:%Y-%m-%d}",
            )
    # Teeth: the rotation does not beat every rival every year.
    differences = [v for y in edge["by_year"].values() for v in y["difference"].values()]
    assert min(differences) < 0 < max(differences)


# -- 6. the pages a user reads first ----------------------------------------------------------


def _text(element) -> str:
    return re.sub(r"\s+", " ", "".join(element.itertext())).strip()


def _dashboard_rows(path) -> tuple[list[str], dict[str, list[str]]]:
    """The comparison table of index.html: its last header row and the body rows by name."""
    document = html5lib.parse(path.read_text(encoding="utf-8"), namespaceHTMLElements=False)
    [table] = [e for e in document.iter() if e.get("id") == "comparison"]
    header = [_text(c) for c in table.find("thead").findall("tr")[-1]]
    rows = {}
    for tr in table.find("tbody").findall("tr"):
        cells = [_text(c) for c in tr if c.tag in ("td", "th")]
        rows[cells[0].split(" ")[0].rstrip("†")] = cells
    return header, rows


def _tearsheet_sharpe(path) -> float:
    """The strategy's cell of the Sharpe row of the tearsheet's metrics table."""
    document = html5lib.parse(path.read_text(encoding="utf-8"), namespaceHTMLElements=False)
    for tr in document.iter("tr"):
        cells = [_text(c) for c in tr if c.tag == "td"]
        if cells and cells[0] == "Sharpe":
            return float(cells[-1])  # [metric, benchmark, strategy]
    raise AssertionError("no Sharpe row in the tearsheet")


@pytest.mark.slow
def test_dashboard_and_tearsheet_sharpe_agree_with_the_recomputation(run_dir, run):
    from reports import write_dashboard
    from reports.tearsheets import write_tearsheets

    header, rows = _dashboard_rows(write_dashboard(run_dir))
    [tearsheet] = write_tearsheets(run_dir, [run.rotation], processes=1)
    columns = [i for i, h in enumerate(header) if h == "Sharpe"]  # overall, abundant, scarce
    assert len(columns) == 3, header
    expected = sharpe(run.returns[run.rotation], run.rf)
    dashboard = float(rows[run.rotation][columns[0]])
    assert dashboard == pytest.approx(expected, abs=0.005 + 1e-9)
    assert _tearsheet_sharpe(tearsheet) == pytest.approx(expected, abs=0.005 + 1e-9)
    assert _tearsheet_sharpe(tearsheet) == dashboard
    per_regime = by_regime(run, run.rotation, run.known)
    for column, regime in zip(columns[1:], REGIMES, strict=True):
        assert float(rows[run.rotation][column]) == pytest.approx(
            per_regime[regime]["sharpe"], abs=0.005 + 1e-9
        ), regime
    exposure = header.index("Exposure")
    assert rows["rotation_trend"][exposure].endswith("%")
    assert float(rows["rotation_trend"][exposure].rstrip("%")) < 99.95
