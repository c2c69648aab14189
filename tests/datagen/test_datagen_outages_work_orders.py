"""Outage and work-order re-sends, affected-customer lists, case lifecycles."""

from __future__ import annotations

import polars as pl
import pytest
from datagen_landing import read_table

from datagen import generate


@pytest.fixture(scope="module")
def busy_network(tmp_path_factory):
    """Enough feeders (20,000 customers: 50 feeders) for a dependable number of re-sends."""
    root = tmp_path_factory.mktemp("outages")
    generate(root / "l", root / "t", n_customers=20_000, n_months=3, seed=21)
    return root / "l"


def test_outages_start_in_their_file_month_or_are_later_resends(busy_network):
    outages = read_table(busy_network, "outages")
    first = outages.sort("file_month").unique("outage_id", keep="first")
    assert (first["started_at"].dt.strftime("%Y-%m") == first["file_month"]).all()
    resent = outages.filter(pl.col("outage_id").is_duplicated())
    assert resent.height > 0
    pairs = (
        resent.sort("file_month")
        .group_by("outage_id", maintain_order=True)
        .agg("restored_at", "file_month")
    )
    for restored, months in pairs.select("restored_at", "file_month").iter_rows():
        assert len(set(months)) == len(months)  # at most one row per outage per file
        assert restored[-1] is not None
        assert restored[0] is None or restored[0] < restored[-1]  # newest restored_at wins


def test_outage_fields_are_consistent(busy_network):
    outages = read_table(busy_network, "outages")
    assert ((outages["cause"] == "planned_maintenance") == outages["is_planned"]).all()
    assert 0.03 < outages["is_planned"].mean() < 0.2
    closed = outages.drop_nulls("restored_at")
    minutes = (closed["restored_at"] - closed["started_at"]).dt.total_minutes()
    assert minutes.min() > 0 and (minutes > 240).sum() > 0
    last = outages.filter(pl.col("file_month") == outages["file_month"].max())
    assert last["restored_at"].null_count() >= 1  # still ongoing when the data ends


def test_affected_lists_cover_part_of_the_outages_with_customers_of_that_feeder(parquet_run):
    outages = read_table(parquet_run.landing, "outages").unique("outage_id")
    affected = read_table(parquet_run.landing, "outage_customers")
    listed = affected["outage_id"].n_unique() / outages.height
    assert 0.2 < listed < 0.65
    feeders = (
        read_table(parquet_run.landing, "customers")
        .unique("customer_id")
        .select("customer_id", pl.col("feeder_id").alias("customer_feeder"))
    )
    joined = affected.join(
        outages.select("outage_id", "feeder_id", "file_month"), on="outage_id", suffix="_outage"
    ).join(feeders, on="customer_id")
    assert joined.height == affected.height
    assert (joined["feeder_id"] == joined["customer_feeder"]).all()
    assert (joined["file_month"] == joined["file_month_outage"]).all()
    assert affected.unique(["outage_id", "customer_id"]).height == affected.height


def test_work_orders_open_at_month_end_are_resent_closed(parquet_run):
    orders = read_table(parquet_run.landing, "work_orders")
    first = orders.sort("file_month").unique("work_order_id", keep="first")
    assert (first["opened_at"].dt.strftime("%Y-%m") == first["file_month"]).all()
    resent = orders.filter(pl.col("work_order_id").is_duplicated()).sort("file_month")
    assert resent.height > 0
    share = resent["work_order_id"].n_unique() / first.height
    assert 0.02 < share < 0.2
    for status, closed in (
        resent.group_by("work_order_id", maintain_order=True)
        .agg("status", "closed_at")
        .select("status", "closed_at")
        .iter_rows()
    ):
        assert status[0] == "open" and closed[0] is None
        assert status[-1] in ("closed", "cancelled") and closed[-1] is not None
    still_open = orders.filter(pl.col("status") == "open")
    assert still_open["closed_at"].null_count() == still_open.height


def test_work_order_values(parquet_run):
    orders = read_table(parquet_run.landing, "work_orders")
    done = orders.drop_nulls("closed_at")
    assert (done["closed_at"] > done["opened_at"]).all()
    scored = orders.drop_nulls("satisfaction_score")
    assert scored["satisfaction_score"].is_between(1, 5).all()
    assert (scored["status"] == "closed").all()
    closed = orders.filter(pl.col("status") == "closed")
    assert 0.15 < scored.height / closed.height < 0.45
    assert {"new_connection", "payment_arrangement", "outage_report"} <= set(orders["category"])
