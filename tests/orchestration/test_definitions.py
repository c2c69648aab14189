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
    "raw/campaigns",
    "raw/ingest_files",  # external, in group ingest: the log every ingest asset writes
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
    "staging/stg_crm__campaigns_checked",
    "staging/stg_crm__campaigns",
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
    "ml/arrears_risk_model",
    "ml/arrears_risk_scores",
    "ml/customer_signals",
    "ml/service_actions_history",
    "ml/segment_kpis",
    "ml/strategy_effects",
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
    "ml/arrears_risk_scores",
    "ml/customer_signals",
    "ml/service_actions_history",
    "ml/segment_kpis",
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
        if isinstance(assets_def, dg.AssetSpec):  # the ingest log: declared, written by ingest
            continue
        for spec in assets_def.specs:
            assert assets_def.op.pool == WAREHOUSE_POOL, spec.key


def test_every_asset_has_a_group_an_owner_and_a_layer_tag():
    from orchestration.defs.conventions import OWNERS

    asset_graph = graph()
    teams = {}
    for key in asset_graph.get_all_asset_keys():
        node = asset_graph.get(key)
        assert node.group_name != "default", key
        assert node.owners == [OWNERS[node.group_name]], key
        assert node.tags["layer"] == key.path[0], key
        teams.setdefault(node.owners[0], set()).add(key.path[0])
    assert teams == {
        "team:data-engineering": {"raw", "staging", "quality", "intermediate", "marts"},
        "team:analytics": {"ml"},
        "team:marketing": {"published"},
    }


def test_the_ingest_log_is_an_external_table_of_the_ingest_group():
    node = graph().get(dg.AssetKey(["raw", "ingest_files"]))
    assert node.group_name == "ingest"
    assert not node.is_materializable
    assert node.description


def test_published_segments_fail_freshness_after_36_hours():
    from datetime import timedelta

    for key in graph().get_all_asset_keys():
        policy = graph().get(key).freshness_policy
        if key == dg.AssetKey(["published", "segments"]):
            assert policy.fail_window.to_timedelta() == timedelta(hours=36)
            assert policy.warn_window.to_timedelta() < timedelta(hours=36)
        else:
            assert policy is None, key


def test_only_ingest_and_publish_are_retried():
    retried = {}
    for assets_def in defs.assets:
        if isinstance(assets_def, dg.AssetsDefinition) and assets_def.is_executable:
            for key in assets_def.keys:
                retried[key.path[0]] = retried.get(key.path[0], set()) | {
                    assets_def.op.retry_policy is not None
                }
    assert retried.pop("raw") == {True}
    assert retried.pop("published") == {True}
    # the deterministic steps fail the same way twice: dbt models, training, scoring
    assert all(flags == {False} for flags in retried.values()), retried


def test_every_schedule_and_sensor_is_described():
    for definition in [*defs.schedules, *defs.sensors]:
        assert definition.description, definition.name


def test_every_stage_of_the_command_line_runs_is_a_named_job():
    from orchestration.pipeline_runs import STAGE_JOBS, STAGES, stage_selection

    asset_graph = graph()
    for name, _, partitioned in STAGES:
        job = defs.resolve_job_def(STAGE_JOBS[name])
        assert job.description, name
        assert (job.partitions_def is not None) == partitioned, name
        expected = stage_selection((name,)).resolve(asset_graph)
        executable = {k for k in expected if asset_graph.get(k).is_executable}
        assert job.asset_layer.executable_asset_keys == executable, name
    assert defs.resolve_job_def(STAGE_JOBS["train"]).name == "retrain_segmentation"


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


def test_nightly_refresh_of_a_new_month_only_covers_that_month():
    from orchestration.increment import dependent_months

    assert dependent_months({"2025-03": {"bills", "payments"}}, "2023-01", "2025-03") == ["2025-03"]


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
