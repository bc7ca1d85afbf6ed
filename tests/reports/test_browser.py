"""Open the dashboard in a real headless Chromium (Debian's, via Playwright's Python package).

At 1000 and 1440 px wide: no horizontal overflow (the scarce columns of the
comparison table are on screen), no console error, no network request, the
verdict panel above the fold, sorting works, and no injected script runs.
Screenshots go to ``$ARTIFACTS_DIR`` (default: the test's tmp dir).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import numpy as np
import pytest

from reports import write_dashboard

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
]
SECTIONS = [
    "run-header",
    "verdict",
    "regime-timeline",
    "strategy-table",
    "charts",
    "significance",
    "bounds",
    "edge",
    "classifier",
    "files",
]
WIDTHS = (1000, 1440)
HEIGHT = 900
UNSTABLE = {
    "start_shift": {
        "-2y": {"history_start": "1991-01-29", "agreement": 0.69, "n_days": 600},
        "-4y": {"available": False, "reason": "the data start on 1993-01-29"},
    },
    "max_start_shift_change": 0.31,
    "flagged": True,
}
#: Elements whose right edge passes the viewport (the page would scroll or cut them off).
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  return Array.from(document.querySelectorAll('body *'))
    .filter(e => e.getBoundingClientRect().width > 0
                 && e.getBoundingClientRect().right > width + 0.5)
    .slice(0, 10).map(e => e.tagName + '#' + e.id + '.' + e.className);
}"""


def _sync_playwright():
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright python package not installed")
    return sync_playwright


@pytest.fixture(scope="module")
def browser():
    sync_playwright = _sync_playwright()
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _run(make_run, tmp_path: Path, name: str) -> Path:
    variants = {
        "synthetic": {"seed": 11, "significance": True},
        # the tallest header: unavailable inputs and a flagged classifier
        "real": {"seed": 5, "synthetic": False, "significance": True, "stability": UNSTABLE},
        "hostile": {"seed": 11, "significance": True, "hostile": True, "synthetic": False},
    }
    run = make_run(tmp_path / name, **variants[name])
    (run / "tearsheets").mkdir()
    (run / "tearsheets" / "regime_rotation.html").write_text(
        "<!DOCTYPE html><html><head><title>t</title></head><body>t</body></html>", encoding="utf-8"
    )
    write_dashboard(run)
    return run


@pytest.mark.browser
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("variant", ["synthetic", "real", "hostile"])
def test_dashboard_in_headless_chromium(
    browser, make_run, tmp_path: Path, variant: str, width: int
):
    from PIL import Image

    run = _run(make_run, tmp_path, variant)
    artifacts = Path(os.environ.get("ARTIFACTS_DIR") or tmp_path)
    artifacts.mkdir(parents=True, exist_ok=True)
    screenshot = artifacts / f"dashboard-{variant}-{width}x{HEIGHT}.png"

    console_errors: list[str] = []
    requests: list[str] = []
    dialogs: list[str] = []
    page = browser.new_page(viewport={"width": width, "height": HEIGHT})
    try:
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: console_errors.append(str(e)))
        page.on(
            "request",
            lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:")) else None,
        )
        page.on("requestfailed", lambda r: requests.append(f"failed {r.url}"))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto((run / "index.html").resolve().as_uri(), wait_until="load")

        for section in SECTIONS:
            assert page.locator(f"#{section}").count() == 1, section
        # no sideways scrolling, nothing cut off: the scarce columns are on screen
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.evaluate(OVERFLOW_JS) == []
        last_header = page.locator("#comparison thead tr:last-child th").last
        box = last_header.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width, box
        scarce = page.locator("#comparison thead th.scope-scarce").bounding_box()
        assert scarce is not None and scarce["x"] + scarce["width"] <= width
        # the verdict panel is wholly above the fold
        verdict = page.locator("#verdict").bounding_box()
        assert verdict is not None and verdict["y"] + verdict["height"] <= HEIGHT, verdict

        for figure_id in (
            "chart-event-study",
            "chart-sweep",
            "chart-walk-forward",
            "chart-placebo",
            "chart-bounds",
            "chart-regime-sharpe",
        ):
            assert page.locator(f"#{figure_id} svg").count() == 1, figure_id
            assert page.locator(f"#{figure_id} svg").bounding_box()["height"] > 100
        if variant != "synthetic":
            assert page.locator("#episodes tbody tr").count() == 3
            assert page.locator("#unavailable-inputs li").count() == 2
        if variant == "real":
            flag = page.locator("#stability-flag-header").bounding_box()
            assert flag is not None and flag["y"] + flag["height"] <= HEIGHT

        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        local = [h for h in hrefs if h.startswith("file:")]
        assert local and len(local) == len(hrefs), hrefs
        for href in local:
            assert Path(unquote(urlparse(href).path)).is_file(), href

        # sorting by a column header works and raises no script error
        header = page.locator("#comparison thead tr:last-child th").nth(3)
        header.click()
        assert "sorted-desc" in (header.get_attribute("class") or "")
        values = page.eval_on_selector_all(
            "#comparison tbody tr td:nth-child(4)",
            "els => els.map(e => e.getAttribute('data-v')).filter(v => v !== '').map(Number)",
        )
        assert values == sorted(values, reverse=True)

        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(screenshot))
    finally:
        page.close()

    assert not console_errors, console_errors
    assert not requests, requests
    assert not dialogs, dialogs  # no injected script ran
    pixels = np.asarray(Image.open(screenshot).convert("L"), dtype=float)
    assert pixels.shape == (HEIGHT, width)
    assert pixels.std() > 10.0, "screenshot looks blank"


@pytest.mark.browser
@pytest.mark.parametrize("width", WIDTHS)
def test_regimes_page_in_headless_chromium(browser, tmp_path: Path, evaluation_factory, width: int):
    import pandas as pd

    from reports.regimes_page import write_regimes_page

    rng = np.random.default_rng(9)
    index = pd.bdate_range("2019-01-02", periods=600)
    evaluation = evaluation_factory(truth=True)
    labels = pd.DataFrame(
        {n: np.where(rng.random(600) < 0.3, "scarce", "abundant") for n in evaluation}, index=index
    )
    path = write_regimes_page(
        tmp_path / "regimes.html",
        labels,
        evaluation,
        labels["composite"],
        title="Regime classifiers: synthetic",
    )
    errors: list[str] = []
    page = browser.new_page(viewport={"width": width, "height": HEIGHT})
    try:
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.resolve().as_uri(), wait_until="load")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.evaluate(OVERFLOW_JS) == []
        assert page.locator("#chart-reliability svg").count() == 1
        assert page.locator("#stability tr.flagged").count() == 1
        page.screenshot(path=str(tmp_path / f"regimes-{width}.png"), full_page=True)
    finally:
        page.close()
    assert not errors, errors


def test_chromium_skip_reason_is_clear(monkeypatch):
    """The skip path itself: no chromium binary means a clean skip, not an error."""
    monkeypatch.setattr(f"{__name__}.CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(pytest.skip.Exception, match="chromium not found"):
        _sync_playwright()
    assert shutil.which("true")  # keep the test meaningful even without a browser
