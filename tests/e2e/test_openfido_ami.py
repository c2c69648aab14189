"""Real smart-meter data (openfido, 100 meters, hourly, 2015, BSD-3) through the whole graph:
ingestion, features and segmentation must work on data nobody here wrote, with no payments,
outages or work orders at all."""

from pathlib import Path

import pytest

from datagen.openfido_ami import write_openfido_landing
from orchestration.definitions import build_definitions
from orchestration.pipeline_runs import run_all
from orchestration.settings import Paths
from tests.e2e.conftest import read

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "openfido_ami"


@pytest.fixture(scope="module")
def ami(tmp_path_factory):
    paths = Paths.under(tmp_path_factory.mktemp("openfido") / "data")
    written = write_openfido_landing(FIXTURE, paths.landing)
    run_all(build_definitions(str(paths.data)), paths, report=lambda _: None)
    return paths, written


def test_every_read_and_bill_is_loaded(ami):
    paths, written = ami
    for table in ("customers", "bills", "meter_reads"):
        n = read(paths.warehouse, f"select count(*) as n from raw.{table}")["n"][0]
        assert n == written[table]
    accounting = read(paths.warehouse, "select * from quality.row_accounting")
    assert accounting["is_balanced"].all()
    assert accounting["rows_quarantined"].sum() == 0


def test_load_shape_features_come_from_interval_reads(ami):
    paths, _ = ami
    features = read(
        paths.warehouse, "select * from marts.customer_features where as_of_month = '2015-12'"
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
    paths, _ = ami
    db = paths.published / "segments.duckdb"
    segments = read(db, "select * from customer_segments")
    assert segments.height == 100
    assert segments["customer_id"].n_unique() == 100
    model = read(db, "select k, silhouette from segmentation_models")
    assert model["k"][0] >= 2
    assert -1 <= model["silhouette"][0] <= 1
