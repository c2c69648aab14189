"""How many data rows a landing file holds, counted without judging it against the contract.

Grain: one count per file, for the ingest log (`raw.ingest_files.rows_in_file`), so that a
rejected file's rows are accounted for too: rows offered = rows loaded + rows in rejected
files. CSV: physical lines after the header (a value quoted across lines counts once per
line, so this is an upper bound for such files); Parquet: the row count in the footer, or
None when the footer itself is unreadable (a truncated file).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

CHUNK = 1 << 20


def rows_in_file(path: Path) -> int | None:
    path = Path(path)
    if path.stat().st_size == 0:
        return 0
    if path.suffix.lower() == ".parquet":
        try:
            return pq.read_metadata(path).num_rows
        except Exception:  # pyarrow raises several types for a broken footer
            return None
    return max(_csv_lines(path) - 1, 0)


def _csv_lines(path: Path) -> int:
    lines, last = 0, b"\n"
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n")  # a last line without a line break counts too
