"""The warehouse connection helpers: the configured memory limit and a step's share of it."""

import duckdb
import pytest

from orchestration.defs.warehouse import connect_duckdb, memory_limit_bytes


def shown(limit: str) -> str:
    """How DuckDB shows a memory limit it was given as `limit`."""
    other = duckdb.connect(config={"memory_limit": limit})
    return other.execute("select current_setting('memory_limit')").fetchall()[0][0]


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("6GB", 6 * 10**9),
        ("5.5GiB", int(5.5 * 2**30)),
        ("4000 MB", 4 * 10**9),
        ("512mib", 512 * 2**20),
        ("3G", 3 * 10**9),
        ("2 gigabytes", 2 * 10**9),
        ("123456789B", 123456789),
    ],
)
def test_memory_limit_reads_sizes_as_duckdb_does(setting, expected):
    assert memory_limit_bytes(setting) == expected
    # DuckDB reads the setting as the same number of bytes
    assert shown(setting) == shown(f"{expected}B")


@pytest.mark.parametrize("setting", ["lots", "6 GX", "-1GB", "", "6000000000", "2gibibytes"])
def test_a_bad_memory_limit_names_the_variable(setting):
    with pytest.raises(ValueError, match=r"GRIDSEG_DUCKDB_MEMORY=.*is not a memory size"):
        memory_limit_bytes(setting)


@pytest.mark.parametrize("share", [1.0, 0.5, 0.25])
def test_a_connection_gets_its_share_of_the_configured_limit(tmp_path, monkeypatch, share):
    monkeypatch.setenv("GRIDSEG_DUCKDB_MEMORY", "4GiB")
    conn = connect_duckdb(tmp_path / "w.duckdb", memory_share=share)
    limit = conn.execute("select current_setting('memory_limit')").fetchall()[0][0]
    assert limit == shown(f"{int(4 * 2**30 * share)}B")
    # the connection still works within its limit, and never loads an extension by itself
    assert conn.execute("select count(*) from range(1000000)").fetchall() == [(1000000,)]
    assert conn.execute("select current_setting('autoinstall_known_extensions')").fetchall() == [
        (False,)
    ]
