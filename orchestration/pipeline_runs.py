"""Materialise the whole graph in order, in-process: the demo, the benchmark and the end-to-end
tests all go through here, so they exercise exactly what Dagster runs.

Each stage is a named job of the Definitions (STAGE_JOBS, defined in orchestration/defs/jobs.py)
executed in this process: with the project's instance its runs are in the UI under that name,
tagged with the command that started them (`gridseg/command`), and its steps take the
`warehouse` pool's one slot like any other run."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.defs.warehouse import billing_months, connect_duckdb
from orchestration.progress import progress_to
from orchestration.published_inputs import record_published, unchanged_snapshot
from orchestration.settings import Paths, dagster_home

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
COMMAND_TAG = "gridseg/command"

# (stage name, asset selection, partitioned?)
STAGES: list[tuple[str, dg.AssetSelection, bool]] = [
    ("ingest", dg.AssetSelection.groups("ingest"), False),
    (
        "dbt staging + quality",
        dg.AssetSelection.groups("staging", "quality")
        | dg.AssetSelection.keys(["intermediate", "int_bills_settled"]),
        False,
    ),
    (
        "dbt monthly features",
        dg.AssetSelection.groups("intermediate", "marts")
        - dg.AssetSelection.keys(["intermediate", "int_bills_settled"]),
        True,
    ),
    (
        "train",
        dg.AssetSelection.keys(["ml", "segmentation_model"], ["ml", "arrears_risk_model"]),
        False,
    ),
    (
        "score + profile",
        dg.AssetSelection.keys(
            ["ml", "customer_segments_history"],
            ["ml", "segment_profiles"],
            ["ml", "arrears_risk_scores"],
            ["ml", "segment_kpis"],
        ),
        True,
    ),
    (
        "services",
        dg.AssetSelection.groups("services")
        - dg.AssetSelection.keys(["ml", "arrears_risk_model"], ["ml", "arrears_risk_scores"]),
        True,
    ),
    # strategy_effects spans every month after a campaign's start: not partitioned, so it runs
    # with the publish
    (
        "publish",
        dg.AssetSelection.groups("publish") | dg.AssetSelection.keys(["ml", "strategy_effects"]),
        False,
    ),
]
# The job each stage runs as (orchestration/defs/jobs.py; the train stage is the retrain job).
STAGE_JOBS = {
    "ingest": "ingest_landing_files",
    "dbt staging + quality": "build_staging",
    "dbt monthly features": "build_monthly_features",
    "train": "retrain_segmentation",
    "score + profile": "score_and_profile",
    "services": "build_services",
    "publish": "publish_segments",
}
# A run that rebuilt these over every month with bills published what the landing files, the
# model and the code give; a later run with nothing new skips them (orchestration/published_inputs.py).
# The nightly path in two runs: the load ends with the refresh window (quality/refresh_window),
# from which the refresh of the monthly stages gets its months.
LOAD_STAGES = ("ingest", "dbt staging + quality")
REFRESH_STAGES = ("dbt monthly features", "score + profile", "services", "publish")
REBUILD_STAGES = REFRESH_STAGES


def stage_selection(names: tuple[str, ...]) -> dg.AssetSelection:
    """The assets of the named stages."""
    selections = [selection for name, selection, _ in STAGES if name in names]
    if len(selections) != len(names):
        raise ValueError(f"unknown stage among {names}")
    combined = selections[0]
    for selection in selections[1:]:
        combined = combined | selection
    return combined


def other_stages(names: tuple[str, ...]) -> tuple[str, ...]:
    """The stages not named: run_all's `skip` that runs only the named ones."""
    return tuple(name for name, _, _ in STAGES if name not in names)


def command_line_paths(description: str, argv: list[str] | None = None) -> Paths:
    """The locations of a command without options (`--help` prints `description`), exported to
    the environment for dbt."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.parse_args(argv)
    paths = Paths.from_env()
    paths.export_env()
    return paths


def command_line_instance() -> dg.DagsterInstance:
    """The Dagster instance of a command-line run: DAGSTER_HOME's, by default the project's
    `dagster_home/`, so that its pool limit applies and its runs show in `make dev`'s UI."""
    home = dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    os.environ["DAGSTER_HOME"] = str(home)
    return dg.DagsterInstance.get()


def command_line_run(paths: Paths, name: str) -> tuple[dg.DagsterInstance, Path]:
    """For a command-line run: the Dagster instance (command_line_instance), and the log file
    `<data>/logs/<name>.log` for Dagster's and dbt's output, announced."""
    instance = command_line_instance()
    log_file = paths.data / "logs" / f"{name}.log"
    print(
        f"[log] Dagster and dbt output: {log_file}; runs in the Dagster instance {instance.root_directory}"
    )
    return instance, log_file


