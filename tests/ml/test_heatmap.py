"""Profile heat map: the traits it keeps, its colours and text contrast, a valid and
deterministic PNG without metadata."""

import polars as pl
import pytest

from ml.heatmap import (
    MAX_TRAITS,
    heatmap_grid,
    index_colour,
    log_index,
    profile_heatmap_png,
    text_colour,
)

PROFILES = pl.DataFrame(
    {
        "segment_id": ["S01", "S02", "S01", "S02"],
        "segment_name": ["Cash payers", "Solar prosumers", "Cash payers", "Solar prosumers"],
        "as_of_month": ["2024-05", "2024-05", "2024-06", "2024-06"],
        "n_customers": [10, 20, 11, 19],
        "kwh_avg_month_index": [80.0, 120.0, 75.0, 130.0],
        "share_solar_index": [0.0, 400.0, 0.0, 390.0],
        "kwh_growth_index": [None, 101.0, None, 99.0],
    }
)


def wide_profiles(n_traits: int = 30) -> pl.DataFrame:
    """Three segments (and the reserved S00) over `n_traits` traits; trait t{j} is far from
    the population for segment S0{j % 3 + 1} only, and each segment's top trait is named."""
    rows = []
    for s in range(3):
        row = {
            "segment_id": f"S0{s + 1}",
            "segment_name": f"Segment {s + 1}",
            "as_of_month": "2024-06",
            "share": 0.3,
            "top_traits": f"t{27 + s} x1.1",
        }
        for j in range(n_traits):
            row[f"t{j}_index"] = 100.0 + (j if j % 3 == s else 0)
        rows.append(row)
    rows.append({"segment_id": "S00", "segment_name": "Insufficient", "as_of_month": "2024-06"})
    return pl.DataFrame(rows)


def test_grid_keeps_the_top_traits_and_the_most_distant_ones():
    grid = heatmap_grid(wide_profiles())
    assert grid.segment_ids == ["S01", "S02", "S03"]  # the reserved segment has no indices
    assert len(grid.traits) == MAX_TRAITS
    assert {"t27", "t28", "t29"} <= set(grid.traits)  # named top traits, though weak
    assert {"t26", "t25", "t24"} <= set(grid.traits)  # then the largest |log index|
    assert "t0" not in grid.traits  # index 100 everywhere
    assert grid.traits == sorted(grid.traits, key=lambda t: int(t[1:]))  # profile order


def test_colours_diverge_on_a_clipped_log_scale_with_readable_text():
    assert index_colour(100.0) == index_colour(100.0000001)
    assert index_colour(800.0) == index_colour(5000.0)  # clipped at x8
    assert index_colour(0.0) == index_colour(-3.0) == index_colour(12.5)  # net exporters
    assert index_colour(None) == index_colour(float("nan"))
    assert log_index(50.0) == pytest.approx(-1.0)
    assert text_colour(index_colour(5000.0)) == "#ffffff"  # dark red
    assert text_colour(index_colour(0.0)) == "#ffffff"  # dark blue
    assert text_colour(index_colour(100.0)) == "#000000"  # white


def test_png_is_valid_and_byte_identical_across_calls():
    labels = {"kwh_avg_month": "Monthly consumption (kWh)"}
    png = profile_heatmap_png(PROFILES, labels)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert png == profile_heatmap_png(PROFILES, labels)
    assert png != profile_heatmap_png(PROFILES)
    assert b"Software" not in png and b"tIME" not in png


def test_image_changes_when_profiles_change():
    other = PROFILES.with_columns(pl.col("share_solar_index") * 0.5)
    assert profile_heatmap_png(other) != profile_heatmap_png(PROFILES)


def test_empty_profiles_are_refused():
    with pytest.raises(ValueError, match="at least one"):
        profile_heatmap_png(PROFILES.head(0))
