"""Paging: concurrency bound, order, dedupe, the server's empty shapes, and lists that change."""

from __future__ import annotations

import asyncio
import warnings
import weakref
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudstack_magic import BadRequestError, ListChangedError, ListChangedWarning, PageProgress
from cloudstack_magic.client._boundaries import Slot
from cloudstack_magic.client._paging import fetch_all_pages, server_page_size_limit
from cloudstack_magic.client._windows import Tiling


def windows_for(n: int, size: int) -> list[tuple[int, int]]:
    """The (page, pagesize) reads that cover ``n`` rows ``size`` at a time, in order."""
    tiling = Tiling(size)
    return [(tiling[i].page, tiling[i].size) for i in range(1, tiling.count_for(max(n, 1)) + 1)]


class FakeList:
    """A server-side list answering pages like BaseListCmd, with hooks to change it mid-read."""

    def __init__(self, n: int, *, ignore_paging: bool = False, delay: float = 0.0,
                 before_page: Callable[[FakeList, int], None] | None = None) -> None:
        self.rows = [{"id": f"vm-{i:04d}", "name": f"vm{i}"} for i in range(n)]
        self.ignore_paging = ignore_paging
        self.delay = delay
        self.before_page = before_page
        self.calls: list[tuple[int, int]] = []
        self.in_flight = 0
        self.max_in_flight = 0

    @property
    def page_calls(self) -> list[tuple[int, int]]:
        """The reads of the listing's windows, without any boundary checks."""
        windows = set(windows_for(len(self.rows) + 1000, self.calls[0][1]))
        return [call for call in self.calls if call in windows]

    async def __call__(self, page: int, size: int, slot: Slot) -> dict[str, Any]:
        async with slot:  # on the wire: what the listing's bound counts
            self.calls.append((page, size))
            is_page = size * 2 > self.calls[0][1]  # a boundary check reads a far smaller window
            self.in_flight += is_page
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                # later pages answer first, so order must come from page numbers, not arrival
                await asyncio.sleep(self.delay / page if self.delay else 0)
                if self.before_page:
                    self.before_page(self, page)
                rows = self.rows[:size] if self.ignore_paging else self.rows[(page - 1) * size:page * size]
            finally:
                self.in_flight -= is_page
        if not self.rows:
            return {}
        return {"count": len(self.rows), "virtualmachine": rows} if rows else {"count": len(self.rows)}


async def read(fake: FakeList, size: int = 10, concurrency: int = 3, events: list[Any] | None = None) -> Any:
    return await fetch_all_pages(fake, command="listVirtualMachines", page_size=size, concurrency=concurrency,
                                 progress=None if events is None else events.append)


async def test_empty_list_is_empty_dict() -> None:
    fake = FakeList(0)
    assert await read(fake) == {}
    assert fake.calls == [(1, 10)]


async def test_one_page() -> None:
    fake = FakeList(7)
    result = await read(fake)
    assert result == {"count": 7, "virtualmachine": fake.rows}
    assert fake.calls == [(1, 10)]


async def test_exact_multiple_of_the_page_size_asks_no_extra_page() -> None:
    fake = FakeList(30)
    result = await read(fake)
    assert result["count"] == 30 and result["virtualmachine"] == fake.rows
    assert sorted(fake.calls) == sorted(windows_for(30, 10))  # overlapping windows, nothing more


async def test_many_pages_keep_order_under_the_concurrency_bound() -> None:
    fake = FakeList(95, delay=0.02)
    events: list[PageProgress] = []
    result = await read(fake, concurrency=3, events=events)
    assert result["virtualmachine"] == fake.rows and result["count"] == 95
    assert sorted(fake.calls) == sorted(windows_for(95, 10))
    assert fake.max_in_flight == 3
    assert events[0].pages_done == 0 and events[0].rows_total is None
    assert events[-1].done and events[-1].pages_done == len(windows_for(95, 10)) and events[-1].rows_done == 95
    assert [e.pages_done for e in events] == sorted(e.pages_done for e in events)


async def test_api_that_ignores_paging_stops_and_dedupes() -> None:
    async def same_rows(page: int, size: int, slot: Slot) -> dict[str, Any]:
        async with slot:
            calls.append(page)
            await asyncio.sleep(0.01)
        return {"count": 100, "nic": [{"id": f"n{i}"} for i in range(10)]}

    calls: list[int] = []
    with pytest.raises(ListChangedError, match="same rows .*ignores paging.*got 10 distinct rows of 100"):
        await fetch_all_pages(same_rows, command="listNics", page_size=10, concurrency=1)
    assert calls[:2] == [1, 2] and len(calls) <= 3  # stopped instead of reading ten pages


