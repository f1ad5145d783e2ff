"""Fixtures of the reliability suite: canned servers, a simulator with a distinctive key pair,
and ONE kernel that runs the whole bad-input corpus twice.

``corpus_run`` (session scope) runs every case of ``_corpus`` in one real kernel, first with
the defaults (``short_errors`` on: the pass the corpus tests judge), then again with
``short_errors`` off, ``%xmode Verbose`` and DEBUG logging, each failure followed by a dump of
the exception, its attributes, its chain and its package frames' locals (the pass the secret
audit searches), and then the extras the audit needs: ``--dry-run`` views, reprs, widget and
text progress, a background handle. Every message the kernel sent is kept.
"""

from __future__ import annotations

import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from cloudstack_magic.simulator import SimulatorThread
from tests._ports import closed_port as held_closed_port

from ._answers import ANSWER_MODES, UUID, AnswerServer
from ._corpus import BROKEN_INI, CASES, FILES, Case
from ._kernel import LIMIT_MEMORY, Shown, clean_kernel, run

#: The distinctive key pair of the audit: any occurrence in an output is a leak.
AUDIT_KEY = "rk7Qm2Vx9Lp4Tz8Nc3AuditApiKeyHs6Wd1Ue5"
AUDIT_SECRET = "rs5Ye8Ku2Fo7Rg4Xa9AuditSecretQn3Mt6Jb1"
#: A password given to a --dry-run: masked like the key (issue 9: credential values where they stand).
AUDIT_PASSWORD = "pw3Kd8Lx2AuditPassword"


@dataclass
class CaseRun:
    case: Case
    cell: str
    shown: Shown
    after: Shown
    prepared: Shown
    sent_to_simulator: int
    seconds: float = 0.0


@dataclass
class CorpusRun:
    short: dict[str, CaseRun] = field(default_factory=dict)
    verbose: dict[str, CaseRun] = field(default_factory=dict)
    extras: list[Shown] = field(default_factory=list)
    closed_port: int = 0
    alive_at_end: bool = False

    def every_output(self) -> Iterator[tuple[str, str]]:
        """``(where, text)`` for every message the kernel sent during the run."""
        for name, runs in (("short", self.short), ("verbose", self.verbose)):
            for case_id, case_run in runs.items():
                for part, shown in (("prepare", case_run.prepared), ("cell", case_run.shown),
                                    ("after", case_run.after)):
                    yield f"{name}:{case_id}:{part}", shown.dump()
        for index, shown in enumerate(self.extras):
            yield f"extra:{index}", shown.dump()


@pytest.fixture(scope="session")
def answers() -> Iterator[AnswerServer]:
    with AnswerServer() as server:
        yield server


@pytest.fixture(scope="session")
def audit_cloud() -> Iterator[SimulatorThread]:
    with SimulatorThread(vms=30, seed=5, job_seconds=0.2, api_key=AUDIT_KEY, secret_key=AUDIT_SECRET) as sim:
        yield sim


@pytest.fixture(scope="session")
def closed_port() -> Iterator[int]:
    """The corpus's unreachable region: a loopback port nobody listens on, held for the run."""
    with held_closed_port() as port:
        yield port


def write_workdir(workdir: Path, sim: SimulatorThread, answers: AnswerServer, port: int) -> None:
    sections = {"cloudstack": sim.endpoint, "sim": sim.endpoint, "closed": f"http://127.0.0.1:{port}/client/api"}
    sections.update({mode: answers.endpoint(mode) for mode in ANSWER_MODES})
    lines = []
    for name, endpoint in sections.items():
        lines += [f"[{name}]", f"endpoint = {endpoint}", f"key = {AUDIT_KEY}", f"secret = {AUDIT_SECRET}"]
        if name not in ("cloudstack", "sim"):
            lines += ["retry = 0", "timeout = 1.5"]
        lines.append("")
    ini = workdir / "cloudstack.ini"
    ini.write_text("\n".join(lines))
    ini.chmod(0o600)
    for name, text in BROKEN_INI.items():
        (workdir / name).write_text(text)
        (workdir / name).chmod(0o600)
    (workdir / "empty").mkdir()
    for name, data in FILES.items():
        (workdir / name).write_bytes(data)


def fill(text: str, sim: SimulatorThread, port: int) -> str:
    cloud = sim.runtime.cloud
    zone = next(iter(cloud.zones))["id"]
    values = {
        "<ZONE>": zone,
        "<TEMPLATE>": next(t for t in cloud.templates if t.get("zoneid") in (zone, None))["id"],
        "<OFFERING>": next(iter(cloud.serviceofferings))["id"],
        "<VM>": next(v for v in cloud.vms if "projectid" not in v)["id"],
        "<UUID>": UUID,
        "<CLOSED>": str(port),
    }
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text


DUMP_EXCEPTION = r"""
import sys as _rel_sys
_rel_e = getattr(_rel_sys, "last_exc", None) or getattr(_rel_sys, "last_value", None)
_rel_seen = set()
def _rel_walk(e):
    if e is None or id(e) in _rel_seen:
        return
    _rel_seen.add(id(e))
    print("EXC", type(e).__name__, repr(e), str(e))
    for name, value in vars(e).items():
        print("ATTR", name, repr(value))
    print("NOTES", getattr(e, "__notes__", None))
    tb = e.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_globals.get("__name__", "").startswith("cloudstack_magic"):
            for name, value in frame.f_locals.items():
                try:
                    print("LOCAL", frame.f_code.co_name, name, repr(value)[:200000])
                except Exception as failed:
                    print("LOCAL", name, "unprintable", type(failed).__name__)
        tb = tb.tb_next
    _rel_walk(e.__cause__)
    _rel_walk(e.__context__)
_rel_walk(_rel_e)
_rel_sys.last_exc = _rel_sys.last_value = None
"""

