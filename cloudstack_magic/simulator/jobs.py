"""Async jobs: accepted at once, finished ``job_seconds`` later on the event loop.

A job's work runs when it finishes, so the inventory changes when the server would report the
job done. ``queryAsyncJobResult`` answers the fields ``AsyncJobResponse`` has; a failed job
carries ``errorcode``/``errortext`` in ``jobresult`` and ``jobresultcode`` 530.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from .errors import CS_SERVER_API, INTERNAL_ERROR, ApiError
from .state import Caller, Cloud, format_date
from .tables import Row, Table

__all__ = ["JobEngine", "Work"]

#: The work of a job: returns its ``jobresult`` (e.g. ``{"virtualmachine": {...}}``) or raises.
Work = Callable[[], dict[str, Any]]
IN_PROGRESS, SUCCEEDED, FAILED = 0, 1, 2
_PACKAGES = {"VirtualMachine": "user.vm", "Volume": "user.volume", "Snapshot": "user.snapshot"}
#: command -> (event type, what the event text says was done), as listEvents shows them
EVENTS = {
    "deployVirtualMachine": ("VM.CREATE", "deploying Vm"), "startVirtualMachine": ("VM.START", "starting Vm"),
    "stopVirtualMachine": ("VM.STOP", "stopping Vm"), "rebootVirtualMachine": ("VM.REBOOT", "rebooting Vm"),
    "destroyVirtualMachine": ("VM.DESTROY", "destroying Vm"), "expungeVirtualMachine": ("VM.EXPUNGE", "expunging Vm"),
    "scaleVirtualMachine": ("VM.UPGRADE", "upgrading Vm"), "createVolume": ("VOLUME.CREATE", "creating volume"),
    "attachVolume": ("VOLUME.ATTACH", "attaching volume"), "detachVolume": ("VOLUME.DETACH", "detaching volume"),
    "createSnapshot": ("SNAPSHOT.CREATE", "creating snapshot"), "deleteSnapshot": ("SNAPSHOT.DELETE", "deleting snapshot"),
    "createTags": ("CREATE_TAGS", "creating tags"), "deleteTags": ("DELETE_TAGS", "deleting tags"),
}


class JobEngine:
    """The job table (``listAsyncJobs`` lists it) and the timers that finish jobs."""

    def __init__(self, cloud: Cloud, job_seconds: float) -> None:
        self.cloud = cloud
        self.job_seconds = job_seconds
        self.table = Table("asyncjobs", key=lambda row: row["jobid"])
        self._work: dict[str, tuple[float, Work]] = {}
        self._callers: dict[str, Caller] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}
        #: jobid -> wall-clock submitted/finished times and queryAsyncJobResult calls (benchmarks)
        self.timing: dict[str, dict[str, Any]] = {}

    def submit(self, command: str, instancetype: str | None, instanceid: str | None, work: Work) -> str:
        cloud = self.cloud
        jobid = cloud.uuid()
        cls = command[0].upper() + command[1:]
        package = _PACKAGES.get(instancetype or "", "user")
        # 4.18's AsyncJobResponse has no account name, domain id or domain path (4.19+ added them)
        row: Row = {
            "accountid": cloud.caller.accountid,
            "userid": cloud.caller.userid, "cmd": f"org.apache.cloudstack.api.command.{package}.{cls}Cmd",
            "jobstatus": IN_PROGRESS, "jobprocstatus": 0, "jobresultcode": 0, "created": format_date(time.time()),
            "jobid": jobid,
        }
        if instancetype:
            row["jobinstancetype"] = instancetype
        if instanceid:
            row["jobinstanceid"] = instanceid
        self.table.add(row)
        self._callers[jobid] = cloud.caller
        self.timing[jobid] = {"command": command, "seconds": self.job_seconds, "submitted": time.time(),
                              "finished": None, "queries": 0}
        due = time.monotonic() + self.job_seconds
        self._work[jobid] = (due, work)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a unit test calling handlers directly): finish on query
            return jobid
        self._timers[jobid] = loop.call_at(loop.time() + self.job_seconds, self.finish, jobid)
        return jobid

    def finish(self, jobid: str) -> None:
        """Run the job's work now and record its result (idempotent)."""
        self._timers.pop(jobid, None)
        entry = self._work.pop(jobid, None)
        if entry is None:
            return
        _, work = entry
        self.timing[jobid]["finished"] = time.time()
        fields: dict[str, Any] = {"jobprocstatus": 0, "completed": format_date(time.time()),
                                  "jobresulttype": "object"}
        caller, self.cloud.caller = self.cloud.caller, self._callers.get(jobid, self.cloud.caller)
        try:
            result = work()
        except ApiError as error:
            # ApiAsyncJobDispatcher: a ServerApiException keeps its code, any other exception is 530
            code = error.code if error.cserrorcode == CS_SERVER_API else INTERNAL_ERROR
            fields.update(jobstatus=FAILED, jobresultcode=INTERNAL_ERROR,
                          jobresult={"errorcode": code, "errortext": error.text})
        except Exception as error:  # a simulator bug must still end the job, visibly
            fields.update(jobstatus=FAILED, jobresultcode=INTERNAL_ERROR,
                          jobresult={"errorcode": INTERNAL_ERROR, "errortext": f"simulator error: {error!r}"})
        else:
            fields.update(jobstatus=SUCCEEDED, jobresult=result)
        finally:
            self.cloud.caller = caller
        row = self.table.update(jobid, **fields)
        self._record_event(row, self._callers.pop(jobid, caller))

    def submit_failed(self, command: str, error: ApiError) -> str:
        """A job that will fail with ``error`` (a state or permission error found on submit)."""

        def work() -> dict[str, Any]:
            raise error

        return self.submit(command, None, None, work)

    def _record_event(self, job: Row, caller: Caller) -> None:
        command = self.timing[job["jobid"]]["command"]
        if command not in EVENTS:
            return
        kind, doing = EVENTS[command]
        ok = job["jobstatus"] == SUCCEEDED
        subject = f" Vm Id: {job['jobinstanceid']}" if job.get("jobinstancetype") == "VirtualMachine" else ""
        self.cloud.events.add({
            "id": self.cloud.uuid(), "username": caller.username, "type": kind, "level": "INFO" if ok else "ERROR",
            "description": f"{'Successfully completed' if ok else 'Error while'} {doing}.{subject}",
            "account": caller.account, "domainid": caller.domainid, "domain": caller.domain,
            "created": job["completed"], "state": "Completed",
        })

    def get(self, jobid: str) -> Row | None:
        if jobid in self.timing:
            self.timing[jobid]["queries"] += 1
        entry = self._work.get(jobid)
        if entry is not None and entry[0] <= time.monotonic():
            self.finish(jobid)  # the timer is late (a busy loop): the job is due all the same
        return self.table.get(jobid)

    def finish_due(self) -> None:
        """Finish every job whose time has come (timers run late on a busy loop): a listing of
        jobs then agrees with what ``queryAsyncJobResult`` would say for each."""
        now = time.monotonic()
        for jobid in [jobid for jobid, (due, _) in self._work.items() if due <= now]:
            self.finish(jobid)

    def counts(self) -> dict[str, int]:
        counts = {"total": len(self.table), "pending": 0, "succeeded": 0, "failed": 0}
        for row in self.table:
            counts[("pending", "succeeded", "failed", "failed")[row["jobstatus"]]] += 1
        return counts

    def cancel_timers(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
