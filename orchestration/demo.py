"""`make demo`: generate sample landing data (once), run the whole pipeline, print a summary.

    python -m orchestration.demo --customers 30000 --months 36 --seed 42 [--faults 0.01]

With --faults the generator spoils about that share of rows and adds 8 bad files; the summary
then shows what was quarantined, which files were rejected and that the row counts add up.

Run again with no new landing files, it loads nothing, finds the published snapshot up to date
(the same loaded files, model and code: orchestration/published_inputs.py) and skips the rest;
--force rebuilds anyway. Runs are recorded in the project's Dagster instance (dagster_home/,
or DAGSTER_HOME) and show in `make dev`'s UI under the stage jobs' names.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from orchestration.settings import Paths


def ensure_sample_data(
    paths: Paths,
    customers: int,
    months: int,
    seed: int,
    faults: float = 0.0,
    report=print,
    campaigns: bool = True,
) -> None:
    """Generate the landing data unless the same parameters (fault rate and campaigns too)
    produced it."""
    from datagen import generate

    truth = paths.data / "truth"
    manifest = truth / "manifest.json"
    wanted = {
        "customers": customers,
        "months": months,
        "seed": seed,
        "fault_rate": faults,
        "campaigns": campaigns,
    }
    if manifest.exists():
        existing = json.loads(manifest.read_text())
        existing.setdefault("fault_rate", 0.0)  # manifests from before fault injection
        existing.setdefault("campaigns", False)  # manifests from before campaigns (contract v2)
        if all(existing.get(k) == v for k, v in wanted.items()):
            report(f"[generate] reusing sample data in {paths.landing}")
            return
        if paths.warehouse.exists():
            raise SystemExit(
                f"{paths.landing} holds other sample data ({existing}); run `make clean-all` first"
            )
    spoiled = f", {faults:.1%} faulty rows + 8 bad files" if faults else ""
    report(f"[generate] {customers:,} customers x {months} months{spoiled} -> {paths.landing} ...")
    started = time.perf_counter()
    generate(
        paths.landing,
        truth,
        n_customers=customers,
        n_months=months,
        seed=seed,
        fault_rate=faults,
        campaigns=campaigns,
    )
    report(f"[generate] done in {time.perf_counter() - started:.1f} s")


def summary(paths: Paths) -> str:
    from orchestration.defs.warehouse import connect_duckdb

    conn = connect_duckdb(paths.published / "segments.duckdb", read_only=True)
    try:
        month = conn.execute("select max(as_of_month) from customer_segments").fetchall()[0][0]
        # the segment's strategy (its customers may each get a more specific one)
        rows = conn.execute(
            "select s.segment_id, any_value(s.segment_name), count(*) as n, any_value(p.strategy) "
            "from customer_segments s left join segment_profiles p "
            "on p.segment_id = s.segment_id and p.as_of_month = s.as_of_month "
            "where s.as_of_month = ? group by s.segment_id order by s.segment_id",
            [month],
        ).fetchall()
        total = sum(r[2] for r in rows)
        model = conn.execute(
            "select model_version, k, silhouette from segmentation_models order by trained_at desc limit 1"
        ).fetchall()[0]
    finally:
        conn.close()
    lines = [
        f"\nSegments as of {month} (model {model[0]}, k={model[1]}, silhouette {model[2]:.3f}):"
    ]
    for segment_id, name, n, strategy in rows:
        lines.append(f"  {segment_id}  {n:>8,}  {n / total:6.1%}  {name}  ->  {strategy}")
    lines.append(f"  total    {total:>8,} customers")
    lines.append("\nOutputs:")
    lines.append(f"  published DuckDB : {paths.published / 'current' / 'segments.duckdb'}")
    lines.append(
        f"  published Parquet: {paths.published / 'current' / 'parquet'}/<table>/as_of_month=YYYY-MM/"
    )
    lines.append(f"  warehouse        : {paths.warehouse}")
    lines.append(f"  models           : {paths.models}")
    lines.append("  Dagster UI       : make dev, then open http://localhost:3000")
    return "\n".join(lines)


def report_path(paths: Paths) -> Path:
    """The segment report of the current snapshot (through the `current` pointer)."""
    from orchestration.defs.publish.report import REPORT_FILE
    from orchestration.defs.publish.writer import CURRENT

    return paths.published / CURRENT / REPORT_FILE


def quality_summary(paths: Paths) -> str:
    from orchestration.defs.quality.report import quality_report
    from orchestration.defs.warehouse import connect_duckdb

    conn = connect_duckdb(paths.warehouse, read_only=True)
    try:
        report = quality_report(conn, paths.published / "segments.duckdb")
    finally:
        conn.close()
    return report + "\n  details: quality.quarantined_rows, quality.rejected_files, make gx-docs"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=30_000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--faults",
        type=float,
        default=0.0,
        help="share of generated rows to spoil, 0..1 (plus 8 bad files)",
    )
    parser.add_argument(
        "--no-campaigns",
        dest="campaigns",
        action="store_false",
        help="generate no service campaigns (a contract v1 landing zone, strategy_effects empty)",
    )
    parser.add_argument(
        "--no-generate",
        action="store_true",
        help="use the landing data already in place (your own extracts)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="rebuild and publish even when nothing is new since the published snapshot",
    )
    args = parser.parse_args(argv)

    paths = Paths.from_env()
    paths.export_env()
    started = time.perf_counter()
    if not args.no_generate:
        if not 0.0 <= args.faults <= 1.0:
            parser.error("--faults must be within 0..1")
        ensure_sample_data(
            paths, args.customers, args.months, args.seed, args.faults, campaigns=args.campaigns
        )

    from orchestration.definitions import defs
    from orchestration.pipeline_runs import command_line_run, failures_explained, run_all

    instance, log_file = command_line_run(paths, "demo")
    log_file.unlink(missing_ok=True)
    with failures_explained(log_file):
        run_all(
            defs,
            paths,
            instance=instance,
            log_file=log_file,
            command="demo",
            skip_unchanged=not args.force,
        )
    print(summary(paths))
    print(quality_summary(paths))
    print(f"\nDone in {time.perf_counter() - started:.0f} s.")
    print(f"Segment report: {report_path(paths)}")


if __name__ == "__main__":
    main()
