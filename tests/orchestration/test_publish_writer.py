"""The publish writer on a small warehouse: migrations only between calendar-consecutive months,
the same counts as the ml reference, every published file in its stated order, and one
snapshot per publish that readers switch to all at once."""

import json
import os
import threading
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest

from contract.published import published_contract
from ml.migrations import segment_migrations
from orchestration.defs.arrears_risk.assets import create_empty_tables
from orchestration.defs.publish.writer import (
    CURRENT,
    CURRENT_MANIFEST,
    KEEP_SNAPSHOTS,
    MANIFEST,
    ORDER_BY,
    PUBLISHED_DB,
    SEGMENT_COLUMNS,
    STORAGE_VARIABLE,
    Snapshot,
    current_snapshot,
    publish,
    storage_version,
)
from orchestration.defs.warehouse import query_frame
from tests.ml.services_frames import services_tables

# 2024-03 is missing: no migrations into 2024-04, nothing from 2024-02 to 2024-04
MONTHS = ["2024-01", "2024-02", "2024-04", "2024-05"]


def history(n_customers: int = 40, model_version: str = "x") -> pl.DataFrame:
    rows = []
    for m, month in enumerate(MONTHS):
        # customers c00..c39, of whom a few are absent some months; inserted in reverse order
        for c in reversed(range(n_customers)):
            if (c + m) % 7 == 0:
                continue
            rows.append(
                {
                    "customer_id": f"c{c:02d}",
                    "as_of_month": month,
                    "segment_id": f"S{(c * 3 + m * (c % 4)) % 5}",
                }
            )
    frame = pl.DataFrame(rows).with_columns(pl.lit(model_version).alias("model_version"))
    return with_segment_columns(frame)


def with_segment_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """customer_id, as_of_month and segment_id, plus the other published columns as "x"."""
    others = [c for c in SEGMENT_COLUMNS if c not in frame.columns]
    return frame.with_columns(*[pl.lit("x").alias(c) for c in others]).select(SEGMENT_COLUMNS)


def make_warehouse(warehouse: Path, frame: pl.DataFrame) -> Path:
    """A warehouse whose scoring history is `frame` (profiles counted from it, the model named
    after its model_version)."""
    model_version = frame["model_version"][0]
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
    conn.execute(
        "create table ml.segmentation_models as select ? as model_version", [model_version]
    )
    create_empty_tables(conn)  # the arrears-risk model tables, before a first model
    services_tables(conn, frame.select("customer_id", "as_of_month"))
    # the effect-monitoring tables, empty, with their contract columns
    for table in ("segment_kpis", "strategy_effects"):
        columns = ", ".join(f"null::varchar as {c}" for c in published_contract()[table].columns)
        conn.execute(f"create table ml.{table} as select {columns} limit 0")
    conn.close()
    return warehouse


def publish_history(tmp_path, frame: pl.DataFrame, storage=None) -> Snapshot:
    """Publish a warehouse whose scoring history is `frame` into tmp_path/published."""
    warehouse = make_warehouse(tmp_path / "warehouse.duckdb", frame)
    return publish(warehouse, tmp_path / "published", storage)


def read_db(path: Path, sql: str) -> pl.DataFrame:
    conn = duckdb.connect(str(path), read_only=True)
    try:
        return query_frame(conn, sql)
    finally:
        conn.close()


