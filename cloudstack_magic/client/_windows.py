"""The reads that cover a list: page windows that overlap their neighbour by a row or a few.

CloudStack pages by offset: ``page=k, pagesize=s`` is rows ``(k-1)*s .. k*s-1``, any ``s`` up
to the server's limit. Reading rows ``0..P-1`` with ``pagesize=P``, then the window of another
size that starts just before row ``P`` (``pagesize=P-1, page=2`` is rows ``P-1 .. 2P-3``), and so
on, makes every two neighbouring reads share their boundary rows. If a row before the boundary
was removed or added between the two reads, the shared rows differ, so a list that shifted while
it was read is caught with no extra request (``_paging``). Each next window is the size, among
the ~128 sizes just below ``P``, that reaches furthest while still overlapping: about 1 % more
requests than plain pages of ``P``, a few rows read twice.

Where no size can overlap (page sizes of 1 or 2, or an end that every candidate divides) the
window starts exactly at the boundary and ``overlap`` is 0; that boundary is checked by a
separate small read (``_boundaries``).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Tiling", "Window"]

#: How many sizes below the page size are tried for the next window.
_CANDIDATES = 128


@dataclass(frozen=True, slots=True)
class Window:
    """One read: ``page``/``pagesize`` as sent, the rows ``offset .. offset+size-1`` it asks for,
    and how many of its first rows the previous window also asked for."""

    page: int
    size: int
    offset: int
    overlap: int

    @property
    def end(self) -> int:
        return self.offset + self.size


class Tiling:
    """The windows of a listing read ``page_size`` rows at a time at most, computed as needed."""

    def __init__(self, page_size: int) -> None:
        self.page_size = page_size
        self._windows = [Window(1, page_size, 0, 0)]

    def __getitem__(self, index: int) -> Window:
        """Window ``index`` (1-based, as the listing's "page" numbers)."""
        while len(self._windows) < index:
            self._windows.append(self._after(self._windows[-1].end))
        return self._windows[index - 1]

    def count_for(self, total: int) -> int:
        """How many windows cover ``total`` rows (at least 1)."""
        index = 1
        while self[index].end < total:
            index += 1
        return index

    def _after(self, end: int) -> Window:
        best: Window | None = None
        for size in range(self.page_size, max(1, self.page_size - _CANDIDATES), -1):
            overlap = end % size  # the window holding row end-1 starts `overlap` rows before end
            if overlap == 0 or size < 2:
                continue
            if best is None or size - overlap > best.size - best.overlap:
                best = Window((end - overlap) // size + 1, size, end - overlap, overlap)
        if best is not None:
            return best
        size = next(s for s in range(self.page_size, 0, -1) if end % s == 0)  # starts exactly at end
        return Window(end // size + 1, size, end, 0)
