"""Arrears-risk models are stored like the segmentation models: JSON files under
data/models/arrears_risk/, the current one named by current.json, and a rebuilt warehouse gets
their model rows back from them (or empty model tables before the first model)."""

import duckdb
import pytest

from ml.arrears_risk import ArrearsRiskModel
from ml.arrears_training import default_risk_config, split_months, train_arrears_risk
from orchestration.defs.arrears_risk.assets import restore_model_rows
from orchestration.defs.segmentation.model_store import load_current_model, save_model
from orchestration.defs.warehouse import query_frame
from tests.ml.test_arrears_risk import CREDIT, MONTHS, panel, simulate


@pytest.fixture(scope="module")
def model() -> ArrearsRiskModel:
    config = default_risk_config()
    split = split_months(MONTHS[12:-3], config)
    data = panel(simulate(1500), [m for months in split.values() for m in months])
    return train_arrears_risk(data, split, config, CREDIT, "2025-09-abc", "2026-01-01T00:00:00")


def test_a_saved_model_is_current_and_reads_back_identically(tmp_path, model):
    save_model(tmp_path, model)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2025-09-abc.json", "current.json"]
    loaded = load_current_model(tmp_path, ArrearsRiskModel)
    assert loaded.to_json() == model.to_json()


def test_a_rebuilt_warehouse_gets_the_model_rows_back(tmp_path, model):
    save_model(tmp_path, model)
    conn = duckdb.connect()
    assert restore_model_rows(conn, tmp_path) == ["2025-09-abc"]
    rows = query_frame(conn, "select * from ml.arrears_risk_models")
    assert rows["model_version"].to_list() == ["2025-09-abc"]
    assert rows["auc_new_arrears"][0] == model.metrics["populations"]["new_arrears"]["auc"]
    assert restore_model_rows(conn, tmp_path) == []  # present: nothing to restore
    bins = query_frame(conn, "select * from ml.arrears_risk_calibration")
    assert bins.height == len(model.metrics["calibration_table"])


def test_before_any_model_the_tables_exist_empty(tmp_path):
    conn = duckdb.connect()
    assert restore_model_rows(conn, tmp_path) == []
    for table in ("arrears_risk_models", "arrears_risk_calibration"):
        assert conn.execute(f"select count(*) from ml.{table}").fetchall() == [(0,)]
