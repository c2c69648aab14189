"""Real smart-meter data (openfido, 100 meters, hourly, 2015, BSD-3) through the whole graph:
ingestion, features and segmentation must work on data nobody here wrote, with no payments,
outages or work orders at all.

Beside the 100 real meters (commercial-sized loads, classed commercial by the adapter) the
landing zone holds ~60 generated households for the same year, so that one pipeline run also
checks item 5 of issue 22: the model trained on the latest covered month scores every earlier
month meaningfully (households apart from commercial meters), not only its own month."""

import shutil
from pathlib import Path

import polars as pl
import pytest
from sklearn.metrics import adjusted_rand_score

from datagen import generate
from datagen.archetypes import parse_shares
from datagen.openfido_ami import write_openfido_landing
from orchestration.definitions import build_definitions
from orchestration.pipeline_runs import run_all
from orchestration.settings import Paths
from tests.e2e.conftest import read

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "openfido_ami"
HOUSEHOLDS = 60
# Households without solar: solar prosumers are a kind of their own (net export, irregular
# load), and among 160 customers, with a floor of 50 a segment, there is no room for a third.
HOUSEHOLD_MIX = "comfortable_owners=0.4,stressed_cash_payers=0.25,electric_heating=0.35"
MIN_MONTHS_OF_DATA = 6  # the bar: a month counts once both kinds have 6 months of data


@pytest.fixture(scope="module")
def ami(tmp_path_factory):
    root = tmp_path_factory.mktemp("openfido")
    paths = Paths.under(root / "data")
    # the generator first: it clears files of its own naming pattern in the folders it writes
    households = generate(
        paths.landing,
        root / "truth",
        n_customers=HOUSEHOLDS,
        n_months=12,
        start_month="2015-01",
        seed=3,
        archetype_shares=parse_shares(HOUSEHOLD_MIX),
    )["rows"]
    # like the meters, bills only: a payments extract holding the households' payments would
    # make every meter's bill unpaid (in arrears, never on time), and contacts only the
    # households', so that the kinds would differ by what the extracts hold
    for table in ("payments", "outages", "outage_customers", "work_orders"):
        shutil.rmtree(paths.landing / table)
        households.pop(table)
    meters = write_openfido_landing(FIXTURE, paths.landing)
    run_all(build_definitions(str(paths.data)), paths, report=lambda _: None)
    return paths, meters, households


def test_every_read_and_bill_is_loaded(ami):
    paths, meters, households = ami
    for table in ("customers", "bills", "meter_reads"):
        n = read(paths.warehouse, f"select count(*) as n from raw.{table}")["n"][0]
        assert n == meters[table] + households.get(table, 0)
    accounting = read(paths.warehouse, "select * from quality.row_accounting")
    assert accounting["is_balanced"].all()
    assert accounting["rows_quarantined"].sum() == 0


def test_load_shape_features_come_from_interval_reads(ami):
    paths, _, _ = ami
    features = read(
        paths.warehouse,
        "select * from marts.customer_features where as_of_month = '2015-12' "
        "and customer_id like 'AMI%'",
    )
    assert features.height == 100
    for column in ("load_factor", "peak_hour_share", "night_share", "weekday_weekend_ratio"):
        assert features[column].null_count() == 0, column
    assert features["load_factor"].is_between(0, 1, closed="right").all()
    assert features["peak_hour_share"].is_between(0, 1).all()
    # 4 of 24 hours are peak hours: a real load shape is not flat, but not wildly off either
    assert 0.10 < features["peak_hour_share"].mean() < 0.30
    # no payments extract: punctuality is unknown, not "never paid"
    assert features["on_time_payment_ratio"].null_count() == 100
    assert (features["arrears_over_60d"] == 0).all()


def test_real_customers_are_segmented(ami):
    paths, _, _ = ami
    db = paths.published / "segments.duckdb"
    segments = read(db, "select * from customer_segments where customer_id like 'AMI%'")
    assert segments.height == 100
    assert segments["customer_id"].n_unique() == 100
    model = read(db, "select k, silhouette from segmentation_models")
    assert model["k"][0] >= 2
    assert -1 <= model["silhouette"][0] <= 1


def test_every_month_is_scored_meaningfully_by_the_trained_model(ami):
    """Households and commercial meters apart (ARI against the kind >= 0.9) in every month in
    which both kinds have at least 6 months of data, all scored with the one trained model; a
    model that read 12-month sums put every customer of an early month into one segment."""
    paths, _, _ = ami
    scored = read(
        paths.warehouse,
        "select h.as_of_month, h.customer_id, h.segment_id, h.model_version, f.months_billed, "
        "case when h.customer_id like 'AMI%' then 'meter' else 'household' end as kind "
        "from ml.customer_segments_history h join marts.customer_features f "
        "using (customer_id, as_of_month)",
    ).filter(pl.col("months_billed") >= MIN_MONTHS_OF_DATA)
    assert scored["model_version"].n_unique() == 1
    months = (
        scored.group_by("as_of_month")
        .agg(pl.col("kind").n_unique().alias("kinds"))
        .filter(pl.col("kinds") == 2)["as_of_month"]
        .sort()
        .to_list()
    )
    assert months == [f"2015-{m:02d}" for m in range(MIN_MONTHS_OF_DATA, 13)]
    for month in months:
        month_rows = scored.filter(pl.col("as_of_month") == month)
        assert (month_rows["segment_id"] != "S00").all(), month
        ari = adjusted_rand_score(month_rows["kind"], month_rows["segment_id"])
        assert ari >= 0.9, (month, ari, month_rows.group_by("kind", "segment_id").len())
