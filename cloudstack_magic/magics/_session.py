"""What a ``%cloudstack`` call does once parsed: clients, specs, regions, fan-out, results, errors.

The magics (``_magics``) only parse; a :class:`MagicSession` runs a :class:`~._request.Request`
as one coroutine, the same on every path (awaited on the kernel's loop, or through
``_runner``'s synchronous fallback). It keeps **one client per (region, event loop)**: a client
binds to the loop it is first used on, so the kernel loop, the fallback thread's loop and the
terminal loop each get their own, and all of them are closed on unload.

Checking a call is the client's job: each client gets the spec of its endpoint (the one
``%cloudstack sync`` stored, else the packaged one) and validates against it before sending;
``--no-validate`` turns that off. Errors: every :class:`CloudStackClientException` becomes the
one line :func:`~._messages.render` makes of it, as an exact ``UsageError``, unless
``short_errors`` is off. Several regions (``-r a,b``) all finish: the regions that answered make
the result, each failed one gets a warning line (``--strict``: an error instead).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .._errors import APIError, CloudStackClientException, InvalidParameterError, JobError, UnknownCommandError, redact
from .._suggest import did_you_mean
from ..spec._replies import rows_of
from ._apicache import SyncedApis, cache_directory, cached_spec, save_apis
from ._messages import add_context, best_suggestions, cancel_message, failure_report, render, unknown_command
from ._messages import usage_error
from ._outcomes import CallsFailed, CancelledByUser, Outcome, gather_all, gather_settled, usage_errors
from ._request import CallContext, Request, Settings
from ._results import DryRunView, Results, combine, created_summary, limited_params, resource_of, shaped
from ._runner import SyncRunner

if TYPE_CHECKING:
    from ..client._client import CloudStack
    from ..client._events import ProgressCallback
    from ..config._regions import Region
    from ..progress._reporter import ProgressReporter
    from ..spec._spec import Spec
    from ._parse import Call

__all__ = ["MagicSession", "Request", "Settings", "usage_error"]

#: Seconds a completion lookup may take before completion gives up on ids.
COMPLETION_TIMEOUT = 2.0
#: Rows a completion lookup asks for (one page; completion lists are for picking, not reading).
COMPLETION_ROWS = 200

_ClientKey = tuple[str | None, asyncio.AbstractEventLoop]


class MagicSession:
    """Clients per (region, loop), the spec of each endpoint, and the coroutine of one request."""

    def __init__(self, runner: SyncRunner | None = None) -> None:
        self.runner = runner or SyncRunner()
        self._clients: dict[_ClientKey, tuple[tuple[Any, ...], CloudStack]] = {}
        #: The one-line cancel message of the last interrupted request (the jobs it left running).
        self.last_cancel: str | None = None
        #: Regions this session made itself (``%cloudstack simulate``), not in any config file.
        self.local_regions: dict[str, Region] = {}

    def region(self, name: str | None) -> Region | None:
        """The region ``name`` (the default for None): a session region or the configuration's."""
        from .._errors import ConfigError
        from ..config._regions import load_region

        if name is not None and name in self.local_regions:
            return self.local_regions[name]
        try:
            return load_region(name)
        except ConfigError:
            return None

    # -- specs ----------------------------------------------------------------------------------
    def warm_up(self) -> None:
        """Read the shipped spec (≈0.5 s of JSON) in a daemon thread while the user types, so the
        first call does not block the kernel's loop on it (its progress view would show late).
        Nothing heavy is imported: no client, no pandas."""

        def read() -> None:
            from ..spec._spec import packaged_spec

            try:
                packaged_spec()
                cache_directory()
            except Exception:  # noqa: BLE001 -- a warm-up only; the first call reads it again
                pass

        threading.Thread(target=read, name="cloudstack-magic-warm-up", daemon=True).start()

    def spec_for(self, region: str | None) -> Spec:
        """The API of ``region``'s endpoint: what ``sync`` stored for it, else the packaged spec."""
        from ..spec._spec import packaged_spec

        return self._synced(region) or packaged_spec()

    def _synced(self, region: str | None) -> Spec | None:
        """The spec ``sync`` stored for ``region``'s endpoint: the client checks calls against it
        as the server's own (unknown commands refused before sending)."""
        found = self.region(region)
        return cached_spec(found.endpoint) if found is not None else None

    async def sync(self, region: str | None, settings: Settings) -> SyncedApis:
        """Read the server's ``listApis`` (and version) and store it for this endpoint."""
        with usage_errors(settings.short_errors):
            client = await self.client_for(region or settings.region, settings)
            reply = await client.call("listApis", {}, fetch_all=False)
            if not rows_of(reply)[1]:
                raise usage_error(f"sync: listApis on region {client.region} returned no APIs; "
                                  "the key's role may not allow listApis")
            version = "live"
            try:
                capability = (await client.call("listCapabilities", {})).get("capability", {})
                version = str(capability.get("cloudstackversion") or version)
            except CloudStackClientException:
                pass  # the APIs are what matters; the version only labels them
            return save_apis(client.endpoint, reply, version)

    # -- clients --------------------------------------------------------------------------------
    async def client_for(self, region: str | None, settings: Settings) -> CloudStack:
        """The client for ``region`` on the running loop (made on first use; remade on new options).

        It checks calls against the spec ``sync`` stored for its endpoint (else the shipped one,
        which sends a command it lacks: a newer server may have it); ``--no-validate`` turns the
        check off per call.
        """
        from ..client._client import CloudStack

        loop = asyncio.get_running_loop()
        options: dict[str, Any] = {"validate": "auto", "spec": self._synced(region)}
        if settings.page_concurrency is not None:
            options["page_concurrency"] = settings.page_concurrency
        if settings.job_timeout is not None:
            options["job_timeout"] = settings.job_timeout
        key = (region, loop)
        signature = tuple(sorted((name, id(value) if name == "spec" else value) for name, value in options.items()))
        found = self._clients.get(key)
        if found is not None and found[0] == signature:
            return found[1]
        if found is not None:
            await found[1].close()
        local = self.local_regions.get(region or "")
        if local is not None:
            client = CloudStack(local.endpoint, local.key, local.secret, **{**local.options, **options})
            client.region = local.name
        else:
            client = CloudStack.from_config(region, **options)
        self._clients[key] = (signature, client)
        return client

    def forget_region(self, name: str) -> None:
        """Close and drop the clients of ``name`` (a session region that went away)."""
        for key in [key for key in self._clients if key[0] == name]:
            _, client = self._clients.pop(key)
            self.runner.call_on(key[1], client.close)
        self.local_regions.pop(name, None)

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
            with usage_errors(settings.short_errors):
                if request.dry_run:
                    return await self._dry_run(request, settings)
                return await self._run_with_progress(request, settings)
        except CancelledByUser as exc:
            raise usage_error(str(exc)) from None

    async def execute_background(self, request: Request, settings: Settings,
                                 progress: ProgressCallback | None) -> Any:
        """``--background`` work: the handle's reporter is ``progress``; errors as in :meth:`execute`."""
        with usage_errors(settings.short_errors):
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
        reporter = reporter_for(mode, request.title, on_cancel)
        outcomes: list[Outcome] = []
        try:
            with reporter:
                return await self.run_calls(request, settings, reporter, outcomes=outcomes)
        except asyncio.CancelledError:
            # The reporter knows every job still running server-side (jobstatus 0), and its
            # final view lists them with ready-to-run lines -- unless there is no view.
            listed = _resolved(mode) != "none"
            pending = _pending(reporter, outcomes, request, settings)
            message = cancel_message(pending, listed=listed)
            if clicked and task is not None and task.uncancel() == 0:
                raise CancelledByUser(message) from None
            if not listed:
                print(message)
            # one line for an awaited caller that ends the cell with an error instead
            self.last_cancel = cancel_message(pending, listed=True)
            raise

    async def run_calls(self, request: Request, settings: Settings, progress: ProgressCallback | None,
                        outcomes: list[Outcome] | None = None) -> Any:
        """Every call of the request (in order, or at once with ``parallel``); one result or a list.

        With several calls, a failure does not hide what the others did: parallel calls all run
        to the end, sequential ones stop at the failure, and :class:`CallsFailed` then reports
        each call (succeeded with its job id and resource, failed with the reason, or not run).
        """
        calls = [await self._checked(call, request, settings) for call in request.calls]  # before sending
        tracked = outcomes if outcomes is not None else []
        tracked.extend(Outcome(call.command) for call in calls)
        if len(calls) == 1:
            return await self._run_call(calls[0], request, settings, progress, tracked[0])

        async def attempt(index: int) -> Any:
            try:
                return await self._run_call(calls[index], request, settings, progress, tracked[index])
            except Exception as exc:  # noqa: BLE001 -- reported per call below; cancellation passes
                tracked[index].error = exc
                return None

        if request.parallel:
            results = await gather_all(attempt(index) for index in range(len(calls)))
        else:
            results = []
            for index in range(len(calls)):
                results.append(await attempt(index))
                if tracked[index].error is not None:
                    break
        failures = [outcome.error for outcome in tracked if outcome.error is not None]
        if failures:
            raise CallsFailed(failure_report([outcome.line() for outcome in tracked]), failures[0])
        return Results(results, [call.command for call in calls])

    async def _checked(self, call: Call, request: Request, settings: Settings) -> Call:
        """``call`` refused now if the client's validator refuses it in any region (nothing sent)."""
        for region in request.regions:
            client = await self.client_for(region or settings.region, settings)
            params, _ = limited_params(call, self.spec_for(region or settings.region).find(call.command), None)
            try:
                client.prepare(call.command, params, validate=_validate(request))
            except CloudStackClientException as exc:
                raise self._explained(exc, call, region, request) from None
        return call

    async def _run_call(self, call: Call, request: Request, settings: Settings, progress: ProgressCallback | None,
                        outcome: Outcome) -> Any:
        contexts = []
        for region in request.regions:
            api = self.spec_for(region or settings.region).find(call.command)
            params, fetch_all = limited_params(call, api, request.limit)
            scoped = getattr(progress, "scope", lambda _: progress)(region or "") if request.fan_out else progress
            contexts.append(CallContext(call, api, params, fetch_all, region, request, settings,
                                        outcome.track(scoped, region or settings.region)))
        if not request.fan_out:
            result = await self._one_region(contexts[0], outcome)
            outcome.finished = True
            return result
        settled = await gather_settled(self._one_region(context, outcome) for context in contexts)
        outcome.finished = True
        named = [region or "" for region in request.regions]
        answered = {name: item for name, item in zip(named, settled, strict=True) if not isinstance(item, Exception)}
        failed = {name: item for name, item in zip(named, settled, strict=True) if isinstance(item, Exception)}
        if failed and (request.strict or not answered):
            first = next(iter(failed.values()))
            if len(failed) > 1:
                reasons = "; ".join(render(error) for error in failed.values())
                raise usage_error(f"{len(failed)} of {len(named)} regions failed: {reasons}")
            raise first
        for error in failed.values():
            print(f"warning: left out of the result — {render(error)}", file=sys.stderr)
        return combine(answered, request, {name: render(error) for name, error in failed.items()})

    async def _one_region(self, context: CallContext, outcome: Outcome) -> Any:
        call, request = context.call, context.request
        client = await self.client_for(context.region_name, context.settings)
        started = time.monotonic()
        try:
            raw = await client.call(call.command, context.params, fetch_all=context.fetch_all,
                                    wait=request.wait, progress=context.progress, validate=_validate(request))
        except CloudStackClientException as exc:
            raise self._explained(exc, call, context.region, request) from exc
        summary = created_summary(raw)
        outcome.created.append(f"region {context.region}: {summary}" if request.fan_out else summary)
        if request.raw:
            return raw
        from ..present._frames import present

        attrs = {
            "params": redact(dict(context.params)),
            "region": client.region or context.region_name,
            "fetched_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "elapsed": round(time.monotonic() - started, 3),
        }
        return shaped(present(resource_of(raw), context.command, api=context.api, attrs=attrs), request)

    def _explained(self, exc: CloudStackClientException, call: Call, region: str | None,
                   request: Request) -> CloudStackClientException:
        """``exc`` with the context the server's words lack (region, a close command, the job)."""
        spec = self.spec_for(region or None)
        explained = exc
        if isinstance(exc, UnknownCommandError) or (
            isinstance(exc, APIError) and exc.status == 401 and spec.find(call.command) is None
        ):
            explained = unknown_command(call.command, spec, exc if isinstance(exc, APIError) else None)
        elif isinstance(exc, APIError) and spec.find(call.command) is None:
            close = best_suggestions(call.command, spec)
            add_context(exc, hint=did_you_mean(close) or None)
        elif isinstance(exc, APIError) and exc.status == 401:
            add_context(exc, hint="check the key, secret and clock")
        elif isinstance(exc, InvalidParameterError) and (exc.parameter or "").lower() == "filter":
            exc.hint = "in %cloudstack, --columns a,b keeps only those columns"
        if isinstance(exc, JobError) and exc.jobid:
            add_context(exc, hint=f"job {exc.jobid}")
        if request.fan_out:
            add_context(explained, region=region or "")
        return explained

    async def _dry_run(self, request: Request, settings: Settings) -> Any:
        views = []
        for call in request.calls:
            for region in request.regions:
                client = await self.client_for(region or settings.region, settings)
                params, _ = limited_params(call, self.spec_for(region or settings.region).find(call.command),
                                           request.limit)
                try:
                    views.append(DryRunView(client.prepare(call.command, params, validate=_validate(request)), region))
                except CloudStackClientException as exc:
                    raise self._explained(exc, call, region, request) from None
        return views[0] if len(views) == 1 else views

    # -- completion -----------------------------------------------------------------------------
    def fetch_rows(self, settings: Callable[[], Settings]) -> Callable[..., list[dict[str, Any]]]:
        """The ``fetch_rows(list_command[, params])`` completion needs: one page, short timeout."""

        def fetch(list_command: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
            async def work() -> list[dict[str, Any]]:
                current = settings()
                client = await self.client_for(current.region, current)
                query: dict[str, Any] = {"page": 1, "pagesize": COMPLETION_ROWS, **(params or {})}
                api = self.spec_for(current.region).find(list_command)
                if api is not None and api.param("listall") is not None:
                    query.setdefault("listall", "true")  # an admin picks from everyone's resources
                result = await client.call(list_command, query, fetch_all=False)
                return rows_of(result)[1]

            return self.runner.run_in_thread(work(), timeout=COMPLETION_TIMEOUT)

        return fetch


def _validate(request: Request) -> bool | None:
    """The client's per-call ``validate``: its own setting, or off for ``--no-validate``."""
    return None if request.validate else False


def _default_region_name() -> str | None:
    from .._errors import ConfigError
    from ..config._regions import default_region_name

    try:
        return default_region_name()
    except ConfigError:
        return None


def _pending(reporter: ProgressReporter, outcomes: list[Outcome], request: Request,
             settings: Settings) -> list[tuple[str, str, str | None]]:
    """The reporter's running jobs, each with the region it runs in."""
    regions = {jobid: region for outcome in outcomes for jobid, region in outcome.job_regions.items()}
    fallback = request.regions[0] or settings.region or _default_region_name()
    return [(command, jobid, regions.get(jobid) or fallback) for command, jobid in reporter.pending_jobs()]


def _resolved(mode: str) -> str:
    from ..progress._reporter import resolve_mode

    try:
        return resolve_mode(mode)
    except ValueError:
        return "none"
