"""Shared fixtures of the data-quality tests: one faulted pipeline run per session."""

import json
import os
import re
import shutil
from pathlib import Path

import dagster as dg
import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

FAULT_RATE = 0.03
CUSTOMERS, MONTHS, PHASE_ONE_MONTHS = 400, 8, 4
CORRECTABLE = ("missing_column", "extra_column", "renamed_column", "wrong_type")


def month_of(path: Path) -> str:
    return re.search(r"_(\d{4}-\d{2})(?:__|\.)", path.name).group(1)


def copy_months(source: Path, target: Path, months: set[str]) -> None:
    for file in sorted(source.rglob("*.*")):
        if month_of(file) in months:
            destination = target / file.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, destination)


def correct(bad_file: Path, good_file: Path) -> None:
    """The source re-sends a rejected file corrected, under the same name (first 25 rows)."""
    good = good_file.read_text(encoding="utf-8").splitlines(keepends=True)
    bad_file.write_text("".join(good[:26]), encoding="utf-8")


@pytest.fixture(scope="session")
def faulted_pipeline(tmp_path_factory):
    """Generated CSV landing data with 3% bad rows and 8 bad files, run in two cycles: the first
    4 months through ingest and staging only, then every month through the whole graph, with
    one rejected file re-sent corrected in between."""
    from datagen import generate
    from orchestration.definitions import build_definitions
    from orchestration.pipeline_runs import LOAD_STAGES, other_stages, run_all
    from orchestration.settings import Paths

    root = tmp_path_factory.mktemp("faulted")
    source = root / "generated" / "landing"
    generate(
        source,
        root / "truth",
        n_customers=CUSTOMERS,
        n_months=MONTHS,
        seed=11,
        fmt="csv",
        ami_customers=5,
        fault_rate=FAULT_RATE,
    )
    faults = json.loads((root / "truth" / "faults.json").read_text())
    months = sorted({month_of(p) for p in (source / "bills").iterdir()})
    paths = Paths.under(root / "data")
    defs = build_definitions(str(paths.data))
    instance = dg.DagsterInstance.ephemeral()

    copy_months(source, paths.landing, set(months[:PHASE_ONE_MONTHS]))
    run_all(defs, paths, instance=instance, report=lambda _: None, skip=other_stages(LOAD_STAGES))
    phase_one = paths.data / "phase_one.duckdb"
    shutil.copy(paths.warehouse, phase_one)

    copy_months(source, paths.landing, set(months[PHASE_ONE_MONTHS:]))
    corrected = next(
        b
        for b in faults["bad_files"]
        if b["kind"] in CORRECTABLE
        and b["month"] in months[:PHASE_ONE_MONTHS]
        and b["file"].endswith(".csv")
    )
    good = Path(corrected["file"].split("__")[0] + ".csv")
    correct(paths.landing / corrected["file"], paths.landing / good)
    run_all(defs, paths, instance=instance, report=lambda _: None)
    return {
        "paths": paths,
        "defs": defs,
        "instance": instance,
        "faults": faults,
        "months": months,
        "phase_one": phase_one,
        "corrected": corrected["file"],
        "truth": root / "truth",
    }
