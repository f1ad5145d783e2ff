"""Awaiting magics on the kernel's own event loop, and the synchronous fallback when we cannot.

IPython has no async magics: ``run_line_magic`` returns whatever the function returns. So the
extension appends :class:`AwaitTransformer` to ``shell.input_transformers_post``. By then IPython
has turned ``%cloudstack …`` / ``x = %cloudstack …`` / ``%%cloudstack`` into
``get_ipython().run_line_magic('cloudstack', …)`` / ``run_cell_magic('cloudstack', …)``; the
transformer rewrites those calls into ``await <hidden>.arun_line(…)`` / ``arun_cell(…)``, and
IPython (which decides "async cell" from the transformed text) runs the cell as a coroutine —
in ipykernel on the kernel's running loop, so the client's session and any loop-bound object a
user made in another cell are shared.

A call is only rewritten where ``await`` is legal: not inside a ``def``, lambda, class body or
comprehension, and never when it is a string argument of another magic (``%%time``,
``%%capture``: IPython passes their body as a string, so the AST shows no call). Those magics
transform their body again while the outer cell runs; such nested transforms (an IPython
``run_code`` frame on the stack) are never rewritten, as they compile without top-level await. The rewritten
cell must compile with top-level await, or the cell is left as it was. Calls left synchronous run
through :class:`SyncRunner`: ``asyncio.Runner`` semantics when no loop is running (terminal
IPython, scripts; Ctrl-C cancels the work), else a private loop in a daemon thread, cancelled
on ``KeyboardInterrupt``.

Two guards, each measured to be needed:

* :func:`await_with_wakeups` keeps a short timer ticking while awaiting. Without it *Interrupt
  kernel* waits for the next network event before the cell notices (ipykernel issue 881).
* :class:`OrphanGuard` is a ``post_run_cell`` hook: in terminal IPython Ctrl-C aborts
  ``run_until_complete`` but leaves the task pending on IPython's loop; the hook cancels it and
  lets it unwind, so it does not silently resume in the next async cell.
"""

from __future__ import annotations

import ast
import asyncio
import concurrent.futures
import sys
import threading
import weakref
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

__all__ = [
    "HIDDEN_NAME",
    "AwaitTransformer",
    "OrphanGuard",
    "SyncRunner",
    "await_with_wakeups",
    "interrupted_by_kernel",
    "rewrite_cell",
]

T = TypeVar("T")

#: The user-namespace name the rewritten cells call (hidden from ``%who``).
HIDDEN_NAME = "_cloudstack_magic_"
MAGIC_NAME = "cloudstack"
#: Seconds between wake-ups while awaiting (how fast *Interrupt kernel* is noticed).
WAKEUP_INTERVAL = 0.1
#: Seconds a cancelled call gets to unwind (report its jobs) before we stop waiting for it.
UNWIND_TIMEOUT = 2.0

_REWRITES = {"run_line_magic": ("arun_line", 2), "run_cell_magic": ("arun_cell", 3)}


