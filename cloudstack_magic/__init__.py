"""cloudstack-magic: an async Apache CloudStack client, ``%cloudstack`` magics and a simulator.

The public names are re-exported here; every module behind them is private.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .client._client import CloudStack
from ._errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    CloudStackClientException,
    CommandError,
    ConfigError,
    ConnectError,
    InvalidParameterError,
    InvalidResponseError,
    JobCancelledError,
    JobError,
    JobFailedError,
    JobTimeoutError,
    ListChangedError,
    MissingParameterError,
    RequestTimeout,
    ServerError,
    ThrottledError,
    TransportError,
    UnknownCommandError,
    abandoned_job,
)
from .client._events import JobProgress, PageProgress
from .client._options import ClientOptions
from .client._paging import ListChangedWarning
from .spec._spec import Api, Param, Spec, packaged_spec
from .client._transport import PreparedRequest

from ._version import __version__

if TYPE_CHECKING:
    from .config._regions import Region, list_regions, load_region

#: Names loaded on first access: reading configuration files is not needed to import the client.
_LAZY = {"Region": ".config._regions", "list_regions": ".config._regions", "load_region": ".config._regions"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load_ipython_extension(shell: object) -> None:
    """``%load_ext cloudstack_magic``: register ``%cloudstack`` (IPython is imported only now)."""
    from .magics._extension import load_ipython_extension as load

    load(shell)


def unload_ipython_extension(shell: object) -> None:
    """``%unload_ext cloudstack_magic``: remove everything loading added and close the clients."""
    from .magics._extension import unload_ipython_extension as unload

    unload(shell)


__all__ = [
    "APIError",
    "Api",
    "AuthenticationError",
    "BadRequestError",
    "ClientOptions",
    "CloudStack",
    "CloudStackClientException",
    "CommandError",
    "ConfigError",
    "ConnectError",
    "InvalidParameterError",
    "InvalidResponseError",
    "JobCancelledError",
    "JobError",
    "JobFailedError",
    "JobProgress",
    "JobTimeoutError",
    "ListChangedError",
    "ListChangedWarning",
    "MissingParameterError",
    "PageProgress",
    "Param",
    "PreparedRequest",
    "Region",
    "RequestTimeout",
    "ServerError",
    "Spec",
    "ThrottledError",
    "TransportError",
    "UnknownCommandError",
    "__version__",
    "abandoned_job",
    "list_regions",
    "load_ipython_extension",
    "load_region",
    "packaged_spec",
    "unload_ipython_extension",
]
