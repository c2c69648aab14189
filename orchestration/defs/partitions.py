"""Monthly partitions keyed on billing month ('YYYY-MM')."""


import os

import dagster as dg

# The first month a deployment holds; the demo data starts in 2023-01.
FIRST_MONTH = os.environ.get("GRIDSEG_FIRST_MONTH", "2023-01")

monthly_partitions = dg.MonthlyPartitionsDefinition(
    start_date=FIRST_MONTH, fmt="%Y-%m", end_offset=0
)


def month_window(context: dg.AssetExecutionContext) -> tuple[str, str]:
    """The run's partition window as ('YYYY-MM', 'YYYY-MM'); a backfill run covers a range."""
    keys = context.partition_keys
    return min(keys), max(keys)
