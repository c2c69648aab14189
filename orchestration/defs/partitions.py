"""Monthly partitions keyed on billing month ('YYYY-MM')."""

import os

import dagster as dg

# The first month a deployment holds (the real AMI sample is 2015, the demo data 2023-2025). end_offset=1 adds the
# current month: the nightly run refreshes it month-to-date.
FIRST_MONTH = os.environ.get("GRIDSEG_FIRST_MONTH", "2015-01")

monthly_partitions = dg.MonthlyPartitionsDefinition(
    start_date=FIRST_MONTH, fmt="%Y-%m", end_offset=1
)


def month_window(context: dg.AssetExecutionContext) -> tuple[str, str]:
    """The run's partition window as ('YYYY-MM', 'YYYY-MM'); a backfill run covers a range."""
    keys = context.partition_keys
    return min(keys), max(keys)


def shift_month(month: str, months: int) -> str:
    """The month `months` after 'YYYY-MM' `month` (before it when negative): the month
    arithmetic of the orchestration (the refresh window, consecutive published months)."""
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"
