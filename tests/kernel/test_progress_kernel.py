"""Progress in a real kernel, over the Jupyter protocol: what a frontend sees and sends.

Through ``%cloudstack`` against a private simulator (``progress`` defaults to ``auto``, which is
widgets in a kernel):

* widget ``comm_msg`` updates arrive on IOPub while the cell is still running, coalesced, and
  the live row is replaced by the static summary at the end;
* *Interrupt kernel* during a job ends the cell within a second, the row says which job is
  left running, and the simulator sees no ``queryAsyncJobResult`` afterwards;
* on ipykernel >= 7.4 a frontend click on the Cancel button (a ``comm_msg`` to its comm) stops
  the wait at once, with the same guarantees.

And the layer on its own (``reporter_for`` / ``start_background`` in a cell), so a failure here
says whether the progress layer or the magic wiring broke.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from cloudstack_magic.simulator import SimulatorThread

from .conftest import Cell, Message, execute, running_kernel

pytestmark = pytest.mark.kernel

#: A job long enough that ending within HANG seconds proves the wait was stopped.
LONG_JOB = 60
#: Generous: catches a hang, not a slow machine (speed is measured in benchmarks/).
HANG = 20.0
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
CLICK = {"method": "custom", "content": {"event": "click"}}  # what a frontend sends for a Button


@pytest.fixture(scope="module")
def cloud() -> Iterator[SimulatorThread]:
    """Private to this module, so tests may change its job length and latency."""
    with SimulatorThread(vms=1200, seed=11, job_seconds=2.0) as sim:
        yield sim


@pytest.fixture(scope="module")
def kernel(cloud: SimulatorThread, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    home = tmp_path_factory.mktemp("progress-home")
    env = {"HOME": str(home), "CLOUDSTACK_ENDPOINT": cloud.endpoint,
           "CLOUDSTACK_KEY": cloud.api_key, "CLOUDSTACK_SECRET": cloud.secret_key}
    with running_kernel(env, cwd=home) as (km, kc):
        assert execute(kc, "%load_ext cloudstack_magic").errors() == []
        yield km, kc


@pytest.fixture
def fresh(cloud: SimulatorThread) -> Iterator[SimulatorThread]:
    cloud.reset()
    yield cloud
    cloud.configure(job_seconds=2.0, latency_ms=0)


def running_vm(sim: SimulatorThread) -> str:
    return str(next(v for v in sim.runtime.cloud.vms
                    if v["state"] == "Running" and "projectid" not in v)["id"])


def polls(sim: SimulatorThread) -> int:
    return int(sim.stats()["commands"].get("queryAsyncJobResult", 0))


def the_jobid(sim: SimulatorThread) -> str:
    (jobid,) = {r["jobid"] for r in sim.stats()["recent"] if "jobid" in r}
    return str(jobid)


def comm_ids(cell: Cell, model: str) -> list[str]:
    return [m["content"]["comm_id"] for _, m in cell.of_type("comm_open")
            if m["content"]["data"]["state"].get("_model_name") == model]


def state_updates(cell: Cell) -> list[tuple[float, dict[str, Any]]]:
    return [(t, m["content"]["data"]["state"]) for t, m in cell.of_type("comm_msg")
            if m["content"]["data"].get("method") == "update"]


def final_text(cell: Cell) -> str:
    (_, update), = cell.of_type("update_display_data")
    return str(update["content"]["data"]["text/plain"])


def send_comm_msg(kc: Any, comm_id: str, data: Message) -> None:
    """What a frontend sends when the user touches a widget."""
    kc.shell_channel.send(kc.session.msg("comm_msg", {"comm_id": comm_id, "data": data}))


def ipykernel_delivers_clicks() -> bool:
    import ipykernel

    from cloudstack_magic.progress._widget import comm_messages_during_await

    return comm_messages_during_await(ipykernel.__version__)


# -- through the magic -------------------------------------------------------------------------


def test_a_job_shows_a_live_row_then_the_summary(kernel: tuple[Any, Any], fresh: SimulatorThread) -> None:
    _, kc = kernel
    vm = running_vm(fresh)
    cell = execute(kc, f"%cloudstack stopVirtualMachine id={vm}")
    assert cell.errors() == []
    jobid = the_jobid(fresh)
    (shown_at, shown), = cell.of_type("display_data")
    assert shown_at > 0.4  # nothing for the first half second
    (ended_at, _), = cell.of_type("update_display_data")
    assert shown_at < ended_at  # the live row was up while the job ran
    assert WIDGET_VIEW in shown["content"]["data"]
    updates = state_updates(cell)
    assert {"value": jobid} in [state for _, state in updates] or jobid in str(cell.of_type("comm_open"))
    live = [t for t, _ in updates if t > shown_at]
    assert len(live) >= 3 and max(live) - min(live) > 0.75  # spread over the run, not all at the end
    assert {"value": "pending"} in [state for _, state in updates]
    # coalesced: bursts of trait updates (one redraw each) come at most ~4 per second
    bursts = [t for i, t in enumerate(live) if i == 0 or t - live[i - 1] > 0.05]
    assert len(bursts) <= 4 * (cell.duration - shown_at) + 2
    assert re.match(rf"stopVirtualMachine: job {jobid} succeeded in \d", final_text(cell))
    assert cell.of_type("comm_close"), "the live widgets are closed once replaced"


def test_a_slow_listing_shows_its_paging_bar(kernel: tuple[Any, Any], fresh: SimulatorThread) -> None:
    _, kc = kernel
    fresh.configure(latency_ms=400)  # first page, then the other two at once: ~0.8 s
    cell = execute(kc, "vms = %cloudstack listVirtualMachines listall=true")
    assert cell.errors() == []
    assert comm_ids(cell, "IntProgressModel"), "no paging bar was made"
    assert {"max": 3} in [state for _, state in state_updates(cell)]
    assert final_text(cell).startswith("listVirtualMachines: 1,")
    assert ", 3 pages in " in final_text(cell)


def test_interrupt_during_a_job_ends_the_cell_and_polling(
    kernel: tuple[Any, Any], fresh: SimulatorThread
) -> None:
    km, kc = kernel
    fresh.configure(job_seconds=LONG_JOB)
    vm = running_vm(fresh)
    interrupted: list[float] = []

    def interrupt_after_a_second(now: float, msg: Message) -> None:
        # the live row's updates keep IOPub busy, so this runs every ~0.25 s
        if not interrupted and now > 1.2:
            interrupted.append(now)
            km.interrupt_kernel()

    cell = execute(kc, f"job = %cloudstack stopVirtualMachine id={vm}", act=interrupt_after_a_second)
    assert interrupted, "no live updates arrived to interrupt on"
    assert cell.duration - interrupted[0] < HANG, "the interrupt did not end the wait"
    assert cell.errors(), "an interrupted cell ends in an error"
    jobid = the_jobid(fresh)
    text = final_text(cell)
    assert re.match(r"stopVirtualMachine: cancelled after \d", text)
    assert f"%cloudstack queryAsyncJobResult jobid={jobid}" in text
    assert text.count(jobid) == 1, "the row names each job left running once, in its check line"
    before = polls(fresh)
    time.sleep(1.0)
    assert polls(fresh) == before, "something kept polling after the interrupt"


@pytest.mark.skipif(not ipykernel_delivers_clicks(), reason="ipykernel < 7.4 queues clicks until the cell ends")
def test_cancel_click_stops_the_wait(kernel: tuple[Any, Any], fresh: SimulatorThread) -> None:
    _, kc = kernel
    fresh.configure(job_seconds=LONG_JOB)
    vm = running_vm(fresh)
    buttons: list[str] = []
    clicked: list[float] = []

    def click_after_a_second(now: float, msg: Message) -> None:
        if msg["msg_type"] == "comm_open" and msg["content"]["data"]["state"].get("_model_name") == "ButtonModel":
            buttons.append(msg["content"]["comm_id"])
        if buttons and not clicked and now > 1.2:
            clicked.append(now)
            send_comm_msg(kc, buttons[0], CLICK)

    cell = execute(kc, f"job = %cloudstack stopVirtualMachine id={vm}", act=click_after_a_second)
    assert clicked, "no Cancel button was offered"
    assert cell.duration - clicked[0] < HANG, "Cancel did not end the wait"
    jobid = the_jobid(fresh)
    # a one-line UsageError (printed on stderr, no traceback) names the command left running; its
    # job id is in the view's check line, once
    stderr = "".join(m["content"]["text"] for _, m in cell.of_type("stream") if m["content"]["name"] == "stderr")
    assert "UsageError: cancelled; still running on the server: 1 job (stopVirtualMachine)" in stderr
    assert jobid not in stderr
    assert f"%cloudstack queryAsyncJobResult jobid={jobid}" in final_text(cell)
    assert buttons[0] in {m["content"]["comm_id"] for _, m in cell.of_type("comm_close")}
    before = polls(fresh)
    time.sleep(1.0)
    assert polls(fresh) == before, "something kept polling after Cancel"
    assert execute(kc, "print('job' in globals())").stdout() == "False\n"


def test_background_row_is_live_and_a_later_cell_awaits_it(
    kernel: tuple[Any, Any], fresh: SimulatorThread
) -> None:
    _, kc = kernel
    fresh.configure(job_seconds=5)
    vm = running_vm(fresh)
    started = execute(kc, f"h = %cloudstack --background stopVirtualMachine id={vm}\nprint(h.done())\nh")
    assert started.errors() == [] and started.stdout() == "False\n"  # the cell did not wait
    (_, row), = started.of_type("display_data")
    assert WIDGET_VIEW in row["content"]["data"]
    waited = execute(kc, "result = await h\nprint(h.done(), h.summary)")
    assert waited.errors() == []
    jobid = the_jobid(fresh)
    assert re.match(rf"True stopVirtualMachine: job {jobid} succeeded in \d", waited.stdout())


def test_background_started_inside_a_def_is_awaited_later(
    kernel: tuple[Any, Any], fresh: SimulatorThread
) -> None:
    """Inside a def the magic cannot be awaited: the work runs on the fallback thread's loop."""
    _, kc = kernel
    vm = running_vm(fresh)
    started = execute(kc, f"""
        def start():
            handle = %cloudstack --background stopVirtualMachine id={vm}
            return handle
        h2 = start()
    """)
    assert started.errors() == []
    waited = execute(kc, "import asyncio\nawait h2\nprint(h2.task.get_loop() is not asyncio.get_running_loop(), h2.summary)")
    assert waited.errors() == []
    assert waited.stdout().startswith(f"True stopVirtualMachine: job {the_jobid(fresh)} succeeded in ")


