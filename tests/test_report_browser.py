"""The HTML report opened in a real headless Chromium: self-contained and complete."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)"
)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    subprocess.run(
        [sys.executable, "-m", "redundancy", "--quiet", "demo", "--out", str(out)],
        check=True,
        timeout=600,
    )
    return out / "report.html"


def test_report_renders_offline(report) -> None:
    external: list[str] = []
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page()

        def block_external(route) -> None:
            if route.request.url.startswith(("file:", "data:")):
                route.continue_()
            else:
                external.append(route.request.url)
                route.abort()

        page.route("**/*", block_external)
        page.goto(report.as_uri())
        images = page.eval_on_selector_all(
            "img", "els => els.map(e => [e.complete, e.naturalWidth, e.alt])"
        )
        headings = page.eval_on_selector_all("h2", "els => els.map(e => e.textContent)")
        body = page.inner_text("body")
        browser.close()

    assert external == []
    assert len(images) >= 3
    for complete, width, alt in images:
        assert complete, alt
        assert width > 300, alt
    assert "Result" in headings
    assert "Model constants" in headings
    assert "Cntnap2-/-" in body
    assert "stand-ins" in body
