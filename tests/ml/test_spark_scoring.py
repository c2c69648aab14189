"""Scoring on Spark (mapInArrow on a local Spark) gives the rows scoring on one machine gives,
bit for bit, whatever the split of the rows into partitions and batches."""

import polars as pl
import pyarrow as pa
import pytest

from ml.batch_scoring import score_batches
from ml.pipeline import score_customers
from orchestration.defs.segmentation.spark_scoring import score_on_spark

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def month(make_features):
    """Two months of planted customers, the second with other draws (a month is not special)."""
    first = make_features(sizes=(300, 250, 200, 150, 100), seed=1, as_of_month="2024-06")
    second = make_features(sizes=(120, 260, 210, 140, 90), seed=2, as_of_month="2024-07")
    return pl.concat([first, second]).drop("planted_group")


def test_batches_of_any_size_score_as_the_whole(month, trained, config):
    whole = score_customers(month, trained, config)
    for size in (1, 3, 250, month.height):
        batches = month.to_arrow().to_batches(max_chunksize=size)
        scored = pl.from_arrow(pa.Table.from_batches(list(score_batches(batches, trained, config))))
        assert scored.equals(whole), size


def test_spark_scores_equal_local_scores(spark, month, trained, config):
    features = spark.createDataFrame(month.to_arrow()).repartition(3, "customer_id")
    scored = pl.from_arrow(score_on_spark(features, trained, config).toArrow())
    expected = score_customers(month, trained, config)
    assert scored.schema == expected.schema
    key = ["as_of_month", "customer_id"]
    assert scored.sort(key).equals(expected.sort(key))
