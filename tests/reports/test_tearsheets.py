"""quantstats tearsheets: HTML out, quiet stderr, no network, benchmark as a Series,
Sharpe and Sortino in excess of the cash fund, an EOY chart whose bars sit on their years."""

from __future__ import annotations

import contextlib
import html
import json
import re
import socket
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reports.tearsheets import (
    _without_replaced_charts,
    annualised_rates,
    benchmark_returns,
    cash_returns,
    clean_tearsheet_html,
    tearsheet_strategies,
    write_tearsheets,
)

YEAR = 252  # the convention's constant, written out: the test is its own oracle
SVG = "{http://www.w3.org/2000/svg}"


def test_benchmark_and_cash_returns_from_prices():
    index = pd.bdate_range("2022-01-03", periods=253)
    prices = pd.DataFrame(
        {"MKT": np.linspace(100, 110, 253), "TBIL": 100 * 1.03 ** (np.arange(253) / 252)},
        index=index,
    )
    prices.iloc[:3, 0] = np.nan
    prices.iloc[10, 1] = np.nan
    before = prices.copy()
    bench = benchmark_returns(prices, "MKT")
    assert bench.name == "MKT" and bench.index.equals(index)
    assert bench.iloc[:4].eq(0.0).all() and bench.iloc[4] > 0
    cash = cash_returns(prices, "TBIL")
    assert cash.name == "TBIL" and cash.index.equals(index)
    # valued like a holding: 0 on the gap day, the move over the gap the day after
    assert cash.iloc[0] == 0.0 and cash.iloc[10] == 0.0
    assert cash.iloc[11] == pytest.approx(1.03 ** (2 / 252) - 1, rel=1e-9)
    assert cash.drop(index[[0, 10, 11]]).to_numpy() == pytest.approx(
        1.03 ** (1 / 252) - 1, rel=1e-9
    )
    pd.testing.assert_frame_equal(prices, before)
    with pytest.raises(KeyError, match="SPY"):
        benchmark_returns(prices, "SPY")
    with pytest.raises(KeyError, match="cash 'BIL'"):
        cash_returns(prices, "BIL")


def test_annualised_rates_come_back_through_quantstats_de_annualisation():
    daily = pd.Series(
        [0.0, 1e-4, -2e-5, 3e-4, -0.05], index=pd.bdate_range("2024-01-01", periods=5), name="TBIL"
    )
    before = daily.copy()
    rates = annualised_rates(daily)
    # quantstats 0.0.86 utils.to_excess_returns(..., nperiods=252):
    back = np.power(1 + rates, 1.0 / YEAR) - 1.0
    np.testing.assert_allclose(back.to_numpy(), daily.to_numpy(), rtol=0, atol=1e-13)
    assert rates.index.equals(daily.index) and rates.name == "TBIL"
    assert rates.iloc[1] == pytest.approx(1.0001**YEAR - 1, rel=1e-12)
    # quantstats.reports.html writes f"RF: {rf:.1%}": the mean annual rate
    assert f"{rates:.3%}" == f"{((1 + daily) ** YEAR - 1).mean():.3%}"
    assert type(rates * 2) is pd.Series  # derived objects are plain Series
    pd.testing.assert_series_equal(daily, before)


@pytest.mark.parametrize("bad", [-0.2, -1.0, np.nan, 40.0])
def test_annualised_rates_refuse_what_quantstats_cannot_give_back(bad):
    daily = pd.Series([0.0, 1e-4, bad], index=pd.bdate_range("2024-01-01", periods=3), name="TBIL")
    with pytest.raises(ValueError, match=r"'TBIL'.*2024-01-03"):
        annualised_rates(daily)


def test_clean_tearsheet_html_maps_glyphs_the_fonts_lack():
    text = clean_tearsheet_html("<tr><td>CAGR\N{SMALL PERCENT SIGN}</td><td>1%</td></tr>")
    assert text == "<tr><td>CAGR%</td><td>1%</td></tr>"


def test_unknown_strategy_is_a_clear_error(run_dir: Path):
    with pytest.raises(KeyError, match="nope"):
        write_tearsheets(run_dir, ["nope"])


