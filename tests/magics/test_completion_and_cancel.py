"""Id completion through the magics' ``fetch_rows`` (real lookups), and the Cancel button path."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from IPython.core.completer import provisionalcompleter
from IPython.core.error import UsageError

from tests._ports import closed_port

from .conftest import write_ini


def complete(ip: Any, text: str) -> list[Any]:
    with provisionalcompleter():
        return list(ip.Completer.completions(text, len(text)))


def test_id_completion_lists_resources_from_the_region(ip: Any, simulator: Any) -> None:
    simulator.reset()
    found = complete(ip, "%cloudstack stopVirtualMachine id=")
    vm_ids = {vm["id"] for vm in simulator.runtime.cloud.vms}
    offered = {c.text.rsplit("=", 1)[-1] for c in found}
    assert offered & vm_ids
    assert simulator.stats()["commands"].get("listVirtualMachines") == 1
    complete(ip, "%cloudstack stopVirtualMachine id=")  # cached: no second request
    assert simulator.stats()["commands"].get("listVirtualMachines") == 1


def test_completion_gives_up_quickly_on_an_unreachable_region(bare_ip: Any, isolated_config: Path) -> None:
    import time

    with closed_port() as port:
        write_ini(isolated_config, {"cloudstack": {"endpoint": f"http://127.0.0.1:{port}/client/api",
                                                   "key": "k", "secret": "s", "retry": "0"}})
        started = time.monotonic()
        found = complete(bare_ip, "%cloudstack stopVirtualMachine id=")
    # a hang, not slowness: the lookup itself gives up after COMPLETION_TIMEOUT (2 s); a loaded
    # 2-core machine may add seconds of Jedi and imports around it
    assert time.monotonic() - started < 30
    assert not [c for c in found if c.text.count("-") >= 4]  # no ids, and no exception


def test_cancel_button_ends_the_wait_with_the_job_to_check(
    ip: Any, isolated_config: Path, fresh_simulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The widget's Cancel calls ``on_cancel``; the magic stops waiting and says which job runs on."""
    from cloudstack_magic.progress import _reporter as _progress

    sim = fresh_simulator(vms=5, job_seconds=30)
    write_ini(isolated_config, {"slow": {"endpoint": sim.endpoint, "key": sim.api_key, "secret": sim.secret_key}})
    real = _progress.reporter_for

    def clicking_reporter(mode: str, title: str, on_cancel: Any = None, **kw: Any) -> Any:
        assert on_cancel is not None
        threading.Timer(0.8, on_cancel).start()  # the user clicks Cancel after a moment
        return real("none", title, on_cancel, **kw)

    monkeypatch.setattr(_progress, "reporter_for", clicking_reporter)
    vm = next(v for v in sim.runtime.cloud.vms if v["state"] == "Running")["id"]
    ip.user_ns["job"] = "untouched"
    with pytest.raises(UsageError) as caught:
        ip.run_cell(f"job = %cloudstack -r slow stopVirtualMachine id={vm}")
    (jobid,) = {r["jobid"] for r in sim.stats()["recent"] if "jobid" in r}
    assert f"%cloudstack -r slow queryAsyncJobResult jobid={jobid}" in str(caught.value)  # asks that cloud
    assert "\n" not in str(caught.value)
    assert ip.user_ns["job"] == "untouched"
    again = ip.run_cell("%cloudstack -r slow listZones").result  # the shell and client still work
    assert len(again) > 0


def test_ctrl_c_in_terminal_ipython_is_the_job_lines_then_one_error_line(
    ip: Any, isolated_config: Path, fresh_simulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Terminal IPython: Ctrl-C during a job cancels the awaited call as a kernel interrupt does:
    the job's ready-to-run check line (with its region), then ONE error line — no traceback of
    asyncio internals, and no task left pending to resume polling in the next async cell."""
    import os
    import signal

    sim = fresh_simulator(vms=5, job_seconds=30)
    write_ini(isolated_config, {"slow": {"endpoint": sim.endpoint, "key": sim.api_key, "secret": sim.secret_key}})
    vm = next(v for v in sim.runtime.cloud.vms if v["state"] == "Running")["id"]
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.8, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(UsageError) as caught:
            ip.run_cell(f"job = %cloudstack -r slow stopVirtualMachine id={vm}")
    finally:
        timer.cancel()
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored
        signal.signal(signal.SIGINT, previous)
    (jobid,) = {r["jobid"] for r in sim.stats()["recent"] if "jobid" in r}
    message = str(caught.value)
    assert "\n" not in message and "1 job (stopVirtualMachine)" in message and "Traceback" not in message
    assert jobid not in message  # the text view's check line above names it, once
    out = capsys.readouterr().out
    assert f"%cloudstack -r slow queryAsyncJobResult jobid={jobid}" in out
    assert "Traceback" not in out and "KeyboardInterrupt" not in out
    magic = ip.user_ns["_cloudstack_magic_"]
    assert magic.guard.pending() == []
    polls = sim.stats()["commands"].get("queryAsyncJobResult", 0)
    ip.run_cell("import asyncio\nawait asyncio.sleep(0.6)")  # an async cell: an orphan would poll now
    assert sim.stats()["commands"].get("queryAsyncJobResult", 0) == polls
    assert "job" not in ip.user_ns
