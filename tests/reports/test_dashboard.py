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
    assert "honesty" not in ids and "analyses" not in ids
    assert "SYNTHETIC" in text
    assert "ABUNDANT" in text or "SCARCE" in text


def test_honesty_section_when_significance_exists(run_dir_with_significance: Path):
    text = write_dashboard(run_dir_with_significance).read_text(encoding="utf-8")
    assert "honesty" in _ids(text)
    assert "sharpe_p_value" in text


def test_optional_analysis_rendered_only_when_present(run_dir: Path):
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    metrics["sweep"] = [{"threshold": 0.4, "sharpe": 0.7}, {"threshold": 0.6, "sharpe": 0.5}]
    (run_dir / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    text = write_dashboard(run_dir).read_text(encoding="utf-8")
    ids = _ids(text)
    assert {"analyses", "analysis-sweep"} <= ids
    assert "analysis-event_study" not in ids and "analysis-walk_forward" not in ids


def _strict_parse(text: str) -> None:
    html5lib.HTMLParser(strict=True).parse(text)  # raises ParseError on any parse error
    parser = etree.HTMLParser(recover=True)
    etree.fromstring(text.encode("utf-8"), parser)
    assert not list(parser.error_log), list(parser.error_log)


def test_html_is_well_formed(run_dir_with_significance: Path):
    _strict_parse(write_dashboard(run_dir_with_significance).read_text(encoding="utf-8"))


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
