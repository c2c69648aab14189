"""Ingestion of landing files into raw: all or nothing per file, idempotent, clear rejections."""

import csv
import io
import json
from pathlib import Path

import duckdb
import polars as pl
import pytest

from orchestration.defs.ingest.landing_contract import LANDING_TABLES
from orchestration.defs.ingest.loader import ingest_table

HEADER = "payment_id,customer_id,bill_id,paid_at,amount,channel\n"


@pytest.fixture
def conn():
    connection = duckdb.connect()
    yield connection
    connection.close()


def write(landing: Path, name: str, text: str | bytes, table: str = "payments") -> Path:
    folder = landing / table
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def rows(conn, sql):
    return conn.execute(sql).fetchall()


def test_csv_rows_land_typed_with_lineage(conn, tmp_path):
    write(
        tmp_path,
        "p_2024-01.csv",
        HEADER + "P1,C1,B1,2024-01-02 10:00:00,10.5,cash\nP2,C1,,2024-01-03,5,card\n",
    )
    (outcome,) = ingest_table(conn, tmp_path, "payments")
    assert (outcome.status, outcome.rows) == ("loaded", 2)
    got = rows(
        conn,
        "select payment_id, bill_id, amount, _source_file, _row_number, _batch_id from raw.payments order by 1",
    )
    assert got == [
        ("P1", "B1", 10.5, "p_2024-01.csv", 1, outcome.batch_id),
        ("P2", None, 5.0, "p_2024-01.csv", 2, outcome.batch_id),
    ]


def test_same_file_twice_changes_nothing(conn, tmp_path):
    path = write(tmp_path, "a.csv", HEADER + "P1,C1,B1,2024-01-02,10,cash\n")
    ingest_table(conn, tmp_path, "payments")
    # the same content under another name loads nothing, but the file is accounted for
    write(tmp_path, "a_copy.csv", path.read_bytes())
    outcomes = ingest_table(conn, tmp_path, "payments")
    assert sorted((o.file_name, o.status) for o in outcomes) == [
        ("a.csv", "already_loaded"),
        ("a_copy.csv", "duplicate"),
    ]
    assert "the same content as a.csv" in next(o.reason for o in outcomes if o.reason)
    assert {o.status for o in ingest_table(conn, tmp_path, "payments")} == {"already_loaded"}
    assert rows(conn, "select count(*) from raw.payments") == [(1,)]
    assert rows(
        conn, "select file_name, status, rows, rows_in_file from raw.ingest_files order by 1"
    ) == [("a.csv", "loaded", 1, 1), ("a_copy.csv", "duplicate", 0, 1)]


def test_parquet_with_typed_columns_loads(conn, tmp_path):
    frame = pl.DataFrame(
        {
            "payment_id": ["P1"],
            "customer_id": ["C1"],
            "bill_id": [None],
            "paid_at": [None],
            "amount": [12.25],
            "channel": ["online"],
        },
        schema_overrides={"bill_id": pl.String, "paid_at": pl.Datetime("us")},
    )
    (tmp_path / "payments").mkdir()
    frame.write_parquet(tmp_path / "payments" / "p.parquet")
    (outcome,) = ingest_table(conn, tmp_path, "payments")
    assert outcome.status == "loaded"
    assert rows(conn, "select amount from raw.payments") == [(12.25,)]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", "", "payments/empty.csv: the file is empty"),
        (
            "ragged.csv",
            HEADER + "P1,C1,B1,2024-01-02,1,cash\nP2,C1,B1,2024-01-02,1,cash,extra\n",
            "Expected Number of Columns: 6 Found: 7",
        ),
        (
            "latin1.csv",
            HEADER.encode() + "P1,C\xe9,B1,2024-01-02,1,cash\n".encode("latin-1"),
            "not utf-8",
        ),
        (
            "renamed.csv",
            HEADER.replace("customer_id", "cust_id") + "P1,C1,B1,2024-01-02,1,cash\n",
            "missing column(s) customer_id; unexpected column(s) cust_id",
        ),
        (
            "missing.csv",
            "payment_id,customer_id,bill_id,paid_at,amount\nP1,C1,B1,2024-01-02,1\n",
            "missing column(s) channel",
        ),
        (
            "wrongtype.csv",
            HEADER + "".join(f"P{i},C1,B1,2024-01-02,abc{i},cash\n" for i in range(12)),
            "column amount is not of type float: none of its 12 values parse",
        ),
    ],
)
def test_bad_files_are_rejected_whole_and_kept(conn, tmp_path, name, content, message):
    path = write(tmp_path, name, content)
    (outcome,) = ingest_table(conn, tmp_path, "payments")
    assert outcome.status == "rejected"
    assert message.lower() in outcome.reason.lower()
    assert outcome.reason.startswith(f"payments/{name}")
    assert path.exists(), "a rejected file is kept"
    assert rows(conn, "select count(*) from raw.payments") == [(0,)]
    logged = rows(conn, "select file_name, status, reason from raw.ingest_files")
    assert logged == [(name, "rejected", outcome.reason)]


