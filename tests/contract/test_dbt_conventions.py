"""The dbt project's conventions, read from its manifest (dbt_project/target/manifest.json, which
`dbt parse` writes): described models and columns, enforced contracts on what publishing reads,
exposures for the published outputs, and freshness on every landing table."""

import json
import re

import pytest

from contract import landing_contract
from orchestration.defs.dbt.project import dbt_project
from orchestration.defs.segmentation.warehouse_io import FEATURES_TABLE

MANIFEST = json.loads(dbt_project.manifest_path.read_text())
MODELS = {n["name"]: n for n in MANIFEST["nodes"].values() if n["resource_type"] == "model"}
EXPOSURES = {e["name"]: e for e in MANIFEST["exposures"].values()}


def words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("_", " ")))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_model_states_its_grain(name):
    assert MODELS[name]["description"].startswith("One row per"), name


def test_no_column_description_restates_the_column_name():
    restated = [
        f"{model}.{column}"
        for model, node in MODELS.items()
        for column, spec in node["columns"].items()
        if spec["description"] and words(spec["description"]) == words(column)
    ]
    assert not restated


def test_the_models_publishing_reads_have_enforced_contracts_with_every_type():
    schema, name = FEATURES_TABLE.split(".")
    features = MODELS[name]
    assert features["config"]["schema"] == schema
    contracted = [n for n in MODELS.values() if n["config"]["contract"]["enforced"]]
    assert features in contracted
    for node in contracted:
        untyped = [c for c, spec in node["columns"].items() if not spec.get("data_type")]
        assert not untyped, f"{node['name']}: {untyped}"
        undescribed = [c for c, spec in node["columns"].items() if not spec["description"]]
        assert not undescribed, f"{node['name']}: {undescribed}"


def test_exposures_cover_the_report_and_bi_and_read_only_contracted_models():
    assert {"segment_report", "bi_published_tables"} <= set(EXPOSURES)
    for exposure in EXPOSURES.values():
        assert exposure["owner"]["name"] and exposure["description"]
        assert exposure["url"].startswith("data/published/current/")
        parents = exposure["depends_on"]["nodes"]
        assert f"model.gridseg.{FEATURES_TABLE.split('.')[1]}" in parents
        for parent in parents:
            node = MANIFEST["nodes"][parent]
            assert node["config"]["contract"]["enforced"], f"{exposure['name']}: {parent}"


def test_every_landing_table_has_freshness_on_its_load_time():
    sources = {s["name"]: s for s in MANIFEST["sources"].values() if s["source_name"] == "landing"}
    for table in landing_contract().tables:
        source = sources[table]
        assert source["loaded_at_field"] == "_loaded_at", table
        freshness = source["freshness"]
        warn, error = freshness["warn_after"], freshness["error_after"]
        assert warn["count"] and error["count"], table
        assert (warn["period"], error["period"]) == ("day", "day")
        assert warn["count"] < error["count"], table