def test_tearsheet_strategies_follow_the_roles_recorded_in_the_run(run_dir: Path):
    # conftest's config.toml has no [report] table: the config default (no placebos)
    assert tearsheet_strategies(run_dir) == [
        "regime_rotation",
        "cash_flow_basket",
        "speculative_basket",
        "basket_blend",
        "benchmark",
    ]
    assert tearsheet_strategies(run_dir, ["placebo"]) == ["inverse_rotation", "random_rotation"]
    config = run_dir / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + '[report]\ntearsheet_roles = ["strategy", "placebo"]\n',
        encoding="utf-8",
    )
    assert tearsheet_strategies(run_dir) == [
        "regime_rotation",
        "inverse_rotation",
        "random_rotation",
    ]
    assert tearsheet_strategies(run_dir, ["benchmark"]) == [
        "cash_flow_basket",
        "speculative_basket",
        "basket_blend",
        "benchmark",
    ]
    assert tearsheet_strategies(run_dir, []) == []


def test_the_replaced_quantstats_charts_are_stubbed_only_while_the_page_renders():
    calls = []

    class Plots:
        rolling_sharpe = staticmethod(lambda *a, **k: calls.append("sharpe"))
        rolling_sortino = staticmethod(lambda *a, **k: calls.append("sortino"))
        rolling_volatility = staticmethod(lambda *a, **k: calls.append("volatility"))

    class Quantstats:
        plots = Plots

    originals = (Plots.rolling_sharpe, Plots.rolling_sortino)
    with pytest.raises(RuntimeError), _without_replaced_charts(Quantstats):
        Plots.rolling_sharpe([], rf=0.0)
        Plots.rolling_sortino([])
        Plots.rolling_volatility([])
        raise RuntimeError("restored on errors too")
    assert calls == ["volatility"]
    assert (Plots.rolling_sharpe, Plots.rolling_sortino) == originals


def _check_tearsheet(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.lstrip().lower().startswith(("<!doctype html", "<!--"))
    assert "<svg" in text and "</html>" in text
    assert "https://qtpylib.io" not in text and 'onload="save()"' not in text
    assert "{{" not in text and "regime-backtester:" not in text, "a placeholder is left"


@pytest.mark.slow
def test_one_tearsheet_in_process_without_network(run_dir: Path, capfd, monkeypatch):
    attempts: list[object] = []

    def refuse(self, address):
        attempts.append(address)
        raise OSError(f"network access attempted: {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(
        socket, "create_connection", lambda *a, **k: refuse(None, a[0] if a else None)
    )
    import matplotlib

    before = dict(matplotlib.rcParams)
    plot_params = dict(pd.plotting.plot_params)
    paths = write_tearsheets(run_dir, ["regime_rotation"], processes=0)
    assert paths == [run_dir / "tearsheets" / "regime_rotation.html"]
    _check_tearsheet(paths[0])
    assert not attempts
    assert dict(matplotlib.rcParams) == before, "quantstats' rcParams leaked"
    assert dict(pd.plotting.plot_params) == plot_params, "pandas' x_compat leaked"
    _out, err = capfd.readouterr()
    assert err == "", err
    assert not [p for p in paths[0].parent.iterdir() if p.name.startswith(".")]


@pytest.mark.slow
def test_tearsheets_in_worker_processes_are_quiet(run_dir: Path, capfd):
    paths = write_tearsheets(run_dir, ["regime_rotation", "random_rotation"], processes=2)
    assert [p.name for p in paths] == ["regime_rotation.html", "random_rotation.html"]
    for path in paths:
        _check_tearsheet(path)
    _out, err = capfd.readouterr()
    assert err == "", err


@pytest.mark.slow
def test_by_default_only_the_configured_roles_get_tearsheets_and_links(run_dir: Path):
    from reports.dashboard import write_dashboard

    config = run_dir / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + '[report]\ntearsheet_roles = ["strategy"]\n',
        encoding="utf-8",
    )
    paths = write_tearsheets(run_dir, processes=1)
    assert paths == [run_dir / "tearsheets" / "regime_rotation.html"]
    assert sorted(p.name for p in (run_dir / "tearsheets").iterdir()) == ["regime_rotation.html"]
    page = write_dashboard(run_dir).read_text(encoding="utf-8")
    linked = set(re.findall(r'href="(tearsheets/[^"]+)"', page))
    assert linked == {"tearsheets/regime_rotation.html"}


def test_worker_processes_refuse_network_connections():
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from reports.tearsheets import NetworkAccessError, _worker_init

    with ProcessPoolExecutor(1, mp_context=get_context("spawn"), initializer=_worker_init) as pool:
        future = pool.submit(socket.create_connection, ("127.0.0.1", 9), 0.1)
        with pytest.raises(NetworkAccessError, match="must not use the network"):
            future.result(timeout=60)


