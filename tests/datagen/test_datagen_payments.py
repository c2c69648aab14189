"""Payments: dated in their file's month, bounces reversed, unapplied ones, channels."""

from __future__ import annotations

import polars as pl
from datagen_landing import final_bills, latest_customers, read_table


def test_payments_are_filed_by_payment_month_with_unique_ids(parquet_run):
    payments = read_table(parquet_run.landing, "payments")
    assert (payments["paid_at"].dt.strftime("%Y-%m") == payments["file_month"]).all()
    assert payments["payment_id"].n_unique() == payments.height


def test_bounced_payments_are_negative_rows_after_the_original(parquet_run):
    payments = read_table(parquet_run.landing, "payments")
    reversals = payments.filter(pl.col("amount") < 0)
    assert reversals.height > 0
    originals = payments.filter(pl.col("amount") > 0)
    matched = reversals.join(
        originals, on=["customer_id", "bill_id", "channel"], suffix="_orig", nulls_equal=True
    ).filter(
        (pl.col("amount_orig") == -pl.col("amount"))
        & (pl.col("paid_at_orig") < pl.col("paid_at"))
        & (pl.col("paid_at") - pl.col("paid_at_orig") <= pl.duration(days=6))
    )
    assert matched["payment_id"].n_unique() == reversals.height


def test_about_one_percent_are_unapplied(parquet_run):
    payments = read_table(parquet_run.landing, "payments")
    positive = payments.filter(pl.col("amount") > 0)
    share = positive["bill_id"].null_count() / positive.height
    assert 0.001 < share < 0.03


def test_no_bill_is_paid_beyond_its_amount_and_cancelled_bills_are_not_paid(parquet_run):
    bills = final_bills(parquet_run.landing).select("bill_id", "amount_due", "status")
    paid = (
        read_table(parquet_run.landing, "payments")
        .drop_nulls("bill_id")
        .group_by("bill_id")
        .agg(pl.col("amount").sum().alias("paid"))
    )
    joined = paid.join(bills, on="bill_id", how="left")
    assert joined["amount_due"].null_count() == 0  # every applied payment has a bill
    assert (joined["paid"] <= joined["amount_due"] + 0.01).all()
    assert joined.filter(pl.col("status") == "cancelled").height == 0


def test_channel_mostly_follows_payment_method(parquet_run):
    methods = latest_customers(parquet_run.landing).select("customer_id", "payment_method")
    payments = read_table(parquet_run.landing, "payments").join(methods, on="customer_id")
    same = (payments["channel"] == payments["payment_method"]) | (
        (payments["payment_method"] == "cash") & (payments["channel"] == "agent")
    )
    assert same.mean() > 0.85
    assert (payments["channel"] == "agent").sum() > 0
