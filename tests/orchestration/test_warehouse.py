"""The warehouse connection helpers: the configured memory limit and a step's share of it."""

import duckdb
import pytest

from orchestration.defs.warehouse import connect_duckdb, memory_limit_bytes


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("6GB", 6 * 10**9),
        ("5.5GiB", int(5.5 * 2**30)),
        ("4000 MB", 4 * 10**9),
        ("512mib", 512 * 2**20),
        ("123456B", 123456),
    ],
)
def test_memory_limit_reads_sizes_as_duckdb_does(setting, expected):
    assert memory_limit_bytes(setting) == expected


@pytest.mark.parametrize("setting", ["lots", "6 GX", "-1GB", ""])
def test_a_bad_memory_limit_names_the_variable(setting):
    with pytest.raises(ValueError, match=r"GRIDSEG_DUCKDB_MEMORY=.*is not a memory size"):
        memory_limit_bytes(setting)


def shown(limit_bytes: int) -> str:
    """How DuckDB shows a limit of `limit_bytes`."""
    other = duckdb.connect(config={"memory_limit": f"{limit_bytes}B"})
    return other.execute("select current_setting('memory_limit')").fetchall()[0][0]


@pytest.mark.parametrize("share", [1.0, 0.5, 0.25])
def test_a_connection_gets_its_share_of_the_configured_limit(tmp_path, monkeypatch, share):
    monkeypatch.setenv("GRIDSEG_DUCKDB_MEMORY", "4GiB")
    conn = connect_duckdb(tmp_path / "w.duckdb", memory_share=share)
    limit = conn.execute("select current_setting('memory_limit')").fetchall()[0][0]
    assert limit == shown(int(4 * 2**30 * share))
    # the connection still works within its limit, and never loads an extension by itself
    assert conn.execute("select count(*) from range(1000000)").fetchall() == [(1000000,)]
    assert conn.execute("select current_setting('autoinstall_known_extensions')").fetchall() == [
        (False,)
    ]
