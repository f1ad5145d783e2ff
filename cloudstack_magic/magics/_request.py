"""The value objects one ``%cloudstack`` call is made of, with no behaviour of their own.

:class:`Settings` are the magic's traits read once per call, :class:`Request` is what the line or
cell asked for, and :class:`CallContext` is everything one command needs in one region — so the
session passes one object down instead of a dozen parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..client._events import ProgressCallback
    from ..spec._spec import Api
    from ._parse import Call

__all__ = ["CallContext", "Request", "Settings"]


@dataclass(frozen=True)
class Settings:
    """The magic's configurable values a call needs (read once per call)."""

    region: str | None = None
    short_errors: bool = True
    page_concurrency: int | None = None
    job_timeout: float | None = None
    progress: str = "auto"


@dataclass(frozen=True)
class Request:
    """Parsed calls plus the options that shape how they run and what comes back."""

    calls: Sequence[Call]
    regions: Sequence[str | None] = (None,)
    raw: bool = False
    wait: bool = True
    dry_run: bool = False
    columns: Sequence[str] = ()
    limit: int | None = None
    parallel: bool = False
    progress: str | None = None  # per-call override of Settings.progress
    title: str = field(default="cloudstack")
    #: False (``--no-validate``): send even what the spec says the server would refuse.
    validate: bool = True
    #: ``--strict``: with several regions, any failed region fails the call.
    strict: bool = False

    @property
    def fan_out(self) -> bool:
        """Whether the call goes to several regions (frames then get a ``region`` column)."""
        return len(self.regions) > 1


@dataclass(frozen=True)
class CallContext:
    """One command of a request, in one region: what the session needs to run it there."""

    call: Call
    api: Api | None
    params: dict[str, Any]
    #: The client's ``fetch_all`` (None: its own rule; False: the one page ``--limit`` asked for).
    fetch_all: bool | None
    region: str | None
    request: Request
    settings: Settings
    progress: ProgressCallback | None

    @property
    def command(self) -> str:
        """The command as the spec spells it (the user may have typed another case)."""
        return self.api.name if self.api is not None else self.call.command

    @property
    def region_name(self) -> str | None:
        """The region as the user named it (``-r``), else the configured default, else None."""
        return self.region or self.settings.region
