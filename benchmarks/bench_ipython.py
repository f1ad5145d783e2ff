"""``%load_ext cloudstack_magic`` against a bare IPython start, both in fresh subprocesses.

Each sample is one new interpreter that times starting an IPython shell (import and
``InteractiveShell.instance()``), and for the measured side ``%load_ext cloudstack_magic`` right
after — what a user's first cell of a new kernel pays. Samples alternate (machine load hits both
alike); medians are compared. Goal: the extension costs at most 30 % on top of IPython itself.

The samples may write bytecode even where ``PYTHONDONTWRITEBYTECODE`` is set: IPython's modules
come with ``.pyc`` files from their install, and so do ours from any wheel, so recompiling only
this package's source in every sample would measure the compiler, not the import.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys

from benchmarks._figure import Figure

SAMPLES = 7
TARGET_RATIO = 1.3
_PROBE = """
import json, time
began = time.perf_counter()
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
{load}
print(json.dumps({{"seconds": time.perf_counter() - began}}))
"""


def start_time(load_extension: bool) -> float:
    load = ('shell.run_line_magic("load_ext", "cloudstack_magic")\n'
            'assert "cloudstack" in shell.magics_manager.magics["line"], "the extension did not load"'
            if load_extension else "pass")
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    out = subprocess.run([sys.executable, "-c", _PROBE.format(load=load)], check=True, capture_output=True,
                         text=True, timeout=120, env=env).stdout
    return float(json.loads(out.strip().splitlines()[-1])["seconds"])


def run() -> list[Figure]:
    start_time(True)  # compiles .pyc files; not a fair sample
    ours, bare = [], []
    for _ in range(SAMPLES):
        ours.append(start_time(True))
        bare.append(start_time(False))
    value, base = statistics.median(ours), statistics.median(bare)
    return [Figure("IPython start + %load_ext cloudstack_magic (median, fresh process)", value * 1000, "ms",
                   "bare IPython start", base * 1000, value / base, f"<= {TARGET_RATIO:g}x",
                   value <= TARGET_RATIO * base)]
