"""The cell rewrite that lets ``%cloudstack`` be awaited on the kernel's own event loop.

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
through :class:`~cloudstack_magic.magics._runner.SyncRunner`.
"""

from __future__ import annotations

import ast
import sys
import weakref
from typing import Any

__all__ = ["HIDDEN_NAME", "MAGIC_NAME", "AwaitTransformer", "rewrite_cell"]

#: The user-namespace name the rewritten cells call (hidden from ``%who``).
HIDDEN_NAME = "_cloudstack_magic_"
MAGIC_NAME = "cloudstack"

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
