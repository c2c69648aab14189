"""Read one landing file as a typed relation, or reject it whole with a reason.

A file is rejected when it cannot be parsed (empty, malformed or non-UTF-8 CSV, truncated
Parquet) or does not match its table's columns and types (missing, extra or renamed columns; a
Parquet column of the wrong type; a CSV column none of whose values parse). A single value
that does not parse is a row problem: it becomes null, its text is kept in `_unparsed`, and
staging quarantines the row.
"""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.defs.ingest.landing_contract import CONTRACT, LANDING_TABLES, PARQUET_TYPES
from orchestration.defs.ingest.value_rules import (
    from_parquet,
    from_text,
    parses_as_type,
    text_present,
    unparsed_json,
)

CSV_SUFFIXES = (".csv", ".csv.gz")
PARQUET_SUFFIXES = (".parquet",)
SUPPORTED_SUFFIXES = CSV_SUFFIXES + PARQUET_SUFFIXES


def file_kind(path: Path) -> str | None:
    """csv, parquet, or None for a file type the landing zone does not take."""
    name = path.name.lower()
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    return None


class FileRejected(Exception):
    """A landing file that cannot be loaded whole; the message names the file and the problem."""


@dataclass(frozen=True)
class StagedFile:
    """SQL that selects the file's rows as contract-typed columns plus `_unparsed`, `_row`."""

    select_sql: str
    params: list


def _short_error(error: Exception, path: Path | None = None) -> str:
    """DuckDB's message without the offending line's content (the reason is shown in
    quality.rejected_files and the Dagster UI, and a customers line holds names and emails) and
    without the file's absolute path (the reason names the file already)."""
    kept = []
    text = str(error).strip()
    if path is not None:
        text = text.replace(str(path), path.name)
    for line in (line.strip() for line in text.splitlines()):
        if line.startswith("Possible"):  # DuckDB's generic advice follows: not about this file
            break
        if line and not line.startswith(("Original Line", "LINE ", "^")):
            kept.append(line)
    return " ".join(kept[:3])[:400]


def open_csv_bytes(path: Path):
    """The file's bytes, decompressed when it is gzip CSV."""
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")


def _csv_header(path: Path, name: str) -> list[str]:
    try:
        with open_csv_bytes(path) as handle:
            first = handle.readline()
    except (OSError, EOFError) as error:  # gzip: not a gzip file, or cut short
        raise FileRejected(f"{name}: cannot be decompressed as gzip: {error}") from error
    try:
        text = first.decode("utf-8-sig").strip()
    except UnicodeDecodeError as error:
        raise FileRejected(f"{name}: line 1 is not UTF-8 ({error.reason})") from error
    header = [column_key(c) for c in next(csv.reader([text]), [])]
    if not header or header == [""]:
        raise FileRejected(f"{name}: line 1 has no header row")
    if len(header) == 1:
        for other in (";", "\t", "|"):
            if other in header[0]:
                shown = "tab" if other == "\t" else f"'{other}'"
                raise FileRejected(
                    f"{name}: the header is delimited by {shown}: the contract takes "
                    "comma-separated CSV"
                )
    if len(set(header)) != len(header):
        raise FileRejected(f"{name}: the header repeats a column name")
    if any("'" in column for column in header):
        raise FileRejected(f"{name}: column names may not contain quotes")
    return header


def column_key(name: str) -> str:
    """A file's column name as the contract spells it: `Customer_ID ` is customer_id. Only the
    names are folded; the values are never changed."""
    return name.strip().lower()


def _identifier(name: str) -> str:
    """A column name quoted as a SQL identifier (a file's own column names, e.g. `Paid At`)."""
    return '"' + name.replace('"', '""') + '"'


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


