"""The measured effect of service campaigns: difference in differences against a control group.

Grain of the output: one row per campaign x KPI x segment x relative month after the start
(1..N, with its calendar month), plus per campaign x KPI x segment one row for the whole post
period (relative_month null), plus the same rows over all segments (segment_id null).

The method, per customer i of a campaign and KPI y (a monthly value, see KPI_EXPRESSIONS):
  baseline_i = mean of y_i over the pre months (up to `pre_months` before the start month)
  d_i(t)     = y_i(t) - baseline_i, for a post month t (the whole post period: the mean over
               the customer's post months, minus the baseline)
  effect     = mean of d_i over the treatment group - mean of d_i over the control group
with a Welch t interval of that difference of means (unequal variances, Welch-Satterthwaite
degrees of freedom). One d_i per customer: a customer's months are not counted as independent
observations, so the interval holds for serially correlated KPIs. The start month itself is
left out (partly treated). Customers are grouped by the segment they were in the month before
the start (pre-treatment, so the treatment cannot move them between groups).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import yaml
from scipy import stats

from ml.settings import read_config_file

ALL_SEGMENTS = "all segments"

# The customer-month KPIs, from the month's own facts (columns of the facts frame).
KPI_EXPRESSIONS: dict[str, pl.Expr] = {
    "on_time_payment_ratio": pl.when(pl.col("n_bills_due") > 0).then(
        pl.col("n_due_on_time") / pl.col("n_bills_due")
    ),
    "arrears_over_60d": pl.col("arrears_over_60d").fill_null(0.0),
    "call_center_contacts": pl.col("n_contacts_call_center").fill_null(0).cast(pl.Float64),
    "digital_contacts": pl.col("n_contacts_digital").fill_null(0).cast(pl.Float64),
    "kwh": pl.col("kwh").cast(pl.Float64),
}
FACT_COLUMNS = (
    "n_bills_due",
    "n_due_on_time",
    "arrears_over_60d",
    "n_contacts_call_center",
    "n_contacts_digital",
    "kwh",
)
OUTPUT_SCHEMA = {
    "campaign_id": pl.String,
    "strategy": pl.String,
    "kpi": pl.String,
    "segment_id": pl.String,
    "segment_name": pl.String,
    "start_month": pl.String,
    "relative_month": pl.Int32,
    "as_of_month": pl.String,
    "n_treated": pl.Int64,
    "n_control": pl.Int64,
    "treated_change": pl.Float64,
    "control_change": pl.Float64,
    "effect": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "std_error": pl.Float64,
    "p_value": pl.Float64,
}


def load_effects_config(path: Path | None = None) -> dict[str, Any]:
    """ml/config/strategy_effects.yaml (or `path`), checked: every KPI named is one of
    KPI_EXPRESSIONS."""
    config = (
        read_config_file("strategy_effects")
        if path is None
        else yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    )
    named = [k for kpis in config["kpis_by_strategy"].values() for k in kpis]
    unknown = sorted(set(named + list(config["default_kpis"])) - set(KPI_EXPRESSIONS))
    if unknown:
        raise ValueError(
            f"{Path(path).name}: unknown KPI(s) {unknown}; known: {list(KPI_EXPRESSIONS)}"
        )
    if not 0 < float(config["confidence_level"]) < 1:
        raise ValueError(f"{Path(path).name}: confidence_level must be within (0, 1)")
    return config


def kpis_of(strategy: str, config: dict[str, Any]) -> list[str]:
    """The KPIs measuring `strategy`: its own list, else the default list."""
    return list(config["kpis_by_strategy"].get(strategy, config["default_kpis"]))


def welch_interval(
    treated: np.ndarray, control: np.ndarray, level: float = 0.95
) -> tuple[float, float, float, float, float]:
    """(difference of means, interval low, high, standard error, two-sided p-value) of treated
    minus control, Welch's unequal-variance t. Each sample needs 2 values at least (else all
    nan). Two samples without any spread give a zero-width interval and p-value nan."""
    nt, nc = len(treated), len(control)
    if nt < 2 or nc < 2:
        return (np.nan,) * 5
    diff = float(np.mean(treated) - np.mean(control))
    vt, vc = np.var(treated, ddof=1) / nt, np.var(control, ddof=1) / nc
    se = float(np.sqrt(vt + vc))
    if se == 0.0:
        return diff, diff, diff, 0.0, np.nan
    df = (vt + vc) ** 2 / (vt**2 / (nt - 1) + vc**2 / (nc - 1))
    half = float(stats.t.ppf(0.5 + level / 2, df)) * se
    p_value = float(2 * stats.t.sf(abs(diff) / se, df))
    return diff, diff - half, diff + half, se, p_value


def customer_changes(
    members: pl.DataFrame, facts: pl.DataFrame, kpi: str, config: dict
) -> pl.DataFrame:
    """Per member and post month (and per member for the whole post period, relative_month
    null): its change from its own pre-period baseline. Members without a baseline or without
    a value in the month are left out of that month.

    `members`: campaign_id, customer_id, campaign_group, one row per customer of a campaign;
    `facts`: campaign_id, customer_id, relative_month, as_of_month and FACT_COLUMNS."""
    values = facts.select(
        "campaign_id",
        "customer_id",
        "relative_month",
        "as_of_month",
        KPI_EXPRESSIONS[kpi].alias("y"),
    ).drop_nulls("y")
    # a total order (a database returns rows in any order, group_by returns groups in any
    # order): every mean adds the same numbers in the same order, the output is byte-identical
    values = values.sort("campaign_id", "customer_id", "relative_month")
    pre_months, post_months = int(config["pre_months"]), int(config["post_months"])
    baseline = (
        values.filter(pl.col("relative_month").is_between(-pre_months, -1))
        .group_by("campaign_id", "customer_id")
        .agg(pl.col("y").mean().alias("baseline"))
    )
    post = values.filter(pl.col("relative_month").is_between(1, post_months)).join(
        baseline, on=["campaign_id", "customer_id"]
    )
    monthly = post.select(
        "campaign_id",
        "customer_id",
        pl.col("relative_month").cast(pl.Int32),
        "as_of_month",
        (pl.col("y") - pl.col("baseline")).alias("change"),
    )
    pooled = post.group_by("campaign_id", "customer_id").agg(
        pl.lit(None, pl.Int32).alias("relative_month"),
        pl.lit(None, pl.String).alias("as_of_month"),
        (pl.col("y").mean() - pl.col("baseline").first()).alias("change"),
    )
    changes = pl.concat([monthly, pooled.select(monthly.columns)])
    return changes.join(members, on=["campaign_id", "customer_id"]).sort(
        "campaign_id", "customer_id", "relative_month", nulls_last=False
    )


def strategy_effects(
    members: pl.DataFrame, facts: pl.DataFrame, config: dict[str, Any]
) -> pl.DataFrame:
    """The effects table (see the module docstring) of every campaign in `members`.

    `members`: campaign_id, customer_id, strategy, campaign_group (treatment | control),
    start_month, segment_id and segment_name (the segment of the month before the start; null
    when the customer was not scored then: counted in the all-segments rows only).
    `facts`: campaign_id, customer_id, relative_month (months from the start month),
    as_of_month and FACT_COLUMNS, one row per member x scored month."""
    level = float(config["confidence_level"])
    min_n = int(config["min_group_size"])
    rows: list[dict] = []
    campaigns = members.select("campaign_id", "strategy", "start_month").unique(
        "campaign_id", keep="first", maintain_order=True
    )
    for campaign_id, strategy, start_month in campaigns.sort("campaign_id").iter_rows():
        campaign = members.filter(pl.col("campaign_id") == campaign_id)
        for kpi in kpis_of(strategy, config):
            changes = customer_changes(campaign, facts, kpi, config)
            everyone = changes.with_columns(
                pl.lit(None, pl.String).alias("segment_id"),
                pl.lit(ALL_SEGMENTS).alias("segment_name"),
            )
            segmented = changes.filter(pl.col("segment_id").is_not_null())
            for group in (everyone, segmented):
                keys = ["segment_id", "segment_name", "relative_month", "as_of_month"]
                for key, cell in sorted(
                    group.partition_by(keys, as_dict=True).items(), key=lambda kv: _sort_key(kv[0])
                ):
                    treated = cell.filter(pl.col("campaign_group") == "treatment")["change"]
                    control = cell.filter(pl.col("campaign_group") == "control")["change"]
                    estimate = (
                        welch_interval(treated.to_numpy(), control.to_numpy(), level)
                        if min(len(treated), len(control)) >= min_n
                        else (None,) * 5
                    )
                    effect, low, high, se, p_value = (_number(v) for v in estimate)
                    rows.append(
                        {
                            "campaign_id": campaign_id,
                            "strategy": strategy,
                            "kpi": kpi,
                            **dict(zip(keys, key, strict=True)),
                            "start_month": start_month,
                            "n_treated": len(treated),
                            "n_control": len(control),
                            "treated_change": _number(treated.mean()),
                            "control_change": _number(control.mean()),
                            "effect": effect,
                            "ci_low": low,
                            "ci_high": high,
                            "std_error": se,
                            "p_value": p_value,
                        }
                    )
    return pl.DataFrame(rows, schema=OUTPUT_SCHEMA)


def _number(value) -> float | None:
    """A float, or None for a missing or nan value (a null in the table)."""
    if value is None:
        return None
    value = float(value)
    return None if np.isnan(value) else value


def _sort_key(key: tuple) -> tuple:
    """Segments (all segments first), then the post-period row, then months in order."""
    segment_id, _, relative_month, _ = key
    return (
        segment_id is not None,
        segment_id or "",
        relative_month is not None,
        relative_month or 0,
    )
