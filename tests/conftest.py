"""Settings every test session shares, set before any test imports the Definitions."""

import os

# The monthly partitions start at the oldest data of the fixtures (the AMI sample is 2015),
# not at the first month a local demo recorded under data/state/ (orchestration/defs/partitions.py).
os.environ["GRIDSEG_FIRST_MONTH"] = "2015-01"
