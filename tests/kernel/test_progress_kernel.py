"""Progress in a real kernel, over the Jupyter protocol (jupyter_client): what a frontend sees.

* widget ``comm_msg`` updates arrive on IOPub while the cell is still running;
* a frontend click on the Cancel button (a ``comm_msg`` to the button's comm) stops the wait at
  once on ipykernel >= 7.4, and the live row is replaced by the summary and the job hint;
* a ``--background`` handle returns at once and a later cell awaits it.
"""

from __future__ import annotations

import queue
import textwrap
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

pytestmark = pytest.mark.kernel

Message = dict[str, Any]


class Cell:
    """The IOPub messages of one executed cell, with seconds since it was sent."""

    def __init__(self, messages: list[tuple[float, Message]], others: list[Message]) -> None:
        self.messages = messages
        self.others = others  # messages meanwhile on behalf of earlier cells (background work)

    def of_type(self, *kinds: str) -> list[tuple[float, Message]]:
        return [(t, m) for t, m in self.messages if m["msg_type"] in kinds]

    @property
    def duration(self) -> float:
        return self.messages[-1][0]

    def stdout(self) -> str:
        return "".join(m["content"]["text"] for _, m in self.of_type("stream")
                       if m["content"]["name"] == "stdout")

    def errors(self) -> list[str]:
        return [f"{m['content']['ename']}: {m['content']['evalue']}" for _, m in self.of_type("error")]

    def comm_opens(self, model: str) -> list[str]:
        return [m["content"]["comm_id"] for _, m in self.of_type("comm_open")
                if m["content"]["data"]["state"].get("_model_name") == model]


