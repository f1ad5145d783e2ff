"""What a ``%cloudstack`` call does once parsed: clients, regions, fan-out, results, errors.

The magics (``_magics``) only parse; a :class:`MagicSession` runs a :class:`Request` as one
coroutine, the same on every path (awaited on the kernel's loop, or through ``_kernel``'s
synchronous fallback). It keeps **one client per (region, event loop)**: a client binds to the
loop it is first used on, so the kernel loop, the fallback thread's loop and the terminal loop
each get their own, and all of them are closed on unload.

Errors: every :class:`CloudStackClientException` becomes a one-line ``UsageError`` (the exact
type; its subclasses lose IPython's short display) unless ``short_errors`` is off. Cancellation
by the progress widget's *Cancel* becomes a one-line error naming the jobs left running; an
interrupt stays a cancellation (the cell must stop), after the jobs are reported.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._errors import APIError, CloudStackClientException, JobError, redact
from ._kernel import SyncRunner
from ._parse import Call

if TYPE_CHECKING:
    from ._progress import ProgressReporter
    from ._spec import Api, Spec

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


def usage_error(message: str) -> Exception:
    from IPython.core.error import UsageError

    return UsageError(message)


class MagicSession:
    """Clients per (region, loop) and the coroutine that runs one request."""

    def __init__(self, runner: SyncRunner | None = None) -> None:
        self.runner = runner or SyncRunner()
        self._clients: dict[tuple[str | None, asyncio.AbstractEventLoop], tuple[tuple[Any, ...], Any]] = {}

    # -- clients --------------------------------------------------------------------------------
    async def client_for(self, region: str | None, settings: Settings) -> Any:
        """The client for ``region`` on the running loop (made on first use; remade on new options)."""
        from ._client import CloudStack

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
            if request.dry_run:
                return await self._dry_run(request, settings)
            return await self._run_with_progress(request, settings)
        except CloudStackClientException as exc:
            if not settings.short_errors:
                raise
            raise usage_error(_one_line(exc)) from None
        except CancelledByUser as exc:
            raise usage_error(str(exc)) from None

    async def execute_background(self, request: Request, settings: Settings, progress: Any) -> Any:
        """``--background`` work: the handle's reporter is ``progress``; errors as in :meth:`execute`."""
        try:
            return await self.run_calls(request, settings, progress)
        except CloudStackClientException as exc:
            if not settings.short_errors:
                raise
            raise usage_error(_one_line(exc)) from None

    async def _run_with_progress(self, request: Request, settings: Settings) -> Any:
        from ._progress import reporter_for

        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        clicked: list[bool] = []

        def on_cancel() -> None:
            clicked.append(True)
            if task is not None:
                loop.call_soon_threadsafe(task.cancel)

        mode = request.progress or settings.progress
        reporter = reporter_for(mode, request.title, on_cancel)
        try:
            with reporter:
                return await self.run_calls(request, settings, reporter)
        except asyncio.CancelledError:
            pending = reporter.pending_jobs()
            if clicked and task is not None and task.uncancel() == 0:
                raise CancelledByUser(_cancel_message(pending)) from None
            if pending and _resolved(mode) == "none":  # other views show the hint themselves
                print(_cancel_message(pending))
            raise

    async def run_calls(self, request: Request, settings: Settings, progress: Any) -> Any:
        """Every call of the request (in order, or at once with ``parallel``); one result or a list."""
        if request.parallel and len(request.calls) > 1:
            results = await _all(self._run_call(call, request, settings, progress) for call in request.calls)
        else:
            results = [await self._run_call(call, request, settings, progress) for call in request.calls]
        return results[0] if len(results) == 1 else results

    async def _run_call(self, call: Call, request: Request, settings: Settings, progress: Any) -> Any:
        api, call = _checked(call)
        params, fetch_all = _limited_params(call, api, request.limit)
        regions = list(request.regions)
        if len(regions) == 1:
            return await self._one_region(call, api, params, fetch_all, regions[0], request, settings, progress)
        named = [region or "" for region in regions]
        scoped = [getattr(progress, "scope", lambda _: progress)(name) for name in named]
        results = await _all(
            self._one_region(call, api, params, fetch_all, region, request, settings, scope, tag=True)
            for region, scope in zip(regions, scoped, strict=True)
        )
        return _combine(dict(zip(named, results, strict=True)), request)

    async def _one_region(
        self, call: Call, api: Api | None, params: dict[str, Any], fetch_all: bool | None,
        region: str | None, request: Request, settings: Settings, progress: Any, *, tag: bool = False,
    ) -> Any:  # fmt: skip
        client = await self.client_for(region or settings.region, settings)
        started = time.monotonic()
        try:
            raw = await client.call(
                call.command, params, fetch_all=fetch_all, wait=request.wait, progress=progress
            )
        except CloudStackClientException as exc:
            _explain(exc, call, api)
            if tag:
                exc.message = f"region {region}: {exc.message}"
                exc.args = (exc.message,)
            raise
        if request.raw:
            return raw
        from ._frames import present

        attrs = {
            "params": redact({k: v for k, v in params.items()}),
            "region": getattr(client, "region", None) or region or settings.region,
            "fetched_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "elapsed": round(time.monotonic() - started, 3),
        }
        return _shaped(present(raw, call.command, api=api, attrs=attrs), request)

    async def _dry_run(self, request: Request, settings: Settings) -> Any:
        views = []
        for call in request.calls:
            api, call = _checked(call)
            params, _ = _limited_params(call, api, request.limit)
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
                query = {"page": 1, "pagesize": COMPLETION_ROWS, **(params or {})}
                result = await client.call(list_command, query, fetch_all=False)
                return _rows_of(result)

            return self.runner.run_in_thread(work(), timeout=COMPLETION_TIMEOUT)

        return fetch


