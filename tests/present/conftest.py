"""Fixtures for the presentation tests: an in-process IPython shell and sample CloudStack rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cloudstack_magic.spec._spec import Spec, packaged_spec


@pytest.fixture
def shell() -> Iterator[Any]:
    """A fresh InteractiveShell without history files; cleared afterwards."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryAccessor.enabled = False
    ip = InteractiveShell.instance(config=config)
    yield ip
    InteractiveShell.clear_instance()


@pytest.fixture(scope="session")
def spec() -> Spec:
    return packaged_spec()


def vm_row(index: int, **extra: Any) -> dict[str, Any]:
    """A listVirtualMachines row shaped like the server's (fields in server order)."""
    row: dict[str, Any] = {
        "account": "admin",
        "id": f"vm-id-{index}",
        "created": f"2026-11-{1 + index % 28:02d}T01:02:03+0000",
        "name": f"vm-{index}",
        "cpunumber": 1 + index % 4,
        "memory": 512,
        "haenable": bool(index % 2),
        "state": "Running",
        "displayname": f"VM {index}",
        "networkkbsread": 10 * index,
        "nic": [{"id": f"nic-{index}", "ipaddress": f"10.0.0.{index % 250}", "isdefault": True}],
        "tags": [{"key": "env", "value": "prod"}],
        "details": {"rootdisksize": "8"},
    }
    row.update(extra)
    return row
