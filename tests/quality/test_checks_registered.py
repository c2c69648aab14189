"""The quality checks are wired where they must be: blocking before publishing, one writer."""

import dagster as dg

from orchestration.definitions import defs
from orchestration.defs.ingest.landing_contract import LANDING_TABLES
from orchestration.defs.warehouse import WAREHOUSE_POOL

PUBLISHED = dg.AssetKey(["published", "segments"])


def specs() -> dict[dg.AssetCheckKey, dg.AssetCheckSpec]:
    graph = defs.resolve_asset_graph()
    return {key: graph.get_check_spec(key) for key in graph.asset_check_keys}


def test_gx_suites_block_the_assets_they_check():
    checks = specs()
    expected = {
        *(dg.AssetCheckKey(dg.AssetKey(["raw", t]), f"gx_raw_{t}") for t in LANDING_TABLES),
        dg.AssetCheckKey(
            dg.AssetKey(["ml", "customer_segments_history"]), "gx_published_customer_segments"
        ),
        dg.AssetCheckKey(dg.AssetKey(["ml", "segment_profiles"]), "gx_published_segment_profiles"),
        *(
            dg.AssetCheckKey(dg.AssetKey(["ml", asset]), f"gx_published_{suite}")
            for asset in ("segmentation_model", "customer_segments_history")
            for suite in ("segmentation_models", "value_index_weights")
        ),
    }
    assert expected == {k for k in checks if k.name.startswith("gx_")}
    assert all(checks[k].blocking for k in expected)


def test_every_published_suite_and_pii_check_sits_upstream_of_publishing():
    graph = defs.resolve_asset_graph()
    upstream = set(graph.upstream_key_iterator(PUBLISHED))
    for key, spec in specs().items():
        if key.name.startswith(("gx_published", "no_pii")):
            assert spec.blocking and key.asset_key in upstream, key


def test_no_pii_checks_cover_the_mart_and_the_published_ml_assets():
    assets = {k.asset_key.to_user_string() for k in specs() if k.name == "no_pii"}
    assert assets == {
        "marts/customer_features",
        "ml/customer_segments_history",
        "ml/segment_profiles",
        "ml/segmentation_model",
        "ml/customer_signals",
        "ml/service_actions_history",
    }


def test_row_accounting_balance_and_staging_reason_tests_are_blocking_checks():
    checks = specs()
    balance = dg.AssetCheckKey(
        dg.AssetKey(["quality", "row_accounting"]),
        "rows_received_equal_accepted_quarantined_duplicates",
    )
    assert checks[balance].blocking
    reasons = [
        k
        for k in checks
        if k.asset_key.path[-1].endswith("_checked")
        and k.name.startswith("accepted_values")
        and "reject_reason" in k.name
    ]
    assert len(reasons) == len(LANDING_TABLES)


def test_checks_that_open_the_warehouse_are_in_the_one_writer_pool():
    for checks_def in defs.asset_checks:
        assert checks_def.op.pool == WAREHOUSE_POOL, checks_def.node_def.name
