"""Profile heat map PNG: valid, deterministic, no metadata."""

import polars as pl
import pytest

from ml.heatmap import profile_heatmap_png

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


def test_png_is_valid_and_byte_identical_across_calls():
    png = profile_heatmap_png(PROFILES)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert png == profile_heatmap_png(PROFILES)
    assert b"Software" not in png and b"tIME" not in png


def test_image_changes_when_profiles_change():
    other = PROFILES.with_columns(pl.col("share_solar_index") * 0.5)
    assert profile_heatmap_png(other) != profile_heatmap_png(PROFILES)


def test_empty_profiles_are_refused():
    with pytest.raises(ValueError, match="at least one"):
        profile_heatmap_png(PROFILES.head(0))
