"""Property-based: random corruptions of a valid small extract never crash ingestion and never
lose rows. Every file ends loaded whole or rejected whole (with a reason naming it), the ingest
log agrees with raw, and rows loaded + rows in rejected files = rows offered."""

import contextlib
import csv
import io
import tempfile
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestration.defs.ingest.landing_contract import CONTRACT, LANDING_TABLES
from orchestration.defs.ingest.loader import ingest_table

TABLE = "bills"
NULLS = set(CONTRACT.null_tokens)
COLUMNS = list(LANDING_TABLES[TABLE])
N_ROWS = 12
PROFILE = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def extract() -> pl.DataFrame:
    """A valid bills extract: every logical type of the contract, some nulls."""
    n = range(N_ROWS)
    return pl.DataFrame(
        {
            "bill_id": [f"B{i}" for i in n],
            "revision": [i % 2 for i in n],
            "customer_id": [f"C{i % 5}" for i in n],
            "period_start": [date(2024, 1, 1)] * N_ROWS,
            "period_end": [date(2024, 1, 31)] * N_ROWS,
            "kwh_total": [100.0 + i for i in n],
            "kwh_peak": [30.0 if i % 3 == 0 else None for i in n],
            "kwh_shoulder": [30.0 if i % 3 == 0 else None for i in n],
            "kwh_offpeak": [40.0 + i if i % 3 == 0 else None for i in n],
            "max_demand_kw": [None] * N_ROWS,
            "amount_due": [20.5] * N_ROWS,
            "due_date": [date(2024, 2, 20)] * N_ROWS,
            "is_estimated": [i % 4 == 0 for i in n],
            "status": ["issued"] * N_ROWS,
            "issued_at": [datetime(2024, 2, 1, 8)] * N_ROWS,
        },
        schema_overrides={"max_demand_kw": pl.Float64},
    )


# numeric edge values and timestamps with offsets, beside random text
EDGE_VALUES = [
    "", " ", "abc", "-1e309", "2024-13-01", "NaN", "nan", "inf", "-inf", "Infinity", "1e300",
    "-1e300", "-0.0", "1e16", "4.5", "9" * 30, "0." + "1" * 40, "NULL", "N/A",
    "2024-06-01T00:30:00+02:00", "2024-05-31T22:30:00Z", "2024-06-01 01:30:00+0300",
]  # fmt: skip
cells = st.one_of(
    st.text(max_size=12),
    st.sampled_from(EDGE_VALUES),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
frame_changes = st.one_of(
    st.tuples(
        st.just("cells"),
        st.lists(
            st.tuples(st.integers(0, N_ROWS - 1), st.sampled_from(COLUMNS), cells), max_size=8
        ),
    ),
    st.tuples(st.just("drop"), st.sampled_from(COLUMNS)),
    st.tuples(
        st.just("rename"), st.tuples(st.sampled_from(COLUMNS), st.text(min_size=1, max_size=8))
    ),
    st.tuples(st.just("extra"), st.text(min_size=1, max_size=8)),
    st.tuples(st.just("reorder"), st.permutations(COLUMNS)),
)
byte_changes = st.one_of(
    st.tuples(
        st.just("flip"),
        st.lists(
            st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)),
            min_size=1,
            max_size=6,
        ),
    ),
    st.tuples(st.just("truncate"), st.floats(0, 1)),
)


def changed_frame(change) -> pl.DataFrame:
    """A structural corruption: same rows, spoiled columns or values (as text)."""
    kind, arg = change
    frame = extract()
    if kind == "cells":
        text = frame.with_columns(pl.all().cast(pl.String))
        rows = text.rows(named=True)
        for row, column, value in arg:
            rows[row][column] = value
        return pl.DataFrame(rows, schema=dict.fromkeys(COLUMNS, pl.String))
    if kind == "drop":
        return frame.drop(arg)
    if kind == "rename":
        old, new = arg
        return frame if new in frame.columns else frame.rename({old: new})
    if kind == "extra":
        return frame if arg in frame.columns else frame.with_columns(pl.lit("x").alias(arg))
    return frame.select(arg)


def changed_bytes(data: bytes, change) -> bytes:
    kind, arg = change
    if kind == "truncate":
        return data[: int(len(data) * arg)]
    spoiled = bytearray(data)
    for where, value in arg:
        spoiled[int(where * len(data))] = value
    return bytes(spoiled)


def independent_count(path: Path) -> int | None:
    """Rows as another reader sees them (None: it cannot read the file either)."""
    if path.stat().st_size == 0:
        return 0
    try:
        if path.suffix == ".parquet":
            return pq.read_metadata(path).num_rows
        text = path.read_bytes().decode("utf-8")
        return max(len([r for r in csv.reader(io.StringIO(text, newline=""))]) - 1, 0)
    except Exception:
        return None


def ingest_one(path: Path) -> tuple:
    """Ingest the single file; return (outcome, log row, raw rows of its batch)."""
    conn = duckdb.connect()
    try:
        (outcome,) = ingest_table(conn, path.parent.parent, TABLE)
        log = conn.execute(
            "select status, rows, rows_in_file, reason from raw.ingest_files"
        ).fetchall()
        raw = conn.execute(
            f"select count(*) from raw.{TABLE} where _batch_id = ?", [outcome.batch_id]
        ).fetchall()[0][0]
        return outcome, log, raw
    finally:
        conn.close()


