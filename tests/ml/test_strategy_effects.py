"""The difference-in-differences estimator of ml/strategy_effects.py on synthetic panels with a
known effect: recovery, no false effect, coverage of the interval, counts and grouping."""

import numpy as np
import polars as pl
import pytest

from ml.strategy_effects import (
    ALL_SEGMENTS,
    load_effects_config,
    strategy_effects,
    welch_interval,
)

CONFIG = {**load_effects_config(), "pre_months": 3, "post_months": 3}


def panel(effect: float, n: int = 400, seed: int = 0, strategy: str = "digital_channel_push"):
    """n customers, half treated, two segments; call-centre contacts ~ Poisson(level_i) with a
    customer level, a common time trend, and `effect` added to treated months 1..3."""
    rng = np.random.default_rng(seed)
    customers = [f"C{i:04d}" for i in range(n)]
    treated = rng.permutation(np.arange(n) < n // 2)
    members = pl.DataFrame(
        {
            "campaign_id": "K1",
            "customer_id": customers,
            "strategy": strategy,
            "campaign_group": np.where(treated, "treatment", "control"),
            "start_month": "2024-04",
            "segment_id": np.where(np.arange(n) % 2 == 0, "1", "2"),
            "segment_name": np.where(np.arange(n) % 2 == 0, "one", "two"),
        }
    )
    level = rng.gamma(2.0, 0.5, n)
    rows = []
    for rel in range(-3, 4):
        trend = 0.2 * (rel > 0)  # a change both groups see: DiD removes it
        y = rng.normal(level + trend + effect * (treated & (rel > 0)), 0.3)
        rows.append(
            pl.DataFrame(
                {
                    "campaign_id": "K1",
                    "customer_id": customers,
                    "relative_month": rel,
                    "as_of_month": f"2024-{4 + rel:02d}",
                    "n_contacts_call_center": y,
                }
            )
        )
    facts = pl.concat(rows).with_columns(
        *(pl.lit(None, pl.Float64).alias(c) for c in ("n_bills_due", "n_due_on_time", "kwh")),
        pl.lit(0.0).alias("arrears_over_60d"),
        pl.lit(0.0).alias("n_contacts_digital"),
    )
    return members, facts


def pooled(effects: pl.DataFrame, kpi: str = "call_center_contacts") -> dict:
    row = effects.filter(
        (pl.col("kpi") == kpi) & pl.col("segment_id").is_null() & pl.col("relative_month").is_null()
    )
    assert row.height == 1
    return row.row(0, named=True)


def test_a_planted_effect_is_recovered_inside_the_interval():
    effects = strategy_effects(*panel(-0.3), CONFIG)
    row = pooled(effects)
    assert row["ci_low"] < -0.3 < row["ci_high"]
    assert row["ci_high"] < 0  # and found: the interval excludes no effect
    assert row["segment_name"] == ALL_SEGMENTS


def test_no_effect_is_found_where_none_was_planted():
    row = pooled(strategy_effects(*panel(0.0, seed=3), CONFIG))
    assert row["ci_low"] < 0 < row["ci_high"]
    assert row["p_value"] > 0.05


def test_the_interval_covers_the_effect_at_its_nominal_rate():
    covered = [
        (lambda r: r["ci_low"] <= 0.1 <= r["ci_high"])(
            pooled(strategy_effects(*panel(0.1, n=60, seed=s), CONFIG))
        )
        for s in range(200)
    ]
    assert 0.91 <= np.mean(covered) <= 0.99


def test_rows_per_segment_and_month_with_their_counts():
    members, facts = panel(0.0, n=40)
    effects = strategy_effects(members, facts, CONFIG).filter(
        pl.col("kpi") == "call_center_contacts"
    )
    # all segments + 2 segments, each with months 1..3 and the pooled row
    assert effects.height == 3 * 4
    assert effects.filter(pl.col("segment_id").is_null())["n_treated"].to_list() == [20] * 4
    by_segment = effects.filter(pl.col("segment_id").is_not_null())
    totals = by_segment.group_by("relative_month").agg(
        pl.col("n_treated").sum(), pl.col("n_control").sum()
    )
    assert set(totals["n_treated"] + totals["n_control"]) == {40}
    months = effects.filter(pl.col("relative_month") == 2)["as_of_month"].unique().to_list()
    assert months == ["2024-06"]
    assert (effects["ci_low"] <= effects["effect"]).all() and (
        effects["effect"] <= effects["ci_high"]
    ).all()


def test_customers_without_a_baseline_or_a_segment():
    members, facts = panel(0.0, n=40)
    facts = facts.filter(~((pl.col("customer_id") == "C0000") & (pl.col("relative_month") < 0)))
    members = members.with_columns(
        segment_id=pl.when(pl.col("customer_id") == "C0001").then(None).otherwise("segment_id")
    )
    effects = strategy_effects(members, facts, CONFIG).filter(
        pl.col("kpi") == "call_center_contacts"
    )
    everyone = effects.filter(pl.col("segment_id").is_null() & pl.col("relative_month").is_null())
    assert everyone["n_treated"].item() + everyone["n_control"].item() == 39  # C0000: no baseline
    segments = effects.filter(
        pl.col("segment_id").is_not_null() & pl.col("relative_month").is_null()
    )
    assert segments["n_treated"].sum() + segments["n_control"].sum() == 38  # C0001: no segment


def test_too_small_groups_get_counts_but_no_estimate():
    members, facts = panel(0.0, n=40)
    keep = members.filter(pl.col("campaign_group") == "control").head(1)
    members = pl.concat([members.filter(pl.col("campaign_group") == "treatment"), keep])
    row = pooled(strategy_effects(members, facts, CONFIG))
    assert row["n_control"] == 1 and row["effect"] is None and row["ci_low"] is None


def test_welch_interval_matches_scipy():
    rng = np.random.default_rng(1)
    a, b = rng.normal(1, 1, 30), rng.normal(0, 2, 50)
    diff, low, high, se, p = welch_interval(a, b)
    from scipy import stats

    assert p == pytest.approx(stats.ttest_ind(a, b, equal_var=False).pvalue)
    assert low < diff < high and se > 0
    assert welch_interval(np.ones(3), np.ones(3))[:4] == (0.0, 0.0, 0.0, 0.0)


def test_an_empty_campaign_table_gives_an_empty_effects_table():
    members, facts = panel(0.0, n=4)
    effects = strategy_effects(members.head(0), facts.head(0), CONFIG)
    assert effects.height == 0 and "ci_low" in effects.columns


def test_unknown_kpis_in_the_config_are_refused(tmp_path):
    path = tmp_path / "effects.yaml"
    path.write_text(
        "kpis_by_strategy: {x: [churn]}\ndefault_kpis: [kwh]\npre_months: 6\npost_months: 6\n"
        "confidence_level: 0.95\nmin_group_size: 2\n"
    )
    with pytest.raises(ValueError, match="churn"):
        load_effects_config(path)


def test_the_same_rows_in_any_order_give_the_same_table():
    members, facts = panel(-0.2, n=200, seed=5)
    first = strategy_effects(members, facts, CONFIG)
    shuffled = strategy_effects(
        members.sample(fraction=1.0, shuffle=True, seed=1),
        facts.sample(fraction=1.0, shuffle=True, seed=2),
        CONFIG,
    )
    assert first.equals(shuffled)
