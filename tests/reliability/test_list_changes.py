"""A list that changes while it is read comes back complete, or fails loudly.

"Complete" means: every row that existed for the whole listing is in the result, and no row is
there twice. The server here pages like CloudStack (rows in id order, ``count`` is the total,
``page``/``pagesize`` slice it), and changes the list at chosen moments, so the result can be
compared with what really existed before and after.
"""

from __future__ import annotations

import random
import warnings
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web

from cloudstack_magic import CloudStack
from cloudstack_magic._errors import ListChangedError


def _row(number: int) -> dict[str, Any]:
    return {"id": f"{number:08d}-0000-4000-8000-000000000000", "name": f"vm-{number}", "state": "Running"}


class ChangingList:
    """VM rows served in pages; ``on_page(page)`` may change them right after a page is served."""

    def __init__(self, rows: int) -> None:
        self.rows = [_row(n) for n in range(rows)]
        self.next_number = rows
        self.on_page: Callable[[ChangingList, int], None] = lambda changing, page: None
        self.requests = 0

    def ids(self) -> set[str]:
        return {row["id"] for row in self.rows}

    def expunge(self, index: int) -> None:
        del self.rows[index]

    def create(self) -> None:
        self.rows.append(_row(self.next_number))
        self.next_number += 1

    async def handle(self, request: web.Request) -> web.Response:
        params = dict(request.query)
        self.requests += 1
        assert params.get("command") == "listVirtualMachines", params
        page, size = int(params.get("page", 1)), int(params.get("pagesize", 500))
        chunk = self.rows[(page - 1) * size : page * size]
        reply: dict[str, Any] = {"count": len(self.rows)}
        if chunk:
            reply["virtualmachine"] = [dict(row) for row in chunk]
        elif not self.rows:
            reply = {}
        self.on_page(self, page)
        return web.json_response({"listvirtualmachinesresponse": reply})


@pytest.fixture
async def served() -> AsyncIterator[Callable[[ChangingList], Any]]:
    runners: list[web.AppRunner] = []

    async def serve(changing: ChangingList) -> str:
        app = web.Application()
        app.add_routes([web.get("/client/api", changing.handle)])
        runner = web.AppRunner(app, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{port}/client/api"

    yield serve
    for runner in runners:
        await runner.cleanup()


def _check(result: dict[str, Any], existed_throughout: set[str], ever: set[str]) -> list[str]:
    """What is wrong with ``result`` (empty when it is complete)."""
    ids = [row["id"] for row in result.get("virtualmachine", [])]
    problems = []
    if len(ids) != len(set(ids)):
        problems.append(f"{len(ids) - len(set(ids))} rows twice")
    missing = existed_throughout - set(ids)
    if missing:
        problems.append(f"missing {len(missing)} rows that existed throughout: {sorted(missing)[:3]}")
    phantoms = set(ids) - ever
    if phantoms:
        problems.append(f"{len(phantoms)} rows that never existed")
    return problems


async def test_a_row_shifting_between_pages_is_not_silently_lost(served: Any) -> None:
    """The issue's case: right after page 1, expunge a VM of page 1 and create one (same total)."""
    changing = ChangingList(100)
    done: list[bool] = []

    def after_page(changing: ChangingList, page: int) -> None:
        if page == 1 and not done:
            done.append(True)
            changing.expunge(3)
            changing.create()

    changing.on_page = after_page
    before = changing.ids()
    endpoint = await served(changing)
    async with CloudStack(endpoint, "k-reliability", "s-reliability") as cs:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = await cs.call("listVirtualMachines", {"listall": "true", "pagesize": 20})
            except ListChangedError:
                return  # loud: the caller knows
    assert done, "the list was never changed: the test proved nothing"
    after = changing.ids()
    problems = _check(result, before & after, before | after)
    assert problems == [], f"{problems}; warnings: {[str(w.message) for w in caught]}"


async def test_concurrent_changes_never_give_a_silently_partial_list(served: Any) -> None:
    """Bounded: 20 listings of 200 rows in pages of 20 while rows come and go between pages."""
    changing = ChangingList(200)
    dice = random.Random(9)
    changes: list[int] = []

    def churn(changing: ChangingList, page: int) -> None:
        if dice.random() < 0.5 and changing.rows:
            changing.expunge(dice.randrange(len(changing.rows)))
            changes.append(page)
        if dice.random() < 0.5:
            changing.create()
            changes.append(page)

    changing.on_page = churn
    endpoint = await served(changing)
    silent: list[str] = []
    loud = exact = 0
    async with CloudStack(endpoint, "k-reliability", "s-reliability") as cs:
        for _ in range(20):
            before = changing.ids()
            created_from = changing.next_number
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    result = await cs.call("listVirtualMachines", {"listall": "true", "pagesize": 20})
                except ListChangedError:
                    loud += 1
                    continue
            after = changing.ids()
            created = {_row(n)["id"] for n in range(created_from, changing.next_number)}
            problems = _check(result, before & after, before | after | created)
            if problems:
                silent.append("; ".join(problems))
            else:
                exact += 1
    assert len(changes) > 20, "too few changes happened to test anything"
    assert silent == [], f"{len(silent)} of 20 listings silently wrong (exact {exact}, loud {loud}): {silent[:3]}"
