"""The secret audit: a distinctive key pair, and not one occurrence of the key, the secret or a
request signature in anything a user or a log could see.

Searched: every message the corpus kernel sent in both passes (``short_errors`` on; then off
with ``%xmode Verbose``, DEBUG logging and a dump of each exception's repr, attributes, notes,
chain and package-frame locals), the ``--dry-run`` views, reprs of clients, options, prepared
requests and regions, widget and text progress messages, a background handle — and every
notebook of ``notebooks/`` executed top to bottom (outputs, saved widget state, HTML).

A signature is found three ways: the exact signatures the canned servers received, and the
shape of an HMAC-SHA1 in base64, raw or URL-encoded (27 characters and ``=``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cloudstack_magic.demo import PROJECT_ROOT, execute_notebook
from cloudstack_magic.simulator import SimulatorThread

from ._answers import AnswerServer
from .conftest import AUDIT_KEY, AUDIT_PASSWORD, AUDIT_SECRET, CorpusRun

pytestmark = [pytest.mark.kernel, pytest.mark.timeout(1200)]  # the first test also runs the whole corpus (about 1.5 min idle)

SIGNATURE_SHAPE = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{27}=(?![A-Za-z0-9=])"
                             r"|(?<![A-Za-z0-9%])(?:[A-Za-z0-9]|%2B|%2F){27}%3D")
NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb"))


def leaks(text: str, signatures: set[str]) -> list[str]:
    """What secret-looking things ``text`` holds, each with a little context."""
    found = []
    needles = [(AUDIT_KEY, "key"), (AUDIT_SECRET, "secret"), (AUDIT_PASSWORD, "password"),
               *((s, "signature") for s in signatures)]
    for needle, what in needles:
        for hit in re.finditer(re.escape(needle), text):
            found.append(f"{what}: …{text[max(0, hit.start() - 80):hit.start()]}⟨{what}⟩…")
    for hit in SIGNATURE_SHAPE.finditer(text):
        found.append(f"signature-shaped {hit.group()!r}: …{text[max(0, hit.start() - 80):hit.start()]}…")
    return found


def test_the_audit_can_find_a_leak() -> None:
    import base64
    import hashlib
    import hmac
    from urllib.parse import quote

    for text in ["listzones", "command=deployvirtualmachine&zoneid=1", "x" * 300]:
        signature = base64.b64encode(hmac.new(AUDIT_SECRET.encode(), text.encode(), hashlib.sha1).digest()).decode()
        assert leaks(f"url?command=x&signature={quote(signature, safe='')}", set()), signature
        assert leaks(f'{{"signature": "{signature}"}}', set()), signature
        assert leaks(f"sig {signature[:10]}", {signature[:10]})
    assert leaks(f"url?apiKey={AUDIT_KEY}&signature=abc", set())
    assert leaks(f"secret {AUDIT_SECRET}.", set())
    assert not leaks("signature=*** apiKey=*** " + "a" * 60 + " id=6f1d7a3e-0c4b-4f6e-9a51-3d2b8c7e1f00", set())


def test_no_key_secret_or_signature_in_any_kernel_output(corpus_run: CorpusRun, answers: AnswerServer) -> None:
    signatures = answers.signatures()
    assert signatures, "the canned servers saw no signed request: the audit would prove nothing"
    found: dict[str, list[str]] = {}
    outputs = 0
    for where, text in corpus_run.every_output():
        outputs += 1
        hits = leaks(text, signatures)
        if hits:
            found[where] = hits
    assert outputs > 200
    summary = [f"{where}: {len(hits)} × e.g. {hits[0]}" for where, hits in found.items()]
    assert found == {}, (f"{sum(map(len, found.values()))} leaks in {len(found)} outputs:\n"
                         + "\n".join(summary[:60]))


def test_the_extras_ran(corpus_run: CorpusRun) -> None:
    """The dry-run, repr, widget and background cells of the audit ran without errors."""
    failed = [shown.output_lines()[-3:] for shown in corpus_run.extras
              if any(m["msg_type"] == "error" for m in shown.messages)]
    assert failed == []
    comms = [m for shown in corpus_run.extras for m in shown.messages if m["msg_type"].startswith("comm")]
    assert comms, "no widget messages were sent: widget state was not audited"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_key_secret_or_signature_in_an_executed_notebook(notebook: Path, tmp_path: Path) -> None:
    """As ``make demo`` runs them (the settings of tests/notebooks), with the audit's key pair."""
    from cloudstack_magic.config._regions import write_region_file

    config = tmp_path / "cloudstack.ini"
    with SimulatorThread(vms=150, job_seconds=0.5, api_key=AUDIT_KEY, secret_key=AUDIT_SECRET) as sim:
        write_region_file(config, "simulator", sim.endpoint, AUDIT_KEY, AUDIT_SECRET)
        env = {"CLOUDSTACK_CONFIG": str(config), "CLOUDSTACK_REGION": "simulator"}
        run = execute_notebook(notebook, tmp_path / "build", env, html=True)
    assert run.errors == []
    texts = {"notebook": run.executed.read_text()}
    if run.html is not None:
        texts["html"] = run.html.read_text()
    found = [f"{where}: {leak}" for where, text in texts.items() for leak in leaks(text, set())]
    assert found == [], "\n".join(found[:15])
