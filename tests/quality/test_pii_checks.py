"""The no_pii checks: every published row of every month, PII judged per customer (never a global
set of every value received), findings that name table, column and rule but never a value, and
reasoned waivers."""

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.defs.quality.pii_checks import (
    CUSTOMER_PII,
    EMAIL_PATTERN,
    WAIVERS_FILE,
    Waiver,
    WaiverError,
    build_pii_check,
    load_waivers,
    pii_findings,
    recompute_hint,
    run_months,
    scan_table,
    value_sha256,
)
from orchestration.defs.warehouse import GridSegPaths, connect_duckdb
from orchestration.pipeline_runs import RANGE_END, RANGE_START

HISTORY = "ml.customer_segments_history"
MONTHS = [f"2024-{m:02d}" for m in range(1, 13)]

# customer_id, region, full_name, phone, email, address, _batch_id: one row per received row
RECEIVED = [
    ("C1", "Northport", "Cy Dee", "555-123-4567", "cy@example.com", "1 Main St, North", "a"),
    ("C2", "Riverside", "Di Fox", None, None, "2 Mill Rd", "a"),
    ("C3", "Riverside", "Eve Ng", None, None, None, "a"),
]


def create_raw(conn: duckdb.DuckDBPyConnection, received: list[tuple]) -> None:
    """raw.customers with the columns the check reads."""
    conn.execute("create schema if not exists raw")
    conn.execute(
        "create or replace table raw.customers (customer_id varchar, region varchar, "
        "full_name varchar, phone varchar, email varchar, address varchar, _batch_id varchar)"
    )
    conn.executemany("insert into raw.customers values (?, ?, ?, ?, ?, ?, ?)", received)


def create_history(conn: duckdb.DuckDBPyConnection, rows: list[tuple[str, str, str]]) -> None:
    """ml.customer_segments_history of (customer_id, as_of_month, region) rows."""
    conn.execute("create schema if not exists ml")
    conn.execute(
        f"create or replace table {HISTORY} (customer_id varchar, as_of_month varchar, "
        "segment_name varchar, region varchar, model_version varchar, value_score double)"
    )
    conn.executemany(
        f"insert into {HISTORY} values (?, ?, 'Green Savers', ?, '2024-06-05358479', 50)", rows
    )


def every_month(customer: str, region: str) -> list[tuple[str, str, str]]:
    return [(customer, month, region) for month in MONTHS]


@pytest.fixture
def conn():
    connection = duckdb.connect()
    create_raw(connection, RECEIVED)
    create_history(
        connection,
        [r for c, region, *_ in RECEIVED for r in every_month(c, region)],
    )
    yield connection
    connection.close()


def test_a_clean_history_has_no_findings(conn):
    assert pii_findings(conn, HISTORY) == []


def test_pii_columns_and_pattern_values_are_found_without_showing_them(conn):
    conn.execute(
        "create table ml.t as select * from (values "
        "('Cy Dee', null, 'x'), ('North', 'bob@corp.org', '(555) 987-6543'), "
        "('x', null, '555 987 6543')) t(note, Email, contact)"
    )
    findings = pii_findings(conn, "ml.t")
    assert findings == [
        "ml.t: column Email is a PII column (rule pii_column)",
        "ml.t: column Email: 1 row(s) hold a value that is or looks like PII (rule email_pattern)",
        "ml.t: column contact: 2 row(s) hold a value that is or looks like PII (rule phone_pattern)",
    ]
    assert not any(v in "".join(findings) for v in ("bob@", "555", "987"))


