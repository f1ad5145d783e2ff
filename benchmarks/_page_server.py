"""An independent CloudStack list endpoint in its own process, serving pre-encoded pages.

The listing benchmarks measure clients, so the server must cost next to nothing: every
``listVirtualMachines`` page of the benchmark's page size (and every overlapping window
cloudstack-magic reads, ``client/_windows.py``) is JSON-encoded once at start, and a
request costs a dictionary look-up plus the simulated latency (``asyncio.sleep``). Other windows
(a few rows around a boundary) are encoded on demand. Signatures are not checked:
this is a load target, not a CloudStack. ``GET /_stats`` reports requests and the most in flight.

Run: ``python -m benchmarks._page_server --rows N --latency-ms L --page-size P --kind vm|small``;
it prints ``endpoint: URL`` and then ``ready``. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from typing import Any

from aiohttp import web

from cloudstack_magic.client._windows import Tiling

__all__ = ["make_rows", "main"]


def make_rows(count: int, kind: str) -> list[dict[str, Any]]:
    """``vm``: rows shaped like CloudStack 4.18's listVirtualMachines (~1 kB each, a NIC list);
    ``small``: ~0.25 kB rows, for million-row listings."""
    rows = []
    for i in range(count):
        uid = f"{i:08x}-5c1e-4c6b-9a7e-{i * 7919 % 16**12:012x}"
        row: dict[str, Any] = {"id": uid, "name": f"vm-{i:07d}", "state": "Running" if i % 5 else "Stopped",
                               "zoneid": "c8a0b5e8-7ab5-4f0a-9e3e-2f1b0d9b7a11", "zonename": "zone-1",
                               "created": f"2026-11-{1 + i % 28:02d}T10:{i % 60:02d}:00+0000",
                               "cpunumber": 1 + i % 4, "memory": 1024 * (1 + i % 8)}
        if kind == "vm":
            row.update({
                "displayname": f"vm-{i:07d}", "account": f"acct-{i % 50}", "domainid": "2d1f0c3e-1c9b-4b59-8f5e-7d9d8a7c6b5a",
                "domain": "ROOT", "haenable": False, "groupid": None, "templateid": "7e1b8c2f-0a6b-4c79-9b3a-1f2e3d4c5b6a",
                "templatename": "CentOS 7.9", "templatedisplaytext": "CentOS 7.9 64-bit",
                "serviceofferingid": "9f8e7d6c-5b4a-4a39-8b27-1e0f2d3c4b5a", "serviceofferingname": "Medium Instance",
                "cpuspeed": 2000, "guestosid": "3a4b5c6d-7e8f-4a0b-9c1d-2e3f4a5b6c7d", "rootdeviceid": 0,
                "rootdevicetype": "ROOT", "hypervisor": "KVM", "instancename": f"i-2-{i}-VM", "isdynamicallyscalable": True,
                "hostid": f"host-{i % 40:04d}", "hostname": f"kvm-{i % 40:02d}", "osdisplayname": "CentOS 7",
                "ostypeid": "3a4b5c6d-7e8f-4a0b-9c1d-2e3f4a5b6c7d", "userid": "u-1", "username": "admin",
                "nic": [{"id": f"nic-{uid}", "networkid": "net-1", "networkname": "guest-net", "netmask": "255.255.255.0",
                         "gateway": "10.1.1.1", "ipaddress": f"10.1.{i // 250 % 250}.{i % 250 + 2}", "isdefault": True,
                         "broadcasturi": "vlan://1234", "traffictype": "Guest", "type": "Isolated",
                         "macaddress": f"02:00:{i >> 24 & 255:02x}:{i >> 16 & 255:02x}:{i >> 8 & 255:02x}:{i & 255:02x}"}],
                "tags": [], "details": {"cpuOvercommitRatio": "1.0"}, "affinitygroup": [], "securitygroup": [],
                "keypairs": "", "jobid": None, "pooltype": "NetworkFilesystem", "receivedbytes": i * 13, "sentbytes": i * 7,
            })
        rows.append(row)
    return rows


class PageServer:
    def __init__(self, rows: list[dict[str, Any]], latency: float, page_size: int) -> None:
        self.rows = rows
        self.latency = latency
        self.page_size = page_size
        self.pages = {(page, page_size): self._encode(page, page_size)
                      for page in range(1, max(1, -(-len(rows) // page_size)) + 1)}
        # cloudstack-magic reads overlapping windows of slightly smaller sizes: encode those too
        tiling = Tiling(page_size)
        for index in range(1, tiling.count_for(len(rows)) + 1):
            window = tiling[index]
            self.pages.setdefault((window.page, window.size), self._encode(window.page, window.size))
        self.requests = 0
        self.in_flight = 0
        self.max_in_flight = 0

    def _encode(self, page: int, size: int) -> bytes:
        window = self.rows[(page - 1) * size:page * size]
        body: dict[str, Any] = {"count": len(self.rows)}
        if window:
            body["virtualmachine"] = window
        return json.dumps({"listvirtualmachinesresponse": body}, separators=(",", ":")).encode()

    async def api(self, request: web.Request) -> web.Response:
        self.requests += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            query = request.query
            command = query.get("command", "")
            if command.lower() != "listvirtualmachines":
                body = json.dumps({f"{command.lower()}response": {}}).encode()
            else:
                page, size = int(query.get("page", "1")), int(query.get("pagesize", str(self.page_size)))
                if size == -1:
                    page, size = 1, len(self.rows) or 1
                body = self.pages.get((page, size)) or self._encode(page, size)
            return web.Response(body=body, content_type="application/json")
        finally:
            self.in_flight -= 1

    async def stats(self, request: web.Request) -> web.Response:
        return web.json_response({"requests": self.requests, "max_in_flight": self.max_in_flight})

    async def reset(self, request: web.Request) -> web.Response:
        self.requests = self.max_in_flight = 0
        return web.json_response({})


async def _serve(args: argparse.Namespace) -> None:
    server = PageServer(make_rows(args.rows, args.kind), args.latency_ms / 1000, args.page_size)
    app = web.Application()
    app.router.add_get("/client/api", server.api)
    app.router.add_get("/_stats", server.stats)
    app.router.add_post("/_reset", server.reset)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"endpoint: http://127.0.0.1:{port}/client/api", flush=True)
    print("ready", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks._page_server")
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--kind", choices=("vm", "small"), default="vm")
    asyncio.run(_serve(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
