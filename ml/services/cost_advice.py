"""Cost advice: the yearly cost of each tariff a customer may choose, from its own trailing
12 months, the best one and the saving; solar and storage candidates.

Grain: one row per customer (a customer_features month). The year's energy is kwh_avg_month
x 12 (the window's billed months, annualised), split by the window's TOU shares: peak =
tou_peak_share, off-peak = tou_offpeak_share, shoulder = the rest. A tariff costs 12 x
standing_charge + energy + 12 x demand_charge x max_demand_kw (the window's highest demand: an
upper bound). A tariff is open to its classes (and voltage_levels, when listed). A TOU tariff needs the split (TOU bills or smart-meter reads), a demand tariff
the demand: without them it is left out of the customer's choice. A tiered tariff prices the
average month through its blocks (a net-exporting average month pays the standing charge only).
Net-metered customers: the split of gross energy is applied to the net kWh (an approximation;
an export tariff is not modelled).

The saving is against the current tariff when the table prices it for the customer, else
against its class default (the class's first tariff in the table): `tariff_compared_to`.
"""

from __future__ import annotations

import polars as pl

from ml.services.reasons import amount, kwh, pct, with_reason

FEATURES = (
    "customer_id",
    "customer_class",
    "voltage_level",
    "tariff_code",
    "has_solar",
    "months_billed",
    "kwh_avg_month",
    "tou_peak_share",
    "tou_offpeak_share",
    "max_demand_kw",
    "net_export_months",
)
# the columns it adds, in published order
COST_ADVICE_COLUMNS = (
    "annual_kwh",
    "tariff_costs",
    "current_tariff_cost",
    "best_tariff",
    "best_tariff_cost",
    "tariff_compared_to",
    "tariff_saving",
    "tariff_advice",
    "tariff_reason",
    "solar_candidate",
    "solar_reason",
    "storage_candidate",
    "storage_reason",
)


def tariff_energy_cost(tariff: dict, annual: pl.Expr, peak: pl.Expr, offpeak: pl.Expr) -> pl.Expr:
    """The yearly energy cost of `tariff` (null when the customer's data cannot price it)."""
    if "flat" in tariff:
        return annual * tariff["flat"]
    if "tou" in tariff:
        prices = tariff["tou"]
        shoulder = annual - peak - offpeak
        return peak * prices["peak"] + shoulder * prices["shoulder"] + offpeak * prices["offpeak"]
    if "tiers" in tariff:
        month, lower, cost = annual / 12, 0.0, pl.lit(0.0)
        for tier in tariff["tiers"]:
            upper = tier.get("up_to")
            block = (month - lower).clip(lower_bound=0.0)
            if upper is not None:
                block = block.clip(upper_bound=upper - lower)
            cost = cost + block * tier["price"]
            lower = upper if upper is not None else lower
        return cost * 12
    raise ValueError(f"a tariff needs flat, tou or tiers: {tariff}")


def tariff_costs(frame: pl.DataFrame, config: dict) -> pl.DataFrame:
    """Long form: one row per customer x tariff it may choose and the data can price
    (customer_id, tariff_code, yearly_cost, tariff_order)."""
    annual = pl.col("annual_kwh")
    peak, offpeak = annual * pl.col("tou_peak_share"), annual * pl.col("tou_offpeak_share")
    parts = []
    for order, (code, tariff) in enumerate(config["tariffs"].items()):
        cost = tariff_energy_cost(tariff, annual, peak, offpeak) + 12 * tariff["standing_charge"]
        if tariff.get("demand_charge"):
            cost = cost + 12 * tariff["demand_charge"] * pl.col("max_demand_kw")
        eligible = pl.col("customer_class").is_in(tariff["classes"])
        if "voltage_levels" in tariff:
            eligible = eligible & pl.col("voltage_level").is_in(tariff["voltage_levels"])
        parts.append(
            frame.filter(eligible).select(
                "customer_id",
                pl.lit(code).alias("tariff_code"),
                cost.round(2).alias("yearly_cost"),
                pl.lit(order).alias("tariff_order"),
            )
        )
    return pl.concat(parts).filter(pl.col("yearly_cost").is_not_null())


def class_defaults(config: dict) -> dict[str, str]:
    """customer_class -> its default tariff: the first tariff of the table it may choose."""
    defaults: dict[str, str] = {}
    for code, tariff in config["tariffs"].items():
        for customer_class in tariff["classes"]:
            defaults.setdefault(customer_class, code)
    return defaults


