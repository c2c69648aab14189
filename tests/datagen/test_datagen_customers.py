"""Customer extracts: full master first, then new connections, changes and disconnections."""

from __future__ import annotations

import datetime as dt

import polars as pl
from datagen_landing import read_table


def test_first_file_is_the_master_of_accounts_connected_by_then(parquet_run):
    customers = read_table(parquet_run.landing, "customers")
    first = customers.filter(pl.col("file_month") == "2023-01")
    assert first["customer_id"].n_unique() == first.height
    assert (first["connected_on"] <= dt.date(2023, 1, 31)).all()
    assert first["disconnected_on"].null_count() == first.height
    later = customers.filter(pl.col("file_month") > "2023-01")
    not_in_master = set(parquet_run.archetypes["customer_id"]) - set(first["customer_id"])
    assert not_in_master == set(
        later.filter(pl.col("connected_on") > dt.date(2023, 1, 31))["customer_id"]
    )


def test_every_customer_appears_and_new_connections_are_about_five_percent(parquet_run):
    customers = read_table(parquet_run.landing, "customers")
    assert set(customers["customer_id"]) == set(parquet_run.archetypes["customer_id"])
    new = customers.filter(pl.col("connected_on") >= dt.date(2023, 1, 1))
    assert (new["connected_on"].dt.strftime("%Y-%m") <= new["file_month"]).all()
    first_seen = new.group_by("customer_id").agg(
        pl.col("file_month").min(), pl.col("connected_on").first()
    )
    assert (first_seen["connected_on"].dt.strftime("%Y-%m") == first_seen["file_month"]).all()
    assert 0.02 < first_seen.height / parquet_run.archetypes.height < 0.09


def test_later_files_hold_changes_with_newer_updated_at(parquet_run):
    customers = read_table(parquet_run.landing, "customers")
    later = customers.filter(pl.col("file_month") > "2023-01")
    assert 0 < later.height < 0.15 * customers.height
    assert (later["updated_at"].dt.strftime("%Y-%m") == later["file_month"]).all()
    history = (
        customers.sort("file_month")
        .group_by("customer_id", maintain_order=True)
        .agg("updated_at", "payment_method", "budget_billing", "paperless", "phone")
        .filter(pl.col("updated_at").list.len() > 1)
    )
    assert history.height > 0
    for times in history["updated_at"].to_list():
        assert times == sorted(times) and len(set(times)) == len(times)


def test_disconnections_arrive_as_update_rows_and_stop_the_bills(parquet_run):
    customers = read_table(parquet_run.landing, "customers")
    gone = customers.filter(pl.col("disconnected_on").is_not_null())
    assert gone.height > 0
    assert (gone["disconnected_on"].dt.strftime("%Y-%m") == gone["file_month"]).all()
    assert (gone["disconnected_on"] > gone["connected_on"]).all()
    bills = read_table(parquet_run.landing, "bills").join(
        gone.select("customer_id", "disconnected_on"), on="customer_id"
    )
    assert (bills["period_end"] <= bills["disconnected_on"]).all()
    final = bills.group_by("customer_id").agg(
        pl.col("period_end").max(), pl.col("disconnected_on").first()
    )
    assert (final["period_end"] == final["disconnected_on"]).all()  # a final bill to the day


def test_no_bills_before_connection(parquet_run):
    customers = (
        read_table(parquet_run.landing, "customers")
        .group_by("customer_id")
        .agg(pl.col("connected_on").first())
    )
    bills = read_table(parquet_run.landing, "bills").join(customers, on="customer_id")
    assert (bills["period_start"] >= bills["connected_on"]).all() or (
        bills.filter(pl.col("period_start") < pl.col("connected_on"))["connected_on"]
        < dt.date(2023, 1, 1)
    ).all()


def test_feeders_sit_in_one_region_with_about_400_customers(parquet_run):
    customers = read_table(parquet_run.landing, "customers").unique("customer_id")
    per_feeder = customers.group_by("feeder_id").agg(
        pl.col("region").n_unique().alias("regions"), pl.len()
    )
    assert (per_feeder["regions"] == 1).all()
    assert customers["region"].n_unique() == 6
    assert per_feeder["len"].max() <= 400 * 1.5
