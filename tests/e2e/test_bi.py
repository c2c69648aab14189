"""A BI tool's view of a real publish: the snapshot's DuckDB file opened read-only through
SQLAlchemy and duckdb-engine (what Superset and Metabase-style tools use), its tables listed
by the inspector, every table and column described, and the row counts of the manifest."""

import json

import pytest
import sqlalchemy as sa

from contract.published import published_contract
from orchestration.defs.publish.writer import MANIFEST, PUBLISHED_DB, current_snapshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def engine(pipeline):
    """An engine on the current snapshot's file, `current` resolved once (docs/bi.md)."""
    snapshot = current_snapshot(pipeline["paths"].published)
    engine = sa.create_engine(
        f"duckdb:///{snapshot / PUBLISHED_DB}", connect_args={"read_only": True}
    )
    yield engine, json.loads((snapshot / MANIFEST).read_text(encoding="utf-8"))
    engine.dispose()


def test_a_bi_tool_lists_the_published_tables_with_their_comments(engine):
    engine, manifest = engine
    contract = published_contract()
    inspector = sa.inspect(engine)
    assert sorted(inspector.get_table_names()) == sorted(contract)
    for table, spec in contract.items():
        assert inspector.get_table_comment(table) == {"text": spec.comment}
    assert set(manifest["tables"]) == set(contract)


def test_every_published_column_has_its_contract_description(engine):
    """Column comments through the engine from duckdb_columns(): duckdb-engine 0.17's column
    reflection (inspector.get_columns) fails with SQLAlchemy 2.0.45 and later, whose query
    reads pg_catalog.pg_collation, which DuckDB 2.0 lacks (duckdb_engine issue 1379)."""
    engine, _ = engine
    contract = published_contract()
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "select table_name, column_name, comment from duckdb_columns() "
                "where not internal and database_name = current_database() "
                "order by table_name, column_index"
            )
        ).all()
    assert {table for table, _, _ in rows} == set(contract)
    undescribed = [(t, c) for t, c, comment in rows if not comment]
    assert not undescribed, "columns without a description in contract/published.yaml"
    for table, column, comment in rows:
        assert comment == contract[table].column_comment(column), (table, column)


def test_row_counts_through_the_engine_match_the_manifest(engine):
    engine, manifest = engine
    with engine.connect() as conn:
        for table, entry in manifest["tables"].items():
            count = conn.execute(sa.select(sa.func.count()).select_from(sa.table(table)))
            assert count.scalar_one() == entry["rows"], table


def test_the_engine_cannot_write_the_published_file(engine):
    engine, _ = engine
    with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError, match="read-only"):
        conn.execute(sa.text("create table bi_scratch as select 1 as x"))