# -- the transformer ------------------------------------------------------------------------------
def rewrite_cell(cell: str, hidden_name: str = HIDDEN_NAME) -> str:
    """``cell`` with awaitable ``get_ipython().run_*_magic('cloudstack', …)`` calls awaited.

    Returns ``cell`` unchanged when nothing can be rewritten or the result would not compile.
    """
    if MAGIC_NAME not in cell or "get_ipython()" not in cell:
        return cell
    try:
        tree = ast.parse(cell)
    except SyntaxError:
        return cell
    finder = _AwaitableMagicCalls()
    finder.visit(tree)
    if not finder.found:
        return cell
    offsets = _line_offsets(cell)
    pieces: list[str] = []
    position = 0
    for call, method, bare in sorted(finder.found, key=lambda item: (item[0].lineno, item[0].col_offset)):
        start = _offset(cell, offsets, call.lineno, call.col_offset)
        end = _offset(cell, offsets, call.end_lineno or call.lineno, call.end_col_offset or 0)
        arguments = ", ".join(ast.get_source_segment(cell, arg) or "" for arg in call.args[1:])
        awaited = f"await {hidden_name}.{method}({arguments})"
        pieces += [cell[position:start], awaited if bare else f"({awaited})"]
        position = end
    rewritten = "".join(pieces) + cell[position:]
    try:
        compile(rewritten, "<cloudstack-magic>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    except SyntaxError:
        return cell
    return rewritten


class _AwaitableMagicCalls(ast.NodeVisitor):
    """Collects ``get_ipython().run_*_magic('cloudstack', '…'[, '…'])`` calls where await is legal."""

    def __init__(self) -> None:
        self.found: list[tuple[ast.Call, str, bool]] = []
        self._sync_depth = 0
        self._bare: set[int] = set()  # calls that are a whole statement's value: no parentheses

    def _sync_scope(self, node: ast.AST) -> None:
        self._sync_depth += 1
        self.generic_visit(node)
        self._sync_depth -= 1

    visit_FunctionDef = visit_Lambda = visit_ClassDef = _sync_scope
    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _sync_scope

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        saved, self._sync_depth = self._sync_depth, 0  # await is legal again in here
        self.generic_visit(node)
        self._sync_depth = saved

    def visit_Expr(self, node: ast.Expr) -> None:
        self._bare.add(id(node.value))
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        self._bare.add(id(node.value))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        rewrite = _magic_call(node)
        if rewrite is not None and self._sync_depth == 0:
            self.found.append((node, rewrite, id(node) in self._bare))
            return  # its arguments are string constants: nothing inside to visit
        self.generic_visit(node)


def _magic_call(node: ast.Call) -> str | None:
    """The ``arun_*`` method for an IPython-generated cloudstack magic call, else None."""
    func = node.func
    if not (isinstance(func, ast.Attribute) and func.attr in _REWRITES):
        return None
    owner = func.value
    if not (
        isinstance(owner, ast.Call)
        and isinstance(owner.func, ast.Name)
        and owner.func.id == "get_ipython"
        and not owner.args
        and not owner.keywords
    ):
        return None
    method, arity = _REWRITES[func.attr]
    if node.keywords or len(node.args) != arity:
        return None
    if not all(isinstance(arg, ast.Constant) and isinstance(arg.value, str) for arg in node.args):
        return None
    first = node.args[0]
    assert isinstance(first, ast.Constant)
    return method if first.value == MAGIC_NAME else None


def _line_offsets(text: str) -> list[int]:
    offsets = [0]
    for line in text.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))
    return offsets


def _offset(text: str, offsets: list[int], lineno: int, byte_col: int) -> int:
    """Absolute character offset of an AST position (whose column counts UTF-8 bytes)."""
    line_start = offsets[lineno - 1]
    line = text[line_start : offsets[lineno] if lineno < len(offsets) else len(text)]
    return line_start + len(line.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))


class AwaitTransformer:
    """An ``input_transformers_post`` entry: lines in, lines out (see :func:`rewrite_cell`).

    Inactive when the shell would not run the result with asyncio: ``%autoawait off`` or another
    runner (trio, curio) — then every call stays synchronous. ``target`` (the magics object) is
    put back under the hidden name whenever a rewrite needs it and ``%reset`` removed it.
    """

    def __init__(self, shell: Any, hidden_name: str = HIDDEN_NAME, target: Any = None) -> None:
        self._shell = weakref.ref(shell)
        self.hidden_name = hidden_name
        self.target = target

    def active(self) -> bool:
        shell = self._shell()
        if shell is None or not getattr(shell, "autoawait", False):
            return False
        from IPython.core.async_helpers import _AsyncIORunner

        return isinstance(getattr(shell, "loop_runner", None), _AsyncIORunner)

    def __call__(self, lines: list[str]) -> list[str]:
        cell = "".join(lines)
        if MAGIC_NAME not in cell or not self.active() or _inside_running_cell():
            return lines
        rewritten = rewrite_cell(cell, self.hidden_name)
        if rewritten is cell:
            return lines
        shell = self._shell()
        if self.target is not None and shell is not None and shell.user_ns.get(self.hidden_name) is not self.target:
            shell.push({self.hidden_name: self.target}, interactive=False)
        return rewritten.splitlines(keepends=True)

    def __repr__(self) -> str:
        return f"<cloudstack-magic AwaitTransformer -> {self.hidden_name}>"


