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
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    figures: list[Figure] = []
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"running {name} …", flush=True)
        figures.extend(module.run())
    print(format_table(figures))
    return 0 if all(f.ok for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
