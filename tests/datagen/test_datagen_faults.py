"""Fault injection: the ledger in faults.json matches the rows and files actually spoiled."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datagen_landing import files_of, latest_customers, read_table
from datagen_validator import bad_rows

from datagen import generate

RATE = 0.03
LATEST_OK = dt.datetime(2024, 6, 1)  # data ends 2023-05; due dates run a little later
TABLES = (
    "customers",
    "bills",
    "payments",
    "outages",
    "outage_customers",
    "work_orders",
    "meter_reads",
)


def _faulty_run(root, fmt):
    landing, truth = root / "landing", root / "truth"
    summary = generate(
        landing,
        truth,
        n_customers=400,
        n_months=5,
        seed=9,
        fmt=fmt,
        ami_customers=4,
        fault_rate=RATE,
    )
    return landing, truth, summary, json.loads((truth / "faults.json").read_text())


@pytest.fixture(scope="module", params=["parquet", "csv"])
def faulty(request, tmp_path_factory):
    return _faulty_run(tmp_path_factory.mktemp(f"faults_{request.param}"), request.param)


def _read(path):
    if path.suffix == ".parquet":
        return pl.read_parquet(path)
    return pl.read_csv(path, infer_schema=False)


def _truth_sets(truth):
    archetypes = pl.read_parquet(truth / "archetypes.parquet")
    solar = set(archetypes.filter(pl.col("archetype") == "solar_adopters")["customer_id"])
    return set(archetypes["customer_id"]), solar


def test_ledger_and_independent_validator_agree_row_by_row(faulty):
    landing, truth, _, ledger = faulty
    known, _ = _truth_sets(truth)
    master = latest_customers(landing) if landing.joinpath("customers").exists() else None
    solar = set(
        master.filter(pl.col("has_solar").cast(pl.String).is_in(["true", "True"]))["customer_id"]
    )
    recorded: dict[str, dict[int, str]] = {}
    conflict_partners: dict[str, set[int]] = {}
    for fault in ledger["row_faults"]:
        recorded.setdefault(fault["file"], {})[fault["row_index"]] = fault["kind"]
        if fault["kind"] == "duplicate_key_conflict":
            conflict_partners.setdefault(fault["file"], set()).add(fault["copy_of_row"])
    checked = 0
    for table in TABLES:
        for path in files_of(landing, table):
            name = f"{table}/{path.name}"
            found = bad_rows(table, _read(path), known, solar, LATEST_OK)
            expected = recorded.get(name, {})
            partners = conflict_partners.get(name, set())
            assert set(found) == set(expected) | partners, name
            for index, kind in expected.items():
                assert found[index] == kind or kind in (
                    "duplicate_key_conflict",
                    "exact_duplicate",
                ), (name, index)
            checked += len(expected)
    assert checked == len(ledger["row_faults"]) > 50


def test_every_kind_is_injected_near_the_rate(faulty):
    _, _, summary, ledger = faulty
    kinds = Counter(f["kind"] for f in ledger["row_faults"])
    assert set(kinds) == {
        "negative_kwh",
        "bad_number",
        "pii_in_field",
        "tou_mismatch",
        "unknown_customer",
        "bad_date",
        "future_timestamp",
        "duplicate_key_conflict",
        "invalid_enum",
        "exact_duplicate",
    }
    total_rows = sum(summary["rows"].values())
    assert 0.5 * RATE < len(ledger["row_faults"]) / total_rows < 1.5 * RATE


def test_accounting_balances_for_every_file(faulty):
    landing, _, summary, ledger = faulty
    assert set(ledger["files"]) == set(summary["rows_per_file"])
    for name, account in ledger["files"].items():
        assert account["rows"] == summary["rows_per_file"][name] == _read(landing / name).height
        assert account["rows"] == (
            account["clean"] + sum(account["bad"].values()) + account["exact_duplicates"]
        )
        in_ledger = Counter(f["kind"] for f in ledger["row_faults"] if f["file"] == name)
        assert in_ledger.pop("exact_duplicate", 0) == account["exact_duplicates"]
        assert dict(in_ledger) == account["bad"]


def test_csv_runs_carry_unparseable_dates(faulty):
    landing, _, _, ledger = faulty
    garbled = [f for f in ledger["row_faults"] if f.get("detail") == "unparseable text"]
    if ledger["format"] == "parquet":
        assert garbled == []
        return
    assert garbled
    for fault in garbled:
        value = _read(landing / fault["file"])[fault["column"]][fault["row_index"]]
        with pytest.raises(ValueError):
            dt.datetime.fromisoformat(value)


def test_bad_files_are_recorded_and_really_bad(faulty):
    landing, _, summary, ledger = faulty
    kinds = {b["kind"]: landing / b["file"] for b in ledger["bad_files"]}
    assert set(kinds) == {
        "ragged_row",
        "non_utf8",
        "empty_file",
        "truncated_parquet",
        "missing_column",
        "extra_column",
        "renamed_column",
        "wrong_type",
    }
    for kind, path in kinds.items():
        assert path.exists() and f"__bad_{kind}." in path.name
        assert path.relative_to(landing).as_posix() in summary["files"]
    assert kinds["empty_file"].stat().st_size == 0
    with pytest.raises(pa.ArrowInvalid):
        pq.read_table(kinds["truncated_parquet"])
    with pytest.raises(UnicodeDecodeError):
        kinds["non_utf8"].read_bytes().decode("utf-8")
    lines = kinds["ragged_row"].read_text().splitlines()
    assert len({line.count(",") for line in lines}) > 1
    for kind in ("missing_column", "extra_column", "renamed_column"):
        table = kinds[kind].parent.name
        good = _read(files_of(landing, table)[0]).columns
        assert _read(kinds[kind]).columns != good
    wrong = _read(kinds["wrong_type"])
    assert "abc" in set(wrong.select(pl.all().cast(pl.String)).row(0))


def test_unknown_customers_partly_arrive_later(faulty):
    landing, _, _, ledger = faulty
    customers = read_table(landing, "customers")
    arrived = [u for u in ledger["unknown_customers"] if u["arrives_in_month"]]
    assert arrived and len(arrived) < len(ledger["unknown_customers"])
    for unknown in ledger["unknown_customers"]:
        rows = customers.filter(pl.col("customer_id") == unknown["customer_id"])
        if unknown["arrives_in_month"] is None:
            assert rows.height == 0
        else:
            assert set(rows["file_month"]) == {unknown["arrives_in_month"]}
            assert unknown["arrives_in_month"] > unknown["first_referenced_month"]


def test_clean_run_has_no_faults_and_passes_the_validator(parquet_run):
    assert not (parquet_run.truth / "faults.json").exists()
    known, _ = _truth_sets(parquet_run.truth)
    solar = set(latest_customers(parquet_run.landing).filter("has_solar")["customer_id"])
    for table in TABLES:
        for path in files_of(parquet_run.landing, table):
            assert "__bad_" not in path.name
            assert bad_rows(table, _read(path), known, solar, LATEST_OK) == {}, path.name
    manifest = json.loads((parquet_run.truth / "manifest.json").read_text())
    assert manifest["bad_files"] == [] and manifest["fault_rate"] == 0.0


def test_faulty_runs_are_deterministic(tmp_path):
    first = _faulty_run(tmp_path / "a", "csv")
    second = _faulty_run(tmp_path / "b", "csv")
    assert first[3] == second[3]
    for name in first[2]["files"]:
        assert (first[0] / name).read_bytes() == (second[0] / name).read_bytes(), name
