"""Fault injection for a run (`--faults RATE`): bad rows, bad files and the ledger of both.

Grain: one injector per run, called once per table file. It keeps the unknown ("phantom")
customers that bad rows point at, delivers about half of them later as late-arriving
customer rows, and writes `{truth}/faults.json`: every injected fault (file, 0-based row
index, kind), every bad file, and rows = clean + bad + exact duplicates for every file.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl

from datagen.calendar import DAY, Window, random_times
from datagen.faults.bad_files import write_bad_file
from datagen.faults.catalog import BAD_FILE_KINDS, BAD_FILE_TABLES
from datagen.faults.row_faults import FaultContext, inject_rows, plan_counts
from datagen.ids import format_ids, parse_ids
from datagen.streams import stream
from datagen.writer import file_path

P_LATE_ARRIVAL = 0.5  # share of unknown customers that later arrive in a customers file
FRESH_START = {"bill": 9_000_000_000, "payment": 90_000_000_000, "work_order": 900_000_000}


class FaultInjector:
    """Spoils rows and writes bad files at about `rate`, recording everything it does."""

    def __init__(
        self,
        out_dir: Path,
        window: Window,
        fmt: str,
        rate: float,
        has_solar: np.ndarray,
        tables: Sequence[str],
        seed: int,
    ) -> None:
        self.out_dir, self.window, self.fmt, self.rate, self.seed = (
            Path(out_dir),
            window,
            fmt,
            rate,
            seed,
        )
        self.solar = has_solar
        self.next_phantom = len(has_solar)
        self.fresh = dict(FRESH_START)
        self.arrivals: dict[int, list[int]] = {}
        self.phantom_log: list[dict] = []
        self.row_faults: list[dict] = []
        self.accounting: dict[str, dict] = {}
        self.bad_files: list[dict] = []
        rng = stream(seed, "fault-plan")
        self.bad_plan: dict[tuple[str, int], list[str]] = {}
        for kind in BAD_FILE_KINDS:
            options = [t for t in (BAD_FILE_TABLES.get(kind) or tables) if t in tables]
            target = (options[rng.integers(len(options))], int(rng.integers(window.n_months)))
            self.bad_plan.setdefault(target, []).append(kind)

    def rows(self, table: str, m: int, frame: pl.DataFrame) -> pl.DataFrame:
        """The frame to write for `table` in month m, with row faults (and late arrivals)."""
        rng = stream(self.seed, f"faults-{table}", m)
        if table == "customers":
            frame = self._with_late_arrivals(rng, m, frame)
        ctx = FaultContext(
            has_solar=self._has_solar,
            fresh_number=self._fresh_numbers,
            phantoms=lambda k: self._phantoms(rng, m, k),
            csv=self.fmt == "csv",
        )
        spoiled, records = inject_rows(
            frame, table, plan_counts(rng, table, frame.height, self.rate), rng, ctx
        )
        name = file_path(self.out_dir, table, self.window.label(m), self.fmt)
        name = name.relative_to(self.out_dir).as_posix()
        for record in records:
            record.update(table=table, file=name, month=self.window.label(m))
        self.row_faults.extend(records)
        kinds = Counter(r["kind"] for r in records)
        duplicates = kinds.pop("exact_duplicate", 0)
        self.accounting[name] = {
            "rows": spoiled.height,
            "clean": spoiled.height - sum(kinds.values()) - duplicates,
            "bad": dict(sorted(kinds.items())),
            "exact_duplicates": duplicates,
        }
        return spoiled

    def write_bad_files(self, table: str, m: int, good: pl.DataFrame) -> list[Path]:
        """Bad files planned for this table and month, built from its clean rows."""
        paths = []
        for kind in self.bad_plan.get((table, m), []):
            path, detail = write_bad_file(
                self.out_dir, table, self.window.label(m), kind, self.fmt, good
            )
            self.bad_files.append(
                {
                    "table": table,
                    "month": self.window.label(m),
                    "kind": kind,
                    "file": path.relative_to(self.out_dir).as_posix(),
                    "detail": detail,
                }
            )
            paths.append(path)
        return paths

    def write_ledger(self, truth_dir: Path) -> Path:
        """Write `{truth}/faults.json`."""
        ledger = {
            "fault_rate": self.rate,
            "seed": self.seed,
            "format": self.fmt,
            "row_index": "0-based data row within the file (header excluded); "
            "row_number = row_index + 1",
            "files": dict(sorted(self.accounting.items())),
            "row_faults": self.row_faults,
            "bad_files": self.bad_files,
            "unknown_customers": self.phantom_log,
        }
        path = Path(truth_dir) / "faults.json"
        # Compact on purpose: the ledger can hold millions of records (json's fast C encoder
        # only runs without indentation).
        path.write_text(json.dumps(ledger, sort_keys=True, separators=(",", ":")))
        return path

    def _has_solar(self, customer_ids: pl.Series) -> np.ndarray:
        number = parse_ids("customer", customer_ids)
        known = number < len(self.solar)
        return known & self.solar[np.where(known, number, 0)]

    def _fresh_numbers(self, kind: str, k: int) -> np.ndarray:
        start = self.fresh[kind]
        self.fresh[kind] += k
        return np.arange(start, start + k)

    def _phantoms(self, rng: np.random.Generator, m: int, k: int) -> np.ndarray:
        """k new customer numbers beyond the master; about half are scheduled to arrive."""
        numbers = np.arange(self.next_phantom, self.next_phantom + k)
        self.next_phantom += k
        arrives = np.full(k, -1)
        if m + 1 < self.window.n_months:
            later = rng.random(k) < P_LATE_ARRIVAL
            arrives = np.where(later, rng.integers(m + 1, self.window.n_months, k), -1)
        ids = format_ids("customer", numbers).to_list()
        for number, customer_id, month in zip(numbers, ids, arrives.tolist(), strict=True):
            if month >= 0:
                self.arrivals.setdefault(month, []).append(int(number))
            self.phantom_log.append(
                {
                    "customer_id": customer_id,
                    "first_referenced_month": self.window.label(m),
                    "arrives_in_month": self.window.label(month) if month >= 0 else None,
                }
            )
        return numbers

    def _with_late_arrivals(self, rng, m: int, frame: pl.DataFrame) -> pl.DataFrame:
        """Append master rows of unknown customers that arrive this month (valid rows)."""
        numbers = np.array(self.arrivals.pop(m, []), dtype=np.int64)
        if not len(numbers) or not frame.height:
            return frame
        template = frame[rng.integers(0, frame.height, len(numbers))]
        start = self.window.first_day(0)
        month_start = np.full(len(numbers), self.window.month_start_ts(m))
        arrivals = template.with_columns(
            customer_id=format_ids("customer", numbers),
            connected_on=pl.Series(start - rng.integers(30, 3000, len(numbers)) * DAY),
            disconnected_on=pl.lit(None, pl.Date),
            updated_at=pl.Series(
                random_times(
                    rng, month_start, np.full(len(numbers), self.window.month_end_ts(m))
                ).astype("datetime64[us]")
            ),
        )
        return pl.concat([frame, arrivals])
