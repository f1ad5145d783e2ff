"""Page boundaries read again, so a list that shifted while it was read is caught.

CloudStack pages by offset (``page``/``pagesize``). When a row before page k+1's start is
removed after page k was read but before page k+1 is, every later row moves one place left: the
row that was first on page k+1 is now last on page k, which was already read, and it is in
neither page — though it existed all along. When a row is added before the boundary (a list
filtered by state, sorted by name), a row moves right across it the same way. The total can
stay the same (one row removed, one added), so counts cannot tell.

Once both pages of a boundary have answered, one request reads the two rows on either side of
it again: the smallest window ``pagesize=s`` aligned so that offsets ``kP-1`` and ``kP`` fall
in the same page. If they are still the rows the pages had, nothing before the boundary moved
between the two reads (CloudStack orders rows by their creation, so rows removed only ever move
later rows one way, and a shift cannot undo itself); otherwise the listing raises
:class:`~cloudstack_magic.ListChangedError` rather than return a list with a hole in it.

The checks run beside the page reads under their own bound, so they add one round trip at the
end of a listing (the check of the last pages) and ``pages - 1`` tiny requests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from .._errors import ListChangedError
from ..spec._replies import rows_of

__all__ = ["BoundaryChecks", "boundary_window"]

FetchPage = Callable[[int, int], Awaitable[Any]]
_NO_ROW = object()


def boundary_window(boundary: int, page_size: int) -> tuple[int, int, int] | None:
    """``(page, pagesize, index)``: a request whose rows ``index`` and ``index + 1`` are the last
    row of page ``boundary`` and the first of page ``boundary + 1`` (pages of ``page_size``);
    None when no such window is smaller than a page (then each row is read alone)."""
    offset = boundary * page_size  # the first row of page boundary + 1
    size = 2
    while offset % size == 0:  # offset - 1 and offset must share a window of this size
        size += 1
    if size >= page_size:
        return None
    return (offset - 1) // size + 1, size, (offset - 1) % size


def _key(row: Any) -> Any:
    if row is _NO_ROW:
        return _NO_ROW
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

    def page_read(self, page: int, pages: dict[int, list[Any]], pages_total: int) -> None:
        """Page ``page`` answered: check each of its boundaries whose other page has too."""
        for boundary in (page - 1, page):
            if 1 <= boundary < pages_total and boundary in pages and boundary + 1 in pages \
                    and boundary not in self._tasks:
                before, after = pages[boundary], pages[boundary + 1]
                last = before[-1] if len(before) == self._size else _NO_ROW
                first = after[0] if after else _NO_ROW
                self._tasks[boundary] = asyncio.ensure_future(self._check(boundary, last, first))

    async def _check(self, boundary: int, last: Any, first: Any) -> None:
        window = boundary_window(boundary, self._size)
        if window is None:  # rows offset-1 and offset alone: pagesize=1, page = offset + 1
            offset = boundary * self._size
            now = [await self._row(offset, 1, 0), await self._row(offset + 1, 1, 0)]
        else:
            page, size, index = window
            now = [await self._row(page, size, index), await self._row(page, size, index + 1)]
        if [_key(now[0]), _key(now[1])] != [_key(last), _key(first)]:
            raise ListChangedError(
                f"rows were added or removed while {self._command} was read: the rows around page "
                f"{boundary + 1} moved between reads, so the pages may miss rows that existed all along; "
                "run it again, or ask for pages yourself with page= and pagesize=", command=self._command)

    async def _row(self, page: int, size: int, index: int) -> Any:
        """Row ``index`` of the page ``(page, size)``, read once per window."""
        if (page, size) not in self._windows:
            async with self._gate:
                self._windows[(page, size)] = rows_of(await self._fetch(page, size))[1]
        rows = self._windows[(page, size)]
        return rows[index] if index < len(rows) else _NO_ROW

    async def verify(self) -> None:
        """Wait for every check; the first boundary that moved raises ListChangedError."""
        for boundary in sorted(self._tasks):
            await self._tasks[boundary]

    def cancel(self) -> None:
        for task in self._tasks.values():
            task.cancel()

    async def wait_cancelled(self) -> None:
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
