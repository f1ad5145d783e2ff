"""An in-process IPython shell with the extension loaded, pointed at the shared simulator.

``RaisingShell.run_cell`` re-raises what the cell raised (jupysql's testing-shell pattern), so a
failing cell fails the test with its real exception; ``UsageError`` included. History is off (no
sqlite files). Configuration is isolated: HOME and the working directory are a tmp dir, and the
region comes from ``CLOUDSTACK_*`` variables naming the simulator — never real credentials.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config


class RaisingShell(InteractiveShell):
    def run_cell(self, *args: Any, **kwargs: Any) -> Any:
        result = super().run_cell(*args, **kwargs)
        result.raise_error()
        return result


@pytest.fixture
def isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No config from this machine: empty HOME and cwd, no CLOUDSTACK_* variables."""
    import os

    for name in list(os.environ):
        if name.startswith("CLOUDSTACK_"):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def env_region(isolated_config: Path, simulator: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The simulator as the default region (``environment``)."""
    monkeypatch.setenv("CLOUDSTACK_ENDPOINT", simulator.endpoint)
    monkeypatch.setenv("CLOUDSTACK_KEY", simulator.api_key)
    monkeypatch.setenv("CLOUDSTACK_SECRET", simulator.secret_key)
    return simulator


def write_ini(directory: Path, sections: dict[str, dict[str, str]]) -> Path:
    lines = []
    for name, values in sections.items():
        lines.append(f"[{name}]")
        lines += [f"{key} = {value}" for key, value in values.items()]
        lines.append("")
    path = directory / "cloudstack.ini"
    path.write_text("\n".join(lines))
    path.chmod(0o600)  # holds a secret: a readable one warns (InsecureConfigWarning)
    return path


def new_shell() -> RaisingShell:
    config = Config()
    config.HistoryAccessor.enabled = False
    shell = RaisingShell(config=config)
    shell.run_cell("%load_ext cloudstack_magic")
    shell.run_cell("%config CloudStackMagic.progress = 'none'")
    return shell


def loaded_shell() -> Iterator[RaisingShell]:
    """A new shell for one test; the extension is unloaded and the singleton cleared after it."""
    shell = new_shell()
    yield shell
    shell.run_cell("%unload_ext cloudstack_magic")
    RaisingShell.clear_instance()


@pytest.fixture
def bare_ip(isolated_config: Path) -> Iterator[RaisingShell]:
    """A shell with the extension loaded and no region configured."""
    yield from loaded_shell()


@pytest.fixture
def ip(env_region: Any) -> Iterator[RaisingShell]:
    """A shell with the extension loaded and the simulator as the default region."""
    yield from loaded_shell()