def test_a_name_typed_into_region_is_found_in_every_published_month(conn):
    """Problem 1: the name sat in region in one extract, was fixed a month later, and the
    history kept it for 11 months; the old check looked at the latest month only."""
    create_raw(
        conn,
        [
            *RECEIVED,
            ("C4", "Ann Lee", "Ann Lee", None, None, None, "a"),
            ("C4", "Northport", "Ann Lee", None, None, None, "b"),
        ],
    )
    create_history(
        conn,
        [r for c, region, *_ in RECEIVED for r in every_month(c, region)]
        + [("C4", m, "Ann Lee") for m in MONTHS[:11]]
        + [("C4", MONTHS[11], "Northport")],
    )
    (finding,) = scan_table(conn, HISTORY).findings
    assert (finding.column, finding.rule, finding.rows) == ("region", CUSTOMER_PII, 11)
    assert str(finding) == (
        f"{HISTORY}: column region: 11 row(s) hold a value that is or looks like PII "
        "(rule customer_pii) in as_of_month 2024-01..2024-11"
    )
    assert "Ann" not in str(finding)
    assert "make backfill FROM=2024-01 TO=2024-11" in recompute_hint([finding])
    # the months the run built only (the feature mart's scope) see the last month alone
    assert pii_findings(conn, HISTORY, months=("2024-12", "2024-12")) == []


def test_a_customer_named_like_a_region_does_not_flag_the_region_for_everyone(conn):
    """Problem 2: 'Riverside' received as a full name blocked every customer of Riverside."""
    create_raw(conn, [*RECEIVED, ("C5", "Northport", "Riverside", None, None, None, "a")])
    create_history(
        conn,
        [r for c, region, *_ in RECEIVED for r in every_month(c, region)]
        + every_month("C5", "Northport"),
    )
    assert pii_findings(conn, HISTORY) == []


def test_a_swapped_extract_does_not_block_after_the_corrected_resend(conn):
    """Problem 2: full_name and region swapped in one extract, then re-sent corrected. The
    region the swapped row wrote into full_name is the customer's region, attested by other
    customers of Northport; the name the history still holds from the swapped row is found."""
    swapped = ("C6", "Bo Chan", "Northport", None, None, None, "a")
    corrected = ("C6", "Northport", "Bo Chan", None, None, None, "b")
    create_raw(conn, [*RECEIVED, swapped, corrected])
    recomputed = [r for c, region, *_ in RECEIVED for r in every_month(c, region)]
    create_history(conn, recomputed + every_month("C6", "Northport"))
    assert pii_findings(conn, HISTORY) == []
    create_history(conn, recomputed + every_month("C6", "Bo Chan"))
    assert [(f.column, f.rule, f.rows) for f in scan_table(conn, HISTORY).findings] == [
        ("region", CUSTOMER_PII, 12)
    ]


def test_a_customer_named_like_its_own_lone_district_fires_until_waived(conn):
    """Nobody else lives in 'Lakeside': equal to the customer's own name, nothing attests it as
    a region. A waiver with a reason, by customer or by value, lets it pass."""
    create_raw(conn, [*RECEIVED, ("C7", "Lakeside", "Lakeside", None, None, None, "a")])
    create_history(
        conn,
        [r for c, region, *_ in RECEIVED for r in every_month(c, region)]
        + every_month("C7", "Lakeside"),
    )
    assert [(f.column, f.rule) for f in scan_table(conn, HISTORY).findings] == [
        ("region", CUSTOMER_PII)
    ]
    reason = "Lakeside parish council, named after its district (DPO ticket 12)"
    for key in ({"customer_id": "C7"}, {"value_sha256": value_sha256("Lakeside")}):
        waiver = Waiver(HISTORY, "region", CUSTOMER_PII, reason, **key)
        scan = scan_table(conn, HISTORY, waivers=[waiver])
        assert scan.findings == []
        assert scan.waived == {waiver: 12}
    other_customer = Waiver(HISTORY, "region", CUSTOMER_PII, reason, customer_id="C1")
    assert scan_table(conn, HISTORY, waivers=[other_customer]).findings != []


def test_tables_without_customers_get_the_pattern_and_column_rules_only(conn):
    conn.execute(
        "create table ml.segment_profiles as select * from (values "
        "('2024-12', 'Cy Dee', 'call 555-123-4567'), ('2024-12', 'Savers', 'mail ann@x.org')) "
        "t(as_of_month, segment_name, strategy)"
    )
    findings = scan_table(conn, "ml.segment_profiles").findings
    assert [(f.column, f.rule, f.rows) for f in findings] == [("strategy", EMAIL_PATTERN, 1)]


