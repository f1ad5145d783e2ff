"""The simulator in its own process, so it never competes with the client under test for the GIL.

Started through the real CLI (``python -m cloudstack_magic.simulator --port 0 …``); the endpoint
is read from its output and the ``ready`` line is awaited. Admin calls (stats, per-job timing,
configure) go to ``/_simulator/…`` with the standard library only.
"""

from __future__ import annotations

import json
import sys
import urllib.request
from typing import Any

from benchmarks._processes import ServedProcess
from cloudstack_magic.simulator import DEMO_API_KEY, DEMO_SECRET_KEY

__all__ = ["SimulatorProcess"]



class SimulatorProcess(ServedProcess):
    name = "the simulator"

    def __init__(self, **flags: Any) -> None:
        self.flags = {"port": 0, **flags}
        argv = [sys.executable, "-m", "cloudstack_magic.simulator"]
        for name, value in self.flags.items():
            argv += [f"--{name.replace('_', '-')}", str(value)]
        super().__init__(argv)
        self.api_key, self.secret_key = DEMO_API_KEY, DEMO_SECRET_KEY

    def _admin(self, path: str, data: dict[str, Any] | None = None) -> Any:
        body = json.dumps(data).encode() if data is not None else None
        request = urllib.request.Request(self.base_url + path, data=body, method="POST" if body else "GET",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def stats(self) -> dict[str, Any]:
        return self._admin("/_simulator/stats")  # type: ignore[no-any-return]

    def job_timing(self) -> dict[str, dict[str, Any]]:
        return self._admin("/_simulator/jobs")  # type: ignore[no-any-return]

    def configure(self, **changes: Any) -> None:
        self._admin("/_simulator/config", changes)

    def reset(self) -> None:
        urllib.request.urlopen(urllib.request.Request(self.base_url + "/_simulator/reset", method="POST"),
                               timeout=30).close()
