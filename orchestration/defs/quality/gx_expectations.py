"""GridSeg's own Great Expectations 1.x expectations, for rules the core gallery lacks.

Importing this module registers them, so suite JSON files can name them by type. They run on
pandas only (our wrapper validates pandas frames); raw tables are text, so the map
expectations parse values themselves and leave unparseable or missing values to the
expectations that own those problems (regex, not-null), instead of failing them twice.

- expect_tou_parts_to_sum_to_total: per row, the parts (all columns but the last) sum to the
  total (the last column) within a relative tolerance (+ an absolute rounding slack).
- expect_column_pair_timestamps_to_be_ordered: per row, column_A <= column_B as timestamps.
- expect_column_value_shares_to_be_between: every distinct value's share of the rows lies in
  [min_share, max_share] (e.g. each segment holds 0.5%..90% of the customers).
- expect_table_columns_to_not_contain_set: none of the named columns exists (PII).
"""

from typing import ClassVar, Literal

import pandas as pd
from great_expectations.compatibility import pydantic
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import (
    BatchExpectation,
    ColumnAggregateExpectation,
    ColumnPairMapExpectation,
    MulticolumnMapExpectation,
)
from great_expectations.expectations.metrics.column_aggregate_metric_provider import (
    ColumnAggregateMetricProvider,
    column_aggregate_value,
)
from great_expectations.expectations.metrics.map_metric_provider import (
    ColumnPairMapMetricProvider,
    MulticolumnMapMetricProvider,
    column_pair_condition_partial,
    multicolumn_condition_partial,
)


def _numbers(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce")


def _timestamps(values: pd.Series) -> pd.Series:
    # ISO 8601 is the landing contract's format ('T' or space, date-only allowed).
    return pd.to_datetime(values, errors="coerce", format="ISO8601")


class TouPartsSumToTotal(MulticolumnMapMetricProvider):
    condition_metric_name = "multicolumn_values.tou_parts_sum_to_total"
    condition_domain_keys = (
        "batch_id",
        "table",
        "column_list",
        "row_condition",
        "condition_parser",
        "ignore_row_if",
    )
    condition_value_keys = ("tolerance", "rounding")

    @multicolumn_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_list: pd.DataFrame, **kwargs) -> pd.Series:
        # column by column: DataFrame.apply skips an empty frame and leaves it text
        numbers = pd.DataFrame({c: _numbers(column_list[c]) for c in column_list.columns})
        parts = numbers.iloc[:, :-1].sum(axis=1, skipna=False)
        total = numbers.iloc[:, -1]
        close = (parts - total).abs() <= kwargs["tolerance"] * total.abs() + kwargs["rounding"]
        return close | parts.isna() | total.isna()


class ExpectTouPartsToSumToTotal(MulticolumnMapExpectation):
    """Time-of-use parts (all listed columns but the last) sum to the total (the last)."""

    tolerance: float = 0.01
    rounding: float = 0.01  # kWh: parts are rounded to 0.001 each before they are sent
    ignore_row_if: Literal["all_values_are_missing", "any_value_is_missing", "never"] = (
        "any_value_is_missing"
    )
    map_metric = "multicolumn_values.tou_parts_sum_to_total"
    success_keys = ("mostly", "tolerance", "rounding")
    args_keys = ("column_list", "tolerance")


class ColumnPairTimestampsOrdered(ColumnPairMapMetricProvider):
    condition_metric_name = "column_pair_values.timestamps_ordered"
    condition_domain_keys = (
        "batch_id",
        "table",
        "column_A",
        "column_B",
        "row_condition",
        "condition_parser",
        "ignore_row_if",
    )
    condition_value_keys = ()

    @column_pair_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_A: pd.Series, column_B: pd.Series, **kwargs) -> pd.Series:  # noqa: N803
        start, end = _timestamps(column_A), _timestamps(column_B)
        return (start <= end) | start.isna() | end.isna()


class ExpectColumnPairTimestampsToBeOrdered(ColumnPairMapExpectation):
    """column_A (a start) is not after column_B (its end), both read as timestamps."""

    ignore_row_if: Literal["both_values_are_missing", "either_value_is_missing", "neither"] = (
        "either_value_is_missing"
    )
    map_metric = "column_pair_values.timestamps_ordered"
    success_keys = ("column_A", "column_B", "ignore_row_if", "mostly")
    args_keys = ("column_A", "column_B")


class ColumnValueShares(ColumnAggregateMetricProvider):
    metric_name = "column.value_shares"
    value_keys = ()

    @column_aggregate_value(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, **kwargs) -> dict:
        shares = column.dropna().value_counts(normalize=True)
        return {str(value): float(share) for value, share in shares.items()}


class ExpectColumnValueSharesToBeBetween(ColumnAggregateExpectation):
    """Each distinct value of the column holds between min_share and max_share of the rows."""

    min_share: float = pydantic.Field(ge=0, le=1)
    max_share: float = pydantic.Field(ge=0, le=1)
    metric_dependencies = ("column.value_shares",)
    success_keys = ("min_share", "max_share")
    args_keys = ("column", "min_share", "max_share")

    def _validate(self, metrics: dict, runtime_configuration=None, execution_engine=None) -> dict:
        shares: dict[str, float] = metrics["column.value_shares"]
        outside = {v: s for v, s in shares.items() if not self.min_share <= s <= self.max_share}
        return {
            "success": bool(shares) and not outside,
            "result": {
                "observed_value": {v: round(s, 6) for v, s in sorted(shares.items())},
                "unexpected_count": len(outside) if shares else 1,
                "partial_unexpected_list": [f"{v}: {s:.4%}" for v, s in sorted(outside.items())],
            },
        }


class ExpectTableColumnsToNotContainSet(BatchExpectation):
    """None of column_set is a column of the table (e.g. PII that must never leave staging)."""

    column_set: list[str]
    metric_dependencies = ("table.columns",)
    success_keys = ("column_set",)
    args_keys = ("column_set",)
    domain_keys: ClassVar[tuple[str, ...]] = ("batch_id", "row_condition", "condition_parser")

    def _validate(self, metrics: dict, runtime_configuration=None, execution_engine=None) -> dict:
        present = sorted(set(metrics["table.columns"]) & set(self.column_set))
        return {
            "success": not present,
            "result": {
                "observed_value": sorted(metrics["table.columns"]),
                "unexpected_count": len(present),
                "partial_unexpected_list": present,
            },
        }
