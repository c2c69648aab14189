"""Customers without recent data and the choice of the training month (ml/eligibility.py)."""

import duckdb
import polars as pl
import pytest
import yaml

from ml.eligibility import coverage_expr, training_month
from ml.settings import DBT_PROJECT_FILE, season_months
from orchestration.defs.segmentation.warehouse_io import month_coverage


def test_training_month_is_the_latest_month_with_enough_coverage():
    coverage = [("2024-01", 0.5), ("2024-02", 0.85), ("2024-03", 0.9), ("2024-04", 0.6)]
    # the newest month is only partly billed: the month before it is trained on
    assert training_month(coverage, 0.8) == "2024-03"
    assert training_month(coverage, 0.5) == "2024-04"
    # no month reaches the share: the best covered one
    assert training_month(coverage, 0.95) == "2024-03"
    assert training_month([], 0.8) is None


def test_warehouse_coverage_counts_what_the_scoring_rule_excludes(make_features, config):
    eligibility = config["segmentation"]["eligibility"]
    months = []
    for i, month in enumerate(["2024-04", "2024-05", "2024-06"]):
        frame = make_features(seed=i, as_of_month=month)
        n = frame.height
        months.append(
            frame.with_columns(
                pl.Series("months_since_last_bill", [None, 3, 2, 0] * (n // 4), pl.Int64),
                pl.Series("months_billed", [12, 2, 3, 12 - i] * (n // 4), pl.Int64),
            )
        )
    features = pl.concat(months)
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("create table marts.customer_features as select * from features")
    got = month_coverage(con, eligibility)
    expected = (
        features.group_by("as_of_month")
        .agg(coverage_expr(eligibility).alias("share"))
        .sort("as_of_month")
        .rows()
    )
    assert [m for m, _ in got] == [m for m, _ in expected]
    assert [s for _, s in got] == pytest.approx([s for _, s in expected])
    assert [s for _, s in got] == pytest.approx([0.5, 0.5, 0.5])


def test_season_months_have_one_home_read_by_dbt_and_ml(tmp_path, trained):
    """The dbt var season_months is what the model records; a southern utility swaps them."""
    assert season_months() == {"winter": [12, 1, 2], "summer": [6, 7, 8]}
    assert trained.metrics["season_months"] == season_months()
    project = yaml.safe_load(DBT_PROJECT_FILE.read_text())
    project["vars"]["season_months"] = {"winter": [6, 7, 8], "summer": [12, 1, 2]}
    south = tmp_path / "dbt_project.yml"
    south.write_text(yaml.safe_dump(project))
    assert season_months(south)["winter"] == [6, 7, 8]
    # the dbt model renders the same var for its seasonal sums
    trailing = DBT_PROJECT_FILE.parent / "models/intermediate/int_customer_trailing_12m.sql"
    text = trailing.read_text()
    assert "var('season_months')" in text
    assert "seasons['winter']" in text and "seasons['summer']" in text
