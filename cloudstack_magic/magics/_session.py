"""What a ``%cloudstack`` call does once parsed: clients, regions, fan-out, results, errors.

The magics (``_magics``) only parse; a :class:`MagicSession` runs a :class:`Request` as one
coroutine, the same on every path (awaited on the kernel's loop, or through ``_kernel``'s
synchronous fallback). It keeps **one client per (region, event loop)**: a client binds to the
loop it is first used on, so the kernel loop, the fallback thread's loop and the terminal loop
each get their own, and all of them are closed on unload.

Errors: every :class:`CloudStackClientException` becomes a one-line ``UsageError`` (the exact
type; its subclasses lose IPython's short display) unless ``short_errors`` is off. Cancellation
by the progress widget's *Cancel* becomes a one-line error naming the jobs left running; an
interrupt stays a cancellation here, after the jobs are reported (``last_cancel`` keeps the one
line, which the awaited magic in a Jupyter kernel raises instead of the cancellation's traceback).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._errors import CloudStackClientException, redact
from ..spec._replies import rows_of
from ._runner import SyncRunner
from ._parse import Call
from ._results import (
    DryRunView,
    Results,
    cancel_message,
    checked,
    combine,
    created_summary,
    explain,
    failure_report,
    limited_params,
    one_line,
    shaped,
    usage_error,
)

if TYPE_CHECKING:
    from ..spec._spec import Api

__all__ = ["MagicSession", "Request", "Settings", "usage_error"]

#: Seconds a completion lookup may take before completion gives up on ids.
COMPLETION_TIMEOUT = 2.0
#: Rows a completion lookup asks for (one page; completion lists are for picking, not reading).
COMPLETION_ROWS = 200


@dataclass(frozen=True)
class Settings:
    """The magic's configurable values a call needs (read once per call)."""

    region: str | None = None
    short_errors: bool = True
    page_concurrency: int | None = None
    job_timeout: float | None = None
    progress: str = "auto"


@dataclass(frozen=True)
class Request:
    """Parsed calls plus the options that shape how they run and what comes back."""

    calls: Sequence[Call]
    regions: Sequence[str | None] = (None,)
    raw: bool = False
    wait: bool = True
    dry_run: bool = False
    columns: Sequence[str] = ()
    limit: int | None = None
    parallel: bool = False
    progress: str | None = None  # per-call override of Settings.progress
    title: str = field(default="cloudstack")


class CancelledByUser(Exception):
    """The progress widget's Cancel was clicked."""


class CallsFailed(Exception):
    """Some commands of a multi-command cell failed; the message has a line per command.

    ``first`` is the first failure itself (shown instead when ``short_errors`` is off).
    """

    def __init__(self, message: str, first: BaseException) -> None:
        super().__init__(message)
        self.first = first


@dataclass
class _Outcome:
    """What one call of a cell did: its job ids (from its progress events) and its result."""

    command: str
    jobids: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    error: BaseException | None = None
    finished: bool = False

    def track(self, progress: Any) -> Any:
        """``progress`` that also notes this call's job ids (several calls share one reporter)."""

        def tracking(event: Any) -> None:
            jobid = getattr(event, "jobid", None)
            if jobid and jobid not in self.jobids:
                self.jobids.append(jobid)
            if progress is not None:
                progress(event)

        return tracking

    def line(self) -> tuple[str, str, str]:
        if self.error is not None:
            reason = one_line(self.error) if isinstance(self.error, CloudStackClientException) else str(self.error)
            return self.command, "failed", " ".join(reason.split())
        if not self.finished:
            return self.command, "not run", ""
        words = [f"job {', '.join(self.jobids)}"] if self.jobids else []
        return self.command, "succeeded", ", ".join(words + self.created)


