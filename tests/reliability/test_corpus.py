"""Every bad input of the corpus, in one real kernel: one line, variable untouched, kernel alive.

The line must be IPython's ``UsageError`` (the one-line display, no traceback), say what was
wrong (the case's ``expect``) and stay readable (under 1,000 characters even when the input was
100,000). Cases marked ``not_sent`` must be refused before the simulator sees a request. After
each case the cell's output variable still holds what it held, and ``%cloudstack listZones``
works in the next cell.
"""

from __future__ import annotations

import re

import pytest

from cloudstack_magic.simulator import SimulatorThread

from ._corpus import CASES
from .conftest import CorpusRun, fill

pytestmark = [pytest.mark.kernel, pytest.mark.timeout(1200)]  # the first test also runs the whole corpus (about 1.5 min idle)

MAX_LINE = 1000


def test_the_corpus_has_at_least_60_distinct_cases() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) >= 60 and len(set(ids)) == len(ids)


@pytest.mark.parametrize("case_id", [case.id for case in CASES])
def test_bad_input_gives_one_line_and_leaves_the_kernel_working(corpus_run: CorpusRun, case_id: str,
                                                                audit_cloud: SimulatorThread) -> None:
    ran = corpus_run.short[case_id]
    assert ran.shown.interrupted_after is None, f"hung: interrupted after {ran.shown.interrupted_after} s"
    lines = ran.shown.output_lines()
    everything = "\n".join(lines)
    assert "Traceback" not in everything, everything[:3000]
    assert len(lines) == 1, f"{len(lines)} lines instead of one:\n" + everything[:3000]
    (line,) = lines
    assert line.startswith("UsageError: "), line[:500]
    message = line.removeprefix("UsageError: ")
    expect = fill(ran.case.expect, audit_cloud, corpus_run.closed_port)
    assert re.search(expect, message), f"{expect!r} not in: {message[:500]}"
    if ran.case.absent:
        assert not re.search(ran.case.absent, message), message[:500]
    assert len(message) < MAX_LINE, f"{len(message)} characters: {message[:300]}…"
    if ran.case.not_sent:
        assert ran.sent_to_simulator == 0, f"sent {ran.sent_to_simulator} requests before refusing: {message}"
    after = ran.after.stdout().split("\n")
    assert "OUT-OK" in after, f"the output variable changed: {ran.after.output_lines()}"
    assert any(line.startswith("NEXT-OK") for line in after), f"the next call failed: {ran.after.output_lines()}"


def test_the_kernel_is_alive_after_both_passes(corpus_run: CorpusRun) -> None:
    assert corpus_run.alive_at_end
    broken = [case_id for case_id, ran in corpus_run.verbose.items() if "OUT-" not in ran.after.stdout()]
    assert broken == [], f"with short_errors off, the kernel stopped answering after {broken}"
