"""Materialise the whole graph in order, in-process: the demo, the benchmark and the end-to-end
tests all go through here, so they exercise exactly what Dagster runs."""

from __future__ import annotations

import argparse
import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path

import dagster as dg

from orchestration.defs.warehouse import connect_duckdb
from orchestration.settings import Paths

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"

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
    ("train", dg.AssetSelection.keys(["ml", "segmentation_model"]), False),
    (
        "score + profile",
        dg.AssetSelection.keys(["ml", "customer_segments_history"], ["ml", "segment_profiles"]),
        True,
    ),
    ("publish", dg.AssetSelection.groups("publish"), False),
]
# The nightly path in two runs: the load ends with the refresh window (quality/refresh_window),
# from which the refresh of the monthly stages gets its months.
LOAD_STAGES = ("ingest", "dbt staging + quality")
REFRESH_STAGES = ("dbt monthly features", "score + profile", "publish")


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


def command_line_run(paths: Paths, name: str) -> tuple[dg.DagsterInstance | None, Path]:
    """For a command-line run: the Dagster instance of DAGSTER_HOME (None without it: an
    ephemeral one), and the log file `<data>/logs/<name>.log` for Dagster's and dbt's output,
    announced."""
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else None
    log_file = paths.data / "logs" / f"{name}.log"
    print(f"[log] Dagster and dbt output: {log_file}")
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
        first, last = conn.execute(
            "select min(billing_month), max(billing_month) from staging.stg_billing__bills"
        ).fetchall()[0]
    finally:
        conn.close()
    if first is None:
        raise RuntimeError("no valid bills were loaded: check data/landing and raw.ingest_files")
    return first, last


def run_all(
    defs: dg.Definitions,
    paths: Paths,
    instance: dg.DagsterInstance | None = None,
    report: Callable[[str], None] = print,
    skip: tuple[str, ...] = (),
    log_file: Path | None = None,
    months: tuple[str, str] | None = None,
) -> dict[str, float]:
    """Run every stage; partitioned stages as one backfill run over `months` (default: every
    month with bills).

    With `log_file`, Dagster's and dbt's own output goes there and only stage lines are
    reported. Returns seconds per stage.
    """
    paths.export_env()
    assets = list(defs.assets or [])
    checks = list(defs.asset_checks or [])
    resources = dict(defs.resources or {})
    timings: dict[str, float] = {}
    for name, selection, partitioned in STAGES:
        if name in skip:
            continue
        tags = {}
        if partitioned:
            months = months or data_months(paths.warehouse)
            tags = {RANGE_START: months[0], RANGE_END: months[1]}
        window = f" {months[0]}..{months[1]}" if partitioned and months else ""
        report(f"[{name}]{window} ...")
        started = time.perf_counter()
        with _captured(log_file):
            result = dg.materialize(
                [*assets, *checks],
                selection=selection,
                resources=resources,
                instance=instance,
                tags=tags,
                raise_on_error=True,
                run_config=_run_config(log_file),
            )
        timings[name] = time.perf_counter() - started
        report(
            f"[{name}] done in {timings[name]:.1f} s ({len(result.get_asset_materialization_events())} materialisations)"
        )
    return timings


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
