"""Which months a nightly increment touches: the window arithmetic, the fingerprint bookkeeping
on a small warehouse, and the schedule -> load -> sensor -> refresh wiring."""

from datetime import datetime

import dagster as dg
import duckdb
import pytest

from orchestration.definitions import defs
from orchestration.defs.refresh_window import refresh_request, refresh_window
from orchestration.defs.schedules import nightly_refresh_schedule
from orchestration.defs.sensors import landing_files_sensor, nightly_refresh_sensor
from orchestration.defs.warehouse import GridSegPaths, connect_duckdb
from orchestration.increment import (
    changed_months,
    dependent_months,
    month_ranges,
    pending_window,
    record_features,
    record_scores,
    recorded_months,
    shift_month,
)
from orchestration.pipeline_runs import RANGE_END, RANGE_START
from orchestration.settings import Paths

MONTHS = [f"2024-{m:02d}" for m in range(1, 13)]


def test_shift_month_crosses_years():
    assert shift_month("2025-01", -2) == "2024-11"
    assert shift_month("2024-12", 1) == "2025-01"
    assert shift_month("2024-06", 0) == "2024-06"


def test_changed_months_are_those_whose_inputs_differ():
    used = {("2024-01", "bills"): (2, 10), ("2024-02", "bills"): (1, 5)}
    assert changed_months(dict(used), used) == set()
    assert changed_months({**used, ("2024-02", "bills"): (1, 6)}, used) == {"2024-02"}
    assert changed_months({**used, ("2024-03", "payments"): (1, 1)}, used) == {"2024-03"}
    # rows that vanished (a bill re-issued into another month) change their month too
    assert changed_months({("2024-01", "bills"): (2, 10)}, used) == {"2024-02"}


def test_a_change_reaches_the_months_that_read_it():
    first, last = "2023-01", "2025-12"
    # nothing changed: nothing to recompute (no fixed number of recent months)
    assert dependent_months({}, first, last) == []
    # the new month only
    assert dependent_months({"2025-12": {"bills"}}, first, last) == ["2025-12"]
    # a re-sent outage of an old month: that month and the 14 after it (the longest look back)
    assert month_ranges(dependent_months({"2024-03": {"outages"}}, first, last)) == [
        ("2024-03", "2025-05")
    ]
    # a late payment or a new customer version: every later month (running balance, attributes)
    for name in ("payments", "bills_due", "customer_versions", "an_input_added_later"):
        assert dependent_months({"2024-03": {name}}, first, last)[0] == "2024-03"
        assert dependent_months({"2024-03": {name}}, first, last)[-1] == last
    # several changes: the union, as ranges of consecutive months
    changed = {"2024-01": {"work_orders_closed"}, "2025-11": {"bills"}, "2025-12": {"bills"}}
    assert month_ranges(dependent_months(changed, first, last)) == [
        ("2024-01", "2025-03"),
        ("2025-11", "2025-12"),
    ]
    # never before the first month with bills; later months wait for their bills
    assert dependent_months({"2019-05": {"customer_versions"}}, first, last)[0] == first
    assert dependent_months({"2026-01": {"payments"}}, first, last) == []


def test_a_window_from_the_first_billed_month_accounts_for_the_months_before():
    assert recorded_months("2024-01", "2024-12", "2024-01") == ("", "2024-12")
    assert recorded_months("2024-04", "2024-12", "2024-01") == ("2024-04", "2024-12")


def warehouse_with_inputs(path, rows):
    """A warehouse holding only quality.feature_inputs (month, input, n_rows, fingerprint)."""
    with connect_duckdb(path) as conn:
        conn.execute("create schema if not exists quality")
        conn.execute(
            "create or replace table quality.feature_inputs "
            "(month varchar, input varchar, n_rows bigint, fingerprint hugeint)"
        )
        conn.executemany("insert into quality.feature_inputs values (?, ?, ?, ?)", rows)


def change_input(conn, month, input_name):
    conn.execute(
        "update quality.feature_inputs set fingerprint = fingerprint + 1 "
        "where month = ? and input = ?",
        [month, input_name],
    )


@pytest.fixture
def warehouse(tmp_path):
    rows = [(m, "bills", 10, i) for i, m in enumerate(MONTHS)]
    # a customer connected long before the first bill; payments of a month not billed yet
    rows += [("2019-05", "customer_versions", 1, 7), ("2025-01", "payments", 3, 9)]
    path = tmp_path / "warehouse.duckdb"
    warehouse_with_inputs(path, rows)
    conn = connect_duckdb(path)
    yield conn
    conn.close()


def test_nothing_built_yet_means_every_month(warehouse):
    pending = pending_window(warehouse)
    assert pending.ranges == [("2024-01", "2024-12")]
    assert pending.services == ("2024-01", "2024-12")
    assert pending.changed == ["2019-05", *MONTHS]


@pytest.fixture
def scored(warehouse):
    """The warehouse after a build and scoring of every month."""
    assert record_features(warehouse, "2024-01", "2024-12")
    record_scores(warehouse, "2024-01", "2024-12")
    return warehouse


