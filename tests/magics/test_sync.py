"""``%cloudstack sync``: the server's own API list, stored per endpoint and used in later kernels."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.completer import provisionalcompleter
from IPython.core.error import UsageError

from .conftest import RaisingShell, loaded_shell


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("CLOUDSTACK_MAGIC_CACHE_DIR", str(directory))
    return directory


def _newer_server(path: Path) -> None:
    """Make the stored answer look like a newer server's: one more API than 4.18 has."""
    stored = json.loads(path.read_text())
    apis = stored["listApis"]["api"]
    frob = json.loads(json.dumps(next(api for api in apis if api["name"] == "listZones")))
    frob.update(name="listFrobnicators", description="Lists frobnicators (a newer server's API)")
    apis.append(frob)
    stored["version"] = "4.99.0"
    path.write_text(json.dumps(stored))


def _second_kernel() -> Iterator[RaisingShell]:
    RaisingShell.clear_instance()
    yield from loaded_shell()


def test_sync_stores_the_servers_apis_with_its_version(ip: Any, cache_dir: Path, simulator: Any) -> None:
    text = str(ip.run_cell("%cloudstack sync").result)
    assert text.startswith("synced ") and "CloudStack 4.18.1.0" in text
    (stored,) = cache_dir.glob("*.json")
    content = stored.read_text()
    assert json.loads(content)["version"] == "4.18.1.0"
    assert json.loads(content)["endpoint"] == simulator.endpoint
    assert simulator.api_key not in content and simulator.secret_key not in content


def test_help_apis_completion_and_checks_use_the_synced_apis_in_a_later_kernel(
    ip: Any, cache_dir: Path, simulator: Any
) -> None:
    ip.run_cell("%cloudstack sync")
    (stored,) = cache_dir.glob("*.json")
    _newer_server(stored)
    ip.run_cell("%unload_ext cloudstack_magic")
    later = _second_kernel()
    shell = next(later)
    try:
        assert "listFrobnicators" in str(shell.display_formatter.format(
            shell.run_cell("%cloudstack help listFrobnicators").result)[0]["text/plain"])
        listing = shell.run_cell("%cloudstack apis frobnicator").result
        assert "listFrobnicators" in str(shell.display_formatter.format(listing)[0]["text/plain"])
        with provisionalcompleter():
            found = [c.text for c in shell.Completer.completions("%cloudstack listFrob", 20)]
        assert any(text.endswith("listFrobnicators") for text in found), found
        simulator.reset()
        with pytest.raises(UsageError) as caught:  # the server's own list: unknown means unknown
            shell.run_cell("%cloudstack listVirtualMachine")
        assert str(caught.value) == ("listVirtualMachine: no such API in CloudStack 4.99.0 — "
                                     "did you mean listVirtualMachines?")
        assert simulator.stats()["commands"] == {}  # refused before sending
    finally:
        next(later, None)


def test_sync_takes_one_region(ip: Any, cache_dir: Path) -> None:
    with pytest.raises(UsageError, match="one region at a time"):
        ip.run_cell("%cloudstack sync -r a,b")
    with pytest.raises(UsageError, match=r"usage: %cloudstack sync \[-r REGION\]"):
        ip.run_cell("%cloudstack sync now")


def test_a_damaged_cache_falls_back_to_the_shipped_spec(ip: Any, cache_dir: Path) -> None:
    ip.run_cell("%cloudstack sync")
    (stored,) = cache_dir.glob("*.json")
    stored.write_text("{not json")
    view = ip.run_cell("%cloudstack help listZones").result
    assert "listZones" in str(ip.display_formatter.format(view)[0]["text/plain"])
