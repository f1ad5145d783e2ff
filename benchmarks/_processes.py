"""Servers and clients in their own processes, so nothing measured shares the GIL or the heap.

``PageServerProcess`` runs ``benchmarks._page_server``; ``probe(...)`` runs one measurement of
``benchmarks._list_probe`` in a fresh interpreter and returns its JSON report.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.request
from typing import Any, Self

__all__ = ["PageServerProcess", "ServedProcess", "probe"]

START_TIMEOUT = 300


class ServedProcess:
    """A server started as ``argv`` in its own process: ready when it prints ``ready``, its
    endpoint read from the ``endpoint:`` line, stopped with SIGINT (killed if it lingers)."""

    name = "the server"

    def __init__(self, argv: list[str]) -> None:
        self.argv = argv
        self.endpoint = ""
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> Self:
        self._process = process = subprocess.Popen(self.argv, stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("endpoint:"):
                self.endpoint = line.split(":", 1)[1].strip()
            if line.startswith("ready"):
                return self
        raise RuntimeError(f"{self.name} exited before it was ready (exit code {process.wait(START_TIMEOUT)})")

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            self._process.send_signal(signal.SIGINT)
            try:
                self._process.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.communicate()

    @property
    def base_url(self) -> str:
        return self.endpoint.rsplit("/client/api", 1)[0]


class PageServerProcess(ServedProcess):
    name = "the page server"

    def __init__(self, rows: int, latency_ms: float, page_size: int = 500, kind: str = "vm") -> None:
        super().__init__([sys.executable, "-m", "benchmarks._page_server", "--rows", str(rows),
                          "--latency-ms", str(latency_ms), "--page-size", str(page_size), "--kind", kind])

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.base_url + "/_stats", timeout=30) as response:
            return json.load(response)  # type: ignore[no-any-return]

    def reset(self) -> None:
        urllib.request.urlopen(urllib.request.Request(self.base_url + "/_reset", method="POST"), timeout=30).close()


def probe(client: str, endpoint: str, *, calls: int = 2, concurrency: int = 8, page_size: int = 500,
          timeout: float = 600) -> dict[str, Any]:
    """One fresh process listing every VM ``calls`` times with ``client``; its report."""
    argv = [sys.executable, "-m", "benchmarks._list_probe", client, endpoint, "--calls", str(calls),
            "--concurrency", str(concurrency), "--page-size", str(page_size)]
    out = subprocess.run(argv, check=True, capture_output=True, text=True, timeout=timeout).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]
