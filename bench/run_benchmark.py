"""Benchmark: generate N customers x M months, then time every pipeline stage with peak memory.

    .venv/bin/python bench/run_benchmark.py --customers 100000 --months 36

Runs the real graph (Dagster in-process, dbt, DuckDB) exactly as the demo does, in its own
data folder (data/bench/<N>x<M>/, removed first unless --keep). Prints a Markdown table and
writes the figures to data/bench/<N>x<M>/benchmark.json. `--only STAGE,...` times stages again
on the warehouse an earlier run left. Not a test: nothing here asserts.

Then, on the same landing files, it runs the two references, each in a process of its own: the
hand-written DuckDB script (bench/reference_features.sql) and the pandas baseline
(bench/reference_pandas.py). It prints GridSeg's backfill time and peak memory as ratios to
theirs, and how far their features agree with customer_features. `--no-references` skips them;
`--references-only` runs only them, on the landing files and warehouse of an earlier run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.compare_features import agreement  # noqa: E402
from bench.memory import PeakMemory, run_measured  # noqa: E402
from orchestration.settings import PROJECT_ROOT, Paths  # noqa: E402

BENCH = Path(__file__).resolve().parent
# (name, script, takes the pipeline's DuckDB memory limit): each reads the landing folder and
# writes its features to a Parquet file
REFERENCES = (
    ("hand-written DuckDB", BENCH / "reference_duckdb.py", True),
    ("pandas", BENCH / "reference_pandas.py", False),
)
# the features shown in the agreement table (all shared columns are compared and stored)
SHOWN = (
    "kwh_12m",
    "revenue_12m",
    "months_billed",
    "on_time_payment_ratio",
    "avg_days_late",
    "arrears_over_60d",
    "n_interruptions",
    "n_contacts",
)


# GridSeg's rows of the ratio table: the whole backfill (landing files to published snapshot),
# and the stages that make what the references make (customer_features from the landing files).
GRIDSEG_ROWS = {
    "backfill": "GridSeg backfill (landing to published)",
    "features": "GridSeg features (ingest, staging, monthly features)",
}
FEATURE_STAGES = ("ingest", "dbt staging + quality", "dbt monthly features")


def gridseg_figures(summary: dict) -> dict:
    """GridSeg's rows of the ratio table from a benchmark summary: the backfill, and the
    feature stages when all of them were timed."""
    figures = {"backfill": summary["backfill"]}
    features = [r for r in summary["stages"] if r["stage"] in FEATURE_STAGES]
    if len(features) == len(FEATURE_STAGES):
        figures["features"] = {
            "seconds": round(sum(r["seconds"] for r in features), 1),
            "peak_rss_mib": max(r["peak_rss_mib"] for r in features),
        }
    return figures


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return f"{os.cpu_count()} cores ({cpu}), {mem_kib / 1024 / 1024:.0f} GiB RAM, {platform.system()} Python {platform.python_version()}"


def run_references(folder: Path, paths: Paths, gridseg: dict) -> list[dict]:
    """Each reference timed on the landing files, then its features compared with
    customer_features; prints the ratio and agreement tables. `gridseg`: GridSeg's
    {'seconds', 'peak_rss_mib'} of the whole backfill (`backfill`) and of the stages that
    make the features the references make (`features`: ingest, staging, monthly features)."""
    from orchestration.defs.warehouse import connect_duckdb, memory_limit_bytes

    out = folder / "references"
    out.mkdir(exist_ok=True)
    references = []
    for name, script, duckdb_limit in REFERENCES:
        output = out / f"{script.stem}.parquet"
        output.unlink(missing_ok=True)
        command = [sys.executable, str(script), str(paths.landing), str(output)]
        if duckdb_limit:
            command += ["--memory-limit", str(memory_limit_bytes())]
        seconds, peak = run_measured(command)
        print(f"{name:<24} {seconds:8.1f} s   peak {peak:8.0f} MiB", flush=True)
        references.append(
            {"reference": name, "seconds": round(seconds, 1), "peak_rss_mib": round(peak),
             "output": str(output)}
        )  # fmt: skip
    conn = connect_duckdb(paths.warehouse, read_only=True)
    try:
        for reference in references:
            reference["agreement"] = agreement(
                conn, "marts.customer_features", [], "read_parquet(?)", [reference["output"]]
            )
    finally:
        conn.close()

    print(
        "\n| | seconds | peak RSS (MiB) | GridSeg / reference, time | "
        "GridSeg / reference, memory |\n|---|---:|---:|---:|---:|"
    )
    rows = [(GRIDSEG_ROWS[part], gridseg[part]) for part in GRIDSEG_ROWS if part in gridseg]
    for label, figures in rows:
        print(f"| {label} | {figures['seconds']} | {figures['peak_rss_mib']} | | |")
    for r in references:
        print(f"| {r['reference']} | {r['seconds']} | {r['peak_rss_mib']} | | |")
        for part, figures in gridseg.items():
            r[f"{part}_time_ratio"] = round(figures["seconds"] / r["seconds"], 2)
            r[f"{part}_memory_ratio"] = round(figures["peak_rss_mib"] / r["peak_rss_mib"], 2)
        for part, label in GRIDSEG_ROWS.items():
            if part in gridseg:
                print(
                    f"| {label} / {r['reference']} | | | {r[f'{part}_time_ratio']} | "
                    f"{r[f'{part}_memory_ratio']} |"
                )

    print(
        "\nShare of customer_features' customer-months whose value each reference matches "
        "(numbers to 1e-6 relative; rows: customer-months both have):"
    )
    print("| feature | " + " | ".join(r["reference"] for r in references) + " |")
    print("|---|" + "---:|" * len(references))
    for label, value in [
        ("rows of customer_features / of the reference", lambda a: f"{a['rows_left']:,} / {a['rows_right']:,}"),
        ("rows shared", lambda a: f"{a['rows_shared']:,}"),
        *[(c, lambda a, c=c: f"{100 * a['columns'].get(c, float('nan')):.2f}%") for c in SHOWN],
        ("all shared columns, lowest", lambda a: "{}: {:.2%}".format(*min(a["columns"].items(), key=lambda kv: kv[1]))),
    ]:  # fmt: skip
        print(f"| {label} | " + " | ".join(value(r["agreement"]) for r in references) + " |")
    return references


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--keep", action="store_true", help="reuse generated landing data if present"
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated stages to time again on the warehouse of an earlier run of the\n"
        "same size (e.g. 'score + profile,publish'); the rest is kept as it is",
    )
    parser.add_argument(
        "--no-references", action="store_true", help="skip the DuckDB and pandas references"
    )
    parser.add_argument(
        "--references-only",
        action="store_true",
        help="run only the references, on the landing files and warehouse of an earlier run of\n"
        "the same size (its benchmark.json gains their figures)",
    )
    args = parser.parse_args()
    only = [name.strip() for name in args.only.split(",") if name.strip()]

    folder = PROJECT_ROOT / "data" / "bench" / f"{args.customers}x{args.months}"
    paths = Paths.under(folder)
    report = folder / ("benchmark.json" if not only else "benchmark-only.json")
    if args.references_only:
        if not report.exists() or not paths.warehouse.exists():
            parser.error(f"--references-only needs an earlier run's benchmark in {folder}")
        summary = json.loads(report.read_text())
        summary["references"] = run_references(folder, paths, gridseg_figures(summary))
        report.write_text(json.dumps(summary, indent=2))
        return
    if only:
        from orchestration.pipeline_runs import STAGES

        unknown = set(only) - {name for name, _, _ in STAGES}
        if unknown or not paths.warehouse.exists():
            parser.error(
                f"--only needs stage names out of {[n for n, _, _ in STAGES]} and the warehouse "
                f"of an earlier run in {folder} (unknown: {sorted(unknown)})"
            )
    else:
        if folder.exists() and not args.keep:
            shutil.rmtree(folder)
        # --keep reuses the generated landing files only: the pipeline always starts from nothing
        for leftover in (
            paths.warehouse,
            paths.published,
            paths.models,
            folder / "pipeline.log",
            folder / "references",
        ):
            if leftover.is_dir():
                shutil.rmtree(leftover)
            elif leftover.exists():
                leftover.unlink()
    paths.export_env()
    results: list[dict] = []

    def record(stage: str, seconds: float, peak: float) -> None:
        results.append({"stage": stage, "seconds": round(seconds, 1), "peak_rss_mib": round(peak)})
        print(f"{stage:<24} {seconds:8.1f} s   peak {peak:8.0f} MiB", flush=True)

    from datagen import generate

    if not only and not (folder / "truth" / "manifest.json").exists():
        with PeakMemory() as peak:
            started = time.perf_counter()
            generate(
                paths.landing,
                folder / "truth",
                n_customers=args.customers,
                n_months=args.months,
                seed=args.seed,
            )
        record("generate", time.perf_counter() - started, peak.mib)

    from orchestration.definitions import build_definitions
    from orchestration.pipeline_runs import STAGES, run_all

    defs = build_definitions(str(paths.data))
    log_file = folder / "pipeline.log"
    for name, _, _ in STAGES:
        if only and name not in only:
            continue
        others = tuple(n for n, _, _ in STAGES if n != name)
        with PeakMemory() as peak:
            timings = run_all(defs, paths, report=lambda _: None, skip=others, log_file=log_file)
        record(name, timings[name], peak.mib)

    total = sum(r["seconds"] for r in results)
    backfill = [r for r in results if r["stage"] != "generate"]
    pipeline = sum(r["seconds"] for r in backfill)
    summary = {
        "customers": args.customers,
        "months": args.months,
        "machine": machine(),
        "stages": results,
        "total_seconds": round(total, 1),
        "pipeline_seconds": round(pipeline, 1),
        "peak_rss_mib": max(r["peak_rss_mib"] for r in results),
        "warehouse_mib": round(paths.warehouse.stat().st_size / 2**20),
        # the pipeline from landing files to published snapshot, without data generation
        "backfill": {
            "seconds": round(pipeline, 1),
            "peak_rss_mib": max(r["peak_rss_mib"] for r in backfill),
        },
    }

    report.write_text(json.dumps(summary, indent=2))
    print(f"\n{args.customers:,} customers x {args.months} months on {summary['machine']}")
    print("| stage | seconds | peak RSS (MiB) |\n|---|---:|---:|")
    for r in results:
        print(f"| {r['stage']} | {r['seconds']} | {r['peak_rss_mib']} |")
    print(f"| **total** | **{summary['total_seconds']}** | **{summary['peak_rss_mib']}** |")
    print(f"warehouse file: {summary['warehouse_mib']} MiB")
    if only or args.no_references:
        return
    print()
    summary["references"] = run_references(folder, paths, gridseg_figures(summary))
    report.write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
