"""The published-outputs contract is written once (contract/published.yaml): the writer publishes
exactly its tables, every column the ml layer publishes has a description there, and
docs/data-contract.md's published tables are its rendering."""

from pathlib import Path

import numpy as np
import polars as pl

from contract.published import markdown, published_contract
from ml.pipeline import load_config
from ml.profiles import profile_table, trait_names
from orchestration.defs.publish.writer import PUBLISHED_TABLES, SEGMENT_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = published_contract()
DOC_START = "<!-- published tables: rendered from contract/published.yaml -->\n"
DOC_END = "<!-- end of published tables -->"


def test_the_writer_publishes_exactly_the_contract_tables():
    assert sorted(CONTRACT) == sorted(PUBLISHED_TABLES)


def test_every_table_and_column_has_a_description_and_grain():
    for table in CONTRACT.values():
        assert table.description and table.grain, table.name
        for column in (*table.columns.values(), *table.trait_columns.values()):
            assert column.description.strip(), f"{table.name}.{column.name}"


def test_the_segment_tables_list_the_published_segment_columns_in_order():
    for name in ("customer_segments", "customer_segments_history"):
        assert tuple(CONTRACT[name].columns) == SEGMENT_COLUMNS


def test_every_profile_column_the_ml_layer_writes_is_described():
    """Columns of a real profile table (ml.profiles over every configured trait), plus the
    name and strategy that build_segment_profiles adds."""
    profile = load_config()["segmentation"]["profile"]
    rng = np.random.default_rng(1)
    n = 40
    frame = pl.DataFrame(
        {
            "segment_id": [f"S0{i % 2 + 1}" for i in range(n)],
            "as_of_month": ["2025-01"] * n,
            **{t: rng.random(n) for t in profile["traits"]},
        }
    ).with_columns(
        *(
            pl.lit(None, dtype=pl.String).alias(column)
            for column in sorted({s["column"] for s in profile["attribute_shares"].values()})
        )
    )
    columns = [*profile_table(frame, profile).columns, "segment_name", "strategy"]
    spec = CONTRACT["segment_profiles"]
    undescribed = [c for c in columns if spec.column_comment(c) is None]
    assert not undescribed
    assert set(spec.columns) <= set(columns)  # no stale contract column
    for trait in trait_names(profile):
        assert trait in spec.column_comment(f"{trait}_index")


def test_the_docs_published_tables_are_the_contract_rendered():
    text = (ROOT / "docs" / "data-contract.md").read_text(encoding="utf-8")
    assert DOC_START in text and DOC_END in text
    documented = text.split(DOC_START, 1)[1].split(DOC_END, 1)[0]
    assert documented == markdown(), "run .venv/bin/python -m contract.published and paste"


def test_the_docs_name_every_table_with_its_grain():
    documented = markdown()
    for table in CONTRACT.values():
        assert f"### {table.name} (one row per {table.grain})" in documented


def test_the_bi_guide_lists_every_table_with_its_grain():
    text = (ROOT / "docs" / "bi.md").read_text(encoding="utf-8")
    for table in CONTRACT.values():
        assert f"| `{table.name}` | {table.grain} |" in text, table.name
