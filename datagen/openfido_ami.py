"""Map the real openfido AMI sample (100 meters, hourly, 2015; BSD-3) onto the landing contract.

Writes `customers` (one account per meter, feeder = the meter's network parent node),
`meter_reads` (hourly, 60-minute intervals) and monthly `bills` derived from the reads
(calendar-month periods; TOU split peak 17:00-21:00, off-peak 23:00-07:00, shoulder the rest;
amounts at an illustrative flat 0.15 per kWh plus 20 fixed, since the source has no tariffs).
The source has no payments, outages or work orders: those landing folders stay empty.
The partial last month (two days of 2016) is dropped.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

PRICE_PER_KWH = 0.15
FIXED_CHARGE = 20.0


def _customer_id(meter: pl.Expr) -> pl.Expr:
    return pl.format("AMI{}", meter.cast(pl.String).str.zfill(4))


def load_reads(source_dir: Path) -> pl.DataFrame:
    reads = pl.read_csv(Path(source_dir) / "ami_data.csv.gz", try_parse_dates=False)
    return (
        reads.with_columns(
            read_start=pl.col("timestamp").str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S"),
            customer_id=_customer_id(pl.col("meter_id")),
            kwh=pl.col("power").cast(pl.Float64),
        )
        .filter(pl.col("read_start") < pl.datetime(2016, 1, 1))
        .select("customer_id", "read_start", pl.lit(60, pl.Int32).alias("interval_minutes"), "kwh")
        .sort("customer_id", "read_start")
    )


def derive_bills(reads: pl.DataFrame) -> pl.DataFrame:
    hour = pl.col("read_start").dt.hour()
    monthly = (
        reads.with_columns(
            period_start=pl.col("read_start").dt.date().dt.month_start(),
            is_peak=(hour >= 17) & (hour < 21),
            is_offpeak=(hour >= 23) | (hour < 7),
        )
        .group_by("customer_id", "period_start")
        .agg(
            kwh_total=pl.col("kwh").sum(),
            kwh_peak=pl.col("kwh").filter(pl.col("is_peak")).sum(),
            kwh_offpeak=pl.col("kwh").filter(pl.col("is_offpeak")).sum(),
            max_demand_kw=pl.col("kwh").max(),
        )
        .with_columns(
            period_end=pl.col("period_start").dt.month_end(),
            kwh_shoulder=pl.col("kwh_total") - pl.col("kwh_peak") - pl.col("kwh_offpeak"),
        )
        .sort("customer_id", "period_start")
    )
    return monthly.select(
        bill_id=pl.format("{}-{}", pl.col("customer_id"), pl.col("period_end").dt.strftime("%Y%m")),
        revision=pl.lit(0, pl.Int32),
        customer_id="customer_id",
        period_start="period_start",
        period_end="period_end",
        kwh_total="kwh_total",
        kwh_peak="kwh_peak",
        kwh_shoulder="kwh_shoulder",
        kwh_offpeak="kwh_offpeak",
        max_demand_kw="max_demand_kw",
        amount_due=(pl.col("kwh_total") * PRICE_PER_KWH + FIXED_CHARGE).round(2),
        due_date=pl.col("period_end") + pl.duration(days=21),
        is_estimated=pl.lit(False),
        status=pl.lit("issued"),
        issued_at=(pl.col("period_end") + pl.duration(days=2)).cast(pl.Datetime("us")),
    )


def derive_customers(source_dir: Path, customer_ids: list[str]) -> pl.DataFrame:
    loadmap = pl.read_csv(Path(source_dir) / "loadmap.csv")
    return (
        loadmap.with_columns(customer_id=_customer_id(pl.col("meter_id")))
        .filter(pl.col("customer_id").is_in(customer_ids))
        .select(
            customer_id="customer_id",
            customer_class=pl.lit("commercial"),  # sizes are commercial; the source has no class
            tariff_code=pl.lit("COM-TOU"),
            region=pl.lit("openfido"),
            feeder_id=pl.col("parent"),
            voltage_level=pl.lit("LV"),
            contracted_capacity_kva=pl.lit(None, pl.Float64),
            connected_on=pl.date(2014, 1, 1),
            disconnected_on=pl.lit(None, pl.Date),
            has_solar=pl.lit(False),
            payment_method=pl.lit("bank_transfer"),
            budget_billing=pl.lit(False),
            paperless=pl.lit(False),
            full_name=pl.lit(None, pl.String),
            phone=pl.lit(None, pl.String),
            email=pl.lit(None, pl.String),
            address=pl.lit(None, pl.String),
            updated_at=pl.datetime(2015, 1, 1),
        )
        .sort("customer_id")
    )


def write_openfido_landing(source_dir: Path, landing_dir: Path) -> dict[str, int]:
    """Write the landing files; returns rows per table."""
    landing_dir = Path(landing_dir)
    reads = load_reads(source_dir)
    bills = derive_bills(reads)
    customers = derive_customers(source_dir, reads["customer_id"].unique().to_list())
    tables = {"customers": customers, "bills": bills, "meter_reads": reads}
    for table, frame in tables.items():
        folder = landing_dir / table
        folder.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(folder / f"openfido_{table}.parquet", statistics=False)
    return {table: frame.height for table, frame in tables.items()}
