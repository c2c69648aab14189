"""The asset graph, pinned: a change to it is a deliberate change to this snapshot."""

import dagster as dg

from orchestration.definitions import defs
from orchestration.defs.warehouse import WAREHOUSE_POOL

EXPECTED_ASSETS = {
    "raw/customers",
    "raw/bills",
    "raw/payments",
    "raw/outages",
    "raw/outage_customers",
    "raw/work_orders",
    "raw/meter_reads",
    "raw/ingest_files",  # external: the ingest log every ingest asset writes, a dbt source
    "staging/stg_cis__customers_checked",
    "staging/stg_cis__customer_versions",
    "staging/stg_cis__customers",
    "staging/stg_billing__bills_checked",
    "staging/stg_billing__bills",
    "staging/stg_billing__payments_checked",
    "staging/stg_billing__payments",
    "staging/stg_oms__outages_checked",
    "staging/stg_oms__outages",
    "staging/stg_oms__outage_customers_checked",
    "staging/stg_oms__outage_customers",
    "staging/stg_crm__work_orders_checked",
    "staging/stg_crm__work_orders",
    "staging/stg_ami__meter_reads_checked",
    "staging/stg_ami__meter_reads",
    "quality/quarantined_rows",
    "quality/row_accounting",
    "quality/rejected_files",
    "quality/file_accounting",
    "quality/feature_inputs",  # fingerprints of the monthly models' inputs
    "quality/refresh_window",  # the months the nightly refresh recomputes
    "intermediate/int_bills_settled",
    "intermediate/int_customer_months_billing",
    "intermediate/int_customer_months_payments",
    "intermediate/int_customer_months_outages",
    "intermediate/int_customer_months_work_orders",
    "intermediate/int_customer_months_meter",
    "intermediate/int_customer_trailing_12m",
    "intermediate/int_customer_trailing_12m_meter",
    "marts/customer_features",
    "ml/segmentation_model",
    "ml/customer_segments_history",
    "ml/segment_profiles",
    "published/segments",
}

MONTHLY = {
    "intermediate/int_customer_months_billing",
    "intermediate/int_customer_months_payments",
    "intermediate/int_customer_months_outages",
    "intermediate/int_customer_months_work_orders",
    "intermediate/int_customer_months_meter",
    "intermediate/int_customer_trailing_12m",
    "intermediate/int_customer_trailing_12m_meter",
    "marts/customer_features",
    "ml/customer_segments_history",
    "ml/segment_profiles",
}


def graph():
    return defs.resolve_asset_graph()


def test_asset_graph_snapshot():
    keys = {key.to_user_string() for key in graph().get_all_asset_keys()}
    assert keys == EXPECTED_ASSETS


def test_lineage_runs_from_landing_to_published():
    asset_graph = graph()
    upstream = asset_graph.get(dg.AssetKey(["published", "segments"]))
    ancestors = asset_graph.upstream_key_iterator(dg.AssetKey(["published", "segments"]))
    names = {key.to_user_string() for key in ancestors}
    assert "ml/customer_segments_history" in names
    assert upstream is not None
    features_parents = {
        k.to_user_string()
        for k in asset_graph.get(dg.AssetKey(["marts", "customer_features"])).parent_keys
    }
    assert features_parents == {
        "intermediate/int_customer_trailing_12m",
        "intermediate/int_customer_trailing_12m_meter",
    }
    sources = {
        k.to_user_string()
        for k in asset_graph.get(dg.AssetKey(["staging", "stg_billing__bills_checked"])).parent_keys
    }
    assert "raw/bills" in sources


def test_monthly_assets_are_partitioned_and_backfill_in_one_run():
    asset_graph = graph()
    for key in asset_graph.get_all_asset_keys():
        node = asset_graph.get(key)
        if key.to_user_string() in MONTHLY:
            assert node.partitions_def is not None, key
            assert node.backfill_policy == dg.BackfillPolicy.single_run(), key
        else:
            assert node.partitions_def is None, key


def test_every_warehouse_writer_is_in_the_one_writer_pool():
    for assets_def in defs.assets:
        for spec in assets_def.specs:
            assert assets_def.op.pool == WAREHOUSE_POOL, spec.key


def test_schedules_and_landing_sensor_exist_and_are_off_by_default():
    assert {s.name for s in defs.schedules} == {
        "nightly_refresh_schedule",
        "monthly_retrain_schedule",
    }
    assert all(s.default_status == dg.DefaultScheduleStatus.STOPPED for s in defs.schedules)
    status = {s.name: s.default_status for s in defs.sensors}
    # the refresh only ever follows a nightly load, which the schedule or the landing sensor start
    assert status == {
        "landing_files_sensor": dg.DefaultSensorStatus.STOPPED,
        "nightly_refresh_sensor": dg.DefaultSensorStatus.RUNNING,
    }


def test_dbt_tests_surface_as_asset_checks():
    check_keys = {k for k in graph().asset_check_keys}
    features_checks = [
        k for k in check_keys if k.asset_key == dg.AssetKey(["marts", "customer_features"])
    ]
    assert len(features_checks) >= 10


def test_nightly_refresh_covers_the_latest_month_and_two_before_it():
    from orchestration.increment import months_to_refresh

    assert months_to_refresh(set(), "2023-01", "2025-03") == ("2025-01", "2025-03")


def test_retrain_schedule_trains_on_the_closed_month():
    from datetime import datetime

    from orchestration.defs.schedules import monthly_retrain_schedule

    context = dg.build_schedule_context(scheduled_execution_time=datetime(2025, 4, 2, 1, 0))
    request = monthly_retrain_schedule.evaluate_tick(context).run_requests[0]
    assert request.run_config["ops"]["ml__segmentation_model"]["config"]["as_of_month"] == "2025-03"
    assert retrain_op_name() == "ml__segmentation_model"


def retrain_op_name() -> str:
    node = graph().get(dg.AssetKey(["ml", "segmentation_model"]))
    return node.assets_def.op.name
