"""``%cloudstack`` / ``%%cloudstack``: the configurable magics class, kept thin.

Each entry point parses (options with ``@magic_arguments``, the rest with ``_parse``) and hands a
:class:`~._request.Request` to the session. There are three entry points, one behaviour:

* ``cloudstack`` — the registered line/cell magic, reached when a call was left synchronous
  (inside ``def``, under ``%%time``…): it runs the request through ``_runner.SyncRunner``;
* ``arun_line`` / ``arun_cell`` — what the input transformer (``_transformer``) makes cells
  ``await`` on the kernel's running loop; there *Interrupt kernel* — and Ctrl-C in terminal
  IPython — ends the call with one line naming the jobs left running.

Subcommands (``help``, ``apis``, ``regions``, ``use``, ``sync``, ``simulate``) are one small
method each; their words live in ``_words``, the simulator in ``_simulate``.

Interpolation (``$name``, ``{expression}``) is done here, not by IPython
(``@no_var_expand``), against the user namespace plus the calling frame's locals — on the
awaited path the caller is the cell (or the user's ``async def``), never this module's frames.
"""

from __future__ import annotations

import asyncio
import keyword
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import (
    Magics,
    line_cell_magic,
    magics_class,
    needs_local_scope,
    no_var_expand,
)
from IPython.core import magic_arguments as _arguments
from traitlets import Bool, Float, Int, TraitError, Unicode, validate

from ..present._help import USAGE
from ._runner import OrphanGuard, await_with_wakeups, ctrl_c_cancels, interrupted_by_kernel
from ..client._options import DEFAULTS
from ._parse import ParseError, expand, parse_calls, split_options, strip_comments, tokenize
from ._request import Request, Settings
from ._results import title_of
from ._session import MagicSession
from ._words import InterruptedCall, Text, cell_output, shadow_warning, sync_region, takes_value_of
from ._simulate import REGION_NAME, LocalSimulator, USAGE as SIMULATE_USAGE, simulate_settings

if TYPE_CHECKING:
    from argparse import Namespace

    from ..spec._spec import Spec

__all__ = ["CloudStackMagic"]

SUBCOMMANDS = ("help", "apis", "regions", "use", "sync", "simulate")

# IPython's argument decorators are untyped; typed aliases keep mypy strict about the rest.
_Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]
magic_arguments: Callable[..., _Decorator] = _arguments.magic_arguments
kwds: Callable[..., _Decorator] = _arguments.kwds
argument: Callable[..., _Decorator] = _arguments.argument