def write_waivers(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "pii_waivers.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_a_waiver_without_a_reason_is_refused(tmp_path):
    path = write_waivers(
        tmp_path,
        "waivers:\n  - {table: ml.customer_segments_history, column: region, "
        "rule: customer_pii, customer_id: C7}\n",
    )
    with pytest.raises(WaiverError, match=r"waiver 1 .* has no reason"):
        load_waivers(path)


@pytest.mark.parametrize(
    ("entry", "error"),
    [
        ("{table: t, column: c, rule: customer_pii, reason: r}", "exactly one of customer_id"),
        ("{table: t, column: c, rule: names, customer_id: C1, reason: r}", "is not one of"),
        ("{table: t, column: c, rule: customer_pii, value_sha256: ab, reason: r}", "64 lower"),
        ("{table: t, column: c, rule: pii_column, reason: r, whom: x}", "unknown key"),
    ],
)
def test_a_waiver_that_could_hide_more_than_it_names_is_refused(tmp_path, entry, error):
    with pytest.raises(WaiverError, match=error):
        load_waivers(write_waivers(tmp_path, f"waivers:\n  - {entry}\n"))


def test_the_shipped_waivers_file_loads():
    assert isinstance(load_waivers(WAIVERS_FILE), list)


def test_the_run_window_comes_from_the_run_tags():
    assert run_months({RANGE_START: "2024-01", RANGE_END: "2024-03"}) == ("2024-01", "2024-03")
    assert run_months({"dagster/partition": "2024-05"}) == ("2024-05", "2024-05")
    assert run_months({}) is None


def run_history_check(tmp_path: Path, waivers: Path) -> dg.ExecuteInProcessResult:
    """Materialise a stand-in for the history asset with its no_pii check, on the warehouse in
    tmp_path."""

    @dg.asset(key=["ml", "customer_segments_history"])
    def history() -> None:
        return None

    return dg.materialize(
        [history, build_pii_check(("ml", "customer_segments_history"), waivers)],
        resources={"gridseg": GridSegPaths(data_dir=str(tmp_path))},
        raise_on_error=False,
    )


def lone_district_warehouse(tmp_path: Path) -> None:
    with connect_duckdb(tmp_path / "warehouse.duckdb") as conn:
        create_raw(conn, [*RECEIVED, ("C7", "Lakeside", "Lakeside", None, None, None, "a")])
        create_history(conn, every_month("C1", "Northport") + every_month("C7", "Lakeside"))


def check_evaluation(result: dg.ExecuteInProcessResult) -> dg.AssetCheckEvaluation:
    (evaluation,) = result.get_asset_check_evaluations()
    return evaluation


def test_the_check_blocks_names_the_months_and_lists_the_waivers_it_applied(tmp_path):
    lone_district_warehouse(tmp_path)
    blocked = check_evaluation(run_history_check(tmp_path, tmp_path / "none.yaml"))
    assert not blocked.passed
    assert "rule customer_pii" in blocked.metadata["findings"].value
    assert "make backfill FROM=2024-01 TO=2024-12" in blocked.description
    assert blocked.metadata["scope"].value == "every row"

    waivers = write_waivers(
        tmp_path,
        "waivers:\n  - table: ml.customer_segments_history\n    column: region\n"
        "    rule: customer_pii\n    customer_id: C7\n"
        "    reason: Lakeside parish council, named after its district\n",
    )
    passed = check_evaluation(run_history_check(tmp_path, waivers))
    assert passed.passed
    assert "customer C7" in passed.metadata["waivers_applied"].value
    assert "12 row(s)" in passed.metadata["waivers_applied"].value


def test_the_check_fails_on_a_waiver_without_a_reason(tmp_path):
    lone_district_warehouse(tmp_path)
    waivers = write_waivers(
        tmp_path,
        "waivers:\n  - {table: ml.customer_segments_history, column: region, "
        "rule: customer_pii, customer_id: C7, reason: '  '}\n",
    )
    result = run_history_check(tmp_path, waivers)
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert "has no reason" in str(failure.step_failure_data.error)