def snapshot_files(folder: Path) -> dict[str, bytes]:
    """Every file of a snapshot but its manifest, by path relative to the snapshot."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


@pytest.fixture
def published(tmp_path, monkeypatch):
    monkeypatch.delenv(STORAGE_VARIABLE, raising=False)  # the default storage version
    frame = history()
    return frame, publish_history(tmp_path, frame)


def test_migrations_pair_calendar_consecutive_months_only(published):
    frame, snapshot = published
    moves = read_db(snapshot.path / PUBLISHED_DB, "select * from segment_migrations")
    expected = segment_migrations(frame)
    assert sorted(set(moves["to_month"])) == ["2024-02", "2024-05"]
    # the published table is already in its stated order
    assert moves.equals(moves.sort("to_month", "from_segment", "to_segment"))
    assert moves.drop("from_month").equals(expected)
    assert (
        moves["from_month"]
        == moves["to_month"].replace({"2024-02": "2024-01", "2024-05": "2024-04"})
    ).all()
    assert snapshot.counts["segment_migrations"] == moves.height


def test_every_published_month_file_is_in_its_stated_order(published):
    frame, snapshot = published
    assert snapshot.counts["customer_segments_history"] == frame.height
    for table in ("customer_segments_history", "segment_profiles"):
        for month in MONTHS:
            part = pl.read_parquet(snapshot.path / "parquet" / table / f"as_of_month={month}")
            keys = [k.strip() for k in ORDER_BY[table].split(",") if k.strip() != "as_of_month"]
            assert part.height > 0
            assert part.equals(part.sort(keys)), (table, month)
    current = pl.read_parquet(snapshot.path / "parquet" / "customer_segments")
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
    snapshot = publish_history(tmp_path, with_segment_columns(frame))
    for month in ("2024-01", "2024-02"):
        part = pl.read_parquet(
            snapshot.path / "parquet" / "customer_segments_history" / f"as_of_month={month}"
        )
        assert part.height == n
        assert part["customer_id"].is_sorted(), month


def published_storage(database: Path) -> str:
    conn = duckdb.connect(str(database), read_only=True)
    try:
        return conn.execute(
            "select tags['storage_version'] from duckdb_databases() where database_name = ?",
            [database.stem],
        ).fetchall()[0][0]
    finally:
        conn.close()


def test_the_published_file_is_in_the_configured_storage_version(published, tmp_path, monkeypatch):
    """v1.3.0 by default (DuckDB 1.3 and later open it); GRIDSEG_PUBLISH_STORAGE picks another
    for older BI drivers; a value that is not a version is refused, naming the variable."""
    _, snapshot = published
    assert published_storage(snapshot.path / PUBLISHED_DB) == "v1.3.0+"
    monkeypatch.setenv(STORAGE_VARIABLE, "v1.2.0")
    assert storage_version() == "v1.2.0"
    older = tmp_path / "older"
    older.mkdir()
    older_snapshot = publish_history(older, history())
    assert published_storage(older_snapshot.path / PUBLISHED_DB) == "v1.2.0+"
    assert older_snapshot.counts["customer_segments_history"] == history().height
    for bad in ("1.2", "latest", "v1.2"):
        monkeypatch.setenv(STORAGE_VARIABLE, bad)
        with pytest.raises(ValueError, match=STORAGE_VARIABLE):
            storage_version()
    # a well-formed version DuckDB does not know: refused by the attach, before anything moves
    unknown = tmp_path / "unknown"
    unknown.mkdir()
    with pytest.raises(ValueError, match="cannot write that storage version"):
        publish_history(unknown, history(), storage="v9.9.9")
    assert sorted(p.name for p in (unknown / "published").iterdir()) == ["snapshots"]
    assert list((unknown / "published" / "snapshots").iterdir()) == []


def test_storage_v1_1_0_for_duckdb_1_1_drivers_publishes_and_reads_back(tmp_path, monkeypatch):
    """v1.1.0 is the storage version DuckDB 1.1 opens (it refuses v1.2.0). DuckDB reports such
    a file as readable by v1.0.0 and later (the same storage number, 64)."""
    monkeypatch.setenv(STORAGE_VARIABLE, "v1.1.0")
    frame = history()
    snapshot = publish_history(tmp_path, frame)
    database = snapshot.path / PUBLISHED_DB
    assert published_storage(database) == "v1.0.0+"
    back = read_db(database, "select * from customer_segments_history")
    assert back.sort("as_of_month", "customer_id").equals(frame.sort("as_of_month", "customer_id"))
    manifest = json.loads((snapshot.path / MANIFEST).read_text())
    assert manifest["storage_version"] == "v1.1.0"


def test_a_path_with_an_apostrophe_and_a_space_publishes(tmp_path):
    """Paths and values reach DuckDB as parameters: a data folder named o'brien (with a space)
    is read from and published into like any other."""
    root = tmp_path / "o'brien data"
    root.mkdir()
    frame = history()
    snapshot = publish_history(root, frame)
    assert snapshot.path == current_snapshot(root / "published")
    assert "o'brien data" in str(snapshot.path)
    db = read_db(snapshot.path / PUBLISHED_DB, "select count(*) as n from customer_segments")
    parquet = pl.read_parquet(snapshot.path / "parquet" / "customer_segments")
    assert db["n"][0] == parquet.height == snapshot.counts["customer_segments"] > 0
    history_parquet = pl.read_parquet(
        snapshot.path / "parquet" / "customer_segments_history", hive_partitioning=True
    )
    assert history_parquet.height == frame.height


def test_reruns_are_new_snapshots_of_identical_files_and_old_ones_are_deleted(tmp_path):
    """Each publish is a new numbered snapshot; the same input gives byte-identical table
    files; `current`, current.json and the segments.duckdb link name the newest; only the
    newest KEEP_SNAPSHOTS snapshots stay."""
    warehouse = make_warehouse(tmp_path / "warehouse.duckdb", history())
    published = tmp_path / "published"
    first = publish(warehouse, published)
    assert first.snapshot_id == "000001"
    files = snapshot_files(first.path)
    assert PUBLISHED_DB in files and "parquet/segmentation_models/data.parquet" in files
    snapshots = [publish(warehouse, published) for _ in range(KEEP_SNAPSHOTS)]
    last = snapshots[-1]
    assert [s.snapshot_id for s in snapshots] == ["000002", "000003", "000004"]
    for snapshot in snapshots:
        assert snapshot_files(snapshot.path) == files, snapshot.snapshot_id
    assert sorted(p.name for p in (published / "snapshots").iterdir()) == [
        "000002",
        "000003",
        "000004",
    ]
    assert os.readlink(published / CURRENT) == "snapshots/000004"
    assert current_snapshot(published) == last.path
    manifest = json.loads((published / CURRENT_MANIFEST).read_text())
    assert manifest == json.loads((last.path / MANIFEST).read_text())
    assert manifest["snapshot"] == "000004" and manifest["path"] == "snapshots/000004"
    assert manifest["tables"]["customer_segments_history"] == {
        "rows": last.counts["customer_segments_history"],
        "parquet": "parquet/customer_segments_history",
        "as_of_months": MONTHS,
    }
    # the compatibility link goes through `current`: one pointer for every path
    assert os.readlink(published / PUBLISHED_DB) == f"{CURRENT}/{PUBLISHED_DB}"
    assert (published / PUBLISHED_DB).resolve() == last.path / PUBLISHED_DB


def test_the_first_snapshot_publish_replaces_the_old_layout(tmp_path):
    """A folder published before snapshots: its segments.duckdb and heat map become links
    through `current`, its parquet/ folder and build leftovers go."""
    published = tmp_path / "published"
    (published / "parquet" / "customer_segments").mkdir(parents=True)
    (published / "parquet" / "customer_segments" / "data.parquet").write_bytes(b"old")
    (published / ".parquet.old").mkdir()
    (published / PUBLISHED_DB).write_bytes(b"old")
    (published / "segment_profiles_heatmap.png").write_bytes(b"old")
    (published / ".segment_profiles_heatmap.png.building").write_bytes(b"old")
    warehouse = make_warehouse(tmp_path / "warehouse.duckdb", history())
    snapshot = publish(warehouse, published, files={"segment_profiles_heatmap.png": b"png"})
    assert sorted(p.name for p in published.iterdir()) == sorted(
        [CURRENT, CURRENT_MANIFEST, PUBLISHED_DB, "segment_profiles_heatmap.png", "snapshots"]
    )
    assert (published / "segment_profiles_heatmap.png").read_bytes() == b"png"
    assert (snapshot.path / "segment_profiles_heatmap.png").read_bytes() == b"png"
    assert (published / PUBLISHED_DB).resolve() == snapshot.path / PUBLISHED_DB
    assert json.loads((published / CURRENT_MANIFEST).read_text())["files"] == [
        "segment_profiles_heatmap.png"
    ]
    with pytest.raises(ValueError, match="published file name"):
        publish(warehouse, published, files={"../escape.png": b"png"})


def read_snapshot(published: Path, via_manifest: bool) -> tuple[str, ...]:
    """What one BI session sees: the current snapshot resolved once (through the `current` link
    or through current.json), then its DuckDB file and its Parquet read. Returns one marker per
    source: the model version and the history's row count, from the DuckDB file, from Parquet
    and from the snapshot's manifest."""
    if via_manifest:
        folder = published / json.loads((published / CURRENT_MANIFEST).read_text())["path"]
    else:
        folder = current_snapshot(published)
    db = read_db(
        folder / PUBLISHED_DB,
        "select (select any_value(model_version) from segmentation_models) as model, "
        "(select count(*) from customer_segments_history) as n",
    )
    history_parquet = pl.read_parquet(
        folder / "parquet" / "customer_segments_history", hive_partitioning=True
    )
    models = pl.read_parquet(folder / "parquet" / "segmentation_models" / "data.parquet")
    manifest = json.loads((folder / MANIFEST).read_text())
    return (
        f"{db['model'][0]}:{db['n'][0]}",
        f"{models['model_version'][0]}:{history_parquet.height}",
        f"{history_parquet['model_version'].unique().to_list()}",
        f"{manifest['tables']['segmentation_models']['rows']}:"
        f"{manifest['tables']['customer_segments_history']['rows']}",
    )


