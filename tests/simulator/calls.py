"""Signed JSON calls for the simulator tests: ``call(command, **params) -> (status, body)``."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from .conftest import make_api

Caller = Callable[..., tuple[int, Any]]


def json_caller(sim: Any, key: str | None = None, secret: str | None = None) -> Caller:
    """Calls signed with ``key``/``secret`` (default: the simulator's admin pair)."""
    api = make_api(sim)

    def run(command: str, **params: str) -> tuple[int, Any]:
        if key is not None:
            params.setdefault("apiKey", key)
        status, _, text = api({"command": command, "response": "json", **params}, secret=secret)
        return status, json.loads(text)[f"{command.lower()}response"]

    return run


def wait(call: Caller, jobid: str, timeout: float = 30.0) -> Any:
    """The job once finished (bounded: a hang fails, a slow machine does not)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, job = call("queryAsyncJobResult", jobid=jobid)
        assert status == 200, job
        if job["jobstatus"] != 0:
            return job
        time.sleep(0.03)
    raise AssertionError(f"job {jobid} did not finish in {timeout} s")


def first(call: Caller, command: str, key: str, **params: str) -> Any:
    return call(command, **params)[1][key][0]


def deploy(call: Caller, **extra: Any) -> tuple[int, Any]:
    zone = first(call, "listZones", "zone")
    template = first(call, "listTemplates", "template", templatefilter="featured")
    offering = first(call, "listServiceOfferings", "serviceoffering", **extra.pop("offering", {}))
    return call("deployVirtualMachine", zoneid=zone["id"], templateid=template["id"],
                serviceofferingid=offering["id"], **extra)
