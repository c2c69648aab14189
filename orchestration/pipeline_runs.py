"""Materialise the whole graph in order, in-process: the demo, the benchmark and the end-to-end
tests all go through here, so they exercise exactly what Dagster runs."""

from __future__ import annotations

import contextlib
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
