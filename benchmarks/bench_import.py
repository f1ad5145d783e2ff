"""``import cloudstack_magic`` time (target ≤ 1.2× ``import aiohttp``), both in fresh subprocesses.

Each sample is one new interpreter that times only the import statement, so interpreter start-up
does not dilute the ratio. Samples alternate between the two modules (drift on a busy machine hits
both) and the median is reported. The subprocess also checks that pandas, IPython and ipywidgets
were *not* imported: they load only when first needed.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

from benchmarks._figure import Figure

SAMPLES = 9
TARGET_RATIO = 1.2
HEAVY = ("pandas", "IPython", "ipywidgets", "numpy")
_PROBE = """
import json, sys, time
start = time.perf_counter()
import {module}
elapsed = time.perf_counter() - start
print(json.dumps({{"seconds": elapsed, "heavy": [m for m in {heavy!r} if m in sys.modules]}}))
"""


def import_time(module: str) -> tuple[float, list[str]]:
    """Seconds one fresh interpreter spends in ``import module``, and heavy modules it pulled in."""
    out = subprocess.run(
        [sys.executable, "-c", _PROBE.format(module=module, heavy=HEAVY)],
        check=True, capture_output=True, text=True, timeout=60,
    ).stdout
    probe = json.loads(out.strip().splitlines()[-1])
    return probe["seconds"], probe["heavy"]


def run() -> list[Figure]:
    ours: list[float] = []
    baseline: list[float] = []
    heavy: set[str] = set()
    import_time("cloudstack_magic")  # first run compiles .pyc files; not a fair sample
    for _ in range(SAMPLES):
        seconds, pulled = import_time("cloudstack_magic")
        ours.append(seconds)
        heavy.update(pulled)
        baseline.append(import_time("aiohttp")[0])
    value, base = statistics.median(ours), statistics.median(baseline)
    name = "import cloudstack_magic (median, fresh process)"
    if heavy:
        name += f" — pulled in {', '.join(sorted(heavy))}!"
    return [
        Figure(
            name=name,
            value=value * 1000,
            unit="ms",
            baseline_name="import aiohttp",
            baseline=base * 1000,
            ratio=base / value,
            target=f"≤ {TARGET_RATIO:g}× aiohttp (ratio ≥ {1 / TARGET_RATIO:.2f})",
            ok=value <= TARGET_RATIO * base and not heavy,
        )
    ]
