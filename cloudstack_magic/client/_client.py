"""``CloudStack``: the async client. It wires the layers and owns the call's lifecycle.

A call goes: Python values → strings (``_params``) → checked by the one validator
(``_validate``: the live spec when known, else the shipped one) → signed and sent (``_transport``) → unwrapped → all pages merged (``_paging``) for list
commands, or the job awaited (``_jobs``) for async ones. Which command is a paged list or an
async job comes from the spec (live if fetched, else the packaged 4.18 one); for a command in
neither, a name starting with ``list`` is a list and a reply carrying ``jobid`` is a job.

It is a drop-in for CloudStackAIO's ``CloudStack``: same constructor, ``request()``, attribute
calls and exception fields.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from .._errors import (
    CommandError,
    ConfigError,
    InvalidResponseError,
)
from ._boundaries import Slot
from ._events import ProgressCallback
from ._job_poller import JobPoller
from ._jobs import next_poll_delay, wait_for_job
from ._options import DEFAULTS, ClientOptions
from ._paging import fetch_all_pages
from ._params import to_params
from ..spec._replies import is_list_command, rows_of
from ..spec._spec import Api, Spec, packaged_spec
from ._transport import PreparedRequest, Transport, build_request, is_read_only, unwrap
from ._validate import validate_call

__all__ = ["CloudStack"]

#: Live specs by (endpoint, key digest): the API set depends on the caller's role.
_LIVE_SPECS: dict[tuple[str, str], Spec] = {}
#: Attribute names tools probe for (IPython's ``getdoc``…) that must not become API calls.
_NOT_COMMANDS = frozenset({"getdoc", "trait_names"})
_COMMAND_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
#: How many listings' last totals a client remembers (to fetch their pages at once next time).
_REMEMBERED_TOTALS = 256


class CloudStack:
    """An async Apache CloudStack API client.

    ``CloudStack(end_point, api_key, api_secret, event_loop=None, async_poll_latency=2,
    max_page_size=500, **options)``; ``event_loop`` is accepted for compatibility and unused:
    the client binds to the loop it is first used on. See ``ClientOptions`` for ``options``.

    Paging: a list command without ``page``/``pagesize`` comes whole, read ``max_page_size``
    rows per page. ``pagesize=K`` without ``page`` also comes whole, ``K`` rows per page (the
    server alone would refuse it); ``page`` with ``pagesize`` is exactly that page; and
    ``pagesize=-1`` without ``page`` is sent as is (the server's "unlimited": one request). A
    server whose ``default.page.size`` is lower refuses the first page with "Page size can't
    exceed max allowed page size value: N"; the client then reads that listing ``N`` rows per
    page and starts later listings with ``N`` too.

    >>> async with CloudStack("https://cloud.example.com/client/api", key, secret) as cs:  # doctest: +SKIP
    ...     vms = await cs.listVirtualMachines(state="Running")
    """

    def __init__(self, end_point: str, api_key: str, api_secret: str, event_loop: Any = None,
                 async_poll_latency: float = DEFAULTS["async_poll_latency"],
                 max_page_size: int = DEFAULTS["max_page_size"], **options: Any) -> None:
        if not api_key or not api_secret:
            raise ConfigError("CloudStack needs an API key and a secret key (both were not given)")
        self.options = ClientOptions.from_kwargs(
            {"async_poll_latency": async_poll_latency, "max_page_size": max_page_size, **options})
        self._api_key = str(api_key)
        self._api_secret = str(api_secret)
        self._transport = Transport(str(end_point), self.options, secrets=(self._api_key, self._api_secret))
        self._spec_key = (self._transport.endpoint, hashlib.sha256(self._api_key.encode()).hexdigest())
        self._live_spec: Spec | None = self.options.spec
        self._list_totals: dict[tuple[str, tuple[tuple[str, str], ...]], int] = {}
        #: The server's page-size limit once a page was refused for exceeding it (one endpoint).
        self._page_size_limit: int | None = None
        self._job_poller: JobPoller | None = None  # polls every job waited on together
        self.region: str | None = None

    @classmethod
    def from_config(cls, region: str | None = None, **options: Any) -> CloudStack:
        """A client for ``region`` read like ``cs`` reads it (environment, ``cloudstack.ini``,
        ``~/.cmk/config``); ``options`` override the region's own."""
        from ..config._regions import load_region

        found = load_region(region)
        client = cls(found.endpoint, found.key, found.secret, **{**found.options, **options})
        client.region = found.name
        return client

    # -- CloudStackAIO's attributes -------------------------------------------------------
    @property
    def endpoint(self) -> str:
        return self._transport.endpoint

    end_point = endpoint

    @property
    def api_key(self) -> str:
        return self._api_key

    @property
    def api_secret(self) -> str:
        return self._api_secret

    @property
    def async_poll_latency(self) -> float:
        return self.options.async_poll_latency

    @property
    def max_page_size(self) -> int:
        return self.options.max_page_size

    def __repr__(self) -> str:
        return f"<CloudStack {self._transport.shown} region={self.region!r}>"

    # -- calls ------------------------------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name in _NOT_COMMANDS or not _COMMAND_NAME.match(name):
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

        async def command(**params: Any) -> Any:
            return await self.request(name, **params)

        command.__name__ = command.__qualname__ = name
        return command

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *(self._live_spec or packaged_spec())})

    async def request(self, command: str, **params: Any) -> Any:
        """Call ``command`` (CloudStackAIO's form): lists come whole, jobs are awaited."""
        return await self.call(command, params)

    async def call(self, command: str, params: Mapping[str, Any] | None = None, *, fetch_all: bool | None = None,
                   wait: bool = True, progress: ProgressCallback | None = None, validate: bool | None = None) -> Any:
        """Call ``command`` with ``params``; the reply without its ``<command>response`` wrapper.

        ``fetch_all`` (default: when the command is a paged list and no ``page`` was given)
        merges every page into ``{"count": rows, "<objectname>": [...]}``, ``pagesize`` rows
        per page when given (``pagesize=-1``: one request, as the server means it). ``wait``
        awaits an async job and returns its ``jobresult`` (``False``: ``{"jobid": ...}``).
        ``progress(event)`` receives ``PageProgress`` / ``JobProgress`` events. ``validate``
        overrides the client's option for this call (``False``: send without checking).
        """
        strings = self._strings(command, params)
        check = self.options.validate if validate is None else validate
        spec = await self._validation_spec(check)
        command, api = self._checked(command, strings, spec, check)
        paging = self._paging(command, strings, api, fetch_all)
        if paging is not None:
            rest, size = paging

            async def fetch_page(page: int, page_size: int, slot: Slot) -> Any:
                return await self._send(command, {**rest, "page": str(page), "pagesize": str(page_size)}, api,
                                        slot=slot)

            listing = (command, tuple(sorted(rest.items())))
            merged = await fetch_all_pages(fetch_page, command=command, page_size=size,
                                           concurrency=self.options.page_concurrency, progress=progress,
                                           expected_total=self._list_totals.get(listing),
                                           on_page_size_limit=self._learn_page_size_limit)
            self._remember_total(listing, merged, min(size, self._page_size_limit or size))
            return merged
        reply = await self._send(command, strings, api)
        is_job = isinstance(reply, dict) and "jobid" in reply and (api is None or api.isasync)
        if wait and is_job and command.lower() != "queryasyncjobresult":
            return await self.wait_for_job(str(reply["jobid"]), command=command, progress=progress)
        return reply

    async def wait_for_job(self, jobid: str, *, command: str = "job", progress: ProgressCallback | None = None) -> Any:
        """Wait for the async job ``jobid`` (e.g. one started with ``wait=False``); its jobresult."""
        async def query(job: str) -> Any:
            return await self._send("queryAsyncJobResult", {"jobid": job}, None)

        async def list_jobs(startdate: str) -> list[Any]:  # every job waited on, in one request a tick
            return rows_of(await self.call("listAsyncJobs", {"startdate": startdate} if startdate else {}))[1]

        if self._job_poller is None:
            self._job_poller = JobPoller(query, list_jobs, next_poll_delay)
        return await wait_for_job(query, jobid, command=command, poll_initial=self.options.poll_initial,
                                  poll_max=self.options.async_poll_latency, timeout=self.options.job_timeout,
                                  progress=progress, poller=self._job_poller)

    def prepare(self, command: str, params: Mapping[str, Any] | None = None, *,
                fetch_all: bool | None = None, validate: bool | None = None) -> PreparedRequest:
        """The signed request ``call`` would send first (page 1 of a list), without sending it."""
        strings = self._strings(command, params)
        check = self.options.validate if validate is None else validate
        spec = None if check is False else self._live_spec or self._cached_spec()
        command, api = self._checked(command, strings, spec, check)
        paging = self._paging(command, strings, api, fetch_all)
        if paging is not None:
            strings = {**paging[0], "page": "1", "pagesize": str(paging[1])}
        return self._prepared(command, strings)

    async def fetch_spec(self, *, refresh: bool = False) -> Spec:
        """The live server's ``listApis`` as a :class:`Spec`, cached per endpoint and key.

        Once fetched, calls are checked against it before they are sent (``validate="auto"``).
        """
        cached = None if refresh else self._cached_spec()
        if cached is None:
            reply = await self._send("listApis", {}, None)
            if not isinstance(reply, dict) or not reply.get("api"):
                raise InvalidResponseError(f"listApis on {self._transport.shown} returned no APIs; "
                                           "the key's role may not allow listApis", command="listApis")
            cached = _LIVE_SPECS[self._spec_key] = Spec.from_listapis(reply, version="live")
        self._live_spec = cached
        return cached

    # -- lifecycle ----------------------------------------------------------------------------
    async def close(self) -> None:
        """Close the HTTP session. Idempotent; the client cannot be used afterwards."""
        await self._transport.close()

    async def __aenter__(self) -> CloudStack:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- internals ----------------------------------------------------------------------------
    def _paging(self, command: str, strings: Mapping[str, str], api: Api | None,
                fetch_all: bool | None) -> tuple[dict[str, str], int] | None:
        """``(params without pagesize, rows per page)`` when ``call`` merges every page, else None.

        A paged list (by the spec, else by its ``list`` name) is read whole unless told
        otherwise, never when the caller chose a ``page``; a ``pagesize`` alone sets the rows
        per page (``-1`` alone is the server's "everything in one request"). Never more rows per
        page than the server said it allows.
        """
        is_list = is_list_command(command, api)
        if not (is_list if fetch_all is None else fetch_all) or any(name.lower() == "page" for name in strings):
            return None
        size_keys = [name for name in strings if name.lower() == "pagesize"]
        size = self.options.max_page_size
        if size_keys:
            given = strings[size_keys[0]].strip()
            if given == "-1":
                return None
            try:
                size = int(given)
            except ValueError:
                size = 0
            if size < 1:
                raise CommandError(f"{command}: pagesize={given!r} must be a whole number of rows per page "
                                   "(or -1 for every row in one request)", command=command)
        rest = {name: value for name, value in strings.items() if name not in size_keys}
        return rest, min(size, self._page_size_limit or size)

    def _learn_page_size_limit(self, limit: int) -> None:
        self._page_size_limit = limit  # below any size asked since: only a refusal teaches it

    def _remember_total(self, listing: tuple[str, tuple[tuple[str, str], ...]], merged: Any, page_size: int) -> None:
        count = merged.get("count", 0) if isinstance(merged, dict) else 0
        self._list_totals.pop(listing, None)
        if isinstance(count, int) and count > page_size:
            self._list_totals[listing] = count
            while len(self._list_totals) > _REMEMBERED_TOTALS:
                del self._list_totals[next(iter(self._list_totals))]

    def _cached_spec(self) -> Spec | None:
        return _LIVE_SPECS.get(self._spec_key)

    async def _validation_spec(self, check: bool | str) -> Spec | None:
        """The live spec to check calls against, or None (``check``: the validate setting)."""
        if check is False:
            return None
        if self._live_spec is None:
            self._live_spec = self._cached_spec()
        if self._live_spec is None and check is True:
            await self.fetch_spec()
        return self._live_spec

    def _strings(self, command: str, params: Mapping[str, Any] | None) -> dict[str, str]:
        if not isinstance(command, str) or not _COMMAND_NAME.match(command):
            raise CommandError(f"{command!r} is not a CloudStack command name (letters and digits, "
                               "like listVirtualMachines)", command=str(command))
        try:
            return to_params(params, command=command)
        except (TypeError, ValueError) as exc:
            raise CommandError(f"{command}: {exc}", command=command) from None

    def _checked(self, command: str, strings: Mapping[str, str], live: Spec | None,
                 check: bool | str) -> tuple[str, Api | None]:
        """The command's exact name and its spec entry, once the call passed the one validator.

        Checked against the ``live`` spec when known (an unknown command fails there), else
        against the shipped one (a command it lacks may be newer: sent unchecked). With
        ``validate=False`` nothing is checked; the shipped spec still fixes the name's case.
        """
        if check is False:
            known = packaged_spec().find(command)
            return (known.name, known) if known else (command, None)
        spec = live or packaged_spec()
        api = validate_call(spec, command, strings, live=live is not None, server=self._transport.shown)
        return (api.name, api) if api else (command, None)

    def _prepared(self, command: str, strings: Mapping[str, str]) -> PreparedRequest:
        params = {"command": command, **{k: v for k, v in strings.items() if k.lower() != "command"}}
        return build_request(self._transport.endpoint, params, self._api_key, self._api_secret, self.options)

    async def _send(self, command: str, strings: Mapping[str, str], api: Api | None, *,
                    slot: Slot | None = None) -> Any:
        read_only = is_read_only(command) and not (api is not None and api.isasync)
        body = await self._transport.send(self._prepared(command, strings), command=command, read_only=read_only,
                                          slot=slot)
        return unwrap(body)
