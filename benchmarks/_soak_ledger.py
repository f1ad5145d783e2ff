"""What really existed when: the soak's ground truth, and the verdict on each listing and call.

The soak's changer is the only client that changes the cloud, so it can keep an exact ledger:
the VMs present at the start (read with faults off), each VM a deploy reported created (and
when), and each VM a destroy was *started* on (from then on it may be gone). A listing that ran
from ``start`` to ``end`` must hold every VM present before ``start`` and untouched until ``end``
— it existed for the whole listing — no VM twice, and nothing that never existed. Deploys whose
outcome the client called unknown are allowed to be there or not (their rows carry the soak's
name prefix).

Calls are judged after the run, with faults off, against what the server really did.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CallRecord", "Ledger", "ListingVerdict", "outcome_of"]

NAME_PREFIX = "soak-"
#: Words saying the server may or may not have done it (the client's unknown-outcome message).
UNKNOWN = re.compile(r"(?i)may or may not have run|outcome is unknown|unknown outcome|not known whether")


def outcome_of(error: BaseException | None) -> str:
    """``succeeded``, ``unknown`` (the client said so), ``job`` (a job error naming its job),
    ``refused`` (CloudStack said no, or nothing was sent) or ``unclear`` (anything else)."""
    if error is None:
        return "succeeded"
    from cloudstack_magic._errors import APIError, ConnectError, JobError

    if UNKNOWN.search(str(error)):
        return "unknown"
    if isinstance(error, JobError) and getattr(error, "jobid", None):
        return "job"
    if isinstance(error, APIError | ConnectError):
        return "refused"
    return "unclear"


@dataclass
class CallRecord:
    """One state-changing call the soak made."""

    command: str
    target: str  # the VM name (deploy) or id (destroy)
    outcome: str
    message: str = ""


@dataclass
class ListingVerdict:
    exact: bool
    problems: list[str]
    overlapped_changes: bool


@dataclass
class Ledger:
    present_since: dict[str, float] = field(default_factory=dict)
    touched_at: dict[str, float] = field(default_factory=dict)
    created: set[str] = field(default_factory=set)
    changes: list[float] = field(default_factory=list)
    calls: list[CallRecord] = field(default_factory=list)

    def start(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            self.present_since[row["id"]] = 0.0

    def deployed(self, vm_id: str, at: float) -> None:
        self.present_since.setdefault(vm_id, at)
        self.created.add(vm_id)
        self.changes.append(at)

    def destroying(self, vm_id: str, at: float) -> None:
        self.touched_at.setdefault(vm_id, at)
        self.changes.append(at)

    def judge(self, rows: list[dict[str, Any]], start: float, end: float) -> ListingVerdict:
        ids = [row.get("id") for row in rows]
        problems = []
        if len(ids) != len(set(ids)):
            problems.append(f"{len(ids) - len(set(ids))} rows twice")
        throughout = {vm for vm, since in self.present_since.items()
                      if since <= start and self.touched_at.get(vm, float("inf")) > end}
        missing = throughout - set(ids)
        if missing:
            problems.append(f"missing {len(missing)} VMs that existed throughout (e.g. {sorted(missing)[0]})")
        known = set(self.present_since)
        phantoms = [row for row in rows if row.get("id") not in known
                    and not str(row.get("name", "")).startswith(NAME_PREFIX)]
        if phantoms:
            problems.append(f"{len(phantoms)} rows that never existed")
        overlapped = any(start <= at <= end for at in self.changes)
        return ListingVerdict(not problems, problems, overlapped)

    def lost_jobs(self, final_rows: list[dict[str, Any]]) -> list[str]:
        """Calls whose reported outcome contradicts what the server did (checked with faults off)."""
        names = {row.get("name") for row in final_rows}
        ids = {row.get("id") for row in final_rows}
        lost = []
        for call in self.calls:
            if call.outcome in ("unknown", "job"):
                continue  # the client said it could not know, or named the job to check
            if call.command == "deployVirtualMachine":
                ran = call.target in names
            else:
                ran = call.target not in ids
            if (call.outcome == "succeeded") != ran:
                lost.append(f"{call.command} {call.target}: client said {call.outcome}, "
                            f"server {'did' if ran else 'did not'} run it ({call.message[:200]})")
        return lost
