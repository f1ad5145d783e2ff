"""Ctrl-C in a real terminal IPython (under a pseudo-terminal) while a job runs: the job's
ready-to-run check line, then ONE error line — no ``KeyboardInterrupt`` traceback from asyncio's
internals and no ``CancelledError`` one through the magics (issue 9 item 7)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import pexpect
import pytest

PROMPT = r"In \[\d+\]: "


@pytest.mark.timeout(180)
def test_ctrl_c_during_a_job_is_its_check_line_then_one_error_line(
    fresh_simulator: Any, isolated_config: Path
) -> None:
    sim = fresh_simulator(vms=3, job_seconds=60)
    vm = next(v for v in sim.runtime.cloud.vms if v["state"] == "Running")["id"]
    env = {**os.environ, "CLOUDSTACK_ENDPOINT": sim.endpoint, "CLOUDSTACK_KEY": sim.api_key,
           "CLOUDSTACK_SECRET": sim.secret_key, "TERM": "dumb", "PYTHONWARNINGS": "ignore"}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "IPython", "--simple-prompt", "--no-banner", "--colors=NoColor",
         "--HistoryManager.enabled=False", "--no-confirm-exit"],
        env=env, cwd=str(isolated_config), encoding="utf-8", timeout=90, dimensions=(40, 200),
    )
    try:
        child.expect(PROMPT)
        child.sendline("%load_ext cloudstack_magic")
        child.expect(PROMPT)
        child.sendline("%config CloudStackMagic.progress = 'none'")
        child.expect(PROMPT)
        child.sendline(f"job = %cloudstack stopVirtualMachine id={vm}")
        deadline = time.monotonic() + 60
        while not [r for r in sim.stats()["recent"] if "jobid" in r] and time.monotonic() < deadline:
            time.sleep(0.05)
        (jobid,) = {r["jobid"] for r in sim.stats()["recent"] if "jobid" in r}
        time.sleep(0.3)  # the magic is now polling the job
        child.sendcontrol("c")
        child.expect(PROMPT)
        shown = child.before
        child.sendline("print('alive', 'job' in dir())")
        child.expect(PROMPT)
        after = child.before
        child.sendline("exit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert f"%cloudstack -r environment queryAsyncJobResult jobid={jobid}" in shown, shown
    errors = [line for line in shown.splitlines() if line.startswith("UsageError:")]
    assert len(errors) == 1 and jobid in errors[0], shown
    assert "Traceback" not in shown and "KeyboardInterrupt" not in shown and "CancelledError" not in shown, shown
    assert "alive False" in after  # the shell lives on and the variable was never set
