"""The pandas baseline of the benchmark: the features of bench/reference_features.sql (those of
customer_features, without the smart-meter ones), computed the way a notebook would, with
groupby and rolling windows over a dense customer x month frame.

    python bench/reference_pandas.py LANDING OUTPUT.parquet

run_benchmark.py starts it in a process of its own, so that its time and peak memory are its
own. Money and energy are floats here, as a notebook keeps them: sums agree with the exact
decimals of the SQL reference to rounding (tests/bench compares them with a tolerance).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

WINDOW = 12
WINTER, SUMMER = (12, 1, 2), (6, 7, 8)
FIELD_CATEGORIES = (
    "meter_fault",
    "vegetation",
    "voltage_quality",
    "new_connection",
    "reconnection",
)


def read(landing: Path, table: str) -> pd.DataFrame:
    """Every file of a landing table, with the order of its file (a later file wins a tie)."""
    files = sorted((landing / table).glob("*.parquet"))
    return pd.concat(
        [pd.read_parquet(f).assign(file_order=i) for i, f in enumerate(files)], ignore_index=True
    )


def month_index(stamps: pd.Series) -> pd.Series:
    return stamps.dt.year * 12 + stamps.dt.month - 1


def latest(frame: pd.DataFrame, key: str, by: list[str], ascending: list[bool]) -> pd.DataFrame:
    """One row per `key`: the first in the order `by` (ties: the later file)."""
    ordered = frame.sort_values([*by, "file_order"], ascending=[*ascending, False], kind="stable")
    return ordered.drop_duplicates(key)


def monthly_facts(landing: Path, versions: pd.DataFrame) -> pd.DataFrame:
    """The monthly facts of every source, one row per customer x month with activity, up to
    the last month with bills."""
    bills = read(landing, "bills")
    bills = latest(bills, "bill_id", ["revision"], [False])
    bills = bills[bills["status"] == "issued"].copy()
    bills["mi"] = month_index(pd.to_datetime(bills["period_end"]))
    last_mi = int(bills["mi"].max())
    tou = bills["kwh_peak"].notna() & bills["kwh_offpeak"].notna()
    bills["tou_peak"] = bills["kwh_peak"].where(tou)
    bills["tou_offpeak"] = bills["kwh_offpeak"].where(tou)
    bills["tou_gross"] = (
        bills["kwh_peak"].abs() + bills["kwh_shoulder"].fillna(0).abs() + bills["kwh_offpeak"].abs()
    ).where(tou)
    billing = bills.groupby(["customer_id", "mi"]).agg(
        kwh=("kwh_total", "sum"),
        kwh_peak=("tou_peak", lambda s: s.sum(min_count=1)),
        kwh_offpeak=("tou_offpeak", lambda s: s.sum(min_count=1)),
        kwh_tou_gross=("tou_gross", lambda s: s.sum(min_count=1)),
        max_demand_kw=("max_demand_kw", "max"),
        amount_billed=("amount_due", "sum"),
        n_bills=("bill_id", "size"),
        n_estimated_bills=("is_estimated", "sum"),
    )

    payments = latest(read(landing, "payments"), "payment_id", [], [])
    payments["mi"] = month_index(payments["paid_at"])

    # when each bill was paid in full: the first payment that covers it after its last shortfall
    flows = payments.merge(bills[["bill_id", "amount_due"]], on="bill_id")
    flows = flows.sort_values(["bill_id", "paid_at", "payment_id"])
    flows["covered"] = flows.groupby("bill_id")["amount"].cumsum() >= flows["amount_due"] - 0.005
    last_short = flows[~flows["covered"]].groupby("bill_id")["paid_at"].max()
    flows["last_short"] = flows["bill_id"].map(last_short)
    settling = flows[flows["covered"] & ~(flows["paid_at"] <= flows["last_short"])]
    settled_at = settling.groupby("bill_id")["paid_at"].min()
    bills["paid_at"] = bills["bill_id"].map(settled_at)
    bills.loc[bills["amount_due"] <= 0, "paid_at"] = bills["issued_at"]
    due_date = pd.to_datetime(bills["due_date"])
    bills["due_mi"] = month_index(due_date)
    bills["on_time"] = bills["paid_at"] < due_date + pd.Timedelta(days=1)
    bills["paid_mi"] = month_index(bills["paid_at"])
    bills["days_late"] = (bills["paid_at"].dt.normalize() - due_date).dt.days.clip(lower=0)
    due = bills.groupby(["customer_id", "due_mi"]).agg(
        n_bills_due=("bill_id", "size"),
        n_due_on_time=("on_time", "sum"),
        amount_due=("amount_due", "sum"),
    )
    paid_bills = bills[bills["paid_at"].notna() & (bills["paid_mi"] <= last_mi)]
    paid_bills = paid_bills.astype({"paid_mi": "int64"})
    settled = paid_bills.groupby(["customer_id", "paid_mi"]).agg(
        n_settled=("bill_id", "size"), days_late_settled=("days_late", "sum")
    )
    payments = payments[payments["mi"] <= last_mi]
    payments["positive"] = payments["amount"] > 0
    payments["bounced"] = payments["amount"] < 0
    payments["cash"] = payments["positive"] & payments["channel"].isin(["cash", "agent"])
    paid = payments.groupby(["customer_id", "mi"]).agg(
        amount_paid=("amount", "sum"),
        n_payments=("positive", "sum"),
        n_bounced_payments=("bounced", "sum"),
        n_cash_payments=("cash", "sum"),
    )

    # interruptions: the customers listed for an outage; without a list, every customer
    # connected to its feeder at the time (by the latest account version)
    outages = read(landing, "outages")
    outages = latest(outages, "outage_id", ["restored_at"], [False])
    listed = read(landing, "outage_customers")[["outage_id", "customer_id"]].drop_duplicates()
    accounts = versions.drop_duplicates("customer_id", keep="last")
    unlisted = outages[~outages["outage_id"].isin(listed["outage_id"])]
    fallback = unlisted[["outage_id", "feeder_id", "started_at"]].merge(
        accounts[["customer_id", "feeder_id", "connected_on", "disconnected_on"]], on="feeder_id"
    )
    day = fallback["started_at"].dt.normalize()
    connected = pd.to_datetime(fallback["connected_on"]) <= day
    disconnected = pd.to_datetime(fallback["disconnected_on"])
    fallback = fallback[connected & (disconnected.isna() | (disconnected > day))]
    affected = pd.concat([listed, fallback[["outage_id", "customer_id"]]]).merge(
        outages, on="outage_id"
    )
    # an ongoing outage counts to the end of its month (never beyond now)
    started = affected["started_at"]
    next_month = (started.dt.to_period("M") + 1).dt.start_time.astype(started.dtype)
    now = pd.Timestamp.now()
    until = started.where(started > now, now)
    ongoing_end = next_month.where(next_month < until, until)
    end = affected["restored_at"].fillna(ongoing_end)
    # whole minutes between the two instants' minutes, as SQL's date_diff('minute', ...)
    affected["minutes"] = (
        (end.dt.floor("min") - affected["started_at"].dt.floor("min")).dt.total_seconds() // 60
    ).astype("int64")
    affected["mi"] = month_index(affected["started_at"])
    affected["long"] = affected["minutes"] > 240
    interruptions = affected.groupby(["customer_id", "mi"]).agg(
        n_interruptions=("outage_id", "size"),
        interruption_minutes=("minutes", "sum"),
        n_long_interruptions=("long", "sum"),
    )

    orders = read(landing, "work_orders")
    orders["open"] = orders["status"] == "open"
    orders = latest(orders, "work_order_id", ["open", "closed_at"], [True, False])
    orders["mi"] = month_index(orders["opened_at"])
    channel, category = orders["channel"], orders["category"]
    counts = {
        "n_contacts": pd.Series(True, index=orders.index),
        "n_contacts_call_center": channel == "call_center",
        "n_contacts_ivr": channel == "ivr",
        "n_contacts_digital": channel.isin(["web", "app"]),
        "n_contacts_walk_in": channel == "walk_in",
        "n_complaints": category == "complaint",
        "n_billing_disputes": category == "billing_dispute",
        "n_payment_arrangements": category == "payment_arrangement",
        "n_disconnections_nonpayment": category == "disconnection_nonpayment",
        "n_field_orders": category.isin(FIELD_CATEGORIES),
    }
    opened = orders[["customer_id", "mi"]].assign(**counts).groupby(["customer_id", "mi"]).sum()
    closed = orders[(orders["status"] == "closed") & orders["closed_at"].notna()].copy()
    # whole seconds between the two instants' seconds, as SQL's date_diff('second', ...)
    closed["resolution_seconds"] = (
        (closed["closed_at"].dt.floor("s") - closed["opened_at"].dt.floor("s"))
        .dt.total_seconds()
        .astype("int64")
    )
    closed["mi"] = month_index(closed["closed_at"])
    resolved = closed.groupby(["customer_id", "mi"]).agg(
        n_resolved=("work_order_id", "size"),
        resolution_seconds=("resolution_seconds", "sum"),
        n_surveys=("satisfaction_score", "count"),
        survey_score_sum=("satisfaction_score", "sum"),
    )

    parts = [billing, due, settled, paid, interruptions, opened, resolved]
    for part in parts:
        part.index.names = ["customer_id", "mi"]
    return pd.concat(parts, axis=1)


def features(landing: Path) -> pd.DataFrame:
    versions = read(landing, "customers")
    versions = latest(versions, ["customer_id", "updated_at"], [], [])
    versions = versions.sort_values(["customer_id", "updated_at"], kind="stable")

    facts = monthly_facts(landing, versions)
    # the as-of months: the months with bills
    output_months = np.sort(facts.loc[facts["kwh"].notna()].index.get_level_values("mi").unique())
    first_mi = min(int(facts.index.get_level_values("mi").min()), int(output_months[0]) - 14)
    last_mi = int(output_months[-1])

    # the dense customer x month frame, customer-major, in month order
    customers = np.sort(versions["customer_id"].unique())
    months = np.arange(first_mi, last_mi + 1)
    grid = pd.MultiIndex.from_product([customers, months], names=["customer_id", "mi"])
    frame = facts.reindex(grid).reset_index()
    month_of_year = frame["mi"] % 12 + 1
    kwh = frame["kwh"]
    billed = kwh.notna()
    frame["billed"] = billed.astype("int64")
    frame["kwh_abs"] = kwh.abs()
    frame["kwh_squares"] = kwh * kwh
    frame["kwh_winter"] = kwh.where(month_of_year.isin(WINTER))
    frame["kwh_summer"] = kwh.where(month_of_year.isin(SUMMER))
    frame["winter_billed"] = (billed & month_of_year.isin(WINTER)).astype("int64")
    frame["summer_billed"] = (billed & month_of_year.isin(SUMMER)).astype("int64")
    frame["net_export"] = (kwh < 0).astype("int64")
    frame["last_billed_mi"] = frame["mi"].where(billed)

    summed = [
        "kwh", "kwh_abs", "kwh_squares", "kwh_winter", "kwh_summer", "billed", "winter_billed",
        "summer_billed", "net_export", "kwh_peak", "kwh_offpeak", "kwh_tou_gross",
        "amount_billed", "n_bills", "n_estimated_bills", "n_bills_due", "n_due_on_time",
        "n_settled", "days_late_settled", "n_payments", "n_bounced_payments", "n_cash_payments",
        "n_interruptions", "interruption_minutes", "n_long_interruptions", "n_contacts",
        "n_contacts_call_center", "n_contacts_ivr", "n_contacts_digital", "n_contacts_walk_in",
        "n_complaints", "n_billing_disputes", "n_payment_arrangements",
        "n_disconnections_nonpayment", "n_field_orders", "n_resolved", "resolution_seconds",
        "n_surveys", "survey_score_sum",
    ]  # fmt: skip
    by_customer = frame.groupby("customer_id", sort=False)
    rolling = by_customer[summed].rolling(WINDOW, min_periods=1)
    t = rolling.sum().reset_index(drop=True).add_suffix("_12m")
    maxima = (
        by_customer[["kwh", "max_demand_kw", "last_billed_mi"]]
        .rolling(WINDOW, min_periods=1)
        .max()
        .reset_index(drop=True)
    )
    t["kwh_max"] = maxima["kwh"]
    t["max_demand_kw"] = maxima["max_demand_kw"]
    t["months_since_last_bill"] = frame["mi"] - maxima["last_billed_mi"]
    last_3m = by_customer["kwh"].rolling(3, min_periods=1).sum().reset_index(drop=True)
    t["kwh_last_3m"] = last_3m
    t["kwh_last_3m_year_ago"] = last_3m.groupby(frame["customer_id"]).shift(12)
    # the receivables balance at the month end, less the bills due this month and the month
    # before: what is older than 60 days (aged first in, first out)
    due = frame["amount_due"].fillna(0)
    balance = (due - frame["amount_paid"].fillna(0)).groupby(frame["customer_id"]).cumsum()
    recent = due + due.groupby(frame["customer_id"]).shift(1).fillna(0)
    t["arrears_over_60d"] = (balance - recent).clip(lower=0)
    t["customer_id"], t["mi"] = frame["customer_id"], frame["mi"]
    t = t[t["mi"].isin(output_months)]

    # every customer x as-of month with the account version in force at the month end (the
    # first for a customer extracted later), kept while connected
    as_of = pd.DataFrame({"mi": output_months})
    as_of["next_first"] = pd.to_datetime(
        {"year": as_of["mi"] // 12, "month": as_of["mi"] % 12 + 1, "day": 1}
    ) + pd.DateOffset(months=1)
    as_of["month_end"] = as_of["next_first"] - pd.Timedelta(days=1)
    spine = pd.MultiIndex.from_product([customers, output_months], names=["customer_id", "mi"])
    active = spine.to_frame(index=False).merge(as_of, on="mi").sort_values("next_first")
    active["next_first"] = active["next_first"].astype("datetime64[ns]")
    in_force = pd.merge_asof(
        active,
        versions.assign(updated_at=versions["updated_at"].astype("datetime64[ns]")).sort_values(
            "updated_at"
        ),
        left_on="next_first",
        right_on="updated_at",
        by="customer_id",
        allow_exact_matches=False,
    )
    first = versions.drop_duplicates("customer_id").set_index("customer_id")
    missing = in_force["updated_at"].isna()
    attributes = [c for c in versions.columns if c not in ("customer_id", "file_order")]
    in_force.loc[missing, attributes] = first.loc[
        in_force.loc[missing, "customer_id"], attributes
    ].to_numpy()
    connected_on = pd.to_datetime(in_force["connected_on"])
    disconnected_on = pd.to_datetime(in_force["disconnected_on"])
    in_force = in_force[
        (connected_on <= in_force["month_end"])
        & (disconnected_on.isna() | (disconnected_on > in_force["month_end"]))
    ]
    a = in_force.merge(t, on=["customer_id", "mi"]).sort_values(["customer_id", "mi"])
    a = a.reset_index(drop=True)
    mi = a["mi"].astype("int64")

    def ratio(numerator, denominator, when):
        return (numerator / denominator).where(when)

    n = a["billed_12m"]
    kwh_12m = a["kwh_12m"]
    mean = kwh_12m / n
    connected = pd.to_datetime(a["connected_on"])
    out = pd.DataFrame(
        {
            "customer_id": a["customer_id"],
            "as_of_month": (mi // 12).astype(str) + "-" + (mi % 12 + 1).astype(str).str.zfill(2),
            "customer_class": a["customer_class"],
            "region": a["region"],
            "tariff_code": a["tariff_code"],
            "voltage_level": a["voltage_level"],
            "payment_method": a["payment_method"],
            "has_solar": a["has_solar"].astype("boolean"),
            "budget_billing": a["budget_billing"].astype("boolean"),
            "paperless": a["paperless"].astype("boolean"),
            "tenure_months": (
                (a["month_end"].dt.year - connected.dt.year) * 12
                + a["month_end"].dt.month
                - connected.dt.month
            ).astype("Int32"),
            "contracted_capacity_kva": a["contracted_capacity_kva"].astype("float64"),
            "months_billed": n.astype("Int32"),
            "months_since_last_bill": a["months_since_last_bill"].astype("Int32"),
            "kwh_12m": kwh_12m,
            "kwh_avg_month": ratio(kwh_12m, n, n > 0),
            "kwh_growth": ratio(
                a["kwh_last_3m"], a["kwh_last_3m_year_ago"], a["kwh_last_3m_year_ago"] > 0
            )
            - 1,
            "kwh_seasonality": ratio(a["kwh_max"], mean, kwh_12m > 0),
            "kwh_winter_share": ratio(
                a["kwh_winter_12m"].fillna(0), a["kwh_abs_12m"], a["kwh_abs_12m"] > 0
            ),
            "kwh_summer_share": ratio(
                a["kwh_summer_12m"].fillna(0), a["kwh_abs_12m"], a["kwh_abs_12m"] > 0
            ),
        }
    )
    for season in ("winter", "summer"):
        months_billed = a[f"{season}_billed_12m"]
        out[f"kwh_{season}_ratio"] = ratio(
            a[f"kwh_{season}_12m"].fillna(0) / months_billed,
            a["kwh_abs_12m"] / n,
            (a["kwh_abs_12m"] > 0) & (months_billed > 0),
        )
    variance = (n * a["kwh_squares_12m"] - kwh_12m * kwh_12m).clip(lower=0) / (n * (n - 1))
    out["kwh_volatility"] = np.where(
        (kwh_12m != 0) & (n > 1), np.sqrt(variance) / (kwh_12m / n).abs(), np.nan
    )
    out.loc[(kwh_12m != 0) & kwh_12m.notna() & (n <= 1), "kwh_volatility"] = 0.0
    gross = a["kwh_tou_gross_12m"]
    out["tou_peak_share"] = ratio(a["kwh_peak_12m"], gross, gross > 0)
    out["tou_offpeak_share"] = ratio(a["kwh_offpeak_12m"], gross, gross > 0)
    out["max_demand_kw"] = a["max_demand_kw"]
    capacity = a["contracted_capacity_kva"].astype("float64")
    out["capacity_utilisation"] = ratio(kwh_12m / (n * 730.0), capacity, (capacity > 0) & (n > 0))
    revenue = a["amount_billed_12m"]
    out["revenue_12m"] = revenue.fillna(0)
    out["revenue_avg_month"] = ratio(revenue.fillna(0), n, n > 0)
    out["avg_price_per_kwh"] = ratio(revenue, kwh_12m, kwh_12m > 0)
    out["net_export_months"] = a["net_export_12m"].astype("int32")
    out["estimated_bill_share"] = ratio(
        a["n_estimated_bills_12m"], a["n_bills_12m"], a["n_bills_12m"] > 0
    )
    out["on_time_payment_ratio"] = ratio(
        a["n_due_on_time_12m"], a["n_bills_due_12m"], a["n_bills_due_12m"] > 0
    )
    out["avg_days_late"] = ratio(
        a["days_late_settled_12m"], a["n_settled_12m"], a["n_settled_12m"] > 0
    )
    out["arrears_over_60d"] = a["arrears_over_60d"]
    out["n_bounced_payments"] = a["n_bounced_payments_12m"].fillna(0).astype("int32")
    out["cash_payment_share"] = ratio(
        a["n_cash_payments_12m"], a["n_payments_12m"], a["n_payments_12m"] > 0
    )
    for column in (
        "n_interruptions", "interruption_minutes", "n_long_interruptions", "n_contacts",
        "n_contacts_call_center", "n_contacts_ivr", "n_contacts_digital", "n_contacts_walk_in",
        "n_complaints", "n_billing_disputes", "n_payment_arrangements",
        "n_disconnections_nonpayment", "n_field_orders",
    ):  # fmt: skip
        out[column] = a[f"{column}_12m"].fillna(0).astype("int32")
    out["mean_resolution_hours"] = ratio(
        a["resolution_seconds_12m"] / 3600.0, a["n_resolved_12m"], a["n_resolved_12m"] > 0
    )
    out["survey_satisfaction"] = ratio(
        a["survey_score_sum_12m"], a["n_surveys_12m"], a["n_surveys_12m"] > 0
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("landing", type=Path)
    parser.add_argument("output", type=Path)
    args = parser.parse_args()
    features(args.landing).to_parquet(args.output, index=False)


if __name__ == "__main__":
    main()
