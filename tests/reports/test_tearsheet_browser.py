"""Open a quantstats tearsheet in headless Chromium (Debian's, via Playwright's Python package).

Twelve calendar years, so quantstats' EOY chart takes its "more than 10 years"
branch, the one that crushed every label at the left of the chart (F6).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reports.tearsheets import write_tearsheets

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
]
STRATEGY = "rotation"

#: Boxes (left, right, top, bottom) of the EOY chart's bars, tick marks and tick labels;
#: matplotlib writes each label's text as a comment before its glyph paths.
EOY_GEOMETRY = """() => {
  const svg = document.querySelector('#eoy_returns svg');
  const box = e => {
    const r = e.getBoundingClientRect(); return [r.left, r.right, r.top, r.bottom];
  };
  const bars = [...svg.querySelectorAll('g[id="axes_1"] > g[id^="patch_"] > path[clip-path]')]
    .map(path => ({fill: getComputedStyle(path).fill, box: box(path)}));
  const ticks = [...svg.querySelectorAll('g[id^="xtick_"]')].map(tick => {
    const text = tick.querySelector('g[id^="text_"]');
    const comment = text && [...text.childNodes].find(n => n.nodeType === Node.COMMENT_NODE);
    return {x: box(tick.querySelector('g[id^="line2d_"] use'))[0],
            label: comment ? comment.nodeValue.trim() : '', box: text ? box(text) : null};
  });
  return {bars, ticks};
}"""
#: Which characters draw exactly like a code point no font has (the .notdef box),
#: in the font of the metrics table, on a canvas.
MISSING_GLYPHS = """(chars) => {
  const font = getComputedStyle(document.querySelector('#right table td')).font
    .replace(/\\d+(\\.\\d+)?px/, '40px');
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 64;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const draw = ch => {
    ctx.clearRect(0, 0, 64, 64);
    ctx.font = font; ctx.textBaseline = 'top'; ctx.fillText(ch, 4, 4);
    return ctx.getImageData(0, 0, 64, 64).data.join(',');
  };
  const notdef = draw('\\uE000');
  return {calibrated: notdef === draw('\\u0378') && notdef !== draw('%'),
          missing: chars.filter(ch => draw(ch) === notdef)};
}"""


def _sync_playwright():
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright python package not installed")
    return sync_playwright


def _write_run(root: Path, seed: int = 12) -> Path:
    """A twelve-year run directory in rundir.load_run's format."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2012-01-03", periods=252 * 12 - 30)
    iso = pd.Index(dates.strftime("%Y-%m-%d"), name="date")
    n_days = len(dates)
    prices = pd.DataFrame(
        {
            "MKT": 100 * np.exp(np.cumsum(rng.normal(3e-4, 0.011, n_days))),
            "TBIL": 100 * np.cumprod(1 + rng.normal(0.02 / 252, 2e-5, n_days)),
        },
        index=iso,
    )
    returns = pd.DataFrame({STRATEGY: rng.normal(4e-4, 0.012, n_days)}, index=iso)
    returns.iloc[0] = 0.0
    (root / "inputs").mkdir(parents=True)
    returns.to_csv(root / "returns.csv")
    prices.to_csv(root / "inputs" / "prices.csv")
    pd.DataFrame({"regime": "abundant", "p_scarce": 0.2}, index=iso).to_csv(root / "regimes.csv")
    run = {"name": "twelve-years", "benchmark": "MKT", "cash": "TBIL", "synthetic": True}
    (root / "metrics.json").write_text(json.dumps({"run": run}), encoding="utf-8")
    return root


@pytest.mark.slow
@pytest.mark.browser
def test_tearsheet_in_headless_chromium(tmp_path: Path):
    sync_playwright = _sync_playwright()
    run = _write_run(tmp_path / "run")
    [path] = write_tearsheets(run, [STRATEGY], processes=1)
    frame = pd.read_csv(run / "returns.csv", index_col="date", parse_dates=True)
    prices = pd.read_csv(run / "inputs" / "prices.csv", index_col="date", parse_dates=True)
    frame["MKT"] = (prices["MKT"] / prices["MKT"].shift(1) - 1).fillna(0.0)
    yearly = (1 + frame).groupby(frame.index.year).prod() - 1
    years = [str(year) for year in yearly.index]
    assert len(years) == 12

    artifacts = Path(os.environ.get("ARTIFACTS_DIR") or tmp_path)
    artifacts.mkdir(parents=True, exist_ok=True)
    console_errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.on(
                "console", lambda m: console_errors.append(m.text) if m.type == "error" else None
            )
            page.on("pageerror", lambda e: console_errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(path.resolve().as_uri(), wait_until="load")
            page.screenshot(path=str(artifacts / "tearsheet-1440x900.png"), full_page=True)
            page.locator("#eoy_returns").screenshot(path=str(artifacts / "tearsheet-eoy.png"))
            geometry = page.evaluate(EOY_GEOMETRY)
            text = page.evaluate("document.body.innerText")
            glyphs = page.evaluate(MISSING_GLYPHS, sorted({ch for ch in text if ord(ch) > 127}))
        finally:
            browser.close()

    assert not console_errors, console_errors
    assert all(url.startswith(("file:", "data:")) for url in requests), requests

    # bars: the benchmark's and the strategy's, one pair per year, left to right
    by_fill: dict[str, list[list[float]]] = {}
    for bar in geometry["bars"]:
        by_fill.setdefault(bar["fill"], []).append(bar["box"])
    assert len(by_fill) == 2 and all(len(b) == len(years) for b in by_fill.values())
    left_bars, right_bars = sorted(
        (sorted(boxes) for boxes in by_fill.values()), key=lambda boxes: boxes[0][0]
    )
    pairs = [(left[0], right[1]) for left, right in zip(left_bars, right_bars, strict=True)]
    centres = np.array([(low + high) / 2 for low, high in pairs])
    heights = np.array([[box[3] - box[2] for box in bars] for bars in (left_bars, right_bars)]).T
    magnitudes = yearly[["MKT", STRATEGY]].abs().to_numpy()
    scale = (heights * magnitudes).sum() / (magnitudes * magnitudes).sum()
    np.testing.assert_allclose(heights, scale * magnitudes, atol=1.0)  # pair i is year i

    labelled = sorted((t for t in geometry["ticks"] if t["label"]), key=lambda t: t["x"])
    assert [t["label"] for t in labelled] == years
    for i, tick in enumerate(labelled):
        low, high = pairs[i]
        assert low < tick["x"] < high, (tick, pairs[i])
        assert abs(tick["x"] - centres[i]) < 2, (tick, centres[i])
        left, right = tick["box"][:2]
        assert left < high and right > low, f"label {tick['label']} is not under its bars"
        nearest = int(np.argmin(np.abs(centres - (left + right) / 2)))
        assert nearest == i, f"label {tick['label']} sits under the bars of {years[nearest]}"

    assert glyphs["calibrated"], "the canvas cannot tell a missing glyph here"
    assert not glyphs["missing"], [f"U+{ord(ch):04X}" for ch in glyphs["missing"]]
    assert "CAGR%" in text