async def test_api_that_ignores_paging_but_counts_its_rows_is_fine() -> None:
    async def all_rows(page: int, size: int, slot: Slot) -> dict[str, Any]:
        return {"count": 12, "provider": [{"name": f"p{i}"} for i in range(12)]}

    result = await fetch_all_pages(all_rows, command="listStorageProviders", page_size=10, concurrency=4)
    assert result["count"] == 12


async def test_rows_added_while_reading_warn_and_are_deduped() -> None:
    def grow(fake: FakeList, page: int) -> None:
        if page == 2 and len(fake.rows) == 25:
            fake.rows.append({"id": "vm-late"})  # at the end: nothing shifts
    fake = FakeList(25, before_page=grow)
    with pytest.warns(ListChangedWarning, match=r"changed while it was read \(total 25 → 26\)"):
        result = await read(fake, concurrency=1)
    ids = [r["id"] for r in result["virtualmachine"]]
    assert len(ids) == len(set(ids)) and result["count"] == len(ids) >= 25


async def test_rows_shifted_by_an_insert_at_the_start_are_an_error_not_a_partial_list() -> None:
    def insert_front(fake: FakeList, page: int) -> None:
        if page == 2 and fake.rows[0]["id"] != "vm-new":
            fake.rows.insert(0, {"id": "vm-new"})
            fake.rows.pop()  # total unchanged: the count alone cannot tell
    fake = FakeList(20, before_page=insert_front)
    with pytest.raises(ListChangedError, match="moved between two reads"):
        await read(fake, concurrency=1)


async def test_rows_removed_while_reading_past_end_page_are_an_error() -> None:
    def shrink(fake: FakeList, page: int) -> None:
        if page == 3 and len(fake.rows) == 30:
            del fake.rows[:15]
    fake = FakeList(30, before_page=shrink)
    # page 3 answers {"count": 15}: past the end. Rows 20-29 existed all along and are on no
    # page read: that must not pass for the whole list.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ListChangedWarning)
        with pytest.raises(ListChangedError, match="moved between two reads"):
            await read(fake, concurrency=1)


async def test_count_only_first_page_means_rows_vanished() -> None:
    async def vanished(page: int, size: int, slot: Slot) -> dict[str, Any]:
        return {"count": 5}

    with pytest.raises(ListChangedError, match="got 0 distinct rows of 5"):
        await fetch_all_pages(vanished, command="listVolumes", page_size=10, concurrency=2)


async def test_server_that_caps_the_page_size_is_caught() -> None:
    async def capped(page: int, size: int, slot: Slot) -> dict[str, Any]:
        return {"count": 50, "volume": [{"id": f"v{i}"} for i in range(5)]}

    with pytest.raises(ListChangedError, match="fewer rows per page than asked"):
        await fetch_all_pages(capped, command="listVolumes", page_size=10, concurrency=2)


async def test_a_failing_page_cancels_the_others() -> None:
    started: list[int] = []
    cancelled: list[int] = []

    async def flaky(page: int, size: int, slot: Slot) -> dict[str, Any]:
        async with slot:
            started.append(page)
            if page == 1:
                return {"count": 100, "host": [{"id": f"h{i}"} for i in range(10)]}
            if page == 2:
                raise RuntimeError("boom")
            try:
                await asyncio.sleep(5)
            except asyncio.CancelledError:
                cancelled.append(page)
                raise
            return {}

    with pytest.raises(RuntimeError, match="boom"):
        await fetch_all_pages(flaky, command="listHosts", page_size=10, concurrency=4)
    assert cancelled and set(cancelled) <= set(started) and 10 not in started


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 120), st.integers(1, 25), st.integers(1, 6))
def test_any_size_page_size_and_concurrency_gives_every_row_once(n: int, size: int, concurrency: int) -> None:
    fake = FakeList(n)
    result = asyncio.run(read(fake, size=size, concurrency=concurrency))
    assert result == ({"count": n, "virtualmachine": fake.rows} if n else {})
    assert set(windows_for(n, size)) <= set(fake.calls)
    # where windows cannot overlap (sizes 1 and 2), each boundary costs one or two small reads
    assert len(fake.calls) <= 3 * len(windows_for(n, size))
    assert fake.max_in_flight <= 2 * concurrency


