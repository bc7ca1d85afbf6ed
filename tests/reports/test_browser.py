"""Open the dashboard in a real headless Chromium (Debian's, via Playwright's Python package)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import numpy as np
import pytest

from reports import write_dashboard

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking"]
SECTIONS = ["run-header", "regime-timeline", "strategy-table", "charts", "honesty",
            "classifier", "files"]


def _sync_playwright():
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright python package not installed")
    return sync_playwright


@pytest.mark.browser
@pytest.mark.parametrize("fixture_name", ["run_dir_with_significance", "real_run_dir"])
def test_dashboard_in_headless_chromium(fixture_name: str, request: pytest.FixtureRequest,
                                        tmp_path: Path):
    """Both fixtures carry every research key (significance, event_study, sweep,
    walk_forward, placebos); the second is a market-data run with the episode table."""
    sync_playwright = _sync_playwright()
    from PIL import Image

    run = request.getfixturevalue(fixture_name)
    (run / "tearsheets").mkdir()
    (run / "tearsheets" / "regime_rotation.html").write_text(
        "<!DOCTYPE html><html><head><title>t</title></head><body>t</body></html>",
        encoding="utf-8")
    page_path = write_dashboard(run)
    artifacts = Path(os.environ.get("ARTIFACTS_DIR") or tmp_path)
    artifacts.mkdir(parents=True, exist_ok=True)
    screenshot = artifacts / f"dashboard-{fixture_name}-1440x900.png"

    console_errors: list[str] = []
    failed_requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.on("console", lambda m: console_errors.append(m.text)
                    if m.type == "error" else None)
            page.on("pageerror", lambda e: console_errors.append(str(e)))
            page.on("requestfailed", lambda r: failed_requests.append(r.url))
            page.goto(page_path.resolve().as_uri(), wait_until="load")

            for section in SECTIONS:
                assert page.locator(f"#{section}").count() == 1, section
            for section in ("regime-timeline", "strategy-table"):
                box = page.locator(f"#{section}").bounding_box()
                assert box is not None and 0 <= box["y"] < 900, (section, box)
            # the whole comparison table (not just its top) is above the fold
            table_box = page.locator("#comparison").bounding_box()
            assert table_box is not None and table_box["y"] + table_box["height"] <= 900, \
                table_box
            assert page.evaluate("document.documentElement.scrollWidth") <= 1440
            for figure_id in ("chart-event-study", "chart-sweep", "chart-walk-forward",
                              "chart-placebo"):
                assert page.locator(f"#{figure_id} svg").count() == 1, figure_id
                assert page.locator(f"#{figure_id} svg").bounding_box()["height"] > 100
            assert page.locator("#honesty ul.readings li").count() == 7
            if fixture_name == "real_run_dir":
                assert page.locator("#episodes tbody tr").count() == 2

            hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
            local = [h for h in hrefs if h.startswith("file:")]
            assert local, "the Files section should link the run's files"
            for href in local:
                target = Path(unquote(urlparse(href).path))
                assert target.is_file(), href
            assert all(not h.startswith(("http:", "https:")) for h in hrefs
                       if "quantstats" not in h), hrefs

            # Sorting by a column header works and raises no script errors.
            header = page.locator("#comparison thead tr:last-child th").nth(2)
            header.click()
            assert "sorted-desc" in (header.get_attribute("class") or "")

            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(screenshot))
        finally:
            browser.close()

    assert not console_errors, console_errors
    assert not failed_requests, failed_requests
    pixels = np.asarray(Image.open(screenshot).convert("L"), dtype=float)
    assert pixels.shape == (900, 1440)
    assert pixels.std() > 10.0, "screenshot looks blank"


def test_chromium_skip_reason_is_clear(monkeypatch):
    """The skip path itself: no chromium binary means a clean skip, not an error."""
    monkeypatch.setattr(f"{__name__}.CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(pytest.skip.Exception, match="chromium not found"):
        _sync_playwright()
    assert shutil.which("true")  # keep the test meaningful even without a browser
