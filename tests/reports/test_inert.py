"""Nothing a user writes can inject markup or script into the pages (issue 12).

A run directory whose every user-supplied string carries ``<script>``, tags,
quotes, ``|`` and backticks (run, strategy, basket, ticker, series, feature,
classifier, parameter, episode and file names, and so the verdict text) is
rendered; the parsed pages must hold only the elements and the one script
the templates put there, and show each hostile string as text.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import html5lib
import pandas as pd
import pytest

from reports.markup import static_text
from reports.regimes_page import write_regimes_page

SVG = "{http://www.w3.org/2000/svg}"
#: Elements the templates (and matplotlib's SVG) write; anything else was injected.
ALLOWED = {
    "html",
    "head",
    "meta",
    "title",
    "link",
    "style",
    "body",
    "section",
    "h1",
    "h2",
    "h3",
    "p",
    "div",
    "span",
    "b",
    "i",
    "code",
    "ul",
    "li",
    "table",
    "caption",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "br",
    "details",
    "summary",
    "figure",
    "figcaption",
    "a",
    "script",
}
ALLOWED_SVG = {
    "svg",
    "metadata",
    "rdf:rdf",
    "cc:work",
    "dc:type",
    "dc:format",
    "dc:date",
    "dc:creator",
    "defs",
    "style",
    "g",
    "path",
    "use",
    "clipPath",
    "rect",
    "image",
}


def _check_inert(text: str, hostile: dict[str, str]) -> list[str]:
    document = html5lib.parse(text, namespaceHTMLElements=False)
    scripts, texts = [], []
    for element in document.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag.startswith(SVG):
            assert tag[len(SVG) :] in ALLOWED_SVG, tag
        else:
            assert tag in ALLOWED, tag
        if tag == "script":
            scripts.append(element.text or "")
        if tag == "style":
            assert element.text.strip() == static_text("report.css").strip()
        for name, value in element.attrib.items():
            assert not str(name).lower().startswith("on"), (tag, name)
            if str(name).endswith("href") or name == "src":
                assert not value.strip().lower().startswith(("javascript:", "data:text")), value
        texts.append("".join(element.itertext()))
    assert scripts == [str(static_text("sort.js"))]
    # no raw hostile markup anywhere in the source, only its escaped form
    for needle in (
        "<script>alert",
        "<img src=x",
        "<iframe",
        "<svg onload",
        "<svg/onload",
        "<style>body",
        "<i onmouseover",
        '<a href="javascript',
    ):
        assert needle not in text, needle
    return texts


@pytest.fixture(scope="module")
def hostile_run(rendered):
    return rendered("hostile", seed=11, significance=True, hostile=True, synthetic=False)


def test_dashboard_renders_hostile_names_as_text(hostile_run, hostile_names):
    _, text = hostile_run
    texts = " ".join(_check_inert(text, hostile_names))
    for key in (
        "run",
        "regime_rotation",
        "cash_flow_basket",
        "basket_blend",
        "MKT",
        "TBIL",
        "FRUT",
        "classifier",
        "vix",
        "series",
        "episode",
        "file",
        "param",
    ):
        assert hostile_names[key] in texts, key
    document = html5lib.parse(text, namespaceHTMLElements=False)
    title = document.find("head/title").text
    assert title.startswith(hostile_names["run"])
    h1 = next(e for e in document.iter() if e.tag == "h1")
    assert h1.text == hostile_names["run"]


def test_hostile_file_names_cannot_break_out_of_links(hostile_run, hostile_names):
    run, text = hostile_run
    document = html5lib.parse(text, namespaceHTMLElements=False)
    links = {a.text: a.get("href") for a in document.iter("a")}
    target = f"inputs/{hostile_names['file']}"
    assert target in links
    href = links[target]
    assert re.fullmatch(r"[A-Za-z0-9_./%~-]+", href), href  # percent-encoded, no scheme
    assert (run / unquote(href)).is_file()  # and it still points at the file


def test_regimes_page_renders_hostile_names_as_text(
    tmp_path: Path, evaluation_factory, hostile_names
):
    names = (hostile_names["classifier"], "gmm<script>alert(13)</script>", "hmm`|'\"")
    evaluation = evaluation_factory(truth=False, names=names, episode_name=hostile_names["episode"])
    index = pd.bdate_range("2019-01-02", periods=600)
    labels = pd.DataFrame({n: ["abundant", "scarce"] * 300 for n in names}, index=index)
    page = write_regimes_page(
        tmp_path / "regimes.html",
        labels,
        evaluation,
        title=f"Regime classifiers: {hostile_names['run']}",
    )
    text = page.read_text(encoding="utf-8")
    texts = " ".join(_check_inert(text, hostile_names))
    for name in (*names, hostile_names["episode"], hostile_names["run"]):
        assert name in texts, name
