"""The completion matcher ``%load_ext`` registers: a stand-in that builds the real one when first asked.

IPython calls every custom matcher on every Tab, so it must be registered at load, but the
real matcher (``_completion``: its patterns, the value tables, the id cache) is only needed
when someone presses Tab. The stand-in carries IPython's matcher marks (``context_matcher``)
itself and hands each call to the real matcher, made once by ``build()``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["deferred_matcher"]


def deferred_matcher(build: Callable[[], Callable[[Any], Any]]) -> Any:
    """A matcher for ``shell.Completer.custom_matchers`` that calls ``build()`` on its first call
    and answers through what it returned (a ``make_matcher`` matcher) from then on."""
    from IPython.core.completer import context_matcher

    made: list[Callable[[Any], Any]] = []

    @context_matcher(identifier="cloudstack_magic.completion")  # type: ignore[untyped-decorator,misc,unused-ignore]
    def cloudstack_matcher(context: Any) -> Any:
        if not made:
            made.append(build())
        return made[0](context)

    return cloudstack_matcher