@magics_class
class CloudStackMagic(Magics):
    """Explore and drive Apache CloudStack from IPython; ``%config CloudStackMagic`` lists the traits."""

    region = Unicode(
        "", help="Default region (a cloudstack.ini section, CloudMonkey profile or 'environment'); "
        "empty: the configuration's default."
    ).tag(config=True)
    displaylimit = Int(20, help="Rows of a result frame shown on display (0: pandas decides).").tag(config=True)
    short_errors = Bool(True, help="One-line errors; False shows the full traceback.").tag(config=True)
    page_concurrency = Int(
        DEFAULTS["page_concurrency"], help="Pages of a list fetched at once."
    ).tag(config=True)
    job_timeout = Float(
        DEFAULTS["job_timeout"], help="Seconds to wait for an async job before giving up waiting."
    ).tag(config=True)
    progress = Unicode("auto", help="Progress display: auto, widget, text or none.").tag(config=True)

    def __init__(self, shell: Any = None, session: MagicSession | None = None, **kw: Any) -> None:
        super().__init__(shell=shell, **kw)
        self.session = session or MagicSession()
        self.guard = OrphanGuard()
        self.simulator = LocalSimulator()
        self._previous_region = ""

    # -- trait validation: TraitError, so traitlets keeps the old value (and %config prints the
    # one-line message); the magic's own use of them turns that into a UsageError. -------------
    @validate("region")
    def _check_region(self, proposal: Any) -> str:
        name = (proposal["value"] or "").strip()
        if name and name not in self.session.local_regions:
            from ..config._regions import load_region
            from .._errors import ConfigError

            try:
                load_region(name)
            except ConfigError as exc:
                raise TraitError(str(exc)) from None
        return name

    @validate("displaylimit", "page_concurrency")
    def _check_counts(self, proposal: Any) -> int:
        name, value = proposal["trait"].name, proposal["value"]
        least = 0 if name == "displaylimit" else 1
        if value < least:
            raise TraitError(f"CloudStackMagic.{name} must be {least} or more; got {value}")
        return int(value)

    @validate("job_timeout")
    def _check_timeout(self, proposal: Any) -> float:
        if proposal["value"] <= 0:
            raise TraitError(f"CloudStackMagic.job_timeout must be positive seconds; got {proposal['value']}")
        return float(proposal["value"])

    @validate("progress")
    def _check_progress(self, proposal: Any) -> str:
        from ..progress._reporter import MODES

        if proposal["value"] not in MODES:
            raise TraitError(f"CloudStackMagic.progress must be one of {', '.join(MODES)}; got {proposal['value']!r}")
        return str(proposal["value"])

    def settings(self) -> Settings:
        return Settings(
            region=self.region or None,
            short_errors=self.short_errors,
            page_concurrency=self.page_concurrency,
            job_timeout=self.job_timeout,
            progress=self.progress,
        )

    # -- the magic ------------------------------------------------------------------------------
    @magic_arguments()
    @kwds(epilog=USAGE)
    @argument("-o", "--output", metavar="VAR", help="store the result in VAR; display nothing")
    @argument("-r", "--region", metavar="NAME[,NAME…]",
              help="region(s) to call; several run at once, frames get a `region` column")
    @argument("--raw", action="store_true", help="return the client's dict instead of a DataFrame/view")
    @argument("--no-wait", action="store_true", help="async commands: return the job id at once")
    @argument("--dry-run", action="store_true",
              help="show method, URL and parameters that would be sent (keys masked); send nothing")
    @argument("--columns", metavar="a,b,c", help="keep only these columns of a list result")
    @argument("--limit", type=int, metavar="N", help="at most N rows (asks the server for one page of N)")
    @argument("--parallel", action="store_true", help="%%%%cloudstack: run the cell's commands at once")
    @argument("--background", action="store_true",
              help="start the work and return a handle at once (Jupyter); `await handle` later")
    @argument("--progress", metavar="MODE", help="progress display for this call: auto, widget, text, none")
    @argument("--no-validate", action="store_true",
              help="send even what the spec says the server would refuse (servers newer than the spec)")
    @argument("--strict", action="store_true",
              help="with several regions: any failed region fails the call (default: warn, keep the rest)")
    @argument("words", nargs="*", metavar="COMMAND key=value …",
              help="line: the command and its parameters; cell: an optional VAR to store the result in")
    @no_var_expand
    @needs_local_scope
    @line_cell_magic
    def cloudstack(self, line: str, cell: str | None = None, local_ns: Mapping[str, Any] | None = None) -> Any:
        """Call Apache CloudStack APIs; lists come back as pandas DataFrames.

        Cell grammar (%%cloudstack): after comments (# at a line start or after a space) are
        removed and $name/{expression} are interpolated, the body is a sequence of words. A
        word without '=' names a command; the key=value words after it, on any line, are its
        parameters ("key = value" with spaces is fine). Several commands run in order (at
        once with --parallel) and give a list of results. Options go before the command.

        Python objects (key=:name): a list is sent comma-joined, a bool as true/false, a dict
        as one map entry (tags=:t with t = {"key": "env", "value": "prod"} sends
        tags[0].key=env&tags[0].value=prod) and a list of dicts as several entries.
        Interpolation failing (an undefined {name}) is an error, never sent as literal text.
        """
        return self._dispatch(line, cell, local_ns, awaited=False)

    async def arun_line(self, line: str) -> Any:
        """``%cloudstack`` awaited on the running loop (what the input transformer emits)."""
        return await self._adispatch(line, None, sys._getframe(1).f_locals)

    async def arun_cell(self, line: str, cell: str) -> Any:
        """``%%cloudstack`` awaited on the running loop (what the input transformer emits)."""
        return await self._adispatch(line, cell, sys._getframe(1).f_locals)

    # -- delegation -----------------------------------------------------------------------------
    def _dispatch(self, line: str, cell: str | None, local_ns: Mapping[str, Any] | None, *, awaited: bool) -> Any:
        plan = self._plan(line, cell, local_ns)
        if not isinstance(plan, tuple):
            return plan  # a subcommand's view
        output, request, background = plan
        settings = self.settings()
        if background:
            return self._store(output, self._start_background(request, settings, loop=None))
        result = self.session.runner.run(self.session.execute(request, settings))
        return self._store(output, result)

    async def _adispatch(self, line: str, cell: str | None, local_ns: Mapping[str, Any]) -> Any:
        plan = self._plan(line, cell, local_ns)
        if not isinstance(plan, tuple):
            return plan
        output, request, background = plan
        settings = self.settings()
        if background:
            return self._store(output, self._start_background(request, settings, loop=asyncio.get_running_loop()))
        self.session.last_cancel = None
        task = asyncio.current_task()
        in_kernel = getattr(self.shell, "kernel", None) is not None
        with ctrl_c_cancels(None if in_kernel else task) as ctrl_c:
            try:
                result = await await_with_wakeups(self.session.execute(request, settings), guard=self.guard)
            except asyncio.CancelledError:
                # Interrupt kernel (or Ctrl-C in terminal IPython): end the cell with one line
                # naming the jobs (the progress view or stdout already has their ready-to-run
                # lines) instead of a traceback of internals. Only that cancellation; anything
                # else (a user's timeout, unload) stays one.
                if task is None or not (ctrl_c() or in_kernel and interrupted_by_kernel()):
                    raise
                task.uncancel()
                raise InterruptedCall(self.session.last_cancel or "cancelled") from None
        return self._store(output, result)

    def _store(self, output: str | None, result: Any) -> Any:
        if output is None:
            return result
        self._user_ns()[output] = result
        return None

    def _user_ns(self) -> dict[str, Any]:
        assert self.shell is not None, "CloudStackMagic needs a shell"
        return self.shell.user_ns  # type: ignore[no-any-return]

    def _namespace(self, local_ns: Mapping[str, Any] | None) -> Mapping[str, Any]:
        user_ns = self._user_ns()
        if local_ns is None or local_ns is user_ns:
            return user_ns
        return {**user_ns, **local_ns}

    def _plan(self, line: str, cell: str | None, local_ns: Mapping[str, Any] | None) -> Any:
        """Parse into ``(output, Request, background)``, or run a subcommand and return its view."""
        namespace = self._namespace(local_ns)
        try:
            words = tokenize(expand(strip_comments(line), namespace))
            parser = getattr(self.cloudstack, "parser")  # built by @magic_arguments
            option_words, rest = split_options(words, takes_value_of(parser))
            args = parser.parse_args(option_words)  # its errors are one-line UsageErrors
            if cell is None and rest and rest[0].bare and rest[0].text in SUBCOMMANDS:
                return self._subcommand(rest[0].text, [w.text for w in rest[1:]], args)
            output = args.output
            if cell is not None:
                output = cell_output(rest, output)
                calls = parse_calls(tokenize(expand(strip_comments(cell), namespace)), namespace)
            else:
                calls = parse_calls(rest, namespace, single=True)
        except ParseError as exc:
            raise UsageError(str(exc)) from None
        if not calls:
            raise UsageError(
                "no command given: e.g. %cloudstack listZones (%cloudstack? shows the syntax)"
            )
        if output is not None and (not output.isidentifier() or keyword.iskeyword(output)):
            raise UsageError(f"-o {output}: not a Python variable name")
        if output is not None and (warning := shadow_warning(output, self._user_ns())):
            print(warning, file=sys.stderr)  # -o json: a habit from CloudMonkey's output format
        if args.limit is not None and args.limit < 1:
            raise UsageError(f"--limit must be 1 or more; got {args.limit}")
        if args.progress is not None:
            try:
                self._check_progress({"value": args.progress})
            except TraitError as exc:
                raise UsageError(str(exc).replace("CloudStackMagic.progress", "--progress")) from None
        regions = [r.strip() for r in (args.region or "").split(",") if r.strip()] or [None]
        columns = [c.strip() for c in (args.columns or "").split(",") if c.strip()]
        request = Request(
            calls=calls, regions=regions, raw=args.raw, wait=not args.no_wait, dry_run=args.dry_run,
            columns=columns, limit=args.limit, parallel=args.parallel, progress=args.progress,
            title=title_of([call.command for call in calls]), validate=not args.no_validate, strict=args.strict,
        )  # fmt: skip
        return output, request, args.background

    # -- subcommands: one small method each ----------------------------------------------------
    def _subcommand(self, name: str, words: list[str], args: Namespace) -> Any:
        if name == "help":
            return self._help(words)
        if name == "apis":
            return self._apis(words)
        if name == "regions":
            return self._regions()
        if name == "use":
            return self._use(words)
        if name == "sync":
            return self._sync(words, args)
        return self._simulate(words)

    def _spec(self) -> Spec:
        return self.session.spec_for(self.region or None)

    def _help(self, words: list[str]) -> Any:
        from ..present import _help
        from .._suggest import did_you_mean
        from ._messages import best_suggestions

        if not words:
            return Text(self.cloudstack.__doc__ or "")
        spec = self._spec()
        api = spec.find(words[0])
        if api is None:
            hint = did_you_mean(best_suggestions(words[0], spec)) or "%cloudstack apis WORD searches"
            raise UsageError(f"no API called {words[0]!r}; {hint}")
        return _help.command_help(api)

    def _apis(self, words: list[str]) -> Any:
        from ..present import _help

        return _help.api_listing(self._spec(), " ".join(words))

    def _regions(self) -> Any:
        from ..present import _help
        from ..config._regions import default_region_name, list_regions
        from .._errors import ConfigError

        try:
            current = self.region or default_region_name()
        except ConfigError:
            current = None
        try:
            return _help.regions_view([*list_regions(), *self.session.local_regions.values()], current)
        except ConfigError as exc:
            raise UsageError(str(exc)) from None

    def _use(self, words: list[str]) -> Any:
        if len(words) != 1:
            raise UsageError("usage: %cloudstack use NAME (%cloudstack regions lists them)")
        try:
            self.region = words[0]
        except TraitError as exc:
            raise UsageError(str(exc)) from None
        return Text(f"default region: {self.region}")

    def _sync(self, words: list[str], args: Namespace) -> Any:
        """``sync [-r REGION]``: the server's listApis, stored for help, completion and checks."""
        region = sync_region(words, args.region)
        synced = self.session.runner.run(self.session.sync(region, self.settings()))
        return Text(f"synced {len(synced.spec)} APIs (CloudStack {synced.version}) from region "
                    f"{region or self.region or 'default'}; help, apis, completion and checks use them "
                    f"from now on (stored in {synced.path})")

    def _simulate(self, words: list[str]) -> Any:
        """``simulate start [--vms N …]`` / ``simulate stop``: a simulator in this process."""
        action, rest = (words[0], words[1:]) if words else ("", [])
        if action == "start":
            region = self.simulator.start(simulate_settings(rest))
            self.session.local_regions[REGION_NAME] = region
            self._previous_region = self.region
            self.region = REGION_NAME
            return Text(f"simulator running at {region.endpoint}; region {REGION_NAME!r} is now the "
                         "default (%cloudstack simulate stop ends it)")
        if action == "stop" and not rest:
            self.stop_simulator()
            return Text("simulator stopped")
        raise UsageError(SIMULATE_USAGE)

    def stop_simulator(self) -> None:
        """End the session's simulator (if any) and its region (unload calls this too)."""
        stopped = self.simulator.stop()
        self.session.forget_region(REGION_NAME)
        if stopped and self.region == REGION_NAME:
            try:
                self.region = self._previous_region
            except TraitError:  # that region is gone from the configuration meanwhile
                self.region = ""

    def _start_background(self, request: Request, settings: Settings,
                          loop: asyncio.AbstractEventLoop | None) -> Any:
        """``--background``: on the kernel's loop when awaited there, else on the fallback loop."""
        from ..progress._background import start_background

        in_kernel = getattr(self.shell, "kernel", None) is not None
        if not in_kernel:
            raise UsageError(
                "--background needs a Jupyter kernel (its loop runs between cells); here, drop it"
            )
        mode = request.progress or settings.progress

        def start() -> Any:
            return start_background(
                lambda progress: self.session.execute_background(request, settings, progress),
                title=request.title, mode=mode,
            )

        if loop is not None:
            return start()

        async def on_thread_loop() -> Any:
            return start()

        return self.session.runner.run_in_thread(on_thread_loop())
