"""Peak resident memory of this process and all its children (dbt runs as a subprocess),
sampled from /proc every 100 ms: what the machine must really have free."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path


def _children(pid: int) -> list[int]:
    kids = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            pass
    return kids


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_mib(root: int | None = None) -> float:
    root = root or os.getpid()
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += _rss_kib(pid)
        stack += _children(pid)
    return total / 1024


class PeakMemory:
    """`with PeakMemory() as peak: ...; peak.mib` is the highest tree RSS seen inside the block."""

    def __init__(self, interval: float = 0.1):
        self.interval = interval
        self.mib = 0.0
        self._stop = threading.Event()

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.mib = max(self.mib, tree_rss_mib())
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self.mib = tree_rss_mib()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.mib = max(self.mib, tree_rss_mib())


def run_measured(command: list[str], interval: float = 0.1) -> tuple[float, float]:
    """(wall seconds, peak tree RSS in MiB) of a command run in a process of its own: only its
    own memory, not this process's. Raises CalledProcessError when it fails."""
    started = time.perf_counter()
    process = subprocess.Popen(command)
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, tree_rss_mib(process.pid))
        time.sleep(interval)
    seconds = time.perf_counter() - started
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command)
    return seconds, peak
