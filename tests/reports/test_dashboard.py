"""The dashboard page: sections, well-formed HTML, self-contained, atomic."""

from __future__ import annotations

import json
import re
from pathlib import Path

import html5lib
import pytest
from lxml import etree

from reports import write_dashboard

ALWAYS = ["run-header", "regime-timeline", "strategy-table", "charts", "classifier", "files"]


def _ids(text: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', text))


def test_every_section_is_present_and_honesty_absent_without_data(run_dir: Path):
    page = write_dashboard(run_dir)
    assert page == run_dir / "index.html"
    text = page.read_text(encoding="utf-8")
    ids = _ids(text)
    assert set(ALWAYS) <= ids
    assert "honesty" not in ids
    assert "SYNTHETIC" in text
    assert "ABUNDANT" in text or "SCARCE" in text


def test_honesty_section_reads_the_numbers(run_dir_with_significance: Path):
    text = write_dashboard(run_dir_with_significance).read_text(encoding="utf-8")
    honesty = text.split('id="honesty"', 1)[1].split("</section>", 1)[0]
    # the fixture's PBO is 0.52 and its DSR 0.62 over 24 trials
    assert "PBO 0.52: the sweep&#x27;s best configuration is no better than a coin flip" in honesty
    assert "after accounting for 24 trials" in honesty
    assert 'id="significance"' in honesty and "Bootstrap confidence intervals" in honesty
    assert "Thresholds:" in honesty


def test_research_charts_present_with_data(run_dir_with_significance: Path):
    text = write_dashboard(run_dir_with_significance).read_text(encoding="utf-8")
    charts = text.split('id="charts"', 1)[1].split("</section>", 1)[0]
    for figure_id in ("chart-regime-sharpe", "chart-event-study", "chart-sweep",
                      "chart-walk-forward", "chart-placebo"):
        block = charts.split(f'id="{figure_id}"', 1)[1].split("</figure>", 1)[0]
        assert "<svg" in block, figure_id
    # the sweep caption names the two axes (most values) and the aggregated parameters
    sweep = charts.split('id="chart-sweep"', 1)[1].split("</figure>", 1)[0]
    assert "<code>enter_threshold</code> and <code>min_dwell</code>" in sweep
    assert "<b>median</b> Sharpe over the other parameters" in sweep
    assert "<code>rebalance</code>, <code>scarce_cash</code>" in sweep


def test_research_charts_explain_missing_data(run_dir: Path):
    text = write_dashboard(run_dir).read_text(encoding="utf-8")
    charts = text.split('id="charts"', 1)[1].split("</section>", 1)[0]
    assert "No sweep in this run." in charts
    assert "No random-regime placebo distribution" in charts


def test_placebo_median_row_and_percentile_note(run_dir_with_significance: Path):
    text = write_dashboard(run_dir_with_significance).read_text(encoding="utf-8")
    table = text.split('id="strategy-table"', 1)[1].split("</section>", 1)[0]
    assert "random_rotation (median of 60 paths)" in table
    assert 'class="role-placebo"' in table and "one path (#0)" in table
    assert "th percentile</b> of 60 random-regime paths" in table


def test_header_shows_params_as_a_table_not_a_dict(run_dir: Path):
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    metrics["regimes"]["params"]["weights"] = {"vix": -1.0, "net_liquidity_13w": 1.0}
    (run_dir / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    text = write_dashboard(run_dir).read_text(encoding="utf-8")
    header = text.split('id="run-header"', 1)[1].split("</section>", 1)[0]
    assert "{" not in header and "&#x27;vix&#x27;" not in header
    assert '<span class="k">vix</span> <b>-1</b>' in header
    assert '<span class="k">net_liquidity_13w</span> <b>+1</b>' in header


def test_real_data_classifier_shows_the_episode_table(real_run_dir: Path):
    text = write_dashboard(real_run_dir).read_text(encoding="utf-8")
    classifier = text.split('id="classifier"', 1)[1].split("</section>", 1)[0]
    assert 'id="episodes"' in classifier
    assert "before_sample" in classifier and "no data" in classifier
    assert "crunch" in classifier and "labelled scarce" in classifier
    assert "of 1 documented episodes" in classifier
    assert "In-sample vs walk-forward labels" in classifier and "3.1%" in classifier
    _strict_parse(text)


def test_synthetic_classifier_shows_truth_metrics(run_dir_with_significance: Path):
    text = write_dashboard(run_dir_with_significance).read_text(encoding="utf-8")
    classifier = text.split('id="classifier"', 1)[1].split("</section>", 1)[0]
    assert 'id="truth-metrics"' in classifier and "Balanced accuracy" in classifier
    assert "F1 scarce" in classifier and "False switches / yr" in classifier
    assert 'id="episodes"' not in classifier


def test_long_series_are_thinned_and_page_stays_small(tmp_path: Path, make_run):
    run = make_run(tmp_path / "long", n_days=5000, significance=True)
    size = len(write_dashboard(run).read_bytes())
    assert size < 5 * 1024 * 1024, size


def _strict_parse(text: str) -> None:
    html5lib.HTMLParser(strict=True).parse(text)  # raises ParseError on any parse error
    parser = etree.HTMLParser(recover=True)
    etree.fromstring(text.encode("utf-8"), parser)
    assert not list(parser.error_log), list(parser.error_log)


def test_html_is_well_formed(run_dir_with_significance: Path, run_dir: Path):
    _strict_parse(write_dashboard(run_dir_with_significance).read_text(encoding="utf-8"))
    _strict_parse(write_dashboard(run_dir).read_text(encoding="utf-8"))


def test_strict_parse_catches_unclosed_structural_tags():
    broken = "<!DOCTYPE html><html><head><title>x</title></head><body><section><table><tr>"
    with pytest.raises(html5lib.html5parser.ParseError):
        _strict_parse(broken)


def test_nothing_loads_from_the_network(run_dir_with_significance: Path):
    text = write_dashboard(run_dir_with_significance).read_text(encoding="utf-8")
    document = html5lib.parse(text, namespaceHTMLElements=False)
    for element in document.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        for attribute in ("src", "href", "xlink:href", "{http://www.w3.org/1999/xlink}href"):
            value = element.get(attribute) or ""
            if tag in {"script", "link", "img", "image", "use", "iframe", "source"}:
                assert not value.startswith(("http://", "https://", "//")), (tag, value)
    assert "@import" not in text and "url(http" not in text
    assert not re.search(r'<(script|img|link|iframe)[^>]+(src|href)="(https?:)?//', text)


def test_files_section_links_every_csv_json_and_tearsheet(run_dir: Path):
    (run_dir / "tearsheets").mkdir()
    (run_dir / "tearsheets" / "regime_rotation.html").write_text("<html></html>",
                                                                 encoding="utf-8")
    text = write_dashboard(run_dir).read_text(encoding="utf-8")
    files_section = text.split('id="files"', 1)[1]
    expected = [p.relative_to(run_dir).as_posix() for p in run_dir.rglob("*")
                if p.suffix in {".csv", ".json"}] + ["tearsheets/regime_rotation.html"]
    for relative in expected:
        assert f'href="{relative}"' in files_section, relative


def test_write_is_atomic_deterministic_and_small(run_dir: Path):
    first = write_dashboard(run_dir).read_bytes()
    second = write_dashboard(run_dir).read_bytes()
    assert first == second
    assert len(first) < 5 * 1024 * 1024
    leftovers = [p.name for p in run_dir.iterdir() if p.name.startswith(".")]
    assert not leftovers


def test_real_data_run_has_no_badge_and_no_truth(tmp_path: Path, make_run):
    run = make_run(tmp_path / "real", synthetic=False)
    text = write_dashboard(run).read_text(encoding="utf-8")
    assert "SYNTHETIC" not in text
    assert "known truth" not in text.split('id="classifier"', 1)[1].split("No known")[0]


def test_missing_required_file_is_a_clear_error(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="metrics.json"):
        write_dashboard(tmp_path)
