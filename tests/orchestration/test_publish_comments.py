"""The published DuckDB file carries the contract's descriptions (contract/published.yaml) as
table and column comments, in every storage version BI drivers read, the same on every
publish; the one SQL literal the writer builds is quoted safely."""

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from contract.published import published_contract
from orchestration.defs.publish.writer import PUBLISHED_DB, publish, sql_literal
from tests.orchestration.test_publish_writer import history, make_warehouse

CONTRACT = published_contract()


def comments(path) -> tuple[dict, dict]:
    """(table -> comment, (table, column) -> comment) of a published file, read back."""
    conn = duckdb.connect(str(path), read_only=True)
    try:
        tables = dict(conn.execute("select table_name, comment from duckdb_tables()").fetchall())
        columns = {
            (t, c): comment
            for t, c, comment in conn.execute(
                "select table_name, column_name, comment from duckdb_columns() where not internal"
            ).fetchall()
        }
    finally:
        conn.close()
    return tables, columns


@pytest.mark.parametrize("storage", ["v1.1.0", "v1.2.0", "v1.3.0"])
def test_every_published_table_and_column_has_its_contract_comment(tmp_path, storage):
    warehouse = make_warehouse(tmp_path / "warehouse.duckdb", history())
    snapshot = publish(warehouse, tmp_path / "published", storage)
    tables, columns = comments(snapshot.path / PUBLISHED_DB)
    assert tables == {name: spec.comment for name, spec in CONTRACT.items()}
    assert columns, "no columns read back"
    for (table, column), comment in columns.items():
        assert comment == CONTRACT[table].column_comment(column), (table, column)
        assert comment, (table, column)


def test_the_same_input_gives_the_same_comments(tmp_path):
    warehouse = make_warehouse(tmp_path / "warehouse.duckdb", history())
    first = publish(warehouse, tmp_path / "published")
    second = publish(warehouse, tmp_path / "published")
    assert comments(first.path / PUBLISHED_DB) == comments(second.path / PUBLISHED_DB)


def test_a_trait_column_takes_its_pattern_with_the_trait_named():
    profiles = CONTRACT["segment_profiles"]
    comment = profiles.column_comment("kwh_avg_month_index")
    assert comment is not None and "kwh_avg_month" in comment and "{trait}" not in comment
    assert profiles.column_comment("share_solar_mean").startswith("mean of the trait share_solar")
    assert profiles.column_comment("_index") is None  # a pattern with an empty trait
    assert profiles.column_comment("not_a_contract_column") is None


@pytest.mark.parametrize(
    "text", ["", "it's", "''", "a\\b", "\\'", "line\nbreak", "naïve ½ 区域", "x'; drop table t; --"]
)
def test_sql_literal_reads_back_as_the_same_text(text):
    assert duckdb.connect().execute(f"select {sql_literal(text)}").fetchone()[0] == text


# Surrogates are left out: no UTF-8 text (a YAML file, a SQL string) can hold one.
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")))
def test_sql_literal_round_trips_any_text(text):
    assert duckdb.connect().execute(f"select {sql_literal(text)}").fetchone()[0] == text


def test_sql_literal_refuses_a_nul():
    with pytest.raises(ValueError, match="NUL"):
        sql_literal("a\x00b")
