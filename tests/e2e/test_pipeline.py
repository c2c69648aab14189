"""The whole graph, materialised for real on small generated data, asserted on what users read."""

import json
import os
import shutil
import subprocess

import duckdb
import polars as pl
from sklearn.metrics import adjusted_rand_score

from ml.feature_catalog import ALL_COLUMNS, PII_COLUMNS
from orchestration.defs.dbt.project import DBT_EXECUTABLE
from orchestration.defs.publish.writer import PUBLISHED_TABLES, current_snapshot
from orchestration.pipeline_runs import STAGES, run_all
from orchestration.published_inputs import unchanged_snapshot
from orchestration.settings import DBT_PROJECT_DIR
from tests.e2e.conftest import HISTORY_MONTHS, read

PII_VALUE_PATTERN = r"@|^\+?[0-9 ()-]{9,}$"


def test_every_active_customer_is_segmented_exactly_once(pipeline):
    paths = pipeline["paths"]
    latest = pipeline["months"][-1]
    features = read(
        paths.warehouse,
        "select customer_id from marts.customer_features where as_of_month = ?",
        [latest],
    )
    published = read(paths.published / "segments.duckdb", "select * from customer_segments")
    assert published["customer_id"].n_unique() == published.height
    assert set(published["customer_id"]) == set(features["customer_id"])
    assert set(published["as_of_month"]) == {latest}
    assert published["segment_id"].null_count() == 0
    assert published["recommended_strategy"].null_count() == 0
    assert published["value_score"].is_between(0, 100).all()
    assert published["satisfaction_score"].is_between(0, 100).all()
    assert set(published["credit_rating"]) <= {"A", "B", "C", "D"}


def test_history_has_one_row_per_customer_and_month(pipeline):
    paths = pipeline["paths"]
    db = paths.published / "segments.duckdb"
    history = read(
        db,
        "select as_of_month, count(*) as n, count(distinct customer_id) as d from customer_segments_history group by 1 order by 1",
    )
    features = read(
        paths.warehouse,
        "select as_of_month, count(*) as n from marts.customer_features group by 1 order by 1",
    )
    assert history["as_of_month"].to_list() == pipeline["months"]
    assert history["n"].to_list() == history["d"].to_list() == features["n"].to_list()


def test_segment_sizes_add_up(pipeline):
    db = pipeline["paths"].published / "segments.duckdb"
    profiles = read(
        db,
        "select as_of_month, sum(n_customers) as n, sum(share) as share from segment_profiles group by 1 order by 1",
    )
    history = read(
        db, "select as_of_month, count(*) as n from customer_segments_history group by 1 order by 1"
    )
    assert profiles["n"].to_list() == history["n"].to_list()
    assert all(abs(s - 1.0) < 1e-9 for s in profiles["share"])
    migrations = read(
        db, "select to_month, sum(n_customers) as n from segment_migrations group by 1 order by 1"
    )
    stayed = read(
        db,
        """
        select b.as_of_month as to_month, count(*) as n
        from customer_segments_history a join customer_segments_history b
          on a.customer_id = b.customer_id
         and strptime(b.as_of_month || '-01', '%Y-%m-%d') = strptime(a.as_of_month || '-01', '%Y-%m-%d') + interval 1 month
        group by 1 order by 1""",
    )
    assert migrations.equals(stayed)


def test_no_pii_in_marts_or_published_tables(pipeline):
    paths = pipeline["paths"]
    mart = read(paths.warehouse, "select * from marts.customer_features limit 1000")
    assert set(mart.columns) == set(ALL_COLUMNS)
    db = paths.published / "segments.duckdb"
    for table in PUBLISHED_TABLES:
        frame = read(db, f"select * from {table}")
        assert not set(frame.columns) & set(PII_COLUMNS), table
        # model versions are keys GridSeg makes ('2023-12-72906121'), not text a person typed:
        # an all-digit digest would look like a phone number
        strings = frame.select(pl.col(pl.String)).columns
        texts = [c for c in strings if not c.endswith("model_version")]
        for column in texts:
            assert not frame[column].str.contains(PII_VALUE_PATTERN).any(), (table, column)


