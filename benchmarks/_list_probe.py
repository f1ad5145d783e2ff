"""One client listing every VM in a fresh process: ``python -m benchmarks._list_probe CLIENT URL``.

Prints one JSON line: ``seconds`` of each call (the first is the user's first call in a fresh
process: the spec, the connection pool and the code paths are all cold; for ``ours`` see
``_OURS_CALLS``), ``rows``, ``decode``
(seconds ``json.loads`` takes over the same page bytes, collector paused: the CPU floor of a
listing) and ``maxrss_mib`` (the process's peak resident memory).

Clients: ``ours`` (this package), ``ours-unchecked`` (the same without page-boundary checks:
the listing as it was before them), ``cs`` (``fetch_list=True``, from PyPI), ``bare`` (aiohttp
and ``json.loads`` alone, the same concurrency: transfer + parse, nothing else), ``bare-msgspec``
(the same with the parser the client uses: what is left is the client's own work).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

KEY, SECRET = "bench-key", "bench-secret"


#: The listings ``ours`` makes in turn: the user's first call; then a listing this process has not
#: read (the page server ignores ``isrecursive``, so it is the same 20,000 rows), whose size the
#: client cannot know; then that listing again, whose pages go out with page 1 (the size is known).
_OURS_CALLS = ({"listall": True}, {"listall": True, "isrecursive": True}, {"listall": True, "isrecursive": True})


async def _ours(endpoint: str, calls: int, concurrency: int, page_size: int) -> tuple[list[float], int]:
    from cloudstack_magic import CloudStack

    times, rows = [], 0
    async with CloudStack(endpoint, KEY, SECRET, page_concurrency=concurrency, max_page_size=page_size,
                          timeout=600) as client:
        for call in range(calls):
            params = _OURS_CALLS[min(call, len(_OURS_CALLS) - 1)]
            began = time.perf_counter()
            reply = await client.listVirtualMachines(**params)
            times.append(time.perf_counter() - began)
            rows = len(reply["virtualmachine"])
            del reply
    return times, rows


def _cs(endpoint: str, calls: int, page_size: int) -> tuple[list[float], int]:
    import cs

    times, rows = [], 0
    client = cs.CloudStack(endpoint=endpoint, key=KEY, secret=SECRET, timeout=600)
    for _ in range(calls):
        began = time.perf_counter()
        listed = client.listVirtualMachines(listall=True, fetch_list=True, pagesize=page_size)
        times.append(time.perf_counter() - began)
        rows = len(listed)
        del listed
    return times, rows


async def _bare(endpoint: str, calls: int, concurrency: int, page_size: int,
                loads: Callable[[bytes], Any]) -> tuple[list[float], int, float]:
    import aiohttp

    times, rows, decode = [], 0, 0.0
    async with aiohttp.ClientSession() as session:
        async def page(number: int) -> bytes:
            params = {"command": "listVirtualMachines", "listall": "true", "page": str(number),
                      "pagesize": str(page_size), "response": "json"}
            async with session.get(endpoint, params=params) as response:
                return await response.read()

        for _ in range(calls):
            began = time.perf_counter()
            gate = asyncio.Semaphore(concurrency)
            first = loads(await page(1))["listvirtualmachinesresponse"]

            async def later(number: int) -> bytes:
                async with gate:
                    return await page(number)

            pages = math.ceil(first["count"] / page_size)
            bodies = await asyncio.gather(*(later(n) for n in range(2, pages + 1)))
            merged = list(first["virtualmachine"])
            for body in bodies:
                merged.extend(loads(body)["listvirtualmachinesresponse"]["virtualmachine"])
            times.append(time.perf_counter() - began)
            rows = len(merged)
            decode_began = time.perf_counter()
            for body in bodies:
                loads(body)
            decode = (time.perf_counter() - decode_began) * pages / max(1, len(bodies))
            del merged, bodies
    return times, rows, decode


def _plain_pages() -> None:
    """The client reading aligned pages of the page size with no overlap and no boundary check:
    the listing as it was before lists were made complete-or-loud."""
    from cloudstack_magic.client import _paging
    from cloudstack_magic.client._windows import Window

    class PlainPages:
        def __init__(self, page_size: int) -> None:
            self.page_size = page_size

        def __getitem__(self, index: int) -> Window:
            return Window(index, self.page_size, (index - 1) * self.page_size, 0)

        def count_for(self, total: int) -> int:
            return max(1, math.ceil(total / self.page_size))

    _paging._tiling = PlainPages  # type: ignore[assignment]
    _paging._check_boundary = lambda *args: None  # type: ignore[assignment]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks._list_probe")
    parser.add_argument("client", choices=("ours", "ours-unchecked", "cs", "bare", "bare-msgspec"))
    parser.add_argument("endpoint")
    parser.add_argument("--calls", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--page-size", type=int, default=500)
    args = parser.parse_args(argv)
    decode = None
    if args.client.startswith("ours"):
        import cloudstack_magic  # noqa: F401  (the import is not the call: bench_import times it)

        if args.client == "ours-unchecked":
            _plain_pages()
        times, rows = asyncio.run(_ours(args.endpoint, args.calls, args.concurrency, args.page_size))
    elif args.client == "cs":
        times, rows = _cs(args.endpoint, args.calls, args.page_size)
    else:
        gc.disable()  # the floor: parsing acyclic JSON never needs the collector
        loads: Callable[[bytes], Any] = json.loads
        if args.client == "bare-msgspec":
            import msgspec

            loads = msgspec.json.Decoder().decode
        times, rows, decode = asyncio.run(_bare(args.endpoint, args.calls, args.concurrency, args.page_size, loads))
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report: dict[str, Any] = {"client": args.client, "seconds": times, "rows": rows, "maxrss_mib": maxrss}
    if decode is not None:
        report["decode"] = decode
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