@contextlib.contextmanager
def failures_explained(log_file: Path):
    """For a command line: a failed run (a blocking check, a dbt error) ends with the last lines
    of the log and one line saying what failed, exit status 1, not a Python traceback."""
    try:
        yield
    except Exception as error:
        if log_file.exists():
            tail = log_file.read_text(encoding="utf-8", errors="replace").splitlines()[-40:]
            print("\n".join(tail))
        raise SystemExit(
            f"\nThe pipeline failed: {error.__class__.__name__}: {error}\nFull log: {log_file}"
        ) from error


def data_months(warehouse: Path) -> tuple[str, str]:
    """The first and last billing month in the staged bills."""
    conn = connect_duckdb(warehouse, read_only=True)
    try:
        first, last = billing_months(conn)
    finally:
        conn.close()
    if first is None:
        raise RuntimeError("no valid bills were loaded: check data/landing and raw.ingest_files")
    return first, last


def run_all(
    defs: dg.Definitions,
    paths: Paths,
    instance: dg.DagsterInstance | None = None,
    report: Callable[[str], None] | None = None,
    skip: tuple[str, ...] = (),
    log_file: Path | None = None,
    months: tuple[str, str] | None = None,
    command: str = "",
    skip_unchanged: bool = False,
) -> dict[str, float]:
    """Run every stage, each as its named job; partitioned stages as one backfill run over
    `months` (default: every month with bills).

    `report` (default: the terminal) gets the stage lines and the steps' progress lines. With
    `log_file`, Dagster's and dbt's own output goes there. `command` tags the runs. With
    `skip_unchanged`, the stages after ingest are skipped when the published snapshot is up to
    date (orchestration/published_inputs.py). Returns seconds per stage run.
    """
    paths.export_env()
    if report is None:
        terminal = sys.stdout  # bound now: the log file replaces sys.stdout during the runs
        report = lambda line: print(line, file=terminal, flush=True)  # noqa: E731
    timings: dict[str, float] = {}
    window = months
    for name, _, partitioned in STAGES:
        if name in skip:
            continue
        if skip_unchanged and name != "ingest" and "ingest" in timings:
            snapshot = unchanged_snapshot(paths)
            if snapshot is not None:
                skipped = ", ".join(n for n, *_ in STAGES if n not in skip and n not in timings)
                report(
                    f"nothing new since snapshot {snapshot}: skipped {skipped} (--force rebuilds)"
                )
                return timings
            skip_unchanged = False
        tags = {COMMAND_TAG: command} if command else {}
        if partitioned:
            window = window or data_months(paths.warehouse)
            check_partitions(defs, window)
            tags |= {RANGE_START: window[0], RANGE_END: window[1]}
        shown = f" {window[0]}..{window[1]}" if partitioned else ""
        report(f"[{name}]{shown} ...")
        started = time.perf_counter()
        job = defs.resolve_job_def(STAGE_JOBS[name])
        with progress_to(report), _captured(log_file):
            result = job.execute_in_process(
                instance=instance,
                tags=tags,
                raise_on_error=True,
                run_config=_run_config(log_file),
            )
        timings[name] = time.perf_counter() - started
        materialised = len(result.get_asset_materialization_events())
        report(f"[{name}] done in {timings[name]:.1f} s ({materialised} materialisations)")
    if set(REBUILD_STAGES) <= timings.keys() and (months is None or _covers_all(paths, months)):
        try:
            record_published(paths)
        except duckdb.Error as error:  # e.g. a run of the UI writes the warehouse right now
            report(f"[publish] not recorded as up to date ({error}): the next run rebuilds")
    return timings


def check_partitions(defs: dg.Definitions, window: tuple[str, str]) -> None:
    """ValueError when `window` starts before the first monthly partition of the loaded code
    (GRIDSEG_FIRST_MONTH, or the first month of the bills staged when the code was loaded)."""
    job = defs.resolve_job_def(STAGE_JOBS["dbt monthly features"])
    first = job.partitions_def.get_first_partition_key()
    if window[0] < first:
        raise ValueError(
            f"the months {window[0]}..{window[1]} start before the first monthly partition "
            f"{first}: older bills were staged since the code was loaded (run the command "
            "again), or set GRIDSEG_FIRST_MONTH"
        )


def _covers_all(paths: Paths, months: tuple[str, str]) -> bool:
    first, last = data_months(paths.warehouse)
    return months[0] <= first and months[1] >= last


def _run_config(log_file: Path | None) -> dict:
    level = "DEBUG" if log_file else "INFO"
    return {"loggers": {"console": {"config": {"log_level": level}}}}


@contextlib.contextmanager
def _captured(log_file: Path | None):
    """Send stdout and stderr (Dagster's console logger, dbt's output) to a log file."""
    if log_file is None:
        yield
        return
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "a", encoding="utf-8") as handle:
        with contextlib.redirect_stdout(handle), contextlib.redirect_stderr(handle):
            yield
