"""Scoring in record batches, for engines that hand the features over as Arrow batches (Spark's
`mapInArrow` on a cluster's executors).

`score_customers` is a pure row-wise function of (features, model, config): every output row
depends only on its input row, the model and the config, never on the other rows of its month.
So scoring batch by batch, in any split of the rows, gives the rows that scoring the whole month
at once gives, and no engine needs a copy of the scoring logic.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import polars as pl
import pyarrow as pa

from ml.model import SegmentationModel
from ml.scoring import score_customers


def _plain_types(schema: pa.Schema) -> pa.Schema:
    """`schema` with Polars' large/view string types as plain strings: the Arrow types every
    engine reads back (Spark's Arrow bridge declares `string`)."""
    plain = {pa.large_string(): pa.string(), pa.string_view(): pa.string()}
    return pa.schema([field.with_type(plain.get(field.type, field.type)) for field in schema])


def scored_schema(features: pa.Schema, model: SegmentationModel, config: dict) -> pa.Schema:
    """The Arrow schema of the scores of features with the Arrow schema `features`."""
    empty = pl.from_arrow(features.empty_table())
    return _plain_types(score_customers(empty, model, config).to_arrow().schema)


def score_batches(
    batches: Iterable[pa.RecordBatch], model: SegmentationModel, config: dict
) -> Iterator[pa.RecordBatch]:
    """The scores of each batch of customer_features rows, as batches of `scored_schema`."""
    schema = None
    for batch in batches:
        if not batch.num_rows:
            continue
        scored = score_customers(pl.from_arrow(batch), model, config).to_arrow()
        schema = schema or _plain_types(scored.schema)
        yield from scored.cast(schema).to_batches()
