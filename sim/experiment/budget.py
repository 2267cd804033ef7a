"""What a run will cost, worked out before it starts: memory to refuse, time to warn about.

A run that cannot fit in memory would otherwise die with a MemoryError after minutes of work
(a team of 100,000 reps, ``-n`` in the billions, a huge ``--batch-size``). :func:`estimate`
works out, from the scenarios and the plan alone, the peak memory of a replication in a worker,
of a batch's results, and of the per-replication results the parent keeps (summary rows and
paired metrics, which grow with ``-n``), and the CPU time. The constants are measured on this
engine (``benchmarks/``-style runs of one replication in a fresh process; see the figures
beside each): the estimate is meant to be right within a factor of about two, which is enough
to refuse what cannot work and to warn about what will take hours.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from sim.scenario import Scenario

MB = 1024 * 1024
PROCESS_BYTES = 160 * MB
"""A Python process with the simulation imported (measured: 150 MB resident)."""
REP_BYTES = 0.03 * MB
"""Memory of a rep that exists regardless of its deals (measured: 0.03-0.05 MB)."""
REP_LEAD_WEEK_BYTES = 3.5e-4 * MB
"""Memory per rep, lead per week and simulated week: deals and their draws (measured 3.0e-4
to 3.9e-4 MB from 0.3 to 30 leads a week and 46 to 416 weeks, teams of 480 and 2,004 reps)."""
ROW_BYTES = 400
"""A weekly row of one replication (measured: 362 bytes in memory)."""
KEPT_BYTES = 2_000
"""What the parent keeps per replication and scenario for the whole run: the summary row, the
paired metrics and their share of the frames holding them (an upper estimate)."""
REP_WEEK_S = 3.2e-5
"""CPU seconds per rep-week with no leads (measured 3.3e-5 at 0.3 leads a week)."""
REP_WEEK_LEAD_S = 4.2e-6
"""CPU seconds per rep-week and lead a week (measured: 4.5e-5 s at 3 leads, 1.6e-4 s at 30)."""
WARN_AFTER_S = 3600.0
"""A run expected to take longer than this (wall time) gets a note with the figure."""


def _leads(s: Scenario) -> float:
    """Leads a week per rep, counting the managers' own leads shared over their reps."""
    return s.leads.per_rep_per_week + s.managers.own_leads_per_week / s.team.reps_per_manager


def _reps(s: Scenario) -> int:
    return s.team.managers * s.team.reps_per_manager


def _weeks(s: Scenario) -> int:
    return s.weeks + s.warmup_weeks


@dataclass(frozen=True)
class Estimate:
    """The memory and time a run is expected to take (see the module docstring)."""

    replication_bytes: float
    """Peak memory of the largest scenario's replication, in the process that runs it."""
    batch_bytes: float
    """Results of one batch of every scenario, as they travel and wait to be merged."""
    kept_bytes: float
    """Per-replication results the parent keeps until the run is written."""
    cpu_s: float
    """CPU seconds of every replication of every scenario."""
    workers: int
    """Where replications run: 0 on a cluster, 1 in this process, more in local workers."""
    largest_team: int
    """Reps of the largest team, to name in messages."""

    @property
    def worker_bytes(self) -> float:
        """A worker process at its peak: the process, a replication, the batch it returns."""
        return PROCESS_BYTES + self.replication_bytes + 2 * self.batch_bytes

    @property
    def parent_bytes(self) -> float:
        """The process running coachsim: results kept, batches waiting to be merged (two per
        worker in flight), and a replication if it runs them itself."""
        waiting = 2 * max(self.workers, 1) * self.batch_bytes
        own = self.replication_bytes if self.workers == 1 else 0.0
        return PROCESS_BYTES + self.kept_bytes + waiting + own

    @property
    def total_bytes(self) -> float:
        """Memory of this process and the local workers together."""
        local = self.workers if self.workers > 1 else 0
        return self.parent_bytes + local * self.worker_bytes

    def refusal(self, available: float | None, room: float | None = None) -> str | None:
        """Why the run cannot fit in ``available`` bytes (all its processes together), or in
        ``room`` bytes of one process (its address-space limit), or None."""
        largest = max(self.replication_bytes + 2 * self.batch_bytes, self.parent_bytes)
        if room is not None and largest - PROCESS_BYTES > room:
            what = (
                f"one replication of the {self.largest_team:,}-rep team takes about "
                f"{_size(self.replication_bytes)}"
                if self.replication_bytes > 0.5 * room
                else f"the results kept until the end take about {_size(self.kept_bytes)}"
            )
            return (
                f"this run needs about {_size(largest - PROCESS_BYTES)} of memory in one process "
                f"and a process may use {_size(room)} more here (ulimit -v): {what}; lower the "
                "team size, -n or --batch-size, or raise the limit"
            )
        if available is None or self.total_bytes <= available:
            return None
        parts = []
        if self.replication_bytes > 0.25 * available:
            parts.append(
                f"one replication of the {self.largest_team:,}-rep team takes about "
                f"{_size(self.replication_bytes)}"
            )
        if self.kept_bytes > 0.25 * available:
            parts.append(
                f"the per-replication results kept until the end take about "
                f"{_size(self.kept_bytes)}: lower -n or --max-replications"
            )
        if self.batch_bytes > 0.1 * available:
            parts.append(f"one batch's results take {_size(self.batch_bytes)}: lower --batch-size")
        if self.workers > 1:
            parts.append(f"{self.workers} worker processes of {_size(self.worker_bytes)} each")
        detail = "; ".join(parts) if parts else "lower -n, -j or the team size"
        return (
            f"this run needs about {_size(self.total_bytes)} of memory and this machine has "
            f"{_size(available)} available ({detail})"
        )

    def warning(self) -> str | None:
        """A note on a long run, or None."""
        wall = self.cpu_s / max(self.workers, 1)
        if wall <= WARN_AFTER_S:
            return None
        where = f"on {self.workers} processes" if self.workers > 1 else "on one process"
        if not self.workers:
            where = "on one cluster worker (less on more)"
        return f"this run will take about {_duration(wall)} {where}"


