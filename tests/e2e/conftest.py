"""Real-browser tests: JupyterLab on 127.0.0.1 driven by headless Chromium through Playwright.

``make e2e`` installs what these need (Debian's ``chromium``, Playwright and JupyterLab from
PyPI) and runs them; ``make test`` leaves this folder out (``--ignore`` in pyproject). The
fixtures here start, for the whole session:

* two simulators: the default region (short jobs, for Run All) and ``slow`` (60 s jobs, to
  Cancel and Interrupt), named in a private ``cloudstack.ini``;
* JupyterLab on a free port of 127.0.0.1, token and password off (nothing but this test can
  reach it, and only while it runs), with its own temporary config, runtime, settings and
  workspace folders, serving a temporary copy of the notebooks;
* Chromium from ``$CHROMIUM`` or the ``PATH``, launched by Playwright with ``executable_path``
  (Playwright cannot download its own browsers here), headless.

Screenshots go to ``build/screenshots/``; measured times to ``build/screenshots/timings.json``.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from cloudstack_magic.config._write import write_region_file
from cloudstack_magic.demo import PROJECT_ROOT
from cloudstack_magic.simulator import SimulatorThread

SCREENSHOTS = PROJECT_ROOT / "build" / "screenshots"
#: Generous bounds: they catch a hang, not a slow machine.
START_TIMEOUT = 120.0
REGION = "simulator"


@dataclass
class Lab:
    """A running JupyterLab: where it listens, what it serves, the clouds behind it."""

    url: str
    root: Path
    settings: Path
    cloud: SimulatorThread
    slow: SimulatorThread
    timings: dict[str, float] = field(default_factory=dict)

    def running_vm(self, sim: SimulatorThread) -> str:
        """A running VM's id, not used by an earlier test (each stop makes one VM Stopped)."""
        for vm in sim.runtime.cloud.vms:
            if vm["state"] == "Running" and "projectid" not in vm:
                return str(vm["id"])
        raise AssertionError("no running VM left in the simulator")

    def record(self, name: str, seconds: float) -> None:
        self.timings[name] = round(seconds, 3)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (SCREENSHOTS / "timings.json").write_text(json.dumps(self.timings, indent=2) + "\n")


#: JupyterLab user settings for the test: every cell rendered (no windowing, so the DOM holds
#: all of them), no news or update pop-up over the notebook.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/apputils-extension/themes": {"theme": "JupyterLab Light"},
}


def write_setting(settings_dir: Path, plugin: str, values: dict[str, Any]) -> None:
    """Write one plugin's user settings; a page loaded afterwards uses them."""
    path = settings_dir / f"{plugin}.jupyterlab-settings"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(values))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def chromium_path() -> str:
    """Debian's Chromium (``make e2e`` installs it); a clear failure when it is missing."""
    found = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise RuntimeError("no chromium on PATH: run `make e2e` (it installs Debian's chromium), "
                           "or set CHROMIUM=/path/to/chromium")
    return found


def _wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"JupyterLab exited ({server.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}api/status", timeout=5) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"JupyterLab did not answer within {START_TIMEOUT} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    base = tmp_path_factory.mktemp("lab")
    root, home = base / "notebooks", base / "home"
    dirs = {name: base / name for name in ("config", "runtime", "settings", "workspaces")}
    for folder in (home, *dirs.values()):
        folder.mkdir()
    shutil.copytree(PROJECT_ROOT / "notebooks", root, ignore=shutil.ignore_patterns("_*", ".*"))
    for plugin, values in SETTINGS.items():
        write_setting(dirs["settings"], plugin, values)
    with SimulatorThread(vms=150, job_seconds=2.0, seed=42) as cloud, \
            SimulatorThread(vms=20, job_seconds=60.0, seed=7) as slow:
        config = base / "cloudstack.ini"
        write_region_file(config, REGION, cloud.endpoint, cloud.api_key, cloud.secret_key)
        write_region_file(config, "slow", slow.endpoint, slow.api_key, slow.secret_key)
        port = _free_port()
        url = f"http://127.0.0.1:{port}/"
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("CLOUDSTACK_", "JUPYTER"))},
            "HOME": str(home),
            "CLOUDSTACK_CONFIG": str(config),
            "CLOUDSTACK_REGION": REGION,
            "JUPYTER_CONFIG_DIR": str(dirs["config"]),
            "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]),
            "JUPYTERLAB_SETTINGS_DIR": str(dirs["settings"]),
            "JUPYTERLAB_WORKSPACES_DIR": str(dirs["workspaces"]),
            "JUPYTER_PLATFORM_DIRS": "1",
        }
        command = [
            sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
            # only for this test: a private port on loopback, for the test's lifetime
            "--IdentityProvider.token=", "--ServerApp.password=",
            f"--ServerApp.root_dir={root}",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]
        if os.geteuid() == 0:
            command.append("--allow-root")
        log = base / "jupyterlab.log"
        with log.open("wb") as out:
            server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=root)
        try:
            _wait_until_up(url, server, log)
            yield Lab(url, root, dirs["settings"], cloud, slow)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=30)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(60_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
