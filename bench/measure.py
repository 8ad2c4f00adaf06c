"""What every bench measures the same way: percentiles and a process's peak resident memory."""
from __future__ import annotations

import resource
from pathlib import Path


def percentile(values: list[float], q: float) -> float:
    """The value at quantile q (nearest rank); nan for no values."""
    if not values:
        return float("nan")
    values = sorted(values)
    return values[max(0, min(len(values) - 1, round(q * (len(values) - 1))))]


def peak_rss_mb(pid: int | str = "self") -> float | None:
    """Peak resident memory of a process (Linux: VmHWM, its own address space's high-water mark), MB.

    Not getrusage's ru_maxrss: Linux keeps that across fork and exec, so a process started by a large one (the
    scale bench starts its serving process after holding a 100,000-paragraph ingest) would report its parent's
    size. Without /proc, for this process: ru_maxrss."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 if pid == "self" else None
