"""In-memory tables of resource rows, with the caches that make big listings cheap.

A :class:`Table` keeps rows (plain dicts shaped like CloudStack's JSON, fields without a value
left out) in insertion order, each row's JSON bytes (made once, dropped when the row changes),
and recent filter results keyed by the filter and a version number that every change bumps.
Serving a 500-row page is then a slice and a ``b",".join``.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from operator import itemgetter
from typing import Any

__all__ = ["Row", "Table", "dumps"]

Row = dict[str, Any]
_FILTER_CACHE_SIZE = 32


def dumps(value: Any) -> bytes:
    """Compact JSON like the server's Gson output (UTF-8, no spaces)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class Table:
    """Rows of one resource type (``objectname`` is the JSON key a list answers under; ``key``
    gives the field(s) identifying a row: ``id``, but tags have none)."""

    def __init__(self, objectname: str, key: Callable[[Row], Hashable] = itemgetter("id")) -> None:
        self.objectname = objectname
        self.key = key
        self.version = 0
        self._rows: dict[Hashable, Row] = {}
        self._json: dict[Hashable, bytes] = {}
        self._values: list[Row] | None = None
        self._filtered: OrderedDict[Hashable, list[Row]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows())

    def __contains__(self, row_id: object) -> bool:
        return row_id in self._rows

    def get(self, row_id: Hashable | None) -> Row | None:
        return self._rows.get(row_id) if row_id else None

    def rows(self) -> list[Row]:
        """All rows in insertion order (a cached list: do not mutate it)."""
        if self._values is None:
            self._values = list(self._rows.values())
        return self._values

    def add(self, row: Row) -> Row:
        self._rows[self.key(row)] = row
        self._changed(self.key(row))
        return row

    def extend(self, rows: list[Row]) -> None:
        """Bulk insert for seeding (no per-row bookkeeping)."""
        self._rows.update((self.key(row), row) for row in rows)
        self._changed(None)

    def update(self, row_id: Hashable, **fields: Any) -> Row:
        """Set fields on a row; a value of None removes the field, as the server omits it."""
        row = self._rows[row_id]
        for key, value in fields.items():
            if value is None:
                row.pop(key, None)
            else:
                row[key] = value
        self._changed(row_id)
        return row

    def remove(self, row_id: Hashable) -> Row | None:
        row = self._rows.pop(row_id, None)
        self._changed(row_id)
        return row

    def touch(self, row_id: Hashable) -> None:
        """Call after changing a row in place (e.g. appending to its ``tags`` list)."""
        self._changed(row_id)

    def json_of(self, row: Row) -> bytes:
        cached = self._json.get(self.key(row))
        if cached is None:
            cached = self._json[self.key(row)] = dumps(row)
        return cached

    def select(self, key: Hashable, predicate: Callable[[Row], bool] | None) -> list[Row]:
        """Rows matching ``predicate`` (all rows for None), cached under ``key`` until the
        table changes. ``key`` must describe the predicate completely."""
        if predicate is None:
            return self.rows()
        cache_key = (self.version, key)
        hit = self._filtered.get(cache_key)
        if hit is not None:
            self._filtered.move_to_end(cache_key)
            return hit
        hit = [row for row in self.rows() if predicate(row)]
        self._filtered[cache_key] = hit
        if len(self._filtered) > _FILTER_CACHE_SIZE:
            self._filtered.popitem(last=False)
        return hit

    def _changed(self, row_id: Hashable | None) -> None:
        self.version += 1
        self._values = None
        self._filtered.clear()
        if row_id is None:
            self._json.clear()
        else:
            self._json.pop(row_id, None)
