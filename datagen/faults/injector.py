"""Placeholder until phase 2."""

from __future__ import annotations


class FaultInjector:
    def __init__(self, *args, **kwargs) -> None:
        raise NotImplementedError
