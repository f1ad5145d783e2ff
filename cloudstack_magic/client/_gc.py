"""The cyclic garbage collector paused across a whole large read, and restored after.

A 100,000-row listing allocates millions of containers; every allocation burst triggers a
collection that walks all the rows read so far, so collection cost grew with the listing (a
third of its time at 100k rows, 1.45x per row at 1M). The rows are JSON: acyclic, freed by
reference counting, so a paused collector defers nothing it could free.

Listings nest and overlap (several on one event loop, or on loops in other threads): a count of
the reads under way pauses the collector when the first starts and restores what it was when
the last ends — on success, error and cancellation alike. Someone who enabled or disabled the
collector themselves meanwhile is not overridden: the state found at the first pause is the
state restored.

Restoring must not pay the bill deferred: the millions of containers allocated meanwhile are
all in the youngest generation, and the first collection after ``gc.enable()`` would walk every
one of them (0.19 s after a 20,000-VM listing). ``gc.freeze()`` then ``gc.unfreeze()`` moves
them to the oldest generation unwalked — where the rows, freed by reference counting once the
caller drops them, are never walked at all. It is skipped when the process froze objects of its
own (``gc.get_freeze_count()``), which ``unfreeze`` would release.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic collector while the block runs (re-entrant, thread-safe)."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                if gc.get_freeze_count() == 0:
                    gc.freeze()
                    gc.unfreeze()
                gc.enable()