def test_truncated_parquet_is_rejected(conn, tmp_path):
    (tmp_path / "payments").mkdir()
    good = tmp_path / "payments" / "p.parquet"
    pl.DataFrame({c: ["x"] for c in LANDING_TABLES["payments"]}).write_parquet(good)
    data = good.read_bytes()
    good.write_bytes(data[: len(data) // 2])
    (outcome,) = ingest_table(conn, tmp_path, "payments")
    assert outcome.status == "rejected"
    assert "cannot be read as Parquet" in outcome.reason


def test_parquet_with_wrong_column_type_is_rejected(conn, tmp_path):
    (tmp_path / "payments").mkdir()
    frame = pl.DataFrame({c: ["x"] for c in LANDING_TABLES["payments"]})
    frame.write_parquet(tmp_path / "payments" / "p.parquet")
    (outcome,) = ingest_table(conn, tmp_path, "payments")
    assert outcome.status == "rejected"
    assert "column amount has type VARCHAR, the contract expects float" in outcome.reason


def test_corrected_file_loads_after_a_rejection(conn, tmp_path):
    renamed = HEADER.replace("amount", "amt")
    path = write(tmp_path, "p.csv", renamed + "P1,C1,B1,2024-01-02,10,cash\n")
    assert ingest_table(conn, tmp_path, "payments")[0].status == "rejected"
    path.write_text(HEADER + "P1,C1,B1,2024-01-02,10,cash\n")
    assert ingest_table(conn, tmp_path, "payments")[0].status == "loaded"
    assert rows(conn, "select count(*) from raw.payments") == [(1,)]


def test_a_single_bad_value_is_a_row_problem_not_a_file_problem(conn, tmp_path):
    write(tmp_path, "p.csv", HEADER + "P1,C1,B1,2024-01-02,abc,cash\nP2,C1,B1,2024-01-02,10,cash\n")
    (outcome,) = ingest_table(conn, tmp_path, "payments")
    assert (outcome.status, outcome.rows) == ("loaded", 2)  # staging quarantines P1 as bad_number
    # nothing is lost: the typed value is null and the text that did not parse is kept
    assert rows(conn, "select payment_id, amount, _unparsed from raw.payments order by 1") == [
        ("P1", None, '{"amount":"abc"}'),
        ("P2", 10.0, None),
    ]


# --- the generator's bad files (datagen --faults): each is rejected whole, with a clear reason

BAD_FILE_REASONS = {
    "ragged_row": "expected number of columns",
    "non_utf8": "not utf-8",
    "empty_file": "the file is empty (0 bytes)",
    "truncated_parquet": "cannot be read as parquet",
    "missing_column": "columns do not match the contract: missing column(s)",
    "extra_column": "unexpected column(s) loyalty_tier",
    "renamed_column": "columns do not match the contract: missing column(s)",
    "wrong_type": "is not of type float",
}


@pytest.fixture(scope="module")
def faulted_landing(tmp_path_factory):
    from datagen import generate

    root = tmp_path_factory.mktemp("faulted")
    generate(
        root / "landing",
        root / "truth",
        n_customers=120,
        n_months=4,
        seed=3,
        fmt="csv",
        fault_rate=0.05,
    )
    return root / "landing", json.loads((root / "truth" / "faults.json").read_text())


def test_generator_bad_files_are_rejected_naming_file_and_problem(conn, faulted_landing):
    landing, faults = faulted_landing
    outcomes = [o for table in LANDING_TABLES for o in ingest_table(conn, landing, table)]
    rejected = {f"{o.table}/{o.file_name}": o.reason for o in outcomes if o.status == "rejected"}
    assert set(rejected) == {bad["file"] for bad in faults["bad_files"]}, "only the bad files"
    for bad in faults["bad_files"]:
        reason = rejected[bad["file"]]
        assert reason.startswith(bad["file"] + ": "), reason
        assert BAD_FILE_REASONS[bad["kind"]] in reason.lower(), (bad["kind"], reason)
        assert (landing / bad["file"]).exists(), "a rejected file is kept"
        if bad["kind"] in ("missing_column", "renamed_column", "wrong_type"):
            column = bad["detail"].split()[1]  # "column <name> ..."
            assert column in reason, (bad["kind"], reason)
    # reasons are shown to BI users: never a line of a customers file (names, phones, emails)
    assert not any("@" in reason or "Original Line" in reason for reason in rejected.values())


def test_rows_of_rejected_files_stay_accounted_for(conn, faulted_landing):
    landing, faults = faulted_landing
    for table in LANDING_TABLES:
        ingest_table(conn, landing, table)
    logged = {
        f"{t}/{f}": (status, n, in_file)
        for t, f, status, n, in_file in rows(
            conn, "select table_name, file_name, status, rows, rows_in_file from raw.ingest_files"
        )
    }
    for bad in faults["bad_files"]:
        status, loaded, in_file = logged.pop(bad["file"])
        assert (status, loaded) == ("rejected", 0)
        assert in_file == _records(landing / bad["file"]), bad
    for name, (status, loaded, in_file) in logged.items():
        assert status == "loaded" and loaded == in_file == faults["files"][name]["rows"], name


def _records(path: Path) -> int | None:
    """Data rows by an independent reader (None: a Parquet file too broken to count)."""
    if path.suffix == ".parquet":
        return None  # the generator's only bad Parquet file is truncated
    text = path.read_bytes().decode("utf-8", errors="replace")
    return max(len(list(csv.reader(io.StringIO(text)))) - 1, 0)


def test_dropping_the_same_bad_file_again_changes_nothing(conn, faulted_landing):
    landing, _ = faulted_landing
    first = [o for table in LANDING_TABLES for o in ingest_table(conn, landing, table)]
    log_before = rows(conn, "select count(*), sum(rows) from raw.ingest_files")
    second = [o for table in LANDING_TABLES for o in ingest_table(conn, landing, table)]
    assert {o.status for o in second} == {"already_loaded", "already_rejected"}
    assert sum(o.status == "already_rejected" for o in second) == sum(
        o.status == "rejected" for o in first
    )
    assert rows(conn, "select count(*), sum(rows) from raw.ingest_files") == log_before
