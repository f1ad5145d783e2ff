"""Listing 20,000 VMs at 50 ms latency: the user's FIRST call in a fresh process, against ``cs``.

The server is ``benchmarks._page_server`` in its own process: 20,000 VM rows shaped like
CloudStack 4.18's, 500 a page, every page JSON-encoded once at start, 50 ms latency per request,
so the server costs next to nothing and what is measured is the client. Each client runs in its
own fresh interpreter (``benchmarks._list_probe``): the first call pays for everything a user's
first call pays for (spec, connection pool, code paths); the warm figure is the process's next
listing, one it has not read, so the two differ only by what a process pays once. The same
listing read a third time is faster still (its size is known, so its pages go out together with
page 1: one round trip fewer) — a figure of its own, as no first call can know a list's size.

The round-trip limit is ``(ceil((pages - 1) / 8) + 1)`` latencies (page 1 says how many pages
follow; 8 in flight) plus ``json.loads`` of the same page bytes. Also measured: the same client
without its page-boundary checks (the listing as it was before lists became complete-or-loud),
so the checks' cost on an unchanging list is a figure. Their target is in reads (overlapping
windows per plain page): in time, two more reads are a whole round trip more whenever the plain
pages fill their waves exactly (40 pages at 8 in flight), and nothing otherwise. Best of ``ROUNDS`` for each, the clients
interleaved so machine load hits them alike.
"""

from __future__ import annotations

import math

from benchmarks._figure import Figure
from benchmarks._processes import PageServerProcess, probe
from cloudstack_magic.client._windows import Tiling

VMS = 20_000
LATENCY_MS = 50
PAGE_SIZE = 500
CONCURRENCY = 8
ROUNDS = 3
CS_TARGET = 6.0
LIMIT_TARGET = 1.3
COLD_TARGET = 1.15  # cold within noise of warm
CHECKS_TARGET = 1.10  # reads of overlapping windows per plain page


def run() -> list[Figure]:
    best: dict[str, float] = {}

    def keep(name: str, value: float) -> None:
        best[name] = min(best.get(name, math.inf), value)

    rows: set[int] = set()
    with PageServerProcess(VMS, LATENCY_MS, PAGE_SIZE, "vm") as server:
        for _ in range(ROUNDS):
            for client in ("ours", "ours-unchecked", "bare", "cs"):
                calls = {"cs": 1, "bare": 2}.get(client, 3)
                report = probe(client, server.endpoint, calls=calls, concurrency=CONCURRENCY, page_size=PAGE_SIZE)
                rows.add(report["rows"])
                for name, seconds in zip(("cold", "warm", "again"), report["seconds"]):
                    keep(f"{client} {name}", seconds)
                if "decode" in report:
                    keep("decode", report["decode"])
    if rows != {VMS}:
        raise RuntimeError(f"a client listed the wrong number of VMs: {sorted(rows)}")
    pages = math.ceil(VMS / PAGE_SIZE)
    round_trips = math.ceil((pages - 1) / CONCURRENCY) + 1
    limit = round_trips * LATENCY_MS / 1000 + best["decode"]
    cold, warm, again, cs_time = best["ours cold"], best["ours warm"], best["ours again"], best["cs cold"]
    reads = Tiling(PAGE_SIZE).count_for(VMS)
    checked_waves, plain_waves = math.ceil(reads / CONCURRENCY), math.ceil(pages / CONCURRENCY)
    title = f"list {VMS:,} VMs @{LATENCY_MS} ms, FIRST call in a fresh process ({reads} reads of <= {PAGE_SIZE})"
    return [
        Figure(title, cold, "s", "cs fetch_list", cs_time, cs_time / cold,
               f">= {CS_TARGET:g}x faster than cs", cs_time / cold >= CS_TARGET),
        Figure("  same, vs round-trip limit", cold, "s",
               f"limit ({round_trips} RTT + json.loads {best['decode']:.3f} s)", limit, cold / limit,
               f"<= {LIMIT_TARGET:g}x limit", cold / limit <= LIMIT_TARGET),
        Figure("  same, vs warm (the process's next listing, one it has not read)", cold, "s", "warm", warm,
               cold / warm, f"<= {COLD_TARGET:g}x warm", cold / warm <= COLD_TARGET),
        Figure("  that listing again (size known: its pages go out with page 1)", again, "s", "limit", limit,
               again / limit, "informative", True),
        Figure("  bare aiohttp + json.loads, same requests", best["bare warm"], "s", "limit", limit,
               best["bare warm"] / limit, "informative", True),
        Figure("  reads: complete-or-loud windows vs plain pages", reads, "reads", "plain pages", pages,
               reads / pages, f"<= {CHECKS_TARGET:g}x", reads / pages <= CHECKS_TARGET),
        Figure(f"  listing again, with page-boundary checks vs without ({checked_waves} vs {plain_waves} waves "
               f"of {CONCURRENCY})", again, "s", "without checks", best["ours-unchecked again"],
               again / best["ours-unchecked again"], "informative", True),
    ]
