"""Progress lines of long steps (each dbt model built, each month scored).

A step reports through `progress(context, line)`: the line goes to the Dagster log (the run's
event log in the UI, and the log file of a command-line run) and to the Python logger
`gridseg.progress`. A command-line run (orchestration/pipeline_runs.py `run_all`) executes its
steps in its own process and, while it sends Dagster's and dbt's output to the log file,
forwards that logger to the terminal with `progress_to(report)`. Under `dagster dev` the logger
has no handler: the lines are in the run's log only.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator

import dagster as dg

PROGRESS_LOGGER = logging.getLogger("gridseg.progress")


def progress(context: dg.AssetExecutionContext | dg.OpExecutionContext, line: str) -> None:
    """One progress line, to the Dagster log and to whoever follows `gridseg.progress`."""
    context.log.info(line)
    PROGRESS_LOGGER.info(line)


class _ReportHandler(logging.Handler):
    def __init__(self, report: Callable[[str], None]) -> None:
        super().__init__(logging.INFO)
        self.report = report

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.report(record.getMessage())
        except Exception:  # a progress line never fails a step
            self.handleError(record)


@contextlib.contextmanager
def progress_to(report: Callable[[str], None]) -> Iterator[None]:
    """While inside: every progress line is also passed to `report`."""
    handler = _ReportHandler(report)
    previous_level = PROGRESS_LOGGER.level
    PROGRESS_LOGGER.addHandler(handler)
    PROGRESS_LOGGER.setLevel(logging.INFO)
    try:
        yield
    finally:
        PROGRESS_LOGGER.removeHandler(handler)
        PROGRESS_LOGGER.setLevel(previous_level)
