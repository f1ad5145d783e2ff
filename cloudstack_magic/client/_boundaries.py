"""Boundaries that no overlapping window covers, read again, so a list that shifted is caught.

Neighbouring reads normally overlap (``_windows``) and their shared rows prove the boundary
did not move. Where they cannot (page sizes of 1 or 2, or an end every candidate size divides),
this module checks the boundary with one more small read. Why a boundary must be checked:
CloudStack pages by offset (``page``/``pagesize``). When a row before page k+1's start is
removed after page k was read but before page k+1 is, every later row moves one place left: the
row that was first on page k+1 is now last on page k, which was already read, and it is in
neither page — though it existed all along. When a row is added before the boundary (a list
filtered by state, sorted by name), a row moves right across it the same way. The total can
stay the same (one row removed, one added), so counts cannot tell.

Once both reads of a boundary have answered, one request reads the two rows on either side of
it again: the smallest window ``pagesize=s`` aligned so that both fall in the same page. If they are still the rows the pages had, nothing before the boundary moved
between the two reads (CloudStack orders rows by their creation, so rows removed only ever move
later rows one way, and a shift cannot undo itself); otherwise the listing raises
:class:`~cloudstack_magic.ListChangedError` rather than return a list with a hole in it.

The checks run beside the page reads under their own bound.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from .._errors import ListChangedError
from ..spec._replies import rows_of

__all__ = ["NO_ROW", "BoundaryChecks", "FetchPage", "Slot", "boundary_window", "list_changed", "row_key"]

#: A listing's share of its in-flight bound: held while a read is on the wire, not while it is parsed.
Slot = AbstractAsyncContextManager[Any]
#: ``fetch_page(page, pagesize, slot)``: one unwrapped reply, ``slot`` held only around the exchange.
FetchPage = Callable[[int, int, Slot], Awaitable[Any]]
NO_ROW = object()


def boundary_window(offset: int, page_size: int) -> tuple[int, int, int] | None:
    """``(page, pagesize, index)``: a request whose rows ``index`` and ``index + 1`` are the rows
    at ``offset - 1`` and ``offset``; None when no such window is smaller than a page (then
    each row is read alone)."""
    size = 2
    while offset % size == 0:  # offset - 1 and offset must share a window of this size
        size += 1
    if size >= page_size:
        return None
    return (offset - 1) // size + 1, size, (offset - 1) % size


def list_changed(command: str, offset: int) -> ListChangedError:
    return ListChangedError(
        f"rows were added or removed while {command} was read: the rows around row {offset + 1} moved "
        "between two reads, so the pages may miss rows that existed all along; run it again, or ask for "
        "pages yourself with page= and pagesize=", command=command)


def row_key(row: Any) -> Any:
    """What identifies a row when two reads are compared: its id, else the whole row."""
    if row is NO_ROW:
        return NO_ROW
    if isinstance(row, dict) and row.get("id") is not None:
        return ("id", row["id"])
    return ("row", repr(row))


class BoundaryChecks:
    """The boundary checks of one listing: started as pages answer, awaited at the end."""

    def __init__(self, fetch_page: FetchPage, command: str, page_size: int, concurrency: int) -> None:
        self._fetch = fetch_page
        self._command = command
        self._size = page_size
        self._gate = asyncio.Semaphore(concurrency)
        self._tasks: dict[int, asyncio.Future[None]] = {}
        self._windows: dict[tuple[int, int], list[Any]] = {}

    def start(self, offset: int, last: Any, first: Any) -> None:
        """Check the boundary before row ``offset``, where one read ended with ``last`` and the
        next began with ``first`` (``NO_ROW`` for none)."""
        if offset not in self._tasks:
            self._tasks[offset] = asyncio.ensure_future(self._check(offset, last, first))

    async def _check(self, offset: int, last: Any, first: Any) -> None:
        window = boundary_window(offset, self._size)
        if window is None:  # rows offset-1 and offset alone: pagesize=1, page = offset + 1
            now = [await self._row(offset, 1, 0), await self._row(offset + 1, 1, 0)]
        else:
            page, size, index = window
            now = [await self._row(page, size, index), await self._row(page, size, index + 1)]
        if [row_key(now[0]), row_key(now[1])] != [row_key(last), row_key(first)]:
            raise list_changed(self._command, offset)

    async def _row(self, page: int, size: int, index: int) -> Any:
        """Row ``index`` of the page ``(page, size)``, read once per window."""
        if (page, size) not in self._windows:
            self._windows[(page, size)] = rows_of(await self._fetch(page, size, self._gate))[1]
        rows = self._windows[(page, size)]
        return rows[index] if index < len(rows) else NO_ROW

    async def verify(self) -> None:
        """Wait for every check; the first boundary that moved raises ListChangedError."""
        for offset in sorted(self._tasks):
            await self._tasks[offset]

    def cancel(self) -> None:
        for task in self._tasks.values():
            task.cancel()

    async def wait_cancelled(self) -> None:
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