def estimate(
    scenarios: Sequence[Scenario], replications: int, batch_size: int, workers: int
) -> Estimate:
    """The memory and time of ``replications`` replications of ``scenarios`` in batches of
    ``batch_size``, on ``workers`` local processes (0 for a cluster)."""
    rep_bytes = [
        _reps(s) * (REP_BYTES + REP_LEAD_WEEK_BYTES * _leads(s) * _weeks(s)) for s in scenarios
    ]
    batch = min(batch_size, replications)
    return Estimate(
        replication_bytes=max(rep_bytes),
        batch_bytes=batch * sum(ROW_BYTES * s.weeks for s in scenarios),
        kept_bytes=replications * len(scenarios) * KEPT_BYTES,
        cpu_s=replications
        * sum(_reps(s) * _weeks(s) * (REP_WEEK_S + REP_WEEK_LEAD_S * _leads(s)) for s in scenarios),
        workers=workers,
        largest_team=max(_reps(s) for s in scenarios),
    )


def one_replication_refusal(scenario: Scenario) -> str | None:
    """Why one replication of ``scenario`` cannot fit in this machine's memory, or None (what
    ``validate`` warns of, and ``export-crm`` refuses)."""
    return estimate([scenario], 1, 1, 1).refusal(available_memory(), process_room())


def available_memory() -> float | None:
    """Bytes of memory the processes of a run may share: the machine's available memory
    (Linux: MemAvailable, else its physical memory), or less where a container's memory limit
    (cgroup v2 ``memory.max``, v1 ``memory.limit_in_bytes``) leaves less room; None: unknown (no
    check)."""
    found = [
        x for x in (_kb_field("/proc/meminfo", "MemAvailable"), _cgroup_room()) if x is not None
    ]
    if found:
        return min(found)
    try:
        return float(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def process_room() -> float | None:
    """Bytes one process may still map under its address-space limit (``ulimit -v``, inherited
    by the worker processes), or None when there is no limit. Each worker starts as this process
    did, so this is also a worker's room for its replications."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, ValueError, OSError):
        return None
    if soft == resource.RLIM_INFINITY or soft <= 0:
        return None
    return max(0.0, float(soft) - _mapped())


def _kb_field(path: str, field: str) -> float | None:
    """The kB figure of a ``Field:   123 kB`` line of a /proc file, in bytes, or None."""
    try:
        with open(path, encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return float(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _read_number(path: str) -> float | None:
    try:
        with open(path, encoding="ascii") as f:
            text = f.read().strip()
        return None if text in ("", "max") else float(text)
    except (OSError, ValueError):
        return None


def _cgroup_room() -> float | None:
    """The memory limit of this process's cgroup less its usage, or None without one."""
    for limit_file, usage_file in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        (
            "/sys/fs/cgroup/memory/memory.limit_in_bytes",
            "/sys/fs/cgroup/memory/memory.usage_in_bytes",
        ),
    ):
        limit = _read_number(limit_file)
        if limit is None or limit >= 2**60:  # v1 writes "no limit" as a huge number
            continue
        return max(0.0, limit - (_read_number(usage_file) or 0.0))
    return None


def _mapped() -> float:
    """Bytes of address space this process has mapped (Linux; else the estimate of a fresh
    process)."""
    mapped = _kb_field("/proc/self/status", "VmSize")
    return float(PROCESS_BYTES) if mapped is None else mapped


def _size(n: float) -> str:
    for unit, scale in (("TB", 1024**4), ("GB", 1024**3), ("MB", MB)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n / 1024:,.0f} KB"


def _duration(s: float) -> str:
    for unit, scale in (("years", 365 * 86400), ("days", 86400), ("hours", 3600)):
        if s >= scale:
            return f"{s / scale:,.1f} {unit}"
    return f"{s / 60:,.0f} minutes"
