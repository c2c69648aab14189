"""The planted campaigns (datagen/campaigns.py) measured end to end: campaigns landing table ->
staging -> ml.strategy_effects -> the published snapshot. The planted effect lies inside the
published 95% interval; the placebo's interval covers no effect."""

import polars as pl
import pytest

from orchestration.defs.publish.writer import current_snapshot
from tests.e2e.conftest import read


@pytest.fixture(scope="module")
def effects(pipeline):
    return read(pipeline["paths"].published / "segments.duckdb", "select * from strategy_effects")


def whole_period(effects: pl.DataFrame, campaign: dict) -> dict:
    """The all-segments, whole-post-period row of a campaign's planted KPI."""
    row = effects.filter(
        (pl.col("campaign_id") == campaign["campaign_id"])
        & (pl.col("kpi") == campaign["kpi"])
        & pl.col("segment_id").is_null()
        & pl.col("relative_month").is_null()
    )
    assert row.height == 1, campaign["campaign_id"]
    return row.row(0, named=True)


def test_the_planted_effects_lie_inside_the_published_intervals(pipeline, effects):
    for campaign in pipeline["campaign_truth"]["campaigns"]:
        row = whole_period(effects, campaign)
        assert row["ci_low"] <= campaign["planted_effect"] <= row["ci_high"], (campaign, row)
        assert row["start_month"] == campaign["start_month"]
        # customers with a baseline and a post-period value: nearly every assigned customer
        assert 0.8 * campaign["n_treatment"] <= row["n_treated"] <= campaign["n_treatment"]
        assert 0.8 * campaign["n_control"] <= row["n_control"] <= campaign["n_control"]


def test_no_effect_is_found_where_none_was_planted(pipeline, effects):
    (placebo,) = [c for c in pipeline["campaign_truth"]["campaigns"] if c["planted_effect"] == 0]
    for row in effects.filter(
        (pl.col("campaign_id") == placebo["campaign_id"])
        & pl.col("segment_id").is_null()
        & pl.col("relative_month").is_null()
    ).iter_rows(named=True):
        assert row["ci_low"] <= 0 <= row["ci_high"], row


def test_rows_per_segment_and_month_after_the_start(pipeline, effects):
    months = pipeline["months"]
    for campaign in pipeline["campaign_truth"]["campaigns"]:
        rows = effects.filter(
            (pl.col("campaign_id") == campaign["campaign_id"]) & (pl.col("kpi") == campaign["kpi"])
        )
        after = [m for m in months if m > campaign["start_month"]]
        everyone = rows.filter(
            pl.col("segment_id").is_null() & pl.col("relative_month").is_not_null()
        )
        assert everyone.sort("relative_month")["as_of_month"].to_list() == after
        assert everyone["relative_month"].sort().to_list() == list(range(1, len(after) + 1))
        # each customer in one segment, the one before the start: segments add up to at most all
        segments = rows.filter(
            pl.col("segment_id").is_not_null() & pl.col("relative_month").is_null()
        )
        total = whole_period(effects, campaign)
        assert segments["n_treated"].sum() <= total["n_treated"]
        assert segments["n_treated"].sum() >= 0.9 * total["n_treated"]
    estimated = effects.filter(pl.col("effect").is_not_null())
    assert (estimated["ci_low"] <= estimated["effect"]).all()
    assert (estimated["effect"] <= estimated["ci_high"]).all()


def test_segment_kpis_follow_the_published_segments(pipeline):
    snapshot = current_snapshot(pipeline["paths"].published)
    db = snapshot / "segments.duckdb"
    kpis = read(db, "select * from segment_kpis")
    sizes = read(
        db,
        "select as_of_month, segment_id, count(*) as n from customer_segments_history group by all",
    )
    joined = kpis.filter(pl.col("segment_id").is_not_null()).join(
        sizes, on=["as_of_month", "segment_id"], how="full", coalesce=True
    )
    assert joined.filter(pl.col("segment_id").is_not_null())["n_customers"].null_count() == 0
    everyone = kpis.filter(pl.col("segment_id").is_null())
    per_month = sizes.group_by("as_of_month").agg(pl.col("n").sum())
    assert everyone.join(per_month, on="as_of_month")["n_customers"].to_list() == (
        everyone.join(per_month, on="as_of_month")["n"].to_list()
    )
    assert kpis["on_time_payment_ratio"].drop_nulls().is_between(0, 1).all()
    parquet = read(
        db,
        "select count(*) as n from read_parquet(?, hive_partitioning = true)",
        [str(snapshot / "parquet" / "segment_kpis" / "*" / "*.parquet")],
    )
    assert parquet["n"].item() == kpis.height
