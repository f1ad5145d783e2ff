"""The soak's work: listings judged against the ledger while a changer deploys and destroys.

Two clients on one event loop, so every timestamp is on one clock and ordered exactly:

* the **lister** reads every VM (``listVirtualMachines listall=true``) ``listings`` times; a
  loud failure (``ListChangedError``, or a transient error the client gave up on) is retried as
  a user would, a few times, and counted;
* the **changer** deploys ``soak-N`` VMs and destroys (with expunge) VMs of the starting
  inventory, one call at a time, until the listings are done and enough deploys were made.

Every loop is bounded (counts and a wall-clock deadline). Sends are counted by the simulator:
the difference between its ``deployVirtualMachine``/``destroyVirtualMachine`` counters and
the calls made (a call the server throttled is made again by the soak, as a user would, and
counted as a call of its own) is the number of requests the client itself repeated.
"""

from __future__ import annotations

import asyncio
import random
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

from cloudstack_magic import CloudStack
from cloudstack_magic._errors import CloudStackClientException, ListChangedError, ThrottledError

from ._soak_ledger import NAME_PREFIX, CallRecord, Ledger, outcome_of

__all__ = ["SoakPlan", "SoakTally", "soak"]

STATE_CHANGING = ("deployVirtualMachine", "destroyVirtualMachine")
THROTTLED_TRIES = 5


@dataclass(frozen=True)
class SoakPlan:
    listings: int = 50
    deploys: int = 30
    max_deploys: int = 60
    tries_per_listing: int = 5
    deadline_s: float = 480.0
    seed: int = 11


@dataclass
class SoakTally:
    listings: int = 0
    exact: int = 0
    silent_partial: list[str] = field(default_factory=list)
    #: Wrong listings during which nothing changed (the ledger's own sanity check: expect 0).
    silent_without_change: int = 0
    loud: int = 0
    loud_kinds: dict[str, int] = field(default_factory=dict)
    failed: int = 0
    during_changes: int = 0
    rows_seen: list[int] = field(default_factory=list)
    deploys: int = 0
    destroys: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    repeated: int = 0
    attempts: dict[str, int] = field(default_factory=dict)
    lost: list[str] = field(default_factory=list)
    seconds: float = 0.0


async def _list_all(cs: CloudStack) -> list[dict[str, Any]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ListChangedWarning: judged by the ledger instead
        reply = await cs.call("listVirtualMachines", {"listall": "true"})
    rows = reply.get("virtualmachine", [])
    return rows if isinstance(rows, list) else []


async def _lister(cs: CloudStack, ledger: Ledger, plan: SoakPlan, tally: SoakTally, clock: Any,
                  deadline: float) -> None:
    for _ in range(plan.listings):
        if clock() > deadline:
            break
        tally.listings += 1
        for _ in range(plan.tries_per_listing):
            start = clock()
            try:
                rows = await _list_all(cs)
            except (ListChangedError, CloudStackClientException) as exc:
                tally.loud += 1
                kind = type(exc).__name__
                tally.loud_kinds[kind] = tally.loud_kinds.get(kind, 0) + 1
                continue
            verdict = ledger.judge(rows, start, clock())
            tally.rows_seen.append(len(rows))
            tally.during_changes += verdict.overlapped_changes
            if verdict.exact:
                tally.exact += 1
            else:
                tally.silent_partial.append("; ".join(verdict.problems))
                tally.silent_without_change += not verdict.overlapped_changes
            break
        else:
            tally.failed += 1


async def _changer(cs: CloudStack, ledger: Ledger, plan: SoakPlan, tally: SoakTally, ids: dict[str, str],
                   victims: list[str], listing_done: asyncio.Event, clock: Any, deadline: float) -> None:
    dice = random.Random(plan.seed)
    number = 0
    while clock() < deadline and tally.deploys < plan.max_deploys:
        if listing_done.is_set() and tally.deploys >= plan.deploys:
            break
        if victims and dice.random() < 0.5:
            victim = victims.pop(dice.randrange(len(victims)))
            ledger.destroying(victim, clock())
            tally.destroys += 1
            error = await _call(cs, "destroyVirtualMachine", {"id": victim, "expunge": "true"}, tally)
            ledger.calls.append(CallRecord("destroyVirtualMachine", victim, outcome_of(error), str(error or "")))
            continue
        name = f"{NAME_PREFIX}{number}"
        number += 1
        tally.deploys += 1
        result: dict[str, Any] = {}
        error = await _call(cs, "deployVirtualMachine", {**ids, "name": name}, tally, result)
        if error is None:
            vm = result.get("virtualmachine", {})
            if isinstance(vm, dict) and vm.get("id"):
                ledger.deployed(str(vm["id"]), clock())
        ledger.calls.append(CallRecord("deployVirtualMachine", name, outcome_of(error), str(error or "")))


async def _call(cs: CloudStack, command: str, params: dict[str, str], tally: SoakTally,
                result: dict[str, Any] | None = None) -> BaseException | None:
    """One state-changing call; after a 429 (refused, nothing done) the soak itself calls again,
    as a user would, a few times. Each attempt is counted, so the client's own resends show."""
    error: BaseException | None = None
    for _ in range(THROTTLED_TRIES):
        tally.attempts[command] = tally.attempts.get(command, 0) + 1
        try:
            reply = await cs.call(command, params)
        except ThrottledError as exc:
            error = exc
            await asyncio.sleep(exc.retry_after if exc.retry_after is not None else 1.0)
            continue
        except CloudStackClientException as exc:
            return exc
        if result is not None and isinstance(reply, dict):
            result.update(reply)
        return None
    return error


async def soak(endpoint: str, key: str, secret: str, plan: SoakPlan, faults_on: Any, faults_off: Any,
               sent: Any) -> SoakTally:
    """Run the soak; ``faults_on()``/``faults_off()`` switch the simulator, ``sent()`` its counters."""
    tally = SoakTally()
    ledger = Ledger()
    clock = time.monotonic
    began = clock()
    async with CloudStack(endpoint, key, secret) as lister, CloudStack(endpoint, key, secret) as changer:
        faults_off()
        initial = await _list_all(lister)
        ledger.start(initial)
        zone = (await lister.call("listZones", {}))["zone"][0]["id"]
        template = (await lister.call("listTemplates", {"templatefilter": "executable"}))["template"][0]["id"]
        offering = (await lister.call("listServiceOfferings", {}))["serviceoffering"][0]["id"]
        ids = {"zoneid": zone, "templateid": template, "serviceofferingid": offering}
        victims = [row["id"] for row in initial if row.get("state") in ("Running", "Stopped")]
        sent_before = sent()
        faults_on()
        deadline = clock() + plan.deadline_s
        listing_done = asyncio.Event()

        async def listings() -> None:
            try:
                await _lister(lister, ledger, plan, tally, clock, deadline)
            finally:
                listing_done.set()

        await asyncio.gather(listings(), _changer(changer, ledger, plan, tally, ids, victims, listing_done,
                                                  clock, deadline))
        faults_off()
        sent_after = sent()
        tally.repeated = sum(max(0, sent_after.get(c, 0) - sent_before.get(c, 0) - tally.attempts.get(c, 0))
                             for c in STATE_CHANGING)
        await asyncio.sleep(3.0)  # jobs of unknown-outcome calls finish on the server
        final = await _list_all(lister)
    tally.lost = ledger.lost_jobs(final)
    for call in ledger.calls:
        tally.outcomes[call.outcome] = tally.outcomes.get(call.outcome, 0) + 1
    tally.seconds = clock() - began
    return tally
