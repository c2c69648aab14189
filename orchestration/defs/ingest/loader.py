"""Load landing files into the warehouse's `raw` schema, one file = one batch, all or nothing.

Grain of `raw.<table>`: one row per received row, every contract column as text exactly as
received, plus lineage columns. `raw.ingest_files` has one row per (table, file content):
loading the same content again is a no-op; a rejected file is recorded with the reason and
left where it is, so a corrected file (new content) dropped later loads normally.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.defs.ingest.landing_contract import (
    LANDING_TABLES,
    LINEAGE_COLUMNS,
    PARQUET_TYPES,
    TEXT_PARSES,
)

SUPPORTED_SUFFIXES = (".csv", ".parquet")


class FileRejected(Exception):
    """A landing file that cannot be loaded whole; the message names the file and the problem."""


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one landing file in one ingest run."""

    table: str
    file_name: str
    batch_id: str
    status: str  # loaded | rejected | already_loaded | already_rejected
    rows: int
    reason: str | None = None


def ensure_raw_schema(conn: duckdb.DuckDBPyConnection) -> None:
    """Create the raw tables (empty) and the ingest log if they do not exist yet."""
    conn.execute("create schema if not exists raw")
    lineage = ", ".join(f"{name} {sql_type}" for name, sql_type in LINEAGE_COLUMNS.items())
    for table, columns in LANDING_TABLES.items():
        body = ", ".join(f"{name} VARCHAR" for name in columns)
        conn.execute(f"create table if not exists raw.{table} ({body}, {lineage})")
    conn.execute(
        """
        create table if not exists raw.ingest_files (
            table_name VARCHAR, file_name VARCHAR, file_path VARCHAR, sha256 VARCHAR,
            batch_id VARCHAR, batch_seq BIGINT, status VARCHAR, rows BIGINT, reason VARCHAR,
            processed_at TIMESTAMP
        )
        """
    )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def landing_files(landing_dir: Path, table: str) -> list[Path]:
    """Files of one table's landing folder in name order (the order batches are loaded in)."""
    folder = Path(landing_dir) / table
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)


