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


def test_unpartitioned_build_has_no_vars():
    assert build_args() == ["build"]


@pytest.mark.parametrize("bad", ["2023-1", "202301", "2023/01", "abcd-ef"])
def test_malformed_month_is_refused(bad):
    with pytest.raises(ValueError, match="YYYY-MM"):
        partition_vars(bad, "2025-12")


def test_empty_window_is_refused():
    with pytest.raises(ValueError, match="empty"):
        partition_vars("2025-12", "2025-01")