def stage_file(
    conn: duckdb.DuckDBPyConnection, path: Path, table: str, file_name: str | None = None
) -> StagedFile:
    """Validate `path` against the contract; return SQL selecting its typed rows.

    CSV files (plain or gzip) are first read as text into temp table `incoming` (so a column of
    the wrong type is judged on its values); Parquet files are read in place. The session
    variables of `value_rules.prepare_session` must be set.
    """
    spec = CONTRACT.tables[table]
    columns = LANDING_TABLES[table]
    name = f"{table}/{file_name or path.name}"
    kind = file_kind(path)
    if kind is None:
        raise FileRejected(
            f"{name}: file type not accepted: the landing zone takes CSV (.csv, .csv.gz) "
            "or Parquet (.parquet)"
        )
    if path.stat().st_size == 0:
        raise FileRejected(f"{name}: the file is empty (0 bytes)")
    if kind == "csv":
        header = _csv_header(path, name)
        _check_columns(name, table, dict.fromkeys(header, "VARCHAR"))
        types = ", ".join(f"'{c}': 'VARCHAR'" for c in header)  # names checked: no quotes
        reader = (
            f"read_csv(?, header = true, auto_detect = false, columns = {{{types}}}, delim = ',', "
            "quote = '\"', escape = '\"', strict_mode = true, null_padding = false, "
            "encoding = 'utf-8', compression = 'auto')"
        )
        try:
            conn.execute("drop table if exists incoming")
            conn.execute(f"create temp table incoming as select * from {reader}", [str(path)])
        except duckdb.Error as error:
            raise FileRejected(f"{name}: cannot be read: {_short_error(error, path)}") from error
        found = dict.fromkeys(columns, "VARCHAR")
        _check_text_columns(conn, name, "incoming", [], table, list(columns))
        source, params, row = "incoming", [], "rowid - (select min(rowid) from incoming) + 1"
    else:
        reader = "read_parquet(?, file_row_number = true)"
        try:
            described = conn.execute(f"describe select * from {reader}", [str(path)]).fetchall()
        except duckdb.Error as error:
            raise FileRejected(
                f"{name}: cannot be read as Parquet: {_short_error(error, path)}"
            ) from error
        sent = {column_key(r[0]): r[0] for r in described if r[0] != "file_row_number"}
        if len(sent) != len(described) - 1:
            raise FileRejected(f"{name}: two columns have the same name")
        found = {
            column_key(r[0]): str(r[1]).upper() for r in described if r[0] != "file_row_number"
        }
        _check_columns(name, table, found)
        for column, logical in columns.items():
            if found[column].split("(")[0] not in PARQUET_TYPES[logical]:
                raise FileRejected(
                    f"{name}: column {column} has type {found[column]}, the contract expects {logical}"
                )
        if any(key != original for key, original in sent.items()):
            renamed = ", ".join(f"{_identifier(o)} as {_identifier(k)}" for k, o in sent.items())
            reader = f"(select {renamed}, file_row_number from {reader})"
        textual = [c for c in columns if found[c].startswith("VARCHAR")]
        _check_text_columns(conn, name, reader, [str(path)], table, textual)
        source, params, row = reader, [str(path)], "file_row_number + 1"
    values = {
        c: from_text(column) if kind == "csv" else from_parquet(column, found[c])
        for c, column in spec.columns.items()
    }
    typed = ", ".join(f'{v.typed} as "{c}"' for c, v in values.items())
    unparsed = unparsed_json(values)
    select = f"select {typed}, {unparsed} as _unparsed, {row} as _row from {source}"
    return StagedFile(select, params)


# A column is the wrong column (the file is rejected) only when at least this many of its
# values are there and none is of its type. Fewer say nothing about the column: one `infinity`
# in a mostly empty disconnected_on, or two `abc` in a re-send, are bad rows to quarantine,
# not a reason to lose every good row of the file.
WRONG_TYPE_MIN_VALUES = 10


def _check_text_columns(
    conn: duckdb.DuckDBPyConnection,
    name: str,
    source: str,
    params: list,
    table: str,
    columns: list[str],
) -> None:
    """A text column none of whose supplied values is of its type is the wrong column: reject
    the file. Null tokens (`NULL`, `N/A`) are no value: a nullable column of only those loads."""
    spec = CONTRACT.tables[table].columns
    typed = [spec[c] for c in columns if spec[c].type not in ("id", "str")]
    if not typed:
        return
    probes = []
    for column in typed:
        quoted = f'"{column.name}"'
        present = text_present(quoted)
        probes += [
            f"count(*) filter (where {present})",
            f"count(*) filter (where {present} and {parses_as_type(quoted, column)})",
        ]
    try:
        row = conn.execute(f"select {', '.join(probes)} from {source}", params).fetchall()[0]
    except duckdb.Error as error:
        raise FileRejected(f"{name}: cannot be read: {_short_error(error)}") from error
    for i, column in enumerate(typed):
        present, parsed = row[2 * i], row[2 * i + 1]
        if present >= WRONG_TYPE_MIN_VALUES and parsed == 0:
            raise FileRejected(
                f"{name}: column {column.name} is not of type {column.type}: "
                f"none of its {present} values parse"  # no sample value: it may be PII
            )
