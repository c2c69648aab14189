"""The landing contract is written once (contract/landing.yaml); every other place that states
part of it is tested against it here: dbt sources and staging models, the Great Expectations
raw suites, and docs/data-contract.md."""

import json
import re
from pathlib import Path

import pytest
import yaml

from contract import landing_contract

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = landing_contract()
STAGING = ROOT / "dbt_project" / "models" / "staging"
ENUM_COLUMNS = [
    (table, name, column)
    for table, spec in CONTRACT.tables.items()
    for name, column in spec.columns.items()
    if column.enum
]


def checked_model(table: str) -> str:
    (path,) = STAGING.glob(f"*/stg_*__{table}_checked.sql")
    return path.read_text()


def sql_list(text: str) -> set:
    return {v.strip().strip("'") for v in text.replace("\n", " ").split(",") if v.strip()}


@pytest.mark.parametrize("table,name,column", ENUM_COLUMNS, ids=lambda v: str(v))
def test_staging_accepts_exactly_the_contract_codes(table, name, column):
    sql = checked_model(table)
    # a reserved word (campaigns.group) is quoted by the engine's rule and renamed where it is
    # folded: `... {{ adapter.quote('group') }})) as x`
    quoted = rf"\{{\{{ adapter\.quote\('{name}'\) \}}\}}"
    renamed = re.search(rf"\(trim\((?:\w+\.)?{quoted}\)\)\s+as\s+(\w+)", sql)
    staged = renamed[1] if renamed else name
    lists = re.findall(rf"\b{staged}\s+not\s+in\s*\(([^)]*)\)", sql)
    assert lists, f"{table}: no `{staged} not in (...)` rule in its checked model"
    for found in lists:
        assert sql_list(found) == {str(v) for v in column.enum}
    if column.case:
        folded = re.search(rf"{column.case}\(trim\((?:\w+\.)?(?:{name}|{quoted})\)\)", sql)
        assert folded, f"{table}.{name}: not folded to {column.case}"


@pytest.mark.parametrize("table", list(CONTRACT.tables))
def test_raw_suite_columns_and_codes_follow_the_contract(table):
    suite = json.loads((ROOT / "expectations" / f"raw_{table}.json").read_text())
    spec = CONTRACT.tables[table]
    by_type: dict[str, list[dict]] = {}
    for expectation in suite["expectations"]:
        by_type.setdefault(expectation["type"], []).append(expectation["kwargs"])
    (columns,) = by_type["expect_table_columns_to_match_set"]
    assert columns["column_set"] == [c for c in spec.columns if c not in spec.pii_columns]
    in_set = {
        k["column"]: k["value_set"] for k in by_type.get("expect_column_values_to_be_in_set", [])
    }
    for name, column in spec.columns.items():
        if column.enum and column.type == "str":
            assert in_set.get(name) == list(column.enum), f"raw_{table}: {name}"


def test_dbt_sources_tag_exactly_the_contract_pii_columns():
    sources = yaml.safe_load((STAGING / "_landing__sources.yml").read_text())
    (landing,) = sources["sources"]
    tagged = {
        (table["name"], column["name"])
        for table in landing["tables"]
        for column in table.get("columns", [])
        if column.get("meta", {}).get("contains_pii")
    }
    assert tagged == {(t, c) for t, spec in CONTRACT.tables.items() for c in spec.pii_columns}
    assert {t["name"] for t in landing["tables"]} >= set(CONTRACT.tables)


def doc_sections() -> dict[str, list[list[str]]]:
    """docs/data-contract.md, landing section: table name -> rows of its column table."""
    text = (ROOT / "docs" / "data-contract.md").read_text()
    landing = text.split("## 1. Landing zone", 1)[1].split("\n## ", 1)[0]
    sections = {}
    for block in landing.split("\n### ")[1:]:
        name = block.split()[0]
        rows = [
            [cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in block.splitlines()
            if line.startswith("|") and not line.startswith(("| column", "|---"))
        ]
        sections[name] = rows
    return sections


@pytest.mark.parametrize("table", list(CONTRACT.tables))
def test_docs_list_every_column_with_its_nullability_and_codes(table):
    rows = doc_sections()[table]
    documented = {}
    for names, kind, notes in rows:
        for name in names.split(", "):
            documented[name] = (kind, notes)
    spec = CONTRACT.tables[table]
    assert list(documented) == list(spec.columns)
    for name, column in spec.columns.items():
        kind, notes = documented[name]
        assert kind.endswith("?") == column.nullable, f"{table}.{name}: nullability"
        if column.enum:
            codes = re.split(r",\s*|\s+or\s+", notes.split(";")[0])
            assert {c.strip() for c in codes} == {str(v) for v in column.enum}, f"{table}.{name}"


def test_docs_state_the_contract_ranges():
    text = (ROOT / "docs" / "data-contract.md").read_text()
    table = text.split("| column | range |", 1)[1].split("\n\n", 1)[0]
    documented = {}
    for line in table.strip().splitlines()[1:]:
        where, bounds = (cell.strip() for cell in line.strip("|").split("|"))
        low, high = (float(b.replace(",", "")) for b in bounds.split()[0:3:2])
        for part in where.split("; "):
            table_name, columns = part.split(": ")
            for column in columns.split(", "):
                documented[table_name, column] = (low, high)
    ranged = {
        (t, c): (column.min, column.max)
        for t, spec in CONTRACT.tables.items()
        for c, column in spec.columns.items()
        if column.max is not None and column.type in ("float", "int")
    }
    assert documented == ranged


def test_staging_drops_and_compares_exactly_the_contract_pii_columns():
    """stg_cis__customers_checked names the PII columns it compares field values with."""
    sql = checked_model("customers")
    listed = re.search(r"set pii_columns = \[([^\]]*)\]", sql)
    assert listed, "stg_cis__customers_checked lists no pii_columns"
    assert sql_list(listed[1]) == set(CONTRACT.tables["customers"].pii_columns)
