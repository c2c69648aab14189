"""The ml tables of a warehouse an older release built take the columns a newer one writes."""

import duckdb
import polars as pl

from orchestration.defs.segmentation.warehouse_io import upsert_rows


def test_a_new_column_is_added_to_an_older_table_in_place(tmp_path):
    conn = duckdb.connect(str(tmp_path / "w.duckdb"))
    upsert_rows(
        conn,
        "segmentation_models",
        pl.DataFrame({"model_version": ["v1"], "k": [4]}),
        "model_version",
    )
    newer = pl.DataFrame({"model_version": ["v2"], "k": [6], "training_month": ["2025-11"]})
    upsert_rows(conn, "segmentation_models", newer, "model_version")
    rows = conn.execute(
        "select model_version, k, training_month from ml.segmentation_models order by 1"
    ).fetchall()
    conn.close()
    assert rows == [("v1", 4, None), ("v2", 6, "2025-11")]