class Recording(FakeList):
    """Also records which pages were asked for before page 1 had answered."""

    def __init__(self, n: int, **kw: Any) -> None:
        super().__init__(n, delay=0.02, **kw)
        self.before_first: list[int] = []
        self.first_answered = False

    async def __call__(self, page: int, size: int, slot: Slot) -> dict[str, Any]:
        if not self.first_answered:
            self.before_first.append(len(self.calls) + 1)  # which read, in order
        reply = await super().__call__(page, size, slot)
        if page == 1:
            self.first_answered = True
        return reply


async def test_a_known_total_sends_its_pages_with_page_one() -> None:
    fake = Recording(95)
    result = await fetch_all_pages(fake, command="listVirtualMachines", page_size=10, concurrency=3,
                                   expected_total=95)
    assert result == {"count": 95, "virtualmachine": fake.rows}
    assert fake.before_first == [1, 2, 3]
    assert sorted(fake.calls) == sorted(windows_for(95, 10))


async def test_a_wrong_guess_costs_a_few_cancelled_reads_not_a_wrong_result() -> None:
    fake = Recording(7)
    result = await fetch_all_pages(fake, command="listVirtualMachines", page_size=10, concurrency=4,
                                   expected_total=95)
    assert result == {"count": 7, "virtualmachine": fake.rows}
    assert len(fake.calls) <= 4 and fake.in_flight == 0


async def test_a_guess_below_the_real_total_still_reads_every_page() -> None:
    fake = Recording(95)
    result = await fetch_all_pages(fake, command="listVirtualMachines", page_size=10, concurrency=8,
                                   expected_total=25)
    assert result["count"] == 95 and fake.before_first == list(range(1, len(windows_for(25, 10)) + 1))


# -- a server whose default.page.size is below the page size asked for ---------------------------


def refusal(limit: Any, text: str = "Page size can't exceed max allowed page size value: {}") -> BadRequestError:
    message = text.format(limit)
    return BadRequestError(f"listVirtualMachines: {message} (error 431)", 431, message, status=431)


class CappedList(FakeList):
    """A FakeList that refuses pages larger than ``limit`` the way BaseListCmd.getPageSize does."""

    def __init__(self, n: int, limit: int, *, text: str = "Page size can't exceed max allowed page size value: {}",
                 **kw: Any) -> None:
        super().__init__(n, **kw)
        self.limit = limit
        self.text = text

    async def __call__(self, page: int, size: int, slot: Slot) -> dict[str, Any]:
        if size > self.limit:
            self.calls.append((page, size))
            raise refusal(self.limit, self.text)
        return await super().__call__(page, size, slot)


async def test_page_size_refusal_restarts_once_with_the_servers_limit() -> None:
    fake = CappedList(23, limit=4)
    learned: list[int] = []
    result = await fetch_all_pages(fake, command="listVirtualMachines", page_size=10, concurrency=3,
                                   on_page_size_limit=learned.append)
    assert result == {"count": 23, "virtualmachine": fake.rows}
    assert fake.calls[:2] == [(1, 10), (1, 4)]
    assert sorted(c for c in fake.calls[1:] if c[1] == 4) == [(page, 4) for page in range(1, 7)]
    assert all(size < 4 for _, size in fake.calls[1:] if size != 4)  # boundary checks only
    assert learned == [4]


async def test_page_size_refusal_with_a_guessed_total_cancels_the_guessed_pages() -> None:
    fake = CappedList(23, limit=4, delay=0.01)
    result = await fetch_all_pages(fake, command="listVirtualMachines", page_size=10, concurrency=3,
                                   expected_total=23)
    assert result == {"count": 23, "virtualmachine": fake.rows}
    assert fake.calls[0] == (1, 10) and sorted(c for c in fake.calls if c[1] == 4) == [(p, 4) for p in range(1, 7)]


@pytest.mark.parametrize("text", [
    "Page size can't exceed max allowed page size value: {}",
    "page size cannot exceed the maximum allowed pagesize value of {}",
    "Pagesize can’t exceed max allowed page size value:  {} ",
])
def test_the_limit_is_read_from_the_refusal_however_it_is_worded(text: str) -> None:
    assert server_page_size_limit(refusal(100, text)) == 100


