"""Fixture factory: synthetic customer_features frames with planted customer groups.

`make_features` builds one as_of_month of the mart with every catalog column and five
well-separated groups (an extra `planted_group` column says which), so that tests can check
that the segmentation recovers them. Sizes, seed and month are parameters.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from ml.feature_catalog import ALL_COLUMNS
from ml.pipeline import load_config, train_segmentation

# Per group: attributes and the means of the behavioural features.
GROUPS = {
    "industrial": dict(cls="industrial", tariff="IND-HV", volt="HV", pay="bank_transfer",
                       solar=0.0, budget=0.0, paperless=0.9, kwh=200_000, winter=0.25, vol=0.1,
                       peak=0.30, export=0, price=0.10, on_time=0.98, late=0.5, arrears=0,
                       cash=0.0, calls=1.0, digital=2.0, complaints=0.1, plans=0.0, tenure=240),
    "stressed": dict(cls="residential", tariff="RES-STD", volt="LV", pay="cash", solar=0.0,
                     budget=0.1, paperless=0.1, kwh=350, winter=0.38, vol=0.35, peak=0.45,
                     export=0, price=0.24, on_time=0.45, late=28, arrears=450, cash=0.9,
                     calls=7.0, digital=0.2, complaints=2.0, plans=2.0, tenure=30),
    "solar": dict(cls="residential", tariff="RES-TOU", volt="LV", pay="online", solar=1.0,
                  budget=0.2, paperless=1.0, kwh=120, winter=0.42, vol=0.9, peak=0.2, export=5,
                  price=0.30, on_time=0.97, late=1, arrears=0, cash=0.0, calls=0.3,
                  digital=6.0, complaints=0.2, plans=0.0, tenure=70),
    "comfortable": dict(cls="residential", tariff="RES-STD", volt="LV", pay="direct_debit",
                        solar=0.0, budget=0.5, paperless=0.3, kwh=700, winter=0.30, vol=0.15,
                        peak=0.35, export=0, price=0.18, on_time=0.995, late=0.2, arrears=0,
                        cash=0.02, calls=0.2, digital=0.1, complaints=0.05, plans=0.0,
                        tenure=320),
    "business": dict(cls="commercial", tariff="COM-TOU", volt="MV", pay="card", solar=0.0,
                     budget=0.0, paperless=0.7, kwh=15_000, winter=0.22, vol=0.2, peak=0.55,
                     export=0, price=0.15, on_time=0.9, late=4, arrears=0, cash=0.1, calls=3.0,
                     digital=3.0, complaints=0.8, plans=0.1, tenure=120),
}  # fmt: skip


def _group_frame(name: str, p: dict, n: int, rng: np.random.Generator) -> dict:
    def noisy(mean, sd, lo=0.0, hi=np.inf):
        return np.clip(rng.normal(mean, sd, n), lo, hi)

    kwh = rng.lognormal(np.log(p["kwh"]), 0.25, n)
    price = noisy(p["price"], 0.01, 0.01)
    calls, digital = rng.poisson(p["calls"], n), rng.poisson(p["digital"], n)
    ivr, walk_in = rng.poisson(0.5, n), rng.poisson(0.1 + 0.5 * (p["cash"] > 0.5), n)
    complaints, disputes = rng.poisson(p["complaints"], n), rng.poisson(p["complaints"] / 2, n)
    field_orders = rng.poisson(0.3, n)
    n_contacts = calls + digital + ivr + walk_in
    demand = p["cls"] in ("industrial", "commercial")
    capacity = kwh / 200 * rng.uniform(1.5, 3.0, n) if demand else np.full(n, np.nan)
    interruptions = rng.poisson(2, n)
    return {
        "customer_class": [p["cls"]] * n,
        "region": rng.choice(["north", "south", "east"], n).tolist(),
        "tariff_code": [p["tariff"]] * n,
        "voltage_level": [p["volt"]] * n,
        "payment_method": [p["pay"]] * n,
        "has_solar": (rng.random(n) < p["solar"]).tolist(),
        "budget_billing": (rng.random(n) < p["budget"]).tolist(),
        "paperless": (rng.random(n) < p["paperless"]).tolist(),
        "tenure_months": np.round(noisy(p["tenure"], p["tenure"] * 0.15, 1)),
        "contracted_capacity_kva": capacity,
        "months_billed": np.full(n, 12),
        "months_since_last_bill": np.zeros(n, dtype=np.int64),
        "kwh_12m": kwh * 12,
        "kwh_avg_month": kwh,
        "kwh_growth": np.where(rng.random(n) < 0.1, np.nan, rng.normal(0.02, 0.05, n)),
        "kwh_seasonality": noisy(1.3, 0.1, 1.0),
        "kwh_winter_share": noisy(p["winter"], 0.03, 0, 1),
        "kwh_summer_share": noisy(0.25, 0.03, 0, 1),
        "kwh_winter_ratio": noisy(p["winter"] * 4, 0.12, 0),
        "kwh_summer_ratio": noisy(1.0, 0.12, 0),
        "kwh_volatility": noisy(p["vol"], 0.05),
        "tou_peak_share": noisy(p["peak"], 0.04, 0, 1),
        "tou_offpeak_share": noisy(0.3, 0.04, 0, 1),
        "max_demand_kw": kwh / 300 if demand else np.full(n, np.nan),
        "capacity_utilisation": kwh / 730 / capacity if demand else np.full(n, np.nan),
        "revenue_12m": kwh * 12 * price,
        "revenue_avg_month": kwh * price,
        "avg_price_per_kwh": price,
        "net_export_months": rng.poisson(p["export"], n).astype(float),
        "estimated_bill_share": noisy(0.05, 0.03, 0, 1),
        "on_time_payment_ratio": noisy(p["on_time"], 0.03, 0, 1),
        "avg_days_late": noisy(p["late"], p["late"] * 0.2 + 0.3),
        "arrears_over_60d": rng.lognormal(np.log(max(p["arrears"], 1)), 0.4, n)
        if p["arrears"]
        else np.zeros(n),
        "n_bounced_payments": rng.poisson(1.0 if p["cash"] > 0.5 else 0.05, n),
        "cash_payment_share": noisy(p["cash"], 0.05, 0, 1),
        "n_interruptions": interruptions,
        "interruption_minutes": interruptions * rng.uniform(30, 200, n),
        "n_long_interruptions": rng.binomial(interruptions, 0.1),
        "n_contacts": n_contacts,
        "n_contacts_call_center": calls,
        "n_contacts_ivr": ivr,
        "n_contacts_digital": digital,
        "n_contacts_walk_in": walk_in,
        "n_complaints": complaints,
        "n_billing_disputes": disputes,
        "n_payment_arrangements": rng.poisson(p["plans"], n),
        "n_disconnections_nonpayment": rng.poisson(0.3 if p["cash"] > 0.5 else 0.0, n),
        "n_field_orders": field_orders,
        "mean_resolution_hours": np.where(n_contacts > 0, rng.uniform(2, 96, n), np.nan),
        "survey_satisfaction": np.where(rng.random(n) < 0.5, np.nan, rng.integers(1, 6, n)),
        "load_factor": np.full(n, np.nan),  # AMI features: absent from this synthetic data
        "peak_hour_share": np.full(n, np.nan),
        "night_share": np.full(n, np.nan),
        "weekday_weekend_ratio": np.full(n, np.nan),
        "planted_group": [name] * n,
    }


def build_features(
    sizes: tuple[int, ...] = (200, 200, 200, 200, 200),
    seed: int = 0,
    as_of_month: str = "2024-06",
    first_id: int = 1,
) -> pl.DataFrame:
    """One month of the mart; sizes[i] customers in planted group i (order of GROUPS)."""
    rng = np.random.default_rng(seed)
    parts = [
        pl.DataFrame(_group_frame(name, params, size, rng), nan_to_null=True)
        for (name, params), size in zip(GROUPS.items(), sizes, strict=False)
        if size > 0
    ]
    frame = pl.concat(parts, how="vertical_relaxed")
    ids = [f"C{first_id + i:06d}" for i in range(frame.height)]
    frame = frame.with_columns(
        pl.Series("customer_id", ids), pl.lit(as_of_month).alias("as_of_month")
    )
    return frame.select(*ALL_COLUMNS, "planted_group")


@pytest.fixture(scope="session")
def make_features():
    """The factory `build_features(sizes, seed, as_of_month, first_id)`."""
    return build_features


@pytest.fixture(scope="session")
def config() -> dict:
    return load_config()


@pytest.fixture(scope="session")
def planted() -> pl.DataFrame:
    """The default planted month: five groups of 200 customers."""
    return build_features()


@pytest.fixture(scope="session")
def trained(planted, config):
    """A model trained once on `planted` (shared: training is the slow step)."""
    return train_segmentation(planted, config, None, "v1", "2024-07-01T00:00:00Z")
