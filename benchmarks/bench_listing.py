"""Listing 20,000 VMs at 50 ms latency: the user's FIRST call in a fresh process, against ``cs``.

The server is ``benchmarks._page_server`` in its own process: 20,000 VM rows shaped like
CloudStack 4.18's, 500 a page, every page JSON-encoded once at start, 50 ms latency per request,
so the server costs next to nothing and what is measured is the client. Each client runs in its
own fresh interpreter (``benchmarks._list_probe``): the first call pays for everything a user's
first call pays for (spec, connection pool, code paths); the second is the warm figure.

The round-trip limit is ``(ceil((pages - 1) / 8) + 1)`` latencies (page 1 says how many pages
follow; 8 in flight) plus ``json.loads`` of the same page bytes. Also measured: the same client
without its page-boundary checks (the listing as it was before lists became complete-or-loud),
so the checks' cost on an unchanging list is a figure. Best of ``ROUNDS`` for each, the clients
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
CHECKS_TARGET = 1.10


def run() -> list[Figure]:
    best: dict[str, float] = {}

    def keep(name: str, value: float) -> None:
        best[name] = min(best.get(name, math.inf), value)

    rows: set[int] = set()
    with PageServerProcess(VMS, LATENCY_MS, PAGE_SIZE, "vm") as server:
        for _ in range(ROUNDS):
            for client in ("ours", "ours-unchecked", "bare", "cs"):
                report = probe(client, server.endpoint, calls=1 if client == "cs" else 2,
                               concurrency=CONCURRENCY, page_size=PAGE_SIZE)
                rows.add(report["rows"])
                keep(f"{client} cold", report["seconds"][0])
                if len(report["seconds"]) > 1:
                    keep(f"{client} warm", report["seconds"][1])
                if "decode" in report:
                    keep("decode", report["decode"])
    if rows != {VMS}:
        raise RuntimeError(f"a client listed the wrong number of VMs: {sorted(rows)}")
    pages = math.ceil(VMS / PAGE_SIZE)
    round_trips = math.ceil((pages - 1) / CONCURRENCY) + 1
    limit = round_trips * LATENCY_MS / 1000 + best["decode"]
    cold, warm, cs_time = best["ours cold"], best["ours warm"], best["cs cold"]
    checked, unchecked = min(cold, warm), min(best["ours-unchecked cold"], best["ours-unchecked warm"])
    reads = Tiling(PAGE_SIZE).count_for(VMS)
    title = f"list {VMS:,} VMs @{LATENCY_MS} ms, FIRST call in a fresh process ({reads} reads of <= {PAGE_SIZE})"
    return [
        Figure(title, cold, "s", "cs fetch_list", cs_time, cs_time / cold,
               f">= {CS_TARGET:g}x faster than cs", cs_time / cold >= CS_TARGET),
        Figure("  same, vs round-trip limit", cold, "s",
               f"limit ({round_trips} RTT + json.loads {best['decode']:.3f} s)", limit, cold / limit,
               f"<= {LIMIT_TARGET:g}x limit", cold / limit <= LIMIT_TARGET),
        Figure("  same, cold vs warm (second call, same process)", cold, "s", "warm", warm, cold / warm,
               f"<= {COLD_TARGET:g}x warm", cold / warm <= COLD_TARGET),
        Figure("  warm call vs round-trip limit", warm, "s", "limit", limit, warm / limit, "informative", True),
        Figure("  bare aiohttp + json.loads, same requests", best["bare warm"], "s", "limit", limit,
               best["bare warm"] / limit, "informative", True),
        Figure("  with page-boundary checks vs without", checked, "s", "without checks", unchecked,
               checked / unchecked, f"<= {CHECKS_TARGET:g}x", checked / unchecked <= CHECKS_TARGET),
    ]