# -- the layer on its own ----------------------------------------------------------------------

FAKE_JOB = """
import asyncio
from cloudstack_magic.progress._reporter import detect_frontend, reporter_for
from cloudstack_magic.progress._background import start_background
from cloudstack_magic.client._events import JobProgress

async def fake_job(progress, jobid="j-1", ticks=40, tick=0.1):
    for n in range(ticks):
        progress(JobProgress("deployVirtualMachine", jobid, "pending", 0, n, n * tick, n))
        await asyncio.sleep(tick)
    progress(JobProgress("deployVirtualMachine", jobid, "succeeded", 1, ticks, ticks * tick, ticks, True))
"""


def test_auto_mode_picks_widgets_in_a_kernel(kernel: tuple[Any, Any]) -> None:
    _, kc = kernel
    execute(kc, FAKE_JOB)
    cell = execute(kc, 'print(detect_frontend(), type(reporter_for("auto", "t").view).__name__)')
    assert cell.stdout() == "widget WidgetView\n"


@pytest.mark.skipif(not ipykernel_delivers_clicks(), reason="ipykernel < 7.4 queues clicks until the cell ends")
def test_reporter_cancel_button_cancels_the_awaiting_cell(kernel: tuple[Any, Any]) -> None:
    _, kc = kernel
    execute(kc, FAKE_JOB)
    buttons: list[str] = []
    clicked: list[float] = []

    def click_after_a_second(now: float, msg: Message) -> None:
        if msg["msg_type"] == "comm_open" and msg["content"]["data"]["state"].get("_model_name") == "ButtonModel":
            buttons.append(msg["content"]["comm_id"])
        if buttons and not clicked and now > 1.0:
            clicked.append(now)
            send_comm_msg(kc, buttons[0], CLICK)

    cell = execute(kc, """
        reporter = reporter_for("widget", "deploy", on_cancel=asyncio.current_task().cancel)
        try:
            with reporter:
                await fake_job(reporter, ticks=600)
        except asyncio.CancelledError:
            print("stopped waiting;", reporter.pending_jobs())
    """, act=click_after_a_second)
    assert clicked and cell.duration - clicked[0] < HANG, "Cancel did not end the wait"
    assert cell.stdout() == "stopped waiting; [('deployVirtualMachine', 'j-1')]\n"
    text = final_text(cell)
    assert re.match(r"deploy: cancelled after \d", text)
    assert "%cloudstack queryAsyncJobResult jobid=j-1" in text


