"""`make gx-docs` over the validation results a real pipeline run kept: every result is named
after the Dagster run that validated it, and the site reads offline."""

import json
import re

import pytest

from orchestration.defs.quality.data_docs import build_data_docs
from tests.quality.test_data_docs import NETWORK_REFERENCE

pytestmark = pytest.mark.e2e
DAGSTER_RUN_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def test_the_pipeline_s_results_render_offline_under_their_dagster_run(pipeline):
    data = pipeline["paths"].data
    results = sorted((data / "quality" / "validations").glob("*.json"))
    assert results
    for path in results:
        run = json.loads(path.read_text(encoding="utf-8"))["meta"]["run_id"]
        assert DAGSTER_RUN_ID.fullmatch(run["run_name"]), path.name
    index = build_data_docs(data)
    html = index.read_text(encoding="utf-8")
    for path in results:
        assert f">{path.stem}</a>" in html
    for page in index.parent.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "__none__" not in text and not NETWORK_REFERENCE.search(text), page