class MagicSession:
    """Clients per (region, loop) and the coroutine that runs one request."""

    def __init__(self, runner: SyncRunner | None = None) -> None:
        self.runner = runner or SyncRunner()
        self._clients: dict[tuple[str | None, asyncio.AbstractEventLoop], tuple[tuple[Any, ...], Any]] = {}
        #: The one-line cancel message of the last interrupted request (the jobs it left running).
        self.last_cancel: str | None = None

    # -- clients --------------------------------------------------------------------------------
    async def client_for(self, region: str | None, settings: Settings) -> Any:
        """The client for ``region`` on the running loop (made on first use; remade on new options)."""
        from ..client._client import CloudStack

        loop = asyncio.get_running_loop()
        options: dict[str, Any] = {}
        if settings.page_concurrency is not None:
            options["page_concurrency"] = settings.page_concurrency
        if settings.job_timeout is not None:
            options["job_timeout"] = settings.job_timeout
        key = (region, loop)
        signature = tuple(sorted(options.items()))
        found = self._clients.get(key)
        if found is not None and found[0] == signature:
            return found[1]
        if found is not None:
            await found[1].close()
        client = CloudStack.from_config(region, **options)
        self._clients[key] = (signature, client)
        return client

    def close(self) -> None:
        """Close every client on its own loop, then the fallback loops."""
        clients, self._clients = self._clients, {}
        for (_, loop), (_, client) in clients.items():
            self.runner.call_on(loop, client.close)
        self.runner.close()

    # -- running a request ----------------------------------------------------------------------
    async def execute(self, request: Request, settings: Settings) -> Any:
        """Run ``request``; the value to return or store. Errors come out as ``UsageError``."""
        try:
            with _usage_errors(settings.short_errors):
                if request.dry_run:
                    return await self._dry_run(request, settings)
                return await self._run_with_progress(request, settings)
        except CancelledByUser as exc:
            raise usage_error(str(exc)) from None

    async def execute_background(self, request: Request, settings: Settings, progress: Any) -> Any:
        """``--background`` work: the handle's reporter is ``progress``; errors as in :meth:`execute`."""
        with _usage_errors(settings.short_errors):
            return await self.run_calls(request, settings, progress)

    async def _run_with_progress(self, request: Request, settings: Settings) -> Any:
        from ..progress._reporter import reporter_for

        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        clicked: list[bool] = []

        def on_cancel() -> None:
            clicked.append(True)
            if task is not None:
                loop.call_soon_threadsafe(task.cancel)

        mode = request.progress or settings.progress
        reporter = reporter_for(mode, request.title, on_cancel, region=request.regions[0] if len(request.regions) == 1 else None)
        try:
            with reporter:
                return await self.run_calls(request, settings, reporter)
        except asyncio.CancelledError:
            # The reporter knows every job still running server-side (jobstatus 0), and its
            # final view lists them with ready-to-run lines -- unless there is no view.
            listed = _resolved(mode) != "none"
            message = cancel_message(reporter.pending_jobs(), listed=listed)
            if clicked and task is not None and task.uncancel() == 0:
                raise CancelledByUser(message) from None
            if not listed:
                print(message)
            # one line for an awaited caller that ends the cell with an error instead
            self.last_cancel = cancel_message(reporter.pending_jobs(), listed=True)
            raise

    async def run_calls(self, request: Request, settings: Settings, progress: Any) -> Any:
        """Every call of the request (in order, or at once with ``parallel``); one result or a list.

        With several calls, a failure does not hide what the others did: parallel calls all run
        to the end, sequential ones stop at the failure, and :class:`CallsFailed` then reports
        each call (succeeded with its job id and resource, failed with the reason, or not run).
        """
        checked_calls = [checked(call) for call in request.calls]  # refuse a bad cell before sending
        if len(checked_calls) == 1:
            api, call = checked_calls[0]
            return await self._run_call(call, api, request, settings, progress, _Outcome(call.command))
        outcomes = [_Outcome(call.command) for _, call in checked_calls]

        async def attempt(index: int) -> Any:
            (api, call), outcome = checked_calls[index], outcomes[index]
            try:
                return await self._run_call(call, api, request, settings, progress, outcome)
            except Exception as exc:  # noqa: BLE001 -- reported per call below; cancellation passes
                outcome.error = exc
                return None

        if request.parallel:
            results = await _all(attempt(index) for index in range(len(outcomes)))
        else:
            results = []
            for index in range(len(outcomes)):
                results.append(await attempt(index))
                if outcomes[index].error is not None:
                    break
        failures = [outcome.error for outcome in outcomes if outcome.error is not None]
        if failures:
            raise CallsFailed(failure_report([outcome.line() for outcome in outcomes]), failures[0])
        return Results(results, [call.command for _, call in checked_calls])

    async def _run_call(
        self, call: Call, api: Api | None, request: Request, settings: Settings, progress: Any, outcome: _Outcome,
    ) -> Any:  # fmt: skip
        params, fetch_all = limited_params(call, api, request.limit)
        regions = list(request.regions)
        if len(regions) == 1:
            result = await self._one_region(
                call, api, params, fetch_all, regions[0], request, settings, outcome.track(progress), outcome=outcome
            )
            outcome.finished = True
            return result
        named = [region or "" for region in regions]
        scoped = [getattr(progress, "scope", lambda _: progress)(name) for name in named]
        results = await _all(
            self._one_region(call, api, params, fetch_all, region, request, settings, outcome.track(scope), tag=True,
                             outcome=outcome)
            for region, scope in zip(regions, scoped, strict=True)
        )
        outcome.finished = True
        return combine(dict(zip(named, results, strict=True)), request)

    async def _one_region(
        self, call: Call, api: Api | None, params: dict[str, Any], fetch_all: bool | None,
        region: str | None, request: Request, settings: Settings, progress: Any, *, tag: bool = False,
        outcome: _Outcome | None = None,
    ) -> Any:  # fmt: skip
        client = await self.client_for(region or settings.region, settings)
        started = time.monotonic()
        try:
            raw = await client.call(
                call.command, params, fetch_all=fetch_all, wait=request.wait, progress=progress
            )
        except CloudStackClientException as exc:
            explain(exc, call, api)
            if tag:
                exc.message = f"region {region}: {exc.message}"
                exc.args = (exc.message,)
            raise
        if outcome is not None:
            summary = created_summary(raw)
            outcome.created.append(f"region {region}: {summary}" if tag else summary)
        if request.raw:
            return raw
        from ..present._frames import present

        attrs = {
            "params": redact({k: v for k, v in params.items()}),
            "region": getattr(client, "region", None) or region or settings.region,
            "fetched_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "elapsed": round(time.monotonic() - started, 3),
        }
        return shaped(present(raw, call.command, api=api, attrs=attrs), request)

    async def _dry_run(self, request: Request, settings: Settings) -> Any:
        views = []
        for call in request.calls:
            api, call = checked(call)
            params, _ = limited_params(call, api, request.limit)
            for region in request.regions:
                client = await self.client_for(region or settings.region, settings)
                views.append(DryRunView(client.prepare(call.command, params), region))
        return views[0] if len(views) == 1 else views

    # -- completion -----------------------------------------------------------------------------
    def fetch_rows(self, settings: Callable[[], Settings]) -> Callable[..., list[dict[str, Any]]]:
        """The ``fetch_rows(list_command[, params])`` completion needs: one page, short timeout."""

        def fetch(list_command: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
            async def work() -> list[dict[str, Any]]:
                current = settings()
                client = await self.client_for(current.region, current)
                query: dict[str, Any] = {"page": 1, "pagesize": COMPLETION_ROWS, **(params or {})}
                if _has_param(list_command, "listall"):
                    query.setdefault("listall", "true")  # an admin picks from everyone's resources
                result = await client.call(list_command, query, fetch_all=False)
                return rows_of(result)[1]

            return self.runner.run_in_thread(work(), timeout=COMPLETION_TIMEOUT)

        return fetch


@contextmanager
def _usage_errors(short_errors: bool) -> Iterator[None]:
    """The package's errors as one-line ``UsageError``; with ``short_errors`` off, the original
    exception (for several failed calls: the first, with every call's outcome as a note)."""
    try:
        yield
    except CloudStackClientException as exc:
        if not short_errors:
            raise
        raise usage_error(one_line(exc)) from None
    except CallsFailed as exc:
        if not short_errors:
            exc.first.add_note(str(exc))
            raise exc.first from None
        raise usage_error(str(exc)) from None


def _has_param(command: str, name: str) -> bool:
    from ..spec._spec import packaged_spec

    api = packaged_spec().find(command)
    return api is not None and api.param(name) is not None


async def _all(coros: Any) -> list[Any]:
    """Run coroutines at once; the first failure cancels the rest and is raised as itself."""
    tasks: list[asyncio.Task[Any]] = []
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(coro) for coro in coros]
    except BaseExceptionGroup as group_error:
        first = group_error.exceptions[0]
        while isinstance(first, BaseExceptionGroup):
            first = first.exceptions[0]
        raise first from None
    return [task.result() for task in tasks]


def _resolved(mode: str) -> str:
    from ..progress._reporter import resolve_mode

    try:
        return resolve_mode(mode)
    except ValueError:
        return "none"
