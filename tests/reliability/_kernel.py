"""One real Jupyter kernel for the whole corpus, and what a cell showed.

The kernel gets a clean environment (no ``CLOUDSTACK_*`` of this machine, an empty HOME) and a
working directory holding a 0600 ``cloudstack.ini`` with one region per canned server. Each case
runs as three cells — prepare (``out = 'untouched-N'`` and the case's setup), the case itself,
then teardown plus a check that ``out`` is unchanged and that a normal call still works.
"""

from __future__ import annotations

import json
import os
import queue
import re
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.kernel.conftest import running_kernel

Message = dict[str, Any]
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass
class Shown:
    """The IOPub messages of one executed cell."""

    messages: list[Message] = field(default_factory=list)
    #: Seconds after which the cell was interrupted (it hung), or None.
    interrupted_after: float | None = None

    def dump(self) -> str:
        """Everything the cell sent, as text (streams, results, errors, widget comms)."""
        return json.dumps([m.get("content", {}) for m in self.messages], ensure_ascii=False)

    def output_lines(self) -> list[str]:
        """The non-empty lines the user sees: streams, error tracebacks, results and displays."""
        lines: list[str] = []
        for message in self.messages:
            kind, content = message["msg_type"], message["content"]
            if kind == "stream":
                lines += content["text"].splitlines()
            elif kind == "error":
                for entry in content["traceback"]:
                    lines += _ANSI.sub("", entry).splitlines()
            elif kind in ("execute_result", "display_data"):
                lines += str(content["data"].get("text/plain", "")).splitlines()
        return [line for line in lines if line.strip()]

    def stdout(self) -> str:
        return "".join(m["content"]["text"] for m in self.messages
                       if m["msg_type"] == "stream" and m["content"]["name"] == "stdout")


@contextmanager
def clean_kernel(workdir: Path, home: Path) -> Iterator[Any]:
    """A ``python3`` kernel from this interpreter, with no CLOUDSTACK_* settings of this machine."""
    machine = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDSTACK_")}
    home_dirs = {"HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"), "XDG_CONFIG_HOME": str(home / ".config")}
    with running_kernel(home_dirs, cwd=workdir, base=machine) as kernel:
        yield kernel


#: Address space the kernel may use: a runaway read (``@/dev/zero``) fails fast instead of
#: taking the shared machine's memory.
KERNEL_MEMORY = 3 << 30
LIMIT_MEMORY = f"import resource\nresource.setrlimit(resource.RLIMIT_AS, ({KERNEL_MEMORY}, {KERNEL_MEMORY}))"


def run(client: Any, code: str, timeout: float = 60, manager: Any = None) -> Shown:
    """Execute ``code``; its IOPub messages until the kernel is idle again.

    A cell still running after ``timeout`` seconds is interrupted when ``manager`` is given (and
    marked ``interrupted_after``), so one hanging case cannot stop the corpus; else it fails.
    """
    msg_id = client.execute(textwrap.dedent(code) if code.startswith((" ", "\n")) else code)
    shown = Shown()
    deadline = time.monotonic() + timeout
    while True:
        try:
            message = client.get_iopub_msg(timeout=max(deadline - time.monotonic(), 0.01))
        except queue.Empty:
            if manager is None or shown.interrupted_after is not None:
                raise AssertionError(f"cell still running after {timeout} s: {code[:200]!r}") from None
            shown.interrupted_after = timeout
            manager.interrupt_kernel()
            deadline = time.monotonic() + 30
            continue
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        if message["msg_type"] == "status":
            if message["content"]["execution_state"] == "idle":
                return shown
            continue
        if message["msg_type"] != "execute_input":
            shown.messages.append(message)
