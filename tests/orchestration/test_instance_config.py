"""The committed dagster.yaml loads, and it limits the warehouse pool to one writer."""

import shutil
from pathlib import Path

import dagster as dg

from orchestration.defs.warehouse import WAREHOUSE_POOL

DAGSTER_YAML = Path(__file__).resolve().parents[2] / "dagster_home" / "dagster.yaml"


def test_instance_config_loads_with_one_writer_pool(tmp_path, monkeypatch):
    shutil.copy(DAGSTER_YAML, tmp_path / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    instance = dg.DagsterInstance.get()
    try:
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1
        assert instance.event_log_storage.get_pool_config().default_pool_limit == 1
        assert WAREHOUSE_POOL == "warehouse"
    finally:
        instance.dispose()
