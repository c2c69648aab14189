"""Shared fixtures of the data-quality tests."""

import os

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
