"""What CloudStack's JSON replies look like, read one way for the whole package.

A list reply is ``{"count": N, "<objectname>": [rows]}`` (or ``{}`` when there are no rows); the
client's paging, the frames and the magics all find the rows here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._spec import Api

__all__ = ["is_list_command", "rows_of"]


def rows_of(reply: Any) -> tuple[str | None, list[Any]]:
    """``(objectname, rows)`` of a list reply: the one list-valued key other than ``count``;
    ``(None, [])`` when the reply holds no such key (an empty list answers ``{}``)."""
    if isinstance(reply, Mapping):
        for key, value in reply.items():
            if key != "count" and isinstance(value, list):
                return key, value
    return None, []


def is_list_command(command: str, api: Api | None) -> bool:
    """Whether ``command`` lists rows: a paged list API of the spec, or — for a command the spec
    does not know, or one that takes no paging parameters — a name starting with ``list``."""
    return (api is not None and api.is_list) or command.lower().startswith("list")
