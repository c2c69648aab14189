"""Segment migrations between consecutive months."""

import polars as pl
import pytest

from ml.migrations import segment_migrations

HISTORY = pl.DataFrame(
    {
        "customer_id": ["a", "b", "c", "d", "a", "b", "c", "e", "a", "b", "e"],
        "as_of_month": ["2023-12"] * 4 + ["2024-01"] * 4 + ["2024-03"] * 3,
        "segment_id": ["S01", "S01", "S02", "S02", "S01", "S02", "S02", "S01", "S02", "S02", "S01"],
    }
)


def test_counts_per_pair_including_stayers_across_a_year_boundary():
    moves = segment_migrations(HISTORY)
    assert moves.columns == ["from_segment", "to_segment", "to_month", "n_customers"]
    assert moves.rows() == [
        ("S01", "S01", "2024-01", 1),  # a stayed
        ("S01", "S02", "2024-01", 1),  # b moved
        ("S02", "S02", "2024-01", 1),  # c stayed; d left, e joined: not counted
    ]


def test_counts_add_up_to_customers_present_in_both_months():
    moves = segment_migrations(HISTORY)
    both = set(HISTORY.filter(pl.col("as_of_month") == "2023-12")["customer_id"]) & set(
        HISTORY.filter(pl.col("as_of_month") == "2024-01")["customer_id"]
    )
    assert moves.filter(pl.col("to_month") == "2024-01")["n_customers"].sum() == len(both)


def test_a_gap_month_gives_no_pair():
    assert "2024-03" not in segment_migrations(HISTORY)["to_month"].to_list()


def test_duplicate_customer_month_is_refused():
    with pytest.raises(ValueError, match="more than one row"):
        segment_migrations(pl.concat([HISTORY, HISTORY.head(1)]))


def test_empty_history_gives_empty_typed_frame():
    moves = segment_migrations(HISTORY.head(0))
    assert moves.height == 0 and moves.schema["n_customers"] == pl.Int64