def _inside_running_cell() -> bool:
    """True when this transform was asked for by code a cell is running — ``%%time``,
    ``%%capture``, ``%timeit``, a user's ``get_ipython().run_cell(…)`` — rather than for a cell
    about to run. Those compile or run the text themselves, without top-level await."""
    from IPython.core.interactiveshell import InteractiveShell

    run_code = InteractiveShell.run_code.__code__
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code is run_code:
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


# -- awaiting on the running loop -----------------------------------------------------------------
async def await_with_wakeups(
    work: Awaitable[T], *, interval: float = WAKEUP_INTERVAL, guard: OrphanGuard | None = None
) -> T:
    """Await ``work`` as a task while a timer wakes the loop every ``interval`` seconds.

    Cancelling the caller cancels the work (asyncio propagates it into the awaited task).
    """
    task: asyncio.Future[T] = asyncio.ensure_future(work)
    if guard is not None:
        guard.track(task)

    async def tick() -> None:
        while True:
            await asyncio.sleep(interval)

    ticker = asyncio.ensure_future(tick())
    try:
        return await task
    finally:
        ticker.cancel()


def interrupted_by_kernel() -> bool:
    """True when ipykernel's *Interrupt kernel* is what cancelled the cell now running.

    ipykernel runs an async cell as one task and, while it runs, installs a SIGINT handler
    (``handle_sigint`` in ``_cancel_on_sigint``) whose future gets a result on interrupt and
    then cancels the cell's task. Any other cancellation — a user's ``asyncio.timeout``,
    terminal IPython's Ctrl-C, unload — leaves that future pending (or the handler absent).
    """
    import signal

    try:
        handler = signal.getsignal(signal.SIGINT)
    except (ValueError, OSError):
        return False
    if not str(getattr(handler, "__module__", "")).startswith("ipykernel") or getattr(
        handler, "__name__", ""
    ) != "handle_sigint":
        return False
    for cell in getattr(handler, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        if isinstance(value, asyncio.Future) and value.done() and not value.cancelled():
            return True
    return False


class OrphanGuard:
    """Tracks awaited work; after each cell cancels what an interrupt left pending on a stopped loop.

    Only loops that are *not* running are touched: in a kernel the loop keeps running and an
    interrupt already cancels the cell's task; a pending task on a stopped loop (terminal
    IPython after Ctrl-C) can only be an orphan.
    """

    def __init__(self) -> None:
        self._tasks: set[asyncio.Future[Any]] = set()

    def track(self, task: asyncio.Future[Any]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def pending(self) -> list[asyncio.Future[Any]]:
        return [task for task in self._tasks if not task.done()]

    def __call__(self, result: object = None) -> None:
        """The ``post_run_cell`` hook."""
        for task in self.pending():
            loop = task.get_loop()
            if loop.is_running() or loop.is_closed():
                continue
            task.cancel()
            try:  # let it unwind now (report its jobs), bounded
                loop.run_until_complete(asyncio.wait([task], timeout=UNWIND_TIMEOUT))
            except (RuntimeError, KeyboardInterrupt):
                pass
            if task.done() and not task.cancelled():
                task.exception()  # retrieved: no "exception was never retrieved" noise

    def cancel_all(self) -> None:
        for task in self.pending():
            if not task.get_loop().is_closed():
                task.get_loop().call_soon_threadsafe(task.cancel)


# -- the synchronous fallback ---------------------------------------------------------------------
class SyncRunner:
    """Runs a coroutine to completion from synchronous code, whatever the thread's loop state.

    * No loop running in this thread: a persistent ``asyncio.Runner`` (``asyncio.run`` semantics —
      Ctrl-C cancels the work, then ``KeyboardInterrupt`` — but the loop, and so the clients bound
      to it, survive between calls).
    * A loop running (a kernel's sync cell, inside ``def``/``%%time``): a private loop in a daemon
      thread; ``KeyboardInterrupt`` while waiting cancels the work there, lets it unwind briefly
      (so it reports its jobs) and re-raises.
    """

    def __init__(self, thread_name: str = "cloudstack-magic-loop") -> None:
        self._thread_name = thread_name
        self._runner: asyncio.Runner | None = None
        self._thread_loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def run(self, coro: Coroutine[Any, Any, T], *, timeout: float | None = None) -> T:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            if timeout is None and threading.current_thread() is threading.main_thread():
                if self._runner is None:
                    self._runner = asyncio.Runner(loop_factory=asyncio.new_event_loop)
                return self._runner.run(coro)
        return self.run_in_thread(coro, timeout=timeout)

    def thread_loop(self) -> asyncio.AbstractEventLoop:
        """The daemon thread's loop, started on first use."""
        with self._lock:
            if self._thread_loop is None or self._thread_loop.is_closed():
                loop = asyncio.new_event_loop()
                ready = threading.Event()

                def serve() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    loop.run_forever()

                thread = threading.Thread(target=serve, name=self._thread_name, daemon=True)
                thread.start()
                ready.wait()
                self._thread_loop, self._thread = loop, thread
            return self._thread_loop

    def run_in_thread(self, coro: Coroutine[Any, Any, T], *, timeout: float | None = None) -> T:
        finished = threading.Event()

        async def tracked() -> T:
            try:
                return await coro
            finally:
                finished.set()

        future = asyncio.run_coroutine_threadsafe(tracked(), self.thread_loop())
        try:
            return future.result(timeout)
        except KeyboardInterrupt:
            future.cancel()  # marks the future at once; the task unwinds on its loop:
            finished.wait(UNWIND_TIMEOUT)  # give it a moment to report its jobs
            raise
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError(f"no answer within {timeout} s") from None

    def loops(self) -> list[asyncio.AbstractEventLoop]:
        """The loops this runner owns (for closing what is bound to them)."""
        found = []
        if self._runner is not None:
            found.append(self._runner.get_loop())
        if self._thread_loop is not None:
            found.append(self._thread_loop)
        return found

    def call_on(
        self, loop: asyncio.AbstractEventLoop, make: Callable[[], Coroutine[Any, Any, Any]]
    ) -> None:
        """Run ``make()`` on ``loop`` now if we can, else schedule it there (best effort)."""
        if loop.is_closed():
            return
        if loop is self._thread_loop:
            try:
                asyncio.run_coroutine_threadsafe(make(), loop).result(UNWIND_TIMEOUT)
            except Exception:
                pass
        elif loop.is_running():
            loop.call_soon_threadsafe(lambda: loop.create_task(make()))
        else:
            try:
                loop.run_until_complete(make())
            except Exception:
                pass

    def close(self) -> None:
        """Stop the thread loop and close the runner; call after closing what runs on them."""
        if self._thread_loop is not None and not self._thread_loop.is_closed():
            loop, thread = self._thread_loop, self._thread
            loop.call_soon_threadsafe(loop.stop)
            if thread is not None:
                thread.join(UNWIND_TIMEOUT)
            if not loop.is_running():
                loop.close()
        self._thread_loop = self._thread = None
        if self._runner is not None:
            try:
                self._runner.close()
            except RuntimeError:
                pass
            self._runner = None
