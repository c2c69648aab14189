"""`make rebuild`: a lost warehouse rebuilt from the landing files and the models folder.

    python -m orchestration.rebuild

Loads every landing file into a new warehouse, rebuilds staging, computes the features of every
month with bills in one window, scores and profiles every month with the current model and
republishes. The model is not retrained: the scoring step writes the model tables
(`ml.segmentation_models`, `ml.value_index_weights`) of every saved version from its JSON in
`data/models/`, the same rows training wrote, trained_at included. Retraining would give the
same model only if the training month's features were unchanged; a correction loaded since
would make it a new model version, and the published output would differ from the lost
warehouse's. Without a saved model it trains first, on the latest month, as a first run does.

It refuses to run while the warehouse file exists: `make backfill` recomputes months in place.
Runs are recorded in the project's Dagster instance (dagster_home/, or DAGSTER_HOME) and show in
the UI under the stage jobs' names.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import dagster as dg

from orchestration.defs.segmentation.model_store import load_current_model
from orchestration.pipeline_runs import (
    command_line_paths,
    command_line_run,
    failures_explained,
    run_all,
)
from orchestration.settings import Paths


def refuse_existing_warehouse(paths: Paths) -> None:
    """FileExistsError if the warehouse file, or its write-ahead log, exists."""
    wal = paths.warehouse.with_name(paths.warehouse.name + ".wal")
    for path in (paths.warehouse, wal):
        if path.exists():
            raise FileExistsError(
                f"{path} exists: move it aside to rebuild the warehouse, or recompute months in "
                "place with make backfill"
            )


def rebuild(
    defs: dg.Definitions,
    paths: Paths,
    instance: dg.DagsterInstance | None = None,
    report: Callable[[str], None] | None = None,
    log_file: Path | None = None,
) -> dict[str, float]:
    """Build a new warehouse from the landing zone and the saved models; seconds per stage."""
    refuse_existing_warehouse(paths)
    skip = ("train",) if load_current_model(paths.models) is not None else ()
    return run_all(defs, paths, instance, report, skip=skip, log_file=log_file, command="rebuild")


def main(argv: list[str] | None = None) -> None:
    paths = command_line_paths(__doc__, argv)
    try:
        refuse_existing_warehouse(paths)
    except FileExistsError as error:
        raise SystemExit(str(error)) from error
    from orchestration.definitions import defs

    instance, log_file = command_line_run(paths, "rebuild")
    with failures_explained(log_file):
        rebuild(defs, paths, instance=instance, log_file=log_file)


if __name__ == "__main__":
    main()
