"""Test helpers: read a generated landing zone back, one frame per table with its file month."""

from __future__ import annotations

from pathlib import Path

import polars as pl

FILE_MONTH = r"_(\d{4}-\d{2})\.(?:parquet|csv)$"


def files_of(landing: Path, table: str) -> list[Path]:
    """The monthly files of one table (bad-file injections excluded), in name order."""
    return sorted(p for p in (Path(landing) / table).glob(f"{table}_*") if "__" not in p.name)


def read_table(landing: Path, table: str) -> pl.DataFrame:
    """All monthly files of `table` stacked, plus `file_month` ('YYYY-MM') and `row_index`."""
    frames = []
    for path in files_of(landing, table):
        if path.suffix == ".parquet":
            frame = pl.read_parquet(path)
        else:
            frame = pl.read_csv(path, infer_schema=False)  # every column as text
        month = path.stem.split("_")[-1]
        frames.append(
            frame.with_columns(file_month=pl.lit(month), row_index=pl.int_range(pl.len()))
        )
    return pl.concat(frames, how="vertical")


def latest_customers(landing: Path) -> pl.DataFrame:
    """Customer master as of the last extract: newest updated_at per customer wins."""
    return (
        read_table(landing, "customers")
        .sort("updated_at")
        .group_by("customer_id", maintain_order=True)
        .last()
    )


def final_bills(landing: Path) -> pl.DataFrame:
    """One row per bill_id: the highest revision."""
    return (
        read_table(landing, "bills")
        .sort("revision")
        .group_by("bill_id", maintain_order=True)
        .last()
    )
