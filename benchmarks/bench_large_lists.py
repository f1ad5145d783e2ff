"""100,000 and 1,000,000 rows at 0 ms latency: time per row and peak memory, against the floor.

The floor is ``bare``: aiohttp fetching the same pages with the same concurrency and
``json.loads`` of each body, collector paused — transfer plus parse, nothing else. The client
must stay within ~1.1x of it at 100k rows (the cyclic collector off the hot path, no per-row
work beyond de-duplication), cost per row at 1M no more than at 100k beyond what the floor's own
per-row cost grows (a fresh process growing its heap to ~1 GB pays page faults whatever it
parses; the collector used to add 1.45x on top), and hold no more
memory than the floor's parsed rows plus its bodies (peak resident memory of each fresh
process). The pages are ~0.25 kB rows, 500 a page, pre-encoded by ``benchmarks._page_server``
in its own process. The client parses with msgspec, so it also beats that floor; the same floor
with msgspec is printed beside it, so what the client adds over transfer and parse stays visible.
"""

from __future__ import annotations

import math

from benchmarks._figure import Figure
from benchmarks._processes import PageServerProcess, probe

SIZES = (100_000, 1_000_000)
ROUNDS = {100_000: 3, 1_000_000: 2}
FLOOR_TARGET = 1.10
LINEAR_TARGET = 1.15
MEMORY_TARGET = 1.2


def run() -> list[Figure]:
    seconds: dict[tuple[str, int], float] = {}
    memory: dict[tuple[str, int], float] = {}
    for size in SIZES:
        with PageServerProcess(size, 0, 500, "small") as server:
            for _ in range(ROUNDS[size]):
                for client in ("ours", "bare", "bare-msgspec"):
                    report = probe(client, server.endpoint, calls=1, timeout=900)
                    if report["rows"] != size:
                        raise RuntimeError(f"{client} listed {report['rows']} rows of {size}")
                    key = (client, size)
                    seconds[key] = min(seconds.get(key, math.inf), report["seconds"][0])
                    memory[key] = min(memory.get(key, math.inf), report["maxrss_mib"])
    figures = []
    for size in SIZES:
        ours, floor = seconds[("ours", size)], seconds[("bare", size)]
        per_row = ours / size * 1e6
        target = FLOOR_TARGET if size == SIZES[0] else None
        figures.append(Figure(
            f"list {size:,} rows @0 ms ({per_row:.2f} µs/row)", ours, "s", "transfer + json.loads", floor,
            ours / floor, f"<= {FLOOR_TARGET:g}x" if target else "informative",
            ours / floor <= FLOOR_TARGET if target else True))
        same_parser = seconds[("bare-msgspec", size)]
        figures.append(Figure(f"  same, vs transfer + msgspec (the client's parser)", ours, "s",
                              "transfer + msgspec", same_parser, ours / same_parser, "informative", True))
    small, large = SIZES
    growth = (seconds[("ours", large)] / large) / (seconds[("ours", small)] / small)
    floor_growth = (seconds[("bare", large)] / large) / (seconds[("bare", small)] / small)
    figures.append(Figure(f"  time per row at {large:,} vs {small:,} rows (the floor's grows {floor_growth:.2f}x)",
                          growth, "x", "the floor's growth", floor_growth, growth / floor_growth,
                          f"<= {LINEAR_TARGET:g}x the floor's", growth <= LINEAR_TARGET * floor_growth))
    ours_mem, floor_mem = memory[("ours", large)], memory[("bare", large)]
    figures.append(Figure(f"  peak memory listing {large:,} rows", ours_mem, "MiB", "json.loads of the bytes",
                          floor_mem, ours_mem / floor_mem, f"<= {MEMORY_TARGET:g}x",
                          ours_mem / floor_mem <= MEMORY_TARGET))
    return figures
