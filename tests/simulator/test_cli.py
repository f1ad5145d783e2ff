"""The command line: ``python -m cloudstack_magic.simulator`` and ``cloudstack-magic simulate``."""

from __future__ import annotations

import configparser
import os
import re
import signal
import stat
import subprocess
import sys

import cs

from cloudstack_magic.__main__ import main as console_main
from cloudstack_magic.simulator import DEMO_SECRET_KEY

FLAGS = ("--host", "--port", "--vms", "--seed", "--latency-ms", "--job-seconds", "--page-size-limit",
         "--fail-rate", "--drop-rate", "--throttle", "--api-key", "--secret-key", "--write-config",
         "--admin-token")


def test_serves_prints_ready_writes_config_and_stops_on_sigint(tmp_path):
    config = tmp_path / "cloudstack.ini"
    process = subprocess.Popen(
        [sys.executable, "-m", "cloudstack_magic.simulator", "--port", "0", "--vms", "15",
         "--write-config", str(config)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("ready:"):
                break
        output = "".join(lines)
        assert "endpoint: http://127.0.0.1:" in output and DEMO_SECRET_KEY not in output
        assert re.search(r"^admin token: \S{16,} ", output, re.MULTILINE)
        assert stat.S_IMODE(os.stat(config).st_mode) == 0o600
        region = configparser.ConfigParser()
        region.read(config)
        endpoint = region["simulator"]["endpoint"]
        assert endpoint in output
        client = cs.CloudStack(endpoint=endpoint, key=region["simulator"]["key"],
                               secret=region["simulator"]["secret"])
        assert client.listZones()["count"] >= 2
    finally:
        process.send_signal(signal.SIGINT)
        rest, errors = process.communicate(timeout=20)
    assert process.returncode == 0, errors
    assert "simulator stopped" in rest


def test_console_script_help_lists_every_flag(capsys):
    try:
        console_main(["simulate", "--help"])
    except SystemExit as done:
        assert done.code == 0
    text = capsys.readouterr().out
    assert all(flag in text for flag in FLAGS)


def test_bad_setting_is_one_line_usage_error(capsys):
    try:
        console_main(["simulate", "--fail-rate", "3"])
    except SystemExit as done:
        assert done.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.endswith("fail_rate is a probability between 0 and 1, got 3.0")


def test_console_script_without_subcommand_shows_help(capsys):
    assert console_main([]) == 2
    assert "simulate" in capsys.readouterr().out


def test_unwritable_config_is_one_line_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    done = subprocess.run(
        [sys.executable, "-m", "cloudstack_magic.simulator", "--port", "0", "--vms", "5",
         "--write-config", str(blocker / "cloudstack.ini")],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.strip().startswith("error:") and len(done.stderr.strip().splitlines()) == 1
    assert "simulator stopped" in done.stdout


def test_port_in_use_is_one_line_error():
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "cloudstack_magic.simulator", "--port", str(port), "--vms", "5"],
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip().startswith("error:") and len(done.stderr.strip().splitlines()) == 1


def test_loopback_detection():
    from cloudstack_magic.simulator.cli import _is_loopback

    assert _is_loopback("127.0.0.1") and _is_loopback("::1") and _is_loopback("localhost")
    assert not _is_loopback("0.0.0.0") and not _is_loopback("192.168.1.5")


def test_every_flag_is_a_setting_that_simulator_thread_accepts():
    """``%cloudstack simulate start --vms … --accounts …`` passes the same options in Python."""
    import argparse
    from dataclasses import fields

    from cloudstack_magic.simulator import Settings, SimulatorThread
    from cloudstack_magic.simulator.cli import _settings, add_arguments

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--accounts", "3", "--vms", "7", "--admin-token", "t0k3n", "--latency-ms", "5"])
    settings = _settings(args)
    assert (settings.accounts, settings.vms, settings.admin_token, settings.latency_ms) == (3, 7, "t0k3n", 5)
    thread = SimulatorThread(**{f.name: getattr(settings, f.name) for f in fields(Settings)})
    assert thread.settings == settings and "t0k3n" not in repr(thread)
