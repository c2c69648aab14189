"""The hand-written DuckDB reference of the benchmark: runs bench/reference_features.sql on a
landing folder and writes the features to a Parquet file.

    python bench/reference_duckdb.py LANDING OUTPUT.parquet

run_benchmark.py starts it in a process of its own, so that its time and peak memory are its
own, with `--memory-limit` the pipeline's DuckDB memory limit (GRIDSEG_DUCKDB_MEMORY): both get
the same budget. DuckDB fills whatever limit it has (at 50,000 x 36: 3.1 GB peak with a 3 GB
limit, 9.4 GB with the default 80% of RAM), so the peak of either mostly reports the limit.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

SCRIPT = Path(__file__).with_name("reference_features.sql")


def run(landing: Path, output: Path, memory_limit: int | None = None) -> None:
    connection = duckdb.connect(config={"autoinstall_known_extensions": False})
    try:
        if memory_limit:
            connection.execute("set memory_limit = ?", [f"{memory_limit} bytes"])
        connection.execute("set variable landing = ?", [str(landing)])
        connection.execute("set variable output = ?", [str(output)])
        connection.execute(SCRIPT.read_text()).fetchall()
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("landing", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument(
        "--memory-limit", type=int, help="DuckDB's memory limit in bytes (default: DuckDB's)"
    )
    args = parser.parse_args()
    run(args.landing, args.output, args.memory_limit)


if __name__ == "__main__":
    main()
