"""Scoring on Spark: the trained model scores customer_features where the features are, on the
executors, through `mapInArrow` and the same `ml/` code as on DuckDB (ml/batch_scoring.py).
Training stays on one machine, on a sample of one month (ml/training.py).

The model travels to the executors inside the pickled closure (a few hundred kB of NumPy
arrays). Spark hands each task its rows as Arrow batches and takes the scores back as Arrow
batches of the schema `scored_schema` derives from the features' schema, so no column changes
type on the way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ml.batch_scoring import score_batches, scored_schema
from ml.model import SegmentationModel

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


def score_on_spark(features: DataFrame, model: SegmentationModel, config: dict) -> DataFrame:
    """The scores of every row of the Spark DataFrame `features` (customer_features rows), one
    output row per input row, with the columns of ml.scoring.OUTPUT_COLUMNS."""
    from pyspark.sql.pandas.types import from_arrow_schema, to_arrow_schema

    schema = scored_schema(to_arrow_schema(features.schema), model, config)

    def score(batches):
        return score_batches(batches, model, config)

    return features.mapInArrow(score, from_arrow_schema(schema))