def execute(kc: Any, code: str, *, act: Callable[[float, Message], None] | None = None,
            timeout: float = 30) -> Cell:
    """Run ``code``; collect its IOPub messages until idle; ``act`` may react mid-cell."""
    msg_id = kc.execute(textwrap.dedent(code))
    start = time.monotonic()
    seen: list[tuple[float, Message]] = []
    others: list[Message] = []
    while True:
        left = start + timeout - time.monotonic()
        try:
            msg = kc.get_iopub_msg(timeout=max(left, 0.01))
        except queue.Empty:
            raise AssertionError(f"cell still running after {timeout} s: {code!r}") from None
        if msg["parent_header"].get("msg_id") != msg_id:
            others.append(msg)
            continue
        now = time.monotonic() - start
        seen.append((now, msg))
        if act is not None:
            act(now, msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return Cell(seen, others)


def send_comm_msg(kc: Any, comm_id: str, data: Message) -> None:
    """What a frontend sends when the user touches a widget."""
    kc.shell_channel.send(kc.session.msg("comm_msg", {"comm_id": comm_id, "data": data}))


@pytest.fixture(scope="module")
def kernel() -> Iterator[Any]:
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3", startup_timeout=60)
    try:
        yield kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


# A stand-in for the client: reports one pending job per tick until cancelled.
FAKE_JOB = """
import asyncio
from cloudstack_magic._progress import reporter_for
from cloudstack_magic._events import JobProgress

async def fake_job(progress, jobid="j-1", ticks=40, tick=0.1):
    for n in range(ticks):
        progress(JobProgress("deployVirtualMachine", jobid, "pending", 0, n, n * tick, n))
        await asyncio.sleep(tick)
    progress(JobProgress("deployVirtualMachine", jobid, "succeeded", 1, ticks, ticks * tick, ticks, True))
"""


def test_widget_updates_arrive_while_the_cell_runs(kernel):
    execute(kernel, FAKE_JOB)
    cell = execute(kernel, """
        reporter = reporter_for("widget", "deploy")
        with reporter:
            await fake_job(reporter, ticks=15)
        print(reporter.summary)
    """)
    assert cell.errors() == []
    (shown_at, shown), = cell.of_type("display_data")
    assert 0.4 < shown_at < 1.0  # nothing for the first half second
    assert "application/vnd.jupyter.widget-view+json" in shown["content"]["data"]
    updates = [t for t, _ in cell.of_type("comm_msg")]
    assert len(updates) >= 5 and updates[-1] < cell.duration
    live = [t for t in updates if shown_at <= t < cell.duration - 0.1]
    assert max(live) - min(live) > 0.5  # spread over the run, not sent at the end
    # coalesced: redraws (bursts of trait updates) come at most ~4 per second
    bursts = [t for i, t in enumerate(updates) if i == 0 or t - updates[i - 1] > 0.05]
    assert len(bursts) <= 4 * (cell.duration - shown_at) + 2
    (_, final), = cell.of_type("update_display_data")
    assert final["content"]["data"] == {
        "text/plain": cell.stdout().strip()
    }
    assert final["content"]["data"]["text/plain"].startswith("deployVirtualMachine: job j-1 succeeded in 1.")
    assert final["content"]["transient"] == shown["content"]["transient"]


@pytest.mark.parametrize("click", [
    {"method": "custom", "content": {"event": "click"}},
])
def test_cancel_click_stops_the_wait(kernel, click):
    import ipykernel

    from cloudstack_magic._widgets import comm_messages_during_await

    if not comm_messages_during_await(ipykernel.__version__):
        pytest.skip("ipykernel < 7.4 queues widget messages until the cell ends")
    execute(kernel, FAKE_JOB)
    clicked: list[float] = []
    buttons: list[str] = []

    def click_after_a_second(t: float, msg: Message) -> None:
        if msg["msg_type"] == "comm_open" and msg["content"]["data"]["state"].get("_model_name") == "ButtonModel":
            buttons.append(msg["content"]["comm_id"])
        if buttons and not clicked and t > 1.0:
            send_comm_msg(kernel, buttons[0], click)
            clicked.append(t)

    cell = execute(kernel, """
        task = asyncio.current_task()
        reporter = reporter_for("widget", "deploy", on_cancel=task.cancel)
        try:
            with reporter:
                await fake_job(reporter, ticks=100)
        except asyncio.CancelledError:
            print("stopped waiting;", reporter.pending_jobs())
    """, act=click_after_a_second)
    assert clicked, "no Cancel button was offered"
    assert cell.duration - clicked[0] < 0.5, (cell.duration, clicked)
    assert cell.stdout() == "stopped waiting; [('deployVirtualMachine', 'j-1')]\n"
    (_, final), = cell.of_type("update_display_data")
    text = final["content"]["data"]["text/plain"]
    assert text.startswith("deploy: cancelled after 1.")
    assert "%cloudstack queryAsyncJobResult jobid=j-1" in text
    assert buttons[0] in {m["content"]["comm_id"] for _, m in cell.of_type("comm_close")}


def test_background_handle_returns_at_once_and_a_later_cell_awaits_it(kernel):
    execute(kernel, FAKE_JOB)
    started = execute(kernel, """
        from cloudstack_magic._background import start_background
        h = start_background(lambda progress: fake_job(progress, ticks=10), title="deploy", mode="widget")
        h
    """)
    assert started.errors() == [] and started.duration < 1.0
    (_, row), = started.of_type("display_data")
    assert "application/vnd.jupyter.widget-view+json" in row["content"]["data"]
    waited = execute(kernel, """
        await h
        print(h.done(), h.summary)
    """)
    assert waited.errors() == []
    assert waited.stdout().startswith("True deployVirtualMachine: job j-1 succeeded in 1.")
    # the live row of the earlier cell is replaced by the summary when the work ends (sent on
    # behalf of the cell that started the work: the task keeps that cell's context)
    final, = [m for m in waited.others if m["msg_type"] == "update_display_data"]
    assert final["content"]["transient"] == row["content"]["transient"]
    assert final["content"]["data"]["text/plain"] == waited.stdout().split(" ", 1)[1].strip()
    assert not [m for m in waited.others if m["msg_type"] == "comm_close"]  # row stays drawn


def test_auto_mode_picks_widgets_in_a_kernel(kernel):
    cell = execute(kernel, """
        from cloudstack_magic._progress import detect_frontend, reporter_for
        print(detect_frontend(), type(reporter_for("auto", "t").view).__name__)
    """)
    assert cell.stdout() == "widget WidgetView\n"
