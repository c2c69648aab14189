"""Benchmark: generate N customers x M months, then time every pipeline stage with peak memory.

    .venv/bin/python bench/run_benchmark.py --customers 100000 --months 36

Runs the real graph (Dagster in-process, dbt, DuckDB) exactly as the demo does, in its own
data folder (data/bench/<N>x<M>/, removed first unless --keep). Prints a Markdown table and
writes the figures to data/bench/<N>x<M>/benchmark.json. `--only STAGE,...` times stages again
on the warehouse an earlier run left. Not a test: nothing here asserts.
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

from bench.memory import PeakMemory  # noqa: E402
from orchestration.settings import PROJECT_ROOT, Paths  # noqa: E402


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
    args = parser.parse_args()
    only = [name.strip() for name in args.only.split(",") if name.strip()]

    folder = PROJECT_ROOT / "data" / "bench" / f"{args.customers}x{args.months}"
    paths = Paths.under(folder)
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
        for leftover in (paths.warehouse, paths.published, paths.models, folder / "pipeline.log"):
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
    pipeline = sum(r["seconds"] for r in results if r["stage"] != "generate")
    summary = {
        "customers": args.customers,
        "months": args.months,
        "machine": machine(),
        "stages": results,
        "total_seconds": round(total, 1),
        "pipeline_seconds": round(pipeline, 1),
        "peak_rss_mib": max(r["peak_rss_mib"] for r in results),
        "warehouse_mib": round(paths.warehouse.stat().st_size / 2**20),
    }
    report = folder / ("benchmark.json" if not only else "benchmark-only.json")
    report.write_text(json.dumps(summary, indent=2))
    print(f"\n{args.customers:,} customers x {args.months} months on {summary['machine']}")
    print("| stage | seconds | peak RSS (MiB) |\n|---|---:|---:|")
    for r in results:
        print(f"| {r['stage']} | {r['seconds']} | {r['peak_rss_mib']} |")
    print(f"| **total** | **{summary['total_seconds']}** | **{summary['peak_rss_mib']}** |")
    print(f"warehouse file: {summary['warehouse_mib']} MiB")


if __name__ == "__main__":
    main()
