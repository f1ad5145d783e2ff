"""``%cloudstack`` in a real kernel: awaited on the kernel's loop, Run All, %%time, a user's
aiohttp session next to it, ``--background``, and *Interrupt kernel* during a long job."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cloudstack_magic.simulator import SimulatorThread

from .conftest import execute, execute_all, running_kernel

pytestmark = pytest.mark.kernel


@pytest.fixture(scope="module")
def slow_simulator() -> Iterator[SimulatorThread]:
    """Jobs take 30 s here: long enough to interrupt."""
    with SimulatorThread(vms=10, seed=7, job_seconds=30) as sim:
        yield sim


@pytest.fixture(scope="module")
def kernel(simulator: SimulatorThread, slow_simulator: SimulatorThread,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    """One kernel for the module: the shared simulator is the default region, ``slow`` the other."""
    workdir = tmp_path_factory.mktemp("kernel")
    home = workdir / "home"
    home.mkdir()
    (workdir / "cloudstack.ini").write_text(
        f"[slow]\nendpoint = {slow_simulator.endpoint}\nkey = {slow_simulator.api_key}\n"
        f"secret = {slow_simulator.secret_key}\n"
    )
    (workdir / "cloudstack.ini").chmod(0o600)  # holds a secret: a readable one warns
    env = {"HOME": str(home), "CLOUDSTACK_ENDPOINT": simulator.endpoint,
           "CLOUDSTACK_KEY": simulator.api_key, "CLOUDSTACK_SECRET": simulator.secret_key}
    with running_kernel(env, cwd=workdir) as (km, kc):
        loaded = execute(kc, "%load_ext cloudstack_magic")
        assert loaded.errors() == []
        yield km, kc


def test_the_magic_runs_on_the_kernels_loop(kernel: tuple[Any, Any]) -> None:
    _, kc = kernel
    cell = execute(kc, """
        import asyncio, threading
        zones = %cloudstack listZones
        magic = _cloudstack_magic_
        print(asyncio.get_running_loop() in {loop for _, loop in magic.session._clients},
              magic.session.runner.loops() == [], threading.current_thread().name, len(zones) > 0)
    """)
    assert cell.errors() == []
    assert cell.stdout().split() == ["True", "True", "MainThread", "True"]


def test_run_all_sees_each_result_in_the_next_cell(kernel: tuple[Any, Any], simulator: SimulatorThread) -> None:
    _, kc = kernel
    cells = execute_all(kc, [
        "vms = %cloudstack listVirtualMachines listall=true",
        "%%cloudstack hosts\nlistHosts",
        "print(len(vms), len(hosts) > 0)",
        "%cloudstack listZones",
    ])
    assert [c.errors() for c in cells] == [[], [], [], []]
    expected = len([v for v in simulator.runtime.cloud.vms if "projectid" not in v])
    assert cells[2].stdout().split() == [str(expected), "True"]
    assert cells[0].result() is None and cells[1].result() is None  # stored, nothing displayed
    assert "fra1" in (cells[3].result() or "")


def test_time_around_a_magic(kernel: tuple[Any, Any]) -> None:
    _, kc = kernel
    cell = execute(kc, "%%time\ntimed = %cloudstack listZones\nprint(len(timed) > 0)")
    assert cell.errors() == []
    assert "True" in cell.stdout() and "Wall time" in cell.stdout()


def test_a_users_aiohttp_session_works_alongside(kernel: tuple[Any, Any], simulator: SimulatorThread) -> None:
    _, kc = kernel
    execute(kc, "import aiohttp\nsession = aiohttp.ClientSession()")
    execute(kc, "z = %cloudstack listZones")
    cell = execute(kc, f"""
        async with session.get("{simulator.endpoint}", params={{"command": "listZones"}}) as reply:
            status = reply.status
        z2 = %cloudstack listZones
        await session.close()
        print(status, len(z) == len(z2))
    """)
    assert cell.errors() == []
    assert cell.stdout().split() == ["401", "True"]  # unsigned: the server refuses, over the same loop


def test_background_handle_is_awaited_later(kernel: tuple[Any, Any]) -> None:
    _, kc = kernel
    started = execute(kc, "handle = %cloudstack --background listVirtualMachines listall=true")
    assert started.errors() == []
    cell = execute(kc, "frame = await handle\nprint(type(frame).__name__, len(frame) > 0)")
    assert cell.errors() == []
    assert cell.stdout().split() == ["DataFrame", "True"]


def test_interrupt_during_a_long_job_ends_the_cell_and_names_the_job(
    kernel: tuple[Any, Any], slow_simulator: SimulatorThread
) -> None:
    km, kc = kernel
    vm = next(v for v in slow_simulator.runtime.cloud.vms if v["state"] == "Running")["id"]
    slow_simulator.reset()
    interrupted: list[float] = []

    def interrupt_once_polling(now: float, msg: dict[str, Any]) -> None:
        if not interrupted and now > 1.5:
            interrupted.append(now)
            km.interrupt_kernel()

    # keep IOPub busy so `act` gets called: the progress view draws while the job runs
    cell = execute(kc, f"job = %cloudstack -r slow --progress text stopVirtualMachine id={vm}\nran_on = True",
                   act=interrupt_once_polling, timeout=25)
    if not interrupted:  # no message arrived after 1.5 s: interrupt now
        time.sleep(max(0.0, 1.5 - cell.duration))
    assert interrupted, "the cell ended before it could be interrupted"
    assert cell.duration - interrupted[0] < 1.0
    jobids = {r["jobid"] for r in slow_simulator.stats()["recent"] if "jobid" in r}
    assert len(jobids) == 1
    (jobid,) = jobids
    assert f"%cloudstack queryAsyncJobResult jobid={jobid}" in cell.text()  # a ready-to-run line
    # the cell stopped with one line naming the job, no traceback of library internals
    (error,) = [m["content"] for _, m in cell.of_type("error")]
    assert error["traceback"] == [f"UsageError: {error['evalue']}"]
    assert error["evalue"].startswith("cancelled; still running on the server") and jobid in error["evalue"]
    assert "Traceback" not in cell.text() and "CancelledError" not in cell.text()
    assert "CancelledError" not in error["ename"]
    after = execute(kc, "print('job' in globals(), 'ran_on' in globals())")  # the cell stopped there
    assert after.stdout().split() == ["False", "False"]
    polls = slow_simulator.stats()["commands"].get("queryAsyncJobResult", 0)
    time.sleep(1.0)
    assert slow_simulator.stats()["commands"].get("queryAsyncJobResult", 0) == polls  # polling stopped
