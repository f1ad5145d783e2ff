"""The one renderer of errors and the words of the magics' messages (no shell, no server)."""

from __future__ import annotations

import pytest

from cloudstack_magic._errors import APIError, AuthenticationError, JobFailedError
from cloudstack_magic.magics._messages import (
    add_context,
    best_suggestions,
    cancel_message,
    render,
    unknown_command,
)
from cloudstack_magic.spec._spec import packaged_spec


@pytest.mark.parametrize(("typed", "expected"), [
    ("listVirtualMachine", ["listVirtualMachines"]),
    ("stopVirtualMachines", ["stopVirtualMachine"]),
    ("LISTZONES", ["listZones"]),
])
def test_a_clearly_best_suggestion_is_named_alone(typed: str, expected: list[str]) -> None:
    assert best_suggestions(typed, packaged_spec()) == expected


def test_without_a_clear_winner_up_to_three_close_names() -> None:
    close = best_suggestions("listVM", packaged_spec())
    assert 2 <= len(close) <= 3 and all(name.lower().startswith("list") for name in close)


def test_nothing_close_suggests_searching() -> None:
    error = unknown_command("qqqqqqqq", packaged_spec())
    assert str(error) == "qqqqqqqq: no such API in CloudStack 4.18 — %cloudstack apis WORD searches the commands"
    assert error.suggestions == []


def test_render_adds_region_and_hint_from_fields_without_touching_the_message() -> None:
    error = JobFailedError("deployVirtualMachine job j-1 failed: no capacity", jobid="j-1")
    add_context(error, region="eu", hint="job j-1")  # already in the message: not repeated
    assert render(error) == "region eu: deployVirtualMachine job j-1 failed: no capacity"
    other = AuthenticationError("unable to verify user credentials", status=401)
    add_context(other, hint="check the key, secret and clock")
    assert render(other) == "unable to verify user credentials (check the key, secret and clock)"
    assert str(other) == "unable to verify user credentials" and other.args == ("unable to verify user credentials",)


def test_render_is_one_line_and_masks_secrets() -> None:
    error = APIError("bad\nrequest apikey=KEY123&signature=SIG456")
    assert render(error) == "bad request apikey=***&signature=***"


def test_cancel_lines_name_the_region_of_each_job() -> None:
    message = cancel_message([("deployVirtualMachine", "j-1", "eu"), ("stopVirtualMachine", "j-2", None)])
    assert "%cloudstack -r eu queryAsyncJobResult jobid=j-1" in message
    assert "%cloudstack queryAsyncJobResult jobid=j-2" in message
