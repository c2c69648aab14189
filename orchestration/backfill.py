"""Backfill a range of months in one run per stage, from the landing data already in place.

    python -m orchestration.backfill --from 2023-01 --to 2025-12 [--retrain]

Loads new landing files, rebuilds staging, recomputes the monthly features of the range in one
dbt invocation (the months of the range replaced), scores and profiles the range with the
current model (or retrains first with --retrain, or when no model exists yet) and republishes.
It always runs, whatever was published before. Runs are recorded in the project's Dagster
instance (dagster_home/, or DAGSTER_HOME) and show in the UI under the stage jobs' names.
"""

from __future__ import annotations

import argparse

from orchestration.defs.dbt.cli_args import partition_vars
from orchestration.defs.segmentation.model_store import load_current_model
from orchestration.settings import Paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--from", dest="first", required=True, help="first month, YYYY-MM")
    parser.add_argument("--to", dest="last", required=True, help="last month, YYYY-MM")
    parser.add_argument(
        "--retrain", action="store_true", help="retrain the model on the last month"
    )
    args = parser.parse_args(argv)
    partition_vars(args.first, args.last)  # validates both months and the order

    paths = Paths.from_env()
    paths.export_env()
    from orchestration.definitions import defs
    from orchestration.pipeline_runs import command_line_run, failures_explained, run_all

    skip = () if args.retrain or load_current_model(paths.models) is None else ("train",)
    instance, log_file = command_line_run(paths, "backfill")
    with failures_explained(log_file):
        run_all(
            defs,
            paths,
            instance=instance,
            skip=skip,
            log_file=log_file,
            months=(args.first, args.last),
            command="backfill",
        )


if __name__ == "__main__":
    main()
