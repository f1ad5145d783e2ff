"""A listing's in-flight bound counts requests on the wire, not pages being parsed.

Parsing is most of a long listing's CPU. If a page kept its slot while it was parsed, the next
request would wait for the parse, and a wave of eight pages would arrive one parse apart; with
the slot given back first, the next page travels while this one is parsed."""

from __future__ import annotations

from typing import Any

import pytest

from cloudstack_magic import InvalidResponseError
from cloudstack_magic.client._answers import Reply, read_answer
from cloudstack_magic.client._options import ClientOptions
from cloudstack_magic.client._transport import Transport, build_request

from .conftest import ENDPOINT, KEY, SECRET, FakeServer, json_reply


class RecordingSlot:
    """An async context manager that logs when it is taken and given back."""

    def __init__(self, log: list[str]) -> None:
        self.log = log
        self.held = False

    async def __aenter__(self) -> None:
        self.held = True
        self.log.append("take")

    async def __aexit__(self, *exc: object) -> None:
        self.held = False
        self.log.append("give back")


@pytest.fixture
def parse_log(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    log: list[str] = []

    def recording(answer: Any, call: Any) -> Any:
        log.append("parse")
        return read_answer(answer, call)

    monkeypatch.setattr("cloudstack_magic.client._transport.read_answer", recording)
    return log


def _transport_for(fake: FakeServer, **options: Any) -> tuple[Transport, Any]:
    settings_ = ClientOptions(handler=fake, retry_backoff=0, **options)
    request = build_request(ENDPOINT, {"command": "listZones"}, KEY, SECRET, settings_)
    return Transport(ENDPOINT, settings_), request


async def test_the_slot_is_given_back_before_the_answer_is_parsed(fake: FakeServer, parse_log: list[str]) -> None:
    fake.answers["listZones"] = json_reply("listZones", {"count": 1, "zone": [{"id": "z"}]})
    transport, request = _transport_for(fake)
    body = await transport.send(request, command="listZones", slot=RecordingSlot(parse_log))
    assert body == {"listzonesresponse": {"count": 1, "zone": [{"id": "z"}]}}
    assert parse_log == ["take", "give back", "parse"]


async def test_a_retry_takes_the_slot_again_and_waits_without_it(fake: FakeServer, parse_log: list[str],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    slot = RecordingSlot(parse_log)

    async def back_off(delay: float) -> None:
        parse_log.append("held while waiting" if slot.held else "wait")

    monkeypatch.setattr("cloudstack_magic.client._transport.asyncio.sleep", back_off)
    fake.answers["listZones"] = [Reply(503, "busy", {"Content-Type": "text/plain"}),
                                 json_reply("listZones", {})]
    transport, request = _transport_for(fake, retries=1)
    assert await transport.send(request, command="listZones", slot=slot) == {"listzonesresponse": {}}
    assert parse_log == ["take", "give back", "parse", "wait", "take", "give back", "parse"]


async def test_an_exchange_that_fails_gives_its_slot_back(fake: FakeServer, parse_log: list[str]) -> None:
    fake.answers["listZones"] = Reply(502, "", {"Content-Type": "text/html"})
    transport, request = _transport_for(fake, retries=0)
    slot = RecordingSlot(parse_log)
    with pytest.raises(InvalidResponseError):
        await transport.send(request, command="listZones", slot=slot)
    assert not slot.held and parse_log == ["take", "give back", "parse"]
