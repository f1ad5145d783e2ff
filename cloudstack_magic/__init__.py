"""cloudstack-magic: an async Apache CloudStack client, ``%cloudstack`` magics and a simulator.

The public names are re-exported here; every module behind them is private.
"""

from __future__ import annotations

from ._client import CloudStack
from ._config import Region, list_regions, load_region
from ._errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    CloudStackClientException,
    CommandError,
    ConfigError,
    ConnectError,
    InvalidResponseError,
    JobCancelledError,
    JobError,
    JobFailedError,
    JobTimeoutError,
    JobWaitCancelled,
    ListChangedError,
    MissingParameterError,
    RequestTimeout,
    ServerError,
    ThrottledError,
    TransportError,
    UnknownCommandError,
)
from ._events import JobProgress, PageProgress
from ._options import ClientOptions
from ._paging import ListChangedWarning
from ._spec import Api, Param, Spec, packaged_spec
from ._transport import PreparedRequest

__version__ = "0.1.0"


def load_ipython_extension(shell: object) -> None:
    """``%load_ext cloudstack_magic``: register ``%cloudstack`` (IPython is imported only now)."""
    from ._extension import load_ipython_extension as load

    load(shell)


def unload_ipython_extension(shell: object) -> None:
    """``%unload_ext cloudstack_magic``: remove everything loading added and close the clients."""
    from ._extension import unload_ipython_extension as unload

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
    "InvalidResponseError",
    "JobCancelledError",
    "JobError",
    "JobFailedError",
    "JobProgress",
    "JobTimeoutError",
    "JobWaitCancelled",
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
    "list_regions",
    "load_ipython_extension",
    "load_region",
    "packaged_spec",
    "unload_ipython_extension",
]
