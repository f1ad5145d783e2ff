"""All pages of a list command, fetched concurrently, merged into one exact list (or an error).

CloudStack's list replies carry ``count``, the *total* number of matching rows, so after page 1
the number of pages is known and pages 2..N go out together, bounded by ``page_concurrency``.
The server says "no rows" with ``{}`` and "past the end" with ``{"count": N}``. Lists change
while they are read and some APIs ignore paging, so the merge is defensive and always ends:

* pages are joined in page order and de-duplicated by ``id``;
* an API that answers page 2 with page 1's rows ignores paging: stop there;
* a total that changed between pages → :class:`ListChangedWarning`;
* fewer distinct rows than the smallest total the server reported → :class:`ListChangedError`
  (never a silently partial list).
"""

from __future__ import annotations

import asyncio
import math
import time
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

from ._errors import ListChangedError
from ._events import PageProgress, ProgressCallback

__all__ = ["ListChangedWarning", "fetch_all_pages", "rows_of"]

FetchPage = Callable[[int, int], Awaitable[Any]]


class ListChangedWarning(UserWarning):
    """A list's total changed while its pages were read; the rows may mix two moments."""


def rows_of(reply: Any) -> tuple[str | None, list[Any]]:
    """``(objectname, rows)`` of a list reply: the one list-valued key other than ``count``."""
    if isinstance(reply, dict):
        for key, value in reply.items():
            if key != "count" and isinstance(value, list):
                return key, value
    return None, []


def _count_of(reply: Any) -> int | None:
    if isinstance(reply, dict):
        try:
            return int(reply["count"])
        except (KeyError, TypeError, ValueError):
            return None
    return None


def _ids(rows: list[Any]) -> list[Any]:
    return [row.get("id") if isinstance(row, dict) else None for row in rows]


async def fetch_all_pages(
    fetch_page: FetchPage,
    *,
    command: str,
    page_size: int,
    concurrency: int,
    progress: ProgressCallback | None = None,
    expected_total: int | None = None,
) -> Any:
    """Every row of a list command: ``{"count": <rows>, "<objectname>": [...]}``, or ``{}``.

    ``fetch_page(page, pagesize)`` returns one unwrapped reply. ``expected_total`` (the total
    this listing had last time) lets the pages it implies go out together with page 1, up to
    ``concurrency``; a wrong guess costs a few cancelled reads, never a wrong result.
    """
    started = time.monotonic()
    gate = asyncio.Semaphore(concurrency)
    tasks: dict[int, asyncio.Future[tuple[int, Any]]] = {}

    def report(pages_done: int, pages_total: int | None, rows_done: int, total: int | None,
               done: bool = False) -> None:
        if progress is not None:
            progress(PageProgress(command, pages_done, pages_total, rows_done, total,
                                  time.monotonic() - started, done))

    async def one(page: int) -> tuple[int, Any]:
        async with gate:
            return page, await fetch_page(page, page_size)

    def start(pages: range) -> None:
        for page in pages:
            if page not in tasks:
                tasks[page] = asyncio.ensure_future(one(page))

    report(0, None, 0, None)
    guessed_pages = math.ceil(expected_total / page_size) if expected_total else 1
    start(range(1, min(guessed_pages, concurrency) + 1))  # page 1 first: the gate is FIFO
    try:
        return await _merge(tasks, start, report, command, page_size)
    finally:
        for task in tasks.values():
            task.cancel()
        await asyncio.gather(*tasks.values(), return_exceptions=True)


async def _merge(tasks: dict[int, asyncio.Future[tuple[int, Any]]], start: Callable[[range], None],
                 report: Callable[..., None], command: str, page_size: int) -> Any:
    _, first = await tasks[1]
    name, first_rows = rows_of(first)
    total = _count_of(first)
    if name is None:
        # {} (no rows at all), or a reply that is not a list; {"count": N} alone means the rows
        # vanished between counting and reading.
        if total:
            _check_complete(command, [], [total], ignored_paging=False)
        report(1, 1, 0, total or 0, done=True)
        return first
    if total is None or len(first_rows) >= total or len(first_rows) < page_size:
        # Everything came on page 1. A short page 1 with a larger total means the server caps
        # the page size: refuse rather than return part of the list.
        rows = _dedupe(first_rows)
        if total is not None:
            _check_complete(command, rows, [total], ignored_paging=False)
        report(1, 1, len(rows), len(rows), done=True)
        return {"count": len(rows), name: rows}

    pages_total = math.ceil(total / page_size)
    pages: dict[int, list[Any]] = {1: first_rows}
    totals = [total]
    rows_done = len(first_rows)
    report(1, pages_total, rows_done, total)
    first_ids = _ids(first_rows)
    ignored_paging = False
    start(range(2, pages_total + 1))
    wanted = [task for page, task in tasks.items() if 1 < page <= pages_total]
    for task in [task for page, task in tasks.items() if page > pages_total]:
        task.cancel()  # guessed from last time's total, but the list is shorter now
    for next_done in asyncio.as_completed(wanted):
        page, reply = await next_done
        _, rows = rows_of(reply)
        count = _count_of(reply)
        if count is not None:
            totals.append(count)
        if rows and (_ids(rows) == first_ids if None not in first_ids else rows == first_rows):
            ignored_paging = True  # same rows again: the API ignores page/pagesize
            break
        pages[page] = rows
        rows_done += len(rows)
        report(len(pages), pages_total, rows_done, count if count is not None else total)

    merged = _dedupe([row for page in sorted(pages) for row in pages[page]])
    _check_complete(command, merged, totals, ignored_paging=ignored_paging)
    if len(set(totals)) > 1:
        warnings.warn(ListChangedWarning(
            f"{command}: the list changed while it was read (total {totals[0]} → {totals[-1]}); "
            f"the {len(merged)} rows may mix both states"), stacklevel=3)
    report(len(pages), len(pages) if ignored_paging else pages_total, len(merged), totals[-1], done=True)
    return {"count": len(merged), name: merged} if merged else {}


def _dedupe(rows: list[Any]) -> list[Any]:
    seen: set[Any] = set()
    out = []
    for row in rows:
        key = row.get("id") if isinstance(row, dict) else None
        if key is not None:
            try:
                if key in seen:
                    continue
                seen.add(key)
            except TypeError:  # an unhashable id: keep the row, cannot compare it
                pass
        out.append(row)
    return out


def _check_complete(command: str, rows: list[Any], totals: list[int], *, ignored_paging: bool) -> None:
    expected = min(totals)
    if len(rows) >= expected:
        return
    if ignored_paging:
        why = f"{command} answered every page with the same rows (it ignores paging)"
    elif len(totals) == 1:
        why = f"{command} returned fewer rows per page than asked (the server may cap the page size)"
    else:
        why = f"rows were added or removed while {command} was read"
    raise ListChangedError(
        f"{why}: got {len(rows)} distinct rows of {expected}; run it again, or ask for pages yourself "
        "with page= and pagesize=", command=command)
