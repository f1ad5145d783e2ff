"""All pages of a list command, fetched concurrently, merged into one exact list (or an error).

CloudStack's list replies carry ``count``, the *total* number of matching rows, so after page 1
the number of pages is known and pages 2..N go out together, bounded by ``page_concurrency``.
The server says "no rows" with ``{}`` and "past the end" with ``{"count": N}``. Lists change
while they are read and some APIs ignore paging, so the merge is defensive and always ends:

* pages are joined in page order, each row once (rows two reads share are kept once; a row the
  server itself lists twice with one ``id``, like a template in each of its zones, is kept);
* an API that answers page 2 with page 1's rows ignores paging: stop there;
* a total that changed between pages → :class:`ListChangedWarning`;
* fewer distinct rows than the smallest total the server reported → :class:`ListChangedError`
  (never a silently partial list);
* neighbouring reads overlap by a row or a few (:mod:`._windows`: ``pagesize=P`` for page 1,
  then windows of slightly smaller sizes aligned to start just before the previous one ended).
  A row removed before a boundary after the earlier read shifts the later rows left, so a row
  that existed all along would fall between the two reads unseen — and the count cannot tell
  when a row was added too. The shared rows then differ → :class:`ListChangedError`; when they
  agree, nothing crossed that boundary between the two reads, so every row that existed for the
  whole listing is in the result. The check itself sends nothing; the overlap costs a few more
  reads (20,000 rows 500 at a time: 42 instead of 40). Where no window can overlap (page sizes
  1 and 2), each boundary is read again by :mod:`._boundaries`.

The cyclic garbage collector is paused for the whole listing and merge (:func:`gc_paused`):
the rows are new acyclic containers, and each collection would walk every row read so far,
which made collection a third of a 100,000-row listing.

A server whose ``default.page.size`` is below the page size asked for refuses page 1 with 431
"Page size can't exceed max allowed page size value: N". Listing is read-only, so the listing
starts over once with ``N`` rows per page (never twice) and tells the caller ``N``.
"""

from __future__ import annotations

import asyncio
import re
import time
import warnings
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from .._errors import BadRequestError, ListChangedError
from ..spec._replies import rows_of
from ._boundaries import NO_ROW, BoundaryChecks, FetchPage, list_changed, row_key
from ._events import PageProgress, ProgressCallback
from ._gc import gc_paused
from ._windows import Tiling

__all__ = ["ListChangedWarning", "fetch_all_pages", "server_page_size_limit"]

#: BaseListCmd.getPageSize's refusal; loose about apostrophes, spacing, case and wording around it.
_PAGE_SIZE_LIMIT = re.compile(
    r"(?is)\bpage\s*size\b.{0,20}?\bexceed\b.{0,40}?\bpage\s*size(?:\s+value)?\s*(?:is|of|:|=)?\s*(\d+)\b")


class ListChangedWarning(UserWarning):
    """A list's total changed while its pages were read; the rows may mix two moments."""


def server_page_size_limit(error: BaseException) -> int | None:
    """The server's page-size limit ``N`` named by a 431 "Page size can't exceed max allowed page
    size value: N", or None when ``error`` is not that refusal (or names no usable number)."""
    if not isinstance(error, BadRequestError):
        return None
    for text in (error.error_text, error.message):
        match = _PAGE_SIZE_LIMIT.search(text or "")
        if match and int(match.group(1)) > 0:
            return int(match.group(1))
    return None


class _PageSizeTooLarge(Exception):
    """Page 1 was refused for its page size; ``limit`` is the server's, ``error`` its answer."""

    def __init__(self, error: BadRequestError, limit: int) -> None:
        super().__init__(str(error))
        self.error = error
        self.limit = limit


def _count_of(reply: Any) -> int | None:
    if isinstance(reply, dict):
        try:
            return int(reply["count"])
        except (KeyError, TypeError, ValueError):
            return None
    return None


def _ids(rows: list[Any]) -> list[Any]:
    return [row.get("id") if isinstance(row, dict) else None for row in rows]


