"""The dbt source freshness checks on a real warehouse: generated landing files loaded by the
ingest assets, then `dbt source freshness` through the dbt CLI resource, as Dagster runs it."""

import dagster as dg
import pytest

from datagen import generate
from orchestration.defs.dbt.freshness_checks import (
    CHECK_NAME,
    dbt_source_freshness_checks,
    freshness_tables,
)
from orchestration.defs.dbt.project import dbt_cli_resource, dbt_project
from orchestration.defs.ingest.assets import ingest_assets
from orchestration.defs.ingest.landing_contract import LANDING_TABLES
from orchestration.defs.warehouse import GridSegPaths, connect_duckdb
from orchestration.settings import Paths


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """A warehouse whose raw tables were loaded just now from a small generated landing zone
    (with smart-meter reads, so that every table has rows)."""
    root = tmp_path_factory.mktemp("freshness")
    paths = Paths.under(root / "data")
    generate(paths.landing, root / "truth", n_customers=40, n_months=2, seed=3, ami_customers=5)
    result = dg.materialize(
        ingest_assets, resources={"gridseg": GridSegPaths(data_dir=str(paths.data))}
    )
    assert result.success
    return paths


def run_checks(paths: Paths) -> dict[str, dg.AssetCheckEvaluation]:
    """Only the freshness checks (the raw tables are left as they are), by table."""
    result = dg.materialize(
        [*ingest_assets, dbt_source_freshness_checks],
        selection=dg.AssetSelection.checks(dbt_source_freshness_checks),
        resources={"gridseg": GridSegPaths(data_dir=str(paths.data)), "dbt": dbt_cli_resource()},
    )
    evaluations = result.get_asset_check_evaluations()
    assert {e.check_name for e in evaluations} == {CHECK_NAME}
    return {e.asset_key.path[-1]: e for e in evaluations}


def age_loads(paths: Paths, days: dict[str, int]) -> None:
    with connect_duckdb(paths.warehouse) as conn:
        for table, n in days.items():
            conn.execute(f"update raw.{table} set _loaded_at = _loaded_at - to_days(?)", [n])


def test_every_landing_table_has_a_check_on_its_ingest_asset():
    import json

    manifest = json.loads(dbt_project.manifest_path.read_text())
    assert freshness_tables(manifest) == list(LANDING_TABLES)
    assert {key.asset_key for key in dbt_source_freshness_checks.check_keys} == {
        dg.AssetKey(["raw", table]) for table in LANDING_TABLES
    }


def test_fresh_loads_pass_and_late_ones_warn_then_fail_naming_the_source_and_age(data_dir):
    fresh = run_checks(data_dir)
    assert all(e.passed for e in fresh.values()), {t: e.description for t, e in fresh.items()}
    assert "0 d 0 h ago (pass; warn after 35 day(s), error after 62 day(s))" in (
        fresh["bills"].description
    )

    age_loads(data_dir, {"bills": 40, "payments": 70})
    late = run_checks(data_dir)
    bills, payments = late["bills"], late["payments"]
    assert not bills.passed and bills.severity == dg.AssetCheckSeverity.WARN
    assert bills.description.startswith("raw.bills (dbt source landing.bills): newest load")
    assert "40 d 0 h ago (warn;" in bills.description
    assert not payments.passed and payments.severity == dg.AssetCheckSeverity.ERROR
    assert "raw.payments" in payments.description and "70 d 0 h ago (error;" in payments.description
    assert payments.metadata["age_hours"].value >= 70 * 24
    assert late["customers"].passed


def test_an_empty_optional_table_passes_and_an_empty_required_one_fails(data_dir):
    with connect_duckdb(data_dir.warehouse) as conn:
        conn.execute("delete from raw.meter_reads")
        conn.execute("delete from raw.work_orders")
    checks = run_checks(data_dir)
    assert checks["meter_reads"].passed
    assert "no row loaded yet (an optional table)" in checks["meter_reads"].description
    assert not checks["work_orders"].passed
    assert "raw.work_orders (dbt source landing.work_orders): no row loaded yet" in (
        checks["work_orders"].description
    )