def test_a_reader_during_repeated_publishes_sees_one_whole_snapshot_each_time(tmp_path):
    """A reader loop runs while the writer publishes five times with different data (another
    model version, another number of customers). Every read resolves the pointer once and finds
    the DuckDB file, the Parquet and the manifest of one publish; no read fails. The writer
    publishes again only once the reader has seen its last snapshot, so the reader sees them
    all, and its reads overlap the next build and switch."""
    publishes = 5
    warehouses = []
    for i in range(publishes):
        folder = tmp_path / f"w{i}"
        folder.mkdir()
        warehouses.append(make_warehouse(folder / "warehouse.duckdb", history(30 + 5 * i, f"m{i}")))
    published = tmp_path / "published"
    expected = {}
    for i in range(publishes):
        n = history(30 + 5 * i).height
        expected[f"m{i}"] = (f"m{i}:{n}", f"m{i}:{n}", f"['m{i}']", f"1:{n}")
    publish(warehouses[0], published)
    seen: list[tuple[str, ...]] = []
    errors: list[BaseException] = []
    stop = threading.Event()
    seen_changed = threading.Condition()

    def reader() -> None:
        reads = 0
        while not stop.is_set():
            try:
                result = read_snapshot(published, via_manifest=reads % 2 == 1)
            except BaseException as error:  # recorded, asserted on below
                errors.append(error)
                return
            reads += 1
            with seen_changed:
                seen.append(result)
                seen_changed.notify_all()

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for i in range(1, publishes):
            with seen_changed:  # the reader has read the snapshot just published
                assert seen_changed.wait_for(
                    lambda i=i: errors or (seen and seen[-1][0].startswith(f"m{i - 1}:")), 60
                )
            assert not errors
            publish(warehouses[i], published)
        with seen_changed:
            seen_changed.wait_for(
                lambda: errors or seen[-1][0].startswith(f"m{publishes - 1}:"), 60
            )
    finally:
        stop.set()
        thread.join()
    assert not errors, errors
    by_model = {read[0].split(":")[0]: read for read in seen}
    assert sorted(by_model) == sorted(expected)
    inconsistent = [read for read in seen if read != expected[read[0].split(":")[0]]]
    assert not inconsistent, inconsistent[:3]


