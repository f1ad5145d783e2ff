"""Helpers for tests that talk to a real Jupyter kernel over the protocol (jupyter_client).

* :func:`running_kernel` starts the ``python3`` kernel with this interpreter (``sys.executable``, where
  the package is installed editable) with the environment and working directory a test gives,
  and yields ``(manager, client)``; the kernel is shut down afterwards.
* :func:`execute` sends one cell and collects its IOPub messages (with seconds since sending)
  until the kernel is idle again; :func:`execute_all` sends several cells back to back without
  waiting, as *Run All* does, then collects each.
"""

from __future__ import annotations

import os
import queue
import textwrap
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

Message = dict[str, Any]


class Cell:
    """The IOPub messages of one executed cell, with seconds since it was sent."""

    def __init__(self, messages: list[tuple[float, Message]], others: list[Message]) -> None:
        self.messages = messages
        self.others = others  # messages meanwhile on behalf of other cells

    def of_type(self, *kinds: str) -> list[tuple[float, Message]]:
        return [(t, m) for t, m in self.messages if m["msg_type"] in kinds]

    @property
    def duration(self) -> float:
        return self.messages[-1][0]

    def stdout(self) -> str:
        return "".join(m["content"]["text"] for _, m in self.of_type("stream")
                       if m["content"]["name"] == "stdout")

    def text(self) -> str:
        """Every text the cell showed: streams, results, displays and display updates."""
        parts = []
        for _, m in self.messages:
            content = m["content"]
            if m["msg_type"] == "stream":
                parts.append(content["text"])
            elif m["msg_type"] in ("execute_result", "display_data", "update_display_data"):
                parts.append(str(content["data"].get("text/plain", "")))
            elif m["msg_type"] == "error":
                parts.append(f"{content['ename']}: {content['evalue']}")
        return "\n".join(parts)

    def errors(self) -> list[str]:
        return [f"{m['content']['ename']}: {m['content']['evalue']}" for _, m in self.of_type("error")]

    def result(self) -> str | None:
        found = self.of_type("execute_result")
        return str(found[-1][1]["content"]["data"]["text/plain"]) if found else None


@contextmanager
def running_kernel(env: Mapping[str, str] | None = None, cwd: Path | None = None, *,
                   base: Mapping[str, str] | None = None) -> Iterator[tuple[Any, Any]]:
    """A kernel from this interpreter's environment (``base``, else ``os.environ``, updated with
    ``env``); yields ``(KernelManager, BlockingKernelClient)``."""
    from jupyter_client.manager import KernelManager

    # the python3 spec's argv starts with "python", which jupyter_client replaces by sys.executable
    km = KernelManager(kernel_name="python3")
    km.start_kernel(env={**(os.environ if base is None else base), **(env or {})}, cwd=str(cwd) if cwd else None)
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        yield km, kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def execute(kc: Any, code: str, *, act: Callable[[float, Message], None] | None = None,
            timeout: float = 30) -> Cell:
    """Run ``code``; collect its IOPub messages until idle; ``act`` may react mid-cell."""
    return _collect(kc, kc.execute(textwrap.dedent(code)), time.monotonic(), act, timeout)


def execute_all(kc: Any, cells: list[str], *, timeout: float = 60) -> list[Cell]:
    """Send every cell at once (Run All), then collect each one's messages until all are idle."""
    start = time.monotonic()
    ids = [kc.execute(textwrap.dedent(code)) for code in cells]
    seen: dict[str, list[tuple[float, Message]]] = {msg_id: [] for msg_id in ids}
    idle: set[str] = set()
    while len(idle) < len(ids):
        left = start + timeout - time.monotonic()
        try:
            msg = kc.get_iopub_msg(timeout=max(left, 0.01))
        except queue.Empty:
            raise AssertionError(f"cells still running after {timeout} s") from None
        parent = msg["parent_header"].get("msg_id")
        if parent in seen:
            seen[parent].append((time.monotonic() - start, msg))
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                idle.add(parent)
    return [Cell(seen[msg_id], []) for msg_id in ids]


def _collect(kc: Any, msg_id: str, start: float, act: Callable[[float, Message], None] | None,
             timeout: float) -> Cell:
    seen: list[tuple[float, Message]] = []
    others: list[Message] = []
    while True:
        left = start + timeout - time.monotonic()
        try:
            msg = kc.get_iopub_msg(timeout=max(left, 0.01))
        except queue.Empty:
            raise AssertionError(f"cell {msg_id} still running after {timeout} s") from None
        if msg["parent_header"].get("msg_id") != msg_id:
            others.append(msg)
            continue
        now = time.monotonic() - start
        seen.append((now, msg))
        if act is not None:
            act(now, msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return Cell(seen, others)
