"""GridSeg segmentation science: value index, satisfaction, credit, K-means segments, profiles.

Plain Python over Polars / NumPy / scikit-learn / SciPy. The Dagster layer calls
`ml.pipeline`; nothing here knows about Dagster, DuckDB or file paths.
"""