def test_a_region_held_by_few_customers_is_published_as_other(tmp_path, monkeypatch):
    """A name typed into one customer's region (or a first extract with swapped full_name and
    region headers) is a region of one customer: it never leaves, whatever its shape. Regions of
    at least GRIDSEG_MIN_REGION_CUSTOMERS customers in the month are published as they are."""
    monkeypatch.delenv("GRIDSEG_MIN_REGION_CUSTOMERS", raising=False)
    frame = history().with_columns(
        region=pl.when(pl.col("customer_id") == "c01")
        .then(pl.lit("Zqx Person"))
        .when(pl.col("customer_id").is_in(["c02", "c03", "c04", "c05"]))
        .then(pl.lit("Tiny Hamlet"))
        .otherwise(pl.lit("Northport"))
    )
    warehouse = make_warehouse(tmp_path / "w.duckdb", frame)
    snapshot = publish(warehouse, tmp_path / "published")
    conn = duckdb.connect(str(snapshot.path / PUBLISHED_DB), read_only=True)
    published = conn.execute(
        "select region, count(*) from customer_segments_history group by 1 order by 1"
    ).fetchall()
    conn.close()
    held = dict(published)
    assert "Zqx Person" not in held and "Tiny Hamlet" not in held
    assert held["other"] == frame.filter(pl.col("region") != "Northport").height
    assert held["Northport"] == frame.filter(pl.col("region") == "Northport").height
    parquet = pl.read_parquet(
        snapshot.path / "parquet" / "customer_segments_history" / "*" / "*.parquet"
    )
    assert set(parquet["region"]) == {"Northport", "other"}
    monkeypatch.setenv("GRIDSEG_MIN_REGION_CUSTOMERS", "1")
    snapshot = publish(warehouse, tmp_path / "published")
    conn = duckdb.connect(str(snapshot.path / PUBLISHED_DB), read_only=True)
    regions = {r[0] for r in conn.execute("select region from customer_segments").fetchall()}
    conn.close()
    assert "Zqx Person" in regions  # the threshold is a setting


