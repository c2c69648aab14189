"""Load landing files into the warehouse's `raw` schema, one file = one batch, all or nothing.

Grain of `raw.<table>`: one row per received row, contract columns typed, plus lineage
(`_unparsed` keeps the text of any value that did not parse). `raw.ingest_files` has one row per
(table, file content): loading the same content again is a no-op; a rejected file is recorded
with the reason and left where it is, so a corrected file (new content) dropped later loads.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.defs.ingest.file_reader import FileRejected, stage_file
from orchestration.defs.ingest.file_rows import rows_in_file
from orchestration.defs.ingest.landing_contract import LANDING_TABLES, LINEAGE_COLUMNS, SQL_TYPES
from orchestration.defs.ingest.value_rules import prepare_session
from orchestration.settings import utility_timezone

__all__ = [
    "FileOutcome",
    "FileRejected",
    "ensure_raw_schema",
    "ingest_table",
    "landing_files",
    "unknown_landing_files",
]


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one landing file in one ingest run."""

    table: str
    file_name: str
    batch_id: str
    status: str  # loaded | rejected | duplicate | already_loaded | already_rejected
    rows: int
    reason: str | None = None
    rows_in_file: int | None = None  # rows the file holds, counted even when it is rejected


def ensure_raw_schema(conn: duckdb.DuckDBPyConnection) -> None:
    """Create the raw tables (empty) and the ingest log if they do not exist yet."""
    conn.execute("create schema if not exists raw")
    lineage = ", ".join(f"{name} {sql_type}" for name, sql_type in LINEAGE_COLUMNS.items())
    for table, columns in LANDING_TABLES.items():
        body = ", ".join(f'"{name}" {SQL_TYPES[logical]}' for name, logical in columns.items())
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
    # Rows the file holds (= rows for a loaded file): a rejected file's rows stay accounted for.
    conn.execute("alter table raw.ingest_files add column if not exists rows_in_file BIGINT")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class LandingFile:
    """One file of a table's landing folder: its path, and its name relative to the folder
    (`2024/bills_01.csv` for a file in a sub-folder), the name the ingest log records."""

    path: Path
    name: str


def landing_files(landing_dir: Path, table: str) -> list[LandingFile]:
    """Every file of one table's landing folder and its sub-folders, in arrival order:
    modification time, then name. A correction dropped after its original loads after it (a
    later batch wins a tie), whatever the two are called. Hidden files and folders (`.name`,
    the temporary names of transfer tools) are not extracts and are left alone, as Spark and
    Hadoop do; every other file is loaded, or rejected with a reason (an unaccepted type too)."""
    folder = Path(landing_dir) / table
    if not folder.is_dir():
        return []
    files = [
        LandingFile(p, p.relative_to(folder).as_posix())
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    ]
    return sorted(files, key=lambda f: (f.path.stat().st_mtime_ns, f.name))


def unknown_landing_files(landing_dir: Path) -> list[str]:
    """Files of the landing zone outside every table's folder (at its root, or in a folder no
    table is named after, e.g. `bill/`): they load nowhere, so they are listed, never lost."""
    root = Path(landing_dir)
    if not root.is_dir():
        return []
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file()
        and p.relative_to(root).parts[0] not in LANDING_TABLES
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


def ingest_table(
    conn: duckdb.DuckDBPyConnection, landing_dir: Path, table: str, now: datetime | None = None
) -> list[FileOutcome]:
    """Load every new file of one landing table; each file in its own transaction.

    A file is new when its name and content were not seen together before. New content loads
    (or is rejected); content already loaded under another name is recorded as a duplicate
    file (nothing loads twice), so every file in the folder has a row in raw.ingest_files."""
    ensure_raw_schema(conn)
    prepare_session(conn, utility_timezone())
    now = now or datetime.now()
    outcomes = []
    for file in landing_files(landing_dir, table):
        sha = file_sha256(file.path)
        seen = conn.execute(
            "select file_name, status from raw.ingest_files where table_name = ? and sha256 = ? "
            "order by batch_seq",
            [table, sha],
        ).fetchall()
        names = {name for name, _ in seen}
        if file.name in names:
            status = _repeat_status(seen, file.name)
            outcomes.append(FileOutcome(table, file.name, sha[:16], status, 0))
            continue
        loaded_as = [name for name, status in seen if status == "loaded"]
        if loaded_as:
            outcomes.append(_record_duplicate(conn, file, table, sha, loaded_as[0], now))
            continue
        outcomes.append(_load_file(conn, file, table, sha, now))
    return outcomes


