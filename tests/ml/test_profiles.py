"""Segment profiles: shares, means, index vs population, top traits."""

import numpy as np
import polars as pl
import pytest

from ml.profiles import profile_table, trait_names


@pytest.fixture(scope="module")
def profile_config(config):
    return config["segmentation"]["profile"]


def two_months(planted):
    may = planted.with_columns(pl.lit("2024-05").alias("as_of_month"))
    june = planted.head(700)
    frame = pl.concat([may, june]).with_columns(
        pl.col("planted_group").alias("segment_id"),
        pl.lit(50.0).alias("value_score"),
        pl.lit(80.0).alias("satisfaction_score"),
    )
    return frame


def test_one_row_per_segment_and_month_with_shares_summing_to_one(planted, profile_config):
    table = profile_table(two_months(planted), profile_config)
    assert table.height == 5 + 4  # June has only four planted groups in its first 700 rows
    sums = table.group_by("as_of_month").agg(pl.col("share").sum(), pl.col("n_customers").sum())
    assert dict(sums.select("as_of_month", "n_customers").iter_rows()) == {
        "2024-05": 1000,
        "2024-06": 700,
    }
    assert sums["share"].to_list() == pytest.approx([1.0, 1.0])


def test_whole_population_as_one_segment_has_index_100(planted, profile_config):
    frame = two_months(planted).with_columns(pl.lit("ALL").alias("segment_id"))
    table = profile_table(frame, profile_config)
    index_cols = [c for c in table.columns if c.endswith("_index")]
    values = table.select(index_cols).to_numpy()
    assert values[~(values != values)] == pytest.approx(100.0)  # every defined index is 100


def test_share_weighted_means_are_the_population_mean(planted, profile_config):
    may = two_months(planted).filter(pl.col("as_of_month") == "2024-05")
    table = profile_table(may, profile_config)
    for trait in ["kwh_avg_month", "n_complaints", "tenure_months"]:
        assert (table["share"] * table[f"{trait}_mean"]).sum() == pytest.approx(may[trait].mean())
    # an attribute share's centre is its share: its indices average to 100
    assert (table["share"] * table["share_solar_index"]).sum() == pytest.approx(100.0)


def test_one_huge_customer_does_not_make_the_population_centre_meaningless(profile_config):
    """100 households of ~500 kWh and one 50 GWh customer: with means, the household segment's
    kWh index was 2; the trimmed centre keeps it near 100."""
    config = {**profile_config, "traits": ["kwh_avg_month"], "attribute_shares": {}}
    kwh = [400.0 + 2 * i for i in range(100)] + [50e6]
    frame = pl.DataFrame(
        {
            "segment_id": ["homes"] * 100 + ["plant"],
            "as_of_month": ["2024-05"] * 101,
            "kwh_avg_month": kwh,
        }
    )
    table = profile_table(frame, config, with_z=True)
    homes = table.filter(pl.col("segment_id") == "homes").row(0, named=True)
    assert homes["kwh_avg_month_mean"] == pytest.approx(499.0)
    assert 95 < homes["kwh_avg_month_index"] < 105
    assert abs(homes["kwh_avg_month_z"]) < 0.1
    plant = table.filter(pl.col("segment_id") == "plant").row(0, named=True)
    assert plant["kwh_avg_month_index"] > 10_000


def test_attribute_shares_and_means(planted, profile_config):
    table = profile_table(two_months(planted), profile_config).filter(
        pl.col("as_of_month") == "2024-05"
    )
    solar = table.filter(pl.col("segment_id") == "solar").row(0, named=True)
    assert solar["share_solar_mean"] == 1.0
    assert solar["share_solar_index"] == pytest.approx(100.0 / 0.2)
    stressed = table.filter(pl.col("segment_id") == "stressed").row(0, named=True)
    assert stressed["share_cash_payers_mean"] == 1.0
    expected = planted.filter(pl.col("planted_group") == "stressed")["avg_days_late"].mean()
    assert stressed["avg_days_late_mean"] == pytest.approx(expected)


def test_top_traits_name_the_planted_differences(planted, profile_config):
    table = profile_table(two_months(planted), profile_config)
    top = dict(
        table.filter(pl.col("as_of_month") == "2024-05")
        .select("segment_id", "top_traits")
        .iter_rows()
    )
    assert "share_solar x5.0" in top["solar"]
    assert "share_industrial x5.0" in top["industrial"]
    assert all(len(t.split("; ")) == profile_config["top_n"] for t in top.values())


def test_index_edge_cases(profile_config):
    config = {**profile_config, "traits": ["kwh_growth", "n_complaints"], "attribute_shares": {}}
    frame = pl.DataFrame(
        {
            "segment_id": ["A", "A", "B"],
            "as_of_month": ["2024-01"] * 3,
            "kwh_growth": [-0.2, -0.1, -0.3],  # negative population mean -> no index
            "n_complaints": [0, 0, 0],  # population mean 0 and segment mean 0 -> 100
        }
    )
    table = profile_table(frame, config)
    assert table["kwh_growth_index"].null_count() == 2
    assert table["n_complaints_index"].to_list() == [100.0, 100.0]


def test_trait_names_lists_numeric_then_attribute_traits(profile_config):
    names = trait_names(profile_config)
    assert names[0] == profile_config["traits"][0] and "share_cash_payers" in names


def test_missing_trait_column_is_a_clear_error(profile_config):
    with pytest.raises(ValueError, match="profile traits missing"):
        profile_table(
            pl.DataFrame({"segment_id": ["A"], "as_of_month": ["2024-01"]}), profile_config
        )


def test_profiles_are_the_same_to_the_last_bit_on_every_run(planted, profile_config):
    """The same rows give the same means, bit for bit: Polars' parallel group-by summed a
    group's floats in a varying order (last-bit differences between runs at 30,000 customers)."""
    rng = np.random.default_rng(3)
    frame = pl.concat([two_months(planted)] * 200)  # 340,000 rows: several threads' worth
    numeric = list(profile_config["traits"])
    frame = frame.with_columns(
        pl.col(t).cast(pl.Float64) * pl.Series(rng.lognormal(0, 2, frame.height)) for t in numeric
    )
    tables = [profile_table(frame, profile_config) for _ in range(4)]
    assert all(table.equals(tables[0]) for table in tables)
    assert tables[0]["n_customers"].sum() == frame.height
