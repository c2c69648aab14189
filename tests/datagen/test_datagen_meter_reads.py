"""AMI reads: first K customers, hourly, month sums near billed kWh, archetype daily shapes."""

from __future__ import annotations

import polars as pl
import pytest
from datagen_landing import read_table

from datagen import generate


@pytest.fixture(scope="module")
def ami(tmp_path_factory):
    """Every customer metered (140 customers, Jan-Jun) so each archetype has meters."""
    root = tmp_path_factory.mktemp("ami")
    generate(root / "l", root / "t", n_customers=140, n_months=6, seed=11, ami_customers=140)
    truth = pl.read_parquet(root / "t" / "archetypes.parquet")
    reads = read_table(root / "l", "meter_reads").join(truth, on="customer_id")
    bills = read_table(root / "l", "bills").filter(pl.col("revision") == 0)
    return reads, bills


def test_only_the_first_k_customers_are_metered_hourly(parquet_run):
    reads = read_table(parquet_run.landing, "meter_reads")
    assert sorted(reads["customer_id"].unique()) == [f"C{i:07d}" for i in range(1, 13)]
    assert (reads["interval_minutes"] == 60).all()
    assert (reads["read_start"].dt.minute() == 0).all()
    assert (reads["read_start"].dt.strftime("%Y-%m") == reads["file_month"]).all()
    assert reads.unique(["customer_id", "read_start"]).height == reads.height


def test_month_sums_are_close_to_billed_kwh(ami):
    reads, bills = ami
    monthly = reads.group_by("customer_id", "file_month", "archetype").agg(
        pl.col("kwh").sum().alias("read_kwh"), pl.len().alias("n")
    )
    joined = monthly.join(
        bills.select(
            "customer_id",
            pl.col("period_end").dt.strftime("%Y-%m").alias("file_month"),
            "kwh_total",
        ),
        on=["customer_id", "file_month"],
    ).filter((pl.col("archetype") != "solar_adopters") & (pl.col("n") >= 24 * 28))
    ratio = joined["read_kwh"] / joined["kwh_total"]
    assert 0.9 < ratio.median() < 1.1
    assert ((ratio > 0.6) & (ratio < 1.6)).mean() > 0.9


def _share(reads: pl.DataFrame, hours: pl.Expr, month: int | None = None) -> dict:
    if month:
        reads = reads.filter(pl.col("read_start").dt.month() == month)
    hour = pl.col("read_start").dt.hour()
    return dict(
        reads.group_by("archetype")
        .agg((pl.col("kwh").filter(hours(hour)).sum() / pl.col("kwh").sum()).alias("s"))
        .iter_rows()
    )


def test_daily_shapes_follow_the_archetypes(ami):
    reads, _ = ami
    reads = reads.filter(pl.col("archetype") != "solar_adopters")  # net of generation
    business = _share(reads, lambda h: h.is_between(8, 18))
    night = _share(reads, lambda h: h <= 5)
    evening = _share(reads, lambda h: h.is_between(17, 20), month=1)
    assert business["sme_commercial"] == max(business.values())
    assert night["electric_heating"] > night["comfortable_owners"] + 0.1
    assert evening["comfortable_owners"] > 0.25 > evening["sme_commercial"]
    weekday = reads.with_columns(weekend=pl.col("read_start").dt.weekday() >= 6)
    sme = weekday.filter(pl.col("archetype") == "sme_commercial")
    assert sme.filter(~pl.col("weekend"))["kwh"].mean() > 2 * sme.filter("weekend")["kwh"].mean()


def test_solar_households_net_export_at_midday_in_june(ami):
    reads, _ = ami
    june_noon = reads.filter(
        (pl.col("read_start").dt.month() == 6) & pl.col("read_start").dt.hour().is_between(11, 14)
    )
    by = dict(june_noon.group_by("archetype").agg(pl.col("kwh").mean()).iter_rows())
    assert by["solar_adopters"] < 0
    assert all(v > 0 for k, v in by.items() if k != "solar_adopters")
