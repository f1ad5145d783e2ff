"""Run every ``benchmarks/bench_*.py`` and print one table of figures against their baselines.

Each module exposes ``run() -> list[Figure]``. A figure compares a measurement with a baseline
measured in the same run, so the ratio means something on any machine.
"""

from __future__ import annotations

import argparse
import importlib
import platform
import os
import sys
from pathlib import Path

from benchmarks._figure import Figure, format_table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("only", nargs="*", help="run only these modules (e.g. bench_frames)")
    args = parser.parse_args(argv)
    names = sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))
    if args.only:
        names = [n for n in names if n in args.only or n.removeprefix("bench_") in args.only]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average at start {_load()}")
    figures: list[Figure] = []
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"running {name} …", flush=True)
        figures.extend(module.run())
    print(format_table(figures))
    print(f"load average at end {_load()}")
    missed = [f.name.strip() for f in figures if not f.ok]
    print(f"{len(figures) - len(missed)} of {len(figures)} targets met" + (f"; missed: {'; '.join(missed)}" if missed else ""))
    return 0 if not missed else 1


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
