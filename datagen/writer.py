"""Writes landing files deterministically: `{out}/{table}/{table}_{YYYY-MM}.{parquet|csv}`.

Grain: one file per table per month (a monthly extract batch). Parquet writer options are
pinned (zstd level 3, statistics on, one row group per 256k rows) and CSV formats are fixed
(ISO dates, `YYYY-MM-DDTHH:MM:SS` timestamps, true/false, no scientific notation), so the same
frames always give the same bytes.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import polars as pl

FORMATS = ("parquet", "csv")
ROW_GROUP_SIZE = 262_144
DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S"


def file_path(out_dir: Path, table: str, label: str, fmt: str, tag: str = "") -> Path:
    """Where table `table` of month `label` goes; `tag` marks an injected bad file."""
    suffix = f"__{tag}" if tag else ""
    return Path(out_dir) / table / f"{table}_{label}{suffix}.{fmt}"


def write_frame(frame: pl.DataFrame, path: Path, fmt: str) -> Path:
    """Write `frame` to `path` as parquet or csv with the pinned options."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        frame.write_parquet(
            path,
            compression="zstd",
            compression_level=3,
            statistics=True,
            row_group_size=ROW_GROUP_SIZE,
        )
    else:
        path.write_text(csv_text(frame), encoding="utf-8")
    return path


def csv_text(frame: pl.DataFrame) -> str:
    """The frame as CSV text in the landing formats."""
    buffer = io.BytesIO()
    frame.write_csv(
        buffer, date_format=DATE_FORMAT, datetime_format=DATETIME_FORMAT, float_scientific=False
    )
    return buffer.getvalue().decode("utf-8")


def remove_stale_files(out_dir: Path, tables: tuple[str, ...]) -> list[Path]:
    """Delete files a previous run wrote under our own naming pattern, nothing else."""
    removed = []
    for table in tables:
        folder = Path(out_dir) / table
        if not folder.is_dir():
            continue
        for fmt in FORMATS:
            for path in sorted(folder.glob(f"{table}_[0-9][0-9][0-9][0-9]-[0-9][0-9]*.{fmt}")):
                path.unlink()
                removed.append(path)
    return removed


def copy_months(source: Path, target: Path, months: set[str]) -> None:
    """Copy the landing files of the given months ('YYYY-MM' in the file name) from one landing
    zone to another: months landing one run after another (tests, the nightly benchmark)."""
    for file in source.rglob("*.*"):
        if any(month in file.name for month in months):
            destination = target / file.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, destination)
