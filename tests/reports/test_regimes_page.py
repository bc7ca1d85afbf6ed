"""The classifier comparison page of ``regime-bt regimes``: evaluation, reliability, stability."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import html5lib
import numpy as np
import pandas as pd
import pytest

from reports.markup import format_value
from reports.regimes_page import regimes_page_html, timeline_figure, write_regimes_page

SVG = "{http://www.w3.org/2000/svg}svg"
NAMES = ("composite", "gmm", "hmm", "jump")


def _labels(n: int = 600, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    index = pd.bdate_range("2019-01-02", periods=n)
    return pd.DataFrame(
        {name: np.where(rng.random(n) < 0.3, "scarce", "abundant") for name in NAMES}, index=index
    )


def _parse(text: str):
    return html5lib.parse(text, namespaceHTMLElements=False)


def _by_id(document, element_id: str):
    found = [e for e in document.iter() if e.get("id") == element_id]
    assert len(found) == 1, element_id
    return found[0]


def _rows(document, table_id: str) -> list[list[str]]:
    body = _by_id(document, table_id).find("tbody")
    return [
        [re.sub(r"\s+", " ", "".join(c.itertext())).strip() for c in tr]
        for tr in body.findall("tr")
    ]


def test_truth_page_has_brier_reliability_and_flags(evaluation_factory):
    evaluation = evaluation_factory(truth=True)
    labels = _labels()
    truth = labels["composite"].rename("regime")
    text = regimes_page_html(labels, evaluation, truth, title="Regime classifiers: synthetic")
    html5lib.HTMLParser(strict=True).parse(text)
    document = _parse(text)
    ids = [e.get("id") for e in document.iter() if e.tag == "section"]
    assert ids == [
        "regimes-header",
        "timeline",
        "evaluation-section",
        "reliability",
        "stability-section",
    ]
    evaluation_rows = {r[0]: r for r in _rows(document, "evaluation")}
    header = ["".join(th.itertext()) for th in _by_id(document, "evaluation").iter("th")]
    assert "Brier score" in header
    brier = header.index("Brier score")
    for name in NAMES:
        assert evaluation_rows[name][brier] == format_value("brier", evaluation[name]["brier"])
        assert evaluation_rows[name][-2] == format_value("seconds", evaluation[name]["seconds"])
    assert evaluation_rows["gmm"][-1] == "FLAGGED"
    assert {evaluation_rows[n][-1] for n in NAMES if n != "gmm"} == {"stable"}
    chart = _by_id(document, "chart-reliability")
    assert chart.find(f".//{SVG}") is not None and "diagonal" in "".join(chart.itertext())
    flag = "".join(_by_id(document, "stability-flag").itertext())
    assert "gmm" in flag and "composite" not in flag and "20%" in flag
    stability = {r[0]: r for r in _rows(document, "stability")}
    assert stability["gmm"][-1] == "FLAGGED: labels depend on the start"
    assert stability["gmm"][1:] == [
        "n/athe data start on 1993-01-29",
        "66.0%from 1991-01-29, 600 days",
        "83.0%from 1995-01-29, 600 days",
        "49.0%from 1997-01-29, 600 days",
        "34.0%",
        "FLAGGED: labels depend on the start",
    ]
    loo = {r[0]: r for r in _rows(document, "leave-one-out")}
    assert list(loo) == ["net_liquidity_13w", "hy_spread", "vix", "btc_momentum_3m"]
    assert loo["vix"][1:] == ["n/a"] * 4


def test_episode_page_says_outside_this_run(evaluation_factory):
    evaluation = evaluation_factory(truth=False)
    text = regimes_page_html(_labels(), evaluation, None, title="real")
    document = _parse(text)
    episodes = {r[0]: r for r in _rows(document, "episodes")}
    assert episodes["before_sample"][3:] == ["outside this run"] * 4
    assert all(cell.endswith("partly outside") for cell in episodes["straddles_start"][3:])
    assert all(re.fullmatch(r"\d+\.\d%", c) for c in episodes["crunch"][3:])
    episodes_html = text.split('id="episodes"', 1)[1].split("</table>", 1)[0]
    assert not re.search(r">0<|>0 days", episodes_html)
    evaluation_rows = {r[0]: r for r in _rows(document, "evaluation")}
    assert (
        evaluation_rows["composite"][1].endswith("of 2")
        and evaluation_rows["composite"][2] == "n/a"
    )
    reliability = "".join(_by_id(document, "reliability").itertext())
    assert "needs the true regimes" in reliability
    assert document.find(".//figure[@id='chart-reliability']") is None


def test_old_layout_without_stability_or_brier_still_renders():
    evaluation = {
        "composite": {
            "balanced_accuracy": 0.8,
            "f1_abundant": 0.9,
            "f1_scarce": 0.7,
            "median_delay_days": 21.0,
        }
    }
    text = regimes_page_html(_labels()[["composite"]], evaluation)
    html5lib.HTMLParser(strict=True).parse(text)
    assert 'id="stability-section"' not in text and 'id="stability-flag"' not in text
    assert "n/a" in text


@pytest.mark.parametrize(("umask", "mode"), [(0o027, 0o640), (0o077, 0o600)])
def test_regimes_html_follows_the_umask(tmp_path: Path, evaluation_factory, umask, mode):
    previous = os.umask(umask)
    try:
        page = write_regimes_page(tmp_path / "regimes.html", _labels(), evaluation_factory())
    finally:
        os.umask(previous)
    assert stat.S_IMODE(page.stat().st_mode) == mode
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_timeline_has_one_row_per_classifier_and_the_truth():
    labels = _labels(100)
    figure = timeline_figure(labels, labels["hmm"])
    ticks = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert ticks == ["jump", "hmm", "gmm", "composite", "truth"]