def _same_rows(rows: list[Any], first_rows: list[Any], first_ids: list[Any]) -> bool:
    """Whether a later read answered page 1's rows again (an API that ignores paging). The first
    row decides almost always; only then are all rows compared."""
    head, first_head = rows[0], first_rows[0]
    if isinstance(head, dict) and isinstance(first_head, dict) and head.get("id") != first_head.get("id"):
        return False
    return _ids(rows) == first_ids if None not in first_ids else rows == first_rows


async def fetch_all_pages(
    fetch_page: FetchPage,
    *,
    command: str,
    page_size: int,
    concurrency: int,
    progress: ProgressCallback | None = None,
    expected_total: int | None = None,
    on_page_size_limit: Callable[[int], None] | None = None,
) -> Any:
    """Every row of a list command: ``{"count": <rows>, "<objectname>": [...]}``, or ``{}``.

    ``fetch_page(page, pagesize, slot)`` returns one unwrapped reply, holding ``slot`` (one of
    ``concurrency``) only while its request is on the wire, so pages are parsed while the next
    ones travel. ``expected_total`` (the total this listing had last time) lets the pages it
    implies go out together with page 1, up to ``concurrency``; a wrong guess costs a few
    cancelled reads, never a wrong result. When the
    server refuses ``page_size`` as above its limit ``N``, the listing starts over once with
    ``N`` and ``on_page_size_limit(N)`` is told, so the caller can start there next time.
    """
    started = time.monotonic()
    gate = asyncio.Semaphore(concurrency)

    def report(pages_done: int, pages_total: int | None, rows_done: int, total: int | None,
               done: bool = False) -> None:
        if progress is not None:
            progress(PageProgress(command, pages_done, pages_total, rows_done, total,
                                  time.monotonic() - started, done))

    async def read(size: int) -> Any:
        tiling = _tiling(size)
        tasks: dict[int, asyncio.Future[tuple[int, Any]]] = {}

        async def one(index: int) -> tuple[int, Any]:
            window = tiling[index]
            try:  # the gate bounds reads on the wire; a page is parsed after its slot is given back
                return index, await fetch_page(window.page, window.size, gate)
            except BadRequestError as exc:
                limit = server_page_size_limit(exc) if index == 1 else None
                if limit is not None and limit < size:
                    raise _PageSizeTooLarge(exc, limit) from exc
                raise

        def start(indices: range) -> None:
            for index in indices:
                if index not in tasks:
                    tasks[index] = asyncio.ensure_future(one(index))

        guessed = tiling.count_for(expected_total) if expected_total else 1
        start(range(1, min(guessed, concurrency) + 1))  # window 1 first: the gate is FIFO

        checks = BoundaryChecks(fetch_page, command, size, concurrency)
        try:
            return await _merge(tasks, start, report, command, tiling, checks)
        finally:
            checks.cancel()
            # Only reads still under way are cancelled and awaited; a gather of the finished ones
            # would hold every page's reply until the caller next yields, so dropping the result
            # would free nothing, and the next listing would pay for freeing this one.
            reads = list(tasks.values())
            tasks.clear()
            unfinished = [task for task in reads if not task.done()]
            for task in unfinished:
                task.cancel()
            if unfinished:
                await asyncio.wait(unfinished)
            for task in reads:  # a read that failed after another's error: retrieved, not logged
                if not task.cancelled():
                    task.exception()
            del reads, unfinished
            await checks.wait_cancelled()

    with gc_paused():
        report(0, None, 0, None)
        try:
            return await read(page_size)
        except _PageSizeTooLarge as refused:
            limit = refused.limit
        if on_page_size_limit is not None:
            on_page_size_limit(limit)
        try:
            return await read(limit)
        except _PageSizeTooLarge as refused_again:  # the limit moved under us: one retry is enough
            raise refused_again.error from None


@lru_cache(maxsize=16)
def _tiling(page_size: int) -> Tiling:
    return Tiling(page_size)


