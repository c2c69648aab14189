"""Monthly partitions keyed on billing month ('YYYY-MM'), from the first month with data.

Definitions are static once loaded, so the first partition is decided when the code loads
(`dagster dev`, a command-line run), without opening the warehouse (a running writer holds its
lock): the setting GRIDSEG_FIRST_MONTH wins; otherwise the first billing month the pipeline
recorded in `<data>/state/first_month` when it last staged the bills; otherwise 2015-01 (the
oldest data GridSeg ships, the AMI sample). A fresh demo thus shows no "Missing" months before
its data once the bills are staged and the code is reloaded.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

import dagster as dg

from orchestration.settings import Paths

FIRST_MONTH_VARIABLE = "GRIDSEG_FIRST_MONTH"
DEFAULT_FIRST_MONTH = "2015-01"
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def check_month(month: str) -> str:
    """`month` if it is 'YYYY-MM', else ValueError."""
    if not isinstance(month, str) or not _MONTH.fullmatch(month):
        raise ValueError(f"month {month!r} is not 'YYYY-MM'")
    return month


def first_month_file(data: Path) -> Path:
    """Where the pipeline records the first billing month of the staged bills."""
    return Path(data) / "state" / "first_month"


def record_first_month(data: Path, month: str) -> bool:
    """Record `month` as the data's first billing month (replaced atomically); True when it
    changed, so that the partitions start there from the next code load on."""
    file = first_month_file(data)
    check_month(month)
    if file.exists() and file.read_text(encoding="utf-8").strip() == month:
        return False
    file.parent.mkdir(parents=True, exist_ok=True)
    tmp = file.with_name(file.name + ".tmp")
    tmp.write_text(month + "\n", encoding="utf-8")
    os.replace(tmp, file)
    return True


def partitions_first_month(
    environ: Mapping[str, str] | None = None, data: Path | None = None
) -> str:
    """The first monthly partition: GRIDSEG_FIRST_MONTH, else the first billing month recorded
    under the data folder, else DEFAULT_FIRST_MONTH. A malformed setting is an error; a
    malformed record (a hand edit) falls back to the default."""
    environ = os.environ if environ is None else environ
    setting = environ.get(FIRST_MONTH_VARIABLE, "").strip()
    if setting:
        try:
            return check_month(setting)
        except ValueError as error:
            raise ValueError(f"{FIRST_MONTH_VARIABLE}: {error}") from None
    file = first_month_file(Paths.from_env().data if data is None else data)
    try:
        return check_month(file.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return DEFAULT_FIRST_MONTH


FIRST_MONTH = partitions_first_month()

# end_offset=1 adds the current month: the nightly run refreshes it month-to-date.
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
