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

from orchestration.defs.ingest.file_reader import file_kind, open_csv_bytes

CHUNK = 1 << 20


def rows_in_file(path: Path) -> int | None:
    path = Path(path)
    if path.stat().st_size == 0:
        return 0
    if file_kind(path) is None:
        return None  # not a file type the landing zone reads: its rows cannot be counted
    if path.suffix.lower() == ".parquet":
        try:
            return pq.read_metadata(path).num_rows
        except Exception:  # pyarrow raises several types for a broken footer
            return None
    lines = _csv_lines(path)
    return None if lines is None else max(lines - 1, 0)


def _csv_lines(path: Path) -> int | None:
    lines, last = 0, b"\n"
    try:
        with open_csv_bytes(path) as handle:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                lines += chunk.count(b"\n")
                last = chunk[-1:]
    except (OSError, EOFError):  # a gzip file that is not gzip or is cut short
        return None
    return lines + (
        last != b"\n"
    )  # a last line without a line break counts too  # a last line without a line break counts too