async def _merge(tasks: dict[int, asyncio.Future[tuple[int, Any]]], start: Callable[[range], None],
                 report: Callable[..., None], command: str, tiling: Tiling, checks: BoundaryChecks) -> Any:
    page_size = tiling.page_size
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
        rows = first_rows  # one read is one moment: a repeated id is the server's own (a template per zone)
        if total is not None:
            _check_complete(command, rows, [total], ignored_paging=False)
        report(1, 1, len(rows), len(rows), done=True)
        return {"count": len(rows), name: rows}

    pages_total = tiling.count_for(total)
    pages: dict[int, list[Any]] = {1: first_rows}
    totals = [total]
    rows_done = len(first_rows)
    report(1, pages_total, rows_done, total)
    first_ids = _ids(first_rows)
    ignored_paging = False
    start(range(2, pages_total + 1))
    wanted = [task for index, task in tasks.items() if 1 < index <= pages_total]
    for task in [task for index, task in tasks.items() if index > pages_total]:
        task.cancel()  # guessed from last time's total, but the list is shorter now
    for next_done in asyncio.as_completed(wanted):
        index, reply = await next_done
        _, rows = rows_of(reply)
        count = _count_of(reply)
        if count is not None:
            totals.append(count)
        if rows and _same_rows(rows, first_rows, first_ids):
            ignored_paging = True  # same rows again: the API ignores page/pagesize
            break
        pages[index] = rows
        for before in (index - 1, index):  # a boundary no overlap covers: read it again
            if before in pages and before + 1 in pages and tiling[before + 1].overlap == 0:
                _check_boundary(checks, tiling, pages, before)
        rows_done += len(rows)
        report(len(pages), pages_total, rows_done, count if count is not None else total)

    # Joined windows are exact (a shift would have raised), so an id seen twice is the server's
    # own answer — CloudStack lists a template once per zone, with the same id — and is kept.
    merged = (_joined(command, tiling, pages) if not ignored_paging else
              _dedupe([row for index in sorted(pages) for row in pages[index]]))
    _check_complete(command, merged, totals, ignored_paging=ignored_paging)
    if not ignored_paging:
        await checks.verify()
    if len(set(totals)) > 1:
        warnings.warn(ListChangedWarning(
            f"{command}: the list changed while it was read (total {totals[0]} → {totals[-1]}); "
            f"the {len(merged)} rows may mix both states"), stacklevel=3)
    report(len(pages), len(pages) if ignored_paging else pages_total, len(merged), totals[-1], done=True)
    return {"count": len(merged), name: merged} if merged else {}


def _check_boundary(checks: BoundaryChecks, tiling: Tiling, pages: dict[int, list[Any]], before: int) -> None:
    earlier, later = pages[before], pages[before + 1]
    last = earlier[-1] if len(earlier) == tiling[before].size else NO_ROW
    checks.start(tiling[before + 1].offset, last, later[0] if later else NO_ROW)


def _joined(command: str, tiling: Tiling, pages: dict[int, list[Any]]) -> list[Any]:
    """The windows' rows in order, each shared row once; a shared row that differs between the
    two reads means the list shifted between them → ListChangedError."""
    joined = list(pages[1])
    for index in range(2, max(pages) + 1):
        rows = pages.get(index, [])
        window, previous = tiling[index], tiling[index - 1]
        shared = pages.get(index - 1, [])[window.offset - previous.offset:] if window.overlap else []
        common = min(len(shared), len(rows))
        if [row_key(r) for r in shared[:common]] != [row_key(r) for r in rows[:common]] or \
                len(rows) < len(shared):
            raise list_changed(command, window.offset)
        joined.extend(rows[len(shared):])
    return joined


def _dedupe(rows: list[Any]) -> list[Any]:
    """``rows`` without repeated ids, first occurrence kept (rows without an id all kept)."""
    try:  # the common case, at C speed: every row a dict with a distinct hashable id
        if len({row["id"] for row in rows}) == len(rows):
            return rows
    except (KeyError, TypeError):
        pass
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
