"""service_actions: this month's contact list, from the month's signals.

Grain: one row per contacted customer x as_of_month (one action each). Every fired signal
proposes its action with a priority score, weight x expected benefit in currency units
(ml/config/services.yaml, service_actions). Candidates are taken in descending score, ties by
customer_id and then the actions' order in the YAML; a candidate is skipped when its customer
already has an action this month, was contacted in the contact_period_months - 1 months before
(any action) or was offered the same action in the repeat_after_months - 1 months before, or
its action's capacity is full. The same inputs give the same list.
"""

from __future__ import annotations

import polars as pl

# action -> (the signal that proposes it, its reason column)
ACTION_SIGNALS = {
    "high_bill_call": ("high_bill_alert", "high_bill_reason"),
    "payment_arrangement": ("arrears_warning", "arrears_reason"),
    "tariff_switch": ("tariff_advice", "tariff_reason"),
    "solar_offer": ("solar_candidate", "solar_reason"),
    "storage_offer": ("storage_candidate", "storage_reason"),
    "outage_contact": ("reliability_warning", "reliability_reason"),
}
ACTION_COLUMNS = (
    "customer_id",
    "as_of_month",
    "action",
    "action_rank",
    "priority_score",
    "reason",
    "segment_id",
)


def expected_benefit(action: str, spec: dict, config: dict) -> pl.Expr:
    """The action's expected benefit in currency units (the YAML's table of formulas)."""
    if action == "high_bill_call":
        return pl.col("bill_actual") - pl.col("bill_expected")
    if action == "payment_arrangement":
        horizon = config["arrears"]["horizon_months"]
        return pl.col("arrears_risk") * pl.col("revenue_avg_month") * horizon
    if action == "tariff_switch":
        return pl.col("tariff_saving")
    if action in ("solar_offer", "storage_offer"):
        return pl.col("best_tariff_cost") * spec["benefit_share"]
    if action == "outage_contact":
        return pl.col("revenue_12m") * spec["benefit_share"]
    raise ValueError(f"unknown action {action!r}: known are {sorted(ACTION_SIGNALS)}")


def candidates(signals: pl.DataFrame, config: dict) -> pl.DataFrame:
    """One row per fired signal that proposes an action, in the order they are taken."""
    parts = []
    for order, (action, spec) in enumerate(config["service_actions"]["actions"].items()):
        flag, reason = ACTION_SIGNALS[action]
        score = spec["weight"] * expected_benefit(action, spec, config)
        parts.append(
            signals.filter(pl.col(flag)).select(
                "customer_id",
                "as_of_month",
                pl.lit(action).alias("action"),
                pl.lit(order).alias("action_order"),
                score.fill_null(0.0).cast(pl.Float64).round(2).alias("priority_score"),
                pl.col(reason).alias("reason"),
                "segment_id",
            )
        )
    return pl.concat(parts).sort(
        ["priority_score", "customer_id", "action_order"], descending=[True, False, False]
    )


RECENT_SCHEMA = {"customer_id": pl.String, "action": pl.String, "months_ago": pl.Int32}


def lookback_months(config: dict) -> int:
    """How many months before this one the rules look back: contact_period_months - 1, or the
    longest repeat_after_months - 1."""
    section = config["service_actions"]
    repeats = [spec.get("repeat_after_months", 0) for spec in section["actions"].values()]
    return max(section["contact_period_months"], *repeats) - 1


def blocked(recent: pl.DataFrame, config: dict) -> pl.DataFrame:
    """(customer_id, action) pairs the rules forbid this month, from `recent` (customer_id,
    action, months_ago >= 1 of the earlier lists): every action for a customer contacted less
    than contact_period_months ago, and an action offered to it less than its
    repeat_after_months ago (default: the contact period)."""
    section = config["service_actions"]
    period = section["contact_period_months"]
    repeat = {a: s.get("repeat_after_months", period) for a, s in section["actions"].items()}
    contacted = recent.filter(pl.col("months_ago") < period).select("customer_id").unique()
    every = contacted.join(pl.DataFrame({"action": list(repeat)}), how="cross")
    repeated = recent.filter(
        pl.col("months_ago") < pl.col("action").replace_strict(repeat, default=period)
    ).select("customer_id", "action")
    return pl.concat([every, repeated]).unique()


def service_actions(signals: pl.DataFrame, recent: pl.DataFrame, config: dict) -> pl.DataFrame:
    """The month's action list (ACTION_COLUMNS), ordered by action and action_rank.

    `signals`: one month of customer_signals with revenue_avg_month, revenue_12m and
    segment_id beside them. `recent`: the earlier lists' customer_id, action and months_ago
    (1 = last month) of the lookback_months before this one."""
    actions = config["service_actions"]["actions"]
    capacity = {action: int(spec["capacity"]) for action, spec in actions.items()}
    pool = candidates(signals, config).join(
        blocked(recent.cast(RECENT_SCHEMA), config), on=["customer_id", "action"], how="anti"
    )
    taken: set[str] = set()
    chosen: list[int] = []
    ranks: list[int] = []
    left = dict(capacity)
    open_actions = sum(1 for n in left.values() if n > 0)
    for index, (customer, action) in enumerate(pool.select("customer_id", "action").iter_rows()):
        if open_actions == 0:
            break
        if customer in taken or left[action] <= 0:
            continue
        taken.add(customer)
        left[action] -= 1
        open_actions -= left[action] == 0
        chosen.append(index)
        ranks.append(capacity[action] - left[action])
    ranked = pl.DataFrame(
        {"_row": chosen, "action_rank": ranks}, schema={"_row": pl.UInt32, "action_rank": pl.Int32}
    )
    return (
        pool.with_row_index("_row")
        .join(ranked, on="_row")
        .select(ACTION_COLUMNS)
        .sort("action", "action_rank")
    )