def _repeat_status(seen: list[tuple[str, str]], name: str) -> str:
    status = next(status for file_name, status in seen if file_name == name)
    return {"loaded": "already_loaded", "duplicate": "already_loaded"}.get(
        status, "already_rejected"
    )


LOG_INSERT = (
    "insert into raw.ingest_files (table_name, file_name, file_path, sha256, batch_id, "
    "batch_seq, status, rows, reason, processed_at, rows_in_file) "
    "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
NEXT_SEQ = "select coalesce(max(batch_seq), 0) + 1 from raw.ingest_files"


def _record_duplicate(
    conn: duckdb.DuckDBPyConnection,
    file: LandingFile,
    table: str,
    sha: str,
    original: str,
    now: datetime,
) -> FileOutcome:
    """A file whose content is already loaded under another name: recorded, not loaded again."""
    seq = conn.execute(NEXT_SEQ).fetchall()[0][0]
    reason = (
        f"{table}/{file.name}: the same content as {original}, already loaded: not loaded twice"
    )
    in_file = rows_in_file(file.path)
    conn.execute(
        LOG_INSERT,
        [
            table,
            file.name,
            str(file.path),
            sha,
            sha[:16],
            seq,
            "duplicate",
            0,
            reason,
            now,
            in_file,
        ],
    )
    return FileOutcome(table, file.name, sha[:16], "duplicate", 0, reason, in_file)


def _load_file(
    conn: duckdb.DuckDBPyConnection, file: LandingFile, table: str, sha: str, now: datetime
) -> FileOutcome:
    batch_id = sha[:16]
    seq = conn.execute(NEXT_SEQ).fetchall()[0][0]
    log = LOG_INSERT
    columns = ", ".join(f'"{c}"' for c in LANDING_TABLES[table])
    conn.execute("begin transaction")
    try:
        staged = stage_file(conn, file.path, table, file.name)
        inserted = conn.execute(
            f"insert into raw.{table} select {columns}, _unparsed, ?, ?, ?, _row, ? "
            f"from ({staged.select_sql})",
            [file.name, batch_id, seq, now, *staged.params],
        ).fetchall()
        rows = inserted[0][0] if inserted else 0
        conn.execute(
            log,
            [table, file.name, str(file.path), sha, batch_id, seq, "loaded", rows, None, now, rows],
        )
        conn.execute("drop table if exists incoming")
        conn.execute("commit")
        return FileOutcome(table, file.name, batch_id, "loaded", rows, rows_in_file=rows)
    except FileRejected as rejection:
        conn.execute("rollback")
        reason = str(rejection)
    except duckdb.Error as error:
        # a value DuckDB could not convert while inserting (e.g. an out-of-range number)
        conn.execute("rollback")
        # DuckDB's message quotes the offending value, which may be PII: keep only its kind
        kind = str(error).split(":", 1)[0][:80]
        reason = (
            f"{table}/{file.name}: cannot be loaded: {kind} (a value does not fit its column type)"
        )
    except BaseException:
        conn.execute("rollback")
        raise
    in_file = rows_in_file(file.path)
    if in_file is None:  # said in the reason, so that a null in rows_in_file is never a mystery
        reason += " (the rows it holds cannot be counted: no readable row count)"
    logged = [table, file.name, str(file.path), sha, batch_id, seq, "rejected", 0, reason, now]
    conn.execute(log, [*logged, in_file])
    return FileOutcome(table, file.name, batch_id, "rejected", 0, reason, in_file)