def test_features_are_point_in_time(pipeline):
    """Three later months of extracts (incl. bill revisions and late payments) must not change
    the features of a month that had already closed."""
    paths = pipeline["paths"]
    before = pipeline["first"]["features"]
    after = read(
        paths.warehouse,
        "select * from marts.customer_features where as_of_month <= ? order by all",
        [pipeline["months"][HISTORY_MONTHS - 2]],
    )
    before = before.filter(pl.col("as_of_month") <= pipeline["months"][HISTORY_MONTHS - 2])
    assert before.height > 0
    assert after.equals(before)


def test_parquet_exports_match_the_duckdb_file(pipeline):
    snapshot = current_snapshot(pipeline["paths"].published)  # resolved once, as BI does
    history = pl.read_parquet(
        snapshot / "parquet" / "customer_segments_history", hive_partitioning=True
    )
    db = read(snapshot / "segments.duckdb", "select count(*) as n from customer_segments_history")
    assert history.height == db["n"][0]
    folders = sorted(p.name for p in (snapshot / "parquet" / "customer_segments_history").iterdir())
    assert folders == [f"as_of_month={m}" for m in pipeline["months"]]


def test_rows_are_accounted_for(pipeline):
    accounting = read(pipeline["paths"].warehouse, "select * from quality.row_accounting")
    assert accounting.height > 0
    assert accounting["is_balanced"].all()
    assert (
        accounting["rows_received"]
        == accounting["rows_accepted"]
        + accounting["rows_quarantined"]
        + accounting["rows_exact_duplicate"]
    ).all()


def test_retrain_keeps_segment_ids_and_records_stability(pipeline):
    db = pipeline["paths"].published / "segments.duckdb"
    models = read(db, "select * from segmentation_models order by as_of_month")
    assert models.height == 2
    assert models["stability_ari"][0] is None
    assert models["stability_ari"][1] > 0.5
    first = set(pipeline["first"]["published"]["segment_id"])
    second = set(read(db, "select distinct segment_id from customer_segments")["segment_id"])
    assert len(first & second) >= len(first) - 1, "segments that still exist keep their ids"


def test_segments_recover_planted_archetypes(pipeline):
    db = pipeline["paths"].published / "segments.duckdb"
    published = read(db, "select customer_id, segment_id from customer_segments")
    joined = published.join(pipeline["truth"], on="customer_id")
    assert adjusted_rand_score(joined["archetype"], joined["segment_id"]) > 0.3


def run_dbt_on_a_copy(
    pipeline, tmp_path, model: str, change_sql: str, months: list[str], *args: str, **dbt_vars
):
    """`dbt run` of `model` for `months` on a copy of the pipeline's warehouse, after
    `change_sql` there (if any), with more dbt `args` and vars; returns the finished process
    and the copy's path."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(pipeline["paths"].warehouse, warehouse)
    if change_sql:
        with duckdb.connect(str(warehouse)) as conn:
            conn.execute(change_sql)
    dbt_vars = {"min_month": months[0], "max_month": months[-1], **dbt_vars}
    run = subprocess.run(
        [DBT_EXECUTABLE, "run", "--select", model, *args,
         "--profiles-dir", ".", "--target-path", str(tmp_path / "target"),
         "--log-path", str(tmp_path / "logs"), "--vars", json.dumps(dbt_vars)],
        cwd=DBT_PROJECT_DIR, capture_output=True, text=True, check=False,
        env={**os.environ, "GRIDSEG_WAREHOUSE": str(warehouse)},
    )  # fmt: skip
    return run, warehouse


def test_trailing_sums_rebuilt_from_nothing_equal_the_nightly_ones(pipeline, tmp_path):
    """The trailing sums rebuilt from nothing over every month (full refresh) give the
    customer_features that the two nightly cycles built month window by month window."""
    query = "select * from marts.customer_features order by all"
    before = read(pipeline["paths"].warehouse, query)
    run, warehouse = run_dbt_on_a_copy(
        pipeline, tmp_path, "int_customer_trailing_12m", "", pipeline["months"], "--full-refresh"
    )
    assert run.returncode == 0, run.stdout[-3000:]
    after = read(warehouse, query)
    assert after.height == before.height > 0
    assert after.equals(before)


def test_a_model_whose_columns_changed_fails_and_keeps_its_rows(pipeline, tmp_path):
    """window_incremental checks the model's columns before it replaces the window: a table
    whose columns are no longer the model's is named, and not touched."""
    table = "intermediate.int_customer_trailing_12m"
    query = f"select * from {table} order by all"
    before = read(pipeline["paths"].warehouse, query)
    run, warehouse = run_dbt_on_a_copy(
        pipeline,
        tmp_path,
        "int_customer_trailing_12m",
        f"alter table {table} add column retired_feature integer",
        pipeline["months"],
    )
    assert run.returncode != 0
    assert "out of sync" in run.stdout and "retired_feature" in run.stdout
    after = read(warehouse, query).drop("retired_feature")
    assert after.height == before.height > 0
    assert after.equals(before)


