"""Lint-time stand-ins for dbt's cross-database macros (`dbt.<macro>`), for sqlfluff's jinja
templater (.sqlfluff: library_path). They render SQL of the same shape as dbt-duckdb's, for
parsing and layout only; dbt itself never imports this."""


def dateadd(datepart, interval, from_date_or_timestamp):
    """dbt.dateadd as dbt-duckdb renders it."""
    return f"date_add({from_date_or_timestamp}, interval ({interval}) {datepart})"
