"""Whole landing files that must be rejected: unreadable, empty, truncated, wrong columns/types.

Grain: one file per bad-file kind, named `{table}_{YYYY-MM}__bad_{kind}.{csv|parquet}` next to
that month's good file. Contents are copies of rows of the good file (so a loader that wrongly
accepted one would only see duplicates), spoiled in the way the kind says.
"""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl

from datagen.faults.catalog import EXTRA_COLUMN, RENAMED_COLUMN, WRONG_TYPE_COLUMN
from datagen.writer import csv_text, file_path, write_frame

SAMPLE_ROWS = 25


def bad_file_path(out_dir: Path, table: str, label: str, kind: str, fmt: str) -> Path:
    """Where a bad file of `kind` goes (its extension is forced by kinds tied to a format)."""
    if kind in ("ragged_row", "non_utf8"):
        fmt = "csv"
    elif kind == "truncated_parquet":
        fmt = "parquet"
    return file_path(out_dir, table, label, fmt, tag=f"bad_{kind}")


def write_bad_file(
    out_dir: Path, table: str, label: str, kind: str, fmt: str, good: pl.DataFrame
) -> tuple[Path, str]:
    """Write one bad file built from rows of `good`; return its path and what is wrong."""
    path = bad_file_path(out_dir, table, label, kind, fmt)
    fmt = path.suffix.lstrip(".")
    sample = good.head(SAMPLE_ROWS)
    if kind == "empty_file":
        path.write_bytes(b"")
        return path, "0 bytes"
    if kind == "ragged_row":
        lines = csv_text(sample).splitlines()
        lines.insert(min(3, len(lines)), lines[-1] + ",surplus,fields")
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path, "data row 3 has 2 fields more than the header"
    if kind == "non_utf8":
        accented = sample.with_columns(
            full_name=pl.lit("José Muñoz-Gómez"), address=pl.lit("12 Rue Hélène, Eastvale")
        )
        path.write_bytes(csv_text(accented).encode("latin-1"))
        return path, "encoded in Latin-1, not UTF-8"
    if kind == "truncated_parquet":
        buffer = io.BytesIO()
        sample.write_parquet(buffer, compression="zstd", compression_level=3)
        data = buffer.getvalue()
        path.write_bytes(data[: len(data) // 2])
        return path, f"first {len(data) // 2} of {len(data)} bytes"
    if kind == "missing_column":
        column = sample.columns[-1]
        write_frame(sample.drop(column), path, fmt)
        return path, f"column {column} missing"
    if kind == "extra_column":
        write_frame(sample.with_columns(pl.lit("gold").alias(EXTRA_COLUMN)), path, fmt)
        return path, f"unexpected column {EXTRA_COLUMN}"
    if kind == "renamed_column":
        old, new = RENAMED_COLUMN[table]
        write_frame(sample.rename({old: new}), path, fmt)
        return path, f"column {old} renamed to {new}"
    if kind == "wrong_type":
        column = WRONG_TYPE_COLUMN[table]
        write_frame(sample.with_columns(pl.lit("abc").alias(column)), path, fmt)
        return path, f"column {column} holds text 'abc'"
    raise ValueError(f"unknown bad-file kind {kind!r}")
