"""Read one landing file as a typed relation, or reject it whole with a reason.

A file is rejected when it cannot be parsed (empty, malformed or non-UTF-8 CSV, truncated
Parquet) or does not match its table's columns and types (missing, extra or renamed columns; a
Parquet column of the wrong type; a CSV column none of whose values parse). A single value
that does not parse is a row problem: it becomes null, its text is kept in `_unparsed`, and
staging quarantines the row.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.defs.ingest.landing_contract import (
    LANDING_TABLES,
    PARQUET_TYPES,
    SQL_TYPES,
    TEXT_PARSERS,
)


class FileRejected(Exception):
    """A landing file that cannot be loaded whole; the message names the file and the problem."""


@dataclass(frozen=True)
class StagedFile:
    """SQL that selects the file's rows as contract-typed columns plus `_unparsed`, `_row`."""

    select_sql: str
    params: list


def _short_error(error: Exception) -> str:
    """DuckDB's message without the offending line's content: the reason is shown in
    quality.rejected_files and the Dagster UI, and a customers line holds names and emails."""
    kept = []
    for line in (line.strip() for line in str(error).strip().splitlines()):
        if line.startswith("Possible"):  # DuckDB's generic advice follows: not about this file
            break
        if line and not line.startswith(("Original Line", "LINE ", "^")):
            kept.append(line)
    return " ".join(kept[:3])[:400]


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


def _check_columns(name: str, table: str, found: dict[str, str]) -> None:
    columns = LANDING_TABLES[table]
    missing = [c for c in columns if c not in found]
    extra = [c for c in found if c not in columns]
    if missing or extra:
        parts = []
        if missing:
            parts.append("missing column(s) " + ", ".join(missing))
        if extra:
            parts.append("unexpected column(s) " + ", ".join(extra))
        raise FileRejected(f"{name}: columns do not match the contract: " + "; ".join(parts))


def _typed_expressions(columns: dict[str, str], found: dict[str, str]) -> tuple[list[str], str]:
    """Per column: the typed expression; plus the `_unparsed` JSON expression."""
    typed, failures = [], []
    for column, logical in columns.items():
        quoted = f'"{column}"'
        target = SQL_TYPES[logical]
        if found[column].startswith("VARCHAR") and logical in TEXT_PARSERS:
            parsed = TEXT_PARSERS[logical].format(v=quoted)
            typed.append(f"{parsed} as {quoted}")
            failed = f"({parsed} is null and nullif(trim({quoted}), '') is not null)"
            failures.append((column, failed))
        else:
            typed.append(f"cast({quoted} as {target}) as {quoted}")
    if not failures:
        return typed, "cast(null as varchar)"
    any_failed = " or ".join(f for _, f in failures)
    pairs = ", ".join(f"'{c}', case when {f} then \"{c}\" end" for c, f in failures)
    # merge-patching onto {} drops the null members: only the values that failed remain
    return (
        typed,
        f"case when {any_failed} then cast(json_merge_patch('{{}}', json_object({pairs})) as varchar) end",
    )


def stage_file(conn: duckdb.DuckDBPyConnection, path: Path, table: str) -> StagedFile:
    """Validate `path` against the contract; return SQL selecting its typed rows.

    CSV files are first read as text into temp table `incoming` (so a column of the wrong type
    is judged on its values); Parquet files are read in place.
    """
    columns = LANDING_TABLES[table]
    name = f"{table}/{path.name}"
    if path.stat().st_size == 0:
        raise FileRejected(f"{name}: the file is empty (0 bytes)")
    if path.suffix.lower() == ".csv":
        header = _csv_header(path, name)
        _check_columns(name, table, dict.fromkeys(header, "VARCHAR"))
        spec = ", ".join(f"'{c}': 'VARCHAR'" for c in header)
        reader = (
            f"read_csv(?, header = true, auto_detect = false, columns = {{{spec}}}, delim = ',', "
            "quote = '\"', escape = '\"', strict_mode = true, null_padding = false, encoding = 'utf-8')"
        )
        try:
            conn.execute("drop table if exists incoming")
            conn.execute(f"create temp table incoming as select * from {reader}", [str(path)])
        except duckdb.Error as error:
            raise FileRejected(f"{name}: cannot be read: {_short_error(error)}") from error
        found = dict.fromkeys(columns, "VARCHAR")
        _check_text_columns(conn, name, "incoming", [], columns)
        source, params, row = "incoming", [], "rowid - (select min(rowid) from incoming) + 1"
    else:
        reader = "read_parquet(?, file_row_number = true)"
        try:
            described = conn.execute(f"describe select * from {reader}", [str(path)]).fetchall()
        except duckdb.Error as error:
            raise FileRejected(
                f"{name}: cannot be read as Parquet: {_short_error(error)}"
            ) from error
        found = {r[0]: str(r[1]).upper() for r in described if r[0] != "file_row_number"}
        _check_columns(name, table, found)
        for column, logical in columns.items():
            if found[column].split("(")[0] not in PARQUET_TYPES[logical]:
                raise FileRejected(
                    f"{name}: column {column} has type {found[column]}, the contract expects {logical}"
                )
        textual = {c: t for c, t in columns.items() if found[c].startswith("VARCHAR")}
        _check_text_columns(conn, name, reader, [str(path)], textual)
        source, params, row = reader, [str(path)], "file_row_number + 1"
    typed, unparsed = _typed_expressions(columns, found)
    select = f"select {', '.join(typed)}, {unparsed} as _unparsed, {row} as _row from {source}"
    return StagedFile(select, params)


def _check_text_columns(
    conn: duckdb.DuckDBPyConnection, name: str, source: str, params: list, columns: dict[str, str]
) -> None:
    """A text column none of whose supplied values parse is the wrong type: reject the file."""
    typed = [(c, t) for c, t in columns.items() if t in TEXT_PARSERS]
    if not typed:
        return
    probes = []
    for column, logical in typed:
        quoted = f'"{column}"'
        present = f"nullif(trim({quoted}), '') is not null"
        parses = f"{TEXT_PARSERS[logical].format(v=quoted)} is not null"
        probes += [
            f"count(*) filter (where {present})",
            f"count(*) filter (where {present} and {parses})",
        ]
    try:
        row = conn.execute(f"select {', '.join(probes)} from {source}", params).fetchall()[0]
    except duckdb.Error as error:
        raise FileRejected(f"{name}: cannot be read: {_short_error(error)}") from error
    for i, (column, logical) in enumerate(typed):
        present, parsed = row[2 * i], row[2 * i + 1]
        if present > 0 and parsed == 0:
            raise FileRejected(
                f"{name}: column {column} is not of type {logical}: "
                f"none of its {present} values parse"  # no sample value: it may be PII
            )
