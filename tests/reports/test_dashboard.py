"""The dashboard page: sections, panels read from metrics.json, formats, inert and atomic."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import html5lib
import pytest
from lxml import etree

from reports import write_dashboard
from reports.dashboard import SECTION_IDS
from reports.markup import format_value

FULL = {"seed": 11, "significance": True}
REAL = {"seed": 5, "synthetic": False, "significance": True}
FLAGGED = {
    "start_shift": {
        "-2y": {"history_start": "1991-01-29", "agreement": 0.64, "n_days": 600},
        "+2y": {"history_start": "1995-01-29", "agreement": 0.9, "n_days": 580},
        "-4y": {"available": False, "reason": "the data start on 1993-01-29"},
    },
    "max_start_shift_change": 0.36,
    "flagged": True,
}
STABLE = {
    "start_shift": {"-2y": {"history_start": "1991-01-29", "agreement": 0.97, "n_days": 600}},
    "max_start_shift_change": 0.03,
    "flagged": False,
}


@pytest.fixture(scope="module")
def full(rendered):
    return rendered("full", **FULL)


@pytest.fixture(scope="module")
def real(rendered):
    return rendered("real", **REAL)


@pytest.fixture(scope="module")
def minimal(rendered):
    return rendered("minimal")


def parse(text: str):
    return html5lib.parse(text, namespaceHTMLElements=False)


def text_of(element) -> str:
    return re.sub(r"\s+", " ", "".join(element.itertext())).strip()


def by_id(document, element_id: str):
    found = [e for e in document.iter() if e.get("id") == element_id]
    assert len(found) == 1, (element_id, len(found))
    return found[0]


def rows(document, table_id: str) -> list[list[str]]:
    """Body rows of a table, as cell texts."""
    body = by_id(document, table_id).find("tbody")
    return [[text_of(c) for c in tr if c.tag in ("td", "th")] for tr in body.findall("tr")]


def body_cells(document, table_id: str):
    return [
        [c for c in tr if c.tag in ("td", "th")]
        for tr in by_id(document, table_id).find("tbody").findall("tr")
    ]


def metrics_of(run: Path) -> dict:
    return json.loads((run / "metrics.json").read_text(encoding="utf-8"))


def test_sections_are_in_page_order(full):
    _, text = full
    ids = [i for i in re.findall(r'<section id="([^"]+)"', text)]
    assert ids == list(SECTION_IDS)
    assert "SYNTHETIC" in text


def test_a_run_without_research_says_what_is_missing(minimal):
    _, text = minimal
    ids = re.findall(r'<section id="([^"]+)"', text)
    assert ids == [
        "run-header",
        "regime-timeline",
        "strategy-table",
        "charts",
        "classifier",
        "files",
    ]
    charts = text.split('id="charts"', 1)[1].split("</section>", 1)[0]
    assert "No sweep in this run." in charts
    assert "No random-regime placebo distribution" in charts
    assert "No event_study.csv in this run." in charts


def test_verdict_panel_is_first_and_shows_the_computed_sentences_by_tone(full):
    run, text = full
    verdict = metrics_of(run)["verdict"]
    assert verdict, "the fixture must have verdict items"
    document = parse(text)
    items = by_id(document, "verdict").findall(".//li")
    assert [text_of(li).split(" ", 1)[1] for li in items] == [v["text"] for v in verdict]
    assert [li.get("class") for li in items] == [f"tone-{v['tone']}" for v in verdict]
    assert [li.get("data-key") for li in items] == [v["key"] for v in verdict]
    assert text.index('id="verdict"') < text.index('id="regime-timeline"')
    counts = text_of(by_id(document, "verdict").find("h2"))
    n_for = sum(v["tone"] == "for" for v in verdict)
    assert f"{n_for} for the thesis" in counts


def test_the_excess_of_cash_convention_is_stated_where_ratios_appear(full):
    _, text = full
    document = parse(text)
    assert "in excess of the cash fund TBIL" in text_of(by_id(document, "convention"))
    for section in ("strategy-table", "charts", "significance", "edge"):
        assert "in excess of the cash fund TBIL" in text_of(by_id(document, section)), section


def test_bounds_panel_marks_what_is_not_tradable(full):
    run, text = full
    bounds = metrics_of(run)["bounds"]
    document = parse(text)
    table = by_id(document, "bounds-table").find("tbody")
    found = {}
    for tr in table.findall("tr"):
        cells = [c for c in tr if c.tag == "td"]
        name = text_of(cells[0]).split(" ")[0]
        found[name] = (tr.get("class") or "", text_of(cells[0]), text_of(cells[2]))
    assert list(found) == [
        "walk_forward",
        "oracle",
        "oracle_delayed",
        "hindsight",
        *bounds["rivals"],
    ]
    for path in ("oracle", "oracle_delayed", "hindsight"):
        assert "not-tradable" in found[path][0] and "not tradable" in found[path][1]
    for name in ("walk_forward", *bounds["rivals"]):
        assert "not-tradable" not in found[name][0] and "not tradable" not in found[name][1]
    assert found["oracle"][2] == format_value("sharpe", bounds["paths"]["oracle"]["sharpe"])
    split = rows(document, "bounds-decomposition")
    sharpe = bounds["decomposition"]["sharpe"]
    assert split[0] == ["Sharpe"] + [
        format_value("sharpe_difference", sharpe[k]) for k in ("gap", "delay", "misclassification")
    ]
    section = text_of(by_id(document, "bounds"))
    assert "How to read it:" in section and "= delay (12 days)" in section
    assert by_id(document, "chart-bounds").find(".//{http://www.w3.org/2000/svg}svg") is not None


def test_edge_section_years_best_year_and_sub_periods(full):
    run, text = full
    edge = metrics_of(run)["edge"]
    document = parse(text)
    years = rows(document, "edge-years")
    assert [r[0] for r in years[:-1]] == list(edge["by_year"])
    rival = edge["rivals"][0]
    first = next(iter(edge["by_year"]))
    assert years[0][3] == format_value("difference", edge["by_year"][first]["difference"][rival])
    assert years[-1][0] == "years ahead"
    best = rows(document, "edge-best-year")
    assert [r[0] for r in best] == edge["rivals"]
    block = edge["best_year"][rival]
    assert best[0][1] == block["year"]
    assert best[0][-1] == format_value("sharpe_difference", block["sharpe_difference"])
    periods = rows(document, "edge-periods")
    assert periods[0][0] == edge["strategy"]
    half = edge["sub_periods"]["first_half"][edge["strategy"]]
    assert periods[0][1:3] == [
        format_value("sharpe", half["sharpe"]),
        format_value("cagr", half["cagr"]),
    ]


def test_significance_leads_with_the_no_timing_null(full):
    _, text = full
    significance = text.split('<section id="significance">', 1)[1].split("</section>", 1)[0]
    assert (
        significance.index('id="null-table"')
        < significance.index('ul class="readings"')
        < significance.index('id="zero-sharpe"')
    )
    document = parse(text)
    null = rows(document, "null-table")
    assert [r[0] for r in null] == ["basket blendbasket_blend", "better basketcash_flow_basket"]
    assert null[0][1:] == [
        "+0.05",
        "-0.25 to +0.36",
        "0.400",
        "0.21",
        "0.780",
        "0.430",
        "24",
        "0.19",
    ]
    readings = by_id(document, "significance").findall(".//ul[@class='readings']/li")
    checks = [text_of(li.find("b")) for li in readings]
    assert checks[:3] == [
        "No timing skill: vs its basket blend (basket_blend)",
        "No timing skill: vs its better basket (cash_flow_basket)",
        "Deflated Sharpe of the active return vs basket_blend",
    ]
    dsr = text_of(readings[2])
    assert "0.430" in dsr and "0.620" not in dsr
    assert "would reach" not in significance
    zero = {r[0]: r for r in rows(document, "zero-sharpe")}
    assert zero["regime_rotation"][7:] == ["0.620", "0.520"]


def test_exposure_and_spell_drawdowns_by_regime(full):
    run, text = full
    strategies = metrics_of(run)["strategies"]
    document = parse(text)
    header = [text_of(th) for th in by_id(document, "comparison").find("thead").findall(".//th")]
    assert "Exposure" in header and header.count("Worst spell DD") == 2
    spells = {r[0].rstrip("†"): r[1:] for r in rows(document, "spell-drawdowns")}
    assert set(spells) == set(strategies)
    for name, entry in strategies.items():
        expected = []
        for regime in ("abundant", "scarce"):
            block = entry["by_regime"][regime]["spell_drawdown"]
            expected += [
                format_value("max_drawdown", block["worst"]),
                format_value("max_drawdown", block["median"]),
                format_value("n_spells", block["n_spells"]),
            ]
        assert spells[name] == expected, name
    comparison = {r[0].split(" ")[0].rstrip("†"): r for r in rows(document, "comparison")}
    rotation = strategies["regime_rotation"]
    assert comparison["regime_rotation"][-1] == format_value(
        "max_drawdown", rotation["by_regime"]["scarce"]["spell_drawdown"]["worst"]
    )
    assert comparison["regime_rotation"][7] == format_value(
        "exposure", rotation["overall"]["exposure"]
    )


def test_price_only_marks_only_the_affected_strategies(full):
    run, text = full
    strategies = metrics_of(run)["strategies"]
    document = parse(text)
    for table in ("comparison", "spell-drawdowns"):
        for cells in body_cells(document, table):
            name_cell = cells[0]
            marks = [s for s in name_cell.iter("span") if s.get("class") == "mark"]
            name = (name_cell.text or "").strip()
            if name not in strategies:
                continue  # the placebo's median row
            assert bool(marks) == bool(strategies[name]["price_only"]), (table, name)
    legend = text_of(by_id(document, "price-only"))
    assert "not dividend-adjusted" in legend and "regime_rotation holds FRUT" in legend


def test_unavailable_inputs_are_listed(real, full):
    _, text = real
    document = parse(text)
    box = by_id(document, "unavailable-inputs")
    assert box.get("class") == "warning"
    items = [text_of(li) for li in box.findall(".//li")]
    assert items == [
        'DTWEXBGS: HTTP 404 `curl` | "quoted" <b>reason</b>',
        "dollar_change_13w: needs DTWEXBGS: HTTP 404",
    ]
    heading = text_of(box)
    assert "1 input series could not be loaded" in heading
    assert "1 feature(s) were left out of the classifier" in heading
    dropped = [text_of(li) for li in by_id(document, "dropped-features").findall(".//li")]
    assert dropped == ["dollar_change_13w: needs DTWEXBGS: HTTP 404"]
    currencies = text_of(by_id(document, "currencies"))
    assert "005930.KS (KRW, DEXKOUS lagged 8 days)" in currencies
    assert "Every configured input was loaded." in text_of(
        by_id(parse(full[1]), "unavailable-inputs")
    )


def test_feature_availability_table(full):
    _, text = full
    features = {r[0]: r[1:] for r in rows(parse(text), "features")}
    assert features["btc_momentum_3m"][2] == "starts after the backtest start"
    assert features["net_liquidity_13w"][2] == "starts 10.3 years after the first feature"
    assert features["vix"] == ["1994-01-26", "-", ""]


def test_episodes_outside_the_run_are_said_so_not_zero_days(real):
    _, text = real
    episodes = {r[0]: r for r in rows(parse(text), "episodes")}
    assert episodes["before_sample"][3] == "outside this run"
    assert episodes["before_sample"][5] == "—"
    assert episodes["straddles_start"][3] == "30 partly outside"
    assert "inside" not in episodes["crunch"][3]
    assert episodes["crunch"][3] == "100"
    assert "agree with" in text and "of the 2 documented episodes inside this run" in text


def test_stability_flag_on_the_dashboard(tmp_path: Path, make_run):
    flagged = write_dashboard(make_run(tmp_path / "f", stability=FLAGGED)).read_text("utf-8")
    document = parse(flagged)
    flag = text_of(by_id(document, "stability-flag"))
    assert flag.startswith("FLAGGED: moving") and "36.0%" in flag and "20%" in flag
    assert flag.count("FLAGGED") == 1
    # and above the fold, in the header
    header = text_of(by_id(document, "stability-flag-header"))
    assert header.startswith("Unstable labels: moving the start") and "36.0%" in header
    assert flagged.index('id="stability-flag-header"') < flagged.index('id="regime-timeline"')
    table = rows(document, "stability")
    assert table[0] == [
        "composite",
        "64.0%from 1991-01-29, 600 days",
        "90.0%from 1995-01-29, 580 days",
        "n/athe data start on 1993-01-29",
        "36.0%",
        "FLAGGED: labels depend on the start",
    ]
    stable = write_dashboard(make_run(tmp_path / "s", stability=STABLE)).read_text("utf-8")
    assert (
        'id="stability-flag' not in stable and "stable" in rows(parse(stable), "stability")[0][-1]
    )
    none = write_dashboard(make_run(tmp_path / "n")).read_text("utf-8")
    assert 'id="stability"' not in none


def test_the_label_gap_reading_appears_once(full, real):
    for _, text in (full, real):
        assert text.count("Regime labels, in-sample vs walk-forward") == 1


#: Each kind's one pattern (reports.markup): every column uses exactly one.
KIND_PATTERNS = {
    "percent": r"-?\d+\.\d%",
    "change": r"[+-]\d+\.\d%|0\.0%",
    "ratio": r"-?\d+\.\d\d",
    "difference": r"[+-]\d+\.\d\d|0\.00",
    "probability": r"\d\.\d{3}",
    "count": r"-?\d{1,3}(,\d{3})*",
    "interval": r"-?\d+\.\d\d to -?\d+\.\d\d",
    "signed interval": r"[+-]\d+\.\d\d to [+-]\d+\.\d\d",
}


def _kind(text: str) -> set[str]:
    return {k for k, p in KIND_PATTERNS.items() if re.fullmatch(p, text)}


@pytest.mark.parametrize(
    "table_id",
    [
        "comparison",
        "spell-drawdowns",
        "null-table",
        "zero-sharpe",
        "bounds-table",
        "edge-years",
        "edge-best-year",
        "edge-periods",
        "truth-metrics",
        "confusion",
    ],
)
def test_numbers_follow_one_rule_per_column(full, table_id):
    """Issue 17 F11: no 0.00577 beside 0.01, no bare 0 beside 0.00."""
    _, text = full
    columns: dict[int, list[str]] = {}
    for cells in body_cells(parse(text), table_id):
        for position, c in enumerate(cells):
            if c.get("data-v"):  # numeric cells
                columns.setdefault(position, []).append((c.text or "").strip())
    assert columns, table_id
    for position, values in columns.items():
        kinds = [_kind(v) for v in values]
        assert all(kinds), (
            table_id,
            position,
            [v for v, k in zip(values, kinds, strict=True) if not k],
        )
        common = set.intersection(*kinds)
        assert common, (table_id, position, values)


def test_header_shows_params_as_a_table_not_a_dict(full):
    _, text = full
    header = text.split('id="run-header"', 1)[1].split("</section>", 1)[0]
    assert "{" not in header and "&#39;vix&#39;" not in header
    assert '<span class="k">vix</span> <b>-1</b>' in header
    assert '<span class="k">net_liquidity_13w</span> <b>+1</b>' in header
    assert '<span class="k">enter_threshold</span> 0.5' in header


def test_real_data_run_has_no_badge_and_no_truth(real):
    _, text = real
    assert "SYNTHETIC" not in text
    classifier = text.split('id="classifier"', 1)[1]
    assert 'id="truth-metrics"' not in classifier and 'id="confusion"' not in classifier
    assert 'id="episodes"' in classifier


def test_synthetic_classifier_shows_truth_metrics(full):
    _, text = full
    classifier = text.split('id="classifier"', 1)[1].split("</section>", 1)[0]
    assert 'id="truth-metrics"' in classifier and "Balanced accuracy" in classifier
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


def test_html_is_well_formed(full, real, minimal):
    for _, text in (full, real, minimal):
        _strict_parse(text)


def test_strict_parse_catches_unclosed_structural_tags():
    broken = "<!DOCTYPE html><html><head><title>x</title></head><body><section><table><tr>"
    with pytest.raises(html5lib.html5parser.ParseError):
        _strict_parse(broken)


def test_nothing_loads_from_the_network(full):
    _, text = full
    for element in parse(text).iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        for attribute in ("src", "href", "xlink:href", "{http://www.w3.org/1999/xlink}href"):
            value = element.get(attribute) or ""
            if tag in {"script", "link", "img", "image", "use", "iframe", "source"}:
                assert not value.startswith(("http://", "https://", "//")), (tag, value)
    assert "@import" not in text and "url(http" not in text
    assert not re.search(r'<(script|img|link|iframe)[^>]+(src|href)="(https?:)?//', text)


def test_files_section_links_every_csv_json_and_tearsheet(run_dir: Path):
    (run_dir / "tearsheets").mkdir()
    (run_dir / "tearsheets" / "regime_rotation.html").write_text("<html></html>", encoding="utf-8")
    text = write_dashboard(run_dir).read_text(encoding="utf-8")
    files_section = text.split('id="files"', 1)[1]
    expected = [
        p.relative_to(run_dir).as_posix()
        for p in run_dir.rglob("*")
        if p.suffix in {".csv", ".json"}
    ] + ["tearsheets/regime_rotation.html"]
    for relative in expected:
        assert f'href="{relative}"' in files_section, relative


def test_write_is_atomic_deterministic_and_small(run_dir: Path):
    first = write_dashboard(run_dir).read_bytes()
    second = write_dashboard(run_dir).read_bytes()
    assert first == second
    assert len(first) < 5 * 1024 * 1024
    leftovers = [p.name for p in run_dir.iterdir() if p.name.startswith(".")]
    assert not leftovers


@pytest.mark.parametrize(("umask", "mode"), [(0o027, 0o640), (0o002, 0o664)])
def test_index_html_follows_the_umask(run_dir: Path, umask: int, mode: int):
    previous = os.umask(umask)
    try:
        page = write_dashboard(run_dir)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(page.stat().st_mode) == mode


def test_missing_required_file_is_a_clear_error(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="metrics.json"):
        write_dashboard(tmp_path)
