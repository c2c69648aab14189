"""The planted archetypes leave the behavioural traces the segmentation should find."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from datagen_landing import final_bills, latest_customers, read_table

SHARES = {
    "industrial_hv": 0.02,
    "sme_commercial": 0.12,
    "comfortable_owners": 0.28,
    "stressed_cash_payers": 0.18,
    "solar_adopters": 0.10,
    "electric_heating": 0.22,
    "agricultural_pumping": 0.08,
}
DATA_END = dt.datetime(2023, 7, 1)


@pytest.fixture(scope="module")
def bills(parquet_run) -> pl.DataFrame:
    return final_bills(parquet_run.landing).join(parquet_run.archetypes, on="customer_id")


@pytest.fixture(scope="module")
def settlement(parquet_run, bills) -> pl.DataFrame:
    """Per payable bill due by mid-April: paid in full by the due date? unpaid 60+ days?"""
    payments = read_table(parquet_run.landing, "payments").drop_nulls("bill_id")
    on_time = (
        payments.join(bills.select("bill_id", "due_date"), on="bill_id")
        .filter(pl.col("paid_at").dt.date() <= pl.col("due_date"))
        .group_by("bill_id")
        .agg(pl.col("amount").sum().alias("paid_by_due"))
    )
    total = payments.group_by("bill_id").agg(pl.col("amount").sum().alias("paid"))
    return (
        bills.filter(
            (pl.col("status") == "issued")
            & (pl.col("amount_due") > 0)
            & (pl.col("due_date") <= dt.date(2023, 4, 15))
        )
        .join(on_time, on="bill_id", how="left")
        .join(total, on="bill_id", how="left")
        .fill_null(0.0)
        .with_columns(
            on_time=pl.col("paid_by_due") >= pl.col("amount_due") - 0.01,
            arrears_60d=(pl.col("amount_due") - pl.col("paid")).clip(0),
        )
    )


def _by(frame: pl.DataFrame, value: pl.Expr) -> dict[str, float]:
    return dict(frame.group_by("archetype").agg(value.alias("v")).iter_rows())


def test_truth_has_every_customer_with_the_planned_shares(parquet_run):
    truth = parquet_run.archetypes
    assert truth["customer_id"].n_unique() == truth.height == 300
    counts = dict(truth["archetype"].value_counts().iter_rows())
    assert counts.keys() == SHARES.keys()
    for name, share in SHARES.items():
        assert abs(counts[name] / truth.height - share) < 0.01


def test_stressed_payers_are_late_and_in_arrears_comfortable_owners_are_not(settlement):
    on_time = _by(settlement, pl.col("on_time").mean())
    arrears = _by(settlement, (pl.col("arrears_60d") > 1).mean())
    assert on_time["comfortable_owners"] > 0.9
    assert on_time["stressed_cash_payers"] < 0.55
    assert arrears["stressed_cash_payers"] > 5 * max(arrears["comfortable_owners"], 0.01)


def test_stressed_payers_pay_cash_and_bounce_payments(parquet_run):
    payments = read_table(parquet_run.landing, "payments").join(
        parquet_run.archetypes, on="customer_id"
    )
    cash = _by(payments, pl.col("channel").is_in(["cash", "agent"]).mean())
    bounced = _by(payments, (pl.col("amount") < 0).sum())
    assert cash["stressed_cash_payers"] > 0.5 and cash["comfortable_owners"] < 0.1
    assert bounced.get("stressed_cash_payers", 0) > bounced.get("comfortable_owners", 0)


def test_electric_heating_peaks_in_winter(bills):
    by_month = bills.with_columns(
        winter=pl.col("period_end").dt.month().is_in([1, 2]),
        summer=pl.col("period_end").dt.month().is_in([5, 6]),
    )
    ratio = _by(
        by_month,
        pl.col("kwh_total").filter("winter").mean() / pl.col("kwh_total").filter("summer").mean(),
    )
    assert ratio["electric_heating"] > 1.8
    others = [v for k, v in ratio.items() if k not in ("electric_heating", "solar_adopters")]
    assert ratio["electric_heating"] > max(others)


def test_agricultural_pumping_peaks_in_summer(bills):
    june = _by(
        bills,
        pl.col("kwh_total").filter(pl.col("period_end").dt.month() == 6).mean()
        / pl.col("kwh_total").filter(pl.col("period_end").dt.month() == 1).mean(),
    )
    assert june["agricultural_pumping"] > 2.0
    assert all(
        v < 1.5 for k, v in june.items() if k not in ("agricultural_pumping", "solar_adopters")
    )


def test_solar_adopters_export_in_sunny_months(bills):
    sunny = bills.filter(pl.col("period_end").dt.month().is_in([5, 6]))
    negative = _by(sunny, (pl.col("kwh_total") < 0).mean())
    assert negative["solar_adopters"] > 0.6
    assert all(v == 0 for k, v in negative.items() if k != "solar_adopters")


def test_industrial_consumption_dwarfs_residential(bills):
    median = _by(bills, pl.col("kwh_total").median())
    assert median["industrial_hv"] > 50_000
    assert median["industrial_hv"] > 100 * median["comfortable_owners"]
    assert 250 < median["stressed_cash_payers"] < median["comfortable_owners"] < 950
    assert median["comfortable_owners"] < median["electric_heating"]


def test_smes_use_peak_energy_and_heating_uses_off_peak(parquet_run, bills):
    solar = latest_customers(parquet_run.landing).select("customer_id", "has_solar")
    bills = bills.join(solar, on="customer_id")
    tou = bills.filter(pl.col("kwh_peak").is_not_null() & ~pl.col("has_solar"))
    peak = _by(tou, (pl.col("kwh_peak") / pl.col("kwh_total")).mean())
    offpeak = _by(tou, (pl.col("kwh_offpeak") / pl.col("kwh_total")).mean())
    assert peak["sme_commercial"] > 0.45 and peak["sme_commercial"] == max(peak.values())
    assert offpeak["electric_heating"] > 0.5


def test_account_attributes_follow_the_archetypes(parquet_run):
    customers = latest_customers(parquet_run.landing).join(parquet_run.archetypes, on="customer_id")
    tenure = _by(
        customers,
        ((dt.date(2023, 1, 1) - pl.col("connected_on")).dt.total_days() / 365.25).median(),
    )
    assert tenure["comfortable_owners"] > 10 > 5 > tenure["stressed_cash_payers"]
    solar = _by(customers, pl.col("has_solar").mean())
    assert solar["solar_adopters"] == 1.0 and solar["stressed_cash_payers"] == 0.0
    assert _by(customers, pl.col("budget_billing").mean())["electric_heating"] > 0.4
    assert _by(customers, pl.col("paperless").mean())["solar_adopters"] > 0.7
    cls = _by(customers, pl.col("customer_class").mode().first())
    assert cls["industrial_hv"] == "industrial" and cls["agricultural_pumping"] == "agricultural"
    tariff = _by(customers, pl.col("tariff_code").mode().first())
    assert tariff["industrial_hv"] == "IND-HV" and tariff["sme_commercial"] == "COM-TOU"
    rural = _by(customers, pl.col("region").is_in(["Eastvale", "Highmoor", "Southfields"]).mean())
    assert rural["agricultural_pumping"] > 0.7 > 0.4 > rural["sme_commercial"]


def test_contact_habits_differ(parquet_run):
    orders = (
        read_table(parquet_run.landing, "work_orders")
        .unique("work_order_id")
        .join(parquet_run.archetypes, on="customer_id")
    )
    sizes = dict(parquet_run.archetypes["archetype"].value_counts().iter_rows())
    per_customer = {k: v / sizes[k] for k, v in _by(orders, pl.len()).items()}
    assert per_customer["stressed_cash_payers"] > 5 * per_customer["comfortable_owners"]
    digital = _by(orders, pl.col("channel").is_in(["web", "app"]).mean())
    assert digital["solar_adopters"] > 0.6 and digital["stressed_cash_payers"] < 0.1
    in_person = _by(orders, pl.col("channel").is_in(["call_center", "walk_in"]).mean())
    assert in_person["stressed_cash_payers"] > 0.7
    arrangements = _by(orders, (pl.col("category") == "payment_arrangement").sum())
    assert arrangements["stressed_cash_payers"] == max(arrangements.values())
    scores = _by(orders, pl.col("satisfaction_score").mean())
    assert scores["comfortable_owners"] > scores["stressed_cash_payers"] + 1


def test_rural_feeders_see_more_and_longer_outages(parquet_run):
    outages = (
        read_table(parquet_run.landing, "outages")
        .sort("file_month")
        .unique("outage_id", keep="last")
    )
    feeders = (
        read_table(parquet_run.landing, "customers")
        .unique("customer_id")
        .group_by("region")
        .agg(pl.col("feeder_id").n_unique().alias("feeders"))
    )
    restored = pl.col("restored_at").fill_null(DATA_END)
    stats = (
        outages.group_by("region")
        .agg(
            pl.len().alias("n"),
            ((restored - pl.col("started_at")).dt.total_minutes()).sum().alias("minutes"),
        )
        .join(feeders, on="region")
    )
    rural = stats.filter(pl.col("region").is_in(["Highmoor", "Southfields"]))
    urban = stats.filter(pl.col("region").is_in(["Northport", "Riverside", "Central"]))
    rate = lambda f: f["n"].sum() / f["feeders"].sum()  # noqa: E731
    minutes = lambda f: f["minutes"].sum() / f["feeders"].sum()  # noqa: E731
    assert rate(rural) > 1.5 * rate(urban)
    assert minutes(rural) > 3 * minutes(urban)
