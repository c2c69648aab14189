"""`make gx-docs` on real validation results: every page readable offline (no script, no
stylesheet, image or link from the network), an index that lists the results with pass or
fail without JavaScript, and each result's real run name."""

import json
import re
from pathlib import Path

import pytest

from orchestration.defs.quality.data_docs import UNRECORDED_RUN, build_data_docs, offline_page
from orchestration.defs.quality.gx_validation import load_suite, save_result, validate_frame
from tests.quality.test_gx_suites import bills, segments

NETWORK_REFERENCE = re.compile(r"""(?:src|href|srcset)\s*=\s*["']?\s*(?:https?:)?//""", re.I)
CSS_NETWORK_URL = re.compile(r"url\(\s*['\"]?\s*(?:https?:)?//", re.I)


def site_pages(site: Path) -> dict[str, str]:
    return {
        p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in site.rglob("*.html")
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Data Docs of three results: one passed and one failed by run run-1, and one kept by a
    release before run names."""
    data = tmp_path_factory.mktemp("data")
    folder = data / "quality" / "validations"
    passed = validate_frame(load_suite("raw_bills"), bills())
    spoiled = segments().assign(credit_rating="Z")
    failed = validate_frame(load_suite("published_customer_segments"), spoiled)
    assert passed.success and not failed.success
    save_result(passed, folder, "run-1")
    save_result(failed, folder, "run-1")
    # as save_result wrote it before run names (a suite run on the wrong table: it fails)
    old = validate_frame(load_suite("raw_customers"), bills()).gx_result
    (folder / "raw_customers.json").write_text(json.dumps(old, default=str), encoding="utf-8")
    return data, build_data_docs(data)


def test_no_page_loads_anything_from_the_network(site):
    _, index = site
    pages = site_pages(index.parent)
    assert len(pages) >= 6  # the index, three result pages, the suites' pages
    for name, html in pages.items():
        assert not NETWORK_REFERENCE.search(html), name
        assert "<script" not in html.lower(), name
    for css in index.parent.rglob("*.css"):
        assert not CSS_NETWORK_URL.search(css.read_text(encoding="utf-8")), css


def test_the_index_lists_every_result_with_pass_or_fail_and_links_that_exist(site):
    _, index = site
    html = index.read_text(encoding="utf-8")
    rows = re.findall(r'<tr><td><a href="([^"]+)">([^<]+)</a></td><td>(.*?)</td>', html)
    results = {suite: (href, status) for href, suite, status in rows if "validations/" in href}
    assert set(results) == {"raw_bills", "published_customer_segments", "raw_customers"}
    assert "passed" in results["raw_bills"][1]
    assert "FAILED" in results["published_customer_segments"][1]
    for href, _ in results.values():
        assert (index.parent / href).is_file(), href
    suites = {suite for href, suite, _ in rows if "expectations/" in href}
    assert {"raw_bills", "published_customer_segments"} <= suites


def test_result_pages_show_the_run_name_never_none(site):
    _, index = site
    pages = site_pages(index.parent)
    for name, html in pages.items():
        assert "__none__" not in html, name
    by_suite = {
        name.split("/")[1]: html for name, html in pages.items() if name.startswith("validations/")
    }
    assert "run-1" in by_suite["raw_bills"] and "run-1" in by_suite["published_customer_segments"]
    assert UNRECORDED_RUN in by_suite["raw_customers"]


def test_the_kept_result_names_its_run(site):
    data, _ = site
    stored = json.loads((data / "quality" / "validations" / "raw_bills.json").read_text())
    assert stored["meta"]["run_id"]["run_name"] == "run-1"
    assert stored["meta"]["run_id"]["run_time"]


def test_a_page_keeps_its_content_and_loses_its_network_references():
    html = (
        '<!DOCTYPE html><html><head><link rel="stylesheet" href="https://cdn.x/b.css"/>'
        '<script src="//cdn.x/j.js"></script><script>var a = "<b>";</script></head>'
        '<body><a href="https://greatexpectations.io">GX &amp; co</a>'
        '<img src="https://s3.x/logo.png"><a href="expectations/s.html">s</a>'
        '<i class="fas fa-check-circle"></i>&#x2714;</body></html>'
    )
    page = offline_page(html)
    assert "http" not in page and "//cdn" not in page and "<script" not in page
    assert "<a>GX &amp; co</a>" in page
    assert '<a href="expectations/s.html">s</a>' in page
    assert '<i class="fas fa-check-circle"></i>&#x2714;' in page
    assert page.index("<style>") < page.index("</head>")