def parquet_months(snapshot: Path, table: str) -> dict[str, Path]:
    folder = snapshot / "parquet" / table
    return {p.parent.name.split("=")[1]: p for p in sorted(folder.glob("*/part_0.parquet"))}


def test_an_appending_publish_rewrites_the_replaced_months_and_links_the_others(tmp_path):
    """One month re-scored and one new month: the new snapshot holds what a whole publish of the
    same warehouse holds; the other months' Parquet files are the previous snapshot's (the same
    inodes), which stays as it was."""
    frame = history()
    first = publish_history(tmp_path, frame)
    before = snapshot_files(first.path)
    changed = frame.with_columns(
        pl.when(pl.col("as_of_month") == "2024-05")
        .then(pl.lit("S9"))
        .otherwise(pl.col("segment_id"))
        .alias("segment_id")
    )
    new_month = changed.filter(pl.col("as_of_month") == "2024-05").with_columns(
        pl.lit("2024-06").alias("as_of_month")
    )
    warehouse = make_warehouse(tmp_path / "warehouse2.duckdb", pl.concat([changed, new_month]))
    # as the score stage marks them; the services' months not marked: 2024-06 is new to them
    replaced = {
        "customer_segments_history": {"2024-05", "2024-06"},
        "segment_profiles": {"2024-05", "2024-06"},
    }
    appended = publish(warehouse, tmp_path / "published", replaced=replaced)
    whole = publish(warehouse, tmp_path / "whole")

    manifest = json.loads((appended.path / MANIFEST).read_text())
    assert manifest["appended_to"] == first.snapshot_id
    entry = manifest["tables"]["customer_segments_history"]
    assert entry["rewritten_months"] == ["2024-05", "2024-06"]
    new, old = (
        parquet_months(appended.path, "customer_segments_history"),
        parquet_months(first.path, "customer_segments_history"),
    )
    assert sorted(new) == [*MONTHS, "2024-06"]
    for month in MONTHS[:-1]:
        assert new[month].stat().st_ino == old[month].stat().st_ino, month
    assert new["2024-05"].stat().st_ino != old["2024-05"].stat().st_ino
    # customer_signals: 2024-06 is new to the snapshot, so it is written although not marked
    assert manifest["tables"]["customer_signals"]["rewritten_months"] == ["2024-06"]
    # the same tables as a whole publish, in DuckDB and in Parquet
    for table in manifest["tables"]:
        sql = f"select * from {table} order by all"
        assert read_db(appended.path / PUBLISHED_DB, sql).equals(
            read_db(whole.path / PUBLISHED_DB, sql)
        ), table
    for name, data in snapshot_files(whole.path).items():
        if name.startswith("parquet/"):
            assert (appended.path / name).read_bytes() == data, name
    assert snapshot_files(first.path) == before