VERBOSE_SETUP = """
%config CloudStackMagic.short_errors = False
%xmode Verbose
import logging
logging.basicConfig(level=logging.DEBUG, force=True)
"""


#: Seconds a case may take before it counts as a hang and is interrupted (the slowest legitimate
#: case waits 1.5 s for a timeout; this only catches hangs).
CASE_TIMEOUT = 30


def _prepare(number: int, case: Case) -> str:
    return f"out = 'untouched-{number}'\n{case.setup}"


def _run_corpus(client: Any, manager: Any, sim: SimulatorThread, port: int, *, verbose: bool) -> dict[str, CaseRun]:
    """Each case as two cells: the case, then its checks — teardown, ``out`` unchanged, the next
    call works — with the next case's preparation in a ``finally`` (one cell fewer per case; a
    failing check cannot skip it). The verbose pass dumps the exception first and skips the
    next-call check (the judged pass has it)."""
    runs: dict[str, CaseRun] = {}
    prepared = run(client, _prepare(0, CASES[0]))
    for number, case in enumerate(CASES):
        cell = fill(case.cell, sim, port)
        before = sim.stats()["requests"]
        started = time.monotonic()
        shown = run(client, cell, CASE_TIMEOUT, manager)
        seconds = time.monotonic() - started
        sent = sim.stats()["requests"] - before
        checks = (f"{DUMP_EXCEPTION if verbose else ''}\n{case.teardown}\n"
                  f"print('OUT-OK' if isinstance(out, str) and out == 'untouched-{number}' else 'OUT-CHANGED')\n")
        if not verbose:
            checks += "_rel_next = %cloudstack listZones\nprint('NEXT-OK', len(_rel_next))\n"
        following = _prepare(number + 1, CASES[number + 1]) if number + 1 < len(CASES) else "pass"
        code = (f"try:\n{textwrap.indent(textwrap.dedent(checks), '    ')}\n"
                f"finally:\n{textwrap.indent(following, '    ')}\n")
        after = run(client, code)
        runs[case.id] = CaseRun(case, cell, shown, after, prepared, sent, seconds)
        prepared = Shown()  # the next case's preparation printed into this case's `after`
    return runs


EXTRAS = [
    "%config CloudStackMagic.progress = 'widget'",
    "w = %cloudstack listVirtualMachines listall=true",
    "%cloudstack listZones",
    "job = %cloudstack <SIM_DEPLOY> name=audit-widget",
    "%config CloudStackMagic.progress = 'text'",
    "job2 = %cloudstack <SIM_DEPLOY> name=audit-text\nprint(repr(job2))",
    "%config CloudStackMagic.progress = 'none'",
    "d1 = %cloudstack --dry-run listZones\nprint(repr(d1), str(d1))\nd1",
    "d2 = %cloudstack --dry-run <SIM_DEPLOY> userdata=aGVsbG8=\nprint(repr(d2))\nd2",
    f"d3 = %cloudstack --dry-run updateUser id=<UUID> password={AUDIT_PASSWORD}\nprint(repr(d3))\nd3",
    "%cloudstack --dry-run -r html504 listZones",
    "%cloudstack --raw listZones",
    "%cloudstack regions",
    "h = %cloudstack --background listZones",
    "print(repr(h))\nr = await h\nprint(repr(r))",
    """
    m = _cloudstack_magic_
    for (_name, _loop), (_sig, _c) in list(m.session._clients.items()):
        print(repr(_c), repr(getattr(_c, "options", None)), repr(_c.prepare("listZones", {})), str(_c))
    from cloudstack_magic.config._regions import load_region, list_regions
    print(repr(load_region("sim")), repr(load_region()), repr(list_regions()))
    print(repr(m), repr(m.session))
    """,
]


@pytest.fixture(scope="session")
def corpus_run(audit_cloud: SimulatorThread, answers: AnswerServer, closed_port: int,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[CorpusRun]:
    workdir = tmp_path_factory.mktemp("corpus")
    home = workdir / "home"
    home.mkdir()
    port = closed_port
    write_workdir(workdir, audit_cloud, answers, port)
    result = CorpusRun(closed_port=port)
    with clean_kernel(workdir, home) as (manager, client):
        run(client, LIMIT_MEMORY)
        loaded = run(client, "%load_ext cloudstack_magic\n%config CloudStackMagic.progress = 'none'")
        assert loaded.output_lines() == [], loaded.output_lines()
        result.short = _run_corpus(client, manager, audit_cloud, port, verbose=False)
        result.extras.append(run(client, VERBOSE_SETUP))
        result.verbose = _run_corpus(client, manager, audit_cloud, port, verbose=True)
        sim_deploy = "deployVirtualMachine zoneid=<ZONE> templateid=<TEMPLATE> serviceofferingid=<OFFERING>"
        for code in EXTRAS:
            result.extras.append(run(client, fill(code.replace("<SIM_DEPLOY>", sim_deploy), audit_cloud, port)))
        final = run(client, "_rel_next = %cloudstack listZones\nprint('alive', len(_rel_next))")
        result.alive_at_end = manager.is_alive() and "alive" in final.stdout()
    yield result
