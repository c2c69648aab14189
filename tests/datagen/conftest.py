"""Shared small generated datasets (session-scoped: generated once, read by many tests)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

from datagen import generate

CUSTOMERS = 300
MONTHS = 6  # 2023-01..2023-06: winter (Jan-Feb) and sunny months (Apr-Jun)
AMI = 12


@dataclass(frozen=True)
class Run:
    landing: Path
    truth: Path
    summary: dict

    @property
    def archetypes(self) -> pl.DataFrame:
        return pl.read_parquet(self.truth / "archetypes.parquet")


def _run(root: Path, **kwargs) -> Run:
    landing, truth = root / "landing", root / "truth"
    summary = generate(landing, truth, **kwargs)
    return Run(landing, truth, summary)


@pytest.fixture(scope="session")
def parquet_run(tmp_path_factory) -> Run:
    return _run(
        tmp_path_factory.mktemp("parquet"),
        n_customers=CUSTOMERS,
        n_months=MONTHS,
        seed=42,
        ami_customers=AMI,
    )


@pytest.fixture(scope="session")
def csv_run(tmp_path_factory) -> Run:
    return _run(
        tmp_path_factory.mktemp("csv"),
        n_customers=CUSTOMERS,
        n_months=4,
        seed=42,
        fmt="csv",
        ami_customers=4,
    )