@pytest.mark.parametrize("error", [
    refusal("", text="Page size can't exceed max allowed page size value{}"),
    refusal(0),
    BadRequestError("listVirtualMachines: Unable to execute API command (error 431)", 431, "Unable to execute"),
    ListChangedError("Page size can't exceed max allowed page size value: 5"),
])
def test_no_limit_unless_a_431_names_a_positive_one(error: Exception) -> None:
    assert server_page_size_limit(error) is None


async def test_an_unreadable_refusal_raises_the_servers_error_without_retrying() -> None:
    fake = CappedList(23, limit=4, text="Page size can't exceed max allowed page size value")
    with pytest.raises(BadRequestError, match="max allowed page size value \\(error 431\\)"):
        await read(fake, size=10)
    assert fake.calls == [(1, 10)]


async def test_a_second_refusal_raises_the_servers_error() -> None:
    class Moving(CappedList):  # the limit drops between the two tries: retry once only
        async def __call__(self, page: int, size: int, slot: Slot) -> dict[str, Any]:
            self.limit = size - 1
            return await super().__call__(page, size, slot)

    fake = Moving(23, limit=4)
    learned: list[int] = []
    with pytest.raises(BadRequestError, match="page size value: 8 "):
        await fetch_all_pages(fake, command="listVirtualMachines", page_size=10, concurrency=3,
                              on_page_size_limit=learned.append)
    assert fake.calls == [(1, 10), (1, 9)] and learned == [9]


async def test_a_refusal_naming_a_larger_limit_is_not_retried() -> None:
    fake = CappedList(23, limit=4, text="Page size can't exceed max allowed page size value: 50{}")
    with pytest.raises(BadRequestError, match="value: 504"):
        await read(fake, size=10)
    assert fake.calls == [(1, 10)]


# -- lists complete or loud: every row that existed throughout is in the result ------------------


async def test_a_row_removed_from_page_one_and_one_added_is_an_error_not_a_hole() -> None:
    # The total stays 60 and no page is short: only the boundary check can tell that vm-0020
    # (first on page 2 when page 1 was read) slid onto page 1 and would be on no page read.
    def churn(fake: FakeList, page: int) -> None:
        if page == 2 and not any(r["id"] == "vm-new" for r in fake.rows):
            del fake.rows[5]
            fake.rows.append({"id": "vm-new", "name": "new"})
    fake = FakeList(60, before_page=churn)
    with pytest.raises(ListChangedError, match="moved between two reads"):
        await read(fake, size=20, concurrency=1)


async def test_the_same_change_before_page_one_is_read_gives_the_exact_new_list() -> None:
    fake = FakeList(60)
    del fake.rows[5]
    fake.rows.append({"id": "vm-new"})
    result = await read(fake, size=20, concurrency=4)
    assert result == {"count": 60, "virtualmachine": fake.rows}


async def test_an_unchanging_list_costs_its_windows_and_nothing_more() -> None:
    fake = FakeList(20_000)
    result = await read(fake, size=500, concurrency=8)
    assert result["virtualmachine"] == fake.rows
    assert len(fake.calls) == len(windows_for(20_000, 500)) <= 42  # 40 pages of 500, 2 more to overlap


async def test_page_size_two_checks_each_boundary_with_small_reads() -> None:
    fake = FakeList(9)
    assert (await read(fake, size=2, concurrency=2))["virtualmachine"] == fake.rows

    def churn(fake: FakeList, page: int) -> None:
        if page == 3 and fake.rows[1]["id"] == "vm-0001":
            del fake.rows[1]
            fake.rows.append({"id": "vm-new"})
    changing = FakeList(9, before_page=churn)
    with pytest.raises(ListChangedError, match="moved between two reads"):
        await read(changing, size=2, concurrency=1)


@pytest.mark.parametrize("page_size", [1, 2, 3, 4, 5, 10, 12, 60, 500])
def test_windows_overlap_their_neighbour_and_cover_the_list(page_size: int) -> None:
    tiling = Tiling(page_size)
    for index in range(2, 400):
        window, previous = tiling[index], tiling[index - 1]
        assert 1 <= window.size <= page_size and window.offset == (window.page - 1) * window.size
        assert window.offset == previous.end - window.overlap and window.end > previous.end
        assert window.overlap >= 1 or page_size <= 2 or window.offset % window.size == 0


