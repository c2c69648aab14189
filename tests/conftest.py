"""Settings every test session shares, set before any test imports the Definitions."""

import os

import pytest

# The monthly partitions start at the oldest data of the fixtures (the AMI sample is 2015),
# not at the first month a local demo recorded under data/state/ (orchestration/defs/partitions.py).
os.environ["GRIDSEG_FIRST_MONTH"] = "2015-01"


@pytest.fixture(scope="session")
def spark(tmp_path_factory):
    """One local Spark session for the tests that need Spark (JVM start-up: ~10 s)."""
    from orchestration.spark import local_session

    session = local_session(tmp_path_factory.mktemp("spark"))
    yield session
    session.stop()
