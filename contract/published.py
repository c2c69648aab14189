"""The published-outputs contract, read from `published.yaml` (its one home) into typed objects.

Grain: one `PublishedTable` per published table, one `PublishedColumn` per contract column in
published order, plus the per-trait column patterns of segment_profiles. The publish writer
reads the descriptions from here for the DuckDB file's comments; docs/data-contract.md's column
tables are rendered by `markdown()` (`python -m contract.published` prints them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

PUBLISHED_FILE = Path(__file__).with_name("published.yaml")
TRAIT = "{trait}"
TABLE_KEYS = {"description", "grain", "columns", "trait_columns"}
COLUMN_KEYS = {"description", "unit"}


@dataclass(frozen=True)
class PublishedColumn:
    """One published column (or, in `trait_columns`, one pattern with `{trait}` in it)."""

    name: str
    description: str
    unit: str = ""

    def comment(self, trait: str | None = None) -> str:
        """The column's comment: its description and unit, `{trait}` filled in."""
        text = f"{self.description} [{self.unit}]" if self.unit else self.description
        return text if trait is None else text.replace(TRAIT, trait)


@dataclass(frozen=True)
class PublishedTable:
    name: str
    description: str
    grain: str
    columns: dict[str, PublishedColumn]
    trait_columns: dict[str, PublishedColumn]

    @property
    def comment(self) -> str:
        return f"{self.description} Grain: one row per {self.grain}."

    def column_comment(self, name: str) -> str | None:
        """The comment of column `name`: a listed column, or a trait column whose pattern
        matches; None for a column the contract does not describe."""
        if name in self.columns:
            return self.columns[name].comment()
        for pattern, column in self.trait_columns.items():
            prefix, suffix = pattern.split(TRAIT)
            if name.startswith(prefix) and name.endswith(suffix):
                trait = name[len(prefix) : len(name) - len(suffix)]
                if trait:
                    return column.comment(trait)
        return None


def _column(where: str, name: str, spec: dict) -> PublishedColumn:
    unknown = set(spec) - COLUMN_KEYS
    if unknown:
        raise ValueError(f"{PUBLISHED_FILE.name}: {where}.{name}: unknown key(s) {sorted(unknown)}")
    description = " ".join(str(spec.get("description") or "").split())
    if not description:
        raise ValueError(f"{PUBLISHED_FILE.name}: {where}.{name}: no description")
    return PublishedColumn(name, description, " ".join(str(spec.get("unit") or "").split()))


def _table(name: str, spec: dict) -> PublishedTable:
    unknown = set(spec) - TABLE_KEYS
    if unknown:
        raise ValueError(f"{PUBLISHED_FILE.name}: {name}: unknown key(s) {sorted(unknown)}")
    traits = {p: _column(name, p, s) for p, s in (spec.get("trait_columns") or {}).items()}
    for pattern in traits:
        if pattern.count(TRAIT) != 1 or not re.fullmatch(r"[a-z0-9_{}]+", pattern):
            raise ValueError(f"{PUBLISHED_FILE.name}: {name}.{pattern}: one {TRAIT} per pattern")
    return PublishedTable(
        name=name,
        description=" ".join(spec["description"].split()),
        grain=spec["grain"],
        columns={c: _column(name, c, s) for c, s in spec["columns"].items()},
        trait_columns=traits,
    )


@cache
def published_contract() -> dict[str, PublishedTable]:
    """The published tables of `published.yaml`, by name, in contract order."""
    raw = yaml.safe_load(PUBLISHED_FILE.read_text(encoding="utf-8"))
    return {name: _table(name, spec) for name, spec in raw["tables"].items()}


def markdown() -> str:
    """docs/data-contract.md's published column tables: one `### table` section per table."""
    lines: list[str] = []
    rendered: dict[str, tuple] = {}  # table -> its columns, to name a repeat instead
    for table in published_contract().values():
        lines += [f"### {table.name} (one row per {table.grain})", "", table.description, ""]
        columns = (*table.columns.values(), *table.trait_columns.values())
        same = [name for name, earlier in rendered.items() if earlier == columns]
        rendered[table.name] = columns
        if same:
            lines += [f"Columns: the same as {same[0]}.", ""]
            continue
        lines += ["| column | unit | description |", "|---|---|---|"]
        lines += [f"| {c.name} | {c.unit} | {c.description} |" for c in columns]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(), end="")
