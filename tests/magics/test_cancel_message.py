"""What the magic says when stopping leaves jobs running server-side."""

from __future__ import annotations

from cloudstack_magic.magics._messages import cancel_message

JOBS = [("deployVirtualMachine", "job-1"), ("stopVirtualMachine", "job-2")]


def test_without_a_progress_view_every_job_gets_a_ready_to_run_line() -> None:
    message = cancel_message(JOBS)
    assert "%cloudstack queryAsyncJobResult jobid=job-1" in message
    assert "%cloudstack queryAsyncJobResult jobid=job-2" in message


def test_when_the_view_lists_the_jobs_the_error_names_them_in_one_line() -> None:
    message = cancel_message(JOBS, listed=True)
    assert "\n" not in message
    assert "deployVirtualMachine job-1" in message and "stopVirtualMachine job-2" in message
    assert "queryAsyncJobResult jobid=" not in message  # the view already shows those lines


def test_nothing_left_running_says_so() -> None:
    assert cancel_message([]) == cancel_message([], listed=True) == "cancelled; no job was left running"
