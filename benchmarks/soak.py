"""``make soak``: the client against a flaky cloud for a few minutes, and the figures it keeps.

The simulator runs in its own process with about 10 % 5xx answers, 5 % dropped connections,
throttling and latency. Against it: at least 50 full listings of at least 5,000 VMs while
another client deploys and destroys VMs, and at least 30 deploys. It prints::

    listings exact N/N, silent partial 0, repeated non-idempotent calls 0, jobs lost 0

and exits non-zero when any goal is missed:

* **listings exact** — every listing ended with every VM that existed throughout it, none
  twice, nothing invented (a loud ``ListChangedError`` or transient error may be retried, as a
  user would, up to 5 times);
* **silent partial** — listings that returned a wrong list without an error: must be 0;
* **repeated non-idempotent calls** — deploy/destroy requests the server received beyond the
  calls made: must be 0;
* **jobs lost** — calls whose reported outcome (created / refused) contradicts what the server
  did, checked with faults off at the end; calls the client called "unknown" with a way to
  check, or whose job it named, are not lost: must be 0.

Bounded: counts and a wall-clock deadline; the simulator listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from benchmarks._sim_process import SimulatorProcess
from benchmarks._soak_run import SoakPlan, SoakTally, soak

#: A listing's burst of 11 pages, its retries and the changer's polls now and then exceed 20
#: requests a second, so 429s happen without starving the changer.
FAULTS = {"fail_rate": 0.10, "drop_rate": 0.05, "throttle": 20, "latency_ms": 20}
NO_FAULTS = {"fail_rate": 0, "drop_rate": 0, "throttle": 0, "latency_ms": 0}
#: Seeded VMs; about 2 % sit in projects (not in a plain listall listing), so 5,300 lists >= 5,000.
VMS = 5300
MIN_LISTINGS, MIN_DEPLOYS, MIN_ROWS = 50, 30, 5000


def goals(tally: SoakTally, plan: SoakPlan, min_rows: int) -> list[str]:
    """The goals missed (empty: all met)."""
    missed = []
    if tally.listings < plan.listings or tally.exact != tally.listings:
        missed.append(f"listings exact {tally.exact}/{tally.listings} (want {plan.listings}/{plan.listings})")
    if not tally.rows_seen or min(tally.rows_seen) < min_rows:
        missed.append(f"a listing held {min(tally.rows_seen, default=0)} VMs (want >= {min_rows})")
    if tally.silent_partial:
        missed.append(f"silent partial {len(tally.silent_partial)}: {tally.silent_partial[:3]}")
    if tally.deploys < plan.deploys:
        missed.append(f"{tally.deploys} deploys (want >= {plan.deploys})")
    if tally.repeated:
        missed.append(f"repeated non-idempotent calls {tally.repeated}")
    if tally.lost:
        missed.append(f"jobs lost {len(tally.lost)}: {tally.lost[:3]}")
    return missed


def report(tally: SoakTally) -> str:
    return (f"listings exact {tally.exact}/{tally.listings}, silent partial {len(tally.silent_partial)}, "
            f"repeated non-idempotent calls {tally.repeated}, jobs lost {len(tally.lost)}")


def details(tally: SoakTally, stats: dict[str, Any]) -> list[str]:
    rows = f"{min(tally.rows_seen):,}-{max(tally.rows_seen):,}" if tally.rows_seen else "none"
    return [
        f"  listings: {tally.listings} ({rows} VMs each), {tally.during_changes} overlapped a change, "
        f"{tally.loud} loud errors retried {dict(sorted(tally.loud_kinds.items()))}, {tally.failed} gave up; "
        f"wrong listings with no change during them: {tally.silent_without_change}",
        f"  changes: {tally.deploys} deploys, {tally.destroys} destroys ({sum(tally.attempts.values())} attempts "
        f"with throttled ones); outcomes {dict(sorted(tally.outcomes.items()))}",
        f"  simulator: {stats.get('requests')} requests, {stats.get('failed')} 5xx, {stats.get('dropped')} dropped, "
        f"{stats.get('throttled')} throttled",
        f"  took {tally.seconds:.0f} s",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--listings", type=int, default=MIN_LISTINGS, help="full listings (goal: all exact)")
    parser.add_argument("--deploys", type=int, default=MIN_DEPLOYS, help="deploys at least")
    parser.add_argument("--vms", type=int, default=VMS, help="seeded VMs (fewer: a quick rehearsal, no row goal)")
    args = parser.parse_args(argv)
    plan = SoakPlan(listings=args.listings, deploys=args.deploys)
    print(f"soak: simulator with {args.vms:,} VMs, faults {FAULTS} …", flush=True)
    with SimulatorProcess(vms=args.vms, job_seconds=0.3) as sim:
        def sent() -> dict[str, int]:
            return dict(sim.stats()["commands"])

        tally = asyncio.run(soak(sim.endpoint, sim.api_key, sim.secret_key, plan,
                                 lambda: sim.configure(**FAULTS), lambda: sim.configure(**NO_FAULTS), sent))
        stats = sim.stats()
    print(report(tally))
    for line in details(tally, stats):
        print(line)
    missed = goals(tally, plan, MIN_ROWS if args.vms >= VMS else 0)
    for goal in missed:
        print(f"GOAL MISSED: {goal}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
