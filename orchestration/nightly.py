"""`make nightly`: the nightly path from the command line, as the schedule runs it in Dagster.

    python -m orchestration.nightly

1. The nightly load: new landing files into `raw`, staging and the quality tables rebuilt from
   all raw rows, and the fingerprints of the monthly models' inputs (`quality.feature_inputs`).
2. The months to refresh (orchestration/increment.py): the months whose inputs changed since
   their features were built and scored (the new month among them), and the later months
   whose features read them. A re-issued bill, a late payment or a healed row of an old month
   thus restates that month and what depends on it, and the increment publishes what a
   backfill of every month publishes; nothing else is recomputed.
3. The nightly refresh of those months, one run per range of consecutive months: the monthly
   features, scores and profiles (with the current model; trained first, on the latest month,
   only if none was saved yet); then the services from the earliest of them to the latest
   month (each month's action list reads the months before it); then the publish, which
   rewrites only the months replaced and links the others from the previous snapshot.

Runs are recorded in the project's Dagster instance (dagster_home/, or DAGSTER_HOME) and show in
the UI under the stage jobs' names.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import dagster as dg

from orchestration.defs.segmentation.model_store import load_current_model
from orchestration.defs.warehouse import connect_duckdb
from orchestration.increment import pending_window
from orchestration.pipeline_runs import (
    LOAD_STAGES,
    REFRESH_STAGES,
    command_line_paths,
    command_line_run,
    failures_explained,
    other_stages,
    run_all,
)
from orchestration.settings import Paths


def run_nightly(
    defs: dg.Definitions,
    paths: Paths,
    instance: dg.DagsterInstance | None = None,
    report: Callable[[str], None] | None = None,
    log_file: Path | None = None,
) -> tuple[str, str] | None:
    """Load, then refresh the months the load touched; returns the range from the earliest of
    them to the latest month (None: no bills yet, or nothing to refresh)."""
    say = report or print  # run_all's own default (None) reaches the terminal past the log file
    run_all(
        defs,
        paths,
        instance,
        report,
        skip=other_stages(LOAD_STAGES),
        log_file=log_file,
        command="nightly",
    )
    conn = connect_duckdb(paths.warehouse, read_only=True)
    try:
        pending = pending_window(conn)
    finally:
        conn.close()
    if pending is None:
        say("[refresh] no bills loaded yet: nothing to refresh")
        return None
    shown = ", ".join(f"{first}..{last}" for first, last in pending.ranges) or "none"
    say(f"[refresh] months to recompute: {shown}; months with changed inputs: {pending.changed}")
    if not pending.ranges:
        return None
    train = () if load_current_model(paths.models) else ("train",)

    def refresh(stages: tuple[str, ...], months: tuple[str, str] | None) -> None:
        run_all(
            defs,
            paths,
            instance,
            report,
            skip=other_stages(stages),
            log_file=log_file,
            months=months,
            command="nightly",
        )

    if pending.ranges == [pending.services]:
        refresh((*REFRESH_STAGES, *train), pending.services)
        return pending.services
    monthly = ("dbt monthly features", "score + profile")
    for number, months in enumerate(pending.ranges, start=1):
        # the model, when none was saved yet, is trained on the latest month: with its range
        refresh((*monthly, *train) if number == len(pending.ranges) else monthly, months)
    refresh(("services",), pending.services)
    refresh(("publish",), None)
    return pending.services


def main(argv: list[str] | None = None) -> None:
    paths = command_line_paths(__doc__, argv)
    from orchestration.definitions import defs

    instance, log_file = command_line_run(paths, "nightly")
    with failures_explained(log_file):
        run_nightly(defs, paths, instance=instance, log_file=log_file)


if __name__ == "__main__":
    main()
