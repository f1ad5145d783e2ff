"""``%cloudstack`` / ``%%cloudstack``: the configurable magics class, kept thin.

Each entry point parses (options with ``@magic_arguments``, the rest with ``_parse``) and hands a
:class:`~._session.Request` to the session. There are three entry points, one behaviour:

* ``cloudstack`` — the registered line/cell magic, reached when a call was left synchronous
  (inside ``def``, under ``%%time``…): it runs the request through ``_kernel.SyncRunner``;
* ``arun_line`` / ``arun_cell`` — what the input transformer makes cells ``await`` on the
  kernel's running loop (see ``_kernel``).

Interpolation (``$name``, ``{expression}``) is done here, not by IPython
(``@no_var_expand``), against the user namespace plus the calling frame's locals — on the
awaited path the caller is the cell (or the user's ``async def``), never this module's frames.
"""

from __future__ import annotations

import asyncio
import keyword
import sys
from collections.abc import Callable, Mapping
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import (
    Magics,
    line_cell_magic,
    magics_class,
    needs_local_scope,
    no_var_expand,
)
from IPython.core import magic_arguments as _arguments
from traitlets import Bool, CaselessStrEnum, Float, Int, TraitError, Unicode, validate

from ..present._help import USAGE
from ._runner import OrphanGuard, await_with_wakeups, interrupted_by_kernel
from ..client._options import DEFAULTS
from ._parse import ParseError, Word, expand, parse_calls, split_options, strip_comments, tokenize
from ._results import title_of
from ._session import MagicSession, Request, Settings

__all__ = ["CloudStackMagic"]

SUBCOMMANDS = ("help", "apis", "regions", "use")

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
    columns = CaselessStrEnum(
        ["default", "all"], "default", help="Columns a displayed list shows: default (a short set per resource) or all."
    ).tag(config=True)
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

    # -- trait validation: TraitError, so traitlets keeps the old value (and %config prints the
    # one-line message); the magic's own use of them turns that into a UsageError. -------------
    @validate("region")
    def _check_region(self, proposal: Any) -> str:
        name = (proposal["value"] or "").strip()
        if name:
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
    @argument("--columns", metavar="a,b,c", help="keep only these columns of a list result ('all': show every column)")
    @argument("--limit", type=int, metavar="N", help="at most N rows (asks the server for one page of N)")
    @argument("--parallel", action="store_true", help="%%%%cloudstack: run the cell's commands at once")
    @argument("--background", action="store_true",
              help="start the work and return a handle at once (Jupyter); `await handle` later")
    @argument("--progress", metavar="MODE", help="progress display for this call: auto, widget, text, none")
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
        try:
            result = await await_with_wakeups(self.session.execute(request, settings), guard=self.guard)
        except asyncio.CancelledError:
            # Interrupt kernel: end the cell with one line naming the jobs (the progress view or
            # stdout already has their ready-to-run lines) instead of a traceback of internals.
            # Only that cancellation; anything else (a user's timeout, unload) stays one.
            task = asyncio.current_task()
            if getattr(self.shell, "kernel", None) is None or task is None or not interrupted_by_kernel():
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
            option_words, rest = split_options(words, _takes_value(parser))
            args = parser.parse_args(option_words)  # its errors are one-line UsageErrors
            if cell is None and rest and rest[0].bare and rest[0].text in SUBCOMMANDS:
                return self._subcommand(rest[0].text, [w.text for w in rest[1:]])
            output = args.output
            if cell is not None:
                output = _cell_output(rest, output)
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
            title=title_of([call.command for call in calls]),
        )  # fmt: skip
        return output, request, args.background

    def _subcommand(self, name: str, words: list[str]) -> Any:
        from ..present import _help
        from ..spec._spec import packaged_spec

        if name == "help":
            if not words:
                return _Text(self.cloudstack.__doc__ or "")
            api = packaged_spec().find(words[0])
            if api is None:
                close = packaged_spec().suggest(words[0])
                hint = f"; did you mean {' or '.join(close)}?" if close else "; %cloudstack apis WORD searches"
                raise UsageError(f"no API called {words[0]!r}{hint}")
            return _help.command_help(api)
        if name == "apis":
            return _help.api_listing(packaged_spec(), " ".join(words))
        from ..config._regions import default_region_name, list_regions
        from .._errors import ConfigError

        if name == "regions":
            try:
                current = self.region or default_region_name()
            except ConfigError:
                current = None
            try:
                return _help.regions_view(list_regions(), current)
            except ConfigError as exc:
                raise UsageError(str(exc)) from None
        if len(words) != 1:
            raise UsageError("usage: %cloudstack use NAME (%cloudstack regions lists them)")
        try:
            self.region = words[0]
        except TraitError as exc:
            raise UsageError(str(exc)) from None
        return _Text(f"default region: {self.region}")

    def _start_background(self, request: Request, settings: Settings, loop: Any) -> Any:
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


class InterruptedCall(UsageError):
    """*Interrupt kernel* stopped a call: a UsageError shown as its one line, with no frames.

    Not plain ``UsageError``: IPython prints that to stderr without an error output, and an
    interrupted cell must still end as an error in the notebook (ipykernel publishes what
    ``_render_traceback_`` returns instead of a traceback).
    """

    def _render_traceback_(self) -> list[str]:
        return [f"UsageError: {self}"]


class _Text(str):
    """Plain text shown as is (help, confirmations)."""

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))


def _takes_value(parser: Any) -> Any:
    """Which option strings (or unambiguous prefixes of long ones) consume the next word."""
    valued = {s for action in parser._actions if action.nargs != 0 for s in action.option_strings}

    def takes_value(option: str) -> bool:
        if option in valued:
            return True
        longs = [s for s in valued if s.startswith("--") and s.startswith(option)] if option.startswith("--") else []
        return len(longs) == 1

    return takes_value


def _cell_output(rest: list[Word], output: str | None) -> str | None:
    if not rest:
        return output
    if len(rest) > 1 or "=" in rest[0].text:
        raise UsageError(
            "the %%cloudstack line takes options and one VAR; put the command in the cell body"
        )
    if output is not None:
        raise UsageError(f"give the variable once: either -o {output} or {rest[0].text}")
    return rest[0].text
