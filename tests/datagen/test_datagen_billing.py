"""Bills: cycles, billing month = file month, revisions next month, TOU split, amounts."""

from __future__ import annotations

import polars as pl
from datagen_landing import final_bills, latest_customers, read_table

TOU_TARIFFS = {"RES-TOU", "COM-TOU", "IND-HV", "AGR-TOU"}


def _next_month(label: str) -> str:
    year, month = map(int, label.split("-"))
    return f"{year + month // 12}-{month % 12 + 1:02d}"


def test_original_bills_sit_in_the_file_of_their_billing_month(parquet_run):
    bills = read_table(parquet_run.landing, "bills").filter(pl.col("revision") == 0)
    billing_month = bills["period_end"].dt.strftime("%Y-%m")
    assert (billing_month == bills["file_month"]).all()
    assert bills["bill_id"].n_unique() == bills.height


def test_revisions_come_in_the_next_months_file_with_new_amounts(parquet_run):
    bills = read_table(parquet_run.landing, "bills")
    originals = bills.filter(pl.col("revision") == 0)
    revised = bills.filter(pl.col("revision") == 1).join(
        originals, on="bill_id", suffix="_0", how="inner"
    )
    assert revised.height == bills.filter(pl.col("revision") == 1).height  # all have an original
    share = revised.height / originals.filter(pl.col("file_month") < "2023-06").height
    assert 0.005 < share < 0.05
    assert (
        revised.select(
            pl.col("file_month") == pl.col("file_month_0").map_elements(_next_month, pl.String)
        )
        .to_series()
        .all()
    )
    assert (revised["kwh_total"] != revised["kwh_total_0"]).mean() > 0.9
    assert (revised["issued_at"] > revised["issued_at_0"]).all()
    assert (revised["customer_id"] == revised["customer_id_0"]).all()
    assert bills.filter(pl.col("revision") > 1).height == 0


def test_some_bills_are_cancelled(parquet_run):
    status = read_table(parquet_run.landing, "bills")["status"]
    assert 0 < (status == "cancelled").sum() < 0.02 * status.len()


def test_periods_are_contiguous_cycles_not_calendar_months(parquet_run):
    bills = read_table(parquet_run.landing, "bills").filter(pl.col("revision") == 0)
    chained = (
        bills.sort("customer_id", "period_end")
        .with_columns(prev_end=pl.col("period_end").shift(1).over("customer_id"))
        .drop_nulls("prev_end")
    )
    assert (chained["period_start"] == chained["prev_end"].dt.offset_by("1d")).all()
    assert bills["period_end"].dt.day().n_unique() > 20  # cycle days spread over the month
    days = (bills["period_end"] - bills["period_start"]).dt.total_days() + 1
    assert 28 <= days.median() <= 31
    due = (bills["due_date"] - bills["period_end"]).dt.total_days()
    issued = (bills["issued_at"].dt.date() - bills["period_end"]).dt.total_days()
    assert due.min() >= 14 and due.max() <= 21
    assert issued.min() >= 1 and issued.max() <= 3


def test_tou_split_present_exactly_for_tou_tariffs_and_sums_to_total(parquet_run):
    tariffs = latest_customers(parquet_run.landing).select("customer_id", "tariff_code")
    bills = read_table(parquet_run.landing, "bills").join(tariffs, on="customer_id")
    is_tou = bills["tariff_code"].is_in(list(TOU_TARIFFS))
    for part in ("kwh_peak", "kwh_shoulder", "kwh_offpeak"):
        assert bills.filter(is_tou)[part].null_count() == 0
        assert bills.filter(~is_tou)[part].null_count() == bills.filter(~is_tou).height
    tou = bills.filter(is_tou)
    gap = (tou["kwh_peak"] + tou["kwh_shoulder"] + tou["kwh_offpeak"] - tou["kwh_total"]).abs()
    assert (gap <= 0.01 * tou["kwh_total"].abs()).all()
    assert tou.height > 50


def test_negative_kwh_only_for_solar_and_demand_only_for_demand_metered(parquet_run):
    customers = latest_customers(parquet_run.landing).select(
        "customer_id", "has_solar", "tariff_code", "contracted_capacity_kva"
    )
    bills = final_bills(parquet_run.landing).join(customers, on="customer_id")
    negative = bills.filter(pl.col("kwh_total") < 0)
    assert negative.height > 0 and negative["has_solar"].all()
    metered = bills["tariff_code"].is_in(["IND-HV", "AGR-TOU"])
    assert bills.filter(metered)["max_demand_kw"].null_count() == 0
    assert bills.filter(~metered)["max_demand_kw"].null_count() == bills.filter(~metered).height
    assert bills.filter(metered)["contracted_capacity_kva"].null_count() == 0


def test_amounts_follow_energy_and_credit_net_exporters(parquet_run):
    customers = latest_customers(parquet_run.landing).select("customer_id", "budget_billing")
    bills = final_bills(parquet_run.landing).join(customers, on="customer_id")
    metered = bills.filter(~pl.col("budget_billing") & (pl.col("kwh_total") > 0))
    assert metered.select(pl.corr("kwh_total", "amount_due")).item() > 0.95
    price = metered["amount_due"] / metered["kwh_total"]
    assert price.median() > 0.1 and price.median() < 0.6
    exporters = bills.filter(~pl.col("budget_billing") & (pl.col("kwh_total") < -50))
    # TOU exporters import at peak prices and export at shoulder prices: most, not all, get credit
    assert exporters.height > 0 and (exporters["amount_due"] < 0).mean() > 0.7