def _short_error(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return " ".join(line.strip() for line in text[:3])[:400]


def _stage(conn: duckdb.DuckDBPyConnection, path: Path, table: str) -> int:
    """Read `path` into temp table `incoming` as text columns in contract order; return rows.

    Raises FileRejected naming the file, the column and the problem.
    """
    columns = LANDING_TABLES[table]
    name = f"{table}/{path.name}"
    if path.stat().st_size == 0:
        raise FileRejected(f"{name}: the file is empty (0 bytes)")
    is_csv = path.suffix.lower() == ".csv"
    if is_csv:
        header = _csv_header(path, name)
        found_types = {column: "VARCHAR" for column in header}
        spec = ", ".join(f"'{c}': 'VARCHAR'" for c in header)
        reader = (
            f"read_csv(?, header = true, auto_detect = false, columns = {{{spec}}}, delim = ',', "
            "quote = '\"', escape = '\"', strict_mode = true, null_padding = false, encoding = 'utf-8')"
        )
    else:
        reader = "read_parquet(?)"
        try:
            found = conn.execute(f"describe select * from {reader}", [str(path)]).fetchall()
        except duckdb.Error as error:
            raise FileRejected(f"{name}: cannot be read as Parquet: {_short_error(error)}") from error
        found_types = {row[0]: str(row[1]).upper() for row in found}
    missing = [c for c in columns if c not in found_types]
    extra = [c for c in found_types if c not in columns]
    if missing or extra:
        parts = []
        if missing:
            parts.append("missing column(s) " + ", ".join(missing))
        if extra:
            parts.append("unexpected column(s) " + ", ".join(extra))
        raise FileRejected(f"{name}: columns do not match the contract: " + "; ".join(parts))
    if not is_csv:
        for column, logical in columns.items():
            base = found_types[column].split("(")[0]
            if base not in PARQUET_TYPES[logical]:
                raise FileRejected(
                    f"{name}: column {column} has type {found_types[column]}, "
                    f"the contract expects {logical}"
                )
    select = ", ".join(f"cast(\"{c}\" as varchar) as \"{c}\"" for c in columns)
    try:
        conn.execute("drop table if exists incoming")
        conn.execute(f"create temp table incoming as select {select} from {reader}", [str(path)])
    except duckdb.Error as error:
        raise FileRejected(f"{name}: cannot be read: {_short_error(error)}") from error
    _check_text_types(conn, name, columns)
    return conn.execute("select count(*) from incoming").fetchall()[0][0]


def _csv_header(path: Path, name: str) -> list[str]:
    with open(path, "rb") as handle:
        first = handle.readline()
    try:
        text = first.decode("utf-8-sig").strip()
    except UnicodeDecodeError as error:
        raise FileRejected(f"{name}: line 1 is not UTF-8 ({error.reason})") from error
    header = next(csv.reader([text]), [])
    if not header or header == [""]:
        raise FileRejected(f"{name}: line 1 has no header row")
    if len(set(header)) != len(header):
        raise FileRejected(f"{name}: the header repeats a column name")
    if any("'" in column for column in header):
        raise FileRejected(f"{name}: column names may not contain quotes")
    return header


def _check_text_types(conn: duckdb.DuckDBPyConnection, name: str, columns: dict[str, str]) -> None:
    """A column none of whose supplied values parse as its type is the wrong type: reject.

    Single unparseable values are row problems, quarantined later in staging.
    """
    typed = [(c, t) for c, t in columns.items() if t in TEXT_PARSES]
    if not typed:
        return
    probes = []
    for column, logical in typed:
        present = f"nullif(trim(\"{column}\"), '') is not null"
        parses = TEXT_PARSES[logical].replace("v", f"\"{column}\"")
        probes.append(f"count(*) filter (where {present})")
        probes.append(f"count(*) filter (where {present} and {parses})")
        probes.append(f"any_value(\"{column}\") filter (where {present} and not ({parses}))")
    row = conn.execute(f"select {', '.join(probes)} from incoming").fetchall()[0]
    for i, (column, logical) in enumerate(typed):
        present, parsed, example = row[3 * i], row[3 * i + 1], row[3 * i + 2]
        if present > 0 and parsed == 0:
            raise FileRejected(
                f"{name}: column {column} is not of type {logical}: "
                f"none of its {present} values parse (e.g. {example!r})"
            )


def ingest_table(
    conn: duckdb.DuckDBPyConnection, landing_dir: Path, table: str, now: datetime | None = None
) -> list[FileOutcome]:
    """Load every new file of one landing table; each file in its own transaction."""
    ensure_raw_schema(conn)
    now = now or datetime.now()
    outcomes = []
    for path in landing_files(landing_dir, table):
        sha = file_sha256(path)
        batch_id = sha[:16]
        seen = conn.execute(
            "select status from raw.ingest_files where table_name = ? and sha256 = ?",
            [table, sha],
        ).fetchall()
        if seen:
            status = "already_loaded" if seen[0][0] == "loaded" else "already_rejected"
            outcomes.append(FileOutcome(table, path.name, batch_id, status, 0))
            continue
        outcomes.append(_load_file(conn, path, table, sha, now))
    return outcomes


def _load_file(
    conn: duckdb.DuckDBPyConnection, path: Path, table: str, sha: str, now: datetime
) -> FileOutcome:
    batch_id = sha[:16]
    seq = conn.execute("select coalesce(max(batch_seq), 0) + 1 from raw.ingest_files").fetchall()[0][0]
    log = "insert into raw.ingest_files values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    conn.execute("begin transaction")
    try:
        rows = _stage(conn, path, table)
        columns = ", ".join(f'"{c}"' for c in LANDING_TABLES[table])
        conn.execute(
            f"insert into raw.{table} select {columns}, ?, ?, ?, rowid - (select min(rowid) from incoming) + 1, ? from incoming",
            [path.name, batch_id, seq, now],
        )
        conn.execute(log, [table, path.name, str(path), sha, batch_id, seq, "loaded", rows, None, now])
        conn.execute("drop table if exists incoming")
        conn.execute("commit")
        return FileOutcome(table, path.name, batch_id, "loaded", rows)
    except FileRejected as rejection:
        conn.execute("rollback")
        reason = str(rejection)
        conn.execute(log, [table, path.name, str(path), sha, batch_id, seq, "rejected", 0, reason, now])
        return FileOutcome(table, path.name, batch_id, "rejected", 0, reason)
    except BaseException:
        conn.execute("rollback")
        raise