@pytest.mark.parametrize("page_size", [1, 2, 3, 4, 6, 10, 12, 20, 60])
def test_boundary_windows_hold_both_rows_of_every_boundary(page_size: int) -> None:
    from cloudstack_magic.client._boundaries import boundary_window

    for offset in range(1, 400):
        window = boundary_window(offset, page_size)
        if window is None:
            continue
        page, size, index = window
        assert 2 <= size < page_size
        assert (page - 1) * size + index == offset - 1 and index + 1 < size


# -- the cyclic garbage collector is paused for a whole listing, and restored -------------------


async def test_gc_is_off_for_the_whole_listing_and_back_on_after() -> None:
    import gc

    seen: list[bool] = []

    def look(fake: FakeList, page: int) -> None:
        seen.append(gc.isenabled())
    fake = FakeList(45, before_page=look)
    assert gc.isenabled()
    await read(fake, size=10)
    assert seen and not any(seen) and gc.isenabled()


async def test_gc_is_restored_after_an_error_and_after_a_cancel() -> None:
    import gc

    async def failing(page: int, size: int, slot: Slot) -> dict[str, Any]:
        if page == 1:
            return {"count": 50, "host": [{"id": f"h{i}"} for i in range(10)]}
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await fetch_all_pages(failing, command="listHosts", page_size=10, concurrency=2)
    assert gc.isenabled()

    task = asyncio.ensure_future(read(FakeList(50, delay=5.0), size=10))
    await asyncio.sleep(0.05)
    assert not gc.isenabled()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert gc.isenabled()


async def test_overlapping_listings_restore_gc_only_when_the_last_ends() -> None:
    import gc

    slow = asyncio.ensure_future(read(FakeList(50, delay=0.3), size=10))
    await asyncio.sleep(0.02)
    await read(FakeList(30), size=10)  # starts and ends inside the slow one
    assert not gc.isenabled()  # the slow listing still runs
    await slow
    assert gc.isenabled()


async def test_a_listing_leaves_gc_off_if_it_was_off_before() -> None:
    import gc

    gc.disable()
    try:
        await read(FakeList(30), size=10)
        assert not gc.isenabled()
    finally:
        gc.enable()


async def test_restoring_gc_does_not_walk_what_the_listing_allocated() -> None:
    """The rows read are moved past the young generation unwalked, and nothing stays frozen."""
    import gc

    frozen_before = gc.get_freeze_count()  # an in-process simulator of an earlier test froze its seed
    gc.unfreeze()
    try:
        gc.collect()
        result = await read(FakeList(2000), size=100)
        assert gc.isenabled() and gc.get_freeze_count() == 0
        rows = result["virtualmachine"]  # a container the merge made while the collector was paused
        assert gc.is_tracked(rows)
        # in the oldest generation at once: no young-generation collection had to walk it
        assert any(o is rows for o in gc.get_objects(generation=2))
    finally:
        if frozen_before:
            gc.freeze()


async def test_objects_the_process_froze_stay_frozen_after_a_listing() -> None:
    import gc

    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        await read(FakeList(300), size=100)
        assert 0 < gc.get_freeze_count() <= frozen and gc.isenabled()  # none released, none added
    finally:
        gc.unfreeze()


async def test_rows_the_server_lists_twice_with_one_id_are_kept() -> None:
    # CloudStack's listTemplates answers one row per template per zone, with the template's id.
    fake = FakeList(0)
    fake.rows = [{"id": f"t{i // 2}", "zoneid": f"z{i % 2}"} for i in range(46)]
    assert await read(fake, size=10) == {"count": 46, "virtualmachine": fake.rows}
    small = FakeList(0)
    small.rows = fake.rows[:6]
    assert await read(small, size=10) == {"count": 6, "virtualmachine": small.rows}


class _Row(dict[str, Any]):
    """A row that can be watched with a weak reference."""


class FreshRows(FakeList):
    """Answers every read with new row objects, as a server's JSON does."""

    async def __call__(self, page: int, size: int, slot: Slot) -> dict[str, Any]:
        reply = await super().__call__(page, size, slot)
        return {**reply, "virtualmachine": [_Row(row) for row in reply.get("virtualmachine", [])]}


async def test_dropping_a_listing_frees_its_rows_at_once() -> None:
    result = await read(FreshRows(95, delay=0.01), size=10, concurrency=3)
    rows = [weakref.ref(row) for row in result["virtualmachine"]]
    del result  # no finished read may keep its page alive until the caller next yields
    assert sum(row() is not None for row in rows) == 0
