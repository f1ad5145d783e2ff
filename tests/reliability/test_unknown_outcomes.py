"""A state-changing call whose outcome is unknown says so, says how to check, and is sent once.

Every non-CloudStack answer a proxy or network can give — a 5xx HTML page, a 504, a dropped
connection, no answer in time, a redirect loop — leaves the caller not knowing whether the
deploy ran. Sending it again could make a second VM, so the client must send it exactly once
and its message must say the outcome is unknown and how to find out (``listAsyncJobs``, the
matching list command with the name). A CloudStack refusal, even one whose header is too big to
read, is the refusal it is: sent once, and never reported as a broken connection.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from cloudstack_magic import CloudStack
from cloudstack_magic._errors import BadRequestError, CloudStackClientException, InvalidResponseError

from ._answers import UUID, AnswerServer

#: The words that tell a user the server may or may not have done it.
UNKNOWN = re.compile(r"(?i)may or may not have run|outcome is unknown|unknown outcome|not known whether")
UNKNOWN_MODES = ["html500", "html502", "html503", "html504", "drop", "slow", "redirect"]
DEPLOY = {"zoneid": UUID, "templateid": UUID, "serviceofferingid": UUID, "name": "web-1"}


async def _fail(server: AnswerServer, mode: str, command: str, params: dict[str, Any]) -> CloudStackClientException:
    server.reset()
    async with CloudStack(server.endpoint(mode), "reliability-key", "reliability-secret", timeout=1.5,
                          retries=3) as cs:
        with pytest.raises(CloudStackClientException) as caught:
            await cs.call(command, params)
    return caught.value


@pytest.mark.parametrize("mode", UNKNOWN_MODES)
async def test_a_deploy_with_an_unknown_outcome_is_sent_once_and_says_so(answers: AnswerServer, mode: str) -> None:
    error = await _fail(answers, mode, "deployVirtualMachine", DEPLOY)
    message = str(error)
    assert answers.sent(mode, "deployVirtualMachine") == 1, f"sent {answers.sent(mode)} times: {message}"
    assert UNKNOWN.search(message), message
    assert "listAsyncJobs" in message, message
    assert "\n" not in message


@pytest.mark.parametrize("mode", UNKNOWN_MODES)
async def test_the_check_names_the_list_command_and_the_name(answers: AnswerServer, mode: str) -> None:
    """"how to check (listAsyncJobs, the list command with the name)": a ready command, not a riddle."""
    message = str(await _fail(answers, mode, "deployVirtualMachine", DEPLOY))
    assert "listVirtualMachines" in message and "web-1" in message, message


@pytest.mark.parametrize("mode", UNKNOWN_MODES)
async def test_an_update_with_an_unknown_outcome_is_sent_once_and_says_so(answers: AnswerServer, mode: str) -> None:
    error = await _fail(answers, mode, "updateVirtualMachine", {"id": UUID, "displayname": "renamed"})
    message = str(error)
    assert answers.sent(mode, "updateVirtualMachine") == 1, message
    assert UNKNOWN.search(message) and "listAsyncJobs" in message, message


async def test_a_redirect_loop_is_not_called_a_broken_connection(answers: AnswerServer) -> None:
    message = str(await _fail(answers, "redirect", "deployVirtualMachine", DEPLOY))
    assert re.search(r"(?i)redirect", message), message
    assert "broke" not in message, message


async def test_an_oversized_refusal_is_read_as_the_refusal_it_is(answers: AnswerServer) -> None:
    """431 with a 100,000-character X-Description: refused (or unreadable), sent once, no "may have run"."""
    error = await _fail(answers, "s431big", "updateVirtualMachine", {"id": UUID, "displayname": "x" * 300})
    message = str(error)
    assert answers.sent("s431big", "updateVirtualMachine") == 1, message
    assert isinstance(error, BadRequestError | InvalidResponseError), repr(error)
    assert not UNKNOWN.search(message), message
    assert "broke" not in message, message
    assert len(message) < 1000, len(message)


async def test_an_oversized_refusal_of_a_list_is_not_retried_as_a_broken_connection(answers: AnswerServer) -> None:
    error = await _fail(answers, "s431big", "listVirtualMachines", {"name": "x"})
    assert isinstance(error, BadRequestError | InvalidResponseError), repr(error)
    assert answers.sent("s431big", "listVirtualMachines") == 1, str(error)  # a refusal stays a refusal


@pytest.mark.parametrize("mode", ["s431", "s432", "s530", "s401"])
async def test_a_cloudstack_refusal_is_sent_once_and_not_called_unknown(answers: AnswerServer, mode: str) -> None:
    error = await _fail(answers, mode, "deployVirtualMachine", DEPLOY)
    assert answers.sent(mode, "deployVirtualMachine") == 1, str(error)
    assert not UNKNOWN.search(str(error)), str(error)


def test_a_100000_character_value_against_the_simulator_is_refused_once(simulator: Any) -> None:
    """The simulator's own 431 for a huge id (its header echoes the value): read as a refusal, not
    as a broken connection. ``validate=False`` sends it anyway, as for a server newer than the spec."""
    import asyncio

    simulator.reset()

    async def update() -> CloudStackClientException:
        async with CloudStack(simulator.endpoint, simulator.api_key, simulator.secret_key, validate=False) as cs:
            with pytest.raises(CloudStackClientException) as caught:
                await cs.call("updateVirtualMachine", {"id": "f" * 100_000, "displayname": "renamed"})
        return caught.value

    error = asyncio.run(update())
    assert simulator.stats()["commands"].get("updateVirtualMachine") == 1, str(error)[:300]
    assert isinstance(error, BadRequestError), repr(error)[:300]
    assert not UNKNOWN.search(str(error)) and "broke" not in str(error), str(error)[:300]
    assert len(str(error)) < 1000
