"""The hand-written DuckDB reference of the benchmark: runs bench/reference_features.sql on a
landing folder and writes the features to a Parquet file.

    python bench/reference_duckdb.py LANDING OUTPUT.parquet

run_benchmark.py starts it in a process of its own, so that its time and peak memory are its
own. DuckDB runs with its defaults (all cores, 80% of RAM), as an analyst's session would.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

SCRIPT = Path(__file__).with_name("reference_features.sql")


def run(landing: Path, output: Path) -> None:
    connection = duckdb.connect(config={"autoinstall_known_extensions": False})
    try:
        connection.execute("set variable landing = ?", [str(landing)])
        connection.execute("set variable output = ?", [str(output)])
        connection.execute(SCRIPT.read_text()).fetchall()
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("landing", type=Path)
    parser.add_argument("output", type=Path)
    args = parser.parse_args()
    run(args.landing, args.output)


if __name__ == "__main__":
    main()
