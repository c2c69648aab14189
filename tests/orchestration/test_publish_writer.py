"""The publish writer on a small warehouse: migrations only between calendar-consecutive months,
the same counts as the ml reference, and every published file in its stated order."""

import duckdb
import numpy as np
import polars as pl
import pytest

from ml.migrations import segment_migrations
from orchestration.defs.publish.writer import (
    ORDER_BY,
    SEGMENT_COLUMNS,
    STORAGE_VARIABLE,
    publish,
    storage_version,
)
from orchestration.defs.warehouse import query_frame

# 2024-03 is missing: no migrations into 2024-04, nothing from 2024-02 to 2024-04
MONTHS = ["2024-01", "2024-02", "2024-04", "2024-05"]


def history() -> pl.DataFrame:
    rows = []
    for m, month in enumerate(MONTHS):
        # customers c00..c39, of whom a few are absent some months; inserted in reverse order
        for c in reversed(range(40)):
            if (c + m) % 7 == 0:
                continue
            rows.append(
                {
                    "customer_id": f"c{c:02d}",
                    "as_of_month": month,
                    "segment_id": f"S{(c * 3 + m * (c % 4)) % 5}",
                }
            )
    return with_segment_columns(pl.DataFrame(rows))


def with_segment_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """customer_id, as_of_month and segment_id, plus the other published columns as "x"."""
    others = [c for c in SEGMENT_COLUMNS if c not in frame.columns]
    return frame.with_columns(*[pl.lit("x").alias(c) for c in others]).select(SEGMENT_COLUMNS)


def publish_history(tmp_path, frame: pl.DataFrame, storage=None) -> tuple[dict, object]:
    """Publish a warehouse whose scoring history is `frame` (profiles counted from it); returns
    the row counts and the published folder."""
    warehouse = tmp_path / "warehouse.duckdb"
    conn = duckdb.connect(str(warehouse))
    conn.execute("create schema ml")
    conn.execute("create table ml.customer_segments_history as select * from frame")
    conn.execute(
        "create table ml.segment_profiles as select as_of_month, segment_id, "
        "count(*) as n_customers from frame group by all"
    )
    conn.execute(
        "create table ml.value_index_weights as select 'v1' as model_version, "
        "'g' as level, 'kwh' as criterion, 'ahp' as method, 1.0 as weight"
    )
    conn.execute("create table ml.segmentation_models as select 'v1' as model_version")
    conn.close()
    return publish(warehouse, tmp_path / "published", storage), tmp_path / "published"


@pytest.fixture
def published(tmp_path, monkeypatch):
    monkeypatch.delenv(STORAGE_VARIABLE, raising=False)  # the default storage version
    frame = history()
    counts, folder = publish_history(tmp_path, frame)
    return frame, counts, folder


def test_migrations_pair_calendar_consecutive_months_only(published):
    frame, counts, folder = published
    conn = duckdb.connect(str(folder / "segments.duckdb"), read_only=True)
    moves = query_frame(conn, "select * from segment_migrations")
    conn.close()
    expected = segment_migrations(frame)
    assert sorted(set(moves["to_month"])) == ["2024-02", "2024-05"]
    # the published table is already in its stated order
    assert moves.equals(moves.sort("to_month", "from_segment", "to_segment"))
    assert moves.drop("from_month").equals(expected)
    assert (
        moves["from_month"]
        == moves["to_month"].replace({"2024-02": "2024-01", "2024-05": "2024-04"})
    ).all()
    assert counts["segment_migrations"] == moves.height


def test_every_published_month_file_is_in_its_stated_order(published):
    frame, counts, folder = published
    assert counts["customer_segments_history"] == frame.height
    for table in ("customer_segments_history", "segment_profiles"):
        for month in MONTHS:
            part = pl.read_parquet(folder / "parquet" / table / f"as_of_month={month}")
            keys = [k.strip() for k in ORDER_BY[table].split(",") if k.strip() != "as_of_month"]
            assert part.height > 0
            assert part.equals(part.sort(keys)), (table, month)
    current = pl.read_parquet(folder / "parquet" / "customer_segments")
    assert current.equals(current.sort("customer_id"))
    assert current.height == frame.filter(pl.col("as_of_month") == MONTHS[-1]).height


def test_a_month_of_many_row_groups_is_published_in_order(tmp_path):
    """Month files are copied without sorting again: with several row groups per month and two
    threads, the scan must still return each month as it was inserted, sorted by customer."""
    n = 300_000  # about 3 row groups of DuckDB's 122,880 rows
    order = np.random.default_rng(7).permutation(n)
    frame = pl.DataFrame(
        {
            "customer_id": [f"c{i:07d}" for i in order],
            "segment_id": [f"S{i % 5}" for i in order],
        }
    )
    frame = pl.concat(
        [frame.with_columns(pl.lit(m).alias("as_of_month")) for m in ("2024-01", "2024-02")]
    )
    _, folder = publish_history(tmp_path, with_segment_columns(frame))
    for month in ("2024-01", "2024-02"):
        part = pl.read_parquet(
            folder / "parquet" / "customer_segments_history" / f"as_of_month={month}"
        )
        assert part.height == n
        assert part["customer_id"].is_sorted(), month


def published_storage(folder) -> str:
    conn = duckdb.connect(str(folder / "segments.duckdb"), read_only=True)
    try:
        return conn.execute(
            "select tags['storage_version'] from duckdb_databases() where database_name = 'segments'"
        ).fetchall()[0][0]
    finally:
        conn.close()


def test_the_published_file_is_in_the_configured_storage_version(published, tmp_path, monkeypatch):
    """v1.3.0 by default (DuckDB 1.3 and later open it); GRIDSEG_PUBLISH_STORAGE picks another
    for older BI drivers; a value that is not a version is refused, naming the variable."""
    _, _, folder = published
    assert published_storage(folder) == "v1.3.0+"
    monkeypatch.setenv(STORAGE_VARIABLE, "v1.2.0")
    assert storage_version() == "v1.2.0"
    older = tmp_path / "older"
    older.mkdir()
    counts, older_folder = publish_history(older, history())
    assert published_storage(older_folder) == "v1.2.0+"
    assert counts["customer_segments_history"] == history().height
    for bad in ("1.2", "latest", "v1.2"):
        monkeypatch.setenv(STORAGE_VARIABLE, bad)
        with pytest.raises(ValueError, match=STORAGE_VARIABLE):
            storage_version()
    # a well-formed version DuckDB does not know: refused by the attach, before anything moves
    unknown = tmp_path / "unknown"
    unknown.mkdir()
    with pytest.raises(ValueError, match="cannot write that storage version"):
        publish_history(unknown, history(), storage="v9.9.9")
    assert not (unknown / "published" / "segments.duckdb").exists()
    assert not (unknown / "published" / "parquet").exists()
