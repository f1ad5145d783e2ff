"""Building the DataFrame from 100,000 VM rows (target ≤ 1 s) against ``pandas.DataFrame(rows)``.

The rows look like a real ``listVirtualMachines`` answer: ~45 fields in the server's order, some
fields only on some rows (the server omits empty ones), dates in CloudStack's format, nested
``nic``/``tags`` lists. The baseline gets the same rows and does no typing at all (dates stay
strings, counters with gaps turn into floats), so the comparison is generous to it.
"""

from __future__ import annotations

import gc
import random
import time
import uuid
from collections.abc import Callable
from typing import Any

from benchmarks._figure import Figure

ROWS = 100_000
TARGET_SECONDS = 1.0
REPEATS = 3


def vm_rows(n: int = ROWS, seed: int = 42) -> list[dict[str, Any]]:
    """``n`` listVirtualMachines-shaped rows (deterministic for a seed)."""
    rnd = random.Random(seed)

    def uid() -> str:
        return str(uuid.UUID(int=rnd.getrandbits(128)))

    zones = [(uid(), f"zone-{i}") for i in range(3)]
    offerings = [(uid(), name, cpus, mem) for name, cpus, mem in
                 (("small", 1, 1024), ("medium", 2, 4096), ("large", 8, 16384))]
    rows = []
    for i in range(n):
        zone_id, zone = zones[i % 3]
        so_id, so_name, cpus, memory = offerings[i % 3]
        running = rnd.random() < 0.8
        row: dict[str, Any] = {
            "id": uid(), "name": f"vm-{i:06d}", "displayname": f"VM {i}", "account": "admin",
            "userid": "u-1", "username": "admin", "domainid": "d-1", "domain": "ROOT",
            "created": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:02:03+0000",
            "state": "Running" if running else "Stopped", "haenable": False, "zoneid": zone_id,
            "zonename": zone, "templateid": "t-1", "templatename": "tiny",
            "templatedisplaytext": "tiny linux", "passwordenabled": False,
            "serviceofferingid": so_id, "serviceofferingname": so_name, "cpunumber": cpus,
            "cpuspeed": 1000, "memory": memory, "guestosid": "os-1", "rootdeviceid": 0,
            "rootdevicetype": "ROOT", "hypervisor": "KVM", "isdynamicallyscalable": False,
            "ostypeid": "os-1", "osdisplayname": "Ubuntu 24.04", "lastupdated": "2026-11-28T01:02:03+0000",
            "nic": [{"id": uid(), "networkid": "n-1", "ipaddress": f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}",
                     "isdefault": True, "macaddress": "02:00:00:00:00:01"}],
            "securitygroup": [], "affinitygroup": [],
            "tags": [{"key": "env", "value": "prod"}] if i % 2 else [],
            "details": {"rootdisksize": "8"},
        }
        if running:  # only running VMs have a host and usage counters
            row.update(hostid="h-1", hostname=f"host-{i % 16}", cpuused=f"{i % 100}%",
                       networkkbsread=i * 10, networkkbswrite=i * 3, diskkbsread=100,
                       diskkbswrite=200, diskioread=1, diskiowrite=2, memorykbs=memory * 1024)
        rows.append(row)
    return rows


def best_of(fn: Callable[[], object], repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def run() -> list[Figure]:
    import pandas as pd

    from cloudstack_magic.present._frames import to_frame
    from cloudstack_magic.spec._spec import packaged_spec

    rows = vm_rows()
    api = packaged_spec()["listVirtualMachines"]
    to_frame(rows[:100], api=api)  # warm imports and caches for both sides
    pd.DataFrame(rows[:100])
    ours = best_of(lambda: to_frame(rows, api=api))
    baseline = best_of(lambda: pd.DataFrame(rows))
    return [
        Figure(
            name=f"DataFrame from {ROWS:,} VM rows (typed)",
            value=ours,
            unit="s",
            baseline_name="pandas.DataFrame(rows)",
            baseline=baseline,
            ratio=baseline / ours,
            target=f"≤ {TARGET_SECONDS:g} s",
            ok=ours <= TARGET_SECONDS,
        )
    ]
