import json

import pytest

from orchestration.defs.dbt.cli_args import build_args, partition_vars


def test_partition_window_becomes_dbt_vars():
    args = build_args(partition_vars("2023-01", "2025-12"))
    assert args[0] == "build"
    assert json.loads(args[args.index("--vars") + 1]) == {
        "min_month": "2023-01",
        "max_month": "2025-12",
    }


def test_unpartitioned_build_has_no_vars(monkeypatch):
    monkeypatch.delenv("GRIDSEG_ENGINE", raising=False)
    assert build_args() == ["build", "--target", "local"]


def test_the_engine_selects_the_target_at_each_invocation(monkeypatch):
    monkeypatch.setenv("GRIDSEG_ENGINE", "spark")
    assert build_args()[1:3] == ["--target", "spark"]
    monkeypatch.setenv("GRIDSEG_ENGINE", "duckdb")
    assert build_args()[1:3] == ["--target", "local"]
    monkeypatch.setenv("GRIDSEG_ENGINE", "snowflake")
    with pytest.raises(ValueError, match="GRIDSEG_ENGINE.*duckdb, spark"):
        build_args()


@pytest.mark.parametrize("bad", ["2023-1", "202301", "2023/01", "abcd-ef"])
def test_malformed_month_is_refused(bad):
    with pytest.raises(ValueError, match="YYYY-MM"):
        partition_vars(bad, "2025-12")


def test_empty_window_is_refused():
    with pytest.raises(ValueError, match="empty"):
        partition_vars("2025-12", "2025-01")
