"""Helpers shared by the dbt Python models that compute in NumPy (int_customer_months_payments,
int_customer_trailing_12m and int_customer_trailing_12m_meter, whose window arithmetic is in
trailing_windows.py): exact NumPy-to-Arrow columns, and a pipeline that computes the next
chunk on a worker thread while DuckDB writes the last one.

dbt-duckdb puts this folder on the Python path (`module_paths` in profiles.yml, relative to the
dbt project, where dbt runs); pytest does too (pyproject.toml).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa


def arrow_array(arrow_type: pa.DataType, values, valid=None) -> pa.Array:
    """An Arrow array of `arrow_type` from flat NumPy values and a validity mask (None: all
    valid). A decimal takes its unscaled int64 values, or the (high int64, low uint64) words of
    a 128-bit integer; no value goes through floating point. A 64-bit decimal (decimal64) is
    its int64 values as they are: DuckDB reads it as the same DECIMAL(18, s), without the
    128-bit words to build and narrow again."""
    if pa.types.is_boolean(arrow_type):
        raise TypeError("arrow_array: Arrow stores booleans as bits; use pa.array(values)")
    n = len(values[1]) if isinstance(values, tuple) else len(values)
    if valid is None or valid.all():
        validity, nulls = None, 0
    else:
        validity = pa.py_buffer(np.packbits(valid, bitorder="little"))
        nulls = n - int(np.count_nonzero(valid))
    if pa.types.is_decimal64(arrow_type):
        data = pa.py_buffer(np.ascontiguousarray(values, dtype=np.int64))
    elif pa.types.is_decimal128(arrow_type):
        high, low = values if isinstance(values, tuple) else (values >> 63, values)
        words = np.empty((n, 2), dtype=np.uint64)
        words[:, 0] = low.astype(np.uint64)
        words[:, 1] = high.astype(np.uint64)
        data = pa.py_buffer(words)
    elif pa.types.is_decimal(arrow_type):
        raise TypeError(f"arrow_array: decimal64 or decimal128 only, not {arrow_type}")
    else:
        data = pa.py_buffer(np.ascontiguousarray(values, dtype=arrow_type.to_pandas_dtype()))
    return pa.Array.from_buffers(arrow_type, n, [validity, data], null_count=nulls)


def pipelined(
    compute: Callable[[int], pa.RecordBatch | None],
    n_parts: int,
    cleanup: Callable[[], None] | None = None,
) -> Iterator[pa.RecordBatch]:
    """The batches compute(0) ... compute(n_parts - 1), in order, skipping None. The next part is
    computed on one worker thread while the caller (DuckDB writing the table) consumes this one:
    NumPy and DuckDB release the GIL, so the two cores overlap. `cleanup` runs at the end, also
    when the consumer stops early or a part fails."""
    try:
        with ThreadPoolExecutor(max_workers=1) as worker:
            pending = worker.submit(compute, 0) if n_parts else None
            for part in range(1, n_parts + 1):
                batch = pending.result()
                pending = worker.submit(compute, part) if part < n_parts else None
                if batch is not None:
                    yield batch
    finally:
        if cleanup is not None:
            cleanup()
