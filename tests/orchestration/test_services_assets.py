"""The services asset on a small real warehouse: point in time (a later month's data does not
change an earlier month's signals), the contact period across months, the blocking checks, and
the arrears risk read when the risk model has written it."""

from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from ml.services import load_services_config
from orchestration.defs.services.assets import month_signals_and_actions, services
from orchestration.defs.services.checks import capacity_and_contact_period, services_checks
from orchestration.defs.warehouse import GridSegPaths, connect_duckdb, query_frame
from tests.ml.services_frames import features

MONTHS = ["2024-01", "2024-02", "2024-03", "2025-01", "2025-02", "2025-03", "2025-04"]
CUSTOMERS = ["c01", "c02", "c03"]
CONFIG = load_services_config()


def insert(conn, table: str, frame: pl.DataFrame) -> None:
    conn.register("incoming", frame)
    schema = table.split(".")[0]
    conn.execute(f"create schema if not exists {schema}")
    conn.execute(f"create table if not exists {table} as select * from incoming limit 0")
    conn.execute(f"insert into {table} by name select * from incoming")
    conn.unregister("incoming")


def add_month(conn, month: str, bill: float = 100.0) -> None:
    """A month of every input: bills (c01's bill of 2025-02 is high), features, outages for
    c02, risk scores and segments."""
    bills = [
        (c, month, 250.0 if (c, month) == ("c01", "2025-02") else bill, 1, 0) for c in CUSTOMERS
    ]
    insert(
        conn,
        "intermediate.int_customer_months_billing",
        pl.DataFrame(
            bills,
            schema=[
                "customer_id",
                "billing_month",
                "amount_billed",
                "n_bills",
                "n_estimated_bills",
            ],
            orient="row",
        ),
    )
    insert(
        conn,
        "intermediate.int_customer_months_outages",
        pl.DataFrame(
            [("c02", month, 2, 0, 1, 300)],
            schema=[
                "customer_id",
                "month",
                "n_interruptions",
                "n_planned_interruptions",
                "n_long_interruptions",
                "interruption_minutes",
            ],
            orient="row",
        ),
    )
    insert(
        conn,
        "marts.customer_features",
        features(*({"customer_id": c, "as_of_month": month} for c in CUSTOMERS)),
    )
    insert(
        conn,
        "ml.customer_segments_history",
        pl.DataFrame({"customer_id": CUSTOMERS, "as_of_month": month, "segment_id": "S01"}),
    )
    insert(
        conn,
        "ml.arrears_risk_scores",
        pl.DataFrame(
            {
                "customer_id": CUSTOMERS,
                "as_of_month": month,
                "arrears_risk": [0.1, 0.2, 0.6],
                "arrears_risk_model_version": "r1",
            }
        ),
    )


@pytest.fixture
def warehouse(tmp_path) -> Path:
    conn = connect_duckdb(tmp_path / "warehouse.duckdb")
    for month in MONTHS[:-1]:
        add_month(conn, month)
    conn.close()
    return tmp_path


def test_signals_of_a_month_read_its_inputs(warehouse):
    with connect_duckdb(warehouse / "warehouse.duckdb") as conn:
        signals, actions = month_signals_and_actions(conn, "2025-02", CONFIG)
    rows = {r["customer_id"]: r for r in signals.iter_rows(named=True)}
    assert rows["c01"]["high_bill_alert"] and rows["c01"]["bill_expected"] == pytest.approx(100)
    assert rows["c02"]["high_bill_status"] == "normal"
    assert rows["c02"]["reliability_warning"]  # 2 long interruptions in 3 months
    assert rows["c02"]["n_interruptions_window"] == 4  # 2024-12 has no row: 2 months x 2
    assert rows["c03"]["arrears_risk"] == 0.6 and rows["c03"]["arrears_warning"]
    assert rows["c03"]["arrears_risk_model_version"] == "r1"
    assert set(actions["segment_id"]) == {"S01"}


