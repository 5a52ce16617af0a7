"""A rendered CDA document in a real chromium: it lays out, shows its Chinese, runs nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from kangtong.documents.render import render_html
from tests.documents.cda_samples import sample

pytestmark = pytest.mark.browser


def test_rendered_discharge_summary_reads_on_a_phone_and_runs_no_script(
    chromium_path: str, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    page_file = tmp_path / "c0053.html"
    page_file.write_text(render_html(sample("c0053-discharge-summary")), encoding="utf-8")
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=chromium_path, headless=True, args=["--no-sandbox"]
        )
        try:
            phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
            errors: list[str] = []
            phone.on("pageerror", lambda error: errors.append(str(error)))
            phone.goto(page_file.as_uri())
            assert phone.locator("h1").inner_text() == "出院小结"
            assert phone.get_by_text("贵阳市第一人民医院").first.is_visible()
            # Nothing wider than the phone: no sideways scrolling on a ward round.
            assert phone.evaluate("document.documentElement.scrollWidth") <= 390
            assert phone.evaluate("document.scripts.length") == 0
            phone.screenshot(path=str(tmp_path / "c0053-phone.png"), full_page=True)
            assert errors == []
        finally:
            browser.close()