def test_built_and_scored_leaves_nothing_to_recompute(scored):
    pending = pending_window(scored)
    assert (pending.ranges, pending.services, pending.changed) == ([], None, [])


def test_a_correction_of_an_old_month_stays_pending_until_it_is_scored(scored):
    change_input(scored, "2024-05", "bills")
    expected = ([("2024-05", "2024-12")], ["2024-05"])
    assert (pending_window(scored).ranges, pending_window(scored).changed) == expected
    # features rebuilt, scoring failed: still pending
    assert record_features(scored, "2024-05", "2024-12")
    assert (pending_window(scored).ranges, pending_window(scored).changed) == expected
    record_scores(scored, "2024-05", "2024-12")
    assert pending_window(scored).ranges == []


def test_a_window_short_of_the_months_that_depend_on_it_records_nothing(scored):
    change_input(scored, "2024-05", "bills")
    # a backfill of 2024-03..2024-06: the trailing sums of 2024-07.. still read the old month
    assert not record_features(scored, "2024-03", "2024-06")
    record_scores(scored, "2024-03", "2024-06")
    assert pending_window(scored).ranges == [("2024-05", "2024-12")]


def test_a_window_holding_every_dependent_month_is_recorded(tmp_path):
    """36 months: an outage of month 3 re-sent reaches months 3..17 only."""
    months = [f"{y}-{m:02d}" for y in (2023, 2024, 2025) for m in range(1, 13)]
    path = tmp_path / "warehouse.duckdb"
    warehouse_with_inputs(path, [(m, i, 10, 1) for m in months for i in ("bills", "outages")])
    with connect_duckdb(path) as conn:
        assert record_features(conn, months[0], months[-1])
        record_scores(conn, months[0], months[-1])
        change_input(conn, "2023-03", "outages")
        change_input(conn, "2025-12", "bills")
        pending = pending_window(conn)
        assert pending.ranges == [("2023-03", "2024-05"), ("2025-12", "2025-12")]
        assert pending.services == ("2023-03", "2025-12")
        for first, last in pending.ranges:
            assert record_features(conn, first, last)
            record_scores(conn, first, last)
        assert pending_window(conn).ranges == []


def test_a_customer_connected_before_the_first_bill_widens_to_the_first_month(scored):
    change_input(scored, "2019-05", "customer_versions")
    pending = pending_window(scored)
    assert (pending.ranges, pending.changed) == ([("2024-01", "2024-12")], ["2019-05"])


def test_no_bills_no_window(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    warehouse_with_inputs(path, [("2024-01", "payments", 1, 1)])
    with connect_duckdb(path) as conn:
        assert pending_window(conn) is None


def test_the_nightly_schedule_loads_and_the_sensor_refreshes_the_window(tmp_path):
    """schedule -> nightly_load (ending with quality/refresh_window) -> nightly_refresh_sensor
    -> nightly_refresh over the window the load computed."""
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2025, 3, 5, 2, 0))
    (request,) = nightly_refresh_schedule.evaluate_tick(context).run_requests
    assert nightly_refresh_schedule.job_name == "nightly_load"
    assert request.run_key == "nightly-2025-03-05"

    paths = Paths.under(tmp_path)
    rows = [(m, "bills", 10, i) for i, m in enumerate(MONTHS)]
    warehouse_with_inputs(paths.warehouse, rows)
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [refresh_window],
            resources={"gridseg": GridSegPaths(data_dir=str(tmp_path))},
            instance=instance,
        )
        assert refresh_request(instance, result.run_id).tags == {
            RANGE_START: "2024-01",
            RANGE_END: "2024-12",
        }
        run = instance.get_run_by_id(result.run_id)
        (success,) = instance.all_logs(result.run_id, of_type=dg.DagsterEventType.RUN_SUCCESS)
        sensor_context = dg.build_run_status_sensor_context(
            sensor_name=nightly_refresh_sensor.name,
            dagster_instance=instance,
            dagster_run=run,
            dagster_event=success.dagster_event,
        )
        request = nightly_refresh_sensor(sensor_context)
    assert request.run_key == f"refresh-{result.run_id}"
    assert request.tags[RANGE_START] == "2024-01"
    assert nightly_refresh_sensor.job_name == "nightly_refresh"
    assert landing_files_sensor.job_name == "nightly_load"


def test_the_refresh_job_rebuilds_features_scores_and_publishes_but_never_trains():
    keys = defs.resolve_job_def("nightly_refresh").asset_layer.executable_asset_keys
    names = {key.to_user_string() for key in keys}
    assert {
        "marts/customer_features",
        "ml/customer_segments_history",
        "published/segments",
    } <= names
    assert "ml/segmentation_model" not in names
    assert not {name for name in names if name.startswith(("raw/", "staging/"))}
    load = defs.resolve_job_def("nightly_load").asset_layer.executable_asset_keys
    assert dg.AssetKey(["quality", "refresh_window"]) in load


def test_a_warehouse_without_fingerprints_has_no_window():
    """Before the first staging build with quality.feature_inputs."""
    with duckdb.connect() as conn:
        assert pending_window(conn) is None