# --- one small run directory, written here with pandas (rundir.load_run's format) ---

STRATEGY = "rotation"


def write_small_run(
    root: Path, seed: int = 20240611, n_days: int = 1100, warm_up: int = 60
) -> Path:
    """returns.csv, inputs/prices.csv (MKT, TBIL), regimes.csv and metrics.json.

    The cash fund earns about 8 % a year, with a three-day gap in its prices;
    the strategy is flat for ``warm_up`` days, then alternates calm and wild
    quarters. Both make a rf-free or date-trimmed Sharpe visibly different.
    """
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2019-03-01", periods=n_days)
    iso = pd.Index(dates.strftime("%Y-%m-%d"), name="date")
    market = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.011, n_days)))
    cash = 100 * np.cumprod(1 + rng.normal(0.08 / YEAR, 3e-5, n_days))
    prices = pd.DataFrame({"MKT": market, "TBIL": cash}, index=iso)
    prices.iloc[200:203, 1] = np.nan
    vol = np.where((np.arange(n_days) // 63) % 2 == 0, 0.006, 0.02)
    rotation = rng.normal(0.0005, vol)
    rotation[:warm_up] = 0.0
    returns = pd.DataFrame({STRATEGY: rotation, "placebo": rng.normal(0, 0.01, n_days)}, index=iso)
    returns.iloc[0] = 0.0
    (root / "inputs").mkdir(parents=True)
    returns.to_csv(root / "returns.csv")
    prices.to_csv(root / "inputs" / "prices.csv")
    pd.DataFrame({"regime": "abundant", "p_scarce": 0.2}, index=iso).to_csv(root / "regimes.csv")
    run = {"name": "tiny", "benchmark": "MKT", "cash": "TBIL", "synthetic": True}
    (root / "metrics.json").write_text(json.dumps({"run": run}), encoding="utf-8")
    return root


def read_small_run(root: Path) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Strategy, benchmark and cash daily returns, straight from the CSV files."""
    returns = pd.read_csv(root / "returns.csv", index_col="date", parse_dates=True)
    prices = pd.read_csv(root / "inputs" / "prices.csv", index_col="date", parse_dates=True)
    fund = prices["TBIL"].ffill()  # a gap carries the last close, as the engine values it
    cash = (fund / fund.shift(1) - 1).fillna(0.0)
    market = (prices["MKT"] / prices["MKT"].shift(1) - 1).fillna(0.0)
    return returns[STRATEGY], market, cash


def sharpe(excess: pd.Series) -> float:
    return float(excess.mean() / excess.std(ddof=1) * np.sqrt(YEAR))


def sortino(excess: pd.Series) -> float:
    downside = np.sqrt(np.mean(np.minimum(excess.to_numpy(), 0.0) ** 2))
    return float(excess.mean() / downside * np.sqrt(YEAR))


@pytest.fixture(scope="module")
def small_run(tmp_path_factory) -> Path:
    return write_small_run(tmp_path_factory.mktemp("tearsheet") / "run")


@pytest.fixture(scope="module")
def page(small_run: Path) -> str:
    """The strategy's tearsheet, rendered in a worker process as the runner does."""
    [path] = write_tearsheets(small_run, [STRATEGY], processes=1)
    _check_tearsheet(path)
    return path.read_text(encoding="utf-8")


def metrics_table(page: str) -> dict[str, list[str]]:
    """``{metric: [benchmark cell, strategy cell]}`` of 'Key Performance Metrics'."""
    right = page[page.index('<div id="right">') :]
    table = right[: right.index("</table>")]
    header = re.findall(r"<th>(.*?)</th>", table)
    assert header == ["Metric", "MKT", STRATEGY], header
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.DOTALL):
        cells = [html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", row, flags=re.DOTALL)]
        if len(cells) == 3:
            rows[cells[0]] = cells[1:]
    return rows


def number(cell: str) -> float:
    assert re.fullmatch(r"-?\d+(\.\d+)?%?", cell), cell
    return float(cell.rstrip("%"))


@pytest.mark.slow
def test_sharpe_and_sortino_are_in_excess_of_the_cash_fund(small_run: Path, page: str):
    strategy, market, cash = read_small_run(small_run)
    table = metrics_table(page)
    for column, returns in enumerate((market, strategy)):
        excess = returns - cash
        shown_sharpe = number(table["Sharpe"][column])
        shown_sortino = number(table["Sortino"][column])
        assert shown_sharpe == pytest.approx(sharpe(excess), abs=0.005 + 1e-9), column
        assert shown_sortino == pytest.approx(sortino(excess), abs=0.005 + 1e-9), column
        # the fixture has teeth: no rf (or c_t de-annualised once more by quantstats)
        # and dropping the flat start (quantstats' match_dates) each move the ratio
        assert abs(sharpe(returns) - sharpe(excess)) > 0.05
    trimmed = (strategy - cash).iloc[60:]
    assert abs(sharpe(trimmed) - sharpe(strategy - cash)) > 0.015


@pytest.mark.slow
def test_subtitle_and_risk_free_row_show_the_average_annual_cash_rate(small_run: Path, page: str):
    _strategy, _market, cash = read_small_run(small_run)
    average = float(((1 + cash) ** YEAR - 1).mean())
    assert 0.07 < average < 0.09
    assert f"RF: {average:.1%}" in page
    for cell in metrics_table(page)["Risk-Free Rate"]:
        assert number(cell) == pytest.approx(average * 100, abs=0.005 + 1e-9)


@pytest.mark.slow
def test_every_row_of_the_metrics_table_is_one_short_line(page: str):
    """Rows quantstats defines with a scalar rf (UPI, Serenity, Treynor) are numbers."""
    table = metrics_table(page)
    for label in ("Ulcer Performance Index", "Serenity Index"):
        for cell in table[label]:
            number(cell)
    assert table["Treynor Ratio"][0] == "-"
    number(table["Treynor Ratio"][1])
    for label, cells in table.items():
        assert all(len(cell) < 20 and "\n" not in cell for cell in cells), (label, cells)


@pytest.mark.slow
def test_without_a_benchmark_the_ratios_are_still_in_excess_of_cash(tmp_path: Path):
    run = write_small_run(tmp_path / "run", n_days=400)
    metrics = json.loads((run / "metrics.json").read_text(encoding="utf-8"))
    del metrics["run"]["benchmark"]
    (run / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    [path] = write_tearsheets(run, [STRATEGY], processes=1)
    text = path.read_text(encoding="utf-8")
    strategy, _market, cash = read_small_run(run)
    rows = {}
    for row in re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td></tr>", text):
        rows[row[0]] = row[1]
    assert number(rows["Sharpe"]) == pytest.approx(sharpe(strategy - cash), abs=0.005 + 1e-9)
    assert number(rows["Sortino"]) == pytest.approx(sortino(strategy - cash), abs=0.005 + 1e-9)
    for label in ("Ulcer Performance Index", "Serenity Index"):
        number(rows[label])
    assert "Treynor Ratio" not in rows


def chart(page: str, div_id: str) -> ET.Element:
    """The ``<svg>`` inside ``<div id=div_id>``, with matplotlib's comments (the tick labels)."""
    start = page.index("<svg", page.index(f'<div id="{div_id}">'))
    end = page.index("</svg>", start) + len("</svg>")
    parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))
    return ET.fromstring(page[start:end], parser=parser)


def ticks(svg: ET.Element, axis: str) -> list[tuple[float, str]]:
    """(position in px, label) of each drawn tick of matplotlib's ``x`` or ``y`` axis."""
    found = []
    for tick in svg.iter(f"{SVG}g"):
        if not tick.get("id", "").startswith(f"{axis}tick_"):
            continue
        marker = next(u for u in tick.iter(f"{SVG}use") if u.get(axis) is not None)
        labels = [c.text.strip() for c in tick.iter() if c.tag is ET.Comment]
        found.append((float(marker.get(axis)), labels[0] if labels else ""))
    return found


def path_points(element: ET.Element) -> np.ndarray:
    numbers = re.findall(r"-?\d+(?:\.\d+)?", element.find("{*}path").get("d"))
    return np.array(numbers, dtype=float).reshape(-1, 2)


@pytest.mark.slow
def test_eoy_chart_puts_each_year_label_under_that_year_s_bars(small_run: Path, page: str):
    """F6: pandas 3 bars at period ordinals vs quantstats' positional year labels."""
    strategy, market, _cash = read_small_run(small_run)
    yearly = pd.DataFrame({"MKT": market, STRATEGY: strategy})
    yearly = (1 + yearly).groupby(yearly.index.year).prod() - 1
    years = [str(year) for year in yearly.index]
    assert len(years) == 5

    svg = chart(page, "eoy_returns")
    axes = svg.find(".//{*}g[@id='axes_1']")
    bars: dict[str, list[np.ndarray]] = {}
    for group in axes.findall("{*}g"):  # direct children: not the legend's patches
        path = group.find("{*}path")
        if group.get("id", "").startswith("patch_") and path.get("clip-path"):
            fill = re.search(r"fill: (#\w+)", path.get("style")).group(1)
            bars.setdefault(fill, []).append(path_points(group))
    assert len(bars) == 2 and all(len(b) == len(years) for b in bars.values()), bars.keys()
    benchmark_bars, strategy_bars = sorted(
        (sorted(group, key=lambda p: p[:, 0].min()) for group in bars.values()),
        key=lambda group: group[0][:, 0].min(),
    )  # the benchmark is drawn left of each pair

    # the i-th bar of each series, from the left, shows year i (heights ~ returns)
    heights = np.array(
        [[p[0, 1] - p[2, 1] for p in group] for group in (benchmark_bars, strategy_bars)]
    ).T
    values = yearly.to_numpy()
    scale = (heights * values).sum() / (values * values).sum()
    np.testing.assert_allclose(heights, scale * values, atol=0.5)

    labelled = [(x, label) for x, label in ticks(svg, "x") if label]
    assert [label for _x, label in sorted(labelled)] == years
    for (x, label), left, right in zip(
        sorted(labelled), benchmark_bars, strategy_bars, strict=True
    ):
        low, high = left[:, 0].min(), right[:, 0].max()
        assert low < x < high, f"label {label} at x={x:.1f}, its bars span {low:.1f}-{high:.1f}"
        assert x == pytest.approx((low + high) / 2, abs=1.0)


def red_mean_line_value(svg: ET.Element) -> tuple[float, float]:
    """The red dashed mean line's value (read off the y tick labels) and px per unit."""
    [line] = [
        g
        for g in svg.iter(f"{SVG}g")
        if g.get("id", "").startswith("line2d_")
        and g.find("{*}path") is not None
        and "stroke: #ff0000" in g.find("{*}path").get("style", "")
    ]
    y = path_points(line)[0, 1]
    positions, labels = zip(
        *((p, float(label.replace("\N{MINUS SIGN}", "-"))) for p, label in ticks(svg, "y")),
        strict=True,
    )
    slope, intercept = np.polyfit(labels, positions, 1)
    return float((y - intercept) / slope), abs(float(slope))


@pytest.mark.slow
def test_rolling_sharpe_and_sortino_charts_use_excess_returns(small_run: Path, page: str):
    strategy, _market, cash = read_small_run(small_run)
    window = 126

    def rolling_sharpe(r):
        return (r.rolling(window).mean() / r.rolling(window).std() * np.sqrt(YEAR)).mean()

    def rolling_sortino(r):
        downside = (np.minimum(r, 0.0) ** 2).rolling(window).sum() / window
        return (r.rolling(window).mean() / np.sqrt(downside) * np.sqrt(YEAR)).mean()

    for div_id, ratio in (("rolling_sharpe", rolling_sharpe), ("rolling_sortino", rolling_sortino)):
        shown, px_per_unit = red_mean_line_value(chart(page, div_id))
        expected, raw = ratio(strategy - cash), ratio(strategy)
        assert abs(expected - raw) * px_per_unit > 3, "fixture without teeth"
        assert shown == pytest.approx(expected, abs=1.0 / px_per_unit), (div_id, raw)


def installed_glyphs() -> set[int]:
    from fontTools.ttLib import TTFont, TTLibError
    from matplotlib import font_manager

    covered: set[int] = set()
    for path in font_manager.findSystemFonts(fontext="ttf"):
        with (
            contextlib.suppress(TTLibError, OSError),
            TTFont(path, fontNumber=0, lazy=True) as font,
        ):
            covered.update(font.getBestCmap() or {})  # an unreadable file covers nothing
    return covered


@pytest.mark.slow
def test_every_character_of_the_page_has_a_glyph_in_the_installed_fonts(page: str):
    """Charts are paths; the rest is text set in whatever fonts are installed here."""
    assert "<tr><td>CAGR%</td>" in page
    covered = installed_glyphs()
    if not covered:
        pytest.skip("no fonts found by matplotlib.font_manager")
    text = re.sub(r"<(svg|style|script)\b.*?</\1>", " ", page, flags=re.DOTALL)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    missing = sorted({ch for ch in text if not ch.isspace() and ord(ch) not in covered})
    assert not missing, [f"U+{ord(ch):04X} {ch}" for ch in missing]