def test_window_months_that_lost_every_row_are_emptied(pipeline, tmp_path):
    """A month of the run's window whose source rows are all gone (an extract re-sent empty)
    loses its monthly facts; the months outside the window keep theirs."""
    months = pipeline["months"]
    window = months[-3:]
    table = "intermediate.int_customer_months_work_orders"
    between = f"month between '{window[0]}' and '{window[-1]}'"
    query = f"select * from {table} where not ({between}) order by all"
    before = read(pipeline["paths"].warehouse, query)
    in_window = f"select count(*) as n from {table} where {between}"
    assert read(pipeline["paths"].warehouse, in_window)["n"][0] > 0
    run, warehouse = run_dbt_on_a_copy(
        pipeline,
        tmp_path,
        "int_customer_months_work_orders",
        "delete from staging.stg_crm__work_orders",
        window,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    assert read(warehouse, in_window)["n"][0] == 0
    after = read(warehouse, query)
    assert after.height == before.height > 0
    assert after.equals(before)


def snapshot_files(snapshot) -> dict:
    """Every table file of a published snapshot (DuckDB, Parquet, heat map), by relative path."""
    return {
        p.relative_to(snapshot): p.read_bytes()
        for p in snapshot.rglob("*")
        if p.is_file() and p.name != "manifest.json"
    }


def test_rerun_changes_nothing(pipeline):
    """Same landing files again: nothing is loaded twice, and the new published snapshot's
    files (the DuckDB file, every Parquet file, the heat map) are those of the one before,
    byte for byte."""
    paths, defs = pipeline["paths"], pipeline["defs"]
    raw_before = read(paths.warehouse, "select count(*) as n from raw.bills")["n"][0]
    snapshot_before = current_snapshot(paths.published)
    files_before = snapshot_files(snapshot_before)
    run_all(defs, paths, report=lambda _: None, skip=("train",))
    assert read(paths.warehouse, "select count(*) as n from raw.bills")["n"][0] == raw_before
    snapshot_after = current_snapshot(paths.published)
    assert snapshot_after != snapshot_before
    files_after = snapshot_files(snapshot_after)
    assert len([name for name in files_after if name.suffix == ".parquet"]) > len(
        pipeline["months"]
    )
    assert {"segments.duckdb", "segment_profiles_heatmap.png"} <= {str(n) for n in files_after}
    assert files_after.keys() == files_before.keys()
    changed = [str(name) for name in files_after if files_after[name] != files_before[name]]
    assert not changed, f"published files changed on a rerun: {changed}"


def test_a_rerun_with_nothing_new_skips_to_the_published_snapshot(pipeline, monkeypatch):
    """The last full run recorded what its snapshot was built from: with no new landing file,
    `skip_unchanged` (make demo without --force) loads nothing and stops after the ingest,
    saying so. A changed output setting, or an explicit run, rebuilds."""
    paths, defs = pipeline["paths"], pipeline["defs"]
    run_all(defs, paths, report=lambda _: None, skip=("train",))  # a full run records
    snapshot = current_snapshot(paths.published)
    lines = []
    timings = run_all(defs, paths, report=lines.append, skip_unchanged=True)
    assert list(timings) == ["ingest"]
    assert current_snapshot(paths.published) == snapshot
    skipped = ", ".join(name for name, *_ in STAGES if name != "ingest")
    assert lines[-1] == (
        f"nothing new since snapshot {snapshot.name}: skipped {skipped} (--force rebuilds)"
    )
    assert unchanged_snapshot(paths) == snapshot.name
    monkeypatch.setenv("GRIDSEG_MIN_REGION_CUSTOMERS", "7")
    assert unchanged_snapshot(paths) is None  # another output setting: rebuild
    monkeypatch.delenv("GRIDSEG_MIN_REGION_CUSTOMERS")
    monkeypatch.setenv("GRIDSEG_DUCKDB_MEMORY", "2GB")
    assert unchanged_snapshot(paths) == snapshot.name  # memory changes no output
