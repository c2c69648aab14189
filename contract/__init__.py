"""The landing-zone contract, read from `landing.yaml` (its one home) into typed objects.

Grain: one `Table` per landing table, one `Column` per contract column, in contract order.
Ingest, the sample-data generator and the contract tests read it from here; see the YAML's
header for what is generated from it and what is tested against it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

CONTRACT_FILE = Path(__file__).with_name("landing.yaml")
LOGICAL_TYPES = ("id", "str", "date", "ts", "float", "int", "bool")
COLUMN_KEYS = {"type", "nullable", "enum", "case", "min", "max", "scale", "pii", "notes"}


@dataclass(frozen=True)
class Column:
    """One landing column: its logical type and the values the contract accepts."""

    name: str
    type: str
    nullable: bool = False
    enum: tuple = ()
    case: str | None = None  # lower | upper: how an enum code is folded before it is compared
    min: float | None = None
    max: float | None = None
    scale: int | None = None
    pii: bool = False
    notes: str = ""


@dataclass(frozen=True)
class Table:
    """One landing table: its columns in contract order, key and whether it is required."""

    name: str
    description: str
    key: tuple[str, ...]
    required: bool
    columns: dict[str, Column]

    @property
    def pii_columns(self) -> tuple[str, ...]:
        return tuple(name for name, column in self.columns.items() if column.pii)


@dataclass(frozen=True)
class LandingContract:
    version: int
    timezone: str
    null_tokens: tuple[str, ...]
    tables: dict[str, Table]


def _column(table: str, name: str, spec: dict) -> Column:
    unknown = set(spec) - COLUMN_KEYS
    if unknown:
        raise ValueError(f"{CONTRACT_FILE.name}: {table}.{name}: unknown key(s) {sorted(unknown)}")
    if spec.get("type") not in LOGICAL_TYPES:
        raise ValueError(
            f"{CONTRACT_FILE.name}: {table}.{name}: type {spec.get('type')!r} is not one of "
            f"{', '.join(LOGICAL_TYPES)}"
        )
    bounds = [spec.get("min"), spec.get("max")]
    for bound in bounds:
        if bound is not None and not math.isfinite(float(bound)):
            raise ValueError(f"{CONTRACT_FILE.name}: {table}.{name}: bounds must be finite")
    return Column(
        name=name,
        type=spec["type"],
        nullable=bool(spec.get("nullable", False)),
        enum=tuple(spec.get("enum", ())),
        case=spec.get("case"),
        min=None if bounds[0] is None else float(bounds[0]),
        max=None if bounds[1] is None else float(bounds[1]),
        scale=spec.get("scale"),
        pii=bool(spec.get("pii", False)),
        notes=str(spec.get("notes", "")),
    )


@cache
def landing_contract() -> LandingContract:
    """The contract in `landing.yaml`, checked for unknown keys and types."""
    raw = yaml.safe_load(CONTRACT_FILE.read_text(encoding="utf-8"))
    tables = {
        name: Table(
            name=name,
            description=spec["description"],
            key=tuple(spec["key"]),
            required=bool(spec["required"]),
            columns={c: _column(name, c, s) for c, s in spec["columns"].items()},
        )
        for name, spec in raw["tables"].items()
    }
    return LandingContract(
        version=int(raw["version"]),
        timezone=str(raw["timezone"]),
        null_tokens=tuple(raw["null_tokens"]),
        tables=tables,
    )
