"""Truth files, manifest accounting, the returned summary and the command line."""

from __future__ import annotations

import json

import polars as pl
import pytest
from datagen_landing import files_of

from datagen.cli import main


def test_manifest_counts_equal_the_files(parquet_run):
    manifest = json.loads((parquet_run.truth / "manifest.json").read_text())
    assert manifest["seed"] == 42 and manifest["customers"] == 300
    assert manifest["months"] == 6 and manifest["start"] == "2023-01"
    for name, rows in manifest["files"].items():
        assert pl.read_parquet(parquet_run.landing / name).height == rows, name
    for table, total in manifest["rows"].items():
        files = files_of(parquet_run.landing, table)
        assert sum(pl.read_parquet(p).height for p in files) == total
        assert len(files) == 6
    assert manifest["rows"] == parquet_run.summary["rows"]
    assert sorted(manifest["files"]) == parquet_run.summary["files"]


def test_truth_lives_outside_the_landing_zone(parquet_run):
    assert sorted(p.name for p in parquet_run.truth.iterdir()) == [
        "archetypes.parquet",
        "manifest.json",
        "shocks.parquet",
    ]
    truth = pl.read_parquet(parquet_run.truth / "archetypes.parquet")
    assert truth.columns == ["customer_id", "archetype"]
    assert truth["customer_id"].is_sorted()


def test_cli_writes_csv_and_reports_rows(tmp_path, capsys):
    code = main(
        [
            "--customers",
            "30",
            "--months",
            "2",
            "--start",
            "2024-12",
            "--seed",
            "3",
            "--out",
            str(tmp_path / "l"),
            "--truth",
            str(tmp_path / "t"),
            "--format",
            "csv",
            "--ami-customers",
            "2",
        ]
    )
    assert code == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows["meter_reads"] > 0 and rows["bills"] > 0
    names = sorted(p.name for p in (tmp_path / "l" / "bills").iterdir())
    assert names == ["bills_2024-12.csv", "bills_2025-01.csv"]
    manifest = json.loads((tmp_path / "t" / "manifest.json").read_text())
    assert manifest["format"] == "csv" and manifest["start"] == "2024-12"


@pytest.mark.parametrize(
    "args",
    [
        ["--customers", "0"],
        ["--start", "2023-13"],
        ["--faults", "1.5"],
        ["--format", "xlsx"],
        ["--months", "0"],
        ["--seed", "-1"],
        ["--archetype-shares", "industrial_hv=0.5,nobody=0.5"],
        ["--archetype-shares", "industrial_hv=0.5,solar_adopters=0.4"],
        ["--archetype-shares", "industrial_hv=1.2,solar_adopters=-0.2"],
        ["--archetype-shares", "industrial_hv=0.5,industrial_hv=0.5"],
        ["--archetype-shares", "industrial_hv:1"],
    ],
)
def test_cli_rejects_bad_arguments(tmp_path, args):
    with pytest.raises(SystemExit) as exit_info:
        main(["--out", str(tmp_path / "l"), "--truth", str(tmp_path / "t"), *args])
    assert exit_info.value.code == 2
    assert not (tmp_path / "l").exists()


def test_cli_archetype_shares_set_the_mix(tmp_path):
    shares = "industrial_hv=0.1,solar_adopters=0.3,stressed_cash_payers=0.599"
    args = ["--customers", "200", "--months", "1", "--archetype-shares", shares]
    assert main([*args, "--out", str(tmp_path / "l"), "--truth", str(tmp_path / "t")]) == 0
    manifest = json.loads((tmp_path / "t" / "manifest.json").read_text())
    # unnamed archetypes get 0; 0.999 is within the tolerance and normalised to 1
    assert manifest["archetype_counts"] == {
        "industrial_hv": 20,
        "solar_adopters": 60,
        "stressed_cash_payers": 120,
    }
    assert sum(manifest["archetype_shares"].values()) == pytest.approx(1.0, abs=1e-12)
    assert manifest["archetype_shares"]["comfortable_owners"] == 0.0
    truth = pl.read_parquet(tmp_path / "t" / "archetypes.parquet")
    assert truth["archetype"].value_counts().height == 3
