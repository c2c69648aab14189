"""Command line: `python -m datagen --customers N --months M ... --out DIR --truth DIR`.

Prints the rows written per table as JSON; returns 0 on success, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

from datagen.archetypes import ARCHETYPES, SHARES, parse_shares
from datagen.engine import check_arguments, generate


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; defaults are the full-size run (30k customers, 2023-2025)."""
    p = argparse.ArgumentParser(
        prog="python -m datagen",
        description="Generate synthetic GridSeg landing data with planted customer archetypes.",
    )
    p.add_argument("--customers", type=int, default=30_000, help="number of customers")
    p.add_argument("--months", type=int, default=36, help="number of monthly batches")
    p.add_argument("--start", default="2023-01", help="first month, YYYY-MM")
    p.add_argument("--seed", type=int, default=42, help="random seed (>= 0)")
    p.add_argument("--out", default="data/landing", help="landing-zone directory")
    p.add_argument("--truth", default="data/truth", help="truth directory (archetypes, manifest)")
    p.add_argument("--format", choices=("parquet", "csv"), default="parquet", dest="fmt")
    p.add_argument(
        "--ami-customers",
        type=int,
        default=0,
        help="write hourly meter_reads for the first K customers",
    )
    p.add_argument(
        "--faults",
        type=float,
        default=0.0,
        help="fault-injection rate 0..1 (bad rows and bad files)",
    )
    p.add_argument(
        "--no-campaigns",
        dest="campaigns",
        action="store_false",
        help="plant no service campaigns: a contract v1 landing zone without the campaigns table "
        "(by default three campaigns with known effects start in the middle month)",
    )
    default_mix = ",".join(f"{n}={s:g}" for n, s in zip(ARCHETYPES, SHARES, strict=True))
    p.add_argument(
        "--archetype-shares",
        default=None,
        metavar="NAME=SHARE,...",
        help="the archetype mix; unnamed archetypes get 0, the shares must sum to 1 within "
        f"0.01 and are normalised (default {default_mix})",
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the generator from command-line arguments."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        shares = parse_shares(args.archetype_shares) if args.archetype_shares else SHARES
        check_arguments(
            args.customers,
            args.months,
            args.start,
            args.seed,
            args.fmt,
            args.ami_customers,
            args.faults,
            shares,
        )
    except ValueError as err:
        parser.error(str(err))  # exits with status 2
    summary = generate(
        out_dir=args.out,
        truth_dir=args.truth,
        n_customers=args.customers,
        n_months=args.months,
        start_month=args.start,
        seed=args.seed,
        fmt=args.fmt,
        ami_customers=args.ami_customers,
        fault_rate=args.faults,
        archetype_shares=shares,
        campaigns=args.campaigns,
    )
    print(json.dumps(summary["rows"], indent=2))
    return 0
