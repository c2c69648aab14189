"""`generate`: runs the simulation month by month and writes the landing zone and the truth.

Grain: one call = one synthetic utility (n customers x n months). Each month every table's
batch is produced, written and dropped, so memory stays flat in the number of months.
The truth (archetype per customer, run parameters, row counts) goes outside the landing zone.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from datagen.archetypes import ARCHETYPES, SHARES, check_shares
from datagen.bills import Billing
from datagen.calendar import Window
from datagen.campaigns import CampaignPlan, campaign_start
from datagen.campaigns import write_truth as write_campaign_truth
from datagen.consumption import contracted_capacity, draw_load
from datagen.contract import CORE_TABLES, TABLES
from datagen.customer_extracts import CustomerExtracts
from datagen.faults.injector import FaultInjector
from datagen.ids import format_ids
from datagen.meter_reads import AmiFleet
from datagen.outages import OutageLog
from datagen.payments import PaymentBook
from datagen.population import draw_population
from datagen.tariffs import IS_DEMAND_METERED
from datagen.work_orders import WorkOrderDesk
from datagen.writer import FORMATS, file_path, remove_stale_files, write_frame

GENERATOR_VERSION = "1"


def check_arguments(
    n_customers: int,
    n_months: int,
    start_month: str,
    seed: int,
    fmt: str,
    ami_customers: int,
    fault_rate: float,
    archetype_shares: Sequence[float] = SHARES,
) -> Window:
    """Validate run parameters (ValueError with a readable message); return the window."""
    check_shares(archetype_shares)
    if n_customers < 1:
        raise ValueError("customers must be >= 1")
    if n_months < 1:
        raise ValueError("months must be >= 1")
    if seed < 0:
        raise ValueError("seed must be >= 0")
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}")
    if not 0.0 <= fault_rate <= 1.0:
        raise ValueError("faults must be within 0..1")
    if ami_customers < 0:
        raise ValueError("ami-customers must be >= 0")
    try:
        return Window(start_month, n_months)
    except ValueError as err:
        raise ValueError(f"start must be YYYY-MM, got {start_month!r}") from err


def generate(
    out_dir: str | Path,
    truth_dir: str | Path,
    n_customers: int,
    n_months: int,
    start_month: str = "2023-01",
    seed: int = 42,
    fmt: str = "parquet",
    ami_customers: int = 0,
    fault_rate: float = 0.0,
    archetype_shares: Sequence[float] = SHARES,
    campaigns: bool = False,
) -> dict[str, Any]:
    """Write the landing zone and truth files; return rows per table and files written.

    `archetype_shares`: one share per archetype in ARCHETYPES order (`parse_shares` reads the
    command line's `name=share,...`), normalised to sum to 1. `campaigns`: plant the service
    campaigns of datagen/campaigns.py (landing table `campaigns`, contract v2) with their known
    effects, written to truth/campaign_effects.json; off, the landing zone is contract v1."""
    window = check_arguments(
        n_customers, n_months, start_month, seed, fmt, ami_customers, fault_rate, archetype_shares
    )
    shares = check_shares(archetype_shares)
    out_dir, truth_dir = Path(out_dir), Path(truth_dir)
    pop = draw_population(n_customers, window, seed, shares)
    load = draw_load(pop.arch, pop.has_solar, seed)
    pop.contracted_capacity_kva[:] = contracted_capacity(
        pop.arch, IS_DEMAND_METERED[pop.tariff], load, seed
    )
    customers = CustomerExtracts(pop, window, seed)
    billing = Billing(pop, load, window, seed)
    payments = PaymentBook(pop, window, seed)
    outages = OutageLog(pop, window, seed)
    desk = WorkOrderDesk(pop, window, seed)
    ami = AmiFleet(pop, load, window, ami_customers, seed) if ami_customers else None
    start = campaign_start(window) if campaigns else None
    plan = (
        CampaignPlan(pop, window, start, payments.behaviour.on_time_propensity, seed)
        if start is not None
        else None
    )
    payments.campaigns = desk.campaigns = plan
    tables = CORE_TABLES + (("meter_reads",) if ami else ())
    remove_stale_files(out_dir, tuple(TABLES))
    faults = (
        FaultInjector(out_dir, window, fmt, fault_rate, pop.has_solar, tables, seed)
        if fault_rate
        else None
    )

    files: dict[str, int] = {}
    bad_files: list[Path] = []
    for m in range(n_months):
        frames: dict[str, pl.DataFrame] = {"customers": customers.month(m)}
        batch = billing.month(m)
        frames["bills"] = batch.frame
        outage_frame, affected, events_per_feeder = outages.month(m)
        frames["work_orders"] = desk.month(m, events_per_feeder, payments.unpaid_streak)
        payments.add_bills(batch, m)
        frames["payments"] = payments.month(m)
        frames["outages"], frames["outage_customers"] = outage_frame, affected
        if ami:
            frames["meter_reads"] = ami.month(m)
        for table in tables:
            frame = faults.rows(table, m, frames[table]) if faults else frames[table]
            path = write_frame(frame, file_path(out_dir, table, window.label(m), fmt), fmt)
            files[path.relative_to(out_dir).as_posix()] = frame.height
            if faults:
                bad_files += faults.write_bad_files(table, m, frames[table])
        if plan is not None and m == plan.start:  # assigned on the start's first day
            path = write_frame(
                plan.frame(), file_path(out_dir, "campaigns", window.label(m), fmt), fmt
            )
            files[path.relative_to(out_dir).as_posix()] = plan.frame().height

    tables += ("campaigns",) if plan is not None else ()
    rows = {t: sum(n for f, n in files.items() if f.startswith(f"{t}/")) for t in tables}
    bad = [p.relative_to(out_dir).as_posix() for p in bad_files]
    truth_dir.mkdir(parents=True, exist_ok=True)
    (truth_dir / "faults.json").unlink(missing_ok=True)
    if faults:
        faults.write_ledger(truth_dir)
    write_campaign_truth(truth_dir, plan)
    parameters = {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "customers": n_customers,
        "months": n_months,
        "start": start_month,
        "format": fmt,
        "ami_customers": min(ami_customers, n_customers),
        "fault_rate": fault_rate,
        "archetype_shares": dict(zip(ARCHETYPES, shares, strict=True)),
        "campaigns": plan is not None,
    }
    shocks = payments.shocks.truth([window.label(m) for m in range(n_months)])
    write_frame(shocks, truth_dir / "shocks.parquet", "parquet")
    manifest = {**parameters, "rows": rows, "files": files, "bad_files": bad}
    write_truth(truth_dir, pop.arch, {**manifest, "financial_shocks": shocks.height})
    return {"rows": rows, "files": sorted([*files, *bad]), "rows_per_file": files}


def write_truth(truth_dir: Path, arch: np.ndarray, manifest: dict[str, Any]) -> None:
    """`archetypes.parquet` (customer_id, archetype) and `manifest.json` (run parameters,
    archetype counts, rows per table and per file, bad files)."""
    truth = pl.DataFrame(
        {
            "customer_id": format_ids("customer", np.arange(len(arch))),
            "archetype": pl.Series(ARCHETYPES).gather(arch),
        }
    )
    write_frame(truth, truth_dir / "archetypes.parquet", "parquet")
    counts = dict(truth["archetype"].value_counts().sort("archetype").rows())
    text = json.dumps({**manifest, "archetype_counts": counts}, indent=2, sort_keys=True)
    (truth_dir / "manifest.json").write_text(text)