class DryRunView:
    """What would be sent — method, URL, parameters, body — with keys and signature masked."""

    def __init__(self, prepared: Any, region: str | None) -> None:
        self.method = prepared.method
        self.url = redact(prepared.url)
        self.params = redact(dict(prepared.params or {}))
        self.body = redact(prepared.body) if prepared.body else None
        self.region = region

    def __repr__(self) -> str:
        lines = [f"{self.method} {self.url}"]
        lines += [f"  {key} = {value}" for key, value in self.params.items()]
        if self.body:
            lines.append(f"  body: {self.body}")
        lines.append("(dry run: nothing was sent)")
        return "\n".join(lines)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))


def _checked(call: Call) -> tuple[Api | None, Call]:
    """The API for ``call`` from the packaged spec (case-forgiving name); missing required ones."""
    from ._spec import packaged_spec

    spec: Spec = packaged_spec()
    api = spec.find(call.command)
    if api is None:
        return None, call
    if api.name != call.command:
        call = Call(api.name, call.params, call.files)
    given = {name.lower().split("[", 1)[0] for name in call.params}
    missing = [p.name for p in api.required_params if p.name.lower() not in given]
    if missing:
        raise usage_error(
            f"{api.name} needs {', '.join(missing)} (add {missing[0]}=…; "
            f"%cloudstack help {api.name} lists the parameters)"
        )
    return api, call


def _limited_params(call: Call, api: Api | None, limit: int | None) -> tuple[dict[str, Any], bool | None]:
    """``--limit N`` asks a list API for one page of N rows when nothing else asks for pages."""
    params = dict(call.params)
    lowered = {k.lower() for k in params}
    if limit is None or api is None or not api.is_list or lowered & {"page", "pagesize"}:
        return params, None
    from ._options import DEFAULTS

    if limit <= DEFAULTS["max_page_size"]:
        params.update(page=1, pagesize=limit)
        return params, False
    return params, None


def _shaped(result: Any, request: Request) -> Any:
    """Apply ``--limit`` and ``--columns`` to a frame (and refuse them for other results)."""
    if request.limit is None and not request.columns:
        return result
    if not hasattr(result, "columns"):
        raise usage_error("--columns and --limit apply to list results only; drop them here")
    if request.limit is not None:
        attrs = dict(result.attrs)
        result = result.head(request.limit)
        result.attrs.update(attrs)
    if request.columns:
        unknown = [c for c in request.columns if c not in result.columns and c != "region"]
        if unknown:
            raise usage_error(
                f"--columns: no column {', '.join(unknown)}; available: {', '.join(map(str, result.columns))}"
            )
        attrs = dict(result.attrs)
        result = result[[c for c in request.columns if c in result.columns]]
        result.attrs.update(attrs)
    return result


def _combine(by_region: dict[str, Any], request: Request) -> Any:
    """One frame with a leading ``region`` column when every region gave a frame, else a dict."""
    if request.raw or not all(hasattr(r, "columns") for r in by_region.values()):
        return by_region
    import pandas as pd  # type: ignore[import-untyped,unused-ignore]

    frames = []
    for name, frame in by_region.items():
        frame = frame.copy()
        frame.insert(0, "region", name)
        frames.append(frame)
    first = next(iter(by_region.values()))
    combined = pd.concat(frames, ignore_index=True)
    combined.attrs.update(first.attrs)
    combined.attrs["region"] = list(by_region)
    combined.attrs["count"] = sum(int(f.attrs.get("count", len(f))) for f in by_region.values())
    if request.columns:
        keep = ["region", *[c for c in request.columns if c != "region"]]
        combined = combined[[c for c in keep if c in combined.columns]]
        combined.attrs.update(first.attrs, region=list(by_region))
    return combined


def _rows_of(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    for value in result.values():
        if isinstance(value, list):
            return value
    return []


def _explain(exc: CloudStackClientException, call: Call, api: Api | None) -> None:
    """Add the hint the server's words lack: a close command name, the job id."""
    from ._spec import packaged_spec

    if api is None and isinstance(exc, APIError):
        close = packaged_spec().suggest(call.command)
        if close and "did you mean" not in exc.message:
            exc.message = f"{exc.message} (did you mean {' or '.join(close[:3])}?)"
    jobid = getattr(exc, "jobid", None)
    if isinstance(exc, JobError) and jobid and jobid not in exc.message:
        exc.message = f"{exc.message} (job {jobid})"
    exc.args = (exc.message,)


def _one_line(exc: CloudStackClientException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return redact(text)  # type: ignore[no-any-return]


def _cancel_message(pending: list[tuple[str, str]]) -> str:
    if not pending:
        return "cancelled; no job was left running"
    lines = ["cancelled; still running on the server (check later):"]
    lines += [f"  %cloudstack queryAsyncJobResult jobid={jobid}    # {command}" for command, jobid in pending]
    return "\n".join(lines) if len(pending) > 1 else lines[0] + " " + lines[1].strip()


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
    from ._progress import resolve_mode

    try:
        return resolve_mode(mode)
    except ValueError:
        return "none"
