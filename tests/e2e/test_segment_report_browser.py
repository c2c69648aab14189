"""The published segment report in a real browser (headless Chromium): it loads from file://
without a console error or any request but the file itself, shows a card per segment, and its
figures are those of the snapshot's segments.duckdb. The zh-CN rendering of the same snapshot
reads as Chinese. Screenshots go to test-artifacts/ (kept by CI)."""

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from orchestration.defs.publish.report import REPORT_FILE, report_files
from orchestration.defs.publish.writer import PUBLISHED_DB, current_snapshot
from orchestration.defs.quality.report import quality_figures
from orchestration.defs.warehouse import connect_duckdb
from tests.e2e.browser import chromium, full_page_screenshot, requested_urls, require_browser
from tests.e2e.conftest import read
from tests.orchestration.report_text import leaked_labels

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def open_report(driver, report: Path) -> tuple[list[dict], list[str]]:
    """Load `report` in a tab whose logs start empty; its console entries and requests."""
    driver.get("about:blank")
    driver.get_log("browser"), driver.get_log("performance")  # the start page's, dropped
    driver.get(report.as_uri())
    driver.find_element(By.TAG_NAME, "footer")
    # chrome:// pages are the browser's own, not network requests of the report
    urls = [u for u in requested_urls(driver) if not u.startswith("chrome://")]
    return driver.get_log("browser"), urls


def attribute(element, name: str) -> str:
    return element.get_attribute(f"data-{name}")


@pytest.fixture(scope="module")
def published(pipeline):
    snapshot = current_snapshot(pipeline["paths"].published)
    db = snapshot / PUBLISHED_DB
    return {
        "snapshot": snapshot,
        "sizes": read(
            db,
            "select segment_id, count(*) as n, count(*) / sum(count(*)) over () as share "
            "from customer_segments group by 1 order by 1",
        ),
        "reach": read(
            db,
            "select s.segment_id, p.strategy, count(*) filter "
            "(where s.recommended_strategy = p.strategy) as reach from customer_segments s "
            "join segment_profiles p using (segment_id, as_of_month) group by all",
        ),
        "cells": read(
            db,
            "select value_satisfaction_cell as cell, count(*) as n from customer_segments group by 1",
        ),
        "strategies": read(
            db, "select recommended_strategy as s, count(*) as n from customer_segments group by 1"
        ),
    }


def test_report_opens_offline_and_shows_the_published_figures(published, tmp_path):
    require_browser()
    report = published["snapshot"] / REPORT_FILE
    with chromium(tmp_path / "profile") as driver:
        console, urls = open_report(driver, report)
        full_page_screenshot(driver, ARTIFACTS / "segment_report_en.png")
        assert not console, console
        assert urls == [report.as_uri()]
        sizes = published["sizes"]
        cards = driver.find_elements(By.CSS_SELECTOR, "[data-segment-card]")
        assert sorted(attribute(c, "segment-card") for c in cards) == list(sizes["segment_id"])
        for segment_id, n, share in sizes.iter_rows():
            row = driver.find_element(By.CSS_SELECTOR, f'tr[data-segment-id="{segment_id}"]')
            assert int(attribute(row, "customers")) == n
            assert float(attribute(row, "share")) == pytest.approx(share, abs=1e-6)
            assert f"{n:,}" in row.text and f"{100 * share:.1f}%" in row.text
        for segment_id, strategy, reach in published["reach"].iter_rows():
            box = driver.find_element(
                By.CSS_SELECTOR, f'[data-segment-card="{segment_id}"] [data-strategy]'
            )
            assert (attribute(box, "strategy"), int(attribute(box, "reach"))) == (strategy, reach)
            assert f"{reach:,}" in box.text
        shown = {
            attribute(c, "cell"): int(attribute(c, "customers"))
            for c in driver.find_elements(By.CSS_SELECTOR, "[data-cell]")
        }
        assert {k: v for k, v in shown.items() if v} == dict(published["cells"].iter_rows())
        shown = {
            attribute(r, "strategy"): int(attribute(r, "customers"))
            for r in driver.find_elements(By.CSS_SELECTOR, "tr[data-strategy]")
        }
        assert shown == dict(published["strategies"].iter_rows())
        charts = driver.find_elements(By.CSS_SELECTOR, "svg[role=img]")
        assert charts and all(
            c.find_element(By.TAG_NAME, "title").get_attribute("textContent") for c in charts
        )


def test_chinese_report_in_the_browser(pipeline, published, tmp_path):
    require_browser()
    conn = connect_duckdb(pipeline["paths"].warehouse, read_only=True)
    try:
        quality = quality_figures(conn)
    finally:
        conn.close()
    files = report_files(published["snapshot"] / PUBLISHED_DB, quality, "zh-CN")
    report = tmp_path / REPORT_FILE
    report.write_bytes(files[REPORT_FILE])
    with chromium(tmp_path / "profile") as driver:
        console, urls = open_report(driver, report)
        full_page_screenshot(driver, ARTIFACTS / "segment_report_zh-CN.png")
        assert not console, console
        assert urls == [report.as_uri()]
        assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN"
        text = driver.find_element(By.TAG_NAME, "body").text
        assert "客户细分" in text and "数据质量" in text and "建议服务策略" in text
        assert not leaked_labels(text)
        cards = driver.find_elements(By.CSS_SELECTOR, "[data-segment-card]")
        assert len(cards) == published["sizes"].height