def test_background_handle_summary_goes_to_the_row_it_started_in(kernel: tuple[Any, Any]) -> None:
    _, kc = kernel
    execute(kc, FAKE_JOB)
    started = execute(kc, """
        bg = start_background(lambda progress: fake_job(progress, ticks=30), title="deploy", mode="widget")
        print(bg.done())
        bg
    """)
    assert started.errors() == [] and started.stdout() == "False\n"  # the cell did not wait
    (_, row), = started.of_type("display_data")
    waited = execute(kc, "await bg\nprint(bg.summary)")
    assert waited.errors() == []
    # sent on behalf of the cell that started the work (the task keeps that cell's context)
    (update,) = [m for m in waited.others if m["msg_type"] == "update_display_data"]
    assert update["content"]["transient"] == row["content"]["transient"]
    assert update["content"]["data"]["text/plain"] == waited.stdout().strip()
    assert not [m for m in waited.others if m["msg_type"] == "comm_close"]  # the row stays drawn


def test_a_saved_notebook_keeps_the_summary_text_not_a_widget(
    cloud: SimulatorThread, tmp_path: Any
) -> None:
    import os

    import nbformat
    from nbclient import NotebookClient

    cloud.reset()
    vm = running_vm(cloud)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("%load_ext cloudstack_magic"),
                nbformat.v4.new_code_cell(f"%cloudstack -o job stopVirtualMachine id={vm}")]
    env = {**os.environ, "HOME": str(tmp_path), "CLOUDSTACK_ENDPOINT": cloud.endpoint,
           "CLOUDSTACK_KEY": cloud.api_key, "CLOUDSTACK_SECRET": cloud.secret_key}
    NotebookClient(nb, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute(env=env)
    jobid = the_jobid(cloud)
    outputs = nb.cells[1].outputs
    assert [out["output_type"] for out in outputs] == ["display_data"]
    assert set(outputs[0]["data"]) == {"text/plain", "text/html"}  # the live widget was replaced by text
    assert outputs[0]["data"]["text/plain"].startswith(f"stopVirtualMachine: job {jobid} succeeded in 2.")
