"""Benchmark of a nightly increment: one more month landed on a warehouse of M months.

    .venv/bin/python bench/nightly_increment.py --customers 100000 --months 36

Generates N customers x (M + 1) months in data/bench/nightly-<N>x<M>/ (kept between runs), builds
the warehouse of the first M months with the whole graph (a backfill, as `make demo`: skipped
when a warehouse of a previous run is there, unless --rebuild), then lands month M + 1 and runs
`orchestration.nightly` exactly as `make nightly` does. Each nightly stage is timed with its
peak memory (this process and dbt's), and the months it recomputed are printed. `--again`
restores the M-month warehouse and snapshots saved after the backfill and times the nightly
again. Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.memory import tree_rss_mib  # noqa: E402
from bench.run_benchmark import machine  # noqa: E402
from orchestration.settings import PROJECT_ROOT, Paths  # noqa: E402


class StagePeaks:
    """Peak tree RSS per stage, the stage named by the pipeline's `[stage] ...` lines."""

    def __init__(self, interval: float = 0.1):
        self.interval, self.stage, self.peaks = interval, "", {}
        self.lines: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            if self.stage:
                self.peaks[self.stage] = max(self.peaks.get(self.stage, 0.0), tree_rss_mib())
            self._stop.wait(self.interval)

    def report(self, line: str) -> None:
        self.lines.append(line)
        print(line, flush=True)
        if line.startswith("[") and line.rstrip().endswith("..."):
            self.stage = line[1 : line.index("]")]

    def __enter__(self) -> StagePeaks:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rebuild", action="store_true", help="build the M-month warehouse again")
    parser.add_argument(
        "--prepare", action="store_true", help="build the M-month warehouse only, no nightly"
    )
    parser.add_argument(
        "--again", action="store_true", help="time the nightly again from the saved backfill"
    )
    args = parser.parse_args()

    folder = PROJECT_ROOT / "data" / "bench" / f"nightly-{args.customers}x{args.months}"
    source, saved = folder / "generated", folder / "after-backfill"
    paths = Paths.under(folder / "data")
    paths.export_env()

    from datagen import copy_months, generate

    if not (source / "landing").exists():
        generate(
            source / "landing",
            source / "truth",
            n_customers=args.customers,
            n_months=args.months + 1,
            seed=args.seed,
        )
    months = sorted({f.stem.rsplit("_", 1)[-1] for f in (source / "landing" / "bills").iterdir()})
    history, new_month = set(months[:-1]), months[-1]

    from orchestration.definitions import build_definitions
    from orchestration.nightly import run_nightly
    from orchestration.pipeline_runs import run_all

    if args.rebuild or not saved.exists():
        shutil.rmtree(paths.data, ignore_errors=True)
        shutil.rmtree(saved, ignore_errors=True)
        copy_months(source / "landing", paths.landing, history)
        defs = build_definitions(str(paths.data))
        started = time.perf_counter()
        run_all(defs, paths, report=lambda _: None, log_file=folder / "backfill.log")
        print(f"backfill of {len(history)} months: {time.perf_counter() - started:.1f} s")
        shutil.copytree(paths.data, saved, symlinks=True)
    if args.prepare:
        return
    if args.again or (paths.landing / "bills" / f"bills_{new_month}.parquet").exists():
        shutil.rmtree(paths.data)
        shutil.copytree(saved, paths.data, symlinks=True)

    copy_months(source / "landing", paths.landing, {new_month})
    defs = build_definitions(str(paths.data))
    started = time.perf_counter()
    with StagePeaks() as peaks:
        window = run_nightly(defs, paths, report=peaks.report, log_file=folder / "nightly.log")
    total = time.perf_counter() - started
    seconds = {}
    for line in peaks.lines:
        if " done in " in line and line.startswith("["):
            stage = line[1 : line.index("]")]
            seconds[stage] = seconds.get(stage, 0.0) + float(line.split(" done in ")[1].split()[0])
    summary = {
        "customers": args.customers,
        "history_months": len(history),
        "new_month": new_month,
        "machine": machine(),
        "refreshed": window,
        "stages": [
            {"stage": s, "seconds": round(t, 1), "peak_rss_mib": round(peaks.peaks.get(s, 0))}
            for s, t in seconds.items()
        ],
        "total_seconds": round(total, 1),
    }
    (folder / "nightly.json").write_text(json.dumps(summary, indent=2))
    print(f"\nnightly: month {new_month} on {len(history)} months x {args.customers:,} customers")
    print(f"on {summary['machine']}; recomputed {window}")
    print("| stage | seconds | peak RSS (MiB) |\n|---|---:|---:|")
    for row in summary["stages"]:
        print(f"| {row['stage']} | {row['seconds']} | {row['peak_rss_mib']} |")
    print(f"| **total (wall)** | **{summary['total_seconds']}** | |")


if __name__ == "__main__":
    main()
