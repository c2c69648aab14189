"""`make nightly`: the nightly path from the command line, as the schedule runs it in Dagster.

    python -m orchestration.nightly

1. The nightly load: new landing files into `raw`, staging and the quality tables rebuilt from
   all raw rows, and the fingerprints of the monthly models' inputs (`quality.feature_inputs`).
2. The refresh window (orchestration/increment.py): from the earliest month whose inputs changed
   since its features were built and scored, or from the latest month with bills and the two
   before it if that is earlier, to the latest month with bills. A re-issued bill, a late
   payment or a healed row of an old month thus restates that month and the trailing sums of
   every later month, and the increment publishes what a backfill of every month publishes.
3. The nightly refresh of that window: the monthly features, scores and profiles (with the
   current model; trained first, on the latest month, only if none was saved yet), published.

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
    """Load, then refresh the months the load touched; returns them (None: no bills yet)."""
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
    window, changed = pending
    say(f"[refresh window] {window[0]}..{window[1]}; months with changed inputs: {changed}")
    refresh = REFRESH_STAGES if load_current_model(paths.models) else (*REFRESH_STAGES, "train")
    run_all(
        defs,
        paths,
        instance,
        report,
        skip=other_stages(refresh),
        log_file=log_file,
        months=window,
        command="nightly",
    )
    return window


def main(argv: list[str] | None = None) -> None:
    paths = command_line_paths(__doc__, argv)
    from orchestration.definitions import defs

    instance, log_file = command_line_run(paths, "nightly")
    with failures_explained(log_file):
        run_nightly(defs, paths, instance=instance, log_file=log_file)


if __name__ == "__main__":
    main()