def test_a_later_month_does_not_change_an_earlier_months_signals(warehouse):
    path = warehouse / "warehouse.duckdb"
    with connect_duckdb(path) as conn:
        before = month_signals_and_actions(conn, "2025-03", CONFIG)
        add_month(conn, "2025-04", bill=900.0)
        after = month_signals_and_actions(conn, "2025-03", CONFIG)
        later, _ = month_signals_and_actions(conn, "2025-04", CONFIG)
    assert before[0].equals(after[0]) and before[1].equals(after[1])
    assert later["bill_actual"].to_list() == [900.0] * 3  # they do count for 2025-04 itself


def test_without_risk_scores_the_arrears_columns_are_null(warehouse):
    with connect_duckdb(warehouse / "warehouse.duckdb") as conn:
        conn.execute("drop table ml.arrears_risk_scores")
        signals, _ = month_signals_and_actions(conn, "2025-02", CONFIG)
    assert signals["arrears_risk"].is_null().all() and not signals["arrears_warning"].any()


def materialise(warehouse: Path, month: str) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [services, *services_checks],
        partition_key=month,
        resources={"gridseg": GridSegPaths(data_dir=str(warehouse))},
    )


def test_each_customer_is_contacted_once_per_period_and_the_checks_pass(warehouse):
    """Contact period 3 months: contacted in 2025-01, not again before 2025-04. In 2025-01
    c01 and c02 get tariff advice (96.00 a year against c02's outage contact, 90.00) and c03
    the payment arrangement (0.6 x 150 x 3 = 270.00). In 2025-04 tariff advice is not repeated
    (repeat_after_months 12): c01 has nothing else, c02 gets its outage contact, c03 the
    payment arrangement again."""
    with connect_duckdb(warehouse / "warehouse.duckdb") as conn:
        add_month(conn, "2025-04")
    for month in ("2025-01", "2025-02", "2025-03", "2025-04"):
        result = materialise(warehouse, month)
        assert all(e.passed for e in result.get_asset_check_evaluations()), month
    with connect_duckdb(warehouse / "warehouse.duckdb", read_only=True) as conn:
        actions = query_frame(
            conn,
            "select as_of_month, customer_id from ml.service_actions_history order by all",
        )
        signals = query_frame(conn, "select * from ml.customer_signals")
    contacted = actions.group_by("as_of_month").agg(pl.col("customer_id")).sort("as_of_month")
    assert contacted.rows() == [("2025-01", CUSTOMERS), ("2025-04", ["c02", "c03"])]
    assert signals.height == 4 * len(CUSTOMERS)


def test_the_capacity_check_blocks_a_list_over_capacity(warehouse):
    materialise(warehouse, "2025-01")
    with connect_duckdb(warehouse / "warehouse.duckdb") as conn:
        conn.execute(
            "insert into ml.service_actions_history select * replace (action_rank + 1000 as "
            "action_rank, '2025-02' as as_of_month) from ml.service_actions_history"
        )
    result = dg.materialize(
        [services, *services_checks],
        selection=dg.AssetSelection.checks(capacity_and_contact_period),
        resources={"gridseg": GridSegPaths(data_dir=str(warehouse))},
        raise_on_error=False,
    )
    (evaluation,) = result.get_asset_check_evaluations()
    assert not evaluation.passed
    assert "contacted again" in evaluation.metadata["contacted_twice"].value


def test_the_contract_describes_the_signal_and_action_columns_in_order():
    from contract.published import published_contract
    from ml.services import SIGNAL_COLUMNS
    from ml.services.actions import ACTION_COLUMNS

    contract = published_contract()
    assert tuple(contract["customer_signals"].columns) == SIGNAL_COLUMNS
    for table in ("service_actions", "service_actions_history"):
        assert tuple(contract[table].columns) == ACTION_COLUMNS
