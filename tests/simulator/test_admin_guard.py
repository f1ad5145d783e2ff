"""The admin endpoints change the simulator (faults, a wiped inventory): beyond loopback they
need the admin token printed at start. And an error's X-Description header stays short."""

from __future__ import annotations

import json

import pytest
from aiohttp.test_utils import TestClient, TestServer

from cloudstack_magic.simulator import Settings, make_app

from .conftest import make_api

TOKEN = "test-admin-token"
ADMIN_POSTS = ("/_simulator/config", "/_simulator/reset")


@pytest.fixture
async def exposed():
    """An app configured as if bound to a LAN address (the test server itself is on 127.0.0.1)."""
    app = make_app(Settings(vms=5, host="192.0.2.10", admin_token=TOKEN))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


@pytest.mark.parametrize("path", ADMIN_POSTS)
async def test_beyond_loopback_admin_posts_without_the_token_are_refused(exposed, path):
    response = await exposed.post(path, json={"latency_ms": 5})
    assert response.status == 403
    assert "admin token" in (await response.json())["error"]
    wrong = await exposed.post(path, json={"latency_ms": 5}, headers={"X-Simulator-Token": "guess"})
    assert wrong.status == 403


async def test_the_token_in_a_header_or_query_is_accepted(exposed):
    response = await exposed.post("/_simulator/config", json={"latency_ms": 5},
                                  headers={"X-Simulator-Token": TOKEN})
    assert response.status == 200 and (await response.json())["latency_ms"] == 5
    response = await exposed.post(f"/_simulator/reset?token={TOKEN}")
    assert response.status == 200
    stats = await (await exposed.get("/_simulator/stats")).json()  # reads stay open
    assert "admin_token" not in json.dumps(stats) and TOKEN not in json.dumps(stats)


async def test_on_loopback_admin_posts_need_no_token():
    app = make_app(Settings(vms=5, admin_token=TOKEN))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        assert (await client.post("/_simulator/reset")).status == 200


def test_a_token_is_made_when_none_is_given_and_never_shown():
    first, second = Settings(), Settings()
    assert first.admin_token and first.admin_token != second.admin_token
    assert first.admin_token not in repr(first) and "admin_token" not in first.public()


def test_a_huge_value_keeps_x_description_short(fresh_simulator):
    sim = fresh_simulator(vms=5)
    api = make_api(sim)
    status, headers, text = api({"command": "listVirtualMachines", "response": "json", "id": "x" * 100_000},
                                method="POST")
    assert status == 431
    assert len(headers["X-Description"]) <= 256
    assert ("x" * 100_000) in json.loads(text)["listvirtualmachinesresponse"]["errortext"]