def cost_advice(features: pl.DataFrame, config: dict) -> pl.DataFrame:
    """One row per customer of `features`: annual_kwh, tariff_costs (list of {tariff_code,
    yearly_cost}, cheapest first), current_tariff_cost, best_tariff, best_tariff_cost,
    tariff_compared_to, tariff_saving, tariff_advice, tariff_reason, solar_candidate,
    solar_reason, storage_candidate, storage_reason."""
    frame = features.select(FEATURES).with_columns(
        pl.when(pl.col("months_billed") >= config["min_months_billed"])
        .then(pl.col("kwh_avg_month") * 12)
        .alias("annual_kwh")
    )
    costs = tariff_costs(frame, config).sort("customer_id", "yearly_cost", "tariff_order")
    listed = costs.group_by("customer_id", maintain_order=True).agg(
        pl.struct("tariff_code", "yearly_cost").alias("tariff_costs"),
        pl.col("tariff_code").first().alias("best_tariff"),
        pl.col("yearly_cost").first().alias("best_tariff_cost"),
    )
    current = costs.select(
        "customer_id", pl.col("tariff_code").alias("current_tariff"), "yearly_cost"
    )
    defaults = pl.DataFrame(
        list(class_defaults(config).items()),
        schema={"customer_class": pl.String, "default_tariff": pl.String},
        orient="row",
    )
    frame = (
        frame.join(listed, on="customer_id", how="left")
        .join(defaults, on="customer_class", how="left")
        .join(
            current.rename({"yearly_cost": "current_tariff_cost"}),
            left_on=["customer_id", "tariff_code"],
            right_on=["customer_id", "current_tariff"],
            how="left",
        )
        .join(
            current.rename({"current_tariff": "default_tariff", "yearly_cost": "default_cost"}),
            on=["customer_id", "default_tariff"],
            how="left",
        )
    )
    has_current = pl.col("current_tariff_cost").is_not_null()
    baseline = pl.when(has_current).then(pl.col("current_tariff_cost")).otherwise("default_cost")
    frame = frame.with_columns(
        pl.when(has_current)
        .then(pl.col("tariff_code"))
        .when(pl.col("default_cost").is_not_null())
        .then(pl.col("default_tariff"))
        .alias("tariff_compared_to"),
        (baseline - pl.col("best_tariff_cost")).round(2).alias("tariff_saving"),
        baseline.alias("_baseline"),
    )
    saving = pl.col("tariff_saving")
    frame = frame.with_columns(
        (
            (pl.col("_baseline") > 0)
            & (saving >= config["min_saving_amount"])
            & (saving * 100 >= config["min_saving_pct"] * pl.col("_baseline"))
            & (pl.col("best_tariff") != pl.col("tariff_compared_to"))
        )
        .fill_null(False)
        .alias("tariff_advice"),
        _candidate(config["solar"], solar=True).alias("solar_candidate"),
        _candidate(config["storage"], solar=False).alias("storage_candidate"),
    )
    tariff = ["best_tariff", "best_tariff_cost", "tariff_compared_to", "tariff_saving", "_baseline"]
    frame = with_reason(frame, "tariff_advice", "tariff_reason", _tariff_sentence, tariff)
    usage = ["annual_kwh", "tou_peak_share", "tou_offpeak_share"]
    frame = with_reason(frame, "solar_candidate", "solar_reason", _solar_sentence, usage)
    frame = with_reason(frame, "storage_candidate", "storage_reason", _storage_sentence, usage)
    return frame.select("customer_id", *COST_ADVICE_COLUMNS)


def _candidate(rule: dict, solar: bool) -> pl.Expr:
    annual = pl.col("annual_kwh")
    fits = pl.col("customer_class").is_in(rule["classes"]) & (annual >= rule["min_annual_kwh"])
    if solar:
        no_solar = ~pl.col("has_solar").fill_null(False) & (pl.col("net_export_months") == 0)
        daytime = 1 - pl.col("tou_offpeak_share")
        fits = fits & no_solar & (daytime >= rule["min_daytime_share"])
    else:
        fits = fits & (pl.col("tou_peak_share") >= rule["min_peak_share"])
    return fits.fill_null(False)


def _tariff_sentence(row: dict) -> str:
    saving, baseline = row["tariff_saving"], row["_baseline"]
    return (
        f"On {row['best_tariff']} the last 12 months would have cost about "
        f"{amount(row['best_tariff_cost'])} instead of {amount(baseline)} on "
        f"{row['tariff_compared_to']}: {amount(saving)} ({pct(saving / baseline)}) less a year."
    )


def _solar_sentence(row: dict) -> str:
    return (
        f"Uses {kwh(row['annual_kwh'])} a year, {pct(1 - row['tou_offpeak_share'])} of it in "
        "the daytime, without solar: rooftop solar could cover part of it."
    )


def _storage_sentence(row: dict) -> str:
    return (
        f"Uses {kwh(row['annual_kwh'])} a year, {pct(row['tou_peak_share'])} of it at peak "
        "times: a battery could move peak use to cheaper hours."
    )
