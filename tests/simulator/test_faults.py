"""Injected faults, the admin endpoints and what stats report."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request

import aiohttp
import pytest

from cloudstack_magic.simulator import Simulator

from .conftest import make_api, sign


def _list(api):
    return api({"command": "listZones", "response": "json"})


def test_fail_rate_answers_503_and_is_deterministic_under_seed(fresh_simulator):
    outcomes = []
    for _ in range(2):
        sim = fresh_simulator(fail_rate=0.5, seed=7)
        api = make_api(sim)
        outcomes.append([_list(api)[0] for _ in range(20)])
        assert sim.stats()["failed"] == outcomes[-1].count(503)
    assert outcomes[0] == outcomes[1]
    assert set(outcomes[0]) == {200, 503}


def test_drop_rate_cuts_the_body(fresh_simulator):
    sim = fresh_simulator(drop_rate=1.0)
    with pytest.raises(Exception) as caught:
        _list(make_api(sim))
    assert "IncompleteRead" in repr(caught.value) or "incomplete" in str(caught.value).lower()
    assert sim.stats()["dropped"] == 1


def test_throttle_answers_429_like_cloudstack(fresh_simulator):
    sim = fresh_simulator(throttle=3)
    api = make_api(sim)
    answers = [_list(api) for _ in range(5)]
    assert [a[0] for a in answers] == [200, 200, 200, 429, 429]
    error = json.loads(answers[3][2])["listzonesresponse"]
    assert error["errorcode"] == 429 and "api limit" in error["errortext"]
    assert sim.stats()["throttled"] == 2


def test_latency_is_added_with_jitter(fresh_simulator):
    sim = fresh_simulator(latency_ms=100)
    api = make_api(sim)
    began = time.perf_counter()
    for _ in range(3):
        assert _list(api)[0] == 200
    elapsed = time.perf_counter() - began
    assert 3 * 0.08 <= elapsed < 3 * 0.12 + 1.0


def test_configure_changes_faults_while_running(fresh_simulator):
    sim = fresh_simulator()
    sim.configure(fail_rate=1.0)
    assert _list(make_api(sim))[0] == 503
    sim.configure(fail_rate=0)
    assert _list(make_api(sim))[0] == 200
    with pytest.raises(ValueError, match="cannot change vms"):
        sim.configure(vms=3)


async def test_client_hanging_up_is_counted_as_cancelled():
    async with Simulator(vms=10, latency_ms=2000) as sim:
        params = {"command": "listZones", "response": "json", "apiKey": sim.api_key}
        params["signature"] = sign(params, sim.secret_key)
        async with aiohttp.ClientSession() as session:
            with pytest.raises(asyncio.TimeoutError):
                async with session.get(sim.endpoint, params=params, timeout=aiohttp.ClientTimeout(total=0.2)):
                    pass
        for _ in range(50):
            if sim.stats()["cancelled"]:
                break
            await asyncio.sleep(0.02)
        assert sim.stats()["cancelled"] == 1 and sim.stats()["in_flight"] == 0


def test_admin_stats_and_reset_over_http(fresh_simulator):
    sim = fresh_simulator()
    api = make_api(sim)
    _list(api)
    api({"command": "listVirtualMachines", "response": "json"})
    stats = json.load(urllib.request.urlopen(sim.base_url + "/_simulator/stats"))
    assert stats["commands"] == {"listZones": 1, "listVirtualMachines": 1}
    assert stats["statuses"] == {"200": 2} and stats["inventory"]["vms"] == 40
    assert "secret_key" not in json.dumps(stats) and sim.secret_key not in json.dumps(stats)
    request = urllib.request.Request(sim.base_url + "/_simulator/reset", method="POST")
    assert json.load(urllib.request.urlopen(request)) == {"reset": True}
    assert sim.stats()["commands"] == {}


def test_settings_are_checked_and_repr_hides_the_secret():
    with pytest.raises(TypeError, match="unknown simulator setting 'vm' \\(did you mean 'vms'\\?\\)"):
        Simulator(vm=3)
    with pytest.raises(ValueError, match="fail_rate is a probability"):
        Simulator(fail_rate=2)
    sim = Simulator(secret_key="s3cr3t-value")
    assert "s3cr3t-value" not in repr(sim) and "s3cr3t-value" not in repr(sim.settings)
