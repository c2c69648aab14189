"""Command-line runs: the first partition, the project's instance, named stage jobs, progress
lines and the inputs a published snapshot is built from. Real Dagster, real DuckDB."""

import shutil
from pathlib import Path

import dagster as dg
import pytest

from datagen import generate
from orchestration.definitions import build_definitions
from orchestration.defs.ingest.loader import ensure_raw_schema
from orchestration.defs.partitions import (
    DEFAULT_FIRST_MONTH,
    first_month_file,
    partitions_first_month,
    record_first_month,
)
from orchestration.defs.warehouse import connect_duckdb
from orchestration.pipeline_runs import COMMAND_TAG, STAGES, run_all
from orchestration.progress import progress, progress_to
from orchestration.published_inputs import code_fingerprint, loaded_batches, unchanged_snapshot
from orchestration.settings import DAGSTER_HOME_DIR, Paths, dagster_home

DAGSTER_YAML = DAGSTER_HOME_DIR / "dagster.yaml"


def test_the_setting_wins_then_the_recorded_month_then_the_default(tmp_path):
    assert partitions_first_month({}, tmp_path) == DEFAULT_FIRST_MONTH
    assert record_first_month(tmp_path, "2023-01")
    assert not record_first_month(tmp_path, "2023-01")  # unchanged: not rewritten
    assert first_month_file(tmp_path).read_text() == "2023-01\n"
    assert partitions_first_month({}, tmp_path) == "2023-01"
    assert partitions_first_month({"GRIDSEG_FIRST_MONTH": "2019-07"}, tmp_path) == "2019-07"
    with pytest.raises(ValueError, match="GRIDSEG_FIRST_MONTH"):
        partitions_first_month({"GRIDSEG_FIRST_MONTH": "2019-13"}, tmp_path)
    first_month_file(tmp_path).write_text("not a month")
    assert partitions_first_month({}, tmp_path) == DEFAULT_FIRST_MONTH


def test_command_lines_default_to_the_projects_instance(monkeypatch, tmp_path):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    assert dagster_home() == DAGSTER_HOME_DIR.resolve()
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    assert dagster_home() == tmp_path.resolve()


def test_a_stage_runs_as_its_named_job_in_a_persistent_instance(tmp_path):
    """The ingest stage of a small landing zone, in an instance with the project's
    dagster.yaml (the warehouse pool of one): the run is stored under the stage's job name,
    tagged with the command, and the steps took and released the pool's slot."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(DAGSTER_YAML, home / "dagster.yaml")
    paths = Paths.under(tmp_path / "data")
    generate(paths.landing, tmp_path / "truth", n_customers=40, n_months=2, seed=5)
    defs = build_definitions(str(paths.data))
    others = tuple(name for name, *_ in STAGES if name != "ingest")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        lines = []
        timings = run_all(
            defs, paths, instance, lines.append, skip=others, command="demo", skip_unchanged=True
        )
        assert list(timings) == ["ingest"]
        (run,) = instance.get_runs()
        assert run.job_name == "ingest_landing_files"
        assert run.tags[COMMAND_TAG] == "demo"
        assert run.status == dg.DagsterRunStatus.SUCCESS
        assert instance.event_log_storage.get_pool_config().default_pool_limit == 1
        # the daemon of `dagster dev` evaluates the published segments' freshness policy
        assert instance.freshness_enabled
        info = instance.event_log_storage.get_pool_limits()
        assert all(limit.limit == 1 for limit in info)
        assert lines[0] == "[ingest] ..."
        assert lines[-1].startswith("[ingest] done in ")


def test_progress_lines_reach_the_report_and_the_dagster_log():
    @dg.asset
    def long_step(context: dg.AssetExecutionContext) -> None:
        for month in ("2024-01", "2024-02"):
            progress(context, f"[score] {month}")

    lines = []
    instance = dg.DagsterInstance.ephemeral()
    with progress_to(lines.append):
        result = dg.materialize([long_step], instance=instance)
    assert lines == ["[score] 2024-01", "[score] 2024-02"]
    logged = [entry.user_message for entry in instance.all_logs(result.run_id)]
    assert {"[score] 2024-01", "[score] 2024-02"} <= set(logged)
    # outside progress_to, the lines go to the Dagster log only
    with_no_report = dg.materialize([long_step])
    assert with_no_report.success and lines == ["[score] 2024-01", "[score] 2024-02"]


def test_the_code_fingerprint_follows_output_settings_only():
    base = code_fingerprint({})
    assert code_fingerprint({"GRIDSEG_DATA": "/elsewhere", "GRIDSEG_DUCKDB_MEMORY": "2GB"}) == base
    assert code_fingerprint({"GRIDSEG_MIN_REGION_CUSTOMERS": "7"}) != base
    assert code_fingerprint({"PATH": "/bin"}) == base


def test_the_loaded_batches_change_when_a_file_loads(tmp_path):
    conn = connect_duckdb(tmp_path / "w.duckdb")
    try:
        assert loaded_batches(conn) == ""
        ensure_raw_schema(conn)
        empty = loaded_batches(conn)
        conn.execute(
            "insert into raw.ingest_files (table_name, file_name, batch_id, batch_seq, status) "
            "values (?, ?, ?, ?, ?)",
            ["bills", "bills_2023-01.parquet", "b1", 1, "rejected"],
        )
        assert loaded_batches(conn) == empty  # a rejected file is not a loaded batch
        conn.execute(
            "insert into raw.ingest_files (table_name, file_name, batch_id, batch_seq, status) "
            "values (?, ?, ?, ?, ?)",
            ["bills", "bills_2023-02.parquet", "b2", 2, "loaded"],
        )
        assert loaded_batches(conn) != empty
    finally:
        conn.close()


def test_nothing_is_up_to_date_without_a_warehouse_or_a_snapshot(tmp_path):
    assert unchanged_snapshot(Paths.under(Path(tmp_path))) is None