def offer(data: bytes, suffix: str, check) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / TABLE / f"extract{suffix}"
        path.parent.mkdir()
        path.write_bytes(data)
        outcome, log, raw = ingest_one(path)
        assert outcome.status in ("loaded", "rejected")
        ((status, rows, rows_in_file, reason),) = log
        assert (status, rows) == (outcome.status, outcome.rows) and raw == rows, "all or nothing"
        if status == "rejected":
            assert reason.startswith(f"{TABLE}/{path.name}: ") and rows == 0
            assert path.read_bytes() == data, "a rejected file is kept as it was"
        else:
            assert rows_in_file == rows
        check(status, rows, rows_in_file, path)


def as_bytes(frame: pl.DataFrame, suffix: str) -> bytes:
    buffer = io.BytesIO()
    frame.write_csv(buffer) if suffix == ".csv" else frame.write_parquet(buffer)
    return buffer.getvalue()


def exactly_the_rows_offered(status, rows, rows_in_file, path):
    # nothing dropped or invented: the file's rows are loaded or all counted as rejected
    assert (rows if status == "loaded" else rows_in_file) == N_ROWS


def as_many_as_another_reader_sees(status, rows, rows_in_file, path):
    """CSV: as many rows as Python's csv module reads. Parquet: a spoiled byte cannot change
    how many rows the file holds (pyarrow may refuse a footer DuckDB still reads)."""
    seen = independent_count(path)
    if status == "loaded":
        expected = N_ROWS if path.suffix == ".parquet" else seen
        assert rows == expected, "a loaded file lost or invented rows"
    elif path.suffix == ".csv":  # counted as data lines: the file may not even be text
        data = path.read_bytes()
        lines = data.count(b"\n") + (bool(data) and not data.endswith(b"\n"))
        assert rows_in_file == max(lines - 1, 0), "the rows of a rejected file are counted"
    else:
        assert rows_in_file == seen, "a rejected Parquet file's rows are counted when readable"


@PROFILE
@given(change=frame_changes, suffix=st.sampled_from([".csv", ".parquet"]))
def test_spoiled_columns_and_values_load_or_reject_whole_and_keep_every_row(change, suffix):
    offer(as_bytes(changed_frame(change), suffix), suffix, exactly_the_rows_offered)


@PROFILE
@given(change=byte_changes, suffix=st.sampled_from([".csv", ".parquet"]))
def test_flipped_and_truncated_bytes_never_crash_or_lose_rows(change, suffix):
    data = changed_bytes(as_bytes(extract(), suffix), change)
    offer(data, suffix, as_many_as_another_reader_sees)


@contextlib.contextmanager
def ingested_cells(change):
    """A CSV extract with the cells of `change` replaced, ingested alone into a fresh
    warehouse: yields (connection, path, outcome)."""
    data = as_bytes(changed_frame(("cells", change)), ".csv")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / TABLE / "extract.csv"
        path.parent.mkdir()
        path.write_bytes(data)
        conn = duckdb.connect()
        try:
            (outcome,) = ingest_table(conn, path.parent.parent, TABLE)
            yield conn, path, outcome
        finally:
            conn.close()


@PROFILE
@given(
    change=st.lists(
        st.tuples(st.integers(0, N_ROWS - 1), st.sampled_from(COLUMNS), cells),
        min_size=1,
        max_size=8,
    )
)
def test_every_value_received_is_kept_typed_or_as_text(change):
    """A value that does not parse is a row problem: null typed, its text in _unparsed."""
    with ingested_cells(change) as (conn, path, outcome):
        if outcome.status == "rejected":  # a whole column stopped parsing: the file's problem
            assert "is not of type" in outcome.reason or "cannot be" in outcome.reason
            return
        sent = pl.read_csv(path, infer_schema=False)
        for column, logical in LANDING_TABLES[TABLE].items():
            # an empty value is missing; text columns keep any other value verbatim, typed
            # columns treat a blank one and a null token (NULL, N/A) as missing too
            typed = logical not in ("id", "str")
            offered = sum(
                bool(v) and (not typed or (bool(v.strip(" ")) and v.strip() not in NULLS))
                for v in sent[column]
            )
            kept = conn.execute(
                f'select count(*) from raw.{TABLE} where "{column}" is not null '
                f"or json_extract_string(_unparsed, '$.{column}') is not null"
            ).fetchall()[0][0]
            assert kept == offered, column


@PROFILE
@given(
    change=st.lists(
        st.tuples(
            st.integers(0, N_ROWS - 1), st.sampled_from(COLUMNS), st.sampled_from(EDGE_VALUES)
        ),
        min_size=1,
        max_size=10,
    )
)
def test_what_loads_is_what_staging_can_hold(change):
    """Types are promises: every number that loads is finite, in its column's range and fits
    the decimal staging casts it to; a timestamp with an offset lands in the utility's zone."""
    with ingested_cells(change) as (conn, path, outcome):
        if outcome.status == "rejected":
            return
        for name, column in CONTRACT.tables[TABLE].columns.items():
            if column.type not in ("float", "int"):
                continue
            bad = conn.execute(
                f'select count(*) from raw.{TABLE} where "{name}" is not null and '
                f'(not isfinite("{name}") or "{name}" < ? or "{name}" > ?)',
                [column.min, column.max],
            ).fetchall()[0][0]
            assert bad == 0, name
            if column.scale is not None:  # staging's cast never fails
                conn.execute(
                    f'select sum(cast("{name}" as decimal(18, {column.scale}))) from raw.{TABLE}'
                ).fetchall()
        sent = pl.read_csv(path, infer_schema=False)["issued_at"].to_list()
        got = conn.execute(f"select issued_at from raw.{TABLE} order by _row_number").fetchall()
        for text, (value,) in zip(sent, got, strict=True):
            if text and text.strip().endswith(("+02:00", "Z", "+0300")):
                assert value == datetime(2024, 5, 31, 22, 30), text  # the zone is UTC
