"""The soak's judge (``benchmarks/_soak_ledger.py``) is right about what existed when.

``make soak`` is not part of ``make test``, but its verdicts are: a ledger that called a wrong
list exact (or a right one partial) would make the soak's figures meaningless.
"""

from __future__ import annotations

from benchmarks._soak_ledger import CallRecord, Ledger, outcome_of

from cloudstack_magic._errors import BadRequestError, JobFailedError, TransportError


def rows(*ids: str) -> list[dict[str, str]]:
    return [{"id": vm, "name": f"vm-{vm}"} for vm in ids]


def test_a_listing_missing_a_vm_that_existed_throughout_is_not_exact() -> None:
    ledger = Ledger()
    ledger.start(rows("a", "b", "c"))
    assert ledger.judge(rows("a", "b", "c"), 1.0, 2.0).exact
    verdict = ledger.judge(rows("a", "c"), 1.0, 2.0)
    assert not verdict.exact and "missing 1" in verdict.problems[0]
    assert not ledger.judge(rows("a", "b", "c", "c"), 1.0, 2.0).exact  # a row twice
    assert not ledger.judge(rows("a", "b", "c", "zz"), 1.0, 2.0).exact  # a row that never existed


def test_vms_changed_during_a_listing_may_be_there_or_not() -> None:
    ledger = Ledger()
    ledger.start(rows("a", "b"))
    ledger.destroying("b", 1.5)  # during the listing
    ledger.deployed("n", 1.7)  # created during the listing
    for seen in (rows("a"), rows("a", "b"), rows("a", "b", "n"), rows("a", "n")):
        verdict = ledger.judge(seen, 1.0, 2.0)
        assert verdict.exact and verdict.overlapped_changes, seen
    later = ledger.judge(rows("a"), 3.0, 4.0)  # n existed before this one started: it must be there
    assert not later.exact and not later.overlapped_changes
    assert ledger.judge([*rows("a", "n"), {"id": "u", "name": "soak-7"}], 3.0, 4.0).exact  # unknown-outcome deploy


def test_lost_jobs_are_reported_outcomes_the_server_contradicts() -> None:
    ledger = Ledger()
    ledger.calls = [
        CallRecord("deployVirtualMachine", "soak-0", "succeeded"),
        CallRecord("deployVirtualMachine", "soak-1", "refused"),
        CallRecord("deployVirtualMachine", "soak-2", "unknown"),
        CallRecord("destroyVirtualMachine", "a", "succeeded"),
        CallRecord("destroyVirtualMachine", "b", "refused"),
    ]
    final = [{"id": "x0", "name": "soak-0"}, {"id": "b", "name": "kept"}]
    assert ledger.lost_jobs(final) == []
    final = [{"id": "x1", "name": "soak-1"}, {"id": "a", "name": "still-here"}]
    lost = ledger.lost_jobs(final)
    assert len(lost) == 4, lost  # soak-0 missing, soak-1 ran, a not destroyed, b destroyed


def test_outcomes_are_read_from_the_clients_errors() -> None:
    assert outcome_of(None) == "succeeded"
    assert outcome_of(TransportError("x: the command may or may not have run on the server")) == "unknown"
    assert outcome_of(JobFailedError("failed", jobid="j1")) == "job"
    assert outcome_of(BadRequestError("431")) == "refused"
    assert outcome_of(TransportError("x: broke")) == "unclear"
